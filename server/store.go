package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// store keeps the authorization server's state in Redis: dynamically
// registered clients, authorization codes, access and refresh tokens and the
// grants they belong to. Every secret is stored under the hex SHA-256 of its
// value, never raw, so a Redis dump (or `redis-cli monitor`) gives nothing to
// replay.
//
//	prefix + "client:"    + client_id              registered client (JSON), unusedClientTTL, refreshTokenTTL once used
//	prefix + "code:"      + sha256(code)           pending code grant, codeTTL
//	prefix + "code-used:" + sha256(code)           the grant a redeemed code started
//	prefix + "at:"        + sha256(access token)   access token grant, accessTokenTTL
//	prefix + "rt:"        + sha256(refresh token)  refresh token grant, refreshTokenTTL
//	prefix + "rt-used:"   + sha256(refresh token)  a rotated refresh token's grant
//	prefix + "grant:"     + family id              SET of the token keys of one grant
//	prefix + "grant-revoked:" + family id          a revoked grant, refreshTokenTTL
//	prefix + "consent:"   + sha256(csrf token)     a pending consent page
//	prefix + "clients:index", "consents:index"     capped indexes (ZSET by expiry) of the two above
//
// Every call runs under redisOpTimeout so that a Redis that is down or hung
// turns into ErrRedisUnavailable within a second, never a hung request.
type store struct {
	rdb    *redis.Client
	mini   *miniredis.Miniredis // the in-process Redis, when Config.RedisURL is empty
	prefix string

	// The in-process miniredis expires keys only when its clock is
	// driven (FastForward): without this a code outlived its 300 s TTL
	// and an expired consent still issued one. miniClock drives it from
	// now, every miniTick, until stopClock is closed.
	// onRevokeGrant, when set, is told of every revoked grant (the
	// server ends its requests in flight).
	onRevokeGrant func(family string)

	now        func() time.Time
	miniMu     sync.Mutex
	miniLast   time.Time
	stopClock  chan struct{}
	clockEnded chan struct{}

	// tokens caches verified access tokens (token_cache.go); evictions is
	// the subscription through which other servers' revocations arrive.
	tokens        *tokenCache
	evictions     *redis.PubSub
	evictionsDone chan struct{}
}

// miniTick is how often the in-process miniredis's clock is advanced:
// the most an embedded key outlives its TTL.
const miniTick = 250 * time.Millisecond

// keyKind names one family of Redis keys (see store).
type keyKind string

const (
	keyClient   keyKind = "client"
	keyCode     keyKind = "code"
	keyUsedCode keyKind = "code-used"
	keyAccess   keyKind = "at"
	keyRefresh  keyKind = "rt"
	keyUsedRT   keyKind = "rt-used"
	keyGrant    keyKind = "grant"
	keyConsent  keyKind = "consent"
	// keyRevokedGrant marks a revoked family, so a token issue racing
	// the revocation cannot bring it back (issueScript).
	keyRevokedGrant keyKind = "grant-revoked"
	// keyClients and keyConsents + ":index" are the capped indexes of
	// registered clients and pending consents (admitScript).
	keyClients  keyKind = "clients"
	keyConsents keyKind = "consents"
)

// redisOpTimeout bounds every Redis round trip. Redis answers in well under a
// millisecond on loopback; a second means it is gone or stuck.
const redisOpTimeout = time.Second

// ErrRedisUnavailable is returned (wrapped) by every store call that could
// not reach Redis. Handlers answer it with 503 and the REDIS UNAVAILABLE
// marker.
var ErrRedisUnavailable = errors.New("redis unavailable")

// errNotFound is returned when a key is absent: never stored, expired,
// revoked or already used.
var errNotFound = errors.New("not found")

