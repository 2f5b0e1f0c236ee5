package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// mutations undo each scenario's cause (or its fix) in one line. Every
// mutated scenario must FAIL: this shows the assertions catch the bug and
// are not true whatever the server does.
var mutations = []struct {
	file, from, to, why string
}{
	{"seed_failed_flow", "tunnel -profile clean -toxic body_drop:shape=empty,methods=POST,path=/mcp", "tunnel -profile clean", "the body arrives: initialize is processed"},
	{"seed_successful_flow", "server --fault seed", "server", "go-sdk, not the seed's handler"},
	{"tunnel_idle_cut_no_keepalive", "server --fault no-keepalive", "server", "keepalive on: no cut"},
	{"tunnel_idle_cut_keepalive", "server --keepalive 15s", "server --fault no-keepalive", "keepalive off: cut at 100 s"},
	{"mcp_listen_stream_notification", "server", "server --fault get-405", "no listen stream: the notification has nowhere to go"},
	{"tunnel_quick_buffers_listen", "tunnel -profile cloudflare-quick-tunnel", "tunnel -profile cloudflare-named-tunnel", "no buffering: the notification arrives at once"},
	{"tunnel_quick_buffers_listen", "replay -via a -profile cloudflare-quick-tunnel gosdk_oauth_session.yaml", "replay -via a -profile cloudflare-named-tunnel gosdk_oauth_session.yaml", "the replay's own tunnel does not buffer: no events-held finding"},
	{"tunnel_quick_get405", "server --fault get-405", "server", "the listen stream is accepted"},
	{"stateless_get400_loop", "server --fault get-400", "server --fault get-405", "405: the client stops after one GET"},
	{"stateless_get405_ends_loop", "server --fault get-405", "server --fault get-400", "400: the client retries in a loop"},
	{"mcp_die_after_headers_no_ids", "server --fault die-after-headers --fault no-event-ids", "server --fault die-after-headers", "SSE ids: the client resumes and the call completes"},
	{"mcp_die_after_headers_resumed", "server --fault die-after-headers", "server --fault die-after-headers --fault no-event-ids", "no SSE ids: nothing to resume from"},
	{"tunnel_quick_json_only", "server --fault json-only", "server", "SSE responses"},
	{"tunnel_quic_empty_body", "tunnel -profile cloudflared-quic", "tunnel -profile clean", "the chunked body arrives"},
	{"tunnel_alb_header_hold", "server --fault no-keepalive", "server", "the first comment releases the headers"},
	{"tunnel_alb_first_comment", "server --keepalive 15s", "server --fault no-keepalive", "no first comment: headers held"},
	{"tunnel_alb_keepalive_race", "server --conn-idle-timeout 5s", "server --conn-idle-timeout 65s", "the server outlasts ALB's 60 s: the POST after the quiet gets through"},
	{"tunnel_alb_keepalive_longer", "server --conn-idle-timeout 65s", "server --conn-idle-timeout 5s", "Node's 5 s: ALB reuses a closed connection, the POST gets 502"},
	{"tunnel_nginx_buffered", "server --keepalive 15s --fault no-accel-header", "server --keepalive 15s", "X-Accel-Buffering: no: nothing held"},
	{"tunnel_nginx_keepalive", "server --keepalive 15s", "server --keepalive 15s --fault no-accel-header", "buffered: no headers"},
	{"mcp_resume_tool_call", "listen -name R -resume call", "listen -name R", "no Last-Event-ID: the missed events are lost"},
	{"oauth_token_expiry_refresh", "redis fast-forward 3601s", "redis fast-forward 3500s", "the token has not expired"},
	{"session_replicas_not_shared", "post -via b -name there tools/list", "post -via a -name there tools/list", "same replica: the session is found"},
	{"tunnel_status_rewrite_202", "tunnel -toxic status_rewrite:from=202,to=500", "tunnel", "no rewrite: 202"},
	{"session_unknown_reinitialize", "server", "server --fault session-400", "400 instead of 404"},
	{"session_unknown_400", "server --fault session-400", "server", "404"},
	{"redis_down_and_back", "redis stop", "# (Redis left running)", "Redis up: no 503"},
	{"browser_cors", "tunnel", "tunnel -toxic header_strip:names=Access-Control-Expose-Headers", "the tunnel drops the server's CORS: the page never sees its session"},
	{"browser_cors_headers_dropped", "tunnel -name hidden -toxic header_strip:names=Access-Control-Expose-Headers", "tunnel -name hidden", "Mcp-Session-Id exposed: the session completes"},
	{"tunnel_ngrok_interstitial", "tunnel -profile ngrok-free", "tunnel", "no interstitial: the server's answer"},
	{"tunnel_ngrok_skip_warning", "post -name init -header 'ngrok-skip-browser-warning: 1' initialize", "post -name init initialize", "no header: the warning page"},
	{"tunnel_access_login_redirect", "tunnel -profile cloudflare-access", "tunnel", "no access proxy: no redirect"},
	{"tunnel_access_service_token", "post -name init -header 'CF-Access-Client-Id: placeholder.access' -header 'CF-Access-Client-Secret: placeholder' initialize", "post -name init initialize", "no service token: the login redirect"},
	{"replay_recorded_session", "server -name jsononly --fault json-only", "server -name jsononly", "no difference to count"},
	{"era2026_header_stripped", "tunnel -name strip -profile clean -toxic request_header_strip:names=Mcp-Name", "tunnel -name strip -profile clean", "Mcp-Name arrives: the call is answered"},
	{"era2026_listen_quick_tunnel", "listen26 -name L", "listen -name L", "the GET listen stream: buffered by the tunnel"},
	{"era2026_listen_idle_cut", "server --fault no-keepalive", "server", "keepalive on: no cut"},
	{"era2026_listen_keepalive", "server --keepalive 15s", "server --fault no-keepalive", "keepalive off: cut at 120 s"},
	{"era2026_stream_broken_reissue", "cut first", "# (the first stream left alone)", "nothing broken: nothing lost or re-issued"},
	{"tunnel_h2_connection_header", "post -h2c -header 'Connection: keep-alive' -name init initialize", "post -h2c -name init initialize", "no Connection field: the front passes the initialize on"},
	{"tunnel_h2_connection_header", "replay -via a -profile caddy-http2 -h2c -header 'Connection: keep-alive' -grace 1s assembled_claude_connector_order.yaml", "replay -via a -profile caddy-http2 -h2c -grace 1s assembled_claude_connector_order.yaml", "the replay sends no Connection field: nothing refused"},
	{"tunnel_h2_connection_header_dropped", "post -h2c -name init initialize", "post -h2c -header 'Connection: keep-alive' -name init initialize", "the Connection field over HTTP/2: 400"},
	{"tunnel_h2_connection_header_dropped", "replay -via a -profile caddy-http2 -h2c -grace 1s assembled_claude_connector_order.yaml", "replay -via a -profile caddy-http2 -h2c -header 'Connection: keep-alive' -grace 1s assembled_claude_connector_order.yaml", "the replay sends Connection: http2-malformed"},
	{"era2026_two_eras", "call26 -client new -name discover server/discover", "post -client new -name discover server/discover", "no 2026-07-28 headers: the sessions era answers"},
}

