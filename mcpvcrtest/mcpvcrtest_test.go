package mcpvcrtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func TestOAuthClientAgainstOurServer(t *testing.T) {
	mcpvcrtest.EachRedis(t, func(t *testing.T, redisURL string) {
		s := mcpvcrtest.Start(t, server.Config{AutoApprove: true, RedisURL: redisURL})
		ctx := context.Background()
		c := &mcpvcrtest.OAuthClient{Issuer: s.URL}
		tok, err := c.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Metadata.Issuer != s.URL || c.ClientID == "" || tok.RefreshToken == "" {
			t.Fatalf("issuer %q, client %q, refresh token %v; want %q, a registered client, a refresh token", c.Metadata.Issuer, c.ClientID, tok.RefreshToken != "", s.URL)
		}
		if _, err := c.Refresh(ctx, tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
		s.WaitMarkers(t, 5*time.Second, mcpvcrtest.InOrder("OAUTH CLIENT REGISTERED", "OAUTH CODE GENERATED", "ACCESS TOKEN GENERATED", "REFRESH TOKEN ROTATED"))

		// A refresh token is single use: the server says so as OAuth does.
		_, err = c.Refresh(ctx, tok.RefreshToken)
		var oe *oauthclient.Error
		if !errors.As(err, &oe) || oe.Code != "invalid_grant" {
			t.Fatalf("second refresh: err = %v, want an OAuthError invalid_grant", err)
		}
	})
}

// The same client against another issuer: harnesstest's OAuth front
// (client_secret_post, an iss parameter), which shares no code with ours.
func TestOAuthClientAgainstAnotherIssuer(t *testing.T) {
	other := harnesstest.Start(t, nil)
	c := &mcpvcrtest.OAuthClient{Issuer: other.URL}
	tok, err := c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientSecret == "" || tok.AccessToken == "" {
		t.Fatalf("client secret %v, access token %v; want both", c.ClientSecret != "", tok.AccessToken != "")
	}
	req, _ := http.NewRequest(http.MethodPost, other.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		t.Fatalf("POST /mcp with the token = %d, want it accepted", resp.StatusCode)
	}
}

func TestOAuthClientRefusedWithoutAutoApprove(t *testing.T) {
	s := mcpvcrtest.Start(t, server.Config{})
	_, err := (&mcpvcrtest.OAuthClient{Issuer: s.URL}).Token(context.Background())
	var oe *oauthclient.Error
	if !errors.As(err, &oe) || oe.Endpoint != "GET /authorize" || oe.Status == http.StatusFound {
		t.Fatalf("err = %v, want an OAuthError from GET /authorize that is not a redirect", err)
	}
}

func TestUnstartedServerKnowsItsURL(t *testing.T) {
	s := mcpvcrtest.NewUnstartedServer(server.Config{AutoApprove: true})
	defer s.Close()
	tun := mcpvcrtest.StartTunnel(t, toxics.Clean, s.URL, 1)
	s.Config.Issuer = tun.URL // the public URL, known before the server is built
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	md, err := (&mcpvcrtest.OAuthClient{Issuer: tun.URL}).Discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if md.Issuer != tun.URL {
		t.Fatalf("issuer = %q, want the tunnel's %q", md.Issuer, tun.URL)
	}
}

func TestReplicaSharesTokens(t *testing.T) {
	a := mcpvcrtest.Start(t, server.Config{AutoApprove: true})
	b, err := a.Replica(server.Config{AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := &mcpvcrtest.OAuthClient{Issuer: a.URL}
	tok, err := c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Refreshing on b works only if b reads a's Redis under a's prefix.
	c.Metadata.TokenEndpoint = b.URL + "/token"
	if _, err := c.Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatalf("refresh on the replica: %v", err)
	}
}

func TestStreamTimeline(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": hello\n\nid: 1\ndata: one\n\n")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "id: 2\ndata: two\n\n")
	}))
	defer hs.Close()
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/events", nil)
	s := mcpvcrtest.OpenStream(req, &mcpvcrtest.StreamOptions{Interaction: 3})
	defer s.Close()
	if !s.Wait(10*time.Second, func(st *mcpvcrtest.StreamState) bool { return len(st.DataEvents()) == 1 }) {
		t.Fatalf("no first event: %s", s)
	}
	if st := s.State(); st.Ended || st.Timeline.Reason != "open" {
		t.Fatalf("ended %v reason %q before the server finished, want open", st.Ended, st.Timeline.Reason)
	}
	close(release)
	if !s.WaitEnded(10 * time.Second) {
		t.Fatalf("stream did not end: %s", s)
	}
	tl := s.Timeline()
	harness.ExpectStream(tl).ClosedBy(harness.EndServerEOF).AfterEvents(2).AtLeastComments(1).Assert(t)
	if tl.Interaction != 3 || tl.Status != 200 || tl.URL != "/events" {
		t.Fatalf("timeline = %d %d %s, want 3 200 /events", tl.Interaction, tl.Status, tl.URL)
	}
}

func TestStreamCut(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer hs.Close()
	req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
	s := mcpvcrtest.OpenStream(req, nil)
	defer s.Close()
	s.Wait(10*time.Second, func(st *mcpvcrtest.StreamState) bool { return len(st.Events) == 1 })
	if err := s.Cut(); err != nil {
		t.Fatal(err)
	}
	if !s.WaitEnded(10 * time.Second) {
		t.Fatalf("stream did not end after the cut: %s", s)
	}
	if got := s.Timeline().Reason; got != harness.EndReset {
		t.Fatalf("reason = %s, want %s", got, harness.EndReset)
	}
}

func TestWaitMarkersShowsEvidence(t *testing.T) {
	s := mcpvcrtest.Start(t, server.Config{AutoApprove: true})
	if _, err := (&mcpvcrtest.OAuthClient{Issuer: s.URL}).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := mcpvcrtest.WaitMarkers(s.Markers, 50*time.Millisecond, mcpvcrtest.InOrder("SESSION CREATED"))
	if err == nil || !strings.Contains(err.Error(), "ACCESS TOKEN GENERATED") {
		t.Fatalf("err = %v, want a timeout listing the markers seen", err)
	}
}

// events-held tells the Quick Tunnel's buffer from a tunnel that passes
// events through: the same fixture, two profiles, opposite answers.
func TestReplayListenHeld(t *testing.T) {
	for _, tc := range []struct {
		profile toxics.Profile
		held    bool
	}{
		{toxics.CloudflareQuickTunnel, true},
		{toxics.CloudflareNamedTunnel, false},
	} {
		t.Run(string(tc.profile), func(t *testing.T) {
			t.Parallel()
			scale := timescale.Scale(0.01)
			s := mcpvcrtest.Start(t, server.Config{AutoApprove: true, TimeScale: scale})
			c, rep := mcpvcrtest.Replay(t, "../fixtures/gosdk_oauth_session.yaml", s.URL, tc.profile, scale)
			listen := mcpvcrtest.ListenStream(c, rep)
			if listen.Interaction < 0 {
				t.Fatal("the fixture has no listen stream")
			}
			if got := listen.Has(harness.EventsHeld); got != tc.held {
				t.Errorf("events-held on the listen stream = %v, want %v\nfindings %v\nlive %s\nrecorded %s", got, tc.held, listen.Findings, listen.Live, listen.Recorded)
			}
		})
	}
}
