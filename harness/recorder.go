package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// Recorder is a streaming reverse proxy that records what passes through
// it as a cassette:
//
//	client > recorder > [tunnel] > server
//
// Unlike go-vcr's recorder, which reads whole bodies, it forwards every
// chunk of a response as soon as the upstream delivers it and flushes it to
// the client, so an SSE stream that never ends reaches the client exactly
// as it would without the recorder, while each event's arrival time is
// noted. Requests run concurrently (a GET listen stream stays open while
// POSTs flow). Absolute URLs naming the upstream in response headers and
// non-stream bodies are rewritten to the recorder's own address (and back
// in requests), so the OAuth discovery documents send the client through
// the recorder too.
//
// The caller should call Close when finished, then Cassette or Save.
type Recorder struct {
	upstream  *url.URL
	transport http.RoundTripper
	opts      RecorderOptions

	// start is when the first request arrived: offsets count from it.
	start time.Time

	mu           sync.Mutex
	interactions []*Interaction
	seq          int
	origin       string
	// self is the origin the upstream names itself by (see
	// RecorderOptions.UpstreamOrigin), as of the first request.
	self string
	// dropped holds the names of tunnel headers left out of the recording.
	dropped  map[string]bool
	inflight sync.WaitGroup
	cancels  map[int]context.CancelFunc
	closed   bool
	// idle is closed when no request is in flight; replaced on the next.
	idle chan struct{}

	// saver rewrites RecorderOptions.Out as interactions finish; nil
	// without Out.
	saver *progressSaver
}

// RecorderOptions configures NewRecorder. Nil means defaults.
type RecorderOptions struct {
	// Transport sends requests upstream; nil means a clone of
	// http.DefaultTransport (https upstreams work with the system roots; pass
	// httptest.Server.Client().Transport for a test TLS server).
	Transport http.RoundTripper
	// Upstream names the kind of server recorded, for the provenance
	// ("mcpvcr serve", "go-sdk test server"). Empty: taken from the
	// initialize result's serverInfo.
	Upstream string
	// Tunnel names what sits between the client and the server, for the
	// provenance: a tunnel in front of the recorder ("cloudflared quick
	// tunnel") or between it and the upstream ("none").
	Tunnel string
	// Version is the mcpvcr version written into the provenance.
	Version string
	// Why is kept in the provenance: why this fixture exists.
	Why string
	// Source goes to the provenance: SourceCaptured (the default) or
	// SourceAssembled followed by ": what the script followed".
	Source string
	// MaxBody bounds the request body the recorder reads, and how much of
	// each response body it keeps in the cassette (default 16 MiB). A
	// longer response is still forwarded whole; the cassette keeps its
	// first MaxBody bytes and Timeline.Elided says how many more passed.
	MaxBody int64
	// PublicURL is the origin clients use when a tunnel sits in front of
	// the recorder (https://NAME.trycloudflare.com). Empty: taken from each
	// request's Forwarded or X-Forwarded-Proto/-Host headers, else from the
	// connection (req.TLS, req.Host). See clientOrigin.
	PublicURL string
	// Out, when set, is the cassette file the recorder rewrites, in the
	// background, as interactions finish (atomically, see Cassette.Save;
	// paced so that it costs about a tenth of a core, see progressSaver),
	// so a recorder that is killed leaves a loadable file of the
	// interactions that had finished. Close writes it a last time and
	// returns the first error writing it.
	Out string
	// UpstreamOrigin is the origin the upstream names itself by in its
	// documents and expects in resource= (its OAuth issuer), when that is
	// not the upstream URL's. Empty: when the client came through a tunnel
	// (PublicURL or forwarding headers), the client-facing origin, since a
	// server that works behind a tunnel must know its public name
	// (`mcpvcr serve --issuer https://NAME...`); else the upstream URL's.
	// The recorder swaps the client-facing origin for this one in requests
	// and back in responses.
	UpstreamOrigin string
	// Redact are extra secrets to replace (as __REDACTED_n__), for values
	// no rule of secret_rules.go knows: what each expression matches, or
	// its first group.
	Redact []*regexp.Regexp
}

