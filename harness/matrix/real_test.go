package matrix

import (
	"context"
	"testing"

	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// A real column replays through the real nginx and agrees with the
// simulated column beside it.
func TestRealColumn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real proxy")
	}
	realproxy.Require(t, toxics.NginxDefault)
	cells, err := Run(context.Background(), Options{
		Fixtures: []string{"../../fixtures/gosdk_oauth_session.yaml"},
		Profiles: []toxics.Profile{toxics.NginxDefault},
		Real:     []toxics.Profile{toxics.NginxDefault},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 2 || cells[1].Profile != RealColumn(toxics.NginxDefault) {
		t.Fatalf("cells = %+v, want the simulated and the real column", cells)
	}
	sim, real := cells[0], cells[1]
	if real.Err != "" {
		t.Fatalf("real column could not run: %s", real.Err)
	}
	t.Logf("simulated: %s %q; real: %s %q", sim.Outcome, sim.Diagnosis, real.Outcome, real.Diagnosis)
	if sim.Outcome == "" || sim.Outcome != real.Outcome || sim.EventsDelivered != real.EventsDelivered {
		t.Errorf("simulated %s (%d events), real %s (%d events): %s", sim.Outcome, sim.EventsDelivered, real.Outcome, real.EventsDelivered, real.Diagnosis)
	}
}

func TestRealColumnWithoutCounterpart(t *testing.T) {
	_, err := Run(context.Background(), Options{Fixtures: []string{"../../fixtures/gosdk_oauth_session.yaml"}, Real: []toxics.Profile{toxics.AWSALB}})
	if err == nil {
		t.Error("Run with a real aws-alb column succeeded, want an error")
	}
}
