package toxics

import (
	"encoding/json"
	"fmt"

	"github.com/rs/zerolog"
)

// connLogger turns toxiproxy's own log of a proxy (zerolog JSON) into one
// line per connection for TunnelOptions.ConnLog: a client accepted, or a
// connection it could not forward and why. nil logs nothing.
func connLogger(f func(string)) zerolog.Logger {
	if f == nil {
		return zerolog.Nop()
	}
	return zerolog.New(connLogWriter(f)).Level(zerolog.InfoLevel)
}

type connLogWriter func(string)

func (f connLogWriter) Write(p []byte) (int, error) {
	var e struct {
		Message string `json:"message"`
		Client  string `json:"client"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(p, &e) != nil {
		return len(p), nil
	}
	switch e.Message {
	case "Accepted client":
		f("connection from " + e.Client)
	case "Unable to open connection to upstream":
		f(fmt.Sprintf("connection from %s not forwarded: the upstream refused it: %s", e.Client, e.Error))
	case "Error while accepting client":
		f("could not accept a connection: " + e.Error)
	}
	return len(p), nil
}