// NewRecorder returns a Recorder forwarding to upstream (an http or https
// base URL; its path, if any, is prefixed to every request path).
func NewRecorder(upstream string, opts *RecorderOptions) (*Recorder, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("recorder upstream %q: %w", upstream, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("recorder upstream %q: want http://host:port or https://host", upstream)
	}
	r := &Recorder{upstream: u, start: time.Now(), cancels: map[int]context.CancelFunc{}, idle: make(chan struct{}), dropped: map[string]bool{}}
	close(r.idle)
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.PublicURL != "" {
		if r.opts.PublicURL, err = parseOrigin(r.opts.PublicURL); err != nil {
			return nil, fmt.Errorf("recorder public URL: %w", err)
		}
	}
	if r.opts.UpstreamOrigin != "" {
		if r.opts.UpstreamOrigin, err = parseOrigin(r.opts.UpstreamOrigin); err != nil {
			return nil, fmt.Errorf("recorder upstream origin: %w", err)
		}
	}
	if r.opts.MaxBody == 0 {
		r.opts.MaxBody = 16 << 20
	}
	if r.opts.Out != "" {
		r.saver = newProgressSaver(func() error { return r.Cassette().Save(r.opts.Out) })
	}
	r.transport = r.opts.Transport
	if r.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true // record what the server sent
		r.transport = t
	}
	return r, nil
}

// hopHeaders are connection-scoped (RFC 9110 7.6.1) and never forwarded.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// ServeHTTP forwards one request upstream and records it, in steps:
//
//	begin > read the request body > send it upstream > copy the headers >
//	relay the body (whole documents rewritten, streams chunk by chunk) > finish
//
// Each step that fails finishes the interaction with the end reason that
// says whose fault it was.
func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	x, ok := r.begin(w, req)
	if !ok {
		http.Error(w, "recorder closed", http.StatusServiceUnavailable)
		return
	}
	defer r.end(x)
	body, err := x.readBody(r.opts.MaxBody)
	if err != nil {
		http.Error(w, "recorder: reading request body: "+err.Error(), http.StatusBadRequest)
		r.finish(x, EndClientCancel, err)
		return
	}
	resp, reason, err := r.sendUpstream(x, body)
	if err != nil {
		r.finish(x, reason, err)
		return
	}
	defer resp.Body.Close()
	r.copyHeaders(x, resp)
	reason, err = r.relayBody(x, resp)
	r.finish(x, reason, err)
}

// flight is one request in flight through the recorder.
type flight struct {
	id     int
	opened time.Time
	ctx    context.Context // cancelled by Close (recorder_closed)
	cancel context.CancelFunc
	req    *http.Request
	w      http.ResponseWriter
	rc     *http.ResponseController
	// origin is the client-facing origin, self the one the upstream names
	// itself by (see RecorderOptions.UpstreamOrigin).
	origin, self string
	in           *Interaction
	captured     bytes.Buffer // the response body as relayed, its first maxKept bytes
	maxKept      int64
	stream       bool // an SSE response
	parser       SSEParser
}

func (x *flight) since() time.Duration { return time.Since(x.opened) }

// begin registers the request as in flight and starts its interaction;
// false when the recorder is closed.
func (r *Recorder) begin(w http.ResponseWriter, req *http.Request) (*flight, bool) {
	opened := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, false
	}
	x := &flight{id: r.seq, opened: opened, req: req, w: w, rc: http.NewResponseController(w), in: &Interaction{}, maxKept: r.opts.MaxBody}
	r.seq++
	r.inflight.Add(1)
	if len(r.cancels) == 0 {
		r.idle = make(chan struct{})
	}
	x.ctx, x.cancel = context.WithCancel(req.Context())
	r.cancels[x.id] = x.cancel
	var viaTunnel bool
	x.origin, viaTunnel = clientOrigin(req, r.opts.PublicURL)
	x.self = r.upstreamSelf(x.origin, viaTunnel)
	if r.origin == "" {
		// The session starts with its first request, not when the
		// recorder started listening.
		r.origin, r.self, r.start = x.origin, x.self, opened
	}
	recorded := req.Header.Clone()
	for _, k := range dropTunnelHeaders(recorded) {
		r.dropped[k] = true
	}
	x.in.Stream.Opened = opened.Sub(r.start)
	x.in.Request = cassette.Request{
		Proto: req.Proto, ProtoMajor: req.ProtoMajor, ProtoMinor: req.ProtoMinor,
		// The host the client addressed, not the one the tunnel forwarded to.
		Host: x.origin[strings.Index(x.origin, "://")+3:], RequestURI: req.RequestURI, Method: req.Method,
		URL: x.origin + req.URL.RequestURI(), Headers: recorded,
		TransferEncoding: req.TransferEncoding,
	}
	return x, true
}

