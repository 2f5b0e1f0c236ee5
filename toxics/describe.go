package toxics

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// Attribute documents one toxic attribute.
type Attribute struct {
	Name, Kind, Help string
}

// Attributes lists a toxic type's attributes: ours from their struct tags
// (json name, help), toxiproxy's from their registration (builtin.go).
func Attributes(t ToxicType) []Attribute {
	if !t.Custom() {
		return append([]Attribute(nil), toxicInfo(t).Attributes...)
	}
	proto, ok := tptoxics.ToxicRegistry[string(t)]
	if !ok {
		return nil
	}
	rt := reflect.TypeOf(proto).Elem()
	var out []Attribute
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		kind := "number"
		if f.Type.Kind() == reflect.String {
			kind = "string"
		}
		out = append(out, Attribute{Name: name, Kind: kind, Help: f.Tag.Get("help")})
	}
	return out
}

// WriteCatalog prints the profiles with their toxics and every toxic type
// with its attributes (`mcpvcr tunnel --list`).
func WriteCatalog(w io.Writer, scale timescale.Scale) {
	fmt.Fprintf(w, "Profiles (durations at time scale %s):\n", scale)
	for _, p := range Profiles() {
		fmt.Fprintf(w, "  %s\n      %s\n", p, p.Summary())
		specs, _ := p.Toxics()
		for _, s := range specs {
			fmt.Fprintf(w, "      + %s\n", AppliedToxic{Spec: s, Attributes: s.Resolved(scale)})
		}
		if idle := p.BalancerIdle(); idle > 0 {
			fmt.Fprintf(w, "      + %s\n", balancerSummary(idle, scale))
		}
	}
	fmt.Fprintf(w, "\nToxics (attributes; durations in ms unless noted):\n")
	for _, t := range ToxicTypes() {
		origin := "toxiproxy"
		if t.Custom() {
			origin = "mcpvcr, HTTP-aware"
		}
		fmt.Fprintf(w, "  %s (%s)\n", t, origin)
		for _, a := range Attributes(t) {
			fmt.Fprintf(w, "      %-14s %-7s %s\n", a.Name, a.Kind, a.Help)
		}
	}
}
