package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redisProcess is a redis-server of the test's own, on a port it can stop
// and start again (the shared $REDIS_URL must stay up for other tests).
// With persistence it keeps an append-only file in a temporary directory,
// fsynced on every write: killed and started again, it comes back with
// every key, as a production Redis with persistence does.
type redisProcess struct {
	t    *testing.T
	port string
	dir  string // "" = no persistence
	cmd  *exec.Cmd
}

// startRedisProcess starts redis-server on a free loopback port, or skips
// when there is no redis-server binary (fails under CI=true: .ci/run
// installs one).
func startRedisProcess(t *testing.T, persistent bool) *redisProcess {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no redis-server binary (CI=true)")
		}
		t.Skip("no redis-server binary")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	rp := &redisProcess{t: t, port: port}
	if persistent {
		rp.dir = t.TempDir()
	}
	rp.start()
	t.Cleanup(rp.stop)
	return rp
}

func (rp *redisProcess) url() string { return "redis://127.0.0.1:" + rp.port + "/0" }

func (rp *redisProcess) start() {
	rp.t.Helper()
	args := []string{"--port", rp.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	if rp.dir != "" {
		args = append(args, "--dir", rp.dir, "--appendonly", "yes", "--appendfsync", "always")
	}
	rp.cmd = exec.Command("redis-server", args...)
	require.NoError(rp.t, rp.cmd.Start())
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + rp.port})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			rp.t.Fatalf("redis-server on %s did not answer within 10 s", rp.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (rp *redisProcess) stop() {
	if rp.cmd == nil || rp.cmd.Process == nil {
		return
	}
	rp.cmd.Process.Kill()
	rp.cmd.Wait()
	rp.cmd = nil
}

// Redis stopped mid-flow: every endpoint answers 503 with a JSON error and
// a REDIS UNAVAILABLE marker, within the client's deadline, never a hang or
// a panic; when Redis returns, the server works again without a restart.
func TestRedisStoppedMidFlow(t *testing.T) {
	for _, backend := range []string{"miniredis", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var ts *servertest.Server
			var stop, restart func()
			if backend == "miniredis" {
				ts = servertest.Start(t, server.Config{AutoApprove: true})
				stop, restart = ts.Mini.Close, func() { require.NoError(t, ts.Mini.Restart()) }
			} else {
				rp := startRedisProcess(t, false)
				ts = servertest.Start(t, server.Config{RedisURL: rp.url(), AutoApprove: true})
				stop, restart = rp.stop, rp.start
			}
			ts.Protect("/mcp", okHandler())
			tok := ts.Token(t)
			p := servertest.NewPKCE()
			code := ts.Code(t, p) // mid-flow: the code is issued, then Redis goes

			stop()
			client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: servertest.NoRedirect.CheckRedirect}
			for _, tc := range []struct {
				name string
				req  func() *http.Request
			}{
				{"token exchange", func() *http.Request { return form(ts.URL+"/token", tokenForm(code, p)) }},
				{"refresh", func() *http.Request { return form(ts.URL+"/token", refreshForm(tok.RefreshToken)) }},
				{"bearer check", func() *http.Request {
					r, _ := http.NewRequest(http.MethodGet, ts.URL+"/mcp", nil)
					r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
					return r
				}},
				{"register", func() *http.Request {
					r, _ := http.NewRequest(http.MethodPost, ts.URL+"/register", strings.NewReader(`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`))
					return r
				}},
				{"authorize", func() *http.Request {
					r, _ := http.NewRequest(http.MethodGet, ts.URL+"/authorize?"+servertest.AuthorizeParams(servertest.NewPKCE()).Encode(), nil)
					return r
				}},
				{"revoke", func() *http.Request {
					return form(ts.URL+"/revoke", url.Values{"token": {tok.AccessToken}, "client_id": {"claude-desktop"}})
				}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ts.Events.Reset()
					start := time.Now()
					resp, err := client.Do(tc.req())
					require.NoError(t, err, "must answer, not hang")
					defer resp.Body.Close()
					t.Logf("503 after %v", time.Since(start).Round(time.Millisecond))
					assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
					assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
					var body map[string]string
					b, _ := io.ReadAll(resp.Body)
					require.NoError(t, json.Unmarshal(b, &body), "body %q", b)
					assert.Equal(t, "temporarily_unavailable", body["error"])
					assertMarker(t, ts, markers.RedisUnavailable, "redis unavailable")
				})
			}

			restart()
			if backend == "miniredis" {
				// miniredis keeps its data across Restart: the flow resumes.
				tr := ts.ExchangeCode(t, code, p)
				assert.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
				assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", tok.AccessToken).StatusCode)
			}
			// A fresh flow works either way.
			fresh := ts.Token(t)
			assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", fresh.AccessToken).StatusCode)
		})
	}
}