// end takes the request off the in-flight list.
func (r *Recorder) end(x *flight) {
	r.mu.Lock()
	delete(r.cancels, x.id)
	if len(r.cancels) == 0 {
		close(r.idle)
	}
	r.mu.Unlock()
	x.cancel()
	r.inflight.Done()
}

// readBody reads the whole request body (at most max bytes) into the
// interaction.
func (x *flight) readBody(max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(x.req.Body, max+1))
	if err == nil && int64(len(body)) > max {
		err = fmt.Errorf("request body over %d bytes", max)
	}
	if err != nil {
		return nil, err
	}
	x.in.Request.Body = string(body)
	x.in.Request.ContentLength = int64(len(body))
	return body, nil
}

// sendUpstream sends the request on and returns the upstream's response,
// or the end reason and error when there is none (a 502 has then been
// answered unless the client or Close gave up first).
func (r *Recorder) sendUpstream(x *flight, body []byte) (*http.Response, EndReason, error) {
	out, err := r.outgoing(x.ctx, x.req, body, x.origin, x.self)
	if err != nil {
		http.Error(x.w, "recorder: "+err.Error(), http.StatusBadGateway)
		return nil, EndUpstreamError, err
	}
	resp, err := r.transport.RoundTrip(out)
	if err == nil {
		return resp, "", nil
	}
	switch {
	case x.req.Context().Err() != nil:
		return nil, EndClientCancel, err
	case x.ctx.Err() != nil:
		return nil, EndRecorderClosed, err
	}
	http.Error(x.w, "recorder: upstream: "+err.Error(), http.StatusBadGateway)
	return nil, EndUpstreamError, err
}

