package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/require"
)

// serveLikeServe runs ts's server a second time, on its own loopback
// listener, with the http.Server `mcpvcr serve` uses, and returns a
// servertest.Server naming that URL (enough for the mcp helpers).
func serveLikeServe(t *testing.T, ts *servertest.Server, cfg server.Config) (*servertest.Server, *http.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := server.NewHTTPServer(ts.Server, cfg)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return &servertest.Server{URL: "http://" + ln.Addr().String()}, hs
}

// TestSlowLorisCutSSEKept: the serve http.Server cuts a client that
// trickles its headers after ReadHeaderTimeout, while a listen stream lives
// on past every server timeout (no WriteTimeout, which would kill SSE:
// go-sdk#1262). Timeouts are scaled by TimeScale 0.005:
// ReadHeaderTimeout 50 ms, IdleTimeout 600 ms, keepalive 75 ms.
func TestSlowLorisCutSSEKept(t *testing.T) {
	cfg := server.Config{AutoApprove: true, TimeScale: 0.005}
	ts := servertest.Start(t, cfg)
	live, hs := serveLikeServe(t, ts, cfg)
	longest := max(hs.ReadHeaderTimeout, hs.IdleTimeout, hs.ReadTimeout, hs.WriteTimeout)
	require.Zero(t, hs.WriteTimeout, "WriteTimeout kills SSE streams")
	require.NotZero(t, hs.ReadHeaderTimeout)

	t.Run("trickled headers are cut", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(live.URL, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		require.NoError(t, err)
		stop := make(chan struct{})
		defer close(stop)
		go func() { // one header byte every 10 ms, never the blank line
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := io.WriteString(conn, "X"); err != nil {
						return
					}
				}
			}
		}()
		started := time.Now()
		conn.SetReadDeadline(started.Add(20 * time.Second))
		_, err = io.Copy(io.Discard, conn) // returns when the server closes
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("server still holds a connection trickling headers after 20 s (ReadHeaderTimeout %s)", hs.ReadHeaderTimeout)
		}
		t.Logf("trickling client cut after %s (ReadHeaderTimeout %s)", time.Since(started).Round(time.Millisecond), hs.ReadHeaderTimeout)
	})

	t.Run("listen stream outlives every timeout", func(t *testing.T) {
		tok := ts.Token(t)
		sid := initializeMCP(t, live, tok.AccessToken)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		req := mcpRequest(t, live, http.MethodGet, tok.AccessToken, sid, "").WithContext(ctx)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		opened := time.Now()
		sc := bufio.NewScanner(resp.Body)
		comments := 0
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), ":") {
				comments++
			}
			// Alive well past twice the longest server timeout: done.
			if time.Since(opened) > 2*longest && comments >= 2 {
				t.Logf("stream alive after %s (longest server timeout %s), %d keepalive comments", time.Since(opened).Round(time.Millisecond), longest, comments)
				return
			}
		}
		t.Fatalf("listen stream ended after %s (%d comments): %v; longest server timeout %s", time.Since(opened), comments, sc.Err(), longest)
	})
}

// TestConnIdleTimeoutServe: Config.ConnIdleTimeout sets the serve
// http.Server's IdleTimeout, scaled; 0 keeps the 120 s default, negative
// means never.
func TestConnIdleTimeoutServe(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  time.Duration
		want time.Duration
	}{
		{"default", 0, 1200 * time.Millisecond},
		{"node's 5 s", 5 * time.Second, 50 * time.Millisecond},
		{"never", -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := server.NewHTTPServer(http.NotFoundHandler(), server.Config{TimeScale: 0.01, ConnIdleTimeout: tc.set})
			require.Equal(t, tc.want, hs.IdleTimeout)
		})
	}
}

// TestConnIdleTimeoutLoopback: the test kits' server closes an idle
// keep-alive connection after ConnIdleTimeout (5 s at scale 0.01: 50 ms),
// never before; the client sees EOF on the connection it kept.
func TestConnIdleTimeoutLoopback(t *testing.T) {
	ts := servertest.Start(t, server.Config{TimeScale: 0.01, ConnIdleTimeout: 5 * time.Second})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	idleFrom := time.Now()

	// Wait for the server's close with a generous deadline.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = br.ReadByte()
	require.ErrorIs(t, err, io.EOF, "the server should close the idle connection")
	require.GreaterOrEqual(t, time.Since(idleFrom), 50*time.Millisecond, "closed before its idle timeout")
}
