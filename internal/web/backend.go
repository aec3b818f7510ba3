package web

import (
	"context"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// backend is the console's one adapter onto the service layer: every page
// and form reaches the use cases through call, which builds the
// service.Request the API would build (RequestId, principal, source address,
// transport, user agent), runs the action's handler from the API's own
// dispatch table (so the same validation and authorisation decide), applies
// the same per-AccessKey throttle, and records the same audit event, marked
// as a console call (Request.Origin). Nothing else in this package calls the
// service or touches the store.
type backend struct {
	actions map[string]*api.Action // VPC (2016-04-28) actions by name
	resolve func(ctx context.Context, accessKeyID, securityToken string) (iam.Principal, string, error)
	audit   api.AuditSink
	limiter Limiter
	log     *slog.Logger
	secure  bool
}

// Limiter is the part of the API's admission control the console applies:
// the per-AccessKey token buckets (internal/throttle).
type Limiter interface {
	Allow(accessKeyID, principal string, class action.Class) *apierror.Error
}

func newBackend(cfg Config) *backend {
	b := &backend{actions: map[string]*api.Action{}, resolve: cfg.Resolve, audit: cfg.Audit,
		limiter: cfg.Limiter, log: cfg.Logger, secure: cfg.Secure}
	for i := range cfg.Actions {
		if a := &cfg.Actions[i]; a.Version == api.VersionVPC {
			b.actions[a.Name] = a
		}
	}
	return b
}

// has reports whether the API offers action (e.g. DescribeVpnConnectionLogs,
// which depends on the gateway agent).
func (b *backend) has(action string) bool { return b.actions[action] != nil }

// consoleUserAgent prefixes the browser's user agent in the audit trail.
const consoleUserAgent = "vpcvpn-console/1"

// newRequest is the service.Request of one console call by principal p.
func (b *backend) newRequest(r *http.Request, p iam.Principal, action string, params map[string]string) *service.Request {
	sr := &service.Request{
		RequestID:       api.NewRequestID(),
		Action:          action,
		Version:         api.VersionVPC,
		Params:          params,
		Principal:       p,
		SourceIP:        sourceIP(r),
		SecureTransport: b.secure || r.TLS != nil,
		UserAgent:       consoleUserAgent + " " + clip(r.UserAgent(), 200),
		Origin:          service.OriginConsole,
	}
	return sr
}

// call runs one VPC action as p with params (RegionId included where the
// action needs it) and returns its answer and the request (for its
// RequestId). Errors are the service's: *apierror.Error values are shown to
// the user; anything else is logged and shown as InternalError.
func (b *backend) call(r *http.Request, p iam.Principal, action string, params map[string]string) (any, *service.Request, error) {
	return b.callIn(r, p, action, params, wire.JSON)
}

// callIn is call for an answer wanted in format f (a use case that answers
// encoded bytes encodes them in f: the console's downloads).
func (b *backend) callIn(r *http.Request, p iam.Principal, action string, params map[string]string, f wire.Format) (any, *service.Request, error) {
	start := time.Now()
	if params == nil {
		params = map[string]string{}
	}
	params["Action"], params["Version"] = action, api.VersionVPC
	sr := b.newRequest(r, p, action, params)
	sr.Format = f
	var body any
	var err error
	a := b.actions[action]
	if a != nil {
		sr.Meta = a.Meta
	}
	switch {
	case a == nil:
		err = apierror.Newf("InvalidAction.NotFound", "Specified api %q is not found for version %s.", action, api.VersionVPC)
	case b.limiter != nil:
		if e := b.limiter.Allow(p.AccessKeyID, p.IdentityARN(), a.Class); e != nil {
			err = e
		}
	}
	if err == nil {
		body, err = b.run(r.Context(), a.Handle, sr)
	}
	b.record(sr, err, start)
	return body, sr, err
}

// run calls h, turning a panic into InternalError as the API does.
func (b *backend) run(ctx context.Context, h api.HandlerFunc, sr *service.Request) (body any, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			b.log.Error("console: panic in handler", "request_id", sr.RequestID, "action", sr.Action, "panic", v)
			body, err = nil, apierror.New("InternalError")
		}
	}()
	return h(ctx, sr)
}

// record writes the audit event and the log line of a finished call. The
// log line carries no parameters (they may hold a pre-shared key).
func (b *backend) record(sr *service.Request, err error, start time.Time) {
	status, code := http.StatusOK, ""
	if err != nil {
		ae, ok := apierror.As(err)
		if !ok {
			b.log.Error("console: internal error", "request_id", sr.RequestID, "action", sr.Action, "err", err)
			ae = apierror.New("InternalError")
		}
		status, code = ae.Status, ae.Code
	}
	lat := time.Since(start)
	if b.audit != nil {
		b.audit.Record(sr, status, code, start, lat)
	}
	principal := ""
	if sr.Principal.Kind != "" {
		principal = sr.Principal.ARN()
	}
	b.log.LogAttrs(context.Background(), slog.LevelInfo, "console request",
		slog.String("request_id", sr.RequestID), slog.String("action", sr.Action),
		slog.String("principal", principal), slog.Int("status", status), slog.String("code", code),
		slog.Duration("latency", lat))
}

// recordSignin audits a sign-in or sign-out (audit.EventConsoleSignin /
// EventConsoleSignout): p is the principal ("" Kind when sign-in failed;
// then only the AccessKeyId typed is recorded, never the secret).
func (b *backend) recordSignin(r *http.Request, event string, p iam.Principal, accessKeyID string, err error) {
	sr := b.newRequest(r, p, event, map[string]string{"AccessKeyId": clip(accessKeyID, 128)})
	sr.Version = ""
	b.record(sr, err, time.Now())
}

// sourceIP is the client address of r, as the API takes it.
func sourceIP(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		a, _ := netip.ParseAddr(h)
		return a
	}
	return netip.Addr{}
}

// clip shortens s to at most n bytes (on a rune boundary).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
