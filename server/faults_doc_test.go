package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
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

// TestEachFaultIsOneFile checks that a fault is all in fault_NAME.go: the
// file declares its constant and registers hooks, and no other file of
// the package names the constant (the endpoints run hooks, never a fault).
func TestEachFaultIsOneFile(t *testing.T) {
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = f
	}
	for fault := range faultCatalog {
		home := "fault_" + strings.ReplaceAll(string(fault), "-", "_") + ".go"
		f, ok := files[home]
		if !ok {
			t.Errorf("fault %s: no file %s", fault, home)
			continue
		}
		typ := "Fault"
		if faultCatalog[fault].takesDuration {
			typ = "DurationFault"
		}
		name := faultConstIn(f, typ, fault)
		if name == "" {
			t.Errorf("fault %s: %s declares no `const FaultX %s = %q`", fault, home, typ, fault)
			continue
		}
		if !registersHooks(f) {
			t.Errorf("fault %s: %s registers no hooks (faultHooks{...}): it would do nothing", fault, home)
		}
		for p, other := range files {
			if p == home {
				continue
			}
			ast.Inspect(other, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && id.Name == name {
					t.Errorf("%s names %s: fault %s acts only through its hooks in %s", fset.Position(id.Pos()), name, fault, home)
				}
				return true
			})
		}
	}
}

// faultConstIn returns the name of the constant of type typ (Fault or
// DurationFault) f declares with value fault, or "".
func faultConstIn(f *ast.File, typ string, fault Fault) string {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			t, ok := vs.Type.(*ast.Ident)
			if !ok || t.Name != typ || len(vs.Values) != 1 {
				continue
			}
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
				if v, err := strconv.Unquote(lit.Value); err == nil && v == string(fault) {
					return vs.Names[0].Name
				}
			}
		}
	}
	return ""
}

// registersHooks reports whether f has a faultHooks literal that sets a
// hook.
func registersHooks(f *ast.File) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if cl, ok := n.(*ast.CompositeLit); ok {
			if typ, ok := cl.Type.(*ast.Ident); ok && typ.Name == "faultHooks" && len(cl.Elts) > 0 {
				found = true
			}
		}
		return true
	})
	return found
}

func TestRegisterFaultDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering fault seed twice did not panic")
		}
	}()
	registerFault(FaultSeed, "seed: again", faultHooks{})
}

func TestRegisterDurationFaultUsageMustSayDUR(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering a duration fault whose usage does not start with \"NAME=DUR: \" did not panic")
		}
	}()
	registerFault(DurationFault("no-such-fault"), "no-such-fault: takes no DUR", faultHooks{})
}

func TestRegisterFaultUsageMustStartWithTheName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering a fault whose usage does not start with \"NAME: \" did not panic")
		}
	}()
	registerFault(Fault("no-such-fault"), "does nothing", faultHooks{})
}
