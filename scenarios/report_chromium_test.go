package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mcpvcr/mcpvcr/internal/chromiumtest"
	"github.com/mcpvcr/mcpvcr/internal/reporttest"
	"github.com/mcpvcr/mcpvcr/report"
	"github.com/rogpeppe/go-internal/testscript"
)

// The reports of the seed's Failed Flow, of Fix A (the idle cut without
// and with keepalive) and of the Quick Tunnel's held listen stream, each
// taken as its scenario ends, open in chromium with their lanes, event
// ticks and findings visible.
func TestScenarioReportsInChromium(t *testing.T) {
	chromiumtest.Path(t)
	want := map[string]string{ // scenario: a finding its report must have
		"seed_failed_flow":             "body-dropped",
		"tunnel_idle_cut_no_keepalive": "idle-cut",
		"tunnel_idle_cut_keepalive":    "kept-alive",
		"tunnel_quick_buffers_listen":  "stream-held",
	}
	dir := t.TempDir()
	for name := range want {
		data, err := os.ReadFile(name + ".txtar")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	sessions := map[string]*report.Session{}
	// The scripts run as parallel subtests: inside t.Run, Run returns
	// once they have all finished.
	t.Run("scripts", func(t *testing.T) {
		testscript.Run(t, testscript.Params{
			Dir:  dir,
			Cmds: scriptCommands(),
			Setup: func(env *testscript.Env) error {
				if err := setupWorld(env); err != nil {
					return err
				}
				name := filepath.Base(env.WorkDir)[len("script-"):]
				w := env.Values[worldKey{}].(*world)
				// Defers run last first: this one before the world closes,
				// so open streams are drawn open.
				env.Defer(func() {
					s := w.session(name)
					mu.Lock()
					sessions[name] = s
					mu.Unlock()
				})
				return nil
			},
			Condition: condition,
		})
	})
	for name, finding := range want {
		t.Run(name, func(t *testing.T) {
			s := sessions[name]
			if s == nil {
				t.Fatal("no session recorded")
			}
			found := false
			for _, f := range s.Findings {
				found = found || f.Name == finding
			}
			if !found {
				t.Errorf("findings %+v lack %s", s.Findings, finding)
			}
			dir := reporttest.Dir(t, name)
			reporttest.WriteAndCheck(t, dir, s)
			var har bytes.Buffer
			if err := report.WriteHAR(&har, s); err != nil {
				t.Fatal(err)
			}
			if errs := reporttest.HARViolations(har.Bytes()); len(errs) > 0 {
				t.Errorf("HAR 1.2 violations:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}
