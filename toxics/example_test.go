package toxics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mcpvcr/mcpvcr/toxics"
)

// A server answers 202 with no body to notifications/initialized; behind a
// tunnel with status_rewrite the client sees 500 (field failure 10).
func ExampleOpenTunnel() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	rewrite, _ := toxics.ParseSpec("status_rewrite:from=202,to=500")
	tun, err := toxics.OpenTunnel(toxics.TunnelOptions{
		Upstream: strings.TrimPrefix(srv.URL, "http://"),
		Extra:    []toxics.Spec{rewrite},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tun.Close()

	resp, err := http.Post("http://"+tun.Addr+"/mcp", "application/json",
		strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status)
	for _, a := range tun.Applied {
		fmt.Println(a.Type, a.Stream)
	}
	// Output:
	// 500 Internal Server Error
	// request_log upstream
	// status_rewrite downstream
}
