package main

import (
	"flag"
	"fmt"

	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// profileFlags are the matrix's columns as demo and check take them:
// --profile picks simulated profiles, --real adds a column per profile
// replayed through its real proxy (Debian's nginx, haproxy, apache2, caddy).
type profileFlags struct{ profiles, real stringList }

func addProfileFlags(fs *flag.FlagSet) *profileFlags {
	pf := new(profileFlags)
	fs.Var(&pf.profiles, "profile", "only these tunnel profiles (comma-separated or repeated; see mcpvcr tunnel --list)")
	fs.Var(&pf.real, "real", fmt.Sprintf("also replay through the real proxy of these profiles, one column each beside the simulation, if installed (comma-separated or repeated; %v)", realproxy.Profiles()))
	return pf
}

// parse checks every name: an unknown profile, one without a real proxy, or
// a real proxy that is not installed is a usage error before any cell runs.
func (pf *profileFlags) parse() (profiles, real []toxics.Profile, err error) {
	for _, p := range splitList(pf.profiles) {
		if _, err := toxics.Profile(p).Toxics(); err != nil {
			return nil, nil, fmt.Errorf("--profile: %w", err)
		}
		profiles = append(profiles, toxics.Profile(p))
	}
	for _, p := range splitList(pf.real) {
		if _, err := realproxy.Binary(toxics.Profile(p)); err != nil {
			return nil, nil, fmt.Errorf("--real: %w", err)
		}
		real = append(real, toxics.Profile(p))
	}
	return profiles, real, nil
}
