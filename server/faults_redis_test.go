package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedisDownMidMCPSession: a client holds a token and an initialized MCP
// session; Redis goes down. Every request of the session, a new session and
// a refresh get 503 with a JSON error saying the token store is down,
// Retry-After, and a REDIS UNAVAILABLE marker, within the client's deadline.
// Redis comes back: the same token and the same session work, the refresh
// token still refreshes: nothing was lost.
func TestRedisDownMidMCPSession(t *testing.T) {
	for _, backend := range []string{"miniredis", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var ts *servertest.Server
			var stop, restart func()
			// Every request asks Redis (no token cache): the point is what
			// each one gets the moment Redis is gone.
			if backend == "miniredis" {
				ts = servertest.Start(t, server.Config{AutoApprove: true, NoTokenCache: true})
				stop, restart = ts.Mini.Close, func() { require.NoError(t, ts.Mini.Restart()) }
			} else {
				rr := startRedisProcess(t, true) // persistent: no token may be lost
				ts = servertest.Start(t, server.Config{RedisURL: rr.url(), AutoApprove: true, NoTokenCache: true})
				stop, restart = rr.stop, rr.start
			}
			tok := ts.Token(t)
			sid := initializeMCP(t, ts, tok.AccessToken)
			status, body := toolsList(t, ts, tok.AccessToken, sid)
			require.Equal(t, http.StatusOK, status, body)

			stop()
			for _, tc := range []struct {
				name string
				req  func() *http.Request
			}{
				{"tools/list in the session", func() *http.Request {
					return mcpRequest(t, ts, http.MethodPost, tok.AccessToken, sid, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
				}},
				{"listen stream", func() *http.Request { return mcpRequest(t, ts, http.MethodGet, tok.AccessToken, sid, "") }},
				{"new session", func() *http.Request { return mcpRequest(t, ts, http.MethodPost, tok.AccessToken, "", initializeJSON) }},
				{"refresh", func() *http.Request { return form(ts.URL+"/token", refreshForm(tok.RefreshToken)) }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ts.Events.Reset()
					start := time.Now()
					resp, b := doMCP(t, tc.req()) // 20 s client deadline: must answer, not hang
					t.Logf("503 after %v", time.Since(start).Round(time.Millisecond))
					require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "body %q", b)
					assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
					var e struct {
						Error            string `json:"error"`
						ErrorDescription string `json:"error_description"`
					}
					require.NoError(t, json.Unmarshal([]byte(b), &e), "body %q", b)
					assert.Equal(t, "temporarily_unavailable", e.Error)
					assert.Contains(t, e.ErrorDescription, "Redis")
					if tc.name != "refresh" {
						assert.Equal(t, "1", resp.Header.Get("Retry-After"))
					}
					assertMarker(t, ts, markers.RedisUnavailable, "redis unavailable")
				})
			}

			restart()
			status, body = toolsList(t, ts, tok.AccessToken, sid)
			assert.Equal(t, http.StatusOK, status, "same token, same session after Redis is back: %s", body)
			assert.Contains(t, body, `"echo"`)
			rot := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
			require.Equal(t, http.StatusOK, rot.Status, "the refresh token survived: %s", rot.ErrorDescription)
			status, _ = toolsList(t, ts, rot.AccessToken, sid)
			assert.Equal(t, http.StatusOK, status, "the refreshed token drives the same session")
		})
	}
}
