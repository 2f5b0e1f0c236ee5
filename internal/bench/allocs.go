package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Allocs is what one tools/call costs a server in memory, in process.
type Allocs struct {
	Server      string  `json:"server"`
	NsPerCall   float64 `json:"ns_per_call"`
	BytesPerOp  float64 `json:"bytes_per_call"`
	AllocsPerOp float64 `json:"allocs_per_call"`
}

// measureAllocs runs this package's BenchmarkToolsCall* with the go tool
// (the module's source must be at hand, as under `make bench`).
func measureAllocs(ctx context.Context, dir string) ([]Allocs, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkToolsCall", "-benchmem", "-benchtime", "3000x", "-count", "1", "./internal/bench")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench ToolsCall: %w\n%s", err, out.String())
	}
	var res []Allocs
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 || !strings.HasPrefix(f[0], "BenchmarkToolsCall") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkToolsCall")
		name = name[:strings.IndexAny(name+"-", "-")]
		a := Allocs{Server: map[string]string{"Ours": "mcpvcr serve (OAuth + markers)", "OursQuiet": "mcpvcr serve (OAuth, no marker log)", "Reference": "go-sdk server (reference setup)"}[name]}
		for i := 2; i+1 < len(f); i += 2 {
			v, _ := strconv.ParseFloat(f[i], 64)
			switch f[i+1] {
			case "ns/op":
				a.NsPerCall = v
			case "B/op":
				a.BytesPerOp = v
			case "allocs/op":
				a.AllocsPerOp = v
			}
		}
		res = append(res, a)
	}
	return res, nil
}