// TestMutatedScenariosFail runs each mutation and requires the scenario to
// fail on it.
func TestMutatedScenariosFail(t *testing.T) {
	covered := map[string]bool{}
	for _, m := range mutations {
		covered[m.file] = true
		t.Run(m.file, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(m.file + ".txtar")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(src), "\n")
			n := 0
			for i, l := range lines {
				if l == m.from {
					lines[i] = m.to
					n++
				}
			}
			if n != 1 {
				t.Fatalf("line %q appears %d times in %s.txtar, want once", m.from, n, m.file)
			}
			path := filepath.Join(t.TempDir(), m.file+".txtar")
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			ft := &fakeT{}
			testscript.RunT(ft, testscript.Params{Files: []string{path}, Setup: setupWorld, Cmds: scriptCommands(), Condition: condition})
			switch {
			case ft.skipped:
				t.Skipf("mutated scenario skipped")
			case !ft.failed:
				t.Errorf("with %q instead of %q (%s) the scenario still passes; its assertions do not catch the bug. Log:\n%s", m.to, m.from, m.why, ft.log.String())
			}
		})
	}
	files, _ := filepath.Glob("*.txtar")
	for _, f := range files {
		name := strings.TrimSuffix(f, ".txtar")
		if !covered[name] && !strings.HasPrefix(name, "node_") && !strings.HasPrefix(name, "redis_real") {
			t.Errorf("scenario %s has no mutation in mutations_test.go: add one line that undoes its cause", name)
		}
	}
}

// fakeT runs testscript outside a *testing.T and records the outcome.
type fakeT struct {
	mu      sync.Mutex
	failed  bool
	skipped bool
	log     strings.Builder
}

func (t *fakeT) Skip(args ...any) {
	t.mu.Lock()
	t.skipped = true
	t.mu.Unlock()
	runtime.Goexit()
}
func (t *fakeT) Fatal(args ...any) { t.Log(args...); t.FailNow() }
func (t *fakeT) Parallel()         {}
func (t *fakeT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(&t.log, args...)
}
func (t *fakeT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}
func (t *fakeT) Verbose() bool { return false }
func (t *fakeT) Run(name string, f func(testscript.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(t)
	}()
	<-done
}
