// Package api is vpcvpn's HTTP front: it parses Alibaba RPC-style requests
// (query string, form body, x-acs-* headers), authenticates them (both
// signature schemes), dispatches by (Version, Action) to a handler that
// returns a value or an error, and encodes the answer as JSON or XML with a
// RequestId. Every error a client sees comes from internal/apierror's table.
package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/logging"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Call is what a handler sees of a request: the authenticated principal and
// the request's parameters.
type Call = service.Request

// HandlerFunc handles one action. It returns the answer body (a struct with
// json and xml tags, without RequestId; nil for an empty answer; or a
// *wire.Encoded in c.Format, e.g. from a cache) or an error.
// *apierror.Error values are shown to the client; any other error is logged
// and answered as InternalError. The Call and its Params map are reused for a
// later request once the answer is written: a handler must keep neither c nor
// c.Params (their strings and values may be kept).
type HandlerFunc func(ctx context.Context, c *Call) (any, error)

// Action is one entry of the dispatch table.
type Action struct {
	Version string
	Name    string
	Handle  HandlerFunc
	// Meta is the action's RAM name, class and whether it changes
	// credentials; every signed action has one (NewServer checks).
	action.Meta
	// Anonymous actions need no signature (none of Alibaba's do; kept for
	// completeness of the table).
	Anonymous bool
}

// checkMeta reports what a signed action's metadata lacks ("" when
// complete).
func (a *Action) checkMeta() string {
	if a.Anonymous {
		return ""
	}
	switch {
	case a.RAM == "" || !strings.HasSuffix(a.RAM, ":"+a.Name):
		return "RAM action name (service:" + a.Name + ")"
	case a.Class == action.Unknown || a.Class > action.SecretRead:
		return "class"
	}
	return ""
}

// Config wires a Server.
type Config struct {
	Logger  *slog.Logger
	Auth    *Authenticator
	Metrics *Metrics // may be nil
	Actions []Action
	// Secure tells handlers that the listener is TLS (acs:SecureTransport).
	Secure bool
	// Ready reports readiness for /healthz; nil means always ready.
	Ready func() bool
	// Limiter is admission control (internal/throttle); nil admits all.
	Limiter Limiter
	// Audit receives every finished API request (internal/audit); may be nil.
	Audit AuditSink
	// RequestLog writes the request line of every API call; nil writes it
	// through Logger at Info level.
	RequestLog RequestLogger
	// Bodies bounds the memory of request bodies being read or processed
	// (internal/throttle.BodyBudget); nil bounds each body by MaxBodyBytes
	// only.
	Bodies BodyBudget
	// Unavailable reports whether an error that is not a wire error says
	// the database could not be reached or did not answer in time
	// (postgres.Unavailable): such a request is answered ServiceUnavailable
	// (503, Retry-After) instead of InternalError. Nil: never.
	Unavailable func(error) bool
}

// BodyBudget reserves the bytes of request bodies before they are read.
type BodyBudget interface {
	// Reserve reserves n bytes for a body from addr; false refuses it.
	Reserve(addr netip.Addr, n int64) bool
	// Release returns what Reserve reserved.
	Release(addr netip.Addr, n int64)
	// Total and PerAddress are the limits, for messages.
	Total() int64
	PerAddress() int64
}

// RequestLogger writes request lines (internal/logging.Output). LogRequest
// must not keep r beyond the call: it belongs to a pooled request.
type RequestLogger interface {
	RequestEnabled() bool
	LogRequest(r *logging.Request)
}

// Limiter is the server's admission control.
type Limiter interface {
	// Enter is called first for every API request: nil admits it (and
	// Leave follows when it is answered), a wire error (ServiceUnavailable)
	// is answered at once.
	Enter() *apierror.Error
	Leave()
	// Allow is called after authentication with the AccessKey, the
	// identity it acts as (iam.Principal.IdentityARN: for STS sessions the
	// role, so that new sessions do not multiply a role's rate) and the
	// action's class from the dispatch table: nil lets the request
	// proceed, a wire error (Throttling.User with rate-limit headers) is
	// answered.
	Allow(accessKeyID, principal string, class action.Class) *apierror.Error
}

