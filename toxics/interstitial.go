package toxics

import (
	"fmt"
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// Interstitial answers in the server's place, as an edge in front of it
// does for a client it does not recognise (field failure 34): ngrok's free
// tier sends its HTML browser warning (200) unless the request carries
// ngrok-skip-browser-warning; Cloudflare Access sends a client without a
// service token a 302 to its login page (which answers 200 HTML). Where
// the client expected JSON or an event stream it gets a page. The server
// has already answered (its log shows success); the edge replaces that
// answer and closes the connection. It goes downstream and needs
// request_log upstream.
type Interstitial struct {
	Kind         string `json:"kind" help:"warning (HTML 200, ngrok) or login (302 to login_path, Cloudflare Access)"`
	UnlessHeader string `json:"unless_header" help:"requests carrying this header pass, e.g. ngrok-skip-browser-warning or CF-Access-Client-Id"`
	LoginPath    string `json:"login_path" help:"kind login: where the 302 points; a request for it gets the login page (default /cdn-cgi/access/login)"`
}

// NewState implements toxiproxy's StatefulToxic.
func (t *Interstitial) NewState() interface{} { return newResponseSide() }

// Pipe implements toxiproxy's Toxic.
func (t *Interstitial) Pipe(stub *tptoxics.ToxicStub) {
	resp := stub.State.(*responseSide)
	editPieces(stub, resp.parser, nil, func(p piece, o *chunkOut) bool {
		if p.kind == pieceHead && !p.msg.interim {
			if page := t.page(resp); page != nil {
				o.write(page)
				return true // the page says Connection: close
			}
		}
		o.pass(p.raw)
		return false
	})
}

// page returns what the edge sends instead of the response being parsed,
// or nil to let it through.
func (t *Interstitial) page(resp *responseSide) []byte {
	h, ok := resp.log.request(resp.next - 1)
	if !ok {
		return nil
	}
	if t.UnlessHeader != "" && h.header.Get(t.UnlessHeader) != "" {
		return nil
	}
	login := t.LoginPath
	if login == "" {
		login = "/cdn-cgi/access/login"
	}
	switch t.Kind {
	case "login":
		if strings.HasPrefix(h.target, login) {
			return htmlPage(200, "OK", "Sign in ・ Cloudflare Access", "<h1>Sign in</h1><p>Get a login code emailed to you.</p>", "")
		}
		return htmlPage(302, "Found", "Redirecting", "", login+"?redirect_url="+h.target)
	default:
		return htmlPage(200, "OK", "ngrok", "<h1>You are about to visit this site</h1><p>Set the ngrok-skip-browser-warning request header to skip this page.</p>", "")
	}
}

func htmlPage(status int, reason, title, body, location string) []byte {
	html := fmt.Sprintf("<!DOCTYPE html><html><head><title>%s</title></head><body>%s</body></html>\n", title, body)
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n", status, reason)
	if location != "" {
		fmt.Fprintf(&b, "Location: %s\r\n", location)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(html), html)
	return []byte(b.String())
}

// InterstitialType names the toxic in toxiproxy's REST API, the CLI and profiles.
const InterstitialType ToxicType = "interstitial"

func init() {
	Register(InterstitialType, new(Interstitial), ToxicInfo{Stream: Downstream, NeedsRequests: true})
}
