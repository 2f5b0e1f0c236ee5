package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// TestReplayReportsDifferences replays against a server whose tool answers
// differently: exactly that value is reported, and the replay fails.
func TestReplayReportsDifferences(t *testing.T) {
	c := recordSession(t, harnesstest.Start(t, nil))
	changed := harnesstest.Start(t, &harnesstest.Options{Greeting: "bonjour "})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Replay(ctx, c, changed.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	diffs := rep.Failures()
	if len(diffs) != 1 {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("differences = %d, want 1:\n%s", len(diffs), b.String())
	}
	d := diffs[0]
	if d.Where != "event[0].data.result.content[0].text" || !strings.Contains(d.Detail, `"bonjour vcr"`) {
		t.Errorf("difference = %s", d)
	}

	allowed, err := Replay(ctx, c, harnesstest.Start(t, &harnesstest.Options{Greeting: "hi "}).URL, &ReplayOptions{Allow: []string{"event[0].data.result.content"}})
	if err != nil {
		t.Fatal(err)
	}
	if !allowed.OK() || len(allowed.Differences()) != 1 {
		t.Errorf("with Allow: OK=%v differences=%v, want OK with 1 allowed", allowed.OK(), allowed.Differences())
	}
}

// TestReplayWithServerMarkers replays the go-sdk fixture against the real
// server while capturing its log markers, and asserts on both sides of
// the listen stream.
func TestReplayWithServerMarkers(t *testing.T) {
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		t.Fatal(err)
	}
	log := NewMarkerLog()
	target := servertest.Start(t, server.Config{AutoApprove: true, LogOutput: log})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Replay(ctx, c, target.URL, &ReplayOptions{TimeScale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatal(b.String())
	}
	ms := log.Markers()
	if err := ms.InOrder("SESSION CREATED", "MCP SSE CONNECTION START ~ Method: GET", "SSE STREAM START", "STREAM CLOSING"); err != nil {
		t.Fatal(err)
	}
	if err := ms.Absent("CRITICAL"); err != nil {
		t.Fatal(err)
	}
	// The client side of the listen stream: the notify tool's two log
	// messages, closed by the server after the DELETE.
	var listen *Timeline
	for i, res := range rep.Results {
		if res.Request == "GET /mcp" && res.Timeline.Status == 200 {
			listen = &rep.Results[i].Timeline
		}
	}
	if listen == nil {
		t.Fatal("no listen stream in the replay")
	}
	ExpectStream(*listen).ClosedBy(EndServerEOF).AfterEvents(2).Assert(t)
	// The server side of it, from the markers of the GET request.
	var getReq string
	for _, m := range ms.Matching("MCP SSE CONNECTION START ~ Method: GET") {
		getReq = m.RequestID
	}
	tls := ms.ForRequest(getReq).ServerTimelines(ServerStreamMarkers{})
	if len(tls) != 1 {
		t.Fatalf("server timelines for the GET = %d, want 1", len(tls))
	}
	ExpectStream(tls[0]).AfterEvents(2).Assert(t)
}

// tcpTunnel is a Tunnel that forwards bytes unchanged: what the "clean"
// profile is, and the shape a toxiproxy profile plugs into.
func tcpTunnel() TunnelFunc {
	return func(ctx context.Context, target *url.URL) (*url.URL, func() error, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		var wg sync.WaitGroup
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				up, err := net.Dial("tcp", target.Host)
				if err != nil {
					c.Close()
					continue
				}
				wg.Add(2)
				pipe := func(dst, src net.Conn) {
					defer wg.Done()
					io.Copy(dst, src)
					dst.Close()
					src.Close()
				}
				go pipe(up, c)
				go pipe(c, up)
			}
		}()
		stop := func() error {
			err := ln.Close()
			wg.Wait()
			return err
		}
		return &url.URL{Scheme: "http", Host: ln.Addr().String()}, stop, nil
	}
}

