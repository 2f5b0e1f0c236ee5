package harness

import (
	"math"
	"regexp"
	"strings"
)

// The secret rules: one set, used by the Redactor when a recording is
// written (redact.go) and by the fixture scanner that checks every file
// under fixtures/ (fixtures_test.go), so what the scanner would flag is
// exactly what the recorder replaces. A secret is recognised by where it
// sits (a header, parameter or JSON member whose name says credential)
// or by its shape (a JWT, a well-known API-key prefix), wherever it sits.

// Secret is the kind of a secret found by these rules rather than by the
// OAuth protocol: an API key, a password, a custom token header, a JWT.
// It cannot be replayed (no live response gives its value): a cassette
// that needs one fails with "no live value for __SECRET_1__".
const Secret SecretKind = "SECRET"

// UserSecret is the kind of what a --redact pattern matched.
const UserSecret SecretKind = "REDACTED"

// secretNameSuffixes are the endings, after lower-casing and dropping "-"
// and "_", of a header, parameter or JSON member name that holds a
// credential: X-Api-Key, X-Auth-Token, Proxy-Authorization, api_key,
// apiKey, session_token, password, client_secret.
var secretNameSuffixes = []string{
	"token", "apikey", "secret", "password", "passwd", "passphrase", "credential", "credentials",
	"privatekey", "accesskey", "secretkey", "authorization", "signature", "cookie",
}

// publicNames end like a credential but are not one.
var publicNames = map[string]bool{
	"progresstoken": true, // MCP's _meta.progressToken: a client-chosen id echoed in notifications
	"nexttoken":     true, // pagination
	"pagetoken":     true,
	"tokentype":     true,
}

// isSecretName reports whether a header, parameter or JSON member named
// name holds a credential.
func isSecretName(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(name))
	if n == "" || publicNames[n] {
		return false
	}
	for _, s := range secretNameSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return n == "pwd" || n == "auth"
}

// secretShapeRE matches secrets by shape, anywhere: a JWT, and the API-key
// formats of the services an MCP server most often fronts (Anthropic and
// OpenAI sk-..., GitHub, GitLab, Slack, AWS, Google, Stripe, Hugging Face,
// npm).
var secretShapeRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}` +
	`|\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}` +
	`|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{40,}` +
	`|\bglpat-[A-Za-z0-9_-]{20,}` +
	`|\bxox[abprs]-[A-Za-z0-9-]{10,}` +
	`|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b` +
	`|\bAIza[0-9A-Za-z_-]{35}` +
	`|\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}` +
	`|\bhf_[A-Za-z0-9]{30,}` +
	`|\bnpm_[A-Za-z0-9]{36}`)

// highEntropy reports whether s looks random: at least 20 characters,
// letters and digits, and more than 3.5 bits of entropy per character (an
// English phrase has about 2.5-3). It is the test for a value in a
// credential position that has no known shape (Authorization: Token ...).
func highEntropy(s string) bool {
	if len(s) < 20 {
		return false
	}
	var letters, digits bool
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	if !letters || !digits {
		return false
	}
	var h float64
	n := float64(len([]rune(s)))
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h > 3.5
}

// minSecretPrefix is the shortest prefix of a known secret that is
// replaced too (a server echoing the first 40 characters of a refresh
// token in an error); shorter ones, such as the 8-character prefix in
// mcpvcr's own markers, identify nothing.
const minSecretPrefix = 16
