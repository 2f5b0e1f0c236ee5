package toxics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/toxics"
)

// Field failure 28 at a hundredth of production time: the origin closes
// an idle connection after Node's 5 s, the balancer keeps it ALB's 60 s.
// Once the origin has closed it, the balancer's next POST on it gets 502.
func ExampleStartBalancer() {
	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	origin.Config.IdleTimeout = 50 * time.Millisecond // 5 s at scale 0.01
	origin.Start()
	defer origin.Close()

	closed := make(chan string, 1)
	b, err := toxics.StartBalancer(toxics.BalancerOptions{
		Upstream:    origin.Listener.Addr().String(),
		IdleTimeout: 60 * time.Second,
		Scale:       0.01,
		Log: func(line string) {
			if strings.Contains(line, "the origin closed idle connection") {
				select {
				case closed <- line:
				default:
				}
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	post := func() int {
		resp, err := http.Post("http://"+b.Addr+"/mcp", "application/json", strings.NewReader(`{}`))
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println(post())
	select {
	case <-closed: // the origin's keep-alive expired
	case <-time.After(10 * time.Second):
		fmt.Println("the origin kept the connection")
	}
	fmt.Println(post())
	// Output:
	// 200
	// 502
}
