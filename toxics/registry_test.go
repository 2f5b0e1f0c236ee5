package toxics

import (
	"os"
	"strings"
	"testing"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// TestRegistriesDocumented lists the toxic and profile registries: every
// toxic toxiproxy runs has a catalog entry, and every toxic and profile is
// documented in docs/tunnel.md, so adding one is its own file plus its
// line in the docs, and nothing else.
func TestRegistriesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/tunnel.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(ToxicTypes()) < 18 || len(Profiles()) < 18 {
		t.Fatalf("registries list %d toxics and %d profiles, want the whole catalog (>= 18 each)", len(ToxicTypes()), len(Profiles()))
	}
	for name := range tptoxics.ToxicRegistry {
		if _, ok := toxicInfos[ToxicType(name)]; !ok {
			t.Errorf("toxiproxy runs toxic %q, which has no catalog entry (Register, or registerBuiltin in builtin.go)", name)
		}
	}
	for _, tt := range ToxicTypes() {
		if !strings.Contains(string(doc), "`"+string(tt)+"`") {
			t.Errorf("toxic %s is not documented in docs/tunnel.md", tt)
		}
		if tt.Custom() {
			for _, a := range Attributes(tt) {
				if a.Help == "" || a.Name == "" {
					t.Errorf("%s: attribute %+v lacks a name or help", tt, a)
				}
			}
		}
	}
	for _, p := range Profiles() {
		if !strings.Contains(string(doc), "`"+string(p)+"`") {
			t.Errorf("profile %s is not documented in docs/tunnel.md", p)
		}
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"toxic", func() { Register(SSEBufferType, new(SSEBuffer), ToxicInfo{}) }},
		{"builtin", func() { registerBuiltin(LatencyType, ToxicInfo{}) }},
		{"profile", func() { RegisterProfile(Clean, ProfileInfo{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %s twice did not panic", tc.name)
				}
			}()
			tc.f()
		})
	}
}

// Each toxic's metadata, as the tunnel uses it.
func TestToxicInfo(t *testing.T) {
	for _, tc := range []struct {
		tt       ToxicType
		stream   Direction
		requests bool
		custom   bool
	}{
		{RequestLogType, Upstream, false, true},
		{BodyDropType, Upstream, false, true},
		{RequestBufferType, Upstream, false, true},
		{RequestHeaderStripType, Upstream, false, true},
		{SSEBufferType, Downstream, true, true},
		{IdleCutType, Downstream, true, true},
		{HeaderHoldType, Downstream, true, true},
		{CloseAfterEventsType, Downstream, true, true},
		{StatusRewriteType, Downstream, true, true},
		{HeaderStripType, Downstream, false, true},
		{LatencyType, Downstream, false, false},
		{SlicerType, Downstream, false, false},
	} {
		if got := tc.tt.DefaultStream(); got != tc.stream {
			t.Errorf("%s.DefaultStream() = %s, want %s", tc.tt, got, tc.stream)
		}
		if got := tc.tt.needsRequests(); got != tc.requests {
			t.Errorf("%s.needsRequests() = %v, want %v", tc.tt, got, tc.requests)
		}
		if got := tc.tt.Custom(); got != tc.custom {
			t.Errorf("%s.Custom() = %v, want %v", tc.tt, got, tc.custom)
		}
	}
	if !toxicInfo(SlicerType).microseconds("delay") || toxicInfo(LatencyType).microseconds("latency") {
		t.Error("slicer's delay is in µs, latency's latency in ms")
	}
}
