package report

import (
	"testing"

	"github.com/mcpvcr/mcpvcr/harness"
)

// Live event ids where the recording has placeholders are shown as the
// placeholders; plain recorded ids and comments pass.
func TestPlaceholderIDs(t *testing.T) {
	live := []harness.StreamEvent{{ID: "s3cr3tstream_0"}, {Comment: true}, {ID: "s3cr3tstream_1"}, {ID: "7"}, {ID: "s3cr3tstream_9"}}
	rec := []harness.StreamEvent{{ID: "__EVENT_ID_1__"}, {Comment: true}, {ID: "__EVENT_ID_2__"}, {ID: "7"}}
	got := placeholderIDs(live, rec)
	want := []string{"__EVENT_ID_1__", "", "__EVENT_ID_2__", "7", "s3cr…"}
	for i := range want {
		if got[i].ID != want[i] {
			t.Errorf("event %d id = %q, want %q", i, got[i].ID, want[i])
		}
	}
}
