package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// signinData is the sign-in page's data. The secret is never echoed back.
type signinData struct {
	AccessKeyID string
	Next        string
	Ended       bool
}

func (h *Handler) signinForm(w http.ResponseWriter, r *http.Request) {
	h.showSignin(w, r, http.StatusOK, signinData{Next: nextParam(r.URL.Query().Get("next")), Ended: r.URL.Query().Get("ended") != ""}, nil)
}

// showSignin renders the sign-in form with a fresh sign-in CSRF token
// (double submit: the same random value in a cookie and in the form).
func (h *Handler) showSignin(w http.ResponseWriter, r *http.Request, status int, d signinData, e *errView) {
	tok := randomToken()
	http.SetCookie(w, h.cookie(r, signinCookie, tok, 3600))
	h.render(w, status, "signin", &view{Title: "Sign in", CSRF: tok, Err: e, Data: d})
}

func nextParam(next string) string {
	if safeNext(next) {
		return next
	}
	return ""
}

// signin checks an AccessKey pair (or STS credentials) through the API's
// credential path and starts a session.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if crossSite(r) {
		h.csrfRefused(w, r, nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.badForm(w, r, nil, err)
		return
	}
	c, err := r.Cookie(signinCookie)
	if err != nil || !validCSRF(r, c.Value) {
		h.csrfRefused(w, r, nil)
		return
	}
	ak := strings.TrimSpace(r.PostFormValue("AccessKeyId"))
	secret := strings.TrimSpace(r.PostFormValue("AccessKeySecret"))
	token := strings.TrimSpace(r.PostFormValue("SecurityToken"))
	d := signinData{AccessKeyID: clip(ak, 128), Next: nextParam(r.PostFormValue("next"))}
	if ak == "" || secret == "" {
		h.showSignin(w, r, http.StatusBadRequest, d, &errView{Title: "Sign-in failed", Code: "MissingParameter",
			Message: "Enter an AccessKeyId and its AccessKeySecret (and the SecurityToken for STS credentials)."})
		return
	}
	p, want, err := h.cfg.Resolve(r.Context(), ak, token)
	if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		err = apierror.Newf("SignatureDoesNotMatch", "The AccessKeySecret does not match.")
	}
	if err != nil {
		h.b.recordSignin(r, audit.EventConsoleSignin, iam.Principal{}, ak, err)
		h.showSignin(w, r, http.StatusUnauthorized, d, signinError(err))
		return
	}
	now := h.now()
	s := session{ID: randomToken(), AccessKeyID: ak, SecurityToken: token, Fingerprint: fingerprint(secret), CSRF: randomToken(),
		Issued: now.Unix(), Expires: now.Add(h.cfg.SessionLifetime).Unix()}
	v, err := h.sealSession(s)
	if err != nil {
		h.showSignin(w, r, http.StatusBadRequest, d, &errView{Title: "Sign-in failed", Code: "InvalidSecurityToken.Malformed", Message: err.Error()})
		return
	}
	h.b.recordSignin(r, audit.EventConsoleSignin, p, ak, nil)
	http.SetCookie(w, h.cookie(r, sessionCookie, v, int(h.cfg.SessionLifetime.Seconds())))
	h.clearCookie(w, r, signinCookie)
	target := d.Next
	if target == "" {
		target = Prefix
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// signinError is what a failed sign-in shows. Unknown key and wrong secret
// read the same, so the form does not tell which AccessKeyIds exist.
func signinError(err error) *errView {
	ae, ok := apierror.As(err)
	if !ok {
		return &errView{Title: "Sign-in failed", Code: "InternalError", Message: "The server could not check the credentials; try again."}
	}
	switch ae.Code {
	case "InvalidSecurityToken.Expired", "InvalidSecurityToken.Malformed", "InvalidSecurityToken.MismatchWithAccessKey":
		return &errView{Title: "Sign-in failed", Code: ae.Code, Message: ae.Message}
	case "Throttling.User":
		return &errView{Title: "Sign-in failed", Code: ae.Code, Message: ae.Message}
	}
	return &errView{Title: "Sign-in failed", Code: "InvalidAccessKey",
		Message: "The AccessKeyId and AccessKeySecret do not match an active AccessKey. Check both (STS credentials need their SecurityToken too)."}
}

// signout revokes the session in the store (so that a copy of its cookie
// is refused by every server) and deletes the cookie. When the revocation
// cannot be written the user is told so and stays signed in: a sign-out that
// only looked done would leave a valid cookie behind.
func (h *Handler) signout(q *req) {
	if h.cfg.Revocations != nil {
		if err := h.cfg.Revocations.RevokeSession(q.r.Context(), q.s.ID, time.Unix(q.s.Expires, 0)); err != nil {
			h.cfg.Logger.Error("console: revoke session", "err", err)
			h.b.recordSignin(q.r, audit.EventConsoleSignout, q.p, q.s.AccessKeyID, apierror.New("ServiceUnavailable"))
			h.unavailable(q.w, q.r)
			return
		}
	}
	h.b.recordSignin(q.r, audit.EventConsoleSignout, q.p, q.s.AccessKeyID, nil)
	h.clearCookie(q.w, q.r, sessionCookie)
	http.Redirect(q.w, q.r, Prefix+"signin", http.StatusSeeOther)
}

// home sends a signed-in user to the region picker.
func (h *Handler) home(q *req) {
	http.Redirect(q.w, q.r, Prefix+"regions", http.StatusFound)
}
