package server_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// rawRequest writes an HTTP/1.1 request on its own TCP connection and
// reads until the response headers and the first SSE line are in, so the
// server is mid-stream. The caller vanishes by closing the connection.
func rawRequest(t *testing.T, ts *servertest.Server, method, token, sid, body string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "%s /mcp HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nMcp-Session-Id: %s\r\nMcp-Protocol-Version: %s\r\n",
		method, strings.TrimPrefix(ts.URL, "http://"), token, sid, protocolVersion)
	if body != "" {
		fmt.Fprintf(conn, "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	} else {
		fmt.Fprintf(conn, "Accept: text/event-stream\r\n\r\n")
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(conn)
	status, err := rd.ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, status, " 200 ", "%s: %s", method, status)
	for { // headers
		line, err := rd.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
	}
	_, err = rd.ReadString('\n') // the first line of the stream
	require.NoError(t, err)
	return conn
}

// TestVanishedClientLeavesNoGoroutine: a client with a listen stream and
// a tool call in flight disappears (TCP close, no DELETE). Once the server
// has logged both disconnects, every goroutine started for those requests
// has ended: the observer's keepalive loop, net/http's connection
// goroutines, go-sdk's stream writers and the tool call itself.
//
// The baseline is taken after initialize, so these stay out of the
// comparison on purpose:
//   - go-sdk's session goroutines (jsonrpc2's reader and handler loops for
//     the session): the session outlives its streams by design, until a
//     DELETE or go-sdk's session timeout; the client may come back;
//   - miniredis's and go-redis's connection goroutines, and the test
//     client's keep-alive connections, which belong to the pools.
//
// And one goroutine outlives the disconnect by design, for a bounded time:
// go-sdk v1.8.0 does not cancel a tool call when the client's POST stream
// goes away (MCP 2025-06-18: a disconnect SHOULD NOT be read as a
// cancellation; the result goes to the event store for a Last-Event-ID
// resume), so the call's handler goroutine (jsonrpc2 handleAsync ->
// slowTool) runs until the tool returns. With a 5 m call it shows up here
// as a leak; the test uses a 200 ms call and waits for it to end.
func TestVanishedClientLeavesNoGoroutine(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true, TimeScale: 0.01})
	tok := ts.Token(t)
	sid := initializeMCP(t, ts, tok.AccessToken)
	status, body := toolsList(t, ts, tok.AccessToken, sid) // warms go-sdk's lazily started parts
	require.Equal(t, http.StatusOK, status, body)
	http.DefaultClient.CloseIdleConnections()
	baseline := goleak.IgnoreCurrent()

	listen := rawRequest(t, ts, http.MethodGet, tok.AccessToken, sid, "")
	call := rawRequest(t, ts, http.MethodPost, tok.AccessToken, sid,
		`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow","arguments":{"duration":"200ms","steps":1}}}`)
	listen.Close()
	call.Close()

	waitEvents(t, ts, "two CLIENT DISCONNECTED markers", func(evs []markers.Event) bool {
		n := 0
		for _, e := range evs {
			if e.Name == markers.ClientDisconnected {
				n++
			}
		}
		return n == 2
	})
	// Retry until the goroutines are gone or 20 s pass (goleak v1.3.0's
	// own retries give up after well under a second), so a loaded machine
	// only waits longer, and the 200 ms tool call (see above) can return.
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := goleak.Find(baseline)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left 20 s after the client vanished:\n%v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEvents polls the server's markers until pred holds or 20 s pass.
func waitEvents(t *testing.T, ts *servertest.Server, what string, pred func([]markers.Event) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !pred(ts.Events.All()) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; markers:\n%s", what, strings.Join(ts.Events.Texts(), "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDeleteCancelsInFlightCall: a DELETE sent while a 5-minute tool call
// runs ends the session at once (204) and the call's goroutine with it.
// Without mcp_session_calls.go go-sdk's Close waited for the call: the
// DELETE hung for the tool's whole duration (found by FuzzMCPRequest).
func TestDeleteCancelsInFlightCall(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	tok := ts.Token(t)
	sid := initializeMCP(t, ts, tok.AccessToken)
	http.DefaultClient.CloseIdleConnections()
	baseline := goleak.IgnoreCurrent()

	call := rawRequest(t, ts, http.MethodPost, tok.AccessToken, sid,
		`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow","arguments":{"duration":"5m","steps":1}}}`)
	del, body := doMCP(t, mcpRequest(t, ts, http.MethodDelete, tok.AccessToken, sid, "")) // 20 s client deadline
	require.Equal(t, http.StatusNoContent, del.StatusCode, body)
	assertMarker(t, ts, markers.Warning, "DELETE cancels 1 in-flight call")
	call.Close()
	http.DefaultClient.CloseIdleConnections()

	deadline := time.Now().Add(20 * time.Second)
	for {
		err := goleak.Find(baseline)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left 20 s after the DELETE:\n%v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
