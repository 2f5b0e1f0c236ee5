package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aofRedis is a redis-server of the test's own with an append-only file in
// a temporary directory, fsynced on every write: killed and started again,
// it comes back with every key, as a production Redis with persistence does.
// (TestRedisStoppedMidFlow's Redis has no persistence: it shows recovery
// with a fresh flow; this one shows that no token is lost.)
type aofRedis struct {
	t    *testing.T
	port string
	dir  string
	cmd  *exec.Cmd
}

func startAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("REDIS_URL not set: the real-Redis variant runs in .ci/run")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server binary")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	r := &aofRedis{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *aofRedis) url() string { return "redis://127.0.0.1:" + r.port + "/0" }

func (r *aofRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	require.NoError(r.t, r.cmd.Start())
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not answer within 10 s", r.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the process (SIGKILL: no goodbye, as a crash).
func (r *aofRedis) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

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
			if backend == "miniredis" {
				ts = servertest.Start(t, server.Config{AutoApprove: true})
				stop, restart = ts.Mini.Close, func() { require.NoError(t, ts.Mini.Restart()) }
			} else {
				rr := startAOFRedis(t)
				ts = servertest.Start(t, server.Config{RedisURL: rr.url(), AutoApprove: true})
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
					assertMarker(t, ts, server.RedisUnavailable, "redis unavailable")
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
