package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// Window is how far a request's timestamp may be from the server's clock, and
// how long a nonce is remembered after it.
const Window = 15 * time.Minute

// Credentials resolves an AccessKeyId to a principal and its signing secret.
type Credentials interface {
	// Resolve returns the principal and the secret for accessKeyID.
	// securityToken is the STS token sent with the request ("" if none).
	// Errors are wire errors (InvalidAccessKeyId.NotFound, .Inactive,
	// InvalidSecurityToken.*) or internal errors.
	Resolve(ctx context.Context, accessKeyID, securityToken string) (iam.Principal, string, error)
}

// Authenticator verifies request signatures.
type Authenticator struct {
	Creds  Credentials
	Nonces store.NonceStore
	Now    func() time.Time
	// NotBefore, when set, refuses requests signed before it
	// (InvalidTimeStamp.Expired): the start of a process whose nonce store
	// lives in memory, which knows nothing of the nonces used before it
	// started. Requests signed since are protected as usual.
	NotBefore time.Time
	v         *signature.Verifier
	creds     *credentialCache // nil: every request resolves its key in Creds
}

// NewAuthenticator returns an Authenticator resolving keys with creds and
// remembering nonces in nonces.
func NewAuthenticator(creds Credentials, nonces store.NonceStore) *Authenticator {
	return &Authenticator{Creds: creds, Nonces: nonces, v: signature.NewVerifier(0)}
}

const v1TimeLayout = "2006-01-02T15:04:05Z"

// parseTimestamp is time.Parse(v1TimeLayout, s) with a fast path for the
// plain digits every SDK sends (time.Parse cost ~0.5 us per request);
// anything else goes to time.Parse, which decides.
func parseTimestamp(s string) (time.Time, error) {
	if len(s) == len(v1TimeLayout) && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' {
		var v [6]int
		ok := true
		for i, at := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
			for j := at[0]; j < at[1]; j++ {
				c := s[j]
				if c < '0' || c > '9' {
					ok = false
				}
				v[i] = v[i]*10 + int(c-'0')
			}
		}
		if ok && v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= 28 && v[3] <= 23 && v[4] <= 59 && v[5] <= 59 {
			// Days up to 28 exist in every month; later days (and the
			// out-of-range errors) are left to time.Parse.
			return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.UTC), nil
		}
	}
	return time.Parse(v1TimeLayout, s)
}

// Authenticate verifies the request and returns its principal.
// params is the request's parameters as a map and as the list they were
// sent in (query then form body, duplicates removed). hv is the request's
// V3 headers as readV3Headers returned them, nil for a V1 request (no
// Authorization header).
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, params map[string]string, list []signature.Param, body []byte, hv *v3Headers) (iam.Principal, error) {
	if hv != nil {
		return a.v3(ctx, r, params, body, hv)
	}
	return a.v1(ctx, r, params, list)
}

// v3Headers are the values of the headers a V3 request is acted on by, each
// exactly as the V3 canonicalisation signs it. The canonicalisation trims
// every Unicode white space around a value and joins repeated field lines
// with ",", so a value used as received could differ from the value signed
// (a nonce followed by U+00A0 is signed as the bare nonce, and two nonce
// lines "a" and "b" are signed alike in either order): these headers must
// therefore come in one field line, without white space the
// canonicalisation would remove, and the value used is the value signed.
type v3Headers struct {
	authorization string
	action        string // x-acs-action
	version       string // x-acs-version
	date          string // x-acs-date
	nonce         string // x-acs-signature-nonce
	contentSHA256 string // x-acs-content-sha256
	securityToken string // x-acs-security-token
}

