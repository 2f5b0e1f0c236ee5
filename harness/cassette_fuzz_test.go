package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadCassette feeds arbitrary files to LoadCassette: it must return a
// cassette or an error, never panic or hang; and a cassette it accepts must
// save and load back to the same file, byte for byte, so that loading and
// re-saving a fixture (as `mcpvcr record` and a reviewer's editor do) never
// drifts.
func FuzzLoadCassette(f *testing.F) {
	fixture, err := os.ReadFile(filepath.Join("..", "fixtures", "gosdk_oauth_session.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	f.Add([]byte("version: 2\ninteractions: []\n"))
	f.Add([]byte("version: 2\nmcpvcr: {client: x, recorded: 2026-11-27T10:00:00Z}\ninteractions:\n  - request: {method: GET, url: 'http://127.0.0.1:1/mcp', headers: {Accept: [text/event-stream]}}\n    response: {code: 200, headers: {Content-Type: [text/event-stream]}, body: \"data: 1\\n\\n\"}\n    mcpvcr: {opened: 1ms, events: [{at: 2ms, id: a}], reason: server_eof}\n"))
	f.Add([]byte("version: 1\n"))
	f.Add([]byte("- not a map\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := writeTemp(t, dir, data)
		defer os.Remove(path)
		c, err := LoadCassette(path)
		if err != nil {
			return
		}
		saved, err := c.Marshal()
		if err != nil {
			return // a value YAML cannot encode is refused, not written
		}
		os.WriteFile(path, saved, 0o644)
		c2, err := LoadCassette(path)
		if err != nil {
			t.Fatalf("saved cassette does not load: %v\n%s", err, saved)
		}
		resaved, err := c2.Marshal()
		if err != nil {
			t.Fatalf("reloaded cassette does not marshal: %v", err)
		}
		if !bytes.Equal(saved, resaved) {
			t.Fatalf("save, load, save changed the file:\nfirst:\n%s\nsecond:\n%s", saved, resaved)
		}
	})
}

func writeTemp(t *testing.T, dir string, data []byte) string {
	t.Helper()
	fh, err := os.CreateTemp(dir, "cassette-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.Write(data); err != nil {
		t.Fatal(err)
	}
	return fh.Name()
}
