package server

import (
	"sync"
	"time"
)

// unansweredRotations remembers, in this process, the refresh-token
// rotations that committed in Redis but were answered 503 (a Redis stall
// between the redemption and the token issue). The client never saw the
// new pair, so its retry with the old refresh token must not count as
// reuse (issue 12 Medium 4). It is only written when the 503 has been
// decided, so a concurrent second redemption (a thief racing the client)
// still finds nothing here and is reuse.
//
// It lives in memory, not Redis, because Redis is what failed; a retry
// that reaches another server process sharing the Redis is reuse, the
// safe side.
type unansweredRotations struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[string]unanswered // by the rotated token's used key
}

type unanswered struct {
	clientID string
	issued   []string // the keys of the pair the client never saw
	until    time.Time
}

// unansweredGrace is how long after a 503 the client may retry; after it,
// a replay of the old refresh token is reuse again.
const unansweredGrace = time.Minute

// maxUnanswered bounds the map: a Redis outage answering every refresh
// 503 must not grow it without end. Past it the oldest are forgotten
// (their retries count as reuse, as before this existed).
const maxUnanswered = 10_000

func newUnansweredRotations() *unansweredRotations {
	return &unansweredRotations{now: time.Now, entries: map[string]unanswered{}}
}

// put remembers that the rotation of the refresh token whose used key is
// usedKey, by clientID, was answered with an error; issued are the token
// keys it may have stored.
func (u *unansweredRotations) put(usedKey, clientID string, issued []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := u.now()
	for k, e := range u.entries {
		if now.After(e.until) {
			delete(u.entries, k)
		}
	}
	if len(u.entries) >= maxUnanswered {
		for k := range u.entries { // any one: map order
			delete(u.entries, k)
			break
		}
	}
	u.entries[usedKey] = unanswered{clientID: clientID, issued: issued, until: now.Add(unansweredGrace)}
}

// take returns, once, the keys of the unseen pair when usedKey's rotation
// by clientID was answered with an error within unansweredGrace.
func (u *unansweredRotations) take(usedKey, clientID string) ([]string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	e, ok := u.entries[usedKey]
	if !ok || e.clientID != clientID || u.now().After(e.until) {
		return nil, false
	}
	delete(u.entries, usedKey)
	return e.issued, true
}