// AuditSink records API calls.
type AuditSink interface {
	// Record is called once per API request after its answer is written,
	// on the request's goroutine. It must not block, and must not keep c
	// or anything it references beyond the call.
	Record(c *Call, status int, code string, start time.Time, latency time.Duration)
}

// Server is the API's http.Handler.
type Server struct {
	cfg      Config
	actions  map[string]map[string]*Action // version -> action name -> action
	versions map[string]bool
	mux      *http.ServeMux
}

// NewServer builds the handler. It panics on a duplicate (Version, Action),
// on a signed action without metadata (action.Meta) and on a signed action
// without Config.Auth: the dispatch table and its
// wiring are fixed at start-up, so either is a programming error found
// before the first request.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg, actions: map[string]map[string]*Action{}, versions: map[string]bool{}}
	for i := range cfg.Actions {
		a := &cfg.Actions[i]
		if cfg.Auth == nil && !a.Anonymous {
			panic("api: Config.Auth is nil but action " + a.Version + "/" + a.Name + " needs a signature")
		}
		if lack := a.checkMeta(); lack != "" {
			panic("api: action " + a.Version + "/" + a.Name + " has no " + lack + " in the dispatch table")
		}
		if s.actions[a.Version] == nil {
			s.actions[a.Version] = map[string]*Action{}
		}
		if s.actions[a.Version][a.Name] != nil {
			panic("api: duplicate action " + a.Version + "/" + a.Name)
		}
		s.actions[a.Version][a.Name] = a
		s.versions[a.Version] = true
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/healthz", s.healthz)
	if cfg.Metrics != nil {
		s.mux.Handle("/metrics", cfg.Metrics.Handler())
	}
	s.mux.HandleFunc("/", s.serveAPI)
	return s
}

