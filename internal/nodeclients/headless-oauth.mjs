// A headless OAuthClientProvider for @modelcontextprotocol/sdk, so the
// TypeScript client can run the OAuth 2.1 flow without a browser (DESIGN.md
// "Real peers"): dynamic client registration, then the authorization URL is
// fetched with redirect: 'manual' and the code is taken from the Location
// header (the server must auto-approve: `serve --auto-approve`).
//
// Use: transport = new StreamableHTTPClientTransport(url, {authProvider});
// connect() throws UnauthorizedError after redirectToAuthorization; then
// `await transport.finishAuth(provider.code)` and connect again.
//
// server/mcp_clients_test.go runs client.mjs with MCPVCR_OAUTH=1, so this
// provider is what gets the TypeScript client its token there.
export class HeadlessOAuthProvider {
  constructor({ redirectUrl = 'http://127.0.0.1:1/callback', scope } = {}) {
    this._redirectUrl = redirectUrl;
    this._scope = scope;
    this._clientInformation = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this.code = undefined;
  }
  get redirectUrl() { return this._redirectUrl; }
  get clientMetadata() {
    return {
      client_name: 'mcpvcr-ts-client',
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this._scope ? { scope: this._scope } : {}),
    };
  }
  clientInformation() { return this._clientInformation; }
  saveClientInformation(info) { this._clientInformation = info; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this._tokens = tokens; }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
  async redirectToAuthorization(authorizationUrl) {
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (!location) throw new Error(`authorize: status ${res.status}, no redirect (is the server run with --auto-approve?)`);
    const code = new URL(location).searchParams.get('code');
    if (!code) throw new Error(`authorize: redirect without a code: ${new URL(location).searchParams.get('error') ?? 'no error given'}`);
    this.code = code;
  }
}