// newStore connects to cfg.RedisURL, or starts an in-process miniredis on a
// loopback port when it is empty. It does not fail when a real Redis is
// down: the server starts and answers 503 until Redis is back.
func newStore(cfg Config) (*store, error) {
	st := &store{prefix: cfg.RedisKeyPrefix}
	if st.prefix == "" {
		st.prefix = "mcpvcr:"
	}
	var opt *redis.Options
	if cfg.RedisURL == "" {
		st.mini = miniredis.NewMiniRedis()
		if err := st.mini.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start in-process miniredis: %w", err)
		}
		opt = &redis.Options{Addr: st.mini.Addr()}
		st.now, st.miniLast = time.Now, time.Now()
		st.stopClock, st.clockEnded = make(chan struct{}), make(chan struct{})
		go st.miniClock()
	} else {
		var err error
		opt, err = redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL %q: %w", redactRedisURL(cfg.RedisURL), err)
		}
	}
	// Short timeouts and one retry: a dead Redis must cost a request a
	// second at most (the 503 path), not go-redis's default of three
	// retries with backoff on top of 5 s dials.
	opt.DialTimeout = redisOpTimeout / 2
	opt.ReadTimeout = redisOpTimeout / 2
	opt.WriteTimeout = redisOpTimeout / 2
	// Waiting for a free connection is not Redis being gone: under a
	// burst (500 sessions at once, `make load`) go-redis's default pool of
	// 10 per CPU ran dry and healthy requests got 503. A dead Redis still
	// fails fast: its dials are refused or time out, they do not queue.
	opt.PoolSize = 256
	opt.PoolTimeout = redisOpTimeout
	opt.MaxRetries = 1
	opt.DialerRetries = 1
	opt.DialerRetryTimeout = 50 * time.Millisecond
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true // miniredis knows no CLIENT SETINFO
	st.rdb = redis.NewClient(opt)
	if !cfg.NoTokenCache {
		st.tokens = newTokenCache()
	}
	st.evictions = st.rdb.Subscribe(context.Background(), st.evictionsChannel())
	st.evictionsDone = make(chan struct{})
	go st.followEvictions(st.evictions)
	return st, nil
}

// redactRedisURL hides a password in a Redis URL for error messages.
func redactRedisURL(u string) string {
	for i := 0; i+3 < len(u); i++ {
		if u[i:i+3] == "://" {
			for j := len(u) - 1; j > i; j-- {
				if u[j] == '@' {
					return u[:i+3] + "***" + u[j:]
				}
			}
			break
		}
	}
	return u
}

// close closes the Redis client and stops the in-process miniredis.
func (st *store) close() error {
	st.evictions.Close()
	<-st.evictionsDone
	err := st.rdb.Close()
	if st.mini != nil {
		close(st.stopClock)
		<-st.clockEnded
		st.mini.Close()
	}
	return err
}

// miniClock advances the in-process miniredis every miniTick.
func (st *store) miniClock() {
	defer close(st.clockEnded)
	t := time.NewTicker(miniTick)
	defer t.Stop()
	for {
		select {
		case <-st.stopClock:
			return
		case <-t.C:
			st.advanceMini()
		}
	}
}

// advanceMini moves the miniredis clock to st.now(): keys whose TTL ran
// out since the last call expire, as on a real Redis.
func (st *store) advanceMini() {
	st.miniMu.Lock()
	defer st.miniMu.Unlock()
	now := st.now()
	if d := now.Sub(st.miniLast); d > 0 {
		st.mini.FastForward(d)
		st.mini.SetTime(now) // TIME and EXPIREAT agree with the wall clock
	}
	st.miniLast = now
}

// key returns the Redis key for id of the given kind.
func (st *store) key(kind keyKind, id string) string {
	return st.prefix + string(kind) + ":" + id
}

// secretKey returns the Redis key for a secret: its SHA-256, never itself.
func (st *store) secretKey(kind keyKind, secret string) string {
	return st.key(kind, hashSecret(secret))
}

// hashSecret returns the hex SHA-256 of a secret. Secrets are >= 256 random
// bits, so an unsalted hash is enough: there is nothing to brute-force.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// unavailable wraps a Redis error as ErrRedisUnavailable (keeping the cause
// readable) unless it is redis.Nil.
func unavailable(op string, err error) error {
	if errors.Is(err, redis.Nil) {
		return errNotFound
	}
	return fmt.Errorf("%s: %w: %w", op, ErrRedisUnavailable, err)
}

