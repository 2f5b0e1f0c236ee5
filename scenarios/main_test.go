package scenarios

import (
	"flag"
	"os"
	"testing"
)

// TestMain lets more scenarios run at once than go test's default (one per
// CPU): a scenario spends its time waiting on scaled timers and sockets,
// not computing, so on a 2-core machine running 2 at a time wastes most
// of the wall clock. An explicit -parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", "4")
	}
	os.Exit(m.Run())
}
