package harness

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// bindings holds the live value of each placeholder during a replay. A
// placeholder is bound the first time a live response shows it where the
// recording had it (a DCR response, the authorize redirect, a token
// response, an Mcp-Session-Id header, an SSE id), or generated fresh when
// the client is the one that invents it (a PKCE pair, state).
type bindings struct {
	mu      sync.Mutex
	values  map[string]string
	changed chan struct{}
	// masked are live secrets no placeholder holds (the recording had an
	// error where the live server gave a token): value -> how to show it.
	masked map[string]string
	// producer is, for each placeholder a recorded response carries, the
	// first interaction whose response does; ended marks the interactions
	// whose live exchange is over. A value whose producer ended without
	// giving it will never come: await stops waiting for it (a session
	// whose OAuth broke at the first step would otherwise wait Grace at
	// every later request).
	producer map[string]int
	ended    map[int]bool
}

func newBindings() *bindings {
	return &bindings{values: map[string]string{}, changed: make(chan struct{}), masked: map[string]string{}, producer: map[string]int{}, ended: map[int]bool{}}
}

// produces records that interaction i's recorded response carries the
// placeholders ps (the first such interaction is each one's producer).
func (b *bindings) produces(i int, ps []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range ps {
		if _, ok := b.producer[p]; !ok {
			b.producer[p] = i
		}
	}
}

// end records that interaction i's live exchange is over, and wakes the
// requests waiting for a value it might have given.
func (b *bindings) end(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ended[i] = true
	close(b.changed)
	b.changed = make(chan struct{})
}

// hopeless reports whether p's producer has ended without binding it.
// The caller holds b.mu.
func (b *bindings) hopelessLocked(p string) bool {
	j, ok := b.producer[p]
	return ok && b.ended[j]
}

// mask registers a live secret of kind that the report must not print in
// full: show prints it as <live KIND prefix...>, as server.Short logs it.
func (b *bindings) mask(kind SecretKind, live string) {
	if live == "" || placeholderRE.MatchString(live) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.masked[live] = fmt.Sprintf("<live %s %s>", kind, markers.Short(live))
}

func (b *bindings) get(p string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.values[p]
	return v, ok
}

// bind records live as p's value. If p is already bound to another value it
// returns a message saying so and keeps the first.
func (b *bindings) bind(p, live string) (conflict string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.values[p]; ok {
		if old != live {
			return fmt.Sprintf("%s was %s earlier, now %s", p, markers.Short(old), markers.Short(live))
		}
		return ""
	}
	b.values[p] = live
	close(b.changed)
	b.changed = make(chan struct{})
	return ""
}

// generate makes a fresh value for a placeholder the client invents. It
// reports false for kinds that only a server hands out.
func (b *bindings) generate(p string) bool {
	m := placeholderRE.FindStringSubmatch(p)
	if m == nil {
		return false
	}
	kind, n := SecretKind(m[1]), m[2]
	switch kind {
	case CodeVerifier, CodeChallenge:
		// RFC 7636 4.1: 43-128 unreserved characters; S256 challenge.
		var raw [32]byte
		rand.Read(raw[:])
		verifier := base64.RawURLEncoding.EncodeToString(raw[:])
		sum := sha256.Sum256([]byte(verifier))
		b.bind(fmt.Sprintf("__%s_%s__", CodeVerifier, n), verifier)
		b.bind(fmt.Sprintf("__%s_%s__", CodeChallenge, n), base64.RawURLEncoding.EncodeToString(sum[:]))
		return true
	case OAuthState:
		b.bind(p, rand.Text())
		return true
	}
	return false
}

// await waits until every placeholder in ps is bound (generating those the
// client invents), or until giveUp is closed or ctx ends; it returns the
// ones still unbound.
func (b *bindings) await(ctx context.Context, ps []string, giveUp <-chan time.Time) []string {
	for {
		var missing []string
		for _, p := range ps {
			if _, ok := b.get(p); !ok && !b.generate(p) {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		b.mu.Lock()
		changed := b.changed
		hopeless := true
		for _, p := range missing {
			if _, ok := b.values[p]; !ok && !b.hopelessLocked(p) {
				hopeless = false
			}
		}
		b.mu.Unlock()
		if hopeless {
			return missing
		}
		select {
		case <-changed:
		case <-giveUp:
			return missing
		case <-ctx.Done():
			return missing
		}
	}
}

// placeholdersIn returns the distinct placeholders in the strings.
func placeholdersIn(ss ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		for _, p := range placeholderRE.FindAllString(s, -1) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// fill replaces every bound placeholder in s with its value passed through
// escape (url.QueryEscape in a query, a JSON escaper in JSON, identity in a
// header).
func (b *bindings) fill(s string, escape func(string) string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(p string) string {
		if v, ok := b.get(p); ok {
			return escape(v)
		}
		return p
	})
}

// unify matches a recorded string holding placeholders against the live
// string: literal text must be equal, each placeholder matches any text,
// which is bound (or checked against its binding). It returns a message
// for each mismatch.
func (b *bindings) unify(recorded, live string) []string {
	ps := placeholderRE.FindAllStringIndex(recorded, -1)
	if len(ps) == 0 {
		if recorded != live {
			return []string{fmt.Sprintf("recorded %q, live %q", clip(recorded), clip(b.show(live)))}
		}
		return nil
	}
	var re strings.Builder
	re.WriteString(`(?s)^`)
	last := 0
	var names []string
	for _, loc := range ps {
		re.WriteString(regexp.QuoteMeta(recorded[last:loc[0]]))
		re.WriteString(`(.*?)`)
		names = append(names, recorded[loc[0]:loc[1]])
		last = loc[1]
	}
	re.WriteString(regexp.QuoteMeta(recorded[last:]))
	re.WriteString(`$`)
	m := regexp.MustCompile(re.String()).FindStringSubmatch(live)
	if m == nil {
		return []string{fmt.Sprintf("recorded %q, live %q", clip(recorded), clip(b.show(live)))}
	}
	var out []string
	for i, p := range names {
		v := m[i+1]
		if strings.Contains(v, "%") {
			if u, err := url.QueryUnescape(v); err == nil {
				v = u
			}
		}
		if v == "" {
			out = append(out, fmt.Sprintf("%s is empty in live %q", p, clip(b.show(live))))
			continue
		}
		if c := b.bind(p, v); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// show returns live text fit for a report: every bound secret in it is
// replaced by its placeholder, so live secrets never reach a log.
func (b *bindings) show(live string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for p, v := range b.values {
		if len(v) >= minGlobalSecret {
			live = strings.ReplaceAll(live, v, p)
		}
	}
	for v, label := range b.masked {
		if len(v) >= minGlobalSecret {
			live = strings.ReplaceAll(live, v, label)
		}
	}
	return live
}

// clip shortens a value for a message; never used on unredacted secrets
// longer than its limit without cutting them.
func clip(s string) string {
	const max = 160
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("...(%d bytes)", len(s))
}
