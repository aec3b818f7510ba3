// Package web is vpcvpn's web console, served by `vpcvpn server` under
// /console/: server-rendered pages (html/template) and plain HTML forms over
// the service layer, progressively enhanced by one small script (status
// refresh, copy buttons). It enters at the service layer, never below it:
// every page and form runs API actions from the API's own dispatch table as
// the signed-in principal, through one adapter (backend.go), so the console
// gets exactly the API's validation, authorisation, throttling and audit
// events. Assets are embedded; the console makes no external request.
//
// Security: sessions are sealed cookies (session.go); every state-changing
// request carries a CSRF token and is refused when the browser marks it as
// cross-site; responses carry a Content-Security-Policy without inline script
// or style; no secret appears in a URL, in the HTML of a list page or in a
// log line (a pre-shared key is shown on a connection's page only after the
// user asks for it, which is an audited DownloadVpnConnectionConfig call).
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config wires the console.
type Config struct {
	// Actions is the API's dispatch table (api.Actions); the console runs
	// the VPC (2016-04-28) actions from it.
	Actions []api.Action
	// Resolve resolves an AccessKeyId (and STS SecurityToken) to its
	// principal and secret: service.Service.Resolve, the API's credential
	// path.
	Resolve func(ctx context.Context, accessKeyID, securityToken string) (iam.Principal, string, error)
	// Keys seals the session cookie (the master keyring).
	Keys Sealer
	// Revocations records signed-out sessions (the store's
	// store.SessionStore), checked on every request; nil: sign-out only
	// deletes the cookie in the browser.
	Revocations Revocations
	// Audit records every console call (nil: no audit trail).
	Audit api.AuditSink
	// Limiter applies the per-AccessKey throttle (nil: none).
	Limiter Limiter
	Logger  *slog.Logger
	// Secure: the server listens with TLS (cookies get Secure).
	Secure bool
	// SessionLifetime bounds a session; 0 means DefaultSessionLifetime.
	SessionLifetime time.Duration
	// RefreshInterval is how often the status script polls; 0 means 10 s.
	RefreshInterval time.Duration
	Now             func() time.Time
}

// Handler is the console's http.Handler, for paths under /console/.
type Handler struct {
	cfg   Config
	b     *backend
	mux   *http.ServeMux
	pages map[string]*pageTemplate
}

// Prefix is the path the console is served under.
const Prefix = "/console/"

// New returns the console handler. It panics if the embedded templates do
// not parse (a build defect caught by every test).
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = 10 * time.Second
	}
	h := &Handler{cfg: cfg, b: newBackend(cfg), mux: http.NewServeMux()}
	h.pages = parseTemplates()
	h.routes()
	return h
}

func (h *Handler) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

func (h *Handler) routes() {
	m := h.mux
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticHandler(http.FileServerFS(static))))
	m.HandleFunc("GET /console/{$}", h.authed(h.home))
	m.HandleFunc("GET /console/signin", h.signinForm)
	m.HandleFunc("POST /console/signin", h.signin)
	m.HandleFunc("POST /console/signout", h.authed(h.signout))
	m.HandleFunc("GET /console/regions", h.authed(h.regions))
	m.HandleFunc("GET /console/go", h.authed(h.goRegion))
	m.HandleFunc("GET /console/r/{region}/{$}", h.authed(h.regionHome))
	m.HandleFunc("GET /console/r/{region}/vpcs", h.authed(h.vpcs))
	m.HandleFunc("GET /console/r/{region}/gateways", h.authed(h.gateways))
	m.HandleFunc("GET /console/r/{region}/gateways/{id}", h.authed(h.gateway))
	m.HandleFunc("GET /console/r/{region}/customer-gateways", h.authed(h.customerGateways))
	m.HandleFunc("GET /console/r/{region}/customer-gateways/new", h.authed(h.customerGatewayNew))
	m.HandleFunc("POST /console/r/{region}/customer-gateways/new", h.authed(h.customerGatewayCreate))
	m.HandleFunc("GET /console/r/{region}/customer-gateways/{id}/edit", h.authed(h.customerGatewayEdit))
	m.HandleFunc("POST /console/r/{region}/customer-gateways/{id}/edit", h.authed(h.customerGatewayModify))
	m.HandleFunc("GET /console/r/{region}/customer-gateways/{id}/delete", h.authed(h.customerGatewayDeleteForm))
	m.HandleFunc("POST /console/r/{region}/customer-gateways/{id}/delete", h.authed(h.customerGatewayDelete))
	m.HandleFunc("GET /console/r/{region}/connections", h.authed(h.connections))
	m.HandleFunc("GET /console/r/{region}/connections/status", h.authed(h.connectionStatus))
	m.HandleFunc("GET /console/r/{region}/connections/new", h.authed(h.connectionNew))
	m.HandleFunc("POST /console/r/{region}/connections/new", h.authed(h.connectionCreate))
	m.HandleFunc("GET /console/r/{region}/connections/{id}", h.authed(h.connection))
	m.HandleFunc("POST /console/r/{region}/connections/{id}/reveal", h.authed(h.connectionReveal))
	m.HandleFunc("GET /console/r/{region}/connections/{id}/config.json", h.authed(h.downloadConfig))
	m.HandleFunc("GET /console/r/{region}/connections/{id}/config.xml", h.authed(h.downloadConfig))
	m.HandleFunc("GET /console/r/{region}/connections/{id}/device", h.authed(h.downloadDevice))
	m.HandleFunc("GET /console/r/{region}/connections/{id}/logs", h.authed(h.connectionLogs))
	m.HandleFunc("GET /console/r/{region}/connections/{id}/edit", h.authed(h.connectionEdit))
	m.HandleFunc("POST /console/r/{region}/connections/{id}/edit", h.authed(h.connectionModify))
	m.HandleFunc("GET /console/r/{region}/connections/{id}/delete", h.authed(h.connectionDeleteForm))
	m.HandleFunc("POST /console/r/{region}/connections/{id}/delete", h.authed(h.connectionDelete))
}

