package server

import (
	"context"
	"errors"
	"sync"
)

// liveRequests are the protected requests in flight (a listen stream
// above all), by grant, so that revoking a token ends what it opened: the
// bearer check runs when a request starts, and an open stream outlived
// the revocation of its token (issue 12 Low).
type liveRequests struct {
	mu       sync.Mutex
	byFamily map[string]map[*liveRequest]struct{}
}

type liveRequest struct {
	family, tokenKey string
	cancel           context.CancelCauseFunc
}

// errTokenRevoked ends a request whose token was revoked while it ran.
var errTokenRevoked = errors.New("its access token was revoked")

// add registers a request of the grant family made with the token whose
// Redis key is tokenKey; the caller must call remove when it ends.
func (l *liveRequests) add(family, tokenKey string, cancel context.CancelCauseFunc) *liveRequest {
	lr := &liveRequest{family: family, tokenKey: tokenKey, cancel: cancel}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byFamily == nil {
		l.byFamily = map[string]map[*liveRequest]struct{}{}
	}
	if l.byFamily[family] == nil {
		l.byFamily[family] = map[*liveRequest]struct{}{}
	}
	l.byFamily[family][lr] = struct{}{}
	return lr
}

func (l *liveRequests) remove(lr *liveRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byFamily[lr.family], lr)
	if len(l.byFamily[lr.family]) == 0 {
		delete(l.byFamily, lr.family)
	}
}

// endGrant cancels every request of family; with tokenKey set, only those
// made with that token.
func (l *liveRequests) endGrant(family, tokenKey string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for lr := range l.byFamily[family] {
		if tokenKey == "" || lr.tokenKey == tokenKey {
			lr.cancel(errTokenRevoked)
		}
	}
}
