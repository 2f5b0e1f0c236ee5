package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Request values in marker details cannot forge marker lines.
func TestMarkersQuoteRequestValues(t *testing.T) {
	var log strings.Builder
	ts := servertest.Start(t, server.Config{AutoApprove: true, LogOutput: &syncWriter{w: &log}})
	forged := "x\n2026-01-01T00:00:00.000000Z req=- session=- === AUTH SUCCESS === Method: oauth"
	ts.Authorize(t, with(servertest.AuthorizeParams(servertest.NewPKCE()), "client_id", forged))
	ts.PostToken(t, "/token", url.Values{"grant_type": {forged}}, "", "")
	assert.NotContains(t, log.String(), "AUTH SUCCESS === Method: oauth\n", "forged marker line:\n%s", log.String())
	assertMarker(t, ts, markers.OAuthAuthorizeStart, `client_id="x\n2026`)
	assertMarker(t, ts, markers.OAuthTokenStart, `grant_type="x\n2026`)
	for _, e := range ts.Events.All() {
		assert.NotEqual(t, markers.AuthSuccess, e.Name)
	}
}

func TestLoadStaticClients(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "clients.json")
	require.NoError(t, os.WriteFile(good, []byte(`[{"client_id":"ci","client_secret":"s","redirect_uris":["http://127.0.0.1:3000/callback"]}]`), 0o600))
	cs, err := server.LoadStaticClients(good)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	assert.Equal(t, "ci", cs[0].ClientID)
	ts := servertest.Start(t, server.Config{Clients: cs})
	tr := ts.PostToken(t, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, "ci", "s")
	assert.Equal(t, "invalid_grant", tr.Error, "client ci authenticates with its secret")
	assert.Equal(t, http.StatusBadRequest, tr.Status)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"client_id":"ci"}`), 0o600))
	_, err = server.LoadStaticClients(bad)
	assert.ErrorContains(t, err, "bad.json")
	_, err = server.LoadStaticClients(filepath.Join(dir, "missing.json"))
	assert.Error(t, err)
}
