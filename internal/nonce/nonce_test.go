package nonce

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 26, 4, 35, 9, 0, time.UTC)

func use(t *testing.T, s *Store, key string, exp time.Time) bool {
	t.Helper()
	fresh, err := s.UseNonce(context.Background(), key, exp)
	if err != nil {
		t.Fatalf("UseNonce(%q): %v", key, err)
	}
	return fresh
}

func TestReplayAndExpiry(t *testing.T) {
	type step struct {
		advance time.Duration // clock moves first
		key     string
		ttl     time.Duration // expires = clock after advance + ttl
		want    bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"fresh then replay", []step{{0, "ak|n1", 15 * time.Minute, true}, {0, "ak|n1", 15 * time.Minute, false}, {0, "ak|n2", 15 * time.Minute, true}}},
		{"keys are exact", []step{{0, "ak|n", time.Minute, true}, {0, "ak|N", time.Minute, true}, {0, "ak|n ", time.Minute, true}, {0, "", time.Minute, true}, {0, "", time.Minute, false}}},
		{"still held just before expiry", []step{{0, "k", 15 * time.Minute, true}, {15*time.Minute - time.Nanosecond, "k", time.Minute, false}}},
		{"forgotten one granularity after expiry", []step{{0, "k", 15 * time.Minute, true}, {15*time.Minute + 2*time.Minute, "k", time.Minute, true}}},
		{"replay re-use does not extend", []step{{0, "k", 5 * time.Minute, true}, {4 * time.Minute, "k", 20 * time.Minute, false}, {3*time.Minute + 2*time.Minute, "k", time.Minute, true}}},
		{"past expiry is fresh and not kept", []step{{0, "k", -time.Second, true}, {0, "k", -time.Second, true}, {0, "k", time.Minute, true}, {0, "k", -time.Second, false}}},
		{"zero ttl not kept", []step{{0, "k", 0, true}, {0, "k", 0, true}}},
		{"full window", []step{{0, "k", 30 * time.Minute, true}, {29 * time.Minute, "k", time.Minute, false}, {3 * time.Minute, "k", time.Minute, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{t: t0}
			s := New(Options{Now: clk.Now})
			for i, st := range tc.steps {
				clk.Add(st.advance)
				if got := use(t, s, st.key, clk.Now().Add(st.ttl)); got != st.want {
					t.Fatalf("step %d (%q): fresh = %v, want %v", i, st.key, got, st.want)
				}
			}
		})
	}
}

func TestTooFar(t *testing.T) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now, Window: 10 * time.Minute})
	fresh, err := s.UseNonce(context.Background(), "k", t0.Add(10*time.Minute+time.Second))
	if !errors.Is(err, ErrTooFar) || fresh {
		t.Fatalf("UseNonce beyond window = %v, %v; want false, ErrTooFar", fresh, err)
	}
	if n := s.Len(); n != 0 {
		t.Fatalf("Len = %d after a refused nonce, want 0", n)
	}
	if !use(t, s, "k", t0.Add(10*time.Minute)) {
		t.Fatalf("nonce at exactly the window refused")
	}
}

// TestDeadSlotsDropped: slots of ended generations stop counting at once and
// are dropped by the next rebuild of their shard.
func TestDeadSlotsDropped(t *testing.T) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now, Granularity: time.Minute, Window: 10 * time.Minute})
	for i := range 1000 {
		use(t, s, fmt.Sprint("a", i), clk.Now().Add(2*time.Minute))
	}
	for i := range 500 {
		use(t, s, fmt.Sprint("b", i), clk.Now().Add(8*time.Minute))
	}
	if n := s.Len(); n != 1500 {
		t.Fatalf("Len = %d, want 1500", n)
	}
	clk.Add(3 * time.Minute)
	if n := s.Len(); n != 500 {
		t.Fatalf("Len after the first generation ended = %d, want 500", n)
	}
	for i := range 1000 { // the a* nonces are forgotten: fresh again
		if !use(t, s, fmt.Sprint("a", i), clk.Now().Add(time.Minute)) {
			t.Fatalf("a%d still held after its expiry", i)
		}
	}
	clk.Add(20 * time.Minute)
	use(t, s, "d", clk.Now()) // expired on arrival: stores nothing
	if n := s.Len(); n != 0 {
		t.Fatalf("Len after all ended = %d, want 0", n)
	}
	for i := range s.shards { // a rebuild is due in every shard
		s.shards[i].mu.Lock()
		s.shards[i].rebuild(floorDiv(clk.Now().UnixNano(), s.gran), 0, 0)
		s.shards[i].mu.Unlock()
	}
	if b := s.Bytes(); b != 0 {
		t.Fatalf("Bytes after every shard was rebuilt empty = %d, want 0", b)
	}
}

