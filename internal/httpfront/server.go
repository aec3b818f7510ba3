// Package httpfront is vpcvpn's HTTP/1.1 server: a lean replacement for
// net/http's Server in front of an http.Handler, built because net/http's
// per-request machinery (a background read goroutine, a context, header maps
// parsed into fresh strings, several deadline updates) cost about as much CPU
// as vpcvpn's whole signed, authorised, audited download (docs/PERFORMANCE.md).
//
// What it serves: HTTP/1.1 and HTTP/1.0 requests with keep-alive and
// pipelining, bodies framed by Content-Length (Expect: 100-continue
// honoured), over TCP or TLS (ALPN http/1.1). What it refuses, answering
// with a plain-text status and closing the connection: malformed request
// lines and fields, obsolete line folding, whitespace before a field's
// colon, a repeated Content-Length, any Transfer-Encoding (411 for chunked,
// 501 otherwise), header blocks above MaxHeaderBytes (431), other HTTP
// versions (505). Answers are framed by Content-Length when the handler
// finishes within 64 KB and chunked (or close-delimited for HTTP/1.0)
// beyond.
//
// The contract for handlers is net/http's, with one addition: the
// *http.Request, its URL and Header map and the ResponseWriter are reused for
// the connection's next request once ServeHTTP returns, so a handler must not
// keep them (strings taken from them may be kept). r.Context() is the
// server's context, cancelled by Close, not by the client going away.
package httpfront

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Server serves HTTP/1.1 on listeners. The zero value of every field but
// Handler is usable.
type Server struct {
	Handler http.Handler
	// TLSConfig, when set, makes Serve speak TLS; NextProtos defaults to
	// http/1.1 (this server does not speak HTTP/2).
	TLSConfig *tls.Config
	// ReadTimeout bounds reading one request, from its first byte to the
	// end of its body, and the TLS handshake. Default 20 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer. Default 30 s.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for a keep-alive connection's next
	// request. Default 120 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and header fields. Default 64 KB.
	MaxHeaderBytes int
	// Logger receives the front's own diagnostics (handler panics at Error,
	// accept errors at Warn, failed TLS handshakes at Debug). nil discards
	// them.
	Logger *slog.Logger
	// Limits bounds the connections (see ConnLimits); the zero value
	// bounds nothing.
	Limits ConnLimits

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	ctx       context.Context
	cancel    context.CancelFunc
	initOnce  sync.Once
	done      chan struct{} // closed when the last connection ends during shutdown
	gov       *governor     // nil without Limits
	stopGov   chan struct{}
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

// Deadlines are set lazily: a connection's deadline is moved only when it
// would otherwise fall more than deadlineSlack before (or any time after)
// where the timeout puts it, so a busy keep-alive connection updates its
// timers about once a second instead of several times per request. Timeouts
// may therefore fire up to deadlineSlack early.
const deadlineSlack = time.Second

// maxBufferedAnswer is how much of an answer without Content-Length is
// buffered to frame it with one; larger answers are sent chunked.
const maxBufferedAnswer = 64 << 10

// maxDiscard is how much of a body the handler did not read is read and
// dropped to keep the connection; beyond it the connection is closed.
const maxDiscard = 256 << 10

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
		s.done = make(chan struct{})
		if s.Limits.enabled() {
			s.gov = newGovernor(s.Limits, s.idleTimeout(), s.readTimeout())
			s.stopGov = make(chan struct{})
			go s.gov.run(sweepInterval, s.stopGov)
		}
	})
}

// ConnStats returns the counters of the connection limits (zero without
// Limits).
func (s *Server) ConnStats() ConnStats {
	s.init()
	if s.gov == nil {
		return ConnStats{}
	}
	return s.gov.stats()
}

