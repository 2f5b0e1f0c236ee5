package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"github.com/redis/go-redis/v9"
)

// These tests run real MCP clients against the server: go-sdk's client and
// the TypeScript SDK's. Each does initialize, tools/list, tools/call, gets a
// notification on the listen stream, and resumes the listen stream after it
// was dropped, receiving the notification sent while it was gone (replayed
// from the EventStore after Last-Event-ID).
//
// They run with the bearer check on and get their token the way real
// clients do (discovery, dynamic client registration, PKCE); the server
// auto-approves, so no browser is needed.

// resumeGate sits in front of the server. It can drop the open listen
// stream (ending the response, as a proxy cutting it would) and holds the
// client's resume GET (the one with Last-Event-ID) until released, so the
// test can send a notification while no stream is open.
type resumeGate struct {
	mu           sync.Mutex
	cancelListen context.CancelFunc
	resumed      chan string // Last-Event-ID of the first resume GET
	release      chan struct{}
	resumeOnce   sync.Once
	releaseOnce  sync.Once
}

func newResumeGate() *resumeGate {
	return &resumeGate{resumed: make(chan string, 1), release: make(chan struct{})}
}

func (g *resumeGate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/mcp" {
			next.ServeHTTP(w, r)
			return
		}
		if id := r.Header.Get("Last-Event-ID"); id != "" {
			g.resumeOnce.Do(func() { g.resumed <- id })
			select {
			case <-g.release:
			case <-r.Context().Done():
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		g.mu.Lock()
		g.cancelListen = cancel
		g.mu.Unlock()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// drop ends the open listen stream.
func (g *resumeGate) drop(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	cancel := g.cancelListen
	g.mu.Unlock()
	if cancel == nil {
		t.Fatal("no listen stream to drop")
	}
	cancel()
}

// waitResume waits for the client's resume GET and returns its Last-Event-ID.
func (g *resumeGate) waitResume(t *testing.T) string {
	t.Helper()
	select {
	case id := <-g.resumed:
		return id
	case <-time.After(waitTimeout):
		t.Fatal("the client did not try to resume the listen stream")
		return ""
	}
}

func (g *resumeGate) open() { g.releaseOnce.Do(func() { close(g.release) }) }

// waitListenStream waits until a GET listen stream is open on the server
// (its opening comment went out) and returns its request id.
func waitListenStream(t *testing.T, s *testMCPServer) string {
	t.Helper()
	var id string
	s.markers.waitFor(t, "an open listen stream", func(evs []markers.Event) bool {
		gets := map[string]bool{}
		for _, e := range evs {
			if e.Name == markers.MCPSSEConnectionStart && strings.HasPrefix(e.Detail, "Method: GET") {
				gets[e.RequestID] = true
			}
			if e.Name == markers.KeepaliveSent && gets[e.RequestID] {
				id = e.RequestID
				return true
			}
		}
		return false
	})
	return id
}

// waitNotificationOn waits for a notifications/message event written on
// the response of request reqID.
func waitNotificationOn(t *testing.T, s *testMCPServer, reqID string) {
	t.Helper()
	s.markers.waitFor(t, "a notification on the listen stream", func(evs []markers.Event) bool {
		for _, e := range evs {
			if e.RequestID == reqID && strings.HasPrefix(string(e.Name), string(markers.SSEEvent)) && strings.Contains(e.Detail, "notifications/message") {
				return true
			}
		}
		return false
	})
}

// TestGoSDKClient runs go-sdk's client with its OAuth handler against the
// real server (bearer check on): auth.NewAuthorizationCodeHandler finds the
// authorization server from the 401's resource_metadata, registers itself
// (DCR), authorizes with PKCE S256 (oauthclient.HeadlessConsent stands in for the
// browser; the server auto-approves) and trades the code for a token. Then
// initialize, tools/list, tools/call (whoami reports that token), a
// notification on the listen stream and a resume after the stream dropped.
func TestGoSDKClient(t *testing.T) {
	eachRedis(t, func(t *testing.T, cfg Config) {
		cfg.AutoApprove = true
		gate := newResumeGate()
		s := startMCPServer(t, cfg, gate.wrap)
		ctx := t.Context()

		oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
				ClientName:              "mcpvcr-go-client",
				RedirectURIs:            []string{"http://127.0.0.1:1/callback"},
				TokenEndpointAuthMethod: "none",
				GrantTypes:              []string{"authorization_code", "refresh_token"},
			}},
			AuthorizationCodeFetcher: oauthclient.HeadlessConsent(nil),
			RequestRefreshToken:      true,
		})
		if err != nil {
			t.Fatalf("NewAuthorizationCodeHandler: %v", err)
		}
		logs := make(chan string, 16)
		client := mcp.NewClient(&mcp.Implementation{Name: "mcpvcr-go-client", Version: "0"}, &mcp.ClientOptions{
			LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
				if m, ok := req.Params.Data.(map[string]any); ok {
					logs <- m["message"].(string)
				}
			},
		})
		// 2025-11-25: the session flow, with its GET listen stream and
		// resumption (go-sdk v1.8.0 defaults to 2026-07-28: TestGoSDKClientStateless).
		cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL + "/mcp", HTTPClient: s.Client(), MaxRetries: 10, OAuthHandler: oauth}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
		if err != nil {
			t.Fatalf("initialize: %v", err)
		}
		t.Cleanup(func() { cs.Close() })

		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatalf("tools/list: %v", err)
		}
		var names []string
		for _, tool := range tools.Tools {
			names = append(names, tool.Name)
		}
		if got := strings.Join(names, ","); got != "echo,fail,notify,slow,whoami" {
			t.Errorf("tools = %s, want echo,fail,notify,slow,whoami", got)
		}
		for _, tt := range []struct {
			tool     string
			args     map[string]any
			wantText string
			wantErr  bool
		}{
			{"echo", map[string]any{"text": "hi"}, "hi", false},
			{"fail", map[string]any{"message": "as asked"}, "as asked", true},
			{"slow", map[string]any{"duration": "1ms", "steps": 1}, "slept 1ms in 1 steps", false},
		} {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tt.tool, Arguments: tt.args})
			if err != nil {
				t.Fatalf("tools/call %s: %v", tt.tool, err)
			}
			if text := res.Content[0].(*mcp.TextContent).Text; text != tt.wantText || res.IsError != tt.wantErr {
				t.Errorf("tools/call %s = %q (isError %v), want %q (isError %v)", tt.tool, text, res.IsError, tt.wantText, tt.wantErr)
			}
		}

		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
		if err != nil {
			t.Fatalf("tools/call whoami: %v", err)
		}
		registered := s.markers.waitMarker(t, markers.OAuthClientRegistered, "mcpvcr-go-client")
		checkWhoami(t, res.Content[0].(*mcp.TextContent).Text, Whoami{
			ClientID: strings.Fields(strings.TrimPrefix(registered.Detail, "client_id="))[0],
			Subject:  localSubject,
			// go-sdk asks for the PRM's scopes plus offline_access (the
			// metadata lists it and RequestRefreshToken is set).
			Scopes:   []string{"mcp", "offline_access"},
			Audience: s.URL + "/mcp", // go-sdk sends resource = the MCP URL
		})
		evs := s.markers.snapshot()
		for _, m := range []markers.Name{markers.OAuthAuthorizeStart, markers.OAuthCodeGenerated, markers.OAuthTokenStart, markers.AccessTokenGenerated,
			markers.RefreshTokenGenerated, markers.AccessTokenStored, markers.OAuthFlow, markers.AuthFailed, markers.OAuthSuccess, markers.AuthSuccess} {
			if len(filterEvents(evs, func(e markers.Event) bool { return e.Name == m })) == 0 {
				t.Errorf("no %s marker; markers:\n%s", m, eventLines(evs))
			}
		}

		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
			t.Fatalf("logging/setLevel: %v", err)
		}
		listenReq := waitListenStream(t, s)
		notify := func(msg string) {
			t.Helper()
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "notify", Arguments: map[string]any{"message": msg}}); err != nil {
				t.Fatalf("tools/call notify: %v", err)
			}
		}
		notify("live")
		waitLog(t, logs, "live")
		waitNotificationOn(t, s, listenReq)

		gate.drop(t)
		lastEventID := gate.waitResume(t)
		notify("while-dropped")
		gate.open()
		waitLog(t, logs, "while-dropped")
		resumed := s.markers.waitMarker(t, markers.StreamResumed, lastEventID)
		authorizedResume(t, s, resumed.RequestID)
	})
}

