package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// checkHAR checks a HAR file against the HAR 1.2 structure
// (http://www.softwareishard.com/blog/har-12-spec/): every required field
// present with its type, optional ones typed when present, no field the
// spec does not name unless it starts with "_" (custom fields), timings
// non-negative (or -1 where the spec allows "does not apply") and an
// entry's time the sum of its timings. It returns every violation.
func checkHAR(data []byte) []string {
	var v struct {
		errs []string
	}
	fail := func(path, format string, args ...any) {
		v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
	}
	var root any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	obj := func(path string, x any, required, optional map[string]string) map[string]any {
		m, ok := x.(map[string]any)
		if !ok {
			fail(path, "want an object, got %T", x)
			return nil
		}
		for k, typ := range required {
			val, ok := m[k]
			if !ok {
				fail(path, "required field %q missing", k)
				continue
			}
			checkType(path+"."+k, val, typ, fail)
		}
		for k, val := range m {
			if _, ok := required[k]; ok {
				continue
			}
			if typ, ok := optional[k]; ok {
				checkType(path+"."+k, val, typ, fail)
				continue
			}
			if !strings.HasPrefix(k, "_") {
				fail(path, "field %q is not in HAR 1.2 (custom fields start with _)", k)
			}
		}
		return m
	}
	nameValues := func(path string, x any, withCookie bool) {
		arr, _ := x.([]any)
		for i, nv := range arr {
			opt := map[string]string{"comment": "string"}
			if withCookie {
				opt = map[string]string{"path": "string", "domain": "string", "expires": "string", "httpOnly": "bool", "secure": "bool", "comment": "string"}
			}
			obj(fmt.Sprintf("%s[%d]", path, i), nv, map[string]string{"name": "string", "value": "string"}, opt)
		}
	}
	top := obj("", root, map[string]string{"log": "object"}, nil)
	if top == nil {
		return v.errs
	}
	log := obj("log", top["log"], map[string]string{"version": "string", "creator": "object", "entries": "array"},
		map[string]string{"browser": "object", "pages": "array", "comment": "string"})
	if log == nil {
		return v.errs
	}
	if log["version"] != "1.2" {
		fail("log.version", "%v, want 1.2", log["version"])
	}
	creator := map[string]string{"name": "string", "version": "string"}
	obj("log.creator", log["creator"], creator, map[string]string{"comment": "string"})
	if b, ok := log["browser"]; ok {
		obj("log.browser", b, creator, map[string]string{"comment": "string"})
	}
	pageIDs := map[string]bool{}
	pages, _ := log["pages"].([]any)
	for i, p := range pages {
		path := fmt.Sprintf("log.pages[%d]", i)
		pm := obj(path, p, map[string]string{"startedDateTime": "datetime", "id": "string", "title": "string", "pageTimings": "object"},
			map[string]string{"comment": "string"})
		if pm != nil {
			pageIDs[fmt.Sprint(pm["id"])] = true
			obj(path+".pageTimings", pm["pageTimings"], nil, map[string]string{"onContentLoad": "number", "onLoad": "number", "comment": "string"})
		}
	}
	entries, _ := log["entries"].([]any)
	for i, e := range entries {
		path := fmt.Sprintf("log.entries[%d]", i)
		em := obj(path, e, map[string]string{
			"startedDateTime": "datetime", "time": "number", "request": "object", "response": "object", "cache": "object", "timings": "object",
		}, map[string]string{"pageref": "string", "serverIPAddress": "string", "connection": "string", "comment": "string"})
		if em == nil {
			continue
		}
		if ref, ok := em["pageref"]; ok && !pageIDs[fmt.Sprint(ref)] {
			fail(path+".pageref", "%v names no page", ref)
		}
		req := obj(path+".request", em["request"], map[string]string{
			"method": "string", "url": "string", "httpVersion": "string", "cookies": "array", "headers": "array",
			"queryString": "array", "headersSize": "number", "bodySize": "number",
		}, map[string]string{"postData": "object", "comment": "string"})
		if req != nil {
			if u, err := url.Parse(fmt.Sprint(req["url"])); err != nil || !u.IsAbs() {
				fail(path+".request.url", "%v is not an absolute URL", req["url"])
			}
			nameValues(path+".request.cookies", req["cookies"], true)
			nameValues(path+".request.headers", req["headers"], false)
			nameValues(path+".request.queryString", req["queryString"], false)
			if pd, ok := req["postData"]; ok {
				pdm := obj(path+".request.postData", pd, map[string]string{"mimeType": "string"},
					map[string]string{"params": "array", "text": "string", "comment": "string"})
				if _, hasParams := pdm["params"]; hasParams && pdm["text"] != nil {
					fail(path+".request.postData", "text and params are mutually exclusive")
				}
			}
		}
		resp := obj(path+".response", em["response"], map[string]string{
			"status": "number", "statusText": "string", "httpVersion": "string", "cookies": "array", "headers": "array",
			"content": "object", "redirectURL": "string", "headersSize": "number", "bodySize": "number",
		}, map[string]string{"comment": "string"})
		if resp != nil {
			nameValues(path+".response.cookies", resp["cookies"], true)
			nameValues(path+".response.headers", resp["headers"], false)
			obj(path+".response.content", resp["content"], map[string]string{"size": "number", "mimeType": "string"},
				map[string]string{"compression": "number", "text": "string", "encoding": "string", "comment": "string"})
		}
		obj(path+".cache", em["cache"], nil, map[string]string{"beforeRequest": "object|null", "afterRequest": "object|null", "comment": "string"})
		tm := obj(path+".timings", em["timings"], map[string]string{"send": "number", "wait": "number", "receive": "number"},
			map[string]string{"blocked": "number", "dns": "number", "connect": "number", "ssl": "number", "comment": "string"})
		if tm == nil {
			continue
		}
		sum := 0.0
		for _, k := range []string{"blocked", "dns", "connect", "send", "wait", "receive"} {
			n, ok := number(tm[k])
			if !ok {
				continue
			}
			required := k == "send" || k == "wait" || k == "receive"
			switch {
			case n < 0 && (required || n != -1):
				fail(path+".timings."+k, "%v: want >= 0%s", n, map[bool]string{false: " or -1"}[required])
			case n >= 0:
				sum += n
			}
		}
		if total, ok := number(em["time"]); ok && math.Abs(total-sum) > 0.01 {
			fail(path+".time", "%v, want the sum of the timings %v", total, sum)
		}
	}
	return v.errs
}