// copyHeaders gives the client the upstream's headers, less the
// hop-by-hop ones and with the upstream's URLs in Location, Link and
// WWW-Authenticate pointed at the recorder.
func (r *Recorder) copyHeaders(x *flight, resp *http.Response) {
	h := x.w.Header()
	for k, vs := range resp.Header {
		h[k] = append([]string(nil), vs...)
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	for _, k := range []string{"Location", "Content-Location", "Link", "Www-Authenticate"} {
		for i, v := range h[k] {
			h[k][i] = r.toClient(v, x.origin, x.self)
		}
	}
	x.stream = isSSE(resp.Header.Get("Content-Type"))
	x.in.Stream.Status = resp.StatusCode
	x.in.Stream.ContentType = resp.Header.Get("Content-Type")
}

// relayBody sends the response on and returns how it ended. A bounded
// body (a discovery document, a JSON answer) is read whole so the
// upstream's URLs in it can be rewritten; anything else, an SSE stream
// above all, is forwarded chunk by chunk as it arrives.
func (r *Recorder) relayBody(x *flight, resp *http.Response) (EndReason, error) {
	h := x.w.Header()
	var document []byte
	whole := x.req.Method != http.MethodHead && !x.stream &&
		(resp.ContentLength >= 0 && resp.ContentLength < r.opts.MaxBody || documentMedia(resp.Header.Get("Content-Type")))
	var unread []byte // read to see whether it was a document, not yet forwarded
	if whole {
		var err error
		if document, err = io.ReadAll(io.LimitReader(resp.Body, r.opts.MaxBody+1)); err != nil {
			http.Error(x.w, "recorder: upstream body: "+err.Error(), http.StatusBadGateway)
			return EndReset, err
		}
		if int64(len(document)) > r.opts.MaxBody {
			// Too long to rewrite: forward every byte as it comes
			// (a chunked 20 MiB JSON body was cut at 16 MiB, status 200).
			whole, unread, document = false, document, nil
		} else {
			document = []byte(r.toClient(string(document), x.origin, x.self))
			h.Set("Content-Length", fmt.Sprint(len(document)))
		}
	}
	x.in.Response = cassette.Response{
		Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Status: resp.Status, Code: resp.StatusCode, Headers: h.Clone(),
		ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding,
	}
	x.w.WriteHeader(resp.StatusCode)
	x.rc.Flush()
	x.in.Stream.Headers = x.since()
	defer func() { x.in.Response.Body = x.captured.String() }()
	if whole {
		x.in.Response.ContentLength = int64(len(document))
		if len(document) > 0 {
			if err := x.write(document); err != nil {
				return EndClientCancel, err
			}
		}
		return EndServerEOF, nil
	}
	if len(unread) > 0 {
		if werr := x.write(unread); werr != nil {
			return EndClientCancel, werr
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if werr := x.write(buf[:n]); werr != nil {
				return EndClientCancel, werr
			}
		}
		switch {
		case rerr == nil:
			continue
		// The client's cancel comes first: the upstream sees the
		// cancelled request and may end its stream cleanly, so the EOF
		// is only its consequence.
		case x.req.Context().Err() != nil:
			return EndClientCancel, nil
		case errors.Is(rerr, io.EOF):
			return EndServerEOF, nil
		case x.ctx.Err() != nil:
			return EndRecorderClosed, nil
		default:
			return EndReset, rerr
		}
	}
}

// write passes one chunk to the client, flushed, and notes its time and,
// on a stream, the SSE events it completes.
func (x *flight) write(chunk []byte) error {
	// The event's time is when it reached the recorder, taken before it
	// is passed on: the client may act on it (send the next request)
	// before Flush returns here, and the recording must not show that
	// request starting before the event it answered.
	at := x.since()
	_, err := x.w.Write(chunk)
	if err == nil {
		err = x.rc.Flush()
	}
	// Keep at most MaxBody bytes of the body: an endless response grew the
	// recorder to 1.8 GB. The rest is forwarded and counted, not kept.
	keep := min(int64(len(chunk)), max(x.maxKept-int64(x.captured.Len()), 0))
	x.captured.Write(chunk[:keep])
	x.in.Stream.Elided += int64(len(chunk)) - keep
	parser := &x.parser
	if !x.stream {
		parser = nil
	}
	x.in.Stream.addChunk(chunk, at, parser, nil)
	return err
}

// finish records how the request ended and adds it to the cassette; with
// RecorderOptions.Out set, the file is rewritten with it.
func (r *Recorder) finish(x *flight, reason EndReason, err error) {
	in := x.in
	in.Stream.Closed = x.since()
	in.Stream.Reason = reason
	if err != nil {
		in.Stream.Err = err.Error()
	}
	in.Response.Duration = in.Stream.Closed
	r.mu.Lock()
	in.ID = x.id
	r.interactions = append(r.interactions, in)
	r.mu.Unlock()
	if r.saver != nil {
		r.saver.due()
	}
}

// documentMedia reports whether a content type is a whole document (JSON,
// HTML, text, a form) that may be read completely before forwarding, even
// when sent chunked: discovery documents must have the upstream's URLs
// rewritten. Anything else of unknown length may be a stream and is
// forwarded as it arrives.
func documentMedia(contentType string) bool {
	switch mt := mediaType(contentType); {
	case isJSONMedia(mt), mt == "text/html", mt == "text/plain", mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// outgoing builds the upstream request: the recorder's origin swapped for
// the upstream's in the URL, headers and body; RequestURI cleared and
// ContentLength set to the body actually sent (http.Client rejects a
// server-side request otherwise).
func (r *Recorder) outgoing(ctx context.Context, req *http.Request, body []byte, origin, self string) (*http.Request, error) {
	u := *r.upstream
	u.Path = strings.TrimSuffix(r.upstream.Path, "/") + req.URL.Path
	u.RawPath = ""
	u.RawQuery = swapOrigin(req.URL.RawQuery, origin, self)
	sent := []byte(swapOrigin(string(body), origin, self))
	out, err := http.NewRequestWithContext(ctx, req.Method, u.String(), bytes.NewReader(sent))
	if err != nil {
		return nil, fmt.Errorf("building upstream request: %w", err)
	}
	out.Header = req.Header.Clone()
	for _, k := range hopHeaders {
		out.Header.Del(k)
	}
	for _, k := range []string{"Origin", "Referer"} {
		if v := out.Header.Get(k); v != "" {
			out.Header.Set(k, swapOrigin(v, origin, self))
		}
	}
	out.ContentLength = int64(len(sent))
	if len(sent) == 0 {
		out.Body = http.NoBody
	}
	return out, nil
}

func (r *Recorder) upstreamOrigin() string { return r.upstream.Scheme + "://" + r.upstream.Host }

// upstreamSelf is the origin the upstream names itself by, for a request
// whose client-facing origin is origin: RecorderOptions.UpstreamOrigin.
func (r *Recorder) upstreamSelf(origin string, viaTunnel bool) string {
	switch {
	case r.opts.UpstreamOrigin != "":
		return r.opts.UpstreamOrigin
	case viaTunnel:
		return origin
	}
	return r.upstreamOrigin()
}

// toClient replaces the upstream's origins (its address, and the name it
// knows itself by) with the client-facing one, in raw and query-escaped
// spelling.
func (r *Recorder) toClient(s, origin, self string) string {
	return swapOrigin(swapOrigin(s, r.upstreamOrigin(), origin), self, origin)
}

// swapOrigin replaces origin from with to in s, in every spelling.
func swapOrigin(s, from, to string) string {
	if from == to || from == "" {
		return s
	}
	s = strings.ReplaceAll(s, from, to)
	return strings.ReplaceAll(s, url.QueryEscape(from), url.QueryEscape(to))
}

// WaitIdle waits until no request is in flight (every stream the client
// closed has been recorded), or ctx ends.
func (r *Recorder) WaitIdle(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("recorder still has requests in flight: %w", ctx.Err())
	}
}

// Close stops accepting requests, ends the streams still open (their end
// reason is recorder_closed) and waits until each is recorded. Its error
// is the first failure to write RecorderOptions.Out.
func (r *Recorder) Close() error {
	r.mu.Lock()
	r.closed = true
	for _, c := range r.cancels {
		c()
	}
	r.mu.Unlock()
	r.inflight.Wait()
	if t, ok := r.transport.(interface{ CloseIdleConnections() }); ok && r.opts.Transport == nil {
		t.CloseIdleConnections()
	}
	if r.saver == nil {
		return nil
	}
	return r.saver.close()
}

// Cassette returns what was recorded so far, in request order, with every
// secret replaced by a placeholder and the provenance filled in.
func (r *Recorder) Cassette() *Cassette {
	r.mu.Lock()
	ins := make([]*Interaction, len(r.interactions))
	for i, in := range r.interactions {
		ins[i] = cloneInteraction(in)
	}
	origin, self := r.origin, r.self
	dropped := make([]string, 0, len(r.dropped))
	for k := range r.dropped {
		dropped = append(dropped, k)
	}
	r.mu.Unlock()
	sort.Strings(dropped)
	sort.Slice(ins, func(i, j int) bool { return ins[i].ID < ins[j].ID })
	c := &Cassette{Interactions: ins}
	c.Provenance = r.provenance(ins, origin, self)
	if len(dropped) > 0 {
		c.Provenance.TunnelHeaders = dropped
	}
	rd := NewRedactor()
	rd.AddPatterns(r.opts.Redact...)
	rd.RedactCassette(c)
	for i, in := range c.Interactions {
		in.Stream.Interaction = i
		in.Stream.Method = in.Request.Method
	}
	return c
}

// Save writes Cassette to path.
func (r *Recorder) Save(path string) error { return r.Cassette().Save(path) }

func (r *Recorder) provenance(ins []*Interaction, origin, self string) Provenance {
	p := Provenance{
		Recorded:      r.start.UTC().Truncate(time.Second),
		MCPVCRVersion: r.opts.Version,
		Upstream:      r.opts.Upstream,
		Tunnel:        r.opts.Tunnel,
		Origin:        origin,
		Why:           r.opts.Why,
		Source:        r.opts.Source,
	}
	if p.Source == "" {
		p.Source = SourceCaptured
	}
	if self == "" {
		self = r.upstreamOrigin()
	}
	if self != origin {
		p.UpstreamOrigin = self
	}
	if p.MCPVCRVersion == "" {
		p.MCPVCRVersion = "dev"
	}
	if p.Tunnel == "" {
		p.Tunnel = "none"
	}
	for _, in := range ins {
		if p.UserAgent == "" {
			p.UserAgent = in.Request.Headers.Get("User-Agent")
		}
		// The last hello the server answered wins: a 2026 client's
		// discover, answered without its version, is followed by an
		// initialize.
		h, answered := parseHello(in)
		if h.client != "" && (answered || p.Client == "") {
			p.Client, p.ProtocolVersion = h.client, h.offered
		}
		if answered {
			p.Server, p.ProtocolVersion = h.server, h.protocol
		}
	}
	if p.Client == "" {
		p.Client = p.UserAgent
	}
	if p.Upstream == "" {
		p.Upstream = p.Server
	}
	return p
}

// hello is what a session's opening exchange says about its two sides.
type hello struct {
	client, server string
	// offered is the client's protocol version, protocol the one the
	// server settled on (empty when it refused).
	offered, protocol string
}

// parseHello reads the exchange that opens a session: initialize (up to
// 2025-11-25), or server/discover (2026-07-28, stateless: the client
// names itself in _meta and the server in its result's _meta). answered
// is false when the server refused it (a stateful server answers a 2026
// client's discover with 400, and the client falls back to initialize);
// the zero hello is returned for any other request.
func parseHello(in *Interaction) (h hello, answered bool) {
	type info struct{ Name, Version string }
	var req struct {
		Method string `json:"method"`
		Params struct {
			ProtocolVersion string `json:"protocolVersion"`
			ClientInfo      info   `json:"clientInfo"`
			Meta            struct {
				ProtocolVersion string `json:"io.modelcontextprotocol/protocolVersion"`
				ClientInfo      info   `json:"io.modelcontextprotocol/clientInfo"`
			} `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal([]byte(in.Request.Body), &req) != nil {
		return hello{}, false
	}
	switch req.Method {
	case "initialize":
		h.client, h.offered = joinInfo(req.Params.ClientInfo.Name, req.Params.ClientInfo.Version), req.Params.ProtocolVersion
	case "server/discover":
		h.client, h.offered = joinInfo(req.Params.Meta.ClientInfo.Name, req.Params.Meta.ClientInfo.Version), req.Params.Meta.ProtocolVersion
	default:
		return hello{}, false
	}
	for _, m := range jsonMessages(in.Response.Headers.Get("Content-Type"), in.Response.Body) {
		var res struct {
			Result *struct {
				ProtocolVersion   string   `json:"protocolVersion"`
				SupportedVersions []string `json:"supportedVersions"`
				ServerInfo        info     `json:"serverInfo"`
				Meta              struct {
					ServerInfo info `json:"io.modelcontextprotocol/serverInfo"`
				} `json:"_meta"`
			} `json:"result"`
		}
		if json.Unmarshal([]byte(m), &res) != nil || res.Result == nil {
			continue
		}
		h.server = joinInfo(res.Result.ServerInfo.Name, res.Result.ServerInfo.Version)
		if h.server == "" {
			h.server = joinInfo(res.Result.Meta.ServerInfo.Name, res.Result.Meta.ServerInfo.Version)
		}
		h.protocol = res.Result.ProtocolVersion
		if req.Method == "server/discover" && slices.Contains(res.Result.SupportedVersions, h.offered) {
			// A discover result lists versions: the client's is used
			// when the server has it.
			h.protocol = h.offered
		}
	}
	return h, h.server != "" && (h.protocol != "" || req.Method == "initialize")
}

// joinInfo is "name/version", or the name alone.
func joinInfo(name, version string) string {
	if version == "" {
		return name
	}
	return name + "/" + version
}

// jsonMessages returns the JSON documents of a body: the body itself, or
// the data of each SSE event.
func jsonMessages(contentType, body string) []string {
	if !isSSE(contentType) {
		return []string{body}
	}
	var out []string
	for _, e := range ParseSSE(body) {
		if !e.IsComment && e.Data != "" {
			out = append(out, e.Data)
		}
	}
	return out
}

func cloneInteraction(in *Interaction) *Interaction {
	c := *in
	c.Request.Headers = in.Request.Headers.Clone()
	c.Response.Headers = in.Response.Headers.Clone()
	c.Stream.Events = append([]StreamEvent(nil), in.Stream.Events...)
	if in.Request.Form != nil {
		c.Request.Form = url.Values(http.Header(in.Request.Form).Clone())
	}
	return &c
}

// RecordSession records one client session against upstream: it starts a
// Recorder on a loopback port, runs session with the recorder's base URL
// (a client pointed there, such as harnesstest.RunSession), waits for every
// stream to be recorded, and returns the cassette.
func RecordSession(ctx context.Context, upstream string, opts *RecorderOptions, session func(ctx context.Context, base string) error) (*Cassette, error) {
	rec, err := NewRecorder(upstream, opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("record session: %w", err)
	}
	hs := &http.Server{Handler: rec}
	go hs.Serve(ln)
	defer hs.Close()
	if err := session(ctx, "http://"+ln.Addr().String()); err != nil {
		rec.Close()
		return nil, fmt.Errorf("record session: the client failed: %w", err)
	}
	if err := rec.WaitIdle(ctx); err != nil {
		rec.Close()
		return nil, fmt.Errorf("record session: %w", err)
	}
	rec.Close()
	return rec.Cassette(), nil
}
