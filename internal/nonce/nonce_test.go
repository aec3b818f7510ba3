package nonce

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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

func TestGenerationsDropped(t *testing.T) {
	clk := &fakeClock{t: t0}
	s := New(Options{Now: clk.Now, Shards: 1, Granularity: time.Minute, Window: 10 * time.Minute})
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
	use(t, s, "c", clk.Now().Add(time.Minute)) // touches the only shard: drops the a* generation
	if n := s.Len(); n != 501 {
		t.Fatalf("Len after the first generation ended = %d, want 501", n)
	}
	clk.Add(10 * time.Minute)
	use(t, s, "d", clk.Now()) // expired on arrival: drops everything, stores nothing
	if n := s.Len(); n != 0 {
		t.Fatalf("Len after all ended = %d, want 0", n)
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
	s := New(Options{Now: clk.Now, Shards: 4})
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
// (constant traffic for 40 simulated minutes, 15-minute expiry, so every live
// generation was sized from its predecessor) and fails if it leaves the range
// the package comment documents.
func TestBytesPerNonce(t *testing.T) {
	perMinute, limit := 20_000, 32.0
	if testing.Short() {
		// Tables of ~60 slots: the 16 spare slots and size classes weigh more.
		perMinute, limit = 4_000, 40
	}
	clk := &fakeClock{t: t0}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New(Options{Now: clk.Now})
	step := time.Minute / time.Duration(perMinute)
	for i := range 40 * perMinute {
		use(t, s, fmt.Sprintf("LTAI5tExampleAccessKey01|%032x", i), clk.Now().Add(15*time.Minute))
		clk.Add(step)
	}
	for i := range s.shards { // let every shard drop its ended generations
		s.shards[i].mu.Lock()
		for j := range s.shards[i].gens {
			if g := &s.shards[i].gens[j]; g.set != nil && g.id <= floorDiv(clk.Now().UnixNano(), s.gran) {
				s.shards[i].drop(g)
			}
		}
		s.shards[i].mu.Unlock()
	}
	live := s.Len()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(live)
	t.Logf("%d live nonces: %.1f bytes per nonce", live, per)
	if want := 15 * perMinute; live < want || live > want+3*perMinute {
		t.Fatalf("live = %d, want 15-18 minutes of traffic (%d-%d)", live, want, want+3*perMinute)
	}
	if per < 16 || per > limit {
		t.Fatalf("%.1f bytes per nonce, outside the documented 16-%.0f", per, limit)
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
