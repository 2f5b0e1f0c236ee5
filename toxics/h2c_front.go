package toxics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// h2cFront is the tunnel's listener for a profile whose front speaks
// HTTP/2 (ProfileInfo.HTTP2): an HTTP/1.1 connection goes on to the
// toxiproxy listener byte for byte, as without the front; an HTTP/2 one
// (h2c with prior knowledge: it opens with the client preface) is served
// by Go's own HTTP/2 server, whose requests a reverse proxy sends on to the
// same listener as HTTP/1.1, so the profile's toxics see them as usual:
//
//	client ─h1──> h2cFront ─bytes───────────────────────────> toxiproxy(toxics) > Upstream
//	client ─h2c─> h2cFront ─Go's HTTP/2 server > ReverseProxy ─h1─┘
//
// Go's HTTP/2 server is the real part here, the one Caddy and the other Go
// fronts run: it applies RFC 9113's rules, so a request carrying a
// connection-specific field (Connection, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade) gets 400 `request header "Connection" is not
// valid in HTTP/2` and never reaches the toxics (field failure 32,
// calibrated against Caddy 2.6.2 by toxics/realproxy).
type h2cFront struct {
	ln     net.Listener
	behind string // the toxiproxy listener's HOST:PORT
	h2     *http.Server
	h2ln   *connListener
	proxy  *http.Transport // the reverse proxy's, to the toxiproxy listener

	mu    sync.Mutex
	conns map[net.Conn]bool // open connections not Go's server's, closed by close
	wg    sync.WaitGroup
}

// startH2CFront listens on listen and passes connections on to behind.
func startH2CFront(listen, behind string) (*h2cFront, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	target := &url.URL{Scheme: "http", Host: behind}
	transport := &http.Transport{DisableCompression: true}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		// Each write goes on at once, as Caddy flushes a stream.
		FlushInterval: -1,
		Transport:     transport,
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	f := &h2cFront{ln: ln, behind: behind, conns: map[net.Conn]bool{}, proxy: transport,
		h2ln: newConnListener(ln.Addr()),
		h2:   &http.Server{Handler: proxy, Protocols: &protocols}}
	f.wg.Add(2)
	go func() { defer f.wg.Done(); f.h2.Serve(f.h2ln) }()
	go func() { defer f.wg.Done(); f.accept() }()
	return f, nil
}

// Addr is where clients connect.
func (f *h2cFront) Addr() string { return f.ln.Addr().String() }

func (f *h2cFront) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go func() { defer f.wg.Done(); f.route(c) }()
	}
}

// route reads until the bytes differ from the HTTP/2 client preface (an
// HTTP/1.1 request differs at its first byte) or match all of it, then
// hands an HTTP/2 connection to Go's server and relays any other.
func (f *h2cFront) route(c net.Conn) {
	if !f.track(c) {
		return
	}
	br := bufio.NewReader(c)
	const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	h2 := true
	for i := 1; i <= len(preface) && h2; i++ {
		b, err := br.Peek(i)
		// Closed before a whole preface, or another first line: relay.
		h2 = err == nil && b[i-1] == preface[i-1]
	}
	conn := &peekedConn{Conn: c, r: br}
	if h2 {
		f.forget(c) // Go's server owns it now, and closes it on close
		f.h2ln.push(conn)
		return
	}
	defer f.forget(c)
	f.relay(conn)
}

// relay copies an HTTP/1.1 connection to the toxiproxy listener and back,
// passing on each side's end of writing.
func (f *h2cFront) relay(c *peekedConn) {
	defer c.Close()
	up, err := net.Dial("tcp", f.behind)
	if err != nil || !f.track(up) {
		return
	}
	defer f.forget(up)
	defer up.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(up, c)
		up.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(c.Conn, up)
	c.Conn.(*net.TCPConn).CloseWrite()
	wg.Wait()
}

// track registers a connection so close can end it; false (and c closed)
// if the front is closing.
func (f *h2cFront) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		c.Close()
		return false
	}
	f.conns[c] = true
	return true
}

func (f *h2cFront) forget(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.conns, c)
}

// close stops listening and ends every connection, relayed or HTTP/2.
func (f *h2cFront) close() error {
	err := f.ln.Close()
	f.h2.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
	f.proxy.CloseIdleConnections()
	return err
}

// peekedConn is a connection whose first bytes were read into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// connListener hands the HTTP/2 connections to Go's server.
type connListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
