package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// cachedGrant is what check keeps of an interactive login, so the next run
// needs no person: the client it registered and the grant's tokens. It is
// a secret: it lives only in the user's cache directory (never in the
// repository), in a file only the user can read, and nothing prints more
// of its tokens than their first characters.
type cachedGrant struct {
	Issuer       string `json:"issuer"`
	Resource     string `json:"resource,omitempty"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// ExpiresAt is when the access token expires; zero when the issuer
	// did not say.
	ExpiresAt time.Time `json:"expires_at,omitempty"`
}

// expiryMargin: an access token this close to its expiry is refreshed
// first, so it does not expire in the middle of a check.
const expiryMargin = 2 * time.Minute

// fresh reports whether the access token can be used now.
func (g *cachedGrant) fresh(now time.Time) bool {
	return g.AccessToken != "" && (g.ExpiresAt.IsZero() || now.Add(expiryMargin).Before(g.ExpiresAt))
}

// tokenCache is a folder of cached grants, one file per issuer, named by
// the issuer's hash (os.UserCacheDir()/mcpvcr/tokens by default).
type tokenCache struct{ dir string }

// userTokenCache is the cache under the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS).
func userTokenCache() (*tokenCache, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	return &tokenCache{dir: filepath.Join(base, "mcpvcr", "tokens")}, nil
}

// path is the file of issuer's grant.
func (tc *tokenCache) path(issuer string) string {
	sum := sha256.Sum256([]byte(issuer))
	return filepath.Join(tc.dir, hex.EncodeToString(sum[:12])+".json")
}

// load returns issuer's cached grant, nil when there is none. A file
// others can read is refused (and left for the user to look at): its
// tokens may have leaked.
func (tc *tokenCache) load(issuer string) (*cachedGrant, error) {
	p := tc.path(issuer)
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("token cache %s is readable by others (mode %v): remove it and log in again", p, fi.Mode().Perm())
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	var g cachedGrant
	if err := json.Unmarshal(data, &g); err != nil || g.Issuer != issuer {
		return nil, nil // unreadable or another issuer's: log in again, then overwrite
	}
	return &g, nil
}

// save writes g with mode 0600 (the folder 0700), atomically: a reader
// never sees half a file.
func (tc *tokenCache) save(g *cachedGrant) error {
	if err := os.MkdirAll(tc.dir, 0o700); err != nil {
		return fmt.Errorf("token cache: %w", err)
	}
	data, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(tc.dir, ".grant-*")
	if err != nil {
		return fmt.Errorf("token cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("token cache: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("token cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("token cache: %w", err)
	}
	return os.Rename(tmp.Name(), tc.path(g.Issuer))
}
