package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const smallRegistration = `{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`

// TestSecurityMedium6AnonymousGrowthBounded is issue 12 Medium 6: what
// anonymous callers make the server keep is bounded, and each limit
// answers with a clear error and a marker. Before the fix 2,000
// registrations of 60 KB grew RSS 27 > 256 MB and never expired, 1,000
// /authorize with a 60 KB state added 118 MB, and MCP sessions never
// expired (3,000 sessions kept 3,004 goroutines).
func TestSecurityMedium6AnonymousGrowthBounded(t *testing.T) {
	t.Run("registration size", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		reg := register(t, ts, `{"client_name":"`+strings.Repeat("x", 60<<10)+`","redirect_uris":["http://127.0.0.1:9/cb"]}`)
		assert.Equal(t, http.StatusBadRequest, reg.Status)
		assert.Equal(t, "invalid_client_metadata", reg.Error)
		assertMarker(t, ts, markers.OAuthRegisterFailed, "larger than")
	})
	t.Run("registration count", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		for i := range 1000 {
			if reg := register(t, ts, smallRegistration); reg.Status != http.StatusCreated {
				t.Fatalf("registration %d = %d %s, want 201 until 1000", i+1, reg.Status, reg.ErrorDescription)
			}
		}
		reg := register(t, ts, smallRegistration)
		assert.Equal(t, http.StatusTooManyRequests, reg.Status)
		assert.Equal(t, "temporarily_unavailable", reg.Error)
		assertMarker(t, ts, markers.OAuthRegisterFailed, "1000 registered clients")
		ts.Mini.FastForward(25 * time.Hour) // unused clients expire
		assert.Equal(t, http.StatusCreated, register(t, ts, smallRegistration).Status, "after the unused ones expired")
	})
	t.Run("unused clients expire, used ones live", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{AutoApprove: true})
		unused := register(t, ts, smallRegistration).ClientID
		used, _ := registeredToken(t, ts)
		ts.Mini.FastForward(25 * time.Hour)
		p := servertest.NewPKCE()
		resp, _ := ts.Authorize(t, with(with(servertest.AuthorizeParams(p), "client_id", unused), "redirect_uri", "http://127.0.0.1:9/cb"))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a client never used, 25 h after registering")
		resp, _ = ts.Authorize(t, with(with(servertest.AuthorizeParams(p), "client_id", used), "redirect_uri", "http://127.0.0.1:9/callback"))
		assert.Equal(t, http.StatusFound, resp.StatusCode, "a client that got a token")
	})
	t.Run("authorize state", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		_, loc := ts.Authorize(t, with(servertest.AuthorizeParams(servertest.NewPKCE()), "state", strings.Repeat("s", 60<<10)))
		require.NotNil(t, loc)
		assert.Equal(t, "invalid_request", loc.Query().Get("error"))
		assertMarker(t, ts, markers.OAuthAuthorizeFailed, "state of 61440 bytes")
	})
	t.Run("pending consents", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		params := servertest.AuthorizeParams(servertest.NewPKCE())
		for i := range 1000 {
			if resp, _ := ts.Authorize(t, params); resp.StatusCode != http.StatusOK {
				t.Fatalf("consent page %d = %d, want 200 until 1000", i+1, resp.StatusCode)
			}
		}
		resp, _ := ts.Authorize(t, params)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assertMarker(t, ts, markers.OAuthAuthorizeFailed, "consent pages are awaiting an answer")
	})
	t.Run("sessions per grant", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{AutoApprove: true})
		tok := ts.Token(t).AccessToken
		for i := range 64 {
			resp, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, tok, "", initializeJSON))
			require.Equal(t, http.StatusOK, resp.StatusCode, "initialize %d: %s", i+1, body)
		}
		resp, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, tok, "", initializeJSON))
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, body)
		assertMarker(t, ts, markers.Warning, "Session limit")
		other := ts.Token(t).AccessToken
		resp, _ = doMCP(t, mcpRequest(t, ts, http.MethodPost, other, "", initializeJSON))
		assert.Equal(t, http.StatusOK, resp.StatusCode, "another grant is not limited by this one")
	})
	t.Run("idle sessions end", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{AutoApprove: true, SessionIdleTimeout: 50 * time.Millisecond})
		tok := ts.Token(t).AccessToken
		sid := initializeMCP(t, ts, tok)
		deadline := time.Now().Add(20 * time.Second)
		for {
			// Each probe is a request, which keeps the session busy: stay
			// idle for longer than the timeout between probes.
			time.Sleep(300 * time.Millisecond)
			status, _ := toolsList(t, ts, tok, sid)
			if status == http.StatusNotFound {
				return // the session is gone: the client re-initializes
			}
			if time.Now().After(deadline) {
				t.Fatalf("session probed after 300 ms idle periods for 20 s (timeout 50 ms) still answers %d", status)
			}
		}
	})
}

// TestSecurityLowSessionBoundToGrant is issue 12 Low: sessions were bound
// only by client id, so a second claude-desktop grant (anyone can be the
// public client) could drive another grant's session.
func TestSecurityLowSessionBoundToGrant(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	victim, attacker := ts.Token(t), ts.Token(t)
	sid := initializeMCP(t, ts, victim.AccessToken)
	status, body := toolsList(t, ts, attacker.AccessToken, sid)
	assert.Equal(t, http.StatusForbidden, status, "another claude-desktop grant drove the session: %s", body)
	status, _ = toolsList(t, ts, victim.AccessToken, sid)
	assert.Equal(t, http.StatusOK, status)
}
