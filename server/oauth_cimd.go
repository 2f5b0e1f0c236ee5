package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/loopback"
	"github.com/mcpvcr/mcpvcr/markers"
)

// Client ID metadata documents (CIMD, draft-ietf-oauth-client-id-metadata-document;
// MCP 2025-11-25 and 2026-07-28 authorization, "Client ID Metadata
// Documents"): a client whose client_id is an https URL registers nothing.
// The authorization server fetches the JSON document at that URL, and the
// document says who the client is and where it may be redirected. The new
// clients prefer it to dynamic client registration (which stays, for the
// older ones) whenever the metadata says client_id_metadata_document_supported:
//
//	GET /authorize?client_id=https://app.example/client.json
//	  > lookupClient > lookupCIMDClient > cache, or fetch (https, or http on loopback;
//	                                       5 s, 16 KiB, no redirects) > validate > client
//	POST /token (client_id=the URL) > authenticateClient > lookupClient > the cached document
//
// The URL and the document are the client's input, so neither is trusted:
// the URL must have the draft's shape (checkCIMDURL) before anything is
// fetched, the fetch is bounded in time and size and follows no redirect,
// the document must name itself (client_id equal to the URL, byte for
// byte) and may claim only a public client (no shared secret: the draft
// forbids client_secret_* for documents anyone can read).

// Bounds of a metadata document fetch.
const (
	cimdMaxBytes = 16 << 10 // a document is a few hundred bytes; 16 KiB is generous
	cimdTimeout  = 5 * time.Second
	// cimdCacheTTL is how long a fetched document stands for its client:
	// the authorize, token and refresh requests of one sign-in read it once.
	cimdCacheTTL = 5 * time.Minute
	cimdCacheMax = 256
)

// cimdClients fetches and caches metadata documents. Tests replace http
// (a client trusting an httptest TLS server) and timeout.
type cimdClients struct {
	http    *http.Client
	timeout time.Duration

	mu    sync.Mutex
	cache map[string]cimdEntry
}

type cimdEntry struct {
	c       *client
	expires time.Time
}

func newCIMDClients() *cimdClients {
	return &cimdClients{
		http: &http.Client{
			// The URL is the client's identity: a redirect would make
			// another document speak for it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return errCIMDRedirect },
		},
		timeout: cimdTimeout,
		cache:   map[string]cimdEntry{},
	}
}

var errCIMDRedirect = errors.New("the document URL redirects (redirects are not followed)")

// isCIMDClientID reports whether a client_id is a metadata document URL
// rather than an id this server issued or was configured with.
func isCIMDClientID(id string) bool {
	return strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")
}

// checkCIMDURL returns why raw cannot be a client ID metadata document URL,
// or nil: https with a host and a path other than "/", no userinfo, no
// fragment, no "." or ".." segment (the draft, §3), and http only on a
// loopback host (for documents a local test serves).
func checkCIMDURL(raw string) error {
	if len(raw) > 2048 {
		return fmt.Errorf("longer than 2048 bytes")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("not an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback.IsHost(u.Host):
	default:
		return fmt.Errorf("must be https (or http on loopback)")
	}
	if u.User != nil {
		return fmt.Errorf("must not contain a username or password")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("must not contain a fragment")
	}
	if u.Path == "" || u.Path == "/" {
		return fmt.Errorf("must have a path (a document, not a site)")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("must not contain . or .. path segments")
		}
	}
	return nil
}

// cimdDocument is the part of a metadata document (RFC 7591 §2 client
// metadata) this server acts on.
type cimdDocument struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ClientSecret            *string  `json:"client_secret"`
}

// lookupCIMDClient returns the client a metadata document describes,
// fetching it unless a fresh copy is cached. Every refusal is
// invalid_client with the reason, which the endpoint's failure marker logs.
func (s *Server) lookupCIMDClient(ctx context.Context, id string) (*client, error) {
	cc := s.oauth.cimd
	cc.mu.Lock()
	e, ok := cc.cache[id]
	cc.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.c, nil
	}
	if err := checkCIMDURL(id); err != nil {
		return nil, refuse(OAuthInvalidClient, "client_id %s is not a usable client metadata document URL: %v", logValue(id), err)
	}
	start := time.Now()
	body, err := cc.fetch(ctx, id)
	if err != nil {
		return nil, refuse(OAuthInvalidClient, "client metadata document %s: %v", logValue(id), err)
	}
	c, err := cimdClient(id, body)
	if err != nil {
		return nil, refuse(OAuthInvalidClient, "client metadata document %s: %v", logValue(id), err)
	}
	s.log.Mark(ctx, markers.OAuthClientMetadata, "client_id=%s fetched %d bytes in %s: name=%s redirect_uris=%v", logValue(id), len(body), time.Since(start).Round(time.Millisecond), logValue(c.Name), c.RedirectURIs)
	cc.mu.Lock()
	if len(cc.cache) >= cimdCacheMax {
		clear(cc.cache) // crude, bounded: a re-fetch is the only cost
	}
	cc.cache[id] = cimdEntry{c: c, expires: time.Now().Add(cimdCacheTTL)}
	cc.mu.Unlock()
	return c, nil
}

// fetch GETs the document: 200, JSON, at most cimdMaxBytes, within the
// timeout.
func (cc *cimdClients) fetch(ctx context.Context, id string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cc.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := cc.http.Do(req)
	if errors.Is(err, errCIMDRedirect) {
		return nil, errCIMDRedirect
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("no answer within %s", cc.timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch answered %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, fmt.Errorf("Content-Type %s, want application/json", logValue(ct))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, cimdMaxBytes+1))
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("no whole document within %s", cc.timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the document: %w", err)
	}
	if len(body) > cimdMaxBytes {
		return nil, fmt.Errorf("larger than %d bytes", cimdMaxBytes)
	}
	return body, nil
}

// cimdClient validates a fetched document as the client id names it.
func cimdClient(id string, body []byte) (*client, error) {
	var doc cimdDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if doc.ClientID != id {
		return nil, fmt.Errorf("its client_id %s is not its own URL", logValue(doc.ClientID))
	}
	if doc.ClientSecret != nil {
		return nil, errors.New("it holds a client_secret (a document anyone can read cannot)")
	}
	switch AuthMethod(doc.TokenEndpointAuthMethod) {
	case "", AuthNone:
	default:
		return nil, fmt.Errorf("token_endpoint_auth_method %s: a metadata document client is public (none)", logValue(doc.TokenEndpointAuthMethod))
	}
	if len(doc.RedirectURIs) == 0 {
		return nil, errors.New("no redirect_uris")
	}
	for _, u := range doc.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return nil, err
		}
	}
	grants := doc.GrantTypes
	if len(grants) == 0 {
		grants = []string{string(GrantAuthorizationCode)} // RFC 7591 §2's default
	}
	for _, g := range grants {
		if !slices.Contains(supportedGrantTypes, g) {
			return nil, fmt.Errorf("grant type %s: want one of %v", logValue(g), supportedGrantTypes)
		}
	}
	u, _ := url.Parse(id)
	name := doc.ClientName
	if name == "" {
		name = u.Host
	} else {
		// The name is the client's claim; the host is what vouches for it
		// (the draft asks consent screens to show it).
		name = fmt.Sprintf("%s (%s)", name, u.Host)
	}
	return &client{ID: id, Name: name, RedirectURIs: doc.RedirectURIs, AuthMethod: AuthNone, GrantTypes: grants}, nil
}
