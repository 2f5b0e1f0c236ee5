package fixtureclients_test

import (
	"context"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// Every fixture client completes its session against the real server, so
// `make fixtures` cannot be the first to find one broken.
func TestSessionsComplete(t *testing.T) {
	for _, tc := range []struct {
		name    string
		session fixtureclients.Session
	}{
		{"gosdk", fixtureclients.GoSDK},
		{"gosdk_2026", fixtureclients.GoSDK2026},
		{"claude_connector_order", fixtureclients.ClaudeConnectorOrder},
		{"seed_curl_walkthrough", fixtureclients.SeedCurlWalkthrough},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := tc.session(ctx, ts.URL); err != nil {
				t.Fatal(err)
			}
		})
	}
}
