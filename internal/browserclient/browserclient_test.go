package browserclient

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// skipWithout skips (fails under CI=true) when the browser client is not
// installed.
func skipWithout(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, ErrMissing) {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// The page's client completes a session against the server on another
// origin: CORS lets it.
func TestSessionCompletes(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	token := ts.Token(t).AccessToken
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, Options{Server: ts.URL + "/mcp", Token: token})
	skipWithout(t, err)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || len(res.Steps) != 4 {
		t.Errorf("session: %+v, want 4 steps and ok", res)
	}
}
