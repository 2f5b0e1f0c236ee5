package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

// Scenarios is the wall time of `go test ./scenarios` against the time the
// scenarios simulated (each scenario logs "simulated DUR" when it ends).
type Scenarios struct {
	Count      int     `json:"count"`
	WallS      float64 `json:"wall_s"`
	SimulatedS float64 `json:"simulated_s"`
	Ratio      float64 `json:"simulated_per_wall"`
}

// scenarioRE names one scenario subtest in `go test -json` output.
var scenarioRE = regexp.MustCompile(`^TestScenarios/[^/]+$`)

var simulatedRE = regexp.MustCompile(`simulated ((?:[0-9.]+[a-zµ]+)+)`)

// measureScenarios runs the scenario suite once, uncached.
func measureScenarios(ctx context.Context) (*Scenarios, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-json", "./scenarios")
	var out bytes.Buffer
	cmd.Stdout = &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test ./scenarios: %w", err)
	}
	s := &Scenarios{WallS: time.Since(t0).Seconds()}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		if ev.Action == "pass" && ev.Test != "" && scenarioRE.MatchString(ev.Test) {
			s.Count++
		}
		if m := simulatedRE.FindStringSubmatch(ev.Output); m != nil {
			if d, err := time.ParseDuration(m[1]); err == nil {
				s.SimulatedS += d.Seconds()
			}
		}
	}
	if s.WallS > 0 {
		s.Ratio, _ = strconv.ParseFloat(fmt.Sprintf("%.1f", s.SimulatedS/s.WallS), 64)
	}
	return s, nil
}

func (r *run) scenarios(rep *Report) error {
	r.o.Progress("go test -count=1 ./scenarios")
	var err error
	rep.Scenarios, err = measureScenarios(r.ctx)
	return err
}
