package fixtureclients

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpvcr/mcpvcr/oauthclient"
)

// script is a scripted HTTP client: each step is one request, sent only
// after the previous answer was read, so the recording has exactly the
// order the notes describe.
type script struct {
	ctx       context.Context
	base      string
	userAgent string // "" leaves Go's default
	token     string // bearer for /mcp once known
	session   string // Mcp-Session-Id once known
	protocol  string // MCP-Protocol-Version once negotiated
	nextID    int
}

// reply is a read answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (s *script) send(req *http.Request, want int) (*reply, error) {
	if s.userAgent != "" {
		req.Header.Set("User-Agent", s.userAgent)
	}
	resp, err := noRedirect.Do(req.WithContext(s.ctx))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if want != 0 && resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s = %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, clipBody(body))
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func clipBody(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// getJSON fetches a document and decodes it into v.
func (s *script) getJSON(path string, v any) error {
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	r, err := s.send(req, http.StatusOK)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// postForm posts an x-www-form-urlencoded body.
func (s *script) postForm(path string, form url.Values, want int, v any) error {
	return s.post(path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), want, v)
}

// postJSON posts a JSON document (DCR).
func (s *script) postJSON(path string, doc any, want int, v any) error {
	b, _ := json.Marshal(doc)
	return s.post(path, "application/json", bytes.NewReader(b), want, v)
}

// post posts body as contentType, wants the status want and decodes the
// JSON answer into v.
func (s *script) post(path, contentType string, body io.Reader, want int, v any) error {
	req, err := http.NewRequest(http.MethodPost, s.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	r, err := s.send(req, want)
	if err != nil {
		return err
	}
	return json.Unmarshal(r.body, v)
}

// authorize sends GET /authorize and returns the code from the redirect
// (the server auto-approves; the redirect URI is never contacted).
func (s *script) authorize(params url.Values) (string, error) {
	req, err := http.NewRequest(http.MethodGet, s.base+"/authorize?"+params.Encode(), nil)
	if err != nil {
		return "", err
	}
	r, err := s.send(req, http.StatusFound)
	if err != nil {
		return "", err
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		return "", fmt.Errorf("authorize: Location: %w", err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		return "", fmt.Errorf("authorize: redirect without a code: error=%s", loc.Query().Get("error"))
	}
	return code, nil
}

// mcpRequest builds a request to /mcp with the session's headers.
func (s *script) mcpRequest(method string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+"/mcp", rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.session != "" {
		req.Header.Set("Mcp-Session-Id", s.session)
	}
	if s.protocol != "" {
		req.Header.Set("MCP-Protocol-Version", s.protocol)
	}
	return req, nil
}

// call posts one JSON-RPC request (or notification, when id is false)
// with accept as the Accept header, and checks the status.
func (s *script) call(method string, params any, id bool, accept string, want int) (*reply, error) {
	msg := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		msg["params"] = params
	}
	if id {
		s.nextID++
		msg["id"] = s.nextID
	}
	b, _ := json.Marshal(msg)
	req, err := s.mcpRequest(http.MethodPost, b)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	return s.send(req, want)
}

// rpcResult returns the first JSON-RPC response in a JSON or SSE body.
func rpcResult(r *reply) (json.RawMessage, error) {
	docs := [][]byte{r.body}
	if strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
		docs = nil
		sc := bufio.NewScanner(bytes.NewReader(r.body))
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok && strings.TrimSpace(d) != "" {
				docs = append(docs, []byte(strings.TrimSpace(d)))
			}
		}
	}
	for _, d := range docs {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(d, &m) != nil || m.ID == nil {
			continue
		}
		if m.Error != nil {
			return nil, fmt.Errorf("JSON-RPC error %d: %s", m.Error.Code, m.Error.Message)
		}
		return m.Result, nil
	}
	return nil, fmt.Errorf("no JSON-RPC response in %q", clipBody(r.body))
}

// listen opens the GET listen stream and returns once its headers are in;
// the stream is read in the background until the server ends it (after
// DELETE) or ctx ends. done is closed when it has ended.
func (s *script) listen(want int) (status int, done <-chan struct{}, err error) {
	req, err := s.mcpRequest(http.MethodGet, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if s.userAgent != "" {
		req.Header.Set("User-Agent", s.userAgent)
	}
	resp, err := noRedirect.Do(req.WithContext(s.ctx))
	if err != nil {
		return 0, nil, fmt.Errorf("GET /mcp: %w", err)
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil, fmt.Errorf("GET /mcp = %d, want %d: %s", resp.StatusCode, want, clipBody(b))
	}
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
	}()
	return resp.StatusCode, ch, nil
}

// pkce returns a fresh S256 verifier and its challenge (RFC 7636).
func pkce() (verifier, challenge string) {
	p := oauthclient.NewPKCE()
	return p.Verifier, p.Challenge
}

// randomState returns an OAuth state value.
func randomState() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// endSession sends DELETE and waits for the listen stream (done, from
// listen) to end, as a client tearing down does.
func (s *script) endSession(ctx context.Context, listening <-chan struct{}) error {
	req, err := s.mcpRequest(http.MethodDelete, nil)
	if err != nil {
		return err
	}
	if _, err := s.send(req, 0); err != nil {
		return err
	}
	select {
	case <-listening:
	case <-ctx.Done():
		return fmt.Errorf("the listen stream did not end after DELETE: %w", ctx.Err())
	}
	return nil
}