// ping checks that Redis answers.
func (st *store) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	if err := st.rdb.Ping(ctx).Err(); err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// putJSON stores v as JSON under key; ttl 0 means no expiry.
func (st *store) putJSON(ctx context.Context, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	if err := st.rdb.Set(ctx, key, b, ttl).Err(); err != nil {
		return unavailable("store", err)
	}
	return nil
}

// getJSON loads the JSON under key into v. It returns errNotFound when the
// key is absent or expired.
func (st *store) getJSON(ctx context.Context, key string, v any) error {
	return st.readJSON(ctx, "load", v, func(ctx context.Context) *redis.StringCmd { return st.rdb.Get(ctx, key) })
}

// takeJSON atomically loads and deletes the JSON under key (GETDEL): a
// single-use value such as a consent page's CSRF token.
func (st *store) takeJSON(ctx context.Context, key string, v any) error {
	return st.readJSON(ctx, "take", v, func(ctx context.Context) *redis.StringCmd { return st.rdb.GetDel(ctx, key) })
}

// readJSON runs read (a GET or a GETDEL) within redisOpTimeout and decodes
// the value into v; op names the operation in errors.
func (st *store) readJSON(ctx context.Context, op string, v any, read func(context.Context) *redis.StringCmd) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	b, err := read(ctx).Bytes()
	if err != nil {
		return unavailable(op, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}

// del deletes keys.
func (st *store) del(ctx context.Context, keys ...string) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	if err := st.rdb.Del(ctx, keys...).Err(); err != nil {
		return unavailable("delete", err)
	}
	var access []string
	for _, k := range keys {
		if strings.HasPrefix(k, st.prefix+string(keyAccess)+":") {
			access = append(access, k)
		}
	}
	if len(access) > 0 {
		st.publishEviction(ctx, access, nil)
	}
	return nil
}

// takeOnceScript redeems a single-use secret (a code, a refresh token) in one
// atomic step, so two concurrent redemptions cannot both win:
//
//	KEYS[1] live key, KEYS[2] used key, ARGV[1] used key's TTL in seconds
//	-> {1, value}  redeemed now: live key moved to the used key
//	-> {2, value}  redeemed before: the value it had (a replay)
//	-> {0}         unknown or expired
var takeOnceScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], v, 'EX', ARGV[1])
  return {1, v}
end
local u = redis.call('GET', KEYS[2])
if u then
  return {2, u}
end
return {0}
`)

// takeState says what takeOnce found.
type takeState int

const (
	takeUnknown  takeState = 0 // never issued, expired or revoked
	takeRedeemed takeState = 1 // redeemed by this call
	takeReplayed takeState = 2 // redeemed by an earlier call: a replay
)

// takeOnce redeems the single-use value at live (see takeOnceScript) and
// decodes it into v when it was found.
func (st *store) takeOnce(ctx context.Context, live, used string, usedTTL time.Duration, v any) (takeState, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	res, err := takeOnceScript.Run(ctx, st.rdb, []string{live, used}, int64(usedTTL/time.Second)).Slice()
	if err != nil {
		return takeUnknown, unavailable("redeem", err)
	}
	if len(res) != 2 {
		return takeUnknown, nil
	}
	state, _ := res[0].(int64)
	s, _ := res[1].(string)
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return takeUnknown, fmt.Errorf("decode %T: %w", v, err)
	}
	return takeState(state), nil
}

// storedToken is one token to store in a grant: its key, grant JSON, TTL.
type storedToken struct {
	key   string
	value []byte
	ttl   time.Duration
}

// issueScript stores the tokens of one grant and records them in the
// grant's SET in one atomic step, unless the grant was revoked: a
// concurrent replay's revocation (revokeGrantScript) runs either before,
// and nothing is issued, or after, and it deletes what was issued. There
// is no moment when a token exists outside its grant.
//
//	KEYS[1] grant SET, KEYS[2] revoked marker, KEYS[3...] token keys;
//	ARGV[1] grant TTL s, ARGV[2...] value, TTL s per token
//	-> 1 issued, 0 the grant is revoked
var issueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
for i = 3, #KEYS do
  local j = 2 + (i - 3) * 2
  redis.call('SET', KEYS[i], ARGV[j], 'EX', ARGV[j + 1])
  redis.call('SADD', KEYS[1], KEYS[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`)