// ServeHTTP implements http.Handler. Only the exact paths /healthz and
// /metrics go through the mux; every other path, however written (/../, //,
// /%2e%2e/), is the API's, which answers InvalidPath for anything but "/":
// the mux would answer a non-canonical path with a redirect that is neither
// an API error nor safe to follow with a signed request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz", "/metrics":
		s.mux.ServeHTTP(w, r)
	default:
		s.serveAPI(w, r)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil && !s.cfg.Ready() {
		http.Error(w, "starting\n", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// request is the per-request state of serveAPI. It is pooled (with the
// backing array of its parameters and its log line): nothing may keep a
// pointer into it, &call included, once serveAPI has returned.
type request struct {
	call Call
	// limiter admitted the request and held is true while it counts it
	// (Park gives the slot back during a long-poll).
	limiter Limiter
	held    bool
	w       http.ResponseWriter // for Park's deadlines
	host    string
	status  int
	code    string
	params  []param // parsed parameters; the backing array outlives the request
	line    logging.Request
}

// Park implements service.Parker: a waiting handler (the agent long-poll)
// gives its admission slot back. Taking it again never refuses: the request
// was admitted once and only answers now; over the limit it finishes
// uncounted.
//
// The write deadline is moved past the wait: net/http's counts WriteTimeout
// from the end of the request's header (the lean front sets its own when it
// writes). Neither front ends a request at its read timeout once the
// request has been read (net/http clears the deadline for its background
// read), so a long-poll may outlast it.
func (rq *request) Park(wait time.Duration) (resume func()) {
	if rq.w != nil {
		_ = http.NewResponseController(rq.w).SetWriteDeadline(time.Now().Add(wait + parkedWriteMargin))
	}
	if rq.held && rq.limiter != nil {
		rq.limiter.Leave()
		rq.held = false
	}
	return func() {
		if rq.limiter == nil {
			return
		}
		if !rq.held && rq.limiter.Enter() == nil {
			rq.held = true
		}
	}
}

// leave ends the admission of the request if it still counts.
func (rq *request) leave() {
	if rq.held {
		rq.limiter.Leave()
		rq.held = false
	}
}

// parkedWriteMargin is the time left to write an answer after a parked
// wait.
const parkedWriteMargin = 10 * time.Second

var requestPool = sync.Pool{New: func() any { return new(request) }}

func putRequest(rq *request) {
	ps := rq.params[:cap(rq.params)]
	if cap(ps) > maxPooledParams {
		ps = nil
	}
	clear(ps) // drop the strings of this request
	*rq = request{params: ps[:0]}
	requestPool.Put(rq)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rq := requestPool.Get().(*request)
	rq.host = r.Host
	rq.call.RequestID = newRequestID()
	rq.call.UserAgent = r.UserAgent()
	rq.call.SecureTransport = s.cfg.Secure || r.TLS != nil
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		rq.call.SourceIP = ap.Addr().Unmap()
	} else if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rq.call.SourceIP, _ = netip.ParseAddr(h)
	}
	var body any
	var err error
	defer func() {
		// A panic is a bug; answer it as InternalError with a RequestId
		// the operator can find in the log, instead of dropping the
		// connection (which makes SDKs retry with a used nonce).
		if v := recover(); v != nil {
			rq.leave()
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.cfg.Logger.Error("panic in handler", "request_id", rq.call.RequestID, "action", rq.call.Action, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			rq.status, rq.code = http.StatusInternalServerError, "InternalError"
			writeError(w, rq.call.Format, rq.call.RequestID, rq.host, apierror.New("InternalError"))
			s.finish(rq, start)
		}
	}()
	// The body is read (bounded by MaxBodyBytes and the body budget)
	// before the request takes an in-flight slot: a client that sends its
	// body slowly holds a connection and its reserved bytes, never a slot
	// that signed requests need.
	var bodyBytes []byte
	if r.Method == http.MethodPost && r.Body != nil && r.ContentLength != 0 {
		var release func()
		bodyBytes, release, err = s.readBody(r, rq.call.SourceIP)
		if release != nil {
			defer release()
		}
	}
	// The in-flight slot covers the processing only: it is given back
	// before the answer is written, so a client that does not read its
	// answers holds its connection, not a slot.
	if err == nil && s.cfg.Limiter != nil {
		if e := s.cfg.Limiter.Enter(); e != nil {
			err = e
		} else {
			rq.limiter, rq.held = s.cfg.Limiter, true
		}
	}
	rq.w = w
	rq.call.Parker = rq
	if err == nil {
		body, err = s.handle(r, rq, bodyBytes)
	}
	rq.leave()
	if err != nil {
		err = s.databaseFailure(rq, err)
		ae, ok := apierror.As(err)
		switch {
		case ok && databaseUnavailable(err):
			s.cfg.Logger.Error("database unavailable, answered ServiceUnavailable", "request_id", rq.call.RequestID, "action", rq.call.Action, "err", err)
		case !ok:
			s.cfg.Logger.Error("internal error", "request_id", rq.call.RequestID, "action", rq.call.Action, "err", err)
			ae = apierror.New("InternalError")
		case retryLater(err):
			s.cfg.Logger.Warn("write given up on concurrent writes, answered ServiceUnavailable", "request_id", rq.call.RequestID, "action", rq.call.Action, "err", err)
		}
		rq.status, rq.code = ae.Status, ae.Code
		writeError(w, rq.call.Format, rq.call.RequestID, rq.host, ae)
	} else {
		rq.status, rq.code = http.StatusOK, ""
		s.writeOK(w, rq, body)
	}
	s.finish(rq, start)
	putParamMap(rq.call.Params)
	putRequest(rq)
}

func (s *Server) writeOK(w http.ResponseWriter, rq *request, body any) {
	root := rq.call.Action + "Response"
	enc := bufPool.Get().(*bytes.Buffer)
	enc.Reset()
	defer bufPool.Put(enc)
	encoded, err := encodeOK(enc, rq.call.Format, root, body)
	if err != nil {
		s.cfg.Logger.Error("encode answer", "request_id", rq.call.RequestID, "action", rq.call.Action, "err", err)
		rq.status, rq.code = http.StatusInternalServerError, "InternalError"
		writeError(w, rq.call.Format, rq.call.RequestID, rq.host, apierror.New("InternalError"))
		return
	}
	out := bufPool.Get().(*bytes.Buffer)
	out.Reset()
	defer bufPool.Put(out)
	wire.Splice(out, encoded, rq.call.Format, root, rq.call.RequestID)
	h := w.Header()
	if rq.call.Format == wire.XML {
		h["Content-Type"] = contentXMLValue
	} else {
		h["Content-Type"] = contentJSONValue
	}
	vals := make([]string, 2) // one allocation for both values
	vals[0], vals[1] = strconv.Itoa(out.Len()), rq.call.RequestID
	h["Content-Length"] = vals[0:1:1]
	h["X-Acs-Request-Id"] = vals[1:2:2]
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// The Content-Type values of answers, shared by every response: net/http
// copies header values before writing them and nothing modifies a value in
// place (capacity 1: an Add would copy too).
var (
	contentJSONValue = []string{contentJSON}[:1:1]
	contentXMLValue  = []string{contentXML}[:1:1]
)

// encodeOK returns a handler's answer body encoded in f without RequestId:
// the bytes of an *wire.Encoded (which must be in f), otherwise body
// encoded into buf.
func encodeOK(buf *bytes.Buffer, f wire.Format, root string, body any) ([]byte, error) {
	if pre, ok := body.(*wire.Encoded); ok {
		if pre.Format != f {
			return nil, fmt.Errorf("handler answered %s bytes to a request for %s", pre.Format, f)
		}
		return pre.Body, nil
	}
	if err := wire.Encode(buf, f, root, body); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeAnswer returns the bytes the server answers for a successful call of
// action with this RequestId: body (an answer struct, nil, or a
// *wire.Encoded in f) encoded in f with RequestId spliced in as its first
// member. The web console uses it so that its downloads are the API's
// answers byte for byte.
func EncodeAnswer(action string, f wire.Format, requestID string, body any) ([]byte, error) {
	root := action + "Response"
	var b bytes.Buffer
	encoded, err := encodeOK(&b, f, root, body)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	wire.Splice(&out, encoded, f, root, requestID)
	return out.Bytes(), nil
}

func (s *Server) finish(rq *request, start time.Time) {
	lat := time.Since(start)
	action := rq.call.Action
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.observe(action, rq.code, lat)
	}
	if rl := s.cfg.RequestLog; rl != nil {
		if rl.RequestEnabled() {
			line := &rq.line
			*line = logging.Request{Time: start.Add(lat), RequestID: rq.call.RequestID, Action: action,
				Status: rq.status, Code: rq.code, Latency: lat}
			if rq.call.Principal.Kind != "" {
				line.Principal = &rq.call.Principal
			}
			rl.LogRequest(line)
		}
	} else if s.cfg.Logger.Enabled(context.Background(), slog.LevelInfo) {
		principal := ""
		if rq.call.Principal.Kind != "" {
			principal = rq.call.Principal.ARN()
		}
		s.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("request_id", rq.call.RequestID),
			slog.String("action", action),
			slog.String("principal", principal),
			slog.Int("status", rq.status),
			slog.String("code", rq.code),
			slog.Duration("latency", lat))
	}
	if s.cfg.Audit != nil {
		s.cfg.Audit.Record(&rq.call, rq.status, rq.code, start, lat)
	}
}

// readBody reads a POST body: refused at once when its Content-Length is
// above MaxBodyBytes (413) or its size cannot be reserved in the body
// budget (503); otherwise read into a buffer of exactly its size (a body
// without Content-Length, which only net/http passes on, reserves and may
// read MaxBodyBytes). The returned release (nil when nothing was reserved)
// gives the reservation back once the request is answered. Refusals carry
// Connection: close: the unread body ends the connection.
func (s *Server) readBody(r *http.Request, from netip.Addr) ([]byte, func(), error) {
	n := r.ContentLength
	if n > MaxBodyBytes {
		e := apierror.Newf("RequestEntityTooLarge", "The request body is larger than %d bytes.", MaxBodyBytes)
		e.Headers = map[string]string{"Connection": "close"}
		return nil, nil, e
	}
	reserve := n
	if n < 0 {
		reserve = MaxBodyBytes
	}
	var release func()
	if b := s.cfg.Bodies; b != nil {
		if !b.Reserve(from, reserve) {
			e := apierror.Newf("ServiceUnavailable", "The server holds its limit of request bodies being read (%s in all, %s per client address); retry later.", sizeText(b.Total()), sizeText(b.PerAddress()))
			e.Headers = map[string]string{"Connection": "close", "x-acs-retry-after": "1000", "Retry-After": "1"}
			return nil, nil, e
		}
		release = func() { b.Release(from, reserve) }
	}
	var buf []byte
	var err error
	if n >= 0 {
		buf = make([]byte, n)
		_, err = io.ReadFull(r.Body, buf)
	} else {
		buf, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, release, apierror.Newf("RequestEntityTooLarge", "The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return nil, release, apierror.Newf("InvalidParameter", "The request body could not be read.")
	}
	return buf, release, nil
}

// sizeText writes a byte count in MiB or KiB.
func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}

// handle parses, authenticates and dispatches one request.
func (s *Server) handle(r *http.Request, rq *request, bodyBytes []byte) (any, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, apierror.Newf("UnsupportedHTTPMethod", "This http method is not supported: %s. Use GET or POST.", clip(r.Method))
	}
	if r.URL.Path != "/" {
		return nil, apierror.Newf("InvalidPath", "The path %q does not exist; the API is served on /.", clip(r.URL.Path))
	}
	params, err := parseParams(rq.params, r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	rq.params = params
	if len(bodyBytes) > 0 {
		ct := r.Header.Get("Content-Type")
		if len(bodyBytes) > 0 && (ct == "" || strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded")) {
			params, err = parseParams(params, string(bodyBytes))
			if err != nil {
				return nil, err
			}
			rq.params = params
		}
	}
	m, params, err := toMapInto(paramMaps.Get().(map[string]string), params)
	if err != nil {
		return nil, err
	}
	rq.call.Params = m
	f, ok := wire.ParseFormat(m["Format"])
	if !ok {
		return nil, apierror.Newf("InvalidFormat", "Format %q is not supported; use JSON or XML.", clip(m["Format"]))
	}
	rq.call.Format = f
	// A V3 request may name its action and version in signed headers; a
	// V1 request only in its (signed) parameters: its headers are not
	// signed.
	hv, isV3, err := readV3Headers(r.Header)
	if err != nil {
		return nil, err
	}
	name, version := m["Action"], m["Version"]
	if isV3 {
		if name, err = agree("Action", name, "x-acs-action", hv.action); err != nil {
			return nil, err
		}
		if version, err = agree("Version", version, "x-acs-version", hv.version); err != nil {
			return nil, err
		}
	}
	if name == "" {
		return nil, apierror.Missing("Action")
	}
	// The request log and the audit trail name the action asked for, known
	// or not (clipped: it is the client's text; metrics count unknown names
	// as "unknown").
	rq.call.Action, rq.call.Version = clip(name), clip(version)
	if version == "" {
		return nil, apierror.Missing("Version")
	}
	if !s.versions[version] {
		return nil, apierror.Newf("InvalidVersion", "Specified parameter Version %q is not valid.", clip(version))
	}
	authenticate := func(class action.Class) error {
		var v3 *v3Headers
		if isV3 {
			v3 = &hv
		}
		p, fresh, err := s.cfg.Auth.Authenticate(r.Context(), r, m, params, bodyBytes, v3)
		if err != nil {
			return err
		}
		rq.call.Principal, rq.call.Fresh = p, fresh
		if s.cfg.Limiter != nil {
			if e := s.cfg.Limiter.Allow(p.AccessKeyID, p.IdentityARN(), class); e != nil {
				return e
			}
		}
		return nil
	}
	a := s.actions[version][name]
	if a == nil {
		// Authenticated first, so that the request log and the audit
		// trail name who asked (and a flood of unknown actions is
		// throttled like any other); the answer is InvalidAction.NotFound
		// whether or not the signature verifies, as before.
		notFound := apierror.Newf("InvalidAction.NotFound", "Specified api %q is not found for version %s, please check your url and method.", clip(name), version)
		if s.cfg.Auth != nil {
			if e, ok := authenticate(action.Unknown).(*apierror.Error); ok && e.Code == "Throttling.User" {
				return nil, e
			}
		}
		return nil, notFound
	}
	rq.call.Action, rq.call.Version, rq.call.Meta = a.Name, version, a.Meta
	if !a.Anonymous {
		if err := authenticate(a.Class); err != nil {
			return nil, err
		}
	}
	body, err := a.Handle(r.Context(), &rq.call)
	if a.ChangesCredentials {
		// Before the answer is written: the caller's next request sees
		// the key or user as this action left it.
		s.cfg.Auth.ForgetCredentials()
	}
	return body, err
}

// agree returns the value of a V3 request's parameter that may come as a
// query parameter or as a header (both signed): either, or both when they
// are equal; InvalidParameter.Duplicate when they differ.
func agree(param, pv, header, hv string) (string, error) {
	switch {
	case pv == "":
		return hv, nil
	case hv == "" || hv == pv:
		return pv, nil
	}
	return "", apierror.Newf("InvalidParameter.Duplicate", "The %s parameter %q and the %s header %q differ; send one of them.", param, clip(pv), header, clip(hv))
}

// databaseError is a request's failure because its database could not be
// reached or did not answer (Config.Unavailable): answered
// ServiceUnavailable (apierror.As) and logged as a database outage.
// changedNothing: the action does not write.
type databaseError struct {
	err            error
	changedNothing bool
}

func (e databaseError) Error() string             { return "api: database unavailable: " + e.err.Error() }
func (e databaseError) Unwrap() error             { return e.err }
func (e databaseError) RetryLater() bool          { return true }
func (e databaseError) DatabaseUnavailable() bool { return true }
func (e databaseError) ChangedNothing() bool      { return e.changedNothing }

// databaseFailure returns err as a databaseError when it is not a wire
// error and Config.Unavailable recognises it.
func (s *Server) databaseFailure(rq *request, err error) error {
	if s.cfg.Unavailable == nil {
		return err
	}
	if _, ok := apierror.As(err); ok || !s.cfg.Unavailable(err) {
		return err
	}
	return databaseError{err: err, changedNothing: rq.call.Meta.Class != action.Write}
}

// databaseUnavailable reports whether err is a report that the database
// could not be reached (databaseError, store.UnavailableError: recognised
// by their method).
func databaseUnavailable(err error) bool {
	var u interface{ DatabaseUnavailable() bool }
	return errors.As(err, &u) && u.DatabaseUnavailable()
}

// retryLater reports whether err is a lower layer's refusal that may succeed
// later (a RetryLater method returning true: the store's *store.BusyError),
// answered ServiceUnavailable by apierror.As.
func retryLater(err error) bool {
	var r interface{ RetryLater() bool }
	return errors.As(err, &r) && r.RetryLater()
}