func TestReplayThroughTunnel(t *testing.T) {
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	target := servertest.Start(t, server.Config{AutoApprove: true})
	rep, err := Replay(ctx, c, target.URL, &ReplayOptions{Tunnel: tcpTunnel()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Through == "" || rep.Through == rep.Target {
		t.Fatalf("through = %q, target %q: the tunnel was not used", rep.Through, rep.Target)
	}
	if !rep.OK() || len(rep.Failures()) > 0 {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatal(b.String())
	}
	for _, res := range rep.Results {
		if !strings.HasPrefix(res.Timeline.URL, rep.Through) {
			t.Errorf("#%d went to %s, not through %s", res.Interaction, res.Timeline.URL, rep.Through)
		}
	}
}

// TestReplayServerVariants records and replays against other shapes of MCP
// server: no OAuth, JSON responses instead of SSE, stateless (no session,
// GET 405).
func TestReplayServerVariants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		server  harnesstest.Options
		session harnesstest.SessionOptions
	}{
		{"no auth", harnesstest.Options{AuthOff: true}, harnesstest.SessionOptions{}},
		{"json responses", harnesstest.Options{Streamable: &mcp.StreamableHTTPOptions{JSONResponse: true}}, harnesstest.SessionOptions{}},
		{"stateless", harnesstest.Options{AuthOff: true, Streamable: &mcp.StreamableHTTPOptions{Stateless: true}}, harnesstest.SessionOptions{NoNotification: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := harnesstest.Start(t, &tc.server)
			rec, err := NewRecorder(up.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(rec)
			defer front.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := harnesstest.RunSessionWith(ctx, front.URL, &tc.session); err != nil {
				t.Fatal(err)
			}
			waitIdle(t, rec)
			rec.Close()
			c := rec.Cassette()
			rep, err := Replay(ctx, c, harnesstest.Start(t, &tc.server).URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			rep.WriteText(&b)
			if !rep.OK() || len(rep.Differences()) > 0 {
				t.Fatalf("replay differs:\n%s", b.String())
			}
			if testing.Verbose() {
				t.Log(b.String())
			}
		})
	}
}

// TestReportMasksUnrecordedLiveSecrets replays a recording whose /token
// failed against a server that answers with tokens (and a session id and
// a code the recording never had): the differences name them, but the
// report, as text and as JSON, never holds them in full.
func TestReportMasksUnrecordedLiveSecrets(t *testing.T) {
	const access, refresh, session, code = "AT-live-0123456789abcdef", "RT-live-0123456789abcdef", "SID-live-0123456789abcdef", "CODE-live-0123456789abcdef"
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Mcp-Session-Id", session)
		w.Header().Set("Location", "http://127.0.0.1:1/cb?code="+code)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"token_type":"Bearer"}`, access, refresh)
	}))
	defer live.Close()
	rep := replayOne(t, live.URL, cassette.Request{Method: "POST", URL: "http://recorded/token", Body: "grant_type=authorization_code"},
		cassette.Response{Code: 503, Headers: http.Header{"Content-Type": {"application/json"}}, Body: `{"error":"temporarily_unavailable"}`})
	var text strings.Builder
	rep.WriteText(&text)
	asJSON, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	report := text.String() + string(asJSON)
	if !strings.Contains(report, "body.access_token") || !strings.Contains(report, "<live ACCESS_TOKEN AT-live-...>") {
		t.Errorf("report does not name the unrecorded token:\n%s", text.String())
	}
	for _, secret := range []string{access, refresh, session, code} {
		if strings.Contains(report, secret) {
			t.Errorf("report holds live secret %s in full:\n%s", markers.Short(secret), text.String())
		}
	}
}

// replayOne replays a one-exchange recording (req answered by resp at
// origin http://recorded, in 1 ms) against target.
func replayOne(t *testing.T, target string, req cassette.Request, resp cassette.Response) *Report {
	t.Helper()
	in := &Interaction{Stream: Timeline{Closed: time.Millisecond, Reason: EndServerEOF}}
	in.Request, in.Response = req, resp
	c := &Cassette{Provenance: Provenance{Origin: "http://recorded"}, Interactions: []*Interaction{in}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Replay(ctx, c, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
