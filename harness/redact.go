package harness

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// SecretKind names a kind of secret. The placeholder for the n-th distinct
// secret of a kind is "__KIND_n__", e.g. __ACCESS_TOKEN_1__: only URL
// unreserved characters, so it reads the same in a query string, a form, a
// JSON string and a header.
type SecretKind string

const (
	AccessToken       SecretKind = "ACCESS_TOKEN"
	RefreshToken      SecretKind = "REFRESH_TOKEN"
	IDToken           SecretKind = "ID_TOKEN"
	AuthCode          SecretKind = "CODE"
	CodeVerifier      SecretKind = "CODE_VERIFIER"
	CodeChallenge     SecretKind = "CODE_CHALLENGE"
	ClientID          SecretKind = "CLIENT_ID"
	ClientSecret      SecretKind = "CLIENT_SECRET"
	RegistrationToken SecretKind = "REGISTRATION_TOKEN"
	SessionID         SecretKind = "SESSION_ID"
	OAuthState        SecretKind = "STATE"
	EventID           SecretKind = "EVENT_ID"
	CookieValue       SecretKind = "COOKIE"
	// CSRFToken is a consent form's anti-forgery token (a real user's
	// browser posting the consent page through the recorder).
	CSRFToken SecretKind = "CSRF_TOKEN"
)

// placeholderRE matches one placeholder; group 1 is the kind. A kind is
// words joined by single underscores, so text such as "__AB_" just before
// a placeholder is not taken into its kind (FuzzRedactAndFill: the
// placeholder then went unfilled on replay).
var placeholderRE = regexp.MustCompile(`__([A-Z]+(?:_[A-Z]+)*)_([0-9]+)__`)

// paramSecrets maps query-string and form parameter names to the kind of
// secret they carry (RFC 6749, RFC 7636, RFC 7009).
var paramSecrets = map[string]SecretKind{
	"code":           AuthCode,
	"code_verifier":  CodeVerifier,
	"code_challenge": CodeChallenge,
	"state":          OAuthState,
	"client_secret":  ClientSecret,
	"refresh_token":  RefreshToken,
	"access_token":   AccessToken,
	"id_token":       IDToken,
	"token":          AccessToken, // revocation; a known refresh token keeps its own placeholder
	"assertion":      AccessToken,
	"csrf":           CSRFToken, // mcpvcr serve's consent form
	"csrf_token":     CSRFToken,
	"_csrf":          CSRFToken,
}

// jsonSecrets maps JSON object keys to the kind of secret their string
// value is (RFC 6749 token responses, RFC 7591 registration responses).
var jsonSecrets = map[string]SecretKind{
	"access_token":              AccessToken,
	"refresh_token":             RefreshToken,
	"id_token":                  IDToken,
	"client_id":                 ClientID,
	"client_secret":             ClientSecret,
	"registration_access_token": RegistrationToken,
	"code":                      AuthCode,
	"code_verifier":             CodeVerifier,
}

// minGlobalSecret is the shortest secret replaced wherever it appears. A
// shorter one (an SSE event id such as "0") is only replaced where its
// position says it is a secret, so it cannot clobber unrelated text.
const minGlobalSecret = 6

// Redactor replaces secrets with named placeholders. Redaction is
// correlation: the same secret always maps to the same placeholder, so the
// replayer can learn the live value where the recording first shows the
// placeholder (a token response, a redirect) and send it where the
// recording used it. It is safe for concurrent use.
type Redactor struct {
	mu       sync.Mutex
	byValue  map[string]string
	counts   map[SecretKind]int
	order    []string
	patterns []*regexp.Regexp
}

// AddPatterns makes the Redactor also replace what each regular
// expression matches (its first group, when it has one), as __REDACTED_n__:
// the recorder's --redact for secrets no rule knows.
func (r *Redactor) AddPatterns(patterns ...*regexp.Regexp) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.patterns = append(r.patterns, patterns...)
}

