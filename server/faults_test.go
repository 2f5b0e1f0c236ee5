package server

import (
	"errors"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		name    string
		specs   []string
		wantErr error
		check   func(t *testing.T, fs Faults)
	}{
		{name: "none", specs: nil, check: func(t *testing.T, fs Faults) {
			if fs.Has(FaultSeed) || fs.String() != "" {
				t.Errorf("faults = %q, want none", fs)
			}
		}},
		{name: "flags and durations", specs: []string{"seed", "idle-close=100s", "slow-headers=250ms", "get-405"}, check: func(t *testing.T, fs Faults) {
			if !fs.Has(FaultSeed) || !fs.Has(FaultGet405) || fs.Has(FaultJSONOnly) {
				t.Errorf("faults = %q", fs)
			}
			if got := fs.Duration(FaultIdleClose); got != 100*time.Second {
				t.Errorf("idle-close = %s, want 100s", got)
			}
			if got := fs.String(); got != "get-405,idle-close=1m40s,seed,slow-headers=250ms" {
				t.Errorf("String() = %q", got)
			}
		}},
		{name: "unknown name", specs: []string{"sead"}, wantErr: ErrUnknownFault},
		{name: "duration missing", specs: []string{"idle-close"}, wantErr: ErrBadFaultValue},
		{name: "duration unparsable", specs: []string{"idle-close=soon"}, wantErr: ErrBadFaultValue},
		{name: "duration negative", specs: []string{"slow-headers=-1s"}, wantErr: ErrBadFaultValue},
		{name: "value on a flag fault", specs: []string{"json-only=yes"}, wantErr: ErrBadFaultValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := ParseFaults(tt.specs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseFaults(%q) error = %v, want %v", tt.specs, err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, fs)
			}
		})
	}
}

// TestFaultsOfMatchesParseFaults: the typed form and the flag form of the
// same faults are the same set.
func TestFaultsOfMatchesParseFaults(t *testing.T) {
	parsed, err := ParseFaults([]string{"seed", "idle-close=100s", "slow-headers=250ms"})
	if err != nil {
		t.Fatal(err)
	}
	typed := FaultsOf(FaultSlowHeaders.For(250*time.Millisecond), FaultSeed, FaultIdleClose.For(100*time.Second))
	if typed.err != nil {
		t.Fatal(typed.err)
	}
	if got, want := typed.String(), parsed.String(); got != want {
		t.Errorf("FaultsOf = %q, ParseFaults = %q, want the same", got, want)
	}
	if got, want := len(typed.hooks), len(parsed.hooks); got != want {
		t.Errorf("hooks = %d, want %d", got, want)
	}
}

func TestFaultsOfBadValues(t *testing.T) {
	tests := []struct {
		name string
		fs   Faults
		want error
	}{
		{"unknown name", FaultsOf(Fault("sead")), ErrUnknownFault},
		{"duration missing", FaultsOf(Fault(FaultIdleClose)), ErrBadFaultValue},
		{"duration negative", FaultsOf(FaultIdleClose.For(-time.Second)), ErrBadFaultValue},
		{"duration on a flag fault", FaultsOf(DurationFault(FaultJSONOnly).For(time.Second)), ErrBadFaultValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.fs.err, tt.want) {
				t.Errorf("FaultsOf error = %v, want %v", tt.fs.err, tt.want)
			}
			if tt.fs.String() != "" {
				t.Errorf("FaultsOf = %q, want the bad fault left out", tt.fs)
			}
		})
	}
}

func TestNewRejectsBadFaultsAndToolSets(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unknown fault", Config{Faults: FaultsOf(Fault("no-such-fault"))}},
		{"zero duration", Config{Faults: FaultsOf(FaultSlowHeaders.For(0))}},
		{"unknown tool set", Config{Tools: "everything"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if srv, err := New(tt.cfg); err == nil {
				srv.Close()
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}

func TestFaultUsageCoversCatalog(t *testing.T) {
	if got, want := len(FaultUsage()), len(faultCatalog); got != want {
		t.Errorf("usage lines = %d, want %d", got, want)
	}
}