// readV3Headers reads the V3 headers of r; ok is false for a request
// without an Authorization header (a V1 request, whose x-acs-* headers are
// not signed and are never used). A header sent on more than one line is
// InvalidParameter.Duplicate; a value with white space around it is
// InvalidParameter (the nonce's character set is checked by checkNonce).
func readV3Headers(h http.Header) (hv v3Headers, ok bool, err error) {
	auth, n := oneHeader(h, "Authorization")
	if n == 0 || auth == "" {
		return hv, false, nil
	}
	if n > 1 {
		return hv, true, duplicateHeader("Authorization", n)
	}
	hv.authorization = auth
	for _, f := range [...]struct {
		key, name string
		dst       *string
	}{
		{"X-Acs-Action", "x-acs-action", &hv.action},
		{"X-Acs-Version", "x-acs-version", &hv.version},
		{"X-Acs-Date", "x-acs-date", &hv.date},
		{"X-Acs-Signature-Nonce", "x-acs-signature-nonce", &hv.nonce},
		{"X-Acs-Content-Sha256", "x-acs-content-sha256", &hv.contentSHA256},
		{"X-Acs-Security-Token", "x-acs-security-token", &hv.securityToken},
	} {
		v, n := oneHeader(h, f.key)
		if n > 1 {
			return hv, true, duplicateHeader(f.name, n)
		}
		if f.dst != &hv.nonce && strings.TrimSpace(v) != v {
			return hv, true, apierror.Newf("InvalidParameter", "The %s header has white space around its value; send the value alone.", f.name)
		}
		*f.dst = v
	}
	return hv, true, nil
}

// oneHeader returns the first value of the canonical header key and the
// number of field lines it came in.
func oneHeader(h http.Header, key string) (string, int) {
	vs := h[key]
	if len(vs) == 0 {
		return "", 0
	}
	return vs[0], len(vs)
}

func duplicateHeader(name string, n int) error {
	return apierror.Newf("InvalidParameter.Duplicate", "The %s header is given on %d lines; send it once.", name, n)
}

// MaxNonceLen bounds a signature nonce.
const MaxNonceLen = 128

// nonceChars describes the characters a nonce may hold, for messages.
const nonceChars = "A-Z, a-z, 0-9 and - _ . ~ + / ="

// checkNonce checks a nonce (SignatureNonce of V1, x-acs-signature-nonce of
// V3; name says which): 1 to MaxNonceLen characters of nonceChars. Every
// SDK's nonce fits (hex digits, UUIDs, decimal fractions, base64); white
// space, separators and non-ASCII characters, which canonicalisation could
// hide or reorder, are refused.
func checkNonce(name, v string) error {
	if len(v) > MaxNonceLen {
		return apierror.Newf("InvalidParameter.TooLong", "%s is longer than %d characters.", name, MaxNonceLen)
	}
	for i := 0; i < len(v); i++ {
		if !nonceByte(v[i]) {
			return apierror.Newf("InvalidParameter.SignatureNonce", "%s may only hold %s (1 to %d characters); byte %d is %q. Send a fresh random nonce, e.g. 32 hex digits.", name, nonceChars, MaxNonceLen, i+1, v[i:i+1])
		}
	}
	return nil
}

func nonceByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '~', c == '+', c == '/', c == '=':
		return true
	}
	return false
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Authenticator) checkTime(ts time.Time) error {
	d := a.now().Sub(ts)
	if d > Window || d < -Window {
		return apierror.Newf("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired: %s is more than 15 minutes from the server's time %s.", ts.UTC().Format(v1TimeLayout), a.now().UTC().Format(v1TimeLayout))
	}
	if ts.Before(a.NotBefore) {
		return apierror.Newf("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired: %s is before this server started (%s), and the nonces of requests signed before then are not known to it; sign the request again (check the client's clock if this repeats).", ts.UTC().Format(v1TimeLayout), a.NotBefore.UTC().Format(v1TimeLayout))
	}
	return nil
}

