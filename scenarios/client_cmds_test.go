package scenarios

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	register(command{
		usage:   "token [-client C] [-via HOP]",
		summary: "get an access token for claude-desktop (authorize, auto-approved, then the code exchange with PKCE) from server a, or through -via HOP",
		run:     cmdToken,
	})
}

func cmdToken(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("token")
	cname := fs.String("client", "c", "client name")
	// The authorization server directly by default: the scenarios are about
	// the MCP path, and a stalled machine must not turn a slow /token into
	// a tunnel's idle cut. -via a tunnel sends OAuth through it too.
	via := fs.String("via", "a", "server or tunnel to get the token from")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	base, err := w.hop(*via)
	if err != nil {
		return err
	}
	return w.client(*cname).getToken(base)
}

func init() {
	register(command{
		usage:   "refresh [-client C] [-via HOP]",
		summary: "trade the client's refresh token for a new access token",
		run:     cmdRefresh,
	})
}

func cmdRefresh(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("refresh")
	peer := peerFlags(fs)
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	return c.refreshToken(base)
}

// mcpHeaders are the headers a Streamable HTTP client sends.
func (c *client) mcpHeaders(withToken, withSession bool, session string) http.Header {
	token, sess, protocol := c.get()
	h := http.Header{}
	if withToken && token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if session != "" {
		sess = session
	}
	if withSession && sess != "" {
		h.Set("Mcp-Session-Id", sess)
		h.Set("Mcp-Protocol-Version", protocol)
	}
	return h
}

func init() {
	register(command{
		usage:   "post [-client C] [-via HOP] [-name S] [-chunked] [-h2c] [-async] [-no-session] [-session ID] [-no-token] [-header 'Name: value']... [-timeout D] METHOD [PARAMS_JSON]",
		summary: "POST a JSON-RPC message to /mcp (an id unless METHOD is notifications/*); waits for the response to end unless -async",
		run:     cmdPost,
	})
}

func cmdPost(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("post")
	peer := peerFlags(fs)
	name := fs.String("name", "", "stream name (default sN)")
	chunked := fs.Bool("chunked", false, "send the body without Content-Length (Transfer-Encoding: chunked)")
	async := fs.Bool("async", false, "do not wait for the response to end")
	h2c := fs.Bool("h2c", false, "speak HTTP/2 without TLS (prior knowledge), sending every header as given, Connection too")
	noSession := fs.Bool("no-session", false, "send no Mcp-Session-Id")
	session := fs.String("session", "", "send this Mcp-Session-Id instead of the client's")
	noToken := fs.Bool("no-token", false, "send no bearer token")
	timeout := fs.String("timeout", "60s", "how long to wait for the response to end (scaled)")
	var extra stringList
	fs.Var(&extra, "header", "an extra request header 'Name: value' (repeatable)")
	if err := parse(fs, args, 1, 2); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	method := fs.Arg(0)
	msg := map[string]any{"jsonrpc": "2.0", "method": method}
	if !strings.HasPrefix(method, "notifications/") {
		c.mu.Lock()
		c.nextID++
		msg["id"] = c.nextID
		c.mu.Unlock()
	}
	switch {
	case fs.NArg() == 2:
		var params any
		if err := json.Unmarshal([]byte(fs.Arg(1)), &params); err != nil {
			return fmt.Errorf("post %s: PARAMS_JSON %q: %v", method, fs.Arg(1), err)
		}
		msg["params"] = params
		// An initialize that names its version speaks it from then on
		// (Mcp-Protocol-Version on the session's requests).
		if p, ok := params.(map[string]any); ok && method == "initialize" {
			if v, ok := p["protocolVersion"].(string); ok {
				c.mu.Lock()
				c.protocol = v
				c.mu.Unlock()
			}
		}
	case method == "initialize":
		_, _, protocol := c.get()
		msg["params"] = map[string]any{"protocolVersion": protocol, "capabilities": map[string]any{},
			"clientInfo": map[string]any{"name": "mcpvcr-scenario", "version": "0.1.0"}}
	}
	body, _ := json.Marshal(msg)
	h := c.mcpHeaders(!*noToken, !*noSession && method != "initialize", *session)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	for _, v := range extra {
		k, val, ok := strings.Cut(v, ":")
		if !ok {
			return fmt.Errorf("post -header %q: want 'Name: value'", v)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(val))
	}
	s, err := w.send(c, request{name: *name, method: http.MethodPost, base: base, path: "/mcp", body: body, chunked: *chunked, h2c: *h2c, header: h, rpcMethod: method})
	if err != nil {
		return err
	}
	if *async {
		return nil
	}
	return awaitResponse(w, ts, "post "+method, s, *timeout)
}