// checkWhoami compares whoami's text answer (its JSON) with want; scopes
// in any order.
func checkWhoami(t *testing.T, text string, want Whoami) {
	t.Helper()
	var got Whoami
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("whoami = %q: %v", text, err)
	}
	slices.Sort(got.Scopes)
	slices.Sort(want.Scopes)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("whoami = %+v, want %+v", got, want)
	}
}

// authorizedResume checks that the resume GET went through the bearer
// check: OAUTH SUCCESS and AUTH SUCCESS on the same request.
func authorizedResume(t *testing.T, s *testMCPServer, reqID string) {
	t.Helper()
	var got []markers.Name
	for _, e := range filterEvents(s.markers.snapshot(), byRequest(reqID)) {
		if e.Name == markers.OAuthSuccess || e.Name == markers.AuthSuccess {
			got = append(got, e.Name)
		}
	}
	if !slices.Equal(got, []markers.Name{markers.OAuthSuccess, markers.AuthSuccess}) {
		t.Errorf("resume GET auth markers = %v, want [%s %s]", got, markers.OAuthSuccess, markers.AuthSuccess)
	}
}

// eachRedis runs f on the in-process miniredis, and again on $REDIS_URL
// (with a key prefix of its own) when .ci/run set it.
func eachRedis(t *testing.T, f func(t *testing.T, cfg Config)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) { f(t, Config{}) })
	if u := os.Getenv("REDIS_URL"); u != "" {
		t.Run("redis", func(t *testing.T) {
			prefix := "mcpvcr-test:" + newRequestID() + ":"
			t.Cleanup(func() { deleteRedisPrefix(t, u, prefix) })
			f(t, Config{RedisURL: u, RedisKeyPrefix: prefix})
		})
	}
}

