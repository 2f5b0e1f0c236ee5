package server

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// tokenCache keeps access tokens the bearer check has verified in
// process for a moment, so that a busy session does not cost Redis a
// round trip per request:
//
//	bearer check > cache (≤ tokenCacheTTL old) ─miss─> Redis GET
//	revoke, reuse, del > evict here > PUBLISH evictions > other replicas evict
//
// A revocation takes effect at once on this server and, through the
// evictions channel, on every server sharing the Redis; a replica that
// missed the message (its subscription was down) stops accepting the token
// after tokenCacheTTL at most. A token first seen while Redis is down is
// still refused (503): only tokens verified in the last tokenCacheTTL skip
// Redis.
//
// A nil *tokenCache (Config.NoTokenCache) caches nothing.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedGrant // by Redis key
	now     func() time.Time
}

type cachedGrant struct {
	g     grant
	until time.Time
}

const (
	// tokenCacheTTL is how long a verified token is trusted without Redis.
	tokenCacheTTL = time.Second
	// tokenCacheMax bounds the cache; past it, it starts over.
	tokenCacheMax = 10000
)

func newTokenCache() *tokenCache {
	return &tokenCache{entries: map[string]cachedGrant{}, now: time.Now}
}

func (c *tokenCache) get(key string) (grant, bool) {
	if c == nil {
		return grant{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.until) {
		return grant{}, false
	}
	return e.g, true
}

func (c *tokenCache) put(key string, g grant) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= tokenCacheMax {
		clear(c.entries)
	}
	c.entries[key] = cachedGrant{g: g, until: c.now().Add(tokenCacheTTL)}
}

// evict drops the entries of keys and of every grant in families.
func (c *tokenCache) evict(keys, families []string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.entries, k)
	}
	if len(families) == 0 {
		return
	}
	for k, e := range c.entries {
		for _, f := range families {
			if e.g.Family == f {
				delete(c.entries, k)
			}
		}
	}
}

func (c *tokenCache) flush() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// FlushTokenCache forgets every verified token, so that each next request
// asks Redis. A test that moves the clock of the server's miniredis
// (FastForward) calls it: keys that expire by such a jump do so behind the
// server's back.
func (s *Server) FlushTokenCache() { s.oauth.store.tokens.flush() }

// Evictions travel between servers sharing a Redis as "key KEY" or
// "family FAMILY" on the store's evictions channel.
const (
	evictKey    = "key "
	evictFamily = "family "
)

func (st *store) evictionsChannel() string { return st.prefix + "token-cache-evictions" }

// publishEviction evicts locally and tells the other servers. A failed
// publish is not an error of the revocation: the others' entries end
// within tokenCacheTTL anyway.
func (st *store) publishEviction(ctx context.Context, keys, families []string) {
	st.tokens.evict(keys, families)
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	for _, k := range keys {
		st.rdb.Publish(ctx, st.evictionsChannel(), evictKey+k)
	}
	for _, f := range families {
		st.rdb.Publish(ctx, st.evictionsChannel(), evictFamily+f)
	}
}

// followEvictions applies the other servers' evictions until the
// subscription is closed (store.close). go-redis re-subscribes by itself
// after Redis comes back.
func (st *store) followEvictions(sub *redis.PubSub) {
	defer close(st.evictionsDone)
	for msg := range sub.Channel() {
		switch {
		case strings.HasPrefix(msg.Payload, evictKey):
			st.tokens.evict([]string{strings.TrimPrefix(msg.Payload, evictKey)}, nil)
		case strings.HasPrefix(msg.Payload, evictFamily):
			st.tokens.evict(nil, []string{strings.TrimPrefix(msg.Payload, evictFamily)})
		}
	}
}

// accessGrant loads the grant of an access token's key, from the cache
// when it was verified a moment ago.
func (st *store) accessGrant(ctx context.Context, key string) (grant, error) {
	if g, ok := st.tokens.get(key); ok {
		return g, nil
	}
	var g grant
	if err := st.getJSON(ctx, key, &g); err != nil {
		return grant{}, err
	}
	st.tokens.put(key, g)
	return g, nil
}