func number(x any) (float64, bool) {
	n, ok := x.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func checkType(path string, x any, typ string, fail func(path, format string, args ...any)) {
	ok := false
	for _, t := range strings.Split(typ, "|") {
		switch t {
		case "string":
			_, ok = x.(string)
		case "number":
			_, ok = number(x)
		case "bool":
			_, ok = x.(bool)
		case "object":
			_, ok = x.(map[string]any)
		case "array":
			_, ok = x.([]any)
		case "null":
			ok = x == nil
		case "datetime":
			s, isString := x.(string)
			_, err := time.Parse(time.RFC3339Nano, s)
			ok = isString && err == nil
		}
		if ok {
			return
		}
	}
	fail(path, "want %s, got %T %v", typ, x, x)
}

func TestHARIsHAR12(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHAR(&b, heldListen()); err != nil {
		t.Fatal(err)
	}
	if errs := checkHAR(b.Bytes()); len(errs) > 0 {
		t.Fatalf("HAR 1.2 violations:\n%s\n%s", strings.Join(errs, "\n"), b.String())
	}
}

// The checker must be able to fail: each broken copy of a valid file is
// caught.
func TestCheckHARCatches(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHAR(&b, heldListen()); err != nil {
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
		if errs := checkHAR([]byte(broken)); len(errs) == 0 {
			t.Errorf("%s: no violation found", name)
		}
	}
}

// A streaming session's HAR keeps every event and comment, each at its
// live offset, with the recorded offset beside each data event.
func TestHARKeepsEveryEventTiming(t *testing.T) {
	s := heldListen()
	var b bytes.Buffer
	if err := WriteHAR(&b, s); err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Comment   string `json:"comment"`
				SSEEvents []struct {
					Time         float64  `json:"time"`
					RecordedTime *float64 `json:"recordedTime"`
					ID           string   `json:"id"`
					Comment      bool     `json:"comment"`
				} `json:"_sseEvents"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(b.Bytes(), &har); err != nil {
		t.Fatal(err)
	}
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
	s := FromCell(cells[0], c, matrix.DefaultTimeScale)
	var b bytes.Buffer
	if err := WriteHAR(&b, s); err != nil {
		t.Fatal(err)
	}
	if errs := checkHAR(b.Bytes()); len(errs) > 0 {
		t.Fatalf("HAR 1.2 violations:\n%s", strings.Join(errs, "\n"))
	}
	var har struct {
		Log struct {
			Entries []struct {
				Request struct {
					Headers []struct{ Name, Value string } `json:"headers"`
				} `json:"request"`
				SSEEvents []struct {
					Time    float64 `json:"time"`
					ID      string  `json:"id"`
					Comment bool    `json:"comment"`
				} `json:"_sseEvents"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(b.Bytes(), &har); err != nil {
		t.Fatal(err)
	}
	exs := append([]Exchange(nil), s.Exchanges...)
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
