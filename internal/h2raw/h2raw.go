// Package h2raw sends HTTP/2 requests frame by frame over cleartext (h2c,
// prior knowledge), writing every header field as given. Conforming
// clients refuse to send what a test needs to send: Go's HTTP/2 client
// drops a `Connection: keep-alive` header, Node's throws, while a client
// such as Ruby's httpx sends it and the server answers 400 (field failure
// 32, docs/field-failures.md). So this one builds the frames itself, with
// golang.org/x/net/http2's Framer and HPACK, and reports a stream reset as
// an error the caller can see (*ResetError):
//
//	req, _ := http.NewRequest("POST", "http://127.0.0.1:8443/mcp", body)
//	req.Header.Set("Connection", "keep-alive")
//	resp, err := (&h2raw.Transport{}).RoundTrip(req)
//	// Go's net/http: 400 `request header "Connection" is not valid in HTTP/2`
//	// HAProxy, Apache, Node: err is a *ResetError, PROTOCOL_ERROR
package h2raw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Transport is an http.RoundTripper that sends each request on a new
// connection of its own, as stream 1, and closes the connection when the
// response body is closed. Only http URLs; the request body is sent whole
// and must fit the peer's initial window (64 KiB).
type Transport struct {
	// DialContext, if set, dials the connection (a test that cuts it
	// keeps it); nil means a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ResetError is returned when the server reset the stream (RST_STREAM) or
// closed the connection with GOAWAY before answering it: from RoundTrip
// before the response head, from the body's Read after it.
type ResetError struct {
	// Frame is "RST_STREAM" or "GOAWAY".
	Frame string
	Code  http2.ErrCode
}

func (e *ResetError) Error() string {
	return fmt.Sprintf("http2: the server sent %s %v", e.Frame, e.Code)
}

// ErrClosed is returned when the connection closed before the stream
// ended.
var ErrClosed = errors.New("http2: connection closed before the stream ended")

// maxBody is what a peer's default initial window lets us send at once.
const maxBody = 65535

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("h2raw: %s: only http (h2c) URLs", req.URL)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(b) > maxBody {
			return nil, fmt.Errorf("h2raw: a request body over %d bytes would need flow control", maxBody)
		}
		body = b
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	ctx := req.Context()
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := writeRequest(conn, fr, req, body); err != nil {
		stop()
		conn.Close()
		return nil, err
	}
	pr, pw := io.Pipe()
	heads := make(chan *http.Response, 1)
	errs := make(chan error, 1)
	go func() {
		defer stop()
		defer conn.Close()
		err := readStream(fr, req, heads, pw)
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		errs <- err
		pw.CloseWithError(err)
	}()
	select {
	case resp := <-heads:
		resp.Body = &respBody{r: pr, conn: conn}
		return resp, nil
	case err := <-errs:
		select {
		case resp := <-heads: // a bodiless response ends with its head
			resp.Body = &respBody{r: pr, conn: conn}
			return resp, nil
		default:
		}
		if err == nil || err == io.EOF {
			err = ErrClosed
		}
		return nil, err
	}
}

// respBody is a response body; Close closes the connection.
type respBody struct {
	r    *io.PipeReader
	conn net.Conn
}

func (b *respBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *respBody) Close() error {
	b.r.Close()
	return b.conn.Close()
}

func writeRequest(conn net.Conn, fr *http2.Framer, req *http.Request, body []byte) error {
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		return err
	}
	if err := fr.WriteSettings(); err != nil {
		return err
	}
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	write := func(name, value string) error {
		return enc.WriteField(hpack.HeaderField{Name: strings.ToLower(name), Value: value})
	}
	for _, f := range [][2]string{{":method", req.Method}, {":scheme", "http"}, {":authority", authority}, {":path", req.URL.RequestURI()}} {
		if err := write(f[0], f[1]); err != nil {
			return err
		}
	}
	if len(body) > 0 {
		write("content-length", strconv.Itoa(len(body)))
	}
	for name, values := range req.Header {
		for _, v := range values {
			if err := write(name, v); err != nil {
				return err
			}
		}
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(),
		EndStream: len(body) == 0, EndHeaders: true}); err != nil {
		return err
	}
	for len(body) > 0 {
		n := min(len(body), 16384) // the smallest SETTINGS_MAX_FRAME_SIZE
		if err := fr.WriteData(1, n == len(body), body[:n]); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

// readStream reads frames until stream 1 ends (nil), is reset, or the
// connection ends; it sends the response head on heads and the body to w.
func readStream(fr *http2.Framer, req *http.Request, heads chan<- *http.Response, w io.Writer) error {
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrClosed, err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				fr.WritePing(true, f.Data)
			}
		case *http2.GoAwayFrame:
			if f.LastStreamID < 1 || f.ErrCode != http2.ErrCodeNo {
				return &ResetError{Frame: "GOAWAY", Code: f.ErrCode}
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == 1 {
				return &ResetError{Frame: "RST_STREAM", Code: f.ErrCode}
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID != 1 {
				continue
			}
			status, err := strconv.Atoi(f.PseudoValue("status"))
			if err == nil && status >= 200 {
				resp := &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
					Proto: "HTTP/2.0", ProtoMajor: 2, Header: http.Header{}, ContentLength: -1, Request: req}
				for _, h := range f.RegularFields() {
					resp.Header.Add(h.Name, h.Value)
				}
				if cl, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil {
					resp.ContentLength = cl
				}
				heads <- resp
			}
			if f.StreamEnded() {
				return nil
			}
		case *http2.DataFrame:
			if f.StreamID != 1 {
				continue
			}
			if n := uint32(len(f.Data())); n > 0 {
				if _, err := w.Write(f.Data()); err != nil {
					return err // the caller closed the body
				}
				// Give the window back, so a long stream keeps coming.
				fr.WriteWindowUpdate(0, n)
				fr.WriteWindowUpdate(1, n)
			}
			if f.StreamEnded() {
				return nil
			}
		}
	}
}
