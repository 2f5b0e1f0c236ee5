package toxics

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    string // fmt of the spec's type, stream, toxicity and resolved attrs at scale 0.001
		wantErr string
	}{
		{in: "header_hold", want: "header_hold downstream 0 map[]"},
		{in: "body_drop:shape=empty", want: "body_drop upstream 0 map[shape:empty]"},
		{in: "sse_buffer:methods=GET,POST,bytes=8192", want: "sse_buffer downstream 0 map[bytes:8192 methods:GET,POST]"},
		{in: "idle_cut:timeout=100s,status=524", want: "idle_cut downstream 0 map[status:524 timeout:100]"},
		{in: "latency:stream=upstream,toxicity=0.5,latency=250", want: "latency upstream 0.5 map[latency:250]"},
		{in: "slicer:delay=10ms", want: "slicer downstream 0 map[delay:10]"}, // µs: 10 ms * 0.001
		{in: "", wantErr: "want TYPE"},
		{in: "latency:latency", wantErr: "is not key=value"},
		{in: "latency:stream=sideways", wantErr: "want upstream or downstream"},
		{in: "latency:toxicity=2", wantErr: "want 0..1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseSpec(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(s.Type, " ", s.Stream, " ", s.Toxicity, " ", s.Resolved(0.001)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Every profile entry cites its field note; every toxic it names exists.
func TestCatalog(t *testing.T) {
	known := map[ToxicType]bool{}
	for _, tt := range ToxicTypes() {
		known[tt] = true
	}
	for _, p := range Profiles() {
		specs, err := p.Toxics()
		if err != nil {
			t.Fatal(err)
		}
		if p.Summary() == "" {
			t.Errorf("%s has no summary", p)
		}
		for _, s := range specs {
			if !known[s.Type] {
				t.Errorf("%s: unknown toxic %s", p, s.Type)
			}
			// A toxic cites the field failure it reproduces, or the real
			// proxy or document its behaviour comes from.
			if !strings.HasPrefix(s.Why, "field failure") && !strings.HasPrefix(s.Why, "calibrated") && !strings.HasPrefix(s.Why, "documented") {
				t.Errorf("%s: %s cites no field failure, calibration or document: %q", p, s.Type, s.Why)
			}
		}
	}
	if _, err := Profile("nope").Toxics(); err == nil {
		t.Error("unknown profile: want an error")
	}
}

// A --toxic of a type the profile already has gets its own name.
func TestOpenTunnelNamesDuplicateToxics(t *testing.T) {
	extra, _ := ParseSpec("idle_cut:timeout=5s")
	tun, err := OpenTunnel(TunnelOptions{Upstream: "127.0.0.1:1", Profile: AWSALB, Extra: []Spec{extra}})
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	var names []string
	for _, a := range tun.Applied {
		names = append(names, a.Name)
	}
	want := "[request_log_upstream header_hold_downstream idle_cut_downstream idle_cut_downstream_2]"
	if fmt.Sprint(names) != want {
		t.Errorf("names = %v, want %s", names, want)
	}
}
