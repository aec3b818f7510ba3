// Package throttle is vpcvpn's admission control: per-AccessKey token buckets
// per action class (read, write, secret-read), answered with Throttling.User
// and the rate-limit headers the official SDKs and the aliyun CLI read, and a
// global in-flight limit answered with ServiceUnavailable, so that an
// overloaded server sheds load instead of falling over.
//
// A Limiter is safe for concurrent use. Its clock is injectable (Config.Now)
// so that tests can refill buckets without sleeping.
package throttle

import (
	"hash/maphash"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// Class is an action class; each class has its own bucket per AccessKey.
type Class uint8

// Action classes.
const (
	// Read actions only look at state (action.Read and action.List).
	Read Class = iota
	// Write actions change state (everything that is not a read).
	Write
	// SecretRead actions return secrets (pre-shared keys) to the caller
	// (action.SecretRead: the downloads).
	SecretRead
	numClasses
)

// String returns "read", "write" or "secret-read".
func (c Class) String() string {
	switch c {
	case Read:
		return "read"
	case Write:
		return "write"
	case SecretRead:
		return "secret-read"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// BucketOf is the bucket class of an action class from the dispatch table
// (action.Meta.Class): reads and lists share the read bucket, secret reads
// and writes have their own; an unknown class is charged as a write.
func BucketOf(c action.Class) Class {
	switch c {
	case action.Read, action.List:
		return Read
	case action.SecretRead:
		return SecretRead
	}
	return Write
}

// Rate is one class's bucket: PerSecond tokens are added per second up to
// Burst. A PerSecond <= 0 disables the limit for the class; a Burst < 1 is
// taken as 1.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Config configures a Limiter. The zero Config limits nothing.
type Config struct {
	Read, Write, SecretRead Rate
	// MaxInFlight bounds the requests being processed at once; <= 0 means
	// unlimited.
	MaxInFlight int
	// MaxKeys bounds the number of buckets kept; when exceeded, buckets that
	// have refilled completely (indistinguishable from new ones) are
	// dropped. <= 0 means DefaultMaxKeys.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BodyBytes bounds the bytes of request bodies being read or
	// processed at once, BodyBytesPerAddress those of one client address
	// (see BodyBudget); BodyBytes <= 0 means no budget.
	BodyBytes, BodyBytesPerAddress int64
}

// DefaultMaxKeys is Config.MaxKeys when unset.
const DefaultMaxKeys = 100000

const numShards = 64

// Limiter implements per-AccessKey rate limits and the in-flight limit.
type Limiter struct {
	rates    [numClasses]Rate
	maxIn    int64
	inflight atomic.Int64
	now      func() time.Time
	perShard int
	seed     maphash.Seed
	shards   [numShards]shard
}

type shard struct {
	mu      sync.Mutex
	buckets map[bucketKey]bucket
}

type bucketKey struct {
	key   string
	class Class
	// identity: key names an identity (Allow's principal), not an
	// AccessKey; the two never share a bucket.
	identity bool
}

type bucket struct {
	tokens float64
	last   int64 // unix nanoseconds of the last refill
}

// New returns a Limiter for cfg.
func New(cfg Config) *Limiter {
	l := &Limiter{now: cfg.Now, maxIn: int64(cfg.MaxInFlight), seed: maphash.MakeSeed()}
	l.rates[Read], l.rates[Write], l.rates[SecretRead] = cfg.Read, cfg.Write, cfg.SecretRead
	for i := range l.rates {
		if l.rates[i].Burst < 1 {
			l.rates[i].Burst = 1
		}
	}
	if l.now == nil {
		l.now = time.Now
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	l.perShard = max(1, maxKeys/numShards)
	for i := range l.shards {
		l.shards[i].buckets = map[bucketKey]bucket{}
	}
	return l
}

// Decision is the outcome of Take.
type Decision struct {
	Allowed bool
	// Limit is the class's burst; Remaining the whole tokens left after
	// this request (0 when refused).
	Limit, Remaining int
	// RetryAfter is how long until one token is available (0 when allowed).
	RetryAfter time.Duration
	// Reset is when the bucket will be full again.
	Reset time.Time
}

// Take charges one request of class c to key. With the class disabled it
// always allows and reports Limit 0.
func (l *Limiter) Take(key string, c Class) Decision {
	return l.take(bucketKey{key, c, false})
}

func (l *Limiter) take(bk bucketKey) Decision {
	key, c := bk.key, bk.class
	r := l.rates[c]
	if r.PerSecond <= 0 {
		return Decision{Allowed: true}
	}
	now := l.now()
	nowN := now.UnixNano()
	burst := float64(r.Burst)
	sh := &l.shards[maphash.String(l.seed, key)%numShards]
	sh.mu.Lock()
	b, ok := sh.buckets[bk]
	if !ok {
		if len(sh.buckets) >= l.perShard {
			sh.sweep(nowN, &l.rates)
		}
		b = bucket{tokens: burst, last: nowN}
	} else if nowN > b.last {
		b.tokens = math.Min(burst, b.tokens+float64(nowN-b.last)/1e9*r.PerSecond)
		b.last = nowN
	}
	d := Decision{Limit: r.Burst}
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
		d.Remaining = int(b.tokens)
	} else {
		d.RetryAfter = time.Duration(math.Ceil((1 - b.tokens) / r.PerSecond * 1e9))
	}
	sh.buckets[bk] = b
	sh.mu.Unlock()
	d.Reset = now.Add(time.Duration(math.Ceil((burst - b.tokens) / r.PerSecond * 1e9)))
	return d
}

// sweep drops the buckets that would be full at nowN. Called with mu held.
func (sh *shard) sweep(nowN int64, rates *[numClasses]Rate) {
	for k, b := range sh.buckets {
		r := rates[k.class]
		if b.tokens+float64(nowN-b.last)/1e9*r.PerSecond >= float64(r.Burst) {
			delete(sh.buckets, k)
		}
	}
}

// Allow charges one request of an action of class to accessKeyID and to the identity
// it acts as (principal: e.g. the role's ARN for an STS session, so that
// the sessions of one role share one bucket however many AccessKeyIds
// AssumeRole hands out; "" charges the AccessKey only). It returns nil when
// both buckets have a token, or the Throttling.User wire error (HTTP 400)
// carrying x-ratelimit-user (Limit, Remain, TimeLeft in milliseconds, Reset
// in Unix milliseconds; the V2 SDK reads TimeLeft), x-acs-retry-after
// (milliseconds; the aliyun CLI retries only with it) and Retry-After
// (seconds). A request refused by the principal's bucket gives the
// AccessKey's token back.
func (l *Limiter) Allow(accessKeyID, principal string, class action.Class) *apierror.Error {
	c := BucketOf(class)
	d := l.Take(accessKeyID, c)
	if !d.Allowed {
		return l.throttled(c, d, "AccessKey "+accessKeyID)
	}
	if principal == "" {
		return nil
	}
	pd := l.take(bucketKey{principal, c, true})
	if !pd.Allowed {
		l.refund(accessKeyID, c)
		return l.throttled(c, pd, principal)
	}
	return nil
}

// refund gives back a token Take took from key's bucket of class c.
func (l *Limiter) refund(key string, c Class) {
	sh := &l.shards[maphash.String(l.seed, key)%numShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	bk := bucketKey{key, c, false}
	if b, ok := sh.buckets[bk]; ok {
		b.tokens = math.Min(float64(l.rates[c].Burst), b.tokens+1)
		sh.buckets[bk] = b
	}
}

func (l *Limiter) throttled(c Class, d Decision, who string) *apierror.Error {
	ms := (d.RetryAfter + time.Millisecond - 1) / time.Millisecond
	msS := strconv.FormatInt(int64(ms), 10)
	e := apierror.Newf("Throttling.User",
		"Request was denied due to user flow control: %s exceeded %s %s requests per second (burst %d). Retry after %s ms.",
		who, strconv.FormatFloat(l.rates[c].PerSecond, 'f', -1, 64), c, d.Limit, msS)
	e.Headers = map[string]string{
		"x-ratelimit-user":  "Limit:" + strconv.Itoa(d.Limit) + ",Remain:0,TimeLeft:" + msS + ",Reset:" + strconv.FormatInt(d.Reset.UnixMilli(), 10),
		"x-acs-retry-after": msS,
		"Retry-After":       strconv.FormatInt(int64((d.RetryAfter+time.Second-1)/time.Second), 10),
	}
	return e
}

// OverloadRetryAfter is the retry hint sent with ServiceUnavailable.
const OverloadRetryAfter = time.Second

// Enter admits one request for processing. It returns nil when admitted —
// the caller must then call Leave exactly once — or the ServiceUnavailable
// wire error (HTTP 503, with x-acs-retry-after and Retry-After) when
// MaxInFlight requests are already being processed.
func (l *Limiter) Enter() *apierror.Error {
	n := l.inflight.Add(1)
	if l.maxIn > 0 && n > l.maxIn {
		l.inflight.Add(-1)
		e := apierror.Newf("ServiceUnavailable", "The server is processing %d requests, its limit; retry later.", l.maxIn)
		e.Headers = map[string]string{
			"x-acs-retry-after": strconv.FormatInt(OverloadRetryAfter.Milliseconds(), 10),
			"Retry-After":       strconv.FormatInt(int64(OverloadRetryAfter/time.Second), 10),
		}
		return e
	}
	return nil
}

// Leave ends a request admitted by Enter.
func (l *Limiter) Leave() { l.inflight.Add(-1) }

// InFlight returns the number of admitted requests not yet left.
func (l *Limiter) InFlight() int { return int(l.inflight.Load()) }

// Buckets returns the number of buckets kept (for tests and metrics).
func (l *Limiter) Buckets() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.buckets)
		sh.mu.Unlock()
	}
	return n
}

// BodyBudget bounds the memory held by request bodies: a body is read only
// after its size (its Content-Length, or MaxBody when unknown) has been
// reserved, and the reservation is held until the request is answered. It
// bounds the bytes of all bodies at once (Total) and of the bodies of one
// client address (PerAddress; an IPv6 address counts as its /64), so that
// many slow or large bodies cannot take the server's memory, and one client
// cannot take the whole budget.
//
// A BodyBudget is safe for concurrent use. The zero value reserves
// nothing; use NewBodyBudget.
type BodyBudget struct {
	total, perAddr int64
	mu             sync.Mutex
	used           int64
	byAddr         map[netip.Addr]int64
}

// NewBodyBudget returns a budget of total bytes, at most perAddr of them
// for one client address. total <= 0 means no budget (Reserve always
// succeeds and Nil reports true); perAddr <= 0 means total.
func NewBodyBudget(total, perAddr int64) *BodyBudget {
	if perAddr <= 0 || perAddr > total {
		perAddr = total
	}
	return &BodyBudget{total: total, perAddr: perAddr, byAddr: map[netip.Addr]int64{}}
}

// Nil reports whether b bounds nothing.
func (b *BodyBudget) Nil() bool { return b == nil || b.total <= 0 }

// Total and PerAddress return the budget's limits.
func (b *BodyBudget) Total() int64      { return b.total }
func (b *BodyBudget) PerAddress() int64 { return b.perAddr }

// Used returns the bytes reserved now.
func (b *BodyBudget) Used() int64 {
	if b.Nil() {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// AddrKey is the key a client address is accounted under: the address
// itself for IPv4, its /64 for IPv6 (one host usually has a whole /64).
func AddrKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// Reserve reserves n bytes for a body from addr and reports whether it
// could; each successful Reserve is followed by one Release of the same
// addr and n.
func (b *BodyBudget) Reserve(addr netip.Addr, n int64) bool {
	if b.Nil() || n <= 0 {
		return true
	}
	k := AddrKey(addr)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.total || b.byAddr[k]+n > b.perAddr {
		return false
	}
	b.used += n
	b.byAddr[k] += n
	return true
}

// Release returns a reservation.
func (b *BodyBudget) Release(addr netip.Addr, n int64) {
	if b.Nil() || n <= 0 {
		return
	}
	k := AddrKey(addr)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if left := b.byAddr[k] - n; left > 0 {
		b.byAddr[k] = left
	} else {
		delete(b.byAddr, k)
	}
}
