package scenarios

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/server"
)

// client is a step-by-step MCP client: each script command sends one HTTP
// request, as the seed's curl walk-through did, so a scenario controls the
// order, the framing and the timing of every step.
type client struct {
	name string

	mu          sync.Mutex
	token       string
	refresh     string
	session     string
	protocol    string
	nextID      int
	lastEventID string // the last SSE id seen on any of its streams
}

func (c *client) get() (token, session, protocol string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.session, c.protocol
}

// claudeCallback is the redirect URI of the built-in public client
// claude-desktop. Nothing ever connects to it: the code is read from the
// Location header.
const claudeCallback = "https://claude.ai/api/mcp/auth_callback"

// noRedirect returns redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// getToken runs authorize (auto-approved) and the code exchange for
// claude-desktop against base, the way the seed's curl walk-through did,
// with a real S256 PKCE pair.
func (c *client) getToken(base string) error {
	verifier := newSecret() // 43 characters
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {"claude-desktop"},
		"redirect_uri":          {claudeCallback},
		"code_challenge":        {server.S256Challenge(verifier)},
		"code_challenge_method": {"S256"},
		"state":                 {"teststate"},
		"scope":                 {"claudeai"},
	}
	resp, err := noRedirect.Get(base + "/authorize?" + q.Encode())
	if err != nil {
		return fmt.Errorf("GET /authorize: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		return fmt.Errorf("GET /authorize = %d, want 302 with a code (start the server with --auto-approve)", resp.StatusCode)
	}
	return c.tokenRequest(base, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {loc.Query().Get("code")},
		"redirect_uri":  {claudeCallback},
		"client_id":     {"claude-desktop"},
		"code_verifier": {verifier},
	})
}

// refreshToken trades the refresh token for a new access token.
func (c *client) refreshToken(base string) error {
	c.mu.Lock()
	rt := c.refresh
	c.mu.Unlock()
	if rt == "" {
		return errors.New("no refresh token: run `token` first")
	}
	return c.tokenRequest(base, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {"claude-desktop"},
	})
}

func (c *client) tokenRequest(base string, form url.Values) error {
	resp, err := noRedirect.PostForm(base+"/token", form)
	if err != nil {
		return fmt.Errorf("POST /token: %w", err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &tr); err != nil || resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		return fmt.Errorf("POST /token (%s) = %d %s %s", form.Get("grant_type"), resp.StatusCode, tr.Error, tr.Description)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token, c.refresh = tr.AccessToken, tr.RefreshToken
	return nil
}

func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// request is one HTTP request a client sends.
type request struct {
	name      string // stream name; "" = next sN
	method    string
	base      string
	path      string
	body      []byte
	chunked   bool // no Content-Length: the body goes chunked
	header    http.Header
	rpcMethod string
}

// stream is one HTTP exchange as the client saw it: status, headers, body
// and, for text/event-stream, each event and comment with its time, kept as
// a harness.Timeline so the harness's lifetime assertions apply.
type stream struct {
	name      string
	rpcMethod string
	client    *client
	cancel    context.CancelFunc
	start     time.Time // when the request went out

	mu      sync.Mutex
	tl      harness.Timeline
	header  http.Header
	body    bytes.Buffer
	events  []harness.SSEEvent // data events and comments, in order
	ended   bool
	conn    net.Conn
	changed chan struct{}
}

// send starts req in the background and returns its stream at once.
func (w *world) send(c *client, req request) (*stream, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &stream{name: req.name, rpcMethod: req.rpcMethod, client: c, cancel: cancel, changed: make(chan struct{})}
	if err := w.addStream(s); err != nil {
		cancel()
		return nil, err
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
		if req.chunked {
			body = io.MultiReader(body) // unknown length: Transfer-Encoding: chunked
		}
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.base+req.path, body)
	if err != nil {
		cancel()
		return nil, err
	}
	for k, vs := range req.header {
		hr.Header[k] = vs
	}
	// One connection per stream, never reused, so `cut` breaks exactly it.
	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				s.mu.Lock()
				s.conn = conn
				s.mu.Unlock()
			}
			return conn, err
		}}
	s.tl = harness.Timeline{Interaction: len(w.order), Method: req.method, URL: req.path}
	s.start = time.Now()
	go s.run(tr, hr)
	return s, nil
}

