package harness

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"
)

// TestGoVCRReplaysCassetteWithMatcher loads the fixture with go-vcr's own
// recorder (replay only, no server) and gets the recorded tools/list answer
// for a request carrying a different, live-looking token.
func TestGoVCRReplaysCassetteWithMatcher(t *testing.T) {
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "fixture")
	if err := c.Save(name); err != nil {
		t.Fatal(err)
	}
	r, err := recorder.New(name, recorder.WithMode(recorder.ModeReplayOnly), recorder.WithMatcher(Matcher), recorder.WithSkipRequestLatency(true))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	body := `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`
	req, _ := http.NewRequest(http.MethodPost, c.Provenance.Origin+"/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer some-live-token")
	resp, err := r.GetDefaultClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(got), `"name":"echo"`) {
		t.Errorf("go-vcr replayed %q, want the recorded tools/list result", got)
	}
	req2, _ := http.NewRequest(http.MethodPost, c.Provenance.Origin+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":3,"method":"prompts/list"}`))
	if _, err := r.GetDefaultClient().Do(req2); err == nil {
		t.Error("an unrecorded JSON-RPC method matched")
	}
}
