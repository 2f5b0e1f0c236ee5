package server_test

import (
	"bufio"
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
