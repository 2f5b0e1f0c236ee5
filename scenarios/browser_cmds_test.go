package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/browserclient"
	"github.com/rogpeppe/go-internal/testscript"
)

// browserCondition answers [browser]: chromium, esbuild and the TypeScript
// SDK are installed. Under CI=true a missing one is an error, not a skip.
func browserCondition(ci bool) (bool, error) {
	err := browserclient.Available()
	switch {
	case err == nil:
		return true, nil
	case ci && errors.Is(err, browserclient.ErrMissing):
		return false, fmt.Errorf("[browser]: %v (CI=true: failing instead of skipping)", err)
	case errors.Is(err, browserclient.ErrMissing):
		return false, nil
	}
	return false, err
}

func init() {
	register(command{
		usage: "browser [-client C] [-via HOP] [-fails TEXT]",
		summary: "run the TypeScript SDK client in a page of headless chromium (another origin, so CORS applies) against HOP's /mcp " +
			"with the client's token: initialize, tools/list, tools/call whoami, DELETE; -fails TEXT: the session must fail " +
			"and TEXT appear in the client's error or the browser's console",
		run: cmdBrowser,
	})
}

func cmdBrowser(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("browser")
	peer := peerFlags(fs)
	fails := fs.String("fails", "", "the session must fail with this in the error or the console")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	token, _, _ := c.get()
	// Wall time, not scaled: chromium's start-up is the machine's.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := browserclient.Run(ctx, browserclient.Options{Server: base + "/mcp", Token: token})
	if err != nil {
		return err
	}
	for _, s := range res.Steps {
		ts.Logf("browser: %s", s)
	}
	console := strings.Join(res.Console, "\n")
	if console != "" {
		ts.Logf("browser console:\n%s", console)
	}
	switch {
	case *fails == "" && !res.OK:
		return fmt.Errorf("browser session failed after %d step(s): %s\nconsole:\n%s", len(res.Steps), res.Error, console)
	case *fails != "" && res.OK:
		return fmt.Errorf("browser session completed (%s); want it to fail with %q", strings.Join(res.Steps, "; "), *fails)
	case *fails != "" && !strings.Contains(res.Error, *fails) && !strings.Contains(console, *fails):
		return fmt.Errorf("browser session failed with %q (console:\n%s)\nwant %q in either", res.Error, console, *fails)
	}
	if !res.OK {
		ts.Logf("browser: failed as expected: %s", res.Error)
	}
	return nil
}
