// Package nonce is the in-memory replay store of single-node mode: it
// implements store.NonceStore by remembering a fixed-size keyed digest of
// every signature nonce until it expires.
//
// # Layout
//
// A key is reduced to a 128-bit digest (two independently seeded
// hash/maphash values; the seeds are random per Store, so clients cannot aim
// collisions at each other; two distinct keys share a digest with probability
// about n/2^128). Digests live in Shards shards, each with its own mutex, and
// inside a shard in time generations of width Granularity: a nonce expiring
// at t goes into the generation covering t (rounded up), and a generation is
// dropped whole (one slice released, no per-entry work) once its end has
// passed. A nonce is therefore never forgotten early, and kept at most one
// Granularity late. Each generation is an insert-only open-addressing table:
// one pointer-free []([2]uint64) slice that the garbage collector never scans,
// sized from the previous generation of its shard to stay under 3/4 full.
//
// # Memory
//
// One nonce costs 16 bytes divided by the table load (0.66 typically, up to
// 0.75; 0.375 right after a table doubles because traffic grew), plus size
// class rounding: about 29 bytes per live nonce in steady state, as
// TestBytesPerNonce measures. Live nonces = request rate x (expiry delay +
// up to one Granularity), so with the default 2-minute granularity:
//
//	20 000 req/s, nonces kept 15 min: ~19M nonces, ~560 MB
//	20 000 req/s, nonces kept 30 min: ~37M nonces, ~1.1 GB
//	 1 000 req/s, nonces kept 15 min: ~1M nonces,  ~28 MB
//
// Keep nonces only as long as their timestamp would still be accepted: that
// is the whole replay window, and memory is linear in it.
//
// # Cost
//
// UseNonce hashes the key twice, takes one shard lock and probes every live
// generation of that shard (at most Window/Granularity + 1: 16 with the
// defaults), each a short linear probe in one table.
package nonce

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

var _ store.NonceStore = (*Store)(nil)

// Defaults used for zero Options fields.
const (
	DefaultWindow      = 30 * time.Minute
	DefaultGranularity = 2 * time.Minute
	DefaultShards      = 64
)

// ErrTooFar is wrapped by UseNonce's error when expires lies further ahead
// than the Store's Window: the Store could not keep the nonce that long.
var ErrTooFar = errors.New("nonce: expiry beyond the replay window")

// Options configures a Store. Zero fields take the defaults.
type Options struct {
	// Window is the longest time ahead of now an expiry may lie (default
	// DefaultWindow). It bounds the number of generations, hence both memory
	// and the cost of a lookup.
	Window time.Duration
	// Granularity is the width of one generation (default
	// DefaultGranularity). Smaller: less memory kept past expiry, more
	// generations to probe per lookup.
	Granularity time.Duration
	// Shards is the number of independently locked shards, rounded up to a
	// power of two (default DefaultShards).
	Shards int
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
}

type digest [2]uint64

// generation holds the digests whose expiry lies in ((id-1)*g, id*g].
type generation struct {
	id  int64
	set *table
}

// table is an insert-only open-addressing hash set of digests with linear
// probing: one pointer-free slice, 16 bytes a slot, the all-zero digest
// marking an empty slot (a zero digest is stored as {0, 1}). Any size works
// (the home slot is the high word of d[1]*len), so a table sized from the
// previous generation sits near its 3/4 load limit. It never deletes: a
// generation is dropped whole.
type table struct {
	slots []digest
	n     int
}

// newTable returns a table that holds hint digests, plus 1/8, without growing.
func newTable(hint int) *table {
	return &table{slots: make([]digest, (hint+hint/8)*4/3+16)}
}

func (t *table) home(d digest) int {
	hi, _ := bits.Mul64(d[1], uint64(len(t.slots)))
	return int(hi)
}

