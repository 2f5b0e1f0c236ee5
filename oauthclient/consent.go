package oauthclient

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// HeadlessConsent returns go-sdk's AuthorizationCodeFetcher for a user
// who has already approved (the server runs with --auto-approve): it
// follows the authorization URL like a browser, through hc's transport (nil
// = the default), and reads the code from the redirect's Location without
// contacting the redirect URI. Tests, the kit and the fixture clients share it.
func HeadlessConsent(hc *http.Client) auth.AuthorizationCodeFetcher {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if hc != nil {
		client.Transport = hc.Transport
	}
	return func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("authorize: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("authorize answered %s without a redirect (is the server started with --auto-approve?)", resp.Status)
		}
		q := loc.Query()
		if e := q.Get("error"); e != "" {
			return nil, fmt.Errorf("authorize: %s: %s", e, q.Get("error_description"))
		}
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
}

// GoSDKHandler returns go-sdk's OAuth handler for a headless MCP client
// named name: dynamic client registration with the authorization-code
// and refresh grants, LoopbackCallback as the redirect URI, a refresh
// token asked for, and HeadlessConsent, every request sent by hc (nil =
// the default). Give it to mcp.StreamableClientTransport.OAuthHandler.
func GoSDKHandler(name string, hc *http.Client) (*auth.AuthorizationCodeHandler, error) {
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName:   name,
			RedirectURIs: []string{LoopbackCallback},
			GrantTypes:   []string{"authorization_code", "refresh_token"},
		}},
		RedirectURL:              LoopbackCallback,
		Client:                   hc,
		AuthorizationCodeFetcher: HeadlessConsent(hc),
		RequestRefreshToken:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("oauth handler: %w", err)
	}
	return h, nil
}
