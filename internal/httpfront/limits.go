package httpfront

import (
	"cmp"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ConnLimits bounds the connections a server holds, so that idle or slow
// connections cannot exhaust its file descriptors or memory:
//
//   - a connection from a client address that holds MaxPerAddr already is
//     closed as soon as it is accepted (an IPv6 address counts as its /64);
//   - when Max connections are open, a new one evicts the longest-waiting
//     connections that hold no request (idle keep-alive connections, new
//     connections that sent nothing, and, with the lean front, connections
//     still sending their request header); when there is none to evict, the
//     new connection is closed;
//   - above half of Max, the idle timeout shrinks linearly from the
//     server's IdleTimeout to MinIdle at Max (and bounds the wait for a
//     request header likewise), so that pressure sheds waiting connections
//     before it refuses new ones.
//
// A request being served is never cut short by these limits.
type ConnLimits struct {
	// Max bounds the open connections; 0 means no bound.
	Max int
	// MaxPerAddr bounds the open connections of one client address; 0
	// means no bound.
	MaxPerAddr int
	// MinIdle is the idle timeout at full pressure; 0 means 1 s.
	MinIdle time.Duration
}

func (l ConnLimits) enabled() bool { return l.Max > 0 || l.MaxPerAddr > 0 }

func (l ConnLimits) minIdle() time.Duration { return orDefault(l.MinIdle, time.Second) }

// Connection states as the governor sees them.
const (
	connWaiting int32 = iota // no request: new, or idle between requests
	connHeader               // a request header is arriving (lean front)
	connBusy                 // a request is being read (body) or served
	connEvicted              // closed by the governor, not yet released
)

// governor applies ConnLimits to the connections of one server.
type governor struct {
	lim    ConnLimits
	idle   time.Duration // the server's idle timeout
	header time.Duration // the server's bound on reading a request

	mu      sync.Mutex
	conns   map[*tracked]struct{}
	perAddr map[netip.Addr]int
	evicted int // conns marked connEvicted, still in conns

	rejected  atomic.Uint64
	evictions atomic.Uint64
}

// tracked is one connection the governor accounts for.
type tracked struct {
	key   netip.Addr
	nc    net.Conn
	state atomic.Int32
	since atomic.Int64 // UnixNano when state began
	done  atomic.Bool
}

func newGovernor(l ConnLimits, idle, header time.Duration) *governor {
	return &governor{lim: l, idle: idle, header: header, conns: map[*tracked]struct{}{}, perAddr: map[netip.Addr]int{}}
}

// addrKey is the accounting key of a connection's client address.
func addrKey(a net.Addr) netip.Addr {
	var ip netip.Addr
	switch v := a.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(v.IP)
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// set moves t to state s as of now, unless the governor evicted it
// (false: the connection is being closed, serve nothing more on it).
func (t *tracked) set(s int32, now time.Time) bool {
	if t == nil {
		return true
	}
	for {
		cur := t.state.Load()
		if cur == connEvicted {
			return false
		}
		if t.state.CompareAndSwap(cur, s) {
			t.since.Store(now.UnixNano())
			return true
		}
	}
}

// evict marks t evicted if it holds no request; false if it does (or was
// evicted already).
func (t *tracked) evict() bool {
	s := t.state.Load()
	return (s == connWaiting || s == connHeader) && t.state.CompareAndSwap(s, connEvicted)
}

// admit accounts for a newly accepted connection; false means it must be
// closed at once. At Max it first evicts waiting connections.
func (g *governor) admit(nc net.Conn, now time.Time) (*tracked, bool) {
	t := &tracked{key: addrKey(nc.RemoteAddr()), nc: nc}
	t.since.Store(now.UnixNano())
	var victims []*tracked
	g.mu.Lock()
	if g.lim.MaxPerAddr > 0 && g.perAddr[t.key] >= g.lim.MaxPerAddr {
		g.mu.Unlock()
		g.rejected.Add(1)
		return nil, false
	}
	if g.lim.Max > 0 && len(g.conns)-g.evicted >= g.lim.Max {
		victims = g.oldestWaiting(max(1, g.lim.Max/64), now, 0)
		if len(victims) == 0 {
			g.mu.Unlock()
			g.rejected.Add(1)
			return nil, false
		}
	}
	g.conns[t] = struct{}{}
	g.perAddr[t.key]++
	g.mu.Unlock()
	g.close(victims)
	return t, true
}

// release forgets a closed connection (once).
func (g *governor) release(t *tracked) {
	if t == nil || t.done.Swap(true) {
		return
	}
	g.mu.Lock()
	delete(g.conns, t)
	if n := g.perAddr[t.key] - 1; n > 0 {
		g.perAddr[t.key] = n
	} else {
		delete(g.perAddr, t.key)
	}
	if t.state.Load() == connEvicted {
		g.evicted--
	}
	g.mu.Unlock()
}

// oldestWaiting marks for eviction and returns up to n connections that
// hold no request, the longest waiting first, among those waiting for more
// than minAge. Called with mu held.
func (g *governor) oldestWaiting(n int, now time.Time, minAge time.Duration) []*tracked {
	var cands []*tracked
	limit := now.Add(-minAge).UnixNano()
	for t := range g.conns {
		if s := t.state.Load(); (s == connWaiting || s == connHeader) && t.since.Load() <= limit {
			cands = append(cands, t)
		}
	}
	if len(cands) > n {
		slices.SortFunc(cands, func(a, b *tracked) int { return cmp.Compare(a.since.Load(), b.since.Load()) })
		cands = cands[:n]
	}
	out := cands[:0]
	for _, t := range cands {
		if t.evict() {
			out = append(out, t)
		}
	}
	g.evicted += len(out)
	return out
}

func (g *governor) close(victims []*tracked) {
	for _, t := range victims {
		_ = t.nc.Close()
	}
	g.evictions.Add(uint64(len(victims)))
}

// idleTimeout is the idle timeout at the current pressure: the server's
// up to half of Max, shrinking linearly to MinIdle at Max. Called with mu
// held.
func (g *governor) idleTimeout() time.Duration {
	if g.lim.Max <= 0 {
		return g.idle
	}
	load := float64(len(g.conns)-g.evicted) / float64(g.lim.Max)
	if load <= 0.5 {
		return g.idle
	}
	lo := g.lim.minIdle()
	if load >= 1 || g.idle <= lo {
		return lo
	}
	return g.idle - time.Duration(float64(g.idle-lo)*(load-0.5)/0.5)
}

// sweep closes the connections that have waited longer than the idle
// timeout at the current pressure allows (or, for a header, than the
// smaller of that and the server's read bound).
func (g *governor) sweep(now time.Time) {
	g.mu.Lock()
	idle := g.idleTimeout()
	if idle >= g.idle {
		// No pressure: the server's own deadlines apply.
		g.mu.Unlock()
		return
	}
	header := min(idle, g.header)
	var victims []*tracked
	for t := range g.conns {
		age := time.Duration(now.UnixNano() - t.since.Load())
		switch t.state.Load() {
		case connWaiting:
			if age <= idle {
				continue
			}
		case connHeader:
			if age <= header {
				continue
			}
		default:
			continue
		}
		if t.evict() {
			g.evicted++
			victims = append(victims, t)
		}
	}
	g.mu.Unlock()
	g.close(victims)
}

// run sweeps every interval until stop is closed.
func (g *governor) run(interval time.Duration, stop <-chan struct{}) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tk.C:
			g.sweep(now)
		}
	}
}

