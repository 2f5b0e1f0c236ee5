package timescale

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestScaleMillis(t *testing.T) {
	tests := []struct {
		scale Scale
		d     time.Duration
		ms    int64
	}{
		{0, 100 * time.Second, 100000}, // zero value means 1
		{1, 100 * time.Second, 100000},
		{0.001, 100 * time.Second, 100},
		{0.001, 60 * time.Second, 60},
		{0.001, 300 * time.Millisecond, 1}, // never scaled to "none"
		{0.01, 15 * time.Second, 150},
		{2, time.Second, 2000},
	}
	for _, tt := range tests {
		if got := tt.scale.Millis(tt.d); got != tt.ms {
			t.Errorf("Scale(%v).Millis(%v) = %d, want %d", tt.scale, tt.d, got, tt.ms)
		}
	}
	if _, err := Parse("0"); err == nil {
		t.Error("Parse(0): want an error")
	}
}

func TestScaleFlag(t *testing.T) {
	var s Scale
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&s, "timescale", "")
	if err := fs.Parse([]string{"-timescale", "0.01"}); err != nil || s != 0.01 {
		t.Fatalf("Set(0.01) = %v, %v; want 0.01", s, err)
	}
	if err := fs.Parse([]string{"-timescale", "-1"}); err == nil {
		t.Error("Set(-1): want an error")
	}
	if got := Scale(0).Scale(time.Second); got != time.Second {
		t.Errorf("zero Scale(1s) = %v, want 1s", got)
	}
	if got := Scale(1e-9).Scale(time.Second); got != time.Microsecond {
		t.Errorf("Scale(1e-9).Scale(1s) = %v, want the 1µs floor", got)
	}
}