// RedactionSummary says what a cassette's placeholders replaced, by kind
// ("2 ACCESS_TOKEN, 1 SECRET"), for the recorder's report.
func RedactionSummary(placeholders []string) string {
	counts := map[string]int{}
	var kinds []string
	for _, p := range placeholders {
		m := placeholderRE.FindStringSubmatch(p)
		if m == nil {
			continue
		}
		if counts[m[1]] == 0 {
			kinds = append(kinds, m[1])
		}
		counts[m[1]]++
	}
	if len(kinds) == 0 {
		return "nothing"
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor {
	return &Redactor{byValue: map[string]string{}, counts: map[SecretKind]int{}}
}

// Placeholder returns the placeholder for value, registering it as kind if
// it is new. Empty values and placeholders are returned unchanged.
func (r *Redactor) Placeholder(kind SecretKind, value string) string {
	if value == "" || placeholderRE.MatchString(value) {
		return value
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.byValue[value]; ok {
		return p
	}
	r.counts[kind]++
	p := fmt.Sprintf("__%s_%d__", kind, r.counts[kind])
	r.byValue[value] = p
	r.order = append(r.order, p)
	return p
}

// known returns the placeholder of an already registered value.
func (r *Redactor) known(value string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.byValue[value]
	return p, ok
}

// Placeholders returns every placeholder handed out, in order.
func (r *Redactor) Placeholders() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.order...)
}

// RedactCassette replaces every secret in c: first it discovers secrets in
// every interaction (so a token first seen in a later response is still
// replaced in an earlier request), then it rewrites every string.
func (r *Redactor) RedactCassette(c *Cassette) {
	for _, in := range c.Interactions {
		r.discover(in)
	}
	rep := r.replacer()
	for _, in := range c.Interactions {
		r.rewrite(in, rep)
	}
	c.Provenance.Placeholders = r.Placeholders()
}

func (r *Redactor) discover(in *Interaction) {
	req, resp := &in.Request, &in.Response
	r.discoverShapes(req.URL, req.Body, resp.Body)
	for _, h := range []http.Header{req.Headers, resp.Headers} {
		for _, k := range slices.Sorted(maps.Keys(h)) {
			r.discoverShapes(h[k]...)
		}
	}
	if u, err := url.Parse(req.URL); err == nil {
		r.discoverParams(u.RawQuery)
	}
	r.discoverHeaders(req.Headers)
	r.discoverBody(req.Headers.Get("Content-Type"), req.Body)
	for _, k := range slices.Sorted(maps.Keys(req.Form)) {
		if kind, ok := paramSecrets[k]; ok {
			for _, v := range req.Form[k] {
				r.Placeholder(kind, v)
			}
		}
	}
	r.discoverHeaders(resp.Headers)
	r.discoverBody(resp.Headers.Get("Content-Type"), resp.Body)
	for _, e := range in.Stream.Events {
		if e.ID != "" {
			r.Placeholder(EventID, e.ID)
		}
	}
}

func (r *Redactor) discoverParams(raw string) {
	rewriteParams(raw, func(k, v string) string {
		if kind, ok := paramSecrets[k]; ok {
			r.Placeholder(kind, v)
		} else if isSecretName(k) {
			r.Placeholder(Secret, v) // ?api_key=, ?password=
		}
		return v
	})
}

// discoverShapes registers every secret-shaped string (secretShapeRE) and
// every --redact match in texts.
func (r *Redactor) discoverShapes(texts ...string) {
	r.mu.Lock()
	patterns := r.patterns
	r.mu.Unlock()
	for _, t := range texts {
		for _, m := range secretShapeRE.FindAllString(t, -1) {
			r.Placeholder(Secret, m)
		}
		for _, re := range patterns {
			for _, m := range re.FindAllStringSubmatch(t, -1) {
				v := m[0]
				if len(m) > 1 && m[1] != "" {
					v = m[1]
				}
				r.Placeholder(UserSecret, v)
			}
		}
	}
}

func (r *Redactor) discoverHeaders(h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization":
				scheme, cred, _ := strings.Cut(v, " ")
				switch strings.ToLower(scheme) {
				case "bearer":
					r.Placeholder(AccessToken, strings.TrimSpace(cred))
				case "basic":
					if id, secret, ok := decodeBasic(cred); ok {
						r.Placeholder(ClientID, id)
						r.Placeholder(ClientSecret, secret)
					}
				default: // Token ..., ApiKey ..., or a bare key
					r.Placeholder(Secret, strings.TrimSpace(v))
					if c := strings.TrimSpace(cred); c != "" {
						r.Placeholder(Secret, c)
					}
				}
			case "Mcp-Session-Id":
				r.Placeholder(SessionID, v)
			case "Last-Event-Id":
				r.Placeholder(EventID, v)
			case "Location":
				if u, err := url.Parse(v); err == nil {
					r.discoverParams(u.RawQuery)
				}
			case "Cookie":
				for _, c := range strings.Split(v, ";") {
					if _, val, ok := strings.Cut(c, "="); ok {
						r.Placeholder(CookieValue, strings.TrimSpace(val))
					}
				}
			case "Set-Cookie":
				first, _, _ := strings.Cut(v, ";")
				if _, val, ok := strings.Cut(first, "="); ok {
					r.Placeholder(CookieValue, strings.TrimSpace(val))
				}
			default:
				if isSecretName(k) { // X-Api-Key, X-Auth-Token, Proxy-Authorization, a custom secret header
					r.Placeholder(Secret, v)
					if _, cred, ok := strings.Cut(v, " "); ok && strings.TrimSpace(cred) != "" {
						r.Placeholder(Secret, strings.TrimSpace(cred))
					}
				}
			}
		}
	}
}