// awaitResponse waits (timeout, scaled) for the response on s to end and
// logs what it was; what names the command and method in messages.
func awaitResponse(w *world, ts *testscript.TestScript, what string, s *stream, timeout string) error {
	d, err := w.waitTimeout(timeout, false)
	if err != nil {
		return err
	}
	if !s.Wait(d, ended) {
		return fmt.Errorf("%s: the response did not end within %s (use -async for a stream that stays open)", what, d)
	}
	tl := s.Timeline()
	ts.Logf("%s -> stream %s: %d %s, %d events, %s", what, s.name, tl.Status, tl.ContentType, len(tl.DataEvents()), tl.Reason)
	return nil
}

func init() {
	register(command{
		usage:   "listen [-client C] [-via HOP] [-name S] [-resume STREAM | -last-event-id ID]",
		summary: "open the GET /mcp listen stream in the background (with Last-Event-ID: the last id seen on STREAM, or ID)",
		run:     cmdListen,
	})
}

func cmdListen(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("listen")
	peer := peerFlags(fs)
	name := fs.String("name", "", "stream name (default sN)")
	resume := fs.String("resume", "", "send Last-Event-ID: the last SSE id seen on this stream")
	lastID := fs.String("last-event-id", "", "send this Last-Event-ID")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	h := c.mcpHeaders(true, true, "")
	h.Set("Accept", "text/event-stream")
	id := *lastID
	if *resume != "" {
		from, err := w.stream(*resume)
		if err != nil {
			return err
		}
		for _, ev := range from.dataEvents() {
			if ev.ID != "" {
				id = ev.ID
			}
		}
		if id == "" {
			return fmt.Errorf("listen -resume %s: that stream carried no SSE id to resume from", *resume)
		}
	}
	if id != "" {
		h.Set("Last-Event-ID", id)
	}
	_, err = w.send(c, request{name: *name, method: http.MethodGet, base: base, path: "/mcp", header: h})
	return err
}

func init() {
	register(command{
		usage:   "delete [-client C] [-via HOP] [-name S]",
		summary: "DELETE /mcp with the client's session (ends the session and its listen stream)",
		run:     cmdDelete,
	})
}

func cmdDelete(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("delete")
	peer := peerFlags(fs)
	name := fs.String("name", "", "stream name (default sN)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	s, err := w.send(c, request{name: *name, method: http.MethodDelete, base: base, path: "/mcp", header: c.mcpHeaders(true, true, "")})
	if err != nil {
		return err
	}
	if !s.Wait(waitFloor, ended) {
		return fmt.Errorf("delete: no answer within %s", waitFloor)
	}
	return nil
}

func init() {
	register(command{
		usage:   "cut STREAM",
		summary: "close STREAM's connection under it, as a reset in the path would",
		run:     cmdCut,
	})
}

func cmdCut(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("cut")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	s, err := w.stream(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := s.Cut(); err != nil {
		return err
	}
	if !s.Wait(waitFloor, ended) {
		return fmt.Errorf("cut %s: the stream did not end", s.name)
	}
	return nil
}

func init() {
	register(command{
		usage:   "pause D",
		summary: "send nothing for D (scaled): a user's quiet time between calls, in which connections along the path sit idle",
		run:     cmdPause,
	})
}

func cmdPause(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("pause")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	d, err := w.dur(fs.Arg(0))
	if err != nil {
		return err
	}
	time.Sleep(d)
	return nil
}

// waitTimeout parses a -timeout value (scaled). A positive wait gets at
// least waitFloor of real time; a negated one exactly the scaled value.
func (w *world) waitTimeout(v string, neg bool) (time.Duration, error) {
	d, err := w.dur(v)
	if err != nil {
		return 0, err
	}
	if !neg && d < waitFloor {
		d = waitFloor
	}
	return d, nil
}

func init() {
	register(command{
		usage:   "export-env [-client C] [-via HOP]",
		summary: "set $MCP_URL (HOP's /mcp) and $MCP_TOKEN (the client's access token) for exec'd clients (node, curl)",
		run:     cmdExportEnv,
	})
}

func cmdExportEnv(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("export-env")
	peer := peerFlags(fs)
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	token, _, _ := c.get()
	ts.Setenv("MCP_URL", base+"/mcp")
	ts.Setenv("MCP_TOKEN", token)
	return nil
}

// peer is the -client and -via flags the client commands share: which
// client speaks, and through which server or tunnel.
type peer struct{ client, via *string }

func peerFlags(fs *flag.FlagSet) peer {
	return peer{
		client: fs.String("client", "c", "client name"),
		via:    fs.String("via", "", "server or tunnel to talk to (default: the one started last)"),
	}
}

// resolve returns the client (made on first use) and the hop's base URL.
func (p peer) resolve(w *world) (*client, string, error) {
	base, err := w.hop(*p.via)
	if err != nil {
		return nil, "", err
	}
	return w.client(*p.client), base, nil
}
