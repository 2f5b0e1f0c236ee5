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

	mu    sync.Mutex
	conns map[net.Conn]bool // the relayed HTTP/1.1 connections, closed by close
	wg    sync.WaitGroup
}

// startH2CFront listens on listen and passes connections on to behind.
func startH2CFront(listen, behind string) (*h2cFront, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	target := &url.URL{Scheme: "http", Host: behind}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		// Each write goes on at once, as Caddy flushes a stream.
		FlushInterval: -1,
		Transport:     &http.Transport{DisableCompression: true, ForceAttemptHTTP2: false},
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	f := &h2cFront{ln: ln, behind: behind, conns: map[net.Conn]bool{},
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
// HTTP/1.1 request differs at its first byte) or match all of it.
func (f *h2cFront) route(c net.Conn) {
	br := bufio.NewReader(c)
	preface := "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	h2 := true
	for i := 1; i <= len(preface); i++ {
		b, err := br.Peek(i)
		if err != nil {
			h2 = false // closed before a whole preface: relay what came
			break
		}
		if b[i-1] != preface[i-1] {
			h2 = false
			break
		}
	}
	conn := &peekedConn{Conn: c, r: br}
	if h2 {
		f.h2ln.push(conn)
		return
	}
	f.relay(conn)
}

// relay copies an HTTP/1.1 connection to the toxiproxy listener and back,
// passing on each side's end of writing.
func (f *h2cFront) relay(c *peekedConn) {
	up, err := net.Dial("tcp", f.behind)
	if err != nil {
		c.Close()
		return
	}
	if !f.track(c, up) {
		return
	}
	defer f.untrack(c, up)
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

// track registers a relayed pair so close can end it; false if the front
// is closing (both are closed then).
func (f *h2cFront) track(conns ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		f.conns[c] = true
	}
	return true
}

func (f *h2cFront) untrack(conns ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range conns {
		c.Close()
		delete(f.conns, c)
	}
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
