// Package report draws a session the way a person reads it: one
// self-contained HTML page (inline CSS and SVG, no script, nothing
// fetched, readable with JavaScript off) and a HAR 1.2 file for the
// browser's network tools.
//
//	harness.Report + cassette (+ markers, toxics) ──► Session ──► WriteHTML  (waterfall, findings)
//	matrix cells                                  ──► Check   ──► WriteHAR   (HAR 1.2, _sseEvents)
//
// The page opens with the findings in words, then a waterfall of every
// exchange on one time axis, one lane per connection: each SSE event a
// tick with its id and, below it, where the recording had it; keepalive
// comments as dots; each stream's end labelled by its cause (server
// closed, tunnel idle cut, reset, client); the server's markers on the
// same axis; the tunnel's toxics. A Check page starts with the matrix,
// each cell linking to its session.
//
//	rep, _ := harness.Replay(ctx, cassette, target, opts)
//	s := report.FromReplay(cassette, rep, &report.FromReplayOptions{Profile: "cloudflare-quick-tunnel"})
//	f, _ := os.Create("session.html")
//	report.WriteHTML(f, s, nil)
//
// Everything a session holds came from a cassette or a server and is
// untrusted: html/template escapes it for where it lands, the page's
// Content-Security-Policy allows no script, and HAR keeps the cassette's
// placeholders (__ACCESS_TOKEN_1__), never a live secret.
package report
