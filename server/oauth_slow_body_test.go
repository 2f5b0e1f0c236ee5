package server_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// TestSecurityMedium7SlowBodyCut is issue 12 Medium 7: /register, /token
// and /revoke held a connection as long as a client kept trickling its
// body (45 s at one byte per 3 s). The body read is bounded (10 s, here
// scaled to its 1 s floor); the client gets an answer, not a held connection.
func TestSecurityMedium7SlowBodyCut(t *testing.T) {
	ts := servertest.Start(t, server.Config{TimeScale: 0.01})
	for _, path := range []string{"/register", "/token", "/revoke"} {
		t.Run(path, func(t *testing.T) {
			c, err := net.Dial("tcp", ts.Listener.Addr().String())
			require.NoError(t, err)
			defer c.Close()
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ng", path, ts.Listener.Addr())
			// The client sends nothing more. The server must answer (or
			// close) on its own, well before the client's deadline.
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				resp.Body.Close()
				assert.GreaterOrEqual(t, resp.StatusCode, 400, "a truncated body was accepted")
				return
			}
			var ne net.Error
			if assert.ErrorAs(t, err, &ne) {
				assert.False(t, ne.Timeout(), "the server still held the connection after 20 s (20 times its 1 s bound)")
			}
		})
	}
}
