package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// Sessions are sealed cookies: the session's fields, JSON-encoded and sealed
// with AES-256-GCM under the server's master key (internal/secret, additional
// data sessionAD), so any server holding the master key (every node of a
// PostgreSQL deployment) opens any session and nothing is kept in server
// memory. The cookie holds the AccessKeyId (and an STS session's
// SecurityToken, itself sealed), never the AccessKeySecret: the secret is
// checked once at sign-in, and the session keeps only a SHA-256 fingerprint
// of it so that a key whose secret no longer matches ends the session. Every
// request re-resolves the key through the service (service.Resolve), so a
// deactivated or deleted key, a deleted role or an expired STS token ends
// the session at once.
//
// Every session has a random id. Sign-out deletes the cookie in the browser
// and records the id as revoked until the session's expiry in the store
// (Config.Revocations, store.SessionStore), which every request of every
// server on that database checks: a copy of the cookie taken before sign-out
// is refused afterwards. Revocations past their expiry are purged.

// Sealer seals and opens the session cookie (secret.Keyring).
type Sealer interface {
	Seal(plaintext, ad string) (string, error)
	Open(sealed, ad string) (string, error)
}

const (
	sessionAD       = "vpcvpn console session v1"
	sessionCookie   = "vpcvpn_console"
	signinCookie    = "vpcvpn_console_signin" // CSRF token of the sign-in form
	cookiePath      = "/console/"
	csrfField       = "csrf_token"
	maxCookieLength = 4000
)

// DefaultSessionLifetime is how long a console session lasts after sign-in.
const DefaultSessionLifetime = 8 * time.Hour

// session is what the cookie holds.
type session struct {
	// ID identifies the session for revocation (random, base64url).
	ID            string `json:"id"`
	AccessKeyID   string `json:"ak"`
	SecurityToken string `json:"st,omitempty"`
	// Fingerprint is SHA-256 of the AccessKeySecret, base64.
	Fingerprint string `json:"fp"`
	CSRF        string `json:"csrf"`
	Issued      int64  `json:"iat"`
	Expires     int64  `json:"exp"`
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func fingerprint(secret string) string {
	sum := sha256.Sum256([]byte("vpcvpn console\x00" + secret))
	return base64.RawStdEncoding.EncodeToString(sum[:])
}

// sameSecret compares a secret with a session's fingerprint in constant time.
func sameSecret(secret, fp string) bool {
	return subtle.ConstantTimeCompare([]byte(fingerprint(secret)), []byte(fp)) == 1
}

// errNoSession: no cookie, or one that does not open or has expired.
var errNoSession = errors.New("no valid console session")

func (h *Handler) sealSession(s session) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	v, err := h.cfg.Keys.Seal(string(b), sessionAD)
	if err != nil {
		return "", err
	}
	if len(v) > maxCookieLength {
		return "", errors.New("the session does not fit in a cookie (SecurityToken too long)")
	}
	return url.QueryEscape(v), nil
}

func (h *Handler) openSession(r *http.Request) (session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 3*maxCookieLength {
		return session{}, errNoSession
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return session{}, errNoSession
	}
	plain, err := h.cfg.Keys.Open(v, sessionAD)
	if err != nil {
		return session{}, errNoSession
	}
	var s session
	if err := json.Unmarshal([]byte(plain), &s); err != nil || s.ID == "" || s.AccessKeyID == "" || s.CSRF == "" {
		return session{}, errNoSession
	}
	if !h.now().Before(time.Unix(s.Expires, 0)) {
		return session{}, errNoSession
	}
	return s, nil
}

// Revocations is where signed-out sessions are recorded (store.SessionStore).
type Revocations interface {
	// RevokeSession records that session id is revoked until until.
	RevokeSession(ctx context.Context, id string, until time.Time) error
	// SessionRevoked reports whether session id is revoked.
	SessionRevoked(ctx context.Context, id string) (bool, error)
}

// revoked reports whether s was signed out (always false without
// Config.Revocations).
func (h *Handler) revoked(r *http.Request, s session) (bool, error) {
	if h.cfg.Revocations == nil {
		return false, nil
	}
	return h.cfg.Revocations.SessionRevoked(r.Context(), s.ID)
}

// cookie returns a console cookie with the attributes every console cookie
// has: HttpOnly, SameSite=Strict, Path /console/, Secure over TLS.
func (h *Handler) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: cookiePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.cfg.Secure || r.TLS != nil}
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, h.cookie(r, name, "", -1))
}

// validCSRF compares the form's token with want in constant time.
func validCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue(csrfField)
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// crossSite reports whether the browser says the request came from another
// site (Sec-Fetch-Site, or an Origin header naming another host): such a
// state-changing request is refused whatever its token.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return true
		}
	}
	return false
}
