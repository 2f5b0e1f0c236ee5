package toxics

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"
)

// Server is an in-process toxiproxy (v2.12.0) with our toxics registered,
// serving toxiproxy's own REST API so the real toxiproxy-cli and the
// toxiproxy client package can list and change its proxies and toxics:
//
//	client > proxy(toxics) > upstream          toxiproxy-cli > API
//
// The caller should call Close when finished; it stops every proxy.
type Server struct {
	api *toxiproxy.ApiServer
	ln  net.Listener
	hs  *http.Server
	err chan error
}

var silenceGlobalLogger sync.Once

// StartServer starts an embedded toxiproxy whose API listens on addr
// ("127.0.0.1:0" picks a port; 8474 is toxiproxy's default).
func StartServer(addr string) (*Server, error) { return startServer(addr, zerolog.Nop()) }

// startServer is StartServer with toxiproxy's log going to logger.
func startServer(addr string, logger zerolog.Logger) (*Server, error) {
	// The bandwidth toxic logs through zerolog's global logger, not the
	// server's; silence it too, or a tunnel prints JSON on every throttle.
	// Once: running toxics read it without a lock.
	silenceGlobalLogger.Do(func() { zlog.Logger = zerolog.Nop() })

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("toxiproxy API listen: %w", err)
	}
	// A nil metrics container panics on the first proxied byte; a private
	// registry keeps toxiproxy's collectors out of the global one.
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), logger)
	s := &Server{
		api: api,
		ln:  ln,
		// Routes() may be called once only: it registers the metrics
		// collectors, and a second registration panics.
		hs:  &http.Server{Handler: guardAPI(api.Routes()), ReadHeaderTimeout: 15 * time.Second},
		err: make(chan error, 1),
	}
	go func() { s.err <- s.hs.Serve(ln) }()
	return s, nil
}

// URL is the API's base URL, e.g. http://127.0.0.1:8474.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops every proxy (closing their connections) and the API.
func (s *Server) Close() error {
	err := s.api.Collection.Clear()
	if cerr := s.hs.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if serr := <-s.err; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
