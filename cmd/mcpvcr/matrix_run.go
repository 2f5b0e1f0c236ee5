package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/mcpvcr/mcpvcr/harness/matrix"
)

// runMatrix is what demo and check share between their flags and their
// verdict: it runs the cells of opts (columns profiles per fixture) with a
// progress line per cell on stderr, prints their table on stdout, and
// returns them with how long they took.
func runMatrix(ctx context.Context, opts matrix.Options, columns int, exp matrix.Expectations, wide bool, stdout, stderr io.Writer) ([]matrix.Cell, time.Duration, error) {
	opts.Progress = cellProgress(stderr, len(opts.Fixtures)*columns)
	start := time.Now()
	cells, err := matrix.Run(ctx, opts)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintln(stdout)
	matrix.WriteTableWith(stdout, cells, exp, tableOptions(stdout, wide))
	return cells, time.Since(start), nil
}

// cellProgress returns a matrix.Options.Progress that prints one line per
// finished cell of total.
func cellProgress(w io.Writer, total int) func(matrix.Cell) {
	done := 0
	return func(c matrix.Cell) {
		done++
		what := string(c.Outcome)
		if c.Err != "" {
			what = "error: " + c.Err
		}
		fmt.Fprintf(w, "[%2d/%d] %-40s %-24s %-16s %6.0fms\n", done, total, c.Fixture, c.Profile, what, float64(c.Took)/float64(time.Millisecond))
	}
}

// tableOptions is how demo and check print their table: 100 columns (the
// terminal's, when $COLUMNS says more), colours only on a terminal and
// never under NO_COLOR or TERM=dumb, every column with --wide.
func tableOptions(stdout io.Writer, wide bool) *matrix.TableOptions {
	o := &matrix.TableOptions{Wide: wide}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 100 {
		o.Width = n
	}
	o.Color = isTerminal(stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	return o
}