// errGrantRevoked is returned by issue when the grant was revoked (a
// replay, a revocation) before its tokens could be stored.
var errGrantRevoked = errors.New("grant revoked")

// issue stores tokens in the grant family (see issueScript).
func (st *store) issue(ctx context.Context, family string, ttl time.Duration, tokens ...storedToken) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	keys := []string{st.key(keyGrant, family), st.key(keyRevokedGrant, family)}
	args := []any{int64(ttl / time.Second)}
	for _, t := range tokens {
		keys = append(keys, t.key)
		args = append(args, t.value, int64(t.ttl/time.Second))
	}
	n, err := issueScript.Run(ctx, st.rdb, keys, args...).Int()
	if err != nil {
		return unavailable("issue tokens", err)
	}
	if n == 0 {
		return errGrantRevoked
	}
	return nil
}

// revokeGrantScript deletes every token key of a grant and the grant
// itself, and marks the grant revoked so that nothing can be issued in it
// afterwards (issueScript), returning how many tokens it deleted.
//
//	KEYS[1] grant SET, KEYS[2] revoked marker, ARGV[1] marker TTL s
var revokeGrantScript = redis.NewScript(`
local ks = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, k in ipairs(ks) do
  n = n + redis.call('DEL', k)
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
return n
`)

// revokeGrant deletes all tokens issued under family, refuses any later
// issue in it, and returns how many tokens were still live.
func (st *store) revokeGrant(ctx context.Context, family string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	n, err := revokeGrantScript.Run(ctx, st.rdb, []string{st.key(keyGrant, family), st.key(keyRevokedGrant, family)}, int64(refreshTokenTTL/time.Second)).Int()
	// Evict even when Redis failed: the script may have run.
	st.publishEviction(ctx, nil, []string{family})
	if err != nil {
		return 0, unavailable("revoke grant", err)
	}
	if st.onRevokeGrant != nil {
		st.onRevokeGrant(family)
	}
	return n, nil
}

// admitScript admits member into a capped index of live entries (a
// sorted set scored by expiry, in ms), so anonymous callers cannot grow
// Redis without end: expired entries are dropped first, then member is
// refused when max are live.
//
//	KEYS[1] index; ARGV[1] now ms, ARGV[2] max, ARGV[3] member, ARGV[4] expiry ms
//	-> 1 admitted, 0 full
var admitScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`)

// errFull is returned by admit when the index holds its maximum.
var errFull = errors.New("limit reached")

// admit records member in the capped index kind until now+ttl, or
// returns errFull.
func (st *store) admit(ctx context.Context, kind keyKind, member string, ttl time.Duration, max int) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	now := time.Now()
	n, err := admitScript.Run(ctx, st.rdb, []string{st.key(kind, "index")}, now.UnixMilli(), max, member, now.Add(ttl).UnixMilli()).Int()
	if err != nil {
		return unavailable("admit", err)
	}
	if n == 0 {
		return errFull
	}
	return nil
}

// touchClient extends a registered client's life once it is used (it got
// a token): a client nobody uses expires after unusedClientTTL.
func (st *store) touchClient(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	exp := time.Now().Add(refreshTokenTTL)
	_, err := st.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ExpireAt(ctx, st.key(keyClient, id), exp)
		p.ZAddXX(ctx, st.key(keyClients, "index"), redis.Z{Score: float64(exp.UnixMilli()), Member: id})
		return nil
	})
	if err != nil {
		return unavailable("touch client", err)
	}
	return nil
}
