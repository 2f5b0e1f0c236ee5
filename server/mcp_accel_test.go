package server

import (
	"testing"
)

// TestSSEStreamsTellNginxNotToBuffer: SSE responses carry
// X-Accel-Buffering: no (field failure 4) unless the no-accel-header fault
// leaves it out.
func TestSSEStreamsTellNginxNotToBuffer(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		want   string
	}{
		{"default", Faults{}, "no"},
		{"fault no-accel-header", FaultsOf(FaultNoAccelHeader), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startMCPServer(t, Config{AuthOff: true, Faults: tt.faults}, nil)
			sid := s.initialize(t, "2025-06-18")
			resp := s.listen(t, t.Context(), sid, "2025-06-18")
			if resp.StatusCode != 200 {
				t.Fatalf("GET /mcp = %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("X-Accel-Buffering"); got != tt.want {
				t.Errorf("X-Accel-Buffering = %q, want %q", got, tt.want)
			}
		})
	}
}
