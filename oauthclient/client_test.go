package oauthclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpvcr/mcpvcr/oauthclient"
)

// An issuer with a path has its metadata at the well-known path inserted
// before it (RFC 8414 section 3), and a refusal comes back as an Error
// carrying the OAuth code.
func TestDiscoverIssuerWithPath(t *testing.T) {
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/tenant", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(oauthclient.Metadata{Issuer: issuer, AuthorizationEndpoint: issuer + "/authorize", TokenEndpoint: issuer + "/token"})
	})
	mux.HandleFunc("POST /tenant/token", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant","error_description":"refresh token reused"}`))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	issuer = ts.URL + "/tenant"

	c := &oauthclient.Client{Issuer: issuer, ClientID: "app"}
	md, err := c.Discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if md.TokenEndpoint != issuer+"/token" {
		t.Fatalf("token endpoint = %q, want %q", md.TokenEndpoint, issuer+"/token")
	}
	_, err = c.Refresh(context.Background(), "old")
	var oe *oauthclient.Error
	if !errors.As(err, &oe) || oe.Status != http.StatusBadRequest || oe.Code != "invalid_grant" {
		t.Fatalf("refresh: err = %v, want an Error 400 invalid_grant", err)
	}
}

func TestNewPKCE(t *testing.T) {
	a, b := oauthclient.NewPKCE(), oauthclient.NewPKCE()
	if len(a.Verifier) != 43 || len(a.Challenge) != 43 || a.Verifier == b.Verifier || a.Challenge == a.Verifier {
		t.Fatalf("PKCE pairs %+v %+v: want fresh 43-character verifiers and S256 challenges", a, b)
	}
}
