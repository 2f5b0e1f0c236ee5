package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"regexp"
)

// pkceVerifierChars is RFC 7636 §4.1: 43 to 128 characters of
// [A-Za-z0-9-._~]. "~" and "." are legal and break naive implementations
// that expect base64url only (field failure 21).
var pkceVerifierChars = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// verifyPKCE checks an S256 code_verifier against the code_challenge the
// code was issued with (RFC 7636 §4.6). Both failure kinds are
// invalid_grant, the error of RFC 7636 §4.6, with different reasons.
func verifyPKCE(verifier, challenge string) error {
	if !pkceVerifierChars.MatchString(verifier) {
		return refuse(OAuthInvalidGrant, "PKCE verification failed: code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1), got %d characters", len(verifier))
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) != 1 {
		return refuse(OAuthInvalidGrant, "PKCE verification failed: BASE64URL(SHA256(code_verifier)) does not match code_challenge")
	}
	return nil
}

// S256Challenge returns the S256 code_challenge for a verifier (for tests
// and the docs' walk-through).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