func (a *Authenticator) v1(ctx context.Context, r *http.Request, params map[string]string, list []signature.Param) (iam.Principal, error) {
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp"} {
		if params[name] == "" {
			return iam.Principal{}, apierror.Missing(name)
		}
	}
	if m := params["SignatureMethod"]; m != "HMAC-SHA1" {
		return iam.Principal{}, apierror.Newf("InvalidSignatureMethod", "Specified signature method %q is not supported; use HMAC-SHA1 or the ACS3-HMAC-SHA256 Authorization header.", clip(m))
	}
	if v, ok := params["SignatureVersion"]; ok && v != "1.0" {
		return iam.Principal{}, apierror.Newf("InvalidSignatureVersion", "Specified signature version %q is not supported; use 1.0.", clip(v))
	}
	if err := checkNonce("SignatureNonce", params["SignatureNonce"]); err != nil {
		return iam.Principal{}, err
	}
	ts, err := parseTimestamp(params["Timestamp"])
	if err != nil {
		return iam.Principal{}, apierror.Newf("InvalidTimeStamp.Format", "Specified time stamp %q is not well formatted; use UTC ISO 8601 like 2006-01-02T15:04:05Z.", clip(params["Timestamp"]))
	}
	if err := a.checkTime(ts); err != nil {
		return iam.Principal{}, err
	}
	ak := params["AccessKeyId"]
	p, secret, err := a.resolve(ctx, ak, params["SecurityToken"])
	if err != nil {
		return iam.Principal{}, err
	}
	if err := a.v.VerifyV1(r.Method, list, secret); err != nil {
		if errors.Is(err, signature.ErrIncomplete) {
			return iam.Principal{}, apierror.Newf("IncompleteSignature", "The request signature is incomplete: %s.", err.Error())
		}
		return iam.Principal{}, apierror.Newf("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:%s", signature.V1StringToSign(r.Method, redactToken(list)))
	}
	if err := a.useNonce(ctx, ak, params["SignatureNonce"], ts); err != nil {
		return iam.Principal{}, err
	}
	return p, nil
}

func (a *Authenticator) v3(ctx context.Context, r *http.Request, params map[string]string, body []byte, hv *v3Headers) (iam.Principal, error) {
	authz := hv.authorization
	if alg, _, _ := strings.Cut(authz, " "); alg != signature.V3Algorithm {
		if strings.HasPrefix(alg, "ACS3-") {
			return iam.Principal{}, apierror.Newf("InvalidSignatureMethod", "Signature algorithm %q is not supported; use ACS3-HMAC-SHA256.", clip(alg))
		}
		return iam.Principal{}, apierror.Newf("IncompleteSignature", "The Authorization header must start with ACS3-HMAC-SHA256.")
	}
	auth, err := signature.ParseV3Authorization(authz)
	if err != nil {
		return iam.Principal{}, apierror.Newf("IncompleteSignature", "The Authorization header is not a valid ACS3-HMAC-SHA256 header: %s.", err.Error())
	}
	signed := map[string]bool{}
	for _, h := range auth.SignedHeaders {
		signed[h] = true
	}
	for _, h := range [...]struct {
		name  string
		value string
	}{
		{"host", "-"}, {"x-acs-date", hv.date}, {"x-acs-signature-nonce", hv.nonce},
		{"x-acs-content-sha256", hv.contentSHA256}, {"x-acs-action", hv.action}, {"x-acs-version", hv.version},
	} {
		if h.value == "" {
			if h.name == "x-acs-action" && params["Action"] != "" || h.name == "x-acs-version" && params["Version"] != "" {
				continue
			}
			return iam.Principal{}, apierror.Newf("IncompleteSignature", "The request lacks the %s header.", h.name)
		}
		if !signed[h.name] {
			return iam.Principal{}, apierror.Newf("IncompleteSignature", "The %s header must be listed in SignedHeaders.", h.name)
		}
	}
	if err := checkNonce("The x-acs-signature-nonce header", hv.nonce); err != nil {
		return iam.Principal{}, err
	}
	ts, err := parseTimestamp(hv.date)
	if err != nil {
		return iam.Principal{}, apierror.Newf("InvalidTimeStamp.Format", "Specified x-acs-date %q is not well formatted; use UTC ISO 8601 like 2006-01-02T15:04:05Z.", clip(hv.date))
	}
	if err := a.checkTime(ts); err != nil {
		return iam.Principal{}, err
	}
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	if !signature.Equal(hv.contentSHA256, bodyHash) {
		return iam.Principal{}, apierror.Newf("SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the SHA-256 of the request body (server computed %s; send the lower-case hex digest).", bodyHash)
	}
	token := hv.securityToken
	if qt := params["SecurityToken"]; qt != "" {
		if token != "" && token != qt {
			return iam.Principal{}, apierror.Newf("InvalidParameter.Duplicate", "The x-acs-security-token header and the SecurityToken parameter differ; send the token once.")
		}
		token = qt
	}
	p, secret, err := a.resolve(ctx, auth.AccessKeyID, token)
	if err != nil {
		return iam.Principal{}, err
	}
	header := signature.HeaderFunc(r)
	// The canonical query covers the query string only, not a form body.
	qp, err := parseParams(nil, r.URL.RawQuery)
	if err != nil {
		return iam.Principal{}, err
	}
	if err := a.v.VerifyV3(r.Method, r.URL.Path, qp, header, auth, bodyHash, secret); err != nil {
		if errors.Is(err, signature.ErrIncomplete) {
			return iam.Principal{}, apierror.Newf("IncompleteSignature", "The request signature is incomplete: %s.", err.Error())
		}
		sts := signature.V3StringToSign(signature.V3CanonicalRequest(r.Method, r.URL.Path, qp, header, auth.SignedHeaders, bodyHash))
		return iam.Principal{}, apierror.Newf("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:%s", sts)
	}
	// The nonce is the value signed (readV3Headers and checkNonce made sure
	// the canonicalisation left it as it is).
	if err := a.useNonce(ctx, auth.AccessKeyID, hv.nonce, ts); err != nil {
		return iam.Principal{}, err
	}
	return p, nil
}

