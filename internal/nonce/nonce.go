// Package nonce is the in-memory replay store of single-node mode: it
// implements store.NonceStore by remembering a fixed-size keyed fingerprint
// of every signature nonce until it expires, in bounded memory.
//
// # Layout
//
// A key is hashed with two independently seeded hash/maphash functions (the
// seeds are random per Store, so clients cannot aim collisions at each
// other). Eight bits of the second hash pick one of 256 shards, each with its
// own mutex; the top 58 bits of the first are the key's fingerprint. A shard
// is one pointer-free []uint64 open-addressing table (linear probing) that
// the garbage collector never scans: each slot holds a fingerprint and, in
// its low 6 bits, the nonce's expiry generation (expiry rounded up to the
// Granularity) modulo 64. A slot whose generation has ended is dead: a
// lookup no longer matches it and an insert reuses it. Every 16 generations,
// and whenever live and dead slots fill 85 % of a table, the shard is
// rebuilt with only its live slots at 70 % load (which also keeps the 6-bit
// generations unambiguous: every slot's expiry lies within 47 generations of
// the last rebuild). A nonce is never forgotten early, and forgotten at most
// one Granularity late.
//
// # False refusals
//
// A fresh key is refused only if a live slot of its shard holds its 58-bit
// fingerprint: a probability of at most n / 2^66 for n nonces held (8 shard
// bits and 58 fingerprint bits must all match one of them). At 20 000
// requests/s with 15-minute expiries (n ~ 19.2M) that is 2.6e-13 per request,
// one wrongly refused request in about 6 000 years of that traffic.
// Replays are always refused: a key's own fingerprint is always found.
//
// # Memory
//
// 8 bytes a slot at 70-85 % load: at most 8/0.7 = 11.5 bytes per nonce held
// right after a rebuild (the size a table keeps until its next one), about
// 11 on average (TestBytesPerNonce). Nonces held = request rate x (expiry
// delay + up to one Granularity), so with the server's 15-minute expiries and
// the default 1-minute granularity:
//
//	20 000 req/s: ~19.2M nonces, ~220 MB
//	 5 000 req/s: ~4.8M nonces,  ~55 MB
//	 1 000 req/s: ~1M nonces,    ~11 MB
//
// Options.MaxBytes bounds it whatever the rate: a table is never grown past
// its shard's share, and a shard whose table is full refuses new nonces with
// ErrFull (the server answers 503 ServiceUnavailable) rather than forget any.
//
// # Cost
//
// UseNonce hashes the key twice, takes one shard lock and walks one probe
// sequence (a few adjacent slots, usually one cache line).
package nonce

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

var _ store.NonceStore = (*Store)(nil)

// Defaults used for zero Options fields.
const (
	// DefaultWindow is twice the signature window: a timestamp may lie
	// signature.Window ahead of the clock and its nonce is kept until
	// signature.Window after it (api.NonceLifetime).
	DefaultWindow = 2 * signature.Window
	// DefaultGranularity is the default width of one expiry generation; it
	// is raised to Window/30 when that is more (a slot holds 6 bits of it).
	DefaultGranularity = time.Minute
	// Shards is the number of independently locked shards; their index is
	// part of the fingerprint (see the package comment), so it is fixed.
	Shards = 256
)

// ErrTooFar is wrapped by UseNonce's error when expires lies further ahead
// than the Store's Window: the Store could not keep the nonce that long.
var ErrTooFar = errors.New("nonce: expiry beyond the replay window")

// ErrFull is wrapped by UseNonce's error when the nonce's shard holds as many
// live nonces as Options.MaxBytes allows: the nonce is neither recorded nor
// accepted. It clears as nonces expire.
var ErrFull = errors.New("nonce: replay store full")

