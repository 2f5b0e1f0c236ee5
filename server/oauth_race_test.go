package server_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eachBackend runs f on miniredis and on a real Redis: $REDIS_URL when
// set, else a redis-server of the test's own on a free loopback port.
func eachBackend(t *testing.T, f func(t *testing.T, redisURL string)) {
	t.Run("miniredis", func(t *testing.T) { f(t, "") })
	t.Run("redis", func(t *testing.T) {
		u := os.Getenv("REDIS_URL")
		if u == "" {
			u = startRedisProcess(t, false).url()
		}
		f(t, u)
	})
}

// race runs do twice at once and returns both results.
func race(do func() servertest.TokenResponse) [2]servertest.TokenResponse {
	var out [2]servertest.TokenResponse
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = do()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestSecurityMedium3ReuseRaceRevokesWholeFamily is issue 12 Medium 3: two
// concurrent redemptions of one code (or one refresh token) are a replay,
// and the whole family dies, whichever order Redis sees them in. Before
// the fix the loser's revocation ran before the winner's tokens were
// attached to the grant: 17-24 of 30 races left the winner's token alive.
func TestSecurityMedium3ReuseRaceRevokesWholeFamily(t *testing.T) {
	const races = 30
	eachBackend(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		ts.Protect("/mcp", okHandler())
		aliveAfter := func(results [2]servertest.TokenResponse) bool {
			alive := false
			for _, r := range results {
				if r.Status == http.StatusOK {
					resp := ts.Get(t, "/mcp", r.AccessToken)
					alive = alive || resp.StatusCode == http.StatusOK
				}
			}
			return alive
		}
		t.Run("code", func(t *testing.T) {
			alive := 0
			for range races {
				p := servertest.NewPKCE()
				code := ts.Code(t, p)
				if aliveAfter(race(func() servertest.TokenResponse { return ts.ExchangeCode(t, code, p) })) {
					alive++
				}
			}
			assert.Zero(t, alive, "%d of %d code races left a token alive", alive, races)
		})
		t.Run("refresh token", func(t *testing.T) {
			alive := 0
			for range races {
				rt := ts.Token(t).RefreshToken
				if aliveAfter(race(func() servertest.TokenResponse { return ts.PostToken(t, "/token", refreshForm(rt), "", "") })) {
					alive++
				}
			}
			assert.Zero(t, alive, "%d of %d refresh races left a token alive", alive, races)
		})
	})
}

// stallingProxy sits between the server and Redis. Armed with n, it
// forwards the next n requests holding marker to Redis (so they commit)
// and holds Redis's answers past the server's Redis timeout: a stall
// after the commit (n = 2: go-redis retries once).
type stallingProxy struct {
	addr   string
	marker []byte
	armed  atomic.Int32
}

func startStallingProxy(t *testing.T, upstream string, marker string) *stallingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	p := &stallingProxy{addr: ln.Addr().String(), marker: []byte(marker)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); u.Close() })
			var stall atomic.Bool
			go func() { // client > Redis
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if bytes.Contains(buf[:n], p.marker) && p.armed.Add(-1) >= 0 {
							stall.Store(true)
						}
						u.Write(buf[:n])
					}
					if err != nil {
						u.Close()
						return
					}
				}
			}()
			go func() { // Redis > client
				buf := make([]byte, 64<<10)
				for {
					n, err := u.Read(buf)
					if stall.CompareAndSwap(true, false) {
						time.Sleep(3 * time.Second) // longer than the server's 1 s Redis timeout; the server gave up already
					}
					if n > 0 {
						c.Write(buf[:n])
					}
					if err != nil {
						io.Copy(io.Discard, u)
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return p
}

// TestSecurityMedium4UnansweredRotationIsNotReuse is issue 12 Medium 4: a
// Redis stall after the rotation committed makes the refresh answer 503;
// the client's retry with the same refresh token is not reuse: it gets a
// new pair and the grant lives. A replay after the client was answered
// still revokes the grant.
func TestSecurityMedium4UnansweredRotationIsNotReuse(t *testing.T) {
	eachBackend(t, func(t *testing.T, redisURL string) {
		upstream := ""
		if redisURL == "" {
			ts0 := servertest.Start(t, server.Config{})
			upstream = ts0.Mini.Addr()
		} else {
			upstream = redisURL[len("redis://"):]
			upstream = upstream[:len(upstream)-len("/0")]
		}
		// The step that records the new pair in its grant (the only
		// request of a rotation naming the grant's SET): stall its answer.
		proxy := startStallingProxy(t, upstream, ":grant:")
		ts := servertest.Start(t, server.Config{RedisURL: "redis://" + proxy.addr + "/0", AutoApprove: true})
		ts.Protect("/mcp", okHandler())
		tok := ts.Token(t)

		proxy.armed.Store(2)
		stalled := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
		require.Equal(t, http.StatusServiceUnavailable, stalled.Status, "the stalled rotation: %s %s", stalled.Error, stalled.ErrorDescription)

		retried := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
		require.Equal(t, http.StatusOK, retried.Status, "the client's retry after a 503 was treated as reuse: %s %s", retried.Error, retried.ErrorDescription)
		assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", retried.AccessToken).StatusCode, "the retry's token works")
		assertMarker(t, ts, markers.RefreshTokenRotated, "the pair it never saw is revoked")

		replay := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
		assert.Equal(t, "invalid_grant", replay.Error, "a replay after the answer is reuse")
		assert.Equal(t, http.StatusUnauthorized, ts.Get(t, "/mcp", retried.AccessToken).StatusCode, "reuse revokes the grant")
	})
}