func (r *Redactor) discoverBody(contentType, body string) {
	if body == "" {
		return
	}
	switch mediaType(contentType) {
	case "application/x-www-form-urlencoded":
		r.discoverParams(body)
	case "text/event-stream":
		for _, e := range ParseSSE(body) {
			if e.ID != "" {
				r.Placeholder(EventID, e.ID)
			}
			r.discoverJSON(e.Data)
		}
	default:
		r.discoverJSON(body)
	}
}

func (r *Redactor) discoverJSON(body string) {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return
	}
	walkJSON(v, func(key, s string) {
		if kind, ok := jsonSecrets[key]; ok {
			r.Placeholder(kind, s)
		} else if isSecretName(key) {
			r.Placeholder(Secret, s) // token, apiKey, session_token, password, authorization
		}
	})
}

// walkJSON calls f with every string value held directly under an object
// key, keys in sorted order: placeholders are numbered in the order they
// are found, and a re-recorded fixture should differ only where the
// session did.
func walkJSON(v any, f func(key, s string)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			x := v[k]
			if s, ok := x.(string); ok {
				f(k, s)
			} else {
				walkJSON(x, f)
			}
		}
	case []any:
		for _, x := range v {
			walkJSON(x, f)
		}
	}
}

// replacer replaces every registered secret long enough to be unambiguous,
// in its raw, query-escaped and JSON-escaped spellings, and every shorter
// one only as a whole JSON string.
func (r *Redactor) replacer() *strings.Replacer {
	r.mu.Lock()
	defer r.mu.Unlock()
	values := make([]string, 0, len(r.byValue))
	for v := range r.byValue {
		values = append(values, v)
	}
	sort.Slice(values, func(i, j int) bool {
		if len(values[i]) != len(values[j]) {
			return len(values[i]) > len(values[j])
		}
		return values[i] < values[j]
	})
	var pairs []string
	for _, v := range values {
		p := r.byValue[v]
		if len(v) < minGlobalSecret {
			pairs = append(pairs, `"`+v+`"`, `"`+p+`"`)
			continue
		}
		for _, spelled := range spellings(v) {
			pairs = append(pairs, spelled, p)
		}
	}
	// Then the prefixes of long secrets (a server quoting the first 40
	// characters of a refresh token), longest first; the full values come
	// before them, and a strings.Replacer prefers the earlier pair.
	type prefix struct{ v, p string }
	var prefixes []prefix
	for _, v := range values {
		if len(v) < minSecretPrefix+8 || placeholderRE.MatchString(v) {
			continue
		}
		for n := len(v) - 1; n >= minSecretPrefix; n-- {
			prefixes = append(prefixes, prefix{v[:n], r.byValue[v]})
		}
	}
	sort.SliceStable(prefixes, func(i, j int) bool { return len(prefixes[i].v) > len(prefixes[j].v) })
	for _, x := range prefixes {
		pairs = append(pairs, x.v, x.p)
	}
	return strings.NewReplacer(pairs...)
}

