package httpfront

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dialFrom connects to addr from a loopback source address.
func dialFrom(t *testing.T, addr string, from net.IP) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: from}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c within wait.
func closedByServer(c net.Conn, wait time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	var b [1]byte
	_, err := c.Read(b[:])
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// roundTrip sends one GET on c and reads the status line.
func roundTrip(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// limitFront is one HTTP front with connection limits: the lean one, or
// net/http through ConnLimiter.
type limitFront struct {
	name  string
	start func(t *testing.T, h http.Handler, l ConnLimits, idle time.Duration) (addr string, stats func() ConnStats)
}

var limitFronts = []limitFront{
	{"lean", func(t *testing.T, h http.Handler, l ConnLimits, idle time.Duration) (string, func() ConnStats) {
		addr, s := start(t, h, func(s *Server) { s.Limits, s.IdleTimeout = l, idle })
		return addr, s.ConnStats
	}},
	{"net/http", func(t *testing.T, h http.Handler, l ConnLimits, idle time.Duration) (string, func() ConnStats) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cl := NewConnLimiter(l, idle, 20*time.Second)
		s := &http.Server{Handler: h, IdleTimeout: idle, ConnState: cl.ConnState}
		go func() { _ = s.Serve(cl.Listener(ln)) }()
		t.Cleanup(func() { s.Close(); cl.Close() })
		return ln.Addr().String(), cl.Stats
	}},
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestConnLimitsPerAddress: a client address holds at most MaxPerAddr
// connections; the next is closed at once, another address is served.
func TestConnLimitsPerAddress(t *testing.T) {
	for _, f := range limitFronts {
		t.Run(f.name, func(t *testing.T) {
			addr, stats := f.start(t, echo, ConnLimits{MaxPerAddr: 3}, time.Minute)
			a := net.ParseIP("127.0.0.2")
			for range 3 {
				dialFrom(t, addr, a)
			}
			waitFor(t, "3 connections", func() bool { return stats().Open == 3 })
			extra := dialFrom(t, addr, a)
			if !closedByServer(extra, 5*time.Second) {
				t.Fatal("a 4th connection from one address was not closed")
			}
			if got := roundTrip(t, dialFrom(t, addr, net.ParseIP("127.0.0.3"))); got != "HTTP/1.1 200 OK" {
				t.Fatalf("another address: %q", got)
			}
			if s := stats(); s.Rejected != 1 {
				t.Fatalf("stats %+v, want 1 rejected", s)
			}
		})
	}
}

// TestConnLimitsEvictWaiting: at Max, a new connection closes the
// longest-waiting connection that holds no request; a connection whose
// request is being served is never closed; when every connection is busy,
// the new one is refused.
func TestConnLimitsEvictWaiting(t *testing.T) {
	for _, f := range limitFronts {
		t.Run(f.name, func(t *testing.T) {
			release := make(chan struct{})
			var busy atomic.Int32
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					busy.Add(1)
					<-release
				}
				w.WriteHeader(200)
			})
			defer close(release)
			addr, stats := f.start(t, h, ConnLimits{Max: 4}, time.Minute)
			lo := net.ParseIP("127.0.0.1")
			// Two busy connections, then two idle ones (oldest first).
			for range 2 {
				c := dialFrom(t, addr, lo)
				_, _ = io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
			}
			waitFor(t, "2 busy requests", func() bool { return busy.Load() == 2 })
			idle1 := dialFrom(t, addr, lo)
			roundTrip(t, idle1)
			time.Sleep(20 * time.Millisecond)
			idle2 := dialFrom(t, addr, lo)
			roundTrip(t, idle2)
			// The front marks a connection waiting once it has written
			// the answer (net/http: ConnState Idle), a moment after the
			// client read it.
			waitFor(t, "4 connections, 2 waiting", func() bool { s := stats(); return s.Open == 4 && s.Waiting == 2 })
			// A fifth evicts idle1, the longest waiting.
			fifth := dialFrom(t, addr, lo)
			if !closedByServer(idle1, 5*time.Second) {
				t.Fatal("the longest-waiting idle connection was not evicted")
			}
			if got := roundTrip(t, fifth); got != "HTTP/1.1 200 OK" {
				t.Fatalf("new connection at the limit: %q", got)
			}
			waitFor(t, "idle2 and the fifth waiting", func() bool { s := stats(); return s.Open == 4 && s.Waiting == 2 })
			// Now idle2 and fifth wait; two more evict them; then every
			// connection is busy and the next is refused.
			for range 2 {
				c := dialFrom(t, addr, lo)
				_, _ = io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
			}
			waitFor(t, "4 busy requests", func() bool { return busy.Load() == 4 })
			refused := dialFrom(t, addr, lo)
			if !closedByServer(refused, 5*time.Second) {
				t.Fatal("a connection beyond the limit with every connection busy was not refused")
			}
			if busy.Load() != 4 {
				t.Fatal("a busy request was cut short")
			}
			if s := stats(); s.Evictions < 3 || s.Rejected < 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

// TestConnLimitsIdleShrinks: above half of Max the idle timeout shrinks
// toward MinIdle, so waiting connections are shed before any is refused;
// below half nothing is shed (the timing of the shrink itself is checked
// on the governor, TestGovernorShrink).
func TestConnLimitsIdleShrinks(t *testing.T) {
	for _, f := range limitFronts {
		t.Run(f.name, func(t *testing.T) {
			addr, stats := f.start(t, echo, ConnLimits{Max: 10, MinIdle: 200 * time.Millisecond}, time.Hour)
			lo := net.ParseIP("127.0.0.1")
			var cs []net.Conn
			for range 10 { // load 1: the idle timeout is MinIdle
				cs = append(cs, dialFrom(t, addr, lo))
			}
			shed := 0
			for deadline := time.Now().Add(5 * time.Second); shed == 0 && time.Now().Before(deadline); {
				for _, c := range cs {
					if closedByServer(c, 20*time.Millisecond) {
						shed++
					}
				}
			}
			if shed == 0 {
				t.Fatalf("no idle connection shed at full pressure (stats %+v)", stats())
			}
			for _, c := range cs {
				c.Close()
			}
			waitFor(t, "no connections", func() bool { return stats().Open == 0 })
			if got := stats().IdleTimeout; got != time.Hour {
				t.Fatalf("idle timeout without load %v, want the server's 1h", got)
			}
			// Below half of Max nothing is shed.
			quiet := dialFrom(t, addr, lo)
			if closedByServer(quiet, 600*time.Millisecond) {
				t.Fatal("an idle connection was closed without pressure")
			}
		})
	}
}

// TestGovernorShrink: the idle timeout at each load, and a sweep sheds the
// waiting connections older than it (those whose request header is late
// too), never a busy one.
func TestGovernorShrink(t *testing.T) {
	g := newGovernor(ConnLimits{Max: 10, MinIdle: time.Second}, 11*time.Second, 3*time.Second)
	t0 := time.Unix(1e9, 0)
	var ts []*tracked
	for i := range 10 {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		tr, ok := g.admit(a, t0)
		if !ok {
			t.Fatalf("admit %d refused", i)
		}
		ts = append(ts, tr)
	}
	g.mu.Lock()
	full := g.idleTimeout()
	g.mu.Unlock()
	if full != time.Second {
		t.Fatalf("idle timeout at full load %v, want MinIdle", full)
	}
	// At load 1 (timeout 1 s), 1.5 s after t0.
	ts[0].set(connBusy, t0)                              // a request: never shed
	ts[1].set(connHeader, t0.Add(-time.Hour))            // a header 1 h late: shed
	ts[2].set(connWaiting, t0.Add(500*time.Millisecond)) // waiting 0.5 s: kept
	g.sweep(t0.Add(1500 * time.Millisecond))             // load 1: timeout 1 s
	for i, want := range []int32{connBusy, connEvicted, connWaiting, connEvicted} {
		if got := ts[i].state.Load(); got != want {
			t.Fatalf("after the sweep, connection %d is in state %d, want %d", i, got, want)
		}
	}
	st := g.stats()
	if st.Evicted != 8 || st.Waiting != 1 || st.Evictions != 8 {
		t.Fatalf("stats %+v, want 8 evicted, 1 waiting", st)
	}
	// The evicted ones leave; 2 open (load 0.2): the server's timeout.
	for _, tr := range ts[1:] {
		if tr.state.Load() == connEvicted {
			g.release(tr)
		}
	}
	g.mu.Lock()
	low := g.idleTimeout()
	g.mu.Unlock()
	if low != 11*time.Second {
		t.Fatalf("idle timeout at load 0.2 %v, want 11s", low)
	}
	// Load 0.75 (3 of 4 places kept by Max 4): 11 s - 10 s * 0.5 = 6 s.
	g.lim.Max = 4
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	if _, ok := g.admit(a, t0); !ok {
		t.Fatal("admit refused")
	}
	g.mu.Lock()
	mid := g.idleTimeout()
	g.mu.Unlock()
	if mid != 6*time.Second {
		t.Fatalf("idle timeout at load 0.75 %v, want 6s", mid)
	}
}
