package mcpvcrtest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The kit is for other modules' tests, which cannot import mcpvcr's
// internal/ packages: neither may the kit, nor anything it pulls in.
func TestKitImportsNoInternal(t *testing.T) {
	for _, pkg := range []string{".", "../oauthclient", "../server/servertest"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/mcpvcr/mcpvcr/internal/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

// examples/external is a module of its own, which `go test ./...` here
// does not reach (make ci-extra runs its tests): vet it here, so a change
// to the exported API that breaks a user's module fails `make test` too.
func TestExternalModuleBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds another module")
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = "../examples/external"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet in examples/external: %v\n%s\n(a new dependency of mcpvcr? cd examples/external && GOFLAGS=-mod=mod GOPROXY=off go mod tidy -e)", err, out)
	}
}

// TestNoPublicPackageImportsInternal: no package outside internal/ (the
// CLI included) builds on internal/, so everything a user can run or
// import is public API; internal/ holds only what tests and tools use.
func TestNoPublicPackageImportsInternal(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list ../...: %v\n%s", err, out)
	}
	const internal = "github.com/mcpvcr/mcpvcr/internal/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], internal) {
			continue
		}
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, internal) {
				t.Errorf("%s imports %s", f[0], imp)
			}
		}
	}
}
