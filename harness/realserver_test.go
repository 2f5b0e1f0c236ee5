package harness

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// TestReplayAgainstFreshServer is the harness's main promise, against the
// real server: a session recorded from each fixture client (go-sdk's client
// with OAuth, initialize, the listen stream, tools and notifications on the
// listen stream; and the scripted clients of the assembled fixtures)
// through a Recorder in front of the server, saved and loaded again,
// replays against a fresh server (new Redis, new secrets) with zero
// differences. With $REDIS_URL set it runs on a real Redis too.
func TestReplayAgainstFreshServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client fixtureclients.Session
	}{
		{"gosdk", fixtureclients.GoSDK},
		{"claude connector order", fixtureclients.ClaudeConnectorOrder},
		{"seed curl walkthrough", fixtureclients.SeedCurlWalkthrough},
	} {
		t.Run(tc.name, func(t *testing.T) {
			servertest.EachRedis(t, func(t *testing.T, redisURL string) {
				cfg := server.Config{RedisURL: redisURL, AutoApprove: true}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				c, err := RecordSession(ctx, servertest.Start(t, cfg).URL, &RecorderOptions{Upstream: "servertest", Version: "test"}, tc.client)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "session.yaml")
				if err := c.Save(path); err != nil {
					t.Fatal(err)
				}
				loaded, err := LoadCassette(path)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := Replay(ctx, loaded, servertest.Start(t, cfg).URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				var out strings.Builder
				rep.WriteText(&out)
				if !rep.OK() || len(rep.Differences()) != 0 {
					t.Fatalf("replay differs:\n%s", out.String())
				}
			})
		})
	}
}
