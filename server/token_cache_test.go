package server

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// TestTokenCacheEvictionReachesOtherServers: two servers share one Redis;
// both have a token cached; a revocation on one evicts it from its own
// cache at once and from the other's through the evictions channel.
func TestTokenCacheEvictionReachesOtherServers(t *testing.T) {
	mini := miniredis.RunT(t)
	ctx := context.Background()
	newShared := func() *store {
		st, err := newStore(Config{RedisURL: "redis://" + mini.Addr()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.close() })
		return st
	}
	a, b := newShared(), newShared()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := a.rdb.PubSubNumSub(ctx, a.evictionsChannel()).Result()
		if err == nil && n[a.evictionsChannel()] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("both servers never subscribed to %s: %v %v", a.evictionsChannel(), n, err)
		}
		time.Sleep(5 * time.Millisecond) // waiting for an event another connection causes
	}

	key := a.secretKey(keyAccess, "an-access-token")
	if err := a.putJSON(ctx, key, grant{ClientID: "c", Family: "fam-1", ExpiresAt: time.Now().Add(time.Hour).Unix()}, time.Hour); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*store{"a": a, "b": b} {
		if _, err := st.accessGrant(ctx, key); err != nil {
			t.Fatalf("%s: accessGrant = %v", name, err)
		}
		if _, ok := st.tokens.get(key); !ok {
			t.Fatalf("%s: a verified token is not cached", name)
		}
	}
	if _, err := a.revokeGrant(ctx, "fam-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.tokens.get(key); ok {
		t.Error("a: the revoking server still has the token cached")
	}
	for {
		if _, ok := b.tokens.get(key); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("b: the other server still has the revoked token cached")
		}
		time.Sleep(time.Millisecond) // the eviction travels through Redis
	}
}

// TestTokenCacheDelEvictsAccessTokens: deleting an access token's key (RFC
// 7009 revocation of one token) evicts it; other keys are not published.
func TestTokenCacheDelEvictsAccessTokens(t *testing.T) {
	st, err := newStore(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	ctx := context.Background()
	key := st.secretKey(keyAccess, "tok")
	if err := st.putJSON(ctx, key, grant{Family: "f"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := st.accessGrant(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := st.del(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.tokens.get(key); ok {
		t.Fatal("a deleted access token is still cached")
	}
	if _, err := st.accessGrant(ctx, key); err == nil {
		t.Fatal("accessGrant of a deleted token succeeded")
	}
}
