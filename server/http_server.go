package server

import (
	"net/http"
	"time"
)

// Timeouts of the http.Server that `mcpvcr serve` runs, before the time
// scale. They bound what a client can hold without sending a request, and
// none of them bounds how long a response may stream:
//
//   - ReadHeaderTimeout cuts a slow-loris client that trickles its headers.
//   - IdleTimeout closes a keep-alive connection with no request in flight
//     (Config.ConnIdleTimeout changes it).
//   - WriteTimeout stays 0: net/http applies it to the whole response, so
//     it kills every SSE stream after that long (go-sdk#1262, field failure 12).
//   - ReadTimeout stays 0: POST bodies are bounded by size (maxBodyBytes)
//     rather than time, since a tunnel with a bandwidth limit may take long
//     to deliver a large one.
const (
	serverReadHeaderTimeout = 10 * time.Second
	serverIdleTimeout       = 120 * time.Second
	serverMaxHeaderBytes    = 64 << 10
)

// NewHTTPServer returns the http.Server `mcpvcr serve` runs h with: the
// slow-loris and idle timeouts above (the idle one cfg.ConnIdleTimeout when
// set), multiplied by cfg.TimeScale, and no timeout that would cut an SSE
// stream.
func NewHTTPServer(h http.Handler, cfg Config) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.scaled(serverReadHeaderTimeout),
		IdleTimeout:       cfg.connIdleTimeout(cfg.scaled(serverIdleTimeout)),
		MaxHeaderBytes:    serverMaxHeaderBytes,
	}
}
