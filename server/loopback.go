package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Loopback is a server on a free loopback port, the way the demo, `mcpvcr
// load` and the test kits (mcpvcrtest, server/servertest) run one in their
// own process:
//
//	client > URL (127.0.0.1:PORT) > http.Server > Handler (the Server, or what wraps it)
//
// ListenLoopback binds the port first, so URL is known before the server
// is built (an issuer behind a tunnel); Start builds and serves. The caller
// should call Close when finished.
type Loopback struct {
	// URL is "http://127.0.0.1:PORT".
	URL string
	// Listener is the bound port.
	Listener net.Listener
	// Server is the server, nil until Start.
	Server *Server

	mu     sync.Mutex
	http   *http.Server
	done   chan struct{}
	closed bool
}

// ListenLoopback binds a free port on 127.0.0.1.
func ListenLoopback() (*Loopback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	return &Loopback{URL: "http://" + ln.Addr().String(), Listener: ln}, nil
}

// StartLoopback is ListenLoopback then Start(cfg, nil).
func StartLoopback(cfg Config) (*Loopback, error) {
	l, err := ListenLoopback()
	if err != nil {
		return nil, err
	}
	if err := l.Start(cfg, nil); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Start builds the server for cfg, with Addr set to the bound port and an
// empty Issuer set to URL, and serves it, or what wrap returns for it when
// wrap is not nil. Its http.Server bounds only the request headers (10 s,
// unscaled): NewHTTPServer's scaled timeouts would, at a test's time scale
// of 0.01, cut a request whose headers a loaded machine or a tunnel's
// latency delays past 100 ms, and the demo's cells must not depend on that.
// It keeps idle connections open forever unless cfg.ConnIdleTimeout says
// otherwise (scaled, as a test of field failure 28 needs).
func (l *Loopback) Start(cfg Config, wrap func(*Server) http.Handler) error {
	cfg.Addr = l.Listener.Addr().String()
	if cfg.Issuer == "" {
		cfg.Issuer = l.URL
	}
	srv, err := New(cfg)
	if err != nil {
		return err
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		srv.Close()
		return errors.New("loopback server closed before it started")
	}
	l.Server, l.http, l.done = srv, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: cfg.connIdleTimeout(0)}, make(chan struct{})
	go func() {
		defer close(l.done)
		l.http.Serve(l.Listener)
	}()
	return nil
}

// StopServing closes the port and every connection (so each open stream
// logs its end) but leaves the server up, so what its handlers log on
// the way out can still be read; Close finishes.
func (l *Loopback) StopServing() {
	l.mu.Lock()
	hs, done := l.http, l.done
	l.mu.Unlock()
	if hs == nil {
		l.Listener.Close()
		return
	}
	hs.Close()
	<-done
}

// Close stops serving (StopServing), then closes the server and its Redis
// client. It may be called more than once.
func (l *Loopback) Close() error {
	l.StopServing()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.Server == nil {
		l.closed = true
		return nil
	}
	l.closed = true
	return l.Server.Close()
}
