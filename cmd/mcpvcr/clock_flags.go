package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// The two clocks a command can take, kept apart:
//
//	--timescale  the world's: every tunnel timeout, server keepalive and
//	             recorded offset (0.01 runs Cloudflare's 100 s idle cut as 1 s)
//	--pace       the replayer's, on top: 2 replays the recorded offsets at
//	             half speed, the world's timeouts untouched
//
// Both are factors > 0 read by timescale.Parse, so every command accepts
// and refuses the same numbers, with the same message, before it starts.

// addTimescaleFlag declares --timescale on fs with its default.
func addTimescaleFlag(fs *flag.FlagSet, def timescale.Scale, usage string) *timescale.Scale {
	s := def
	if s.Factor() == 1 {
		usage += " (default 1)" // the flag package omits a default that prints as the zero value
	}
	fs.Var(&s, "timescale", usage)
	return &s
}

// addPaceFlag declares --pace on fs, default 1.
func addPaceFlag(fs *flag.FlagSet, usage string) *float64 {
	p := paceFlag(1)
	fs.Var(&p, "pace", usage)
	return (*float64)(&p)
}

// paceFlag is --pace: read as a time scale is, but it is the replayer's.
type paceFlag float64

func (p paceFlag) String() string { return strconv.FormatFloat(float64(p), 'g', -1, 64) }

func (p *paceFlag) Set(v string) error {
	s, err := timescale.Parse(v)
	if err != nil {
		return fmt.Errorf("pace %q: want a number > 0", v)
	}
	*p = paceFlag(s.Factor())
	return nil
}