// contains reports whether d (non-zero) is in t.
func (t *table) contains(d digest) bool {
	for i := t.home(d); ; {
		switch t.slots[i] {
		case d:
			return true
		case digest{}:
			return false
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

// add inserts d (non-zero, known absent), doubling t past 3/4 full.
func (t *table) add(d digest) {
	if (t.n+1)*4 > len(t.slots)*3 {
		old := t.slots
		t.slots = make([]digest, 2*len(old))
		for _, x := range old {
			if x != (digest{}) {
				t.place(x)
			}
		}
	}
	t.place(d)
	t.n++
}

func (t *table) place(d digest) {
	i := t.home(d)
	for t.slots[i] != (digest{}) {
		if i++; i == len(t.slots) {
			i = 0
		}
	}
	t.slots[i] = d
}

type shard struct {
	mu       sync.Mutex
	gens     []generation // indexed by id mod len(gens)
	lastSize int          // size of the last generation dropped: a sizing hint
	_        [64]byte     // keep shards' mutexes off one cache line
}

// Store is an in-memory store.NonceStore. It is safe for concurrent use; the
// zero value is not usable, call New. Keys are opaque bytes; callers should
// scope them by signer, e.g. AccessKeyId + "\x00" + SignatureNonce, so one
// client's nonces cannot block another's.
type Store struct {
	seed0, seed1 maphash.Seed
	gran         int64 // nanoseconds
	window       int64 // nanoseconds
	now          func() time.Time
	mask         uint64
	shards       []shard
}

// New returns an empty Store.
func New(opts Options) *Store {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Granularity <= 0 {
		opts.Granularity = DefaultGranularity
	}
	if opts.Granularity > opts.Window {
		opts.Granularity = opts.Window
	}
	if opts.Shards <= 0 {
		opts.Shards = DefaultShards
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := 1
	for n < opts.Shards {
		n <<= 1
	}
	g := int64(opts.Granularity)
	// Live generation ids lie in (cur, cur+ceil(window/g)+1]; two spare
	// slots keep them distinct modulo len(gens).
	gens := int((int64(opts.Window)+g-1)/g) + 2
	s := &Store{
		seed0:  maphash.MakeSeed(),
		seed1:  maphash.MakeSeed(),
		gran:   g,
		window: int64(opts.Window),
		now:    opts.Now,
		mask:   uint64(n - 1),
		shards: make([]shard, n),
	}
	for i := range s.shards {
		s.shards[i].gens = make([]generation, gens)
	}
	return s
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// UseNonce records key until expires and reports whether it was fresh: false
// when key was recorded before and has not expired. An expiry already past is
// not recorded (fresh unless key is still held from an earlier use). An
// expiry more than Window ahead of now returns an error wrapping ErrTooFar
// and records nothing. ctx is unused: UseNonce does no I/O and only waits for
// one shard's mutex.
func (s *Store) UseNonce(_ context.Context, key string, expires time.Time) (bool, error) {
	now := s.now().UnixNano()
	exp := expires.UnixNano()
	if exp-now > s.window {
		return false, fmt.Errorf("%w: expires %s after now", ErrTooFar, time.Duration(exp-now))
	}
	d := digest{maphash.String(s.seed0, key), maphash.String(s.seed1, key)}
	if d == (digest{}) {
		d[1] = 1 // zero marks an empty slot
	}
	sh := &s.shards[d[0]&s.mask]
	cur := floorDiv(now, s.gran) // generations with id <= cur have ended

	sh.mu.Lock()
	defer sh.mu.Unlock()
	for i := range sh.gens {
		g := &sh.gens[i]
		if g.set == nil {
			continue
		}
		if g.id <= cur {
			sh.drop(g)
			continue
		}
		if g.set.contains(d) {
			return false, nil
		}
	}
	if exp <= now {
		return true, nil
	}
	id := floorDiv(exp-1, s.gran) + 1 // ceil(exp / gran)
	r := int64(len(sh.gens))
	g := &sh.gens[(id%r+r)%r]
	if g.id != id {
		if g.set != nil { // unreachable: the slot's old generation ended
			sh.drop(g)
		}
		g.id = id
	}
	if g.set == nil {
		g.set = newTable(sh.lastSize)
	}
	g.set.add(d)
	return true, nil
}

func (sh *shard) drop(g *generation) {
	sh.lastSize = g.set.n
	g.set = nil
}

// Len returns the number of digests held, including those of generations that
// have ended but not yet been dropped (a shard drops them on its next use).
func (s *Store) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, g := range sh.gens {
			if g.set != nil {
				n += g.set.n
			}
		}
		sh.mu.Unlock()
	}
	return n
}
