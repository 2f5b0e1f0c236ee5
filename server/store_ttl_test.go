package server

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSecurityMedium5EmbeddedRedisHonoursTTL is issue 12 Medium 5: the
// embedded miniredis expires keys as a real Redis does. Before the fix its
// clock never moved: a code 320 s old (TTL 300 s) was redeemed, and an
// expired consent still issued a code.
func TestSecurityMedium5EmbeddedRedisHonoursTTL(t *testing.T) {
	ctx := context.Background()
	t.Run("driven clock", func(t *testing.T) {
		st, err := newStore(Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.close()
		now := time.Now()
		st.miniMu.Lock()
		st.now = func() time.Time { return now }
		st.miniMu.Unlock()
		code, consent := st.secretKey(keyCode, "c"), st.secretKey(keyConsent, "csrf")
		if err := st.putJSON(ctx, code, grant{ClientID: "x"}, codeTTL); err != nil {
			t.Fatal(err)
		}
		if err := st.putJSON(ctx, consent, authorizeRequest{ClientID: "x"}, consentTTL); err != nil {
			t.Fatal(err)
		}
		st.miniMu.Lock()
		now = now.Add(320 * time.Second)
		st.miniMu.Unlock()
		st.advanceMini()
		var g grant
		if err := st.getJSON(ctx, code, &g); !errors.Is(err, errNotFound) {
			t.Errorf("code 320 s old (TTL %s): load error = %v, want errNotFound", codeTTL, err)
		}
		var ar authorizeRequest
		if err := st.getJSON(ctx, consent, &ar); err != nil {
			t.Errorf("consent 320 s old (TTL %s) expired early: %v", consentTTL, err)
		}
		st.miniMu.Lock()
		now = now.Add(consentTTL)
		st.miniMu.Unlock()
		st.advanceMini()
		if err := st.takeJSON(ctx, consent, &ar); !errors.Is(err, errNotFound) {
			t.Errorf("consent past its TTL: take error = %v, want errNotFound", err)
		}
	})
	t.Run("wall clock", func(t *testing.T) {
		st, err := newStore(Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.close()
		key := st.key(keyConsent, "short")
		if err := st.putJSON(ctx, key, "v", time.Second); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second) // TTL 1 s + miniTick, with room for a loaded machine
		for {
			var v string
			err := st.getJSON(ctx, key, &v)
			if errors.Is(err, errNotFound) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("a key with a 1 s TTL still there after 10 s (err %v)", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