// Options configures a Store. Zero fields take the defaults.
type Options struct {
	// Window is the longest time ahead of now an expiry may lie (default
	// DefaultWindow).
	Window time.Duration
	// Granularity is the width of one expiry generation (default
	// DefaultGranularity, at least Window/30). A nonce is kept up to one
	// Granularity past its expiry.
	Granularity time.Duration
	// MaxBytes bounds the tables (0: no bound). Each shard may hold up to
	// MaxBytes/256 bytes of slots, 85 % of them live nonces.
	MaxBytes int64
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
}

const (
	genBits = 6
	genMask = 1<<genBits - 1
	// rebuildEvery is how many generations a shard goes at most between two
	// rebuilds; maxAhead is how many generations past the current one an
	// expiry may lie. rebuildEvery + maxAhead must stay below 1<<genBits.
	rebuildEvery = 16
	maxAhead     = 31
	minSlots     = 64
	// Load after a rebuild, and the load of live plus dead slots that
	// triggers one (percent).
	loadAfterRebuild = 70
	loadMax          = 85
)

type shard struct {
	mu    sync.Mutex
	slots []uint64 // 0: empty; else fingerprint<<6 | expiry generation mod 64
	used  int      // non-empty slots, live or dead
	base  int64    // generation of the last rebuild; every slot expires in (base, base+rebuildEvery+maxAhead]
	_     [64]byte // keep shards' mutexes off one cache line
}

// Store is an in-memory store.NonceStore. It is safe for concurrent use; the
// zero value is not usable, call New. Keys are opaque bytes; callers should
// scope them by signer, e.g. AccessKeyId + "\x00" + SignatureNonce, so one
// client's nonces cannot block another's.
type Store struct {
	seed0, seed1 maphash.Seed
	gran         int64 // nanoseconds
	window       int64 // nanoseconds
	maxSlots     int   // per shard; 0: unbounded
	now          func() time.Time
	shards       [Shards]shard
}