func (s *Server) readTimeout() time.Duration  { return orDefault(s.ReadTimeout, 20*time.Second) }
func (s *Server) writeTimeout() time.Duration { return orDefault(s.WriteTimeout, 30*time.Second) }
func (s *Server) idleTimeout() time.Duration  { return orDefault(s.IdleTimeout, 120*time.Second) }
func (s *Server) maxHeaderBytes() int {
	if s.MaxHeaderBytes > 0 {
		return s.MaxHeaderBytes
	}
	return 64 << 10
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (s *Server) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Serve accepts connections on ln until Shutdown or Close, and returns
// ErrServerClosed then, or the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	if s.TLSConfig != nil {
		cfg := s.TLSConfig.Clone()
		if len(cfg.NextProtos) == 0 {
			cfg.NextProtos = []string{"http/1.1"}
		}
		ln = tls.NewListener(ln, cfg)
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || isTemporary(err) {
				// As net/http: back off on resource exhaustion instead
				// of spinning.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log().Warn("http: accept error; retrying", "err", err, "retry_in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		var t *tracked
		if s.gov != nil {
			var ok bool
			if t, ok = s.gov.admit(nc, time.Now()); !ok {
				nc.Close()
				continue
			}
		}
		c := newConn(s, nc)
		c.gt = t
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve()
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// Shutdown stops accepting, closes idle connections, lets each busy one
// finish the request it is serving, and returns when all are closed or ctx
// ends (then with ctx's error; Close ends the rest).
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.startClosing()
	for {
		s.mu.Lock()
		for c := range s.conns {
			if c.state.Load() == stateIdle {
				c.nc.Close()
			}
		}
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close closes the listeners and every connection at once and cancels the
// context requests see.
func (s *Server) Close() error {
	s.init()
	s.startClosing()
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	return nil
}

func (s *Server) startClosing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing.Load() && s.stopGov != nil {
		close(s.stopGov)
	}
	s.closing.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	last := len(s.conns) == 0 && s.closing.Load()
	s.mu.Unlock()
	if last {
		select {
		case <-s.done:
		default:
			close(s.done)
		}
	}
}

const (
	stateIdle int32 = iota
	stateActive
)

// conn is one client connection and everything reused across its requests.
type conn struct {
	srv        *Server
	nc         net.Conn
	remoteAddr string
	tlsState   *tls.ConnectionState
	state      atomic.Int32
	gt         *tracked // the connection limits' view of it; nil without limits

	buf        []byte // read buffer: buf[start:end] is unread input
	start, end int
	readDL     time.Time // the read deadline currently set
	writeDL    time.Time

	req     http.Request
	url     url.URL
	reqBase *http.Request // carries the server context
	header  http.Header
	values  []string
	parsed  request
	body    body
	w       response
	closing bool // close after the current answer
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, remoteAddr: nc.RemoteAddr().String(), buf: make([]byte, 4096)}
	c.reqBase = (&http.Request{}).WithContext(s.ctx)
	c.header = make(http.Header, 16)
	c.w.c = c
	c.w.header = make(http.Header, 8)
	c.body.c = c
	return c
}

func (c *conn) serve() {
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			c.srv.log().Error("http: panic serving request", "remote", c.remoteAddr, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		c.nc.Close()
		c.srv.forget(c)
		if c.gt != nil {
			c.srv.gov.release(c.gt)
		}
	}()
	if tc, ok := c.nc.(*tls.Conn); ok {
		_ = tc.SetDeadline(time.Now().Add(c.srv.readTimeout()))
		if err := tc.HandshakeContext(c.srv.ctx); err != nil {
			c.srv.log().Debug("http: TLS handshake error", "remote", c.remoteAddr, "err", err)
			return
		}
		_ = tc.SetDeadline(time.Time{})
		st := tc.ConnectionState()
		c.tlsState = &st
	}
	for {
		if !c.serveOne() || c.srv.closing.Load() {
			return
		}
	}
}

// serveOne reads one request, answers it and reports whether the
// connection may carry another.
func (c *conn) serveOne() bool {
	if c.start == c.end {
		c.state.Store(stateIdle)
		c.start, c.end = 0, 0
		if c.srv.closing.Load() {
			return false
		}
		now := time.Now()
		if !c.gt.set(connWaiting, now) {
			return false
		}
		c.setReadDeadline(now.Add(c.srv.idleTimeout()))
		if !c.fill() {
			return false
		}
	}
	c.state.Store(stateActive)
	began := time.Now()
	if !c.gt.set(connHeader, began) {
		return false
	}
	hlen, perr := c.readHeader(began)
	if perr != nil {
		if perr.status != 0 {
			c.refuse(perr)
		}
		return false
	}
	hs := string(c.buf[c.start : c.start+hlen])
	c.start += hlen
	clear(c.header)
	clear(c.values)
	c.parsed = request{}
	var err *parseError
	c.values, err = parse(hs, &c.parsed, c.header, c.values[:0])
	if err != nil {
		c.refuse(err)
		return false
	}
	if !c.gt.set(connBusy, began) {
		return false
	}
	p := &c.parsed
	u, ok := parseTarget(p.target, &c.url)
	if !ok {
		c.refuse(badRequest("malformed request target"))
		return false
	}
	c.body.reset(max(p.contentLength, 0), p.expectCont && p.contentLength > 0, began)
	r := &c.req
	*r = *c.reqBase
	r.Method = p.method
	r.URL = u
	r.RequestURI = p.target
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, p.protoMinor
	if p.protoMinor == 0 {
		r.Proto = "HTTP/1.0"
	}
	r.Header = c.header
	r.Host = requestHost(p, u)
	r.RemoteAddr = c.remoteAddr
	r.TLS = c.tlsState
	r.Close = p.closeAfter
	r.ContentLength = max(p.contentLength, 0)
	if r.ContentLength > 0 {
		r.Body = &c.body
	} else {
		r.Body = http.NoBody
	}
	c.closing = p.closeAfter
	c.w.reset(r, p)
	c.srv.Handler.ServeHTTP(&c.w, r)
	c.w.finish()
	if c.w.failed {
		return false
	}
	if !c.body.done() {
		// The handler left part of the body unread: drop a little of it
		// to keep the connection, or close it. A client still waiting
		// for 100 Continue gets no body to drop; an answer that closes
		// the connection (e.g. a body refused for its size) drops
		// nothing. Closing with unread input would make the kernel
		// reset the connection, destroying the answer before the client
		// read it: half-close and linger first, as refuse does.
		if c.closing || c.body.expect && !c.body.continued || c.body.remaining > maxDiscard || !c.body.discard() {
			c.lingerBeforeClose()
			return false
		}
	}
	return !c.closing
}

// fill reads more input into buf[end:], growing buf when it is full (up
// to the header limit; the caller checks), and reports whether anything
// arrived.
func (c *conn) fill() bool {
	if c.end == len(c.buf) {
		if c.start > 0 {
			c.end = copy(c.buf, c.buf[c.start:c.end])
			c.start = 0
		} else {
			nb := make([]byte, 2*len(c.buf))
			copy(nb, c.buf[:c.end])
			c.buf = nb
		}
	}
	n, err := c.nc.Read(c.buf[c.end:])
	c.end += n
	return n > 0 || err == nil
}

// readHeader waits until buf[start:] holds a whole header block and
// returns its length. A parseError with status 0 means the connection
// ended or timed out: nothing is answered.
func (c *conn) readHeader(began time.Time) (int, *parseError) {
	limit := c.srv.maxHeaderBytes()
	for {
		// RFC 9112 section 2.2: ignore empty lines before a request
		// line (some clients send a CRLF after a POST body).
		for c.start < c.end {
			if c.buf[c.start] == '\n' {
				c.start++
			} else if c.buf[c.start] == '\r' && c.start+1 < c.end && c.buf[c.start+1] == '\n' {
				c.start += 2
			} else {
				break
			}
		}
		if n := headerEnd(c.buf[c.start:c.end]); n >= 0 {
			if n > limit+2 {
				return 0, &parseError{status: http.StatusRequestHeaderFieldsTooLarge, reason: "request header fields too large"}
			}
			return n, nil
		}
		if c.end-c.start > limit {
			return 0, &parseError{status: http.StatusRequestHeaderFieldsTooLarge, reason: "request header fields too large"}
		}
		c.setReadDeadline(began.Add(c.srv.readTimeout()))
		if !c.fill() {
			return 0, &parseError{}
		}
	}
}

// setReadDeadline moves the read deadline to about want (see deadlineSlack).
func (c *conn) setReadDeadline(want time.Time) {
	if c.readDL.After(want) || c.readDL.Before(want.Add(-deadlineSlack)) {
		c.readDL = want
		_ = c.nc.SetReadDeadline(want)
	}
}

func (c *conn) setWriteDeadline(want time.Time) {
	if c.writeDL.After(want) || c.writeDL.Before(want.Add(-deadlineSlack)) {
		c.writeDL = want
		_ = c.nc.SetWriteDeadline(want)
	}
}

// write sends b, bounded by the write timeout.
func (c *conn) write(b []byte) error {
	c.setWriteDeadline(time.Now().Add(c.srv.writeTimeout()))
	_, err := c.nc.Write(b)
	return err
}

// refuse answers a request the front will not pass on, as net/http does:
// status, a plain-text reason, and the connection closed.
func (c *conn) refuse(e *parseError) {
	text := strconv.Itoa(e.status) + " " + http.StatusText(e.status) + ": " + e.reason
	msg := "HTTP/1.1 " + strconv.Itoa(e.status) + " " + http.StatusText(e.status) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(text)) + "\r\n\r\n" + text
	if c.write([]byte(msg)) == nil {
		c.lingerBeforeClose()
	}
}

