package report_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/internal/reporttest"
	"github.com/mcpvcr/mcpvcr/report"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var placeholderRE = regexp.MustCompile(`^__[A-Z_]+_[0-9]+__$`)

// harRead is the part of a HAR file the tests read.
type harRead struct {
	Log struct {
		Entries []struct {
			Comment string `json:"comment"`
			Request struct {
				Headers []struct{ Name, Value string } `json:"headers"`
			} `json:"request"`
			SSEEvents []struct {
				Time         float64  `json:"time"`
				RecordedTime *float64 `json:"recordedTime"`
				ID           string   `json:"id"`
				Comment      bool     `json:"comment"`
			} `json:"_sseEvents"`
		} `json:"entries"`
	} `json:"log"`
}

func readHAR(t *testing.T, data []byte) harRead {
	t.Helper()
	var h harRead
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHARIsHAR12(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHAR(&b, report.HeldListen()); err != nil {
		t.Fatal(err)
	}
	if errs := reporttest.HARViolations(b.Bytes()); len(errs) > 0 {
		t.Fatalf("HAR 1.2 violations:\n%s\n%s", strings.Join(errs, "\n"), b.String())
	}
}

// The checker must be able to fail: each broken copy of a valid file is
// caught.
func TestCheckHARCatches(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHAR(&b, report.HeldListen()); err != nil {
		t.Fatal(err)
	}
	valid := b.String()
	for name, broken := range map[string]string{
		"no method":     strings.Replace(valid, `"method": "POST",`, ``, 1),
		"wait a string": strings.Replace(valid, `"wait": 2,`, `"wait": "2",`, 1),
		"time not sum":  strings.Replace(valid, `"time": 5,`, `"time": 6,`, 1),
		"unknown field": strings.Replace(valid, `"redirectURL"`, `"redirectUrl"`, 1),
		"bad date":      strings.Replace(valid, `"startedDateTime": "2026-12-01T12:00:00.000Z"`, `"startedDateTime": "yesterday"`, 1),
		"version":       strings.Replace(valid, `"version": "1.2"`, `"version": "1.1"`, 1),
	} {
		if broken == valid {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if errs := reporttest.HARViolations([]byte(broken)); len(errs) == 0 {
			t.Errorf("%s: no violation found", name)
		}
	}
}

// A streaming session's HAR keeps every event and comment, each at its
// live offset, with the recorded offset beside each data event.
func TestHARKeepsEveryEventTiming(t *testing.T) {
	s := report.HeldListen()
	var b bytes.Buffer
	if err := report.WriteHAR(&b, s); err != nil {
		t.Fatal(err)
	}
	har := readHAR(t, b.Bytes())
	if got, want := len(har.Log.Entries), len(s.Exchanges); got != want {
		t.Fatalf("entries = %d, want %d", got, want)
	}
	for i, e := range s.Exchanges {
		got := har.Log.Entries[i]
		if got.Comment != e.Name {
			t.Fatalf("entry %d is %q, want %q", i, got.Comment, e.Name)
		}
		if len(got.SSEEvents) != len(e.Live.Events) {
			t.Fatalf("%s: _sseEvents = %d, want %d", e.Name, len(got.SSEEvents), len(e.Live.Events))
		}
		data := 0
		for j, ev := range e.Live.Events {
			h := got.SSEEvents[j]
			if h.Time != msf(ev.At) || h.ID != ev.ID || h.Comment != ev.Comment {
				t.Errorf("%s event %d = %+v, want time %v id %q comment %v", e.Name, j, h, msf(ev.At), ev.ID, ev.Comment)
			}
			if ev.Comment {
				continue
			}
			rec := e.Recorded.DataEvents()[data]
			want := msf(rec.At)
			if h.RecordedTime == nil || *h.RecordedTime != want {
				t.Errorf("%s event %d recordedTime = %v, want %v", e.Name, j, h.RecordedTime, want)
			}
			data++
		}
	}
	if !strings.Contains(b.String(), "Bearer __ACCESS_TOKEN_1__") {
		t.Errorf("the placeholder did not survive:\n%s", b.String())
	}
}

// A real streaming session (go-sdk's recording replayed through the Quick
// Tunnel profile against a fresh server) gives a HAR 1.2 file that keeps
// every live event and comment with its time, and no live secret.
func TestHARFromReplayedSession(t *testing.T) {
	fixture := filepath.Join("..", "fixtures", "gosdk_oauth_session.yaml")
	cells, err := matrix.Run(context.Background(), matrix.Options{
		Fixtures: []string{fixture}, Profiles: []toxics.Profile{toxics.CloudflareQuickTunnel}, Parallel: 1,
	})
	if err != nil || cells[0].Err != "" {
		t.Fatalf("run: %v %s", err, cells[0].Err)
	}
	c, err := harness.LoadCassette(fixture)
	if err != nil {
		t.Fatal(err)
	}
	s := report.FromCell(cells[0], c, matrix.DefaultTimeScale)
	var b bytes.Buffer
	if err := report.WriteHAR(&b, s); err != nil {
		t.Fatal(err)
	}
	if errs := reporttest.HARViolations(b.Bytes()); len(errs) > 0 {
		t.Fatalf("HAR 1.2 violations:\n%s", strings.Join(errs, "\n"))
	}
	har := readHAR(t, b.Bytes())
	exs := append([]report.Exchange(nil), s.Exchanges...)
	sort.SliceStable(exs, func(i, j int) bool { return exs[i].Live.Opened < exs[j].Live.Opened })
	if len(har.Log.Entries) != len(exs) {
		t.Fatalf("entries = %d, want %d", len(har.Log.Entries), len(exs))
	}
	events := 0
	for i, e := range exs {
		got := har.Log.Entries[i].SSEEvents
		if len(got) != len(e.Live.Events) {
			t.Fatalf("%s: %d events in the HAR, %d live", e.Name, len(got), len(e.Live.Events))
		}
		for j, ev := range e.Live.Events {
			if got[j].Time != msf(ev.At) || got[j].Comment != ev.Comment {
				t.Errorf("%s event %d: HAR %+v, live at %v", e.Name, j, got[j], msf(ev.At))
			}
			if !ev.Comment && got[j].ID != "" && !placeholderRE.MatchString(got[j].ID) {
				t.Errorf("%s event %d: id %q is not the recording's placeholder", e.Name, j, got[j].ID)
			}
			events++
		}
		for _, h := range har.Log.Entries[i].Request.Headers {
			if h.Name != "Authorization" {
				continue
			}
			v := h.Value
			if basic, ok := strings.CutPrefix(v, "Basic "); ok {
				raw, _ := base64.StdEncoding.DecodeString(basic)
				v = string(raw)
			}
			if !regexp.MustCompile(`^(Bearer )?__[A-Z_]+_[0-9]+__(:__[A-Z_]+_[0-9]+__)?$`).MatchString(v) {
				t.Errorf("%s: Authorization %q is not made of placeholders", e.Name, v)
			}
		}
	}
	if events == 0 {
		t.Fatal("no events in a streaming session")
	}
}