// contentSecurityPolicy allows only the console's own script, style and
// images: no inline script or style, no framing, forms posting only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	if r.URL.Path == "/console" {
		http.Redirect(w, r, Prefix, http.StatusFound)
		return
	}
	if !utf8.ValidString(r.URL.Path) {
		h.notFound(w, r)
		return
	}
	_, pattern := h.mux.Handler(r)
	if pattern == "" {
		h.notFound(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a console form body.
const maxFormBytes = 64 << 10

// req is one authenticated console request.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	h      *Handler
	s      session
	p      iam.Principal
	region string
}

// authed wraps a page that needs a signed-in user: it opens the session,
// re-resolves its key through the service, and for POST requests checks
// that the request is same-site and carries the session's CSRF token.
func (h *Handler) authed(f func(q *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.openSession(r)
		if err != nil {
			h.toSignin(w, r, "")
			return
		}
		if revoked, err := h.revoked(r, s); err != nil {
			h.cfg.Logger.Error("console: check session revocation", "err", err)
			h.unavailable(w, r)
			return
		} else if revoked {
			// Worth a look: the cookie was kept (or copied) after sign-out.
			h.cfg.Logger.Warn("console: signed-out session presented", "access_key_id", s.AccessKeyID,
				"source_ip", sourceIP(r).String(), "path", clip(r.URL.Path, 200))
			h.clearCookie(w, r, sessionCookie)
			h.toSignin(w, r, "Your session has ended: you signed out. Sign in again.")
			return
		}
		p, secret, err := h.cfg.Resolve(r.Context(), s.AccessKeyID, s.SecurityToken)
		if err != nil || !sameSecret(secret, s.Fingerprint) {
			msg := "Your session has ended: the AccessKey is no longer valid. Sign in again."
			if ae, ok := apierror.As(err); ok {
				msg = "Your session has ended (" + ae.Code + "): " + ae.Message + " Sign in again."
			} else if err != nil {
				h.cfg.Logger.Error("console: resolve session key", "err", err)
				msg = "The server could not check your session. Sign in again."
			}
			h.clearCookie(w, r, sessionCookie)
			h.toSignin(w, r, msg)
			return
		}
		q := &req{w: w, r: r, h: h, s: s, p: p}
		if reg := r.PathValue("region"); reg != "" || strings.HasPrefix(r.URL.Path, "/console/r/") {
			if !validRegionShape(reg) {
				h.notFound(w, r)
				return
			}
			q.region = reg
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if crossSite(r) {
				h.csrfRefused(w, r, q)
				return
			}
			if err := r.ParseForm(); err != nil {
				h.badForm(w, r, q, err)
				return
			}
			if !validCSRF(r, s.CSRF) {
				h.csrfRefused(w, r, q)
				return
			}
		}
		f(q)
	}
}

// validRegionShape accepts region ids as Alibaba spells them (the service
// decides whether the region exists).
func validRegionShape(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// pathID returns the {id} of the path; a malformed one is answered 404.
func (q *req) pathID() (string, bool) {
	id := q.r.PathValue("id")
	if !validIDShape(id) {
		q.h.notFound(q.w, q.r)
		return "", false
	}
	return id, true
}

// validIDShape accepts resource ids (letters, digits, '-'); the service
// decides whether they exist.
func validIDShape(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// toSignin sends the browser to the sign-in page, remembering where it was
// going (a GET page under /console/ only).
func (h *Handler) toSignin(w http.ResponseWriter, r *http.Request, msg string) {
	if r.Method != http.MethodGet || wantsJSON(r) {
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			// A form sent after the session ended: nothing was done.
			h.render(w, http.StatusUnauthorized, "error", &view{Title: "Signed out", Err: &errView{Title: "You are not signed in",
				Message: "Your session has ended, so nothing was done. Sign in again, then repeat what you were doing."}})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Not signed in to the vpcvpn console: sign in at " + Prefix + "signin\n"))
		return
	}
	v := url.Values{}
	if next := r.URL.RequestURI(); safeNext(next) && next != Prefix {
		v.Set("next", next)
	}
	if msg != "" {
		v.Set("ended", "1")
	}
	target := Prefix + "signin"
	if len(v) > 0 {
		target += "?" + v.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext accepts only a path inside the console (no scheme, no host, no
// "//" or backslash tricks) as a redirect target.
func safeNext(next string) bool {
	if !strings.HasPrefix(next, Prefix) || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") || len(next) >= 1024 {
		return false
	}
	// Browsers resolve %2e%2e (any case) as "..", and an escaped slash
	// could make "//": refuse dot segments in either spelling and escaped
	// slashes or dots in the path.
	path, _, _ := strings.Cut(next, "?")
	lower := strings.ToLower(path)
	return !strings.Contains(path, "/..") && !strings.Contains(path, "/./") && !strings.Contains(lower, "%2e") &&
		!strings.Contains(lower, "%2f") && !strings.Contains(lower, "%5c")
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