// spellings returns the ways a value is written in URLs, forms and JSON.
func spellings(v string) []string {
	out := []string{v}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	if b, err := json.Marshal(v); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	return out
}

func (r *Redactor) rewrite(in *Interaction, rep *strings.Replacer) {
	req, resp := &in.Request, &in.Response
	if u, err := url.Parse(req.URL); err == nil {
		u.RawQuery = r.rewriteParams(u.RawQuery, rep)
		req.URL = rep.Replace(u.String())
	}
	req.RequestURI = rep.Replace(req.RequestURI)
	r.rewriteHeaders(req.Headers, rep)
	req.Body = r.rewriteBody(req.Headers.Get("Content-Type"), req.Body, rep)
	for k, vs := range req.Form {
		for i, v := range vs {
			if kind, ok := paramSecrets[k]; ok {
				vs[i] = r.Placeholder(kind, v)
			} else {
				vs[i] = rep.Replace(v)
			}
		}
	}
	r.rewriteHeaders(resp.Headers, rep)
	resp.Body = r.rewriteBody(resp.Headers.Get("Content-Type"), resp.Body, rep)
	for i, e := range in.Stream.Events {
		if e.ID != "" {
			in.Stream.Events[i].ID = r.Placeholder(EventID, e.ID)
		}
	}
	in.Stream.URL = req.URL
}

func (r *Redactor) rewriteParams(raw string, rep *strings.Replacer) string {
	return rep.Replace(rewriteParams(raw, func(k, v string) string {
		if kind, ok := paramSecrets[k]; ok {
			return r.Placeholder(kind, v)
		}
		if p, ok := r.known(v); ok {
			return p
		}
		return v
	}))
}

func (r *Redactor) rewriteHeaders(h http.Header, rep *strings.Replacer) {
	for k, vs := range h {
		for i, v := range vs {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization":
				scheme, cred, _ := strings.Cut(v, " ")
				if strings.EqualFold(scheme, "basic") {
					if id, secret, ok := decodeBasic(cred); ok {
						vs[i] = scheme + " " + base64.StdEncoding.EncodeToString([]byte(r.Placeholder(ClientID, id)+":"+r.Placeholder(ClientSecret, secret)))
						continue
					}
				}
			case "Mcp-Session-Id":
				vs[i] = r.Placeholder(SessionID, v)
				continue
			case "Last-Event-Id":
				vs[i] = r.Placeholder(EventID, v)
				continue
			case "Location":
				if u, err := url.Parse(v); err == nil && u.RawQuery != "" {
					u.RawQuery = r.rewriteParams(u.RawQuery, rep)
					v = u.String()
				}
			}
			vs[i] = rep.Replace(v)
		}
	}
}

func (r *Redactor) rewriteBody(contentType, body string, rep *strings.Replacer) string {
	if body == "" {
		return body
	}
	switch mediaType(contentType) {
	case "application/x-www-form-urlencoded":
		return r.rewriteParams(body, rep)
	case "text/event-stream":
		body = rewriteSSEIDs(body, func(id string) string { return r.Placeholder(EventID, id) })
	}
	return rep.Replace(body)
}

// rewriteParams passes each value of a query string or form body through
// f (with its unescaped key and value), keeping the order, the separators
// and every untouched byte as they were.
func rewriteParams(raw string, f func(key, value string) string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		if nv := f(key, val); nv != val {
			parts[i] = k + "=" + url.QueryEscape(nv)
		}
	}
	return strings.Join(parts, "&")
}

// decodeBasic splits an HTTP Basic credential into user and password.
func decodeBasic(cred string) (user, password string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	user, password, ok = strings.Cut(string(b), ":")
	if !ok {
		return "", "", false
	}
	// RFC 6749 2.3.1: client_id and secret are form-encoded inside Basic.
	if u, err := url.QueryUnescape(user); err == nil {
		user = u
	}
	if p, err := url.QueryUnescape(password); err == nil {
		password = p
	}
	return user, password, true
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt
}