// TestLongIdle: a shard left alone for hours (its 6-bit generations have
// wrapped many times) neither refuses a fresh nonce nor forgets a live one.
func TestLongIdle(t *testing.T) {
	for _, idle := range []time.Duration{17 * time.Minute, 33 * time.Minute, 47 * time.Minute, 64 * time.Minute, 65 * time.Minute, 5*time.Hour + 7*time.Minute} {
		t.Run(idle.String(), func(t *testing.T) {
			clk := &fakeClock{t: t0}
			s := New(Options{Now: clk.Now})
			for i := range 2000 {
				use(t, s, fmt.Sprint("old", i), clk.Now().Add(time.Duration(1+i%30)*time.Minute))
			}
			clk.Add(idle)
			for i := range 2000 {
				wantFresh := time.Duration(1+i%30)*time.Minute+time.Minute <= idle
				if got := use(t, s, fmt.Sprint("old", i), clk.Now().Add(time.Minute)); wantFresh && !got {
					t.Fatalf("old%d (expired %v before) refused", i, idle-time.Duration(1+i%30)*time.Minute)
				}
			}
			for i := range 2000 {
				if !use(t, s, fmt.Sprint("new", i), clk.Now().Add(15*time.Minute)) {
					t.Fatalf("new%d refused after %v idle", i, idle)
				}
			}
			for i := range 2000 {
				if use(t, s, fmt.Sprint("new", i), clk.Now().Add(15*time.Minute)) {
					t.Fatalf("new%d replay accepted", i)
				}
			}
		})
	}
}

// TestNeverEarly: under steady traffic with rebuilds, every nonce is held
// until its expiry and forgotten no more than one Granularity after.
func TestNeverEarly(t *testing.T) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now})
	type rec struct {
		key string
		exp time.Time
	}
	var held []rec
	for step := range 90 { // 90 minutes, 600 nonces a minute
		for i := range 600 {
			k := fmt.Sprintf("k%d-%d", step, i)
			exp := clk.Now().Add(time.Duration(1+(i*7)%29) * time.Minute)
			if !use(t, s, k, exp) {
				t.Fatalf("fresh %s refused", k)
			}
			held = append(held, rec{k, exp})
		}
		clk.Add(time.Minute)
		now := clk.Now()
		kept := held[:0]
		for _, r := range held {
			switch {
			case now.Before(r.exp):
				if use(t, s, r.key, r.exp) {
					t.Fatalf("minute %d: %s forgotten %v before its expiry", step, r.key, r.exp.Sub(now))
				}
				kept = append(kept, r)
			case now.Sub(r.exp) >= s.Granularity():
				if !use(t, s, r.key, now.Add(time.Second)) {
					t.Fatalf("minute %d: %s still held %v after its expiry", step, r.key, now.Sub(r.exp))
				}
			default:
				kept = append(kept, r)
			}
		}
		held = kept
	}
}

// TestClockBack: a clock that goes back never makes a held nonce fresh.
func TestClockBack(t *testing.T) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now})
	for i := range 500 {
		use(t, s, fmt.Sprint("k", i), clk.Now().Add(10*time.Minute))
	}
	clk.Add(-2 * time.Hour)
	for i := range 500 {
		if use(t, s, fmt.Sprint("k", i), clk.Now().Add(10*time.Minute)) {
			t.Fatalf("k%d fresh after the clock went back", i)
		}
		if !use(t, s, fmt.Sprint("b", i), clk.Now().Add(5*time.Minute)) {
			t.Fatalf("b%d refused after the clock went back", i)
		}
	}
	clk.Add(2*time.Hour + 12*time.Minute)
	for i := range 500 {
		if !use(t, s, fmt.Sprint("k", i), clk.Now().Add(time.Minute)) {
			t.Fatalf("k%d held past its expiry", i)
		}
	}
}

// TestMaxBytes: with a bound, the tables never exceed it; a full shard
// refuses new nonces with ErrFull (and replays as before), and takes new ones
// again once old ones expire.
func TestMaxBytes(t *testing.T) {
	clk := &fakeClock{t: t0}
	const max = 256 * 1024 // 128 slots a shard
	s := New(Options{Now: clk.Now, MaxBytes: max})
	full, fresh := 0, 0
	for i := range 40_000 {
		ok, err := s.UseNonce(context.Background(), fmt.Sprint("k", i), clk.Now().Add(5*time.Minute))
		switch {
		case errors.Is(err, ErrFull):
			full++
		case err != nil:
			t.Fatal(err)
		case !ok:
			t.Fatalf("k%d refused as used", i)
		default:
			fresh++
		}
		if b := s.Bytes(); b > max {
			t.Fatalf("Bytes = %d after %d nonces, over MaxBytes %d", b, i+1, max)
		}
	}
	if full == 0 || fresh < Shards*128*8/10 {
		t.Fatalf("%d fresh, %d full: want the shards filled to about 85 %% and the rest refused", fresh, full)
	}
	if ok, err := s.UseNonce(context.Background(), "k0", clk.Now().Add(5*time.Minute)); ok || err != nil {
		t.Fatalf("replay of a held nonce in a full store = %v, %v; want false, nil", ok, err)
	}
	clk.Add(6 * time.Minute)
	for i := range 5000 {
		if ok, err := s.UseNonce(context.Background(), fmt.Sprint("later", i), clk.Now().Add(5*time.Minute)); !ok || err != nil {
			t.Fatalf("later%d after the old nonces expired = %v, %v; want true, nil", i, ok, err)
		}
	}
}

