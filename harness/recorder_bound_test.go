package harness

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSecurityMedium10RecorderMemoryBounded is issue 12 Medium 10: the
// recorder kept every byte (a 300 MB endless response grew it to 1.8 GB),
// and cut a chunked JSON body longer than MaxBody silently, with status
// 200. Every byte is forwarded; the cassette keeps MaxBody of them and
// says how many more passed.
func TestSecurityMedium10RecorderMemoryBounded(t *testing.T) {
	const maxBody = 1 << 20
	line := "data: " + strings.Repeat("x", 1016) + "\n\n" // 1 KiB
	const size = 3 << 20
	for _, ct := range []string{"application/json", "text/event-stream"} {
		t.Run(ct, func(t *testing.T) {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct) // no Content-Length: chunked
				for range size / len(line) {
					io.WriteString(w, line)
				}
			}))
			t.Cleanup(upstream.Close)
			rec, err := NewRecorder(upstream.URL, &RecorderOptions{Upstream: "test", Version: "test", MaxBody: maxBody})
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(rec)
			t.Cleanup(front.Close)
			resp, err := http.Get(front.URL + "/big")
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != size || resp.StatusCode != 200 {
				t.Fatalf("client got %d bytes (status %d, err %v), want all %d", n, resp.StatusCode, err, size)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rec.WaitIdle(ctx)
			rec.Close()
			in := rec.Cassette().Interactions[0]
			if got := len(in.Response.Body); got != maxBody {
				t.Errorf("kept %d bytes of the body, want %d (MaxBody)", got, maxBody)
			}
			if in.Stream.Bytes != size || in.Stream.Elided != size-maxBody {
				t.Errorf("timeline bytes = %d, elided = %d; want %d and %d", in.Stream.Bytes, in.Stream.Elided, size, size-maxBody)
			}
		})
	}
}