// useNonce records a nonce that checkNonce accepted.
func (a *Authenticator) useNonce(ctx context.Context, ak, nonce string, ts time.Time) error {
	fresh, err := a.Nonces.UseNonce(ctx, ak+"\x00"+nonce, ts.Add(Window))
	if err != nil {
		return err
	}
	if !fresh {
		return apierror.Newf("SignatureNonceUsed", "Specified signature nonce %q was used already within the last 15 minutes; send a new nonce with every request.", clip(nonce))
	}
	return nil
}

// credentialCache remembers what Credentials.Resolve answered for long-term
// AccessKeys (no security token), so that a request does not read and
// unseal its key in the store every time. Only successful resolutions are
// kept (a key that was not found or disabled is looked up again on its next
// request), each for at most ttl, bounded to max keys. forget drops
// everything; the Server calls it when a RAM action that could change a key
// or its user (any RAM action but Get*/List*) has been handled, before its
// answer is written, so the caller's next request sees the change. A
// resolution that raced with forget is not kept (generation check).
type credentialCache struct {
	mu      sync.RWMutex
	entries map[string]credential
	max     int
	ttl     time.Duration
	gen     atomic.Uint64
}

type credential struct {
	p       iam.Principal
	secret  string
	expires time.Time
}

func (c *credentialCache) get(ak string, now time.Time) (credential, bool) {
	c.mu.RLock()
	e, ok := c.entries[ak]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return credential{}, false
	}
	return e, true
}

func (c *credentialCache) put(ak string, e credential, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.entries == nil {
		c.entries = make(map[string]credential)
	}
	if _, ok := c.entries[ak]; !ok && len(c.entries) >= c.max {
		for k := range c.entries { // evict an arbitrary entry
			delete(c.entries, k)
			break
		}
	}
	c.entries[ak] = e
}

func (c *credentialCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.entries = nil
}

// CacheCredentials makes the Authenticator remember resolved long-term
// AccessKeys for up to ttl (at most max keys). Only for a store no other
// server writes to (single-node SQLite): a key disabled through another
// process takes effect here only when its entry expires. Changes made
// through this server's RAM actions take effect at once (Server forgets
// the cache after each). Call before serving.
func (a *Authenticator) CacheCredentials(max int, ttl time.Duration) {
	a.creds = &credentialCache{max: max, ttl: ttl}
}

// ForgetCredentials drops every cached credential (no-op without a cache).
func (a *Authenticator) ForgetCredentials() {
	if a.creds != nil {
		a.creds.forget()
	}
}

// resolve is Creds.Resolve through the credential cache.
func (a *Authenticator) resolve(ctx context.Context, ak, token string) (iam.Principal, string, error) {
	c := a.creds
	if c == nil || token != "" || strings.HasPrefix(ak, "STS.") {
		return a.Creds.Resolve(ctx, ak, token)
	}
	now := time.Now()
	if e, ok := c.get(ak, now); ok {
		return e.p, e.secret, nil
	}
	gen := c.gen.Load()
	p, secret, err := a.Creds.Resolve(ctx, ak, token)
	if err == nil {
		c.put(ak, credential{p: p, secret: secret, expires: now.Add(c.ttl)}, gen)
	}
	return p, secret, err
}
