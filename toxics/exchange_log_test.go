package toxics

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tpclient "github.com/Shopify/toxiproxy/v2/client"
)

// Many connections opened at once, half GET streams (held), half POST
// streams (flowing): each response toxic must pair with its own
// connection's requests.
func TestExchangePairingConcurrentConnections(t *testing.T) {
	const n = 16
	acks := make([]chan struct{}, n) // POST i goes on once the client saw event 1
	ends := make([]stamp, n)         // GET i ended
	for i := range acks {
		acks[i], ends[i] = make(chan struct{}), newStamp()
	}
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscan(r.URL.Query().Get("id"), &i)
		sseHeaders(w)
		writeEvent(w, r.Method)
		if r.Method == http.MethodPost {
			select {
			case <-acks[i]:
			case <-time.After(deadline):
			}
		} else {
			time.Sleep(20 * time.Millisecond) // pacing, not an assertion
		}
		io.WriteString(w, ": end\n\n")
		if r.Method == http.MethodGet {
			ends[i].mark()
		}
	}))
	tun := toxicTunnel(t, up, 1, "sse_buffer:methods=GET")
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			method := []string{http.MethodGet, http.MethodPost}[i%2]
			tr := &http.Transport{DisableKeepAlives: true}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest(method, fmt.Sprintf("http://%s/?id=%d", tun.Addr, i), strings.NewReader("{}"))
			resp, err := (&http.Client{Transport: tr, Timeout: deadline}).Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			events, _ := readEvents(resp.Body)
			ev, ok := <-events
			if want := "data: " + method + "\n"; !ok || ev.text != want {
				errs <- fmt.Errorf("%s %d: first event %q, want %q", method, i, ev.text, want)
				return
			}
			if method == http.MethodPost {
				close(acks[i]) // a held POST would never get here: deadline
			} else if end := <-ends[i]; ev.at.Before(end) {
				errs <- fmt.Errorf("GET %d: event arrived before the stream ended; want it held", i)
			}
			for range events {
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The pairing is visible: a held GET on one connection while a POST on
// another flows is TestSSEBufferHoldsGETStreamsOnly. Here: a response toxic
// added through the API to a connection already open cannot be paired (its
// NewState runs in an API goroutine); it must run unpaired, holding
// nothing it cannot attribute, and keep the stream intact.
func TestExchangePairingToxicAddedToOpenConnection(t *testing.T) {
	gate := make(chan struct{})
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeEvent(w, "1")
		select {
		case <-gate:
		case <-time.After(deadline):
		}
		writeEvent(w, "2")
		select {
		case <-gate:
		case <-time.After(deadline):
		}
	}))
	tun := toxicTunnel(t, up, 1)
	resp, err := client(t).Get("http://" + tun.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, _ := readEvents(resp.Body)
	next(t, events)
	proxy, err := tpclient.NewClient(tun.APIURL).Proxy("mcpvcr")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proxy.AddToxic("", string(RequestLogType), "upstream", 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := proxy.AddToxic("", string(SSEBufferType), "downstream", 1, tpclient.Attributes{"methods": "GET"}); err != nil {
		t.Fatal(err)
	}
	gate <- struct{}{}
	// methods=GET cannot match an unpaired response: event 2 flows.
	if ev := next(t, events); ev.text != "data: 2\n" {
		t.Errorf("event after adding the toxic = %q, want data: 2", ev.text)
	}
	close(gate)
}

// A log from a closed connection is never claimed by a later one.
func TestExchangePairingIgnoresClosedLogs(t *testing.T) {
	l := &exchangeLog{}
	publishExchange(l)
	if got := claimExchange(); got != l {
		t.Fatalf("claim = %p, want the published log %p", got, l)
	}
	l.close()
	if got := claimExchange(); got != nil {
		t.Errorf("claim after close = %p, want nil", got)
	}
	done := make(chan *exchangeLog)
	other := &exchangeLog{}
	defer other.close()
	publishExchange(other)
	go func() { done <- claimExchange() }() // another goroutine: another proxy
	if got := <-done; got != nil {
		t.Errorf("claim from another goroutine = %p, want nil", got)
	}
}
