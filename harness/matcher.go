package harness

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// Matcher is a go-vcr matcher for mcpvcr cassettes, for using one with
// go-vcr's own recorder in replay mode (canned responses, no server). go-vcr's
// default matcher compares everything, including secrets that are
// placeholders in the cassette and fresh in the live request, so it never
// matches. This one compares the method, the path and, for JSON-RPC
// bodies, the method and id of the message. The request body is read and
// restored.
func Matcher(r *http.Request, i cassette.Request) bool {
	if r.Method != i.Method {
		return false
	}
	u, err := url.Parse(i.URL)
	if err != nil || u.Path != r.URL.Path {
		return false
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return rpcKey(string(body)) == rpcKey(i.Body)
}

// rpcKey identifies a JSON-RPC message by method and id ("" if the body is
// not one).
func rpcKey(body string) string {
	var m struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
	}
	if json.Unmarshal([]byte(body), &m) != nil {
		return ""
	}
	return m.Method + "#" + string(m.ID)
}

// JSONRPCMethod returns the method of a JSON-RPC message body, or "" when
// the body is not one (a response, a batch, not JSON).
func JSONRPCMethod(body string) string {
	var m struct {
		Method string `json:"method"`
	}
	if json.Unmarshal([]byte(body), &m) != nil {
		return ""
	}
	return m.Method
}
