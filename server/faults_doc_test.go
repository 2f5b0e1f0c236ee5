package server

import (
	"os"
	"strings"
	"testing"
)

// TestFaultsAreDocumented lists the fault registry: every fault has a
// usage line and a row in docs/mcp.md, so adding one is its file
// (fault_NAME.go) plus its line in the docs.
func TestFaultsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/mcp.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(faultCatalog) < 8 {
		t.Fatalf("the fault registry lists %d faults, want the whole catalog (>= 8)", len(faultCatalog))
	}
	for f, info := range faultCatalog {
		if !strings.HasPrefix(info.usage, string(f)) {
			t.Errorf("fault %s: usage %q does not start with its name", f, info.usage)
		}
		if !strings.Contains(string(doc), "`"+string(f)+"`") && !strings.Contains(string(doc), "`"+string(f)+"=") {
			t.Errorf("fault %s is not documented in docs/mcp.md", f)
		}
	}
}

func TestRegisterFaultDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering fault seed twice did not panic")
		}
	}()
	registerFault(FaultSeed, faultInfo{usage: "seed"})
}