func (s *stream) run(tr *http.Transport, req *http.Request) {
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		s.finish(harness.EndUpstreamError, err)
		return
	}
	defer resp.Body.Close()
	s.mu.Lock()
	s.tl.Status, s.tl.ContentType, s.tl.Headers = resp.StatusCode, resp.Header.Get("Content-Type"), time.Since(s.start)
	s.header = resp.Header
	isSSE := false
	if mt, _, _ := mime.ParseMediaType(s.tl.ContentType); mt == "text/event-stream" {
		isSSE = true
	}
	s.bump()
	s.mu.Unlock()
	if id := resp.Header.Get("Mcp-Session-Id"); id != "" && s.rpcMethod == "initialize" && resp.StatusCode < 300 {
		s.client.mu.Lock()
		s.client.session = id
		s.client.mu.Unlock()
	}
	var parser harness.SSEParser
	buf := make([]byte, 4096)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			at := time.Since(s.start)
			s.mu.Lock()
			if !s.tl.SeenFirstByte {
				s.tl.SeenFirstByte, s.tl.FirstByte = true, at
			}
			s.tl.Bytes += int64(n)
			s.body.Write(buf[:n])
			if isSSE {
				for _, ev := range parser.Feed(buf[:n]) {
					s.events = append(s.events, ev)
					s.tl.Events = append(s.tl.Events, harness.StreamEvent{At: at, ID: ev.ID, Event: ev.Event, Comment: ev.IsComment})
					if ev.ID != "" {
						s.client.mu.Lock()
						s.client.lastEventID = ev.ID
						s.client.mu.Unlock()
					}
				}
			}
			s.bump()
			s.mu.Unlock()
		}
		if rerr != nil {
			switch {
			case errors.Is(rerr, io.EOF):
				s.finish(harness.EndServerEOF, nil)
			case req.Context().Err() != nil:
				s.finish(harness.EndClientCancel, nil)
			default:
				s.finish(harness.EndReset, rerr)
			}
			return
		}
	}
}

// bump wakes every waiter; s.mu must be held.
func (s *stream) bump() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *stream) finish(r harness.EndReason, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	s.tl.Closed, s.tl.Reason = time.Since(s.start), r
	if err != nil {
		s.tl.Err = err.Error()
	}
	s.bump()
}

// waitFor waits until cond holds (checked under the stream's lock at each
// change) or d passes; it reports whether cond held.
func (s *stream) waitFor(d time.Duration, cond func(s *stream) bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, ch := cond(s), s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.mu.Lock()
			defer s.mu.Unlock()
			return cond(s)
		}
	}
}

// timeline returns the stream's timeline; an open stream's Closed is how
// long it has been open so far.
func (s *stream) timeline() harness.Timeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	tl := s.tl
	tl.Events = append([]harness.StreamEvent(nil), s.tl.Events...)
	if !s.ended {
		tl.Closed = time.Since(s.start)
		tl.Reason = "open"
	}
	return tl
}

// dataEvents returns the stream's SSE events that are not comments.
func (s *stream) dataEvents() []harness.SSEEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []harness.SSEEvent
	for _, ev := range s.events {
		if !ev.IsComment {
			out = append(out, ev)
		}
	}
	return out
}

func (s *stream) describe() string {
	tl := s.timeline()
	var b strings.Builder
	fmt.Fprintf(&b, "stream %s: ", s.name)
	b.WriteString(tl.String())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.body.Len() > 0 && s.body.Len() < 600 {
		fmt.Fprintf(&b, "  body: %q\n", s.body.String())
	}
	return b.String()
}

// cut closes the stream's connection under it, as a reset in the path
// would: the client sees the body end with an error.
func (s *stream) cut() error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("stream %s has no connection yet", s.name)
	}
	return conn.Close()
}
