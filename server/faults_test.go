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

func TestNewRejectsBadFaultsAndToolSets(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unknown fault", Config{Faults: []string{"no-such-fault"}}},
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
