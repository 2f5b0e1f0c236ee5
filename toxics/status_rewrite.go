package toxics

import (
	"net/http"
	"strconv"
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// StatusRewrite turns a bodiless response with one of the `from` statuses
// into `to`, as edges were seen to do with the 202 that acknowledges
// `notifications/initialized` and with a 405 for the GET stream: the client
// then never sends `tools/list` (field failure 10). Only the status line
// changes; headers and the empty body are kept. Responses with a body pass
// untouched.
type StatusRewrite struct {
	From    looseString `json:"from" help:"comma list of statuses to rewrite (default 202,405)"`
	To      int64       `json:"to" help:"the status sent instead (default 500)"`
	Methods string      `json:"methods" help:"comma list of request methods whose responses are rewritten (empty = all; needs request_log upstream)"`
}

// NewState implements toxiproxy's StatefulToxic.
func (t *StatusRewrite) NewState() interface{} { return newResponseSide() }

func (t *StatusRewrite) targets(m *message) bool {
	if m.interim || m.hasBody() || !methodSet(t.Methods).match(m.requestMethod) {
		return false
	}
	from := string(t.From)
	if from == "" {
		from = "202,405"
	}
	for _, s := range strings.Split(from, ",") {
		if code, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && code == m.status {
			return true
		}
	}
	return false
}

// Pipe implements toxiproxy's Toxic.
func (t *StatusRewrite) Pipe(stub *tptoxics.ToxicStub) {
	resp := stub.State.(*responseSide)
	to := int(t.To)
	if to == 0 {
		to = http.StatusInternalServerError
	}
	editHeads(stub, resp.parser, func(m *message, raw []byte) []byte {
		if !t.targets(m) {
			return nil
		}
		logAction(StatusRewriteType, "rewrote %s to %d", describeResponse(m), to)
		return replaceStatus(raw, m.proto, to, http.StatusText(to))
	})
}

// StatusRewriteType names the toxic in toxiproxy's REST API, the CLI and profiles.
const StatusRewriteType ToxicType = "status_rewrite"

func init() {
	Register(StatusRewriteType, new(StatusRewrite), ToxicInfo{Stream: Downstream, NeedsRequests: true})
}