// A server whose Redis is not there at all starts, answers 503, and never
// hangs a request past the Redis timeouts.
func TestRedisUnreachableFromStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ts := servertest.Start(t, server.Config{RedisURL: "redis://" + addr, AutoApprove: true})
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(form(ts.URL+"/token", tokenForm("x", servertest.NewPKCE())))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

// A Redis that accepts connections but never answers (a stuck process, a
// black-holing network) costs a request the Redis timeout, then 503.
func TestRedisHungAnswers503(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() }) // hold it open, say nothing
		}
	}()
	ts := servertest.Start(t, server.Config{RedisURL: "redis://" + ln.Addr().String(), AutoApprove: true})
	ts.Protect("/mcp", okHandler())
	client := &http.Client{Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/mcp", nil)
	req.Header.Set("Authorization", "Bearer whatever")
	start := time.Now()
	resp, err := client.Do(req)
	require.NoError(t, err, "must answer within the client's 10 s")
	resp.Body.Close()
	t.Logf("503 after %v", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assertMarker(t, ts, markers.RedisUnavailable, "GET /mcp")
}

func TestBadRedisURL(t *testing.T) {
	_, err := server.New(server.Config{RedisURL: "mysql://user:pw@host/db"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw", "no password in errors")
}

func form(u string, v url.Values) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// Secrets never reach Redis raw: no key or value holds a code, an access
// token, a refresh token or a client secret.
func TestNoRawSecretsInRedis(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		reg := register(t, ts, `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_post","grant_types":["authorization_code","refresh_token"]}`)
		p := servertest.NewPKCE()
		code := ts.Code(t, p)
		tok := ts.ExchangeCode(t, code, p)
		rot := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
		require.Equal(t, http.StatusOK, rot.Status)
		secrets := map[string]string{"code": code, "access token": tok.AccessToken, "refresh token": tok.RefreshToken,
			"rotated refresh token": rot.RefreshToken, "client secret": reg.ClientSecret, "verifier": p.Verifier}

		u := redisURL
		if ts.Mini != nil {
			u = "redis://" + ts.Mini.Addr()
		}
		opt, err := redis.ParseURL(u)
		require.NoError(t, err)
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		ctx := context.Background()
		keys, err := rdb.Keys(ctx, ts.KeyPrefix+"*").Result()
		require.NoError(t, err)
		require.NotEmpty(t, keys)
		var dump strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&dump, "%s ", k)
			switch rdb.Type(ctx, k).Val() {
			case "string":
				dump.WriteString(rdb.Get(ctx, k).Val())
			case "set":
				dump.WriteString(strings.Join(rdb.SMembers(ctx, k).Val(), " "))
			}
			dump.WriteString("\n")
		}
		for name, s := range secrets {
			assert.NotContains(t, dump.String(), s, "raw %s in Redis", name)
		}
		ttl := rdb.TTL(ctx, keyWith(keys, ":at:")).Val()
		assert.InDelta(t, 3600, ttl.Seconds(), 5, "access token TTL")
	})
}

func keyWith(keys []string, sub string) string {
	for _, k := range keys {
		if strings.Contains(k, sub) {
			return k
		}
	}
	return ""
}

// Secrets reach the log only as the short prefix.
func TestNoRawSecretsInLog(t *testing.T) {
	var log strings.Builder
	ts := servertest.Start(t, server.Config{AutoApprove: true, LogOutput: &syncWriter{w: &log}})
	ts.Protect("/mcp", okHandler())
	p := servertest.NewPKCE()
	code := ts.Code(t, p)
	tok := ts.ExchangeCode(t, code, p)
	rot := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
	ts.Get(t, "/mcp", rot.AccessToken)
	ts.PostToken(t, "/revoke", url.Values{"token": {rot.RefreshToken}, "client_id": {"claude-desktop"}}, "", "")
	out := ts.Server.Logger()
	require.NotNil(t, out)
	for name, s := range map[string]string{"code": code, "access": tok.AccessToken, "refresh": tok.RefreshToken, "rotated access": rot.AccessToken, "rotated refresh": rot.RefreshToken} {
		assert.NotContains(t, log.String(), s, "raw %s token in log", name)
		assert.Contains(t, log.String(), s[:8]+"...", "short %s token in log", name)
	}
}