// New returns an empty Store.
func New(opts Options) *Store {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Granularity <= 0 {
		opts.Granularity = DefaultGranularity
	}
	// An expiry at most Window ahead must fall at most maxAhead generations
	// ahead: ceil(Window/g) + 1 <= maxAhead.
	if min := (opts.Window + maxAhead - 2) / (maxAhead - 1); opts.Granularity < min {
		opts.Granularity = min
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{
		seed0:  maphash.MakeSeed(),
		seed1:  maphash.MakeSeed(),
		gran:   int64(opts.Granularity),
		window: int64(opts.Window),
		now:    opts.Now,
	}
	if opts.MaxBytes > 0 {
		s.maxSlots = max(int(opts.MaxBytes/8/Shards), minSlots)
	}
	base := floorDiv(s.now().UnixNano(), s.gran)
	for i := range s.shards {
		s.shards[i].base = base
	}
	return s
}

// Granularity is the width of one expiry generation: a nonce is kept at most
// this long past its expiry.
func (s *Store) Granularity() time.Duration { return time.Duration(s.gran) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// home is the first slot a fingerprinted slot value v probes in a table of n
// slots: the fingerprint's top bits scaled to n, so a table can be rebuilt
// at any size from its slots alone.
func home(v uint64, n int) int {
	hi, _ := bits.Mul64(v&^genMask, uint64(n))
	return int(hi)
}

// live reports whether slot value v (non-zero) has not expired at generation
// cur, decoding its 6-bit generation relative to the shard's base.
func (sh *shard) live(v uint64, cur int64) bool {
	return int64((v-uint64(sh.base))&genMask) > cur-sh.base
}

// UseNonce records key until expires and reports whether it was fresh: false
// when key was recorded before and has not expired. An expiry already past is
// not recorded (fresh unless key is still held from an earlier use). An
// expiry more than Window ahead of now returns an error wrapping ErrTooFar,
// a full shard one wrapping ErrFull; neither records anything. ctx is
// unused: UseNonce does no I/O and only waits for one shard's mutex.
func (s *Store) UseNonce(_ context.Context, key string, expires time.Time) (bool, error) {
	now := s.now().UnixNano()
	exp := expires.UnixNano()
	if exp-now > s.window {
		return false, fmt.Errorf("%w: expires %s after now", ErrTooFar, time.Duration(exp-now))
	}
	fp := maphash.String(s.seed0, key) &^ genMask
	if fp == 0 {
		fp = 1 << genBits // 0 marks an empty slot
	}
	sh := &s.shards[maphash.String(s.seed1, key)%Shards]
	cur := floorDiv(now, s.gran)

	sh.mu.Lock()
	defer sh.mu.Unlock()
	if cur-sh.base >= rebuildEvery {
		sh.rebuild(cur, s.maxSlots, 0)
	}
	if cur < sh.base {
		cur = sh.base // the clock went back: judge by the newest time seen
	}
	free := -1
	if sh.slots != nil {
		n := len(sh.slots)
		for i := home(fp, n); ; {
			v := sh.slots[i]
			if v == 0 {
				if free < 0 {
					free = i
				}
				break
			}
			if !sh.live(v, cur) {
				if free < 0 {
					free = i
				}
			} else if v&^genMask == fp {
				return false, nil
			}
			if i++; i == n {
				i = 0
			}
		}
	}
	if exp <= now {
		return true, nil
	}
	gen := floorDiv(exp-1, s.gran) + 1 // ceil(exp / gran): in (cur, cur+maxAhead]
	if gen <= cur {
		gen = cur + 1 // the clock went back (cur is the newest time seen)
	}
	if free < 0 || sh.slots[free] == 0 && (sh.used+1)*100 > len(sh.slots)*loadMax {
		if !sh.rebuild(cur, s.maxSlots, 1) {
			return false, fmt.Errorf("%w: %d nonces in one of %d shards (MaxBytes)", ErrFull, sh.used, Shards)
		}
		free = sh.place(fp)
	}
	if sh.slots[free] == 0 {
		sh.used++
	}
	sh.slots[free] = fp | uint64(gen)&genMask
	return true, nil
}

// place returns the slot a new fingerprint fp goes to: the first empty or
// dead one of its probe sequence (the shard was just rebuilt, so there are
// no dead ones and fp is absent).
func (sh *shard) place(fp uint64) int {
	n := len(sh.slots)
	i := home(fp, n)
	for sh.slots[i] != 0 {
		if i++; i == n {
			i = 0
		}
	}
	return i
}

// rebuild drops the shard's dead slots at generation cur, sized for its live
// ones plus extra at loadAfterRebuild (bounded by maxSlots when not 0). It
// reports false when the live slots plus extra would not fit under loadMax
// of maxSlots; the shard is rebuilt anyway.
func (sh *shard) rebuild(cur int64, maxSlots, extra int) bool {
	if cur < sh.base {
		cur = sh.base
	}
	live := 0
	for _, v := range sh.slots {
		if v != 0 && sh.live(v, cur) {
			live++
		}
	}
	need := live + extra
	size := max(need*100/loadAfterRebuild+1, minSlots)
	if maxSlots > 0 && size > maxSlots {
		size = maxSlots
	}
	old := sh.slots
	if live == 0 && extra == 0 {
		sh.slots = nil // an idle shard holds nothing
	} else if size != len(old) || live != sh.used {
		sh.slots = make([]uint64, size)
		n := len(sh.slots)
		for _, v := range old {
			if v != 0 && sh.live(v, cur) {
				i := home(v, n)
				for sh.slots[i] != 0 {
					if i++; i == n {
						i = 0
					}
				}
				sh.slots[i] = v
			}
		}
	}
	sh.used, sh.base = live, cur
	return need*100 <= size*loadMax
}

// Len returns the number of live nonces held (it walks every table: for
// tests and diagnostics).
func (s *Store) Len() int {
	now := floorDiv(s.now().UnixNano(), s.gran)
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		cur := max(now, sh.base)
		for _, v := range sh.slots {
			if v != 0 && sh.live(v, cur) {
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// Bytes returns the memory the tables take.
func (s *Store) Bytes() int64 {
	var n int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += int64(len(sh.slots)) * 8
		sh.mu.Unlock()
	}
	return n
}