func TestBeforeEpoch(t *testing.T) {
	clk := &fakeClock{t: time.Unix(-90, 0)}
	s := New(Options{Now: clk.Now, Granularity: time.Minute, Window: 5 * time.Minute})
	for i := range 8 {
		if !use(t, s, fmt.Sprint(i), clk.Now().Add(time.Duration(i)*30*time.Second+time.Second)) {
			t.Fatalf("nonce %d not fresh", i)
		}
	}
	for i := range 8 {
		if use(t, s, fmt.Sprint(i), clk.Now().Add(time.Minute)) {
			t.Fatalf("nonce %d replay not detected across the epoch", i)
		}
	}
}

// TestConcurrent: many goroutines race on overlapping keys; each key is
// fresh exactly once. Run with -race.
func TestConcurrent(t *testing.T) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now})
	const keys, workers = 2000, 8
	var fresh [keys]atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range keys {
				k := (i + w*251) % keys
				ok, err := s.UseNonce(context.Background(), fmt.Sprint("ak|", k), clk.Now().Add(15*time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					fresh[k].Add(1)
				}
				if i%500 == 0 {
					clk.Add(time.Second)
				}
			}
		})
	}
	wg.Wait()
	for k := range fresh {
		if n := fresh[k].Load(); n != 1 {
			t.Fatalf("key %d fresh %d times, want 1", k, n)
		}
	}
	if n := s.Len(); n != keys {
		t.Fatalf("Len = %d, want %d", n, keys)
	}
}

// TestBytesPerNonce measures the heap cost of one live nonce in steady state
// (constant traffic for 40 simulated minutes, 15-minute expiries, so every
// shard has been rebuilt under that load) and fails if it leaves the range
// the package comment documents.
func TestBytesPerNonce(t *testing.T) {
	perMinute := 40_000 // ~2 400 live nonces a shard
	if v, err := strconv.Atoi(os.Getenv("VPCVPN_NONCE_PER_MINUTE")); err == nil && v > 0 {
		perMinute = v // e.g. 1200000: the 20 000 requests/s of docs/PERFORMANCE.md
	}
	clk := &fakeClock{t: t0}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New(Options{Now: clk.Now})
	step := time.Minute / time.Duration(perMinute)
	peak := int64(0)
	for i := range 40 * perMinute {
		use(t, s, fmt.Sprintf("LTAI5tExampleAccessKey01\x00%032x", i), clk.Now().Add(15*time.Minute))
		clk.Add(step)
		if i%perMinute == 0 && i >= 20*perMinute {
			peak = max(peak, s.Bytes())
		}
	}
	live := s.Len()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc - before.HeapAlloc)
	// The documented bound: 8/0.7 bytes per nonce held at most, i.e. the
	// request rate times the expiry delay plus one granularity.
	bound := 8 / 0.7 * float64(16*perMinute)
	t.Logf("%d live nonces: heap %.1f MB, %.1f bytes per live nonce; tables at most %.1f MB in the last 20 minutes; bound %.1f MB",
		live, heap/1e6, heap/float64(live), float64(peak)/1e6, bound/1e6)
	if want := 15 * perMinute; live < want || live > want+perMinute {
		t.Fatalf("live = %d, want 15-16 minutes of traffic (%d-%d)", live, want, want+perMinute)
	}
	if heap > bound*1.03 || float64(peak) > bound {
		t.Fatalf("heap %.1f MB (tables at most %.1f MB) over the documented bound %.1f MB", heap/1e6, float64(peak)/1e6, bound/1e6)
	}
	if per := heap / float64(live); per < 8 {
		t.Fatalf("%.1f bytes per nonce: below one slot each, the measurement is wrong", per)
	}
	runtime.KeepAlive(s)
}

// BenchmarkUseNonce: fresh nonces against a standing population of 1M, from
// parallel goroutines (the server's shape).
func BenchmarkUseNonce(b *testing.B) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now})
	// A realistic standing population: 1M nonces over 15 generations.
	for i := range 1_000_000 {
		s.UseNonce(context.Background(), fmt.Sprintf("pre|%d", i), clk.Now().Add(time.Duration(i%15+1)*time.Minute))
	}
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = fmt.Sprintf("LTAI5tExampleAccessKey01|%032x", i)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := keys[next.Add(1)-1]
			if ok, err := s.UseNonce(context.Background(), k, t0.Add(15*time.Minute)); !ok || err != nil {
				b.Fatal("not fresh", err)
			}
		}
	})
}