// sweepInterval is how often a governor looks for connections to shed.
const sweepInterval = 250 * time.Millisecond

// ConnStats are a governor's counters.
type ConnStats struct {
	Open, Evicted int // open now; marked for eviction and not yet closed
	Waiting       int // open and holding no request (evictable)
	Rejected      uint64
	Evictions     uint64
	IdleTimeout   time.Duration // at the current pressure
}

func (g *governor) stats() ConnStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	waiting := 0
	for t := range g.conns {
		if s := t.state.Load(); s == connWaiting || s == connHeader {
			waiting++
		}
	}
	return ConnStats{Open: len(g.conns), Evicted: g.evicted, Waiting: waiting, Rejected: g.rejected.Load(), Evictions: g.evictions.Load(), IdleTimeout: g.idleTimeout()}
}

// ConnLimiter applies ConnLimits to a net/http Server: wrap its listener
// with Listener and set its ConnState to ConnState. net/http counts a
// connection as busy from the first byte of a request, so only new and idle
// connections are shed under pressure (the lean front also sheds those
// still sending a header).
type ConnLimiter struct {
	g    *governor
	stop chan struct{}
	once sync.Once
}

// NewConnLimiter returns a limiter for a server whose idle timeout is idle
// and whose bound on reading a request is read. Close stops it.
func NewConnLimiter(l ConnLimits, idle, read time.Duration) *ConnLimiter {
	cl := &ConnLimiter{g: newGovernor(l, idle, read), stop: make(chan struct{})}
	go cl.g.run(sweepInterval, cl.stop)
	return cl
}

// Close stops the limiter's sweeper.
func (cl *ConnLimiter) Close() { cl.once.Do(func() { close(cl.stop) }) }

// Stats returns the limiter's counters.
func (cl *ConnLimiter) Stats() ConnStats { return cl.g.stats() }

// Listener wraps ln: connections over the limits are closed as they are
// accepted.
func (cl *ConnLimiter) Listener(ln net.Listener) net.Listener { return &limitListener{ln, cl.g} }

type limitListener struct {
	net.Listener
	g *governor
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		t, ok := l.g.admit(nc, time.Now())
		if !ok {
			_ = nc.Close()
			continue
		}
		lc := &limitedConn{Conn: nc, g: l.g, t: t}
		t.nc = lc
		return lc, nil
	}
}

// limitedConn releases its accounting when closed.
type limitedConn struct {
	net.Conn
	g *governor
	t *tracked
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.g.release(c.t)
	return err
}

// ConnState is the net/http Server's ConnState hook.
func (cl *ConnLimiter) ConnState(c net.Conn, st http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	switch st {
	case http.StateNew, http.StateIdle:
		lc.t.set(connWaiting, time.Now())
	case http.StateActive:
		lc.t.set(connBusy, time.Now())
	case http.StateHijacked, http.StateClosed:
		cl.g.release(lc.t)
	}
}