func waitLog(t *testing.T, logs <-chan string, want string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case got := <-logs:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("log message %q never arrived", want)
		}
	}
}

// nodeClientDir is where `make node-clients` installs the pinned packages.
func nodeClientDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".cache", "node"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")); err != nil {
		msg := "TypeScript SDK not installed under .cache/node: run `make node-clients`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing instead of skipping)")
		}
		t.Skip(msg)
	}
	return dir
}

// deleteRedisPrefix deletes the keys a test server wrote to a shared Redis.
func deleteRedisPrefix(t *testing.T, redisURL, prefix string) {
	t.Helper()
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Errorf("clean up %s: %v", prefix, err)
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err == nil && len(keys) > 0 {
		err = rdb.Del(ctx, keys...).Err()
	}
	if err != nil {
		t.Errorf("clean up %s: %v", prefix, err)
	}
}

// TestTypeScriptSDKClient runs client.mjs (@modelcontextprotocol/sdk) with
// the headless OAuth provider of headless-oauth.mjs against the real
// server: 401, discovery, DCR, authorize (fetched, the server
// auto-approves), token; then the same steps as TestGoSDKClient.
func TestTypeScriptSDKClient(t *testing.T) {
	node, dir := typeScriptClient(t)
	gate := newResumeGate()
	s := startMCPServer(t, Config{AutoApprove: true}, gate.wrap)
	whoami := runTypeScriptClient(t, s, gate, node, dir)
	registered := s.markers.waitMarker(t, markers.OAuthClientRegistered, "mcpvcr-ts-client")
	checkWhoami(t, whoami, Whoami{
		ClientID: strings.Fields(strings.TrimPrefix(registered.Detail, "client_id="))[0],
		Subject:  localSubject,
		Scopes:   []string{"mcp"}, // the PRM's scopes_supported
		Audience: s.URL + "/mcp",
	})
	resumed := s.markers.waitMarker(t, markers.StreamResumed, "")
	authorizedResume(t, s, resumed.RequestID)
	s.markers.waitMarker(t, markers.SessionDeleted, "")
}

// typeScriptClient returns node and the directory of the pinned
// TypeScript SDK, with client.mjs, session-kit.mjs and headless-oauth.mjs
// copied beside node_modules (ESM resolution looks there). It skips without them (fails
// under CI=true).
func typeScriptClient(t *testing.T) (node, dir string) {
	t.Helper()
	dir = nodeClientDir(t)
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not on PATH (CI=true: failing instead of skipping)")
		}
		t.Skip("node not on PATH")
	}
	for _, f := range []string{"client.mjs", "session-kit.mjs", "headless-oauth.mjs"} {
		b, err := os.ReadFile(filepath.Join("..", "internal", "nodeclients", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return node, dir
}

// runTypeScriptClient runs client.mjs with OAuth against s to the end of
// its line protocol (dropping and releasing the listen stream through
// gate) and returns its whoami answer.
func runTypeScriptClient(t *testing.T, s *testMCPServer, gate *resumeGate, node, dir string) (whoami string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), node, filepath.Join(dir, "client.mjs"), s.URL+"/mcp")
	cmd.Env = append(os.Environ(), "MCPVCR_OAUTH=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	ok := false
	for line := range lines {
		t.Logf("node: %s", line)
		if w, found := strings.CutPrefix(line, "WHOAMI "); found {
			whoami = w
			continue
		}
		switch line {
		case "STEP notification on the listen stream":
			waitNotificationOn(t, s, waitListenStream(t, s))
		case "READY drop":
			gate.drop(t)
			id := gate.waitResume(t)
			t.Logf("resume held, Last-Event-ID %s", id)
			io.WriteString(stdin, "resume-held\n")
		case "NOTIFY called":
			gate.open()
		case "OK":
			ok = true
		}
	}
	if err := cmd.Wait(); err != nil || !ok {
		t.Fatalf("node client: %v, OK seen: %v\nstderr:\n%s", err, ok, stderr.String())
	}
	return whoami
}