// rstAvoidanceDelay is how long a refused connection keeps reading after
// the answer, as net/http does: closing a socket with unread input makes
// the kernel send RST, which can destroy the answer before the client has
// read it (a client still sending an oversized header sees "connection
// reset" instead of 431).
const rstAvoidanceDelay = 500 * time.Millisecond

// lingerBeforeClose half-closes the connection after an answer and drops
// what the client still sends, until it closes its side or
// rstAvoidanceDelay passes.
func (c *conn) lingerBeforeClose() {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(rstAvoidanceDelay))
	for {
		if _, err := c.nc.Read(c.buf); err != nil {
			return
		}
	}
}

// body reads a request body framed by Content-Length: first what is
// already buffered, then from the connection, within the read timeout
// counted from the request's first byte.
type body struct {
	c         *conn
	remaining int64
	expect    bool // the client waits for 100 Continue before sending
	continued bool
	began     time.Time
	err       error
}

func (b *body) reset(n int64, expect bool, began time.Time) {
	*b = body{c: b.c, remaining: n, expect: expect, began: began}
}

func (b *body) done() bool { return b.remaining == 0 }

var errBodyClosed = errors.New("http: invalid Read on closed Body")

// Read implements io.Reader.
func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.remaining == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	c := b.c
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	if c.start < c.end {
		n := copy(p, c.buf[c.start:c.end])
		c.start += n
		b.remaining -= int64(n)
		return n, nil
	}
	if b.expect && !b.continued {
		b.continued = true
		if err := c.write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
			b.err = err
			return 0, err
		}
	}
	c.setReadDeadline(b.began.Add(c.srv.readTimeout()))
	n, err := c.nc.Read(p)
	b.remaining -= int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		b.err = err
		c.closing = true
		if n > 0 {
			return n, nil
		}
		return 0, err
	}
	return n, nil
}

// Close implements io.Closer: later reads fail, and what is unread is
// dropped or ends the connection after the answer.
func (b *body) Close() error {
	if b.err == nil {
		b.err = errBodyClosed
	}
	return nil
}

// discard reads and drops the rest of the body; false if it cannot.
func (b *body) discard() bool {
	if b.err != nil && b.err != errBodyClosed {
		return false
	}
	b.err = nil
	var scratch [4096]byte
	for b.remaining > 0 {
		if _, err := b.Read(scratch[:]); err != nil {
			return false
		}
	}
	return true
}
