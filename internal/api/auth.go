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
	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// Window is how far a request's timestamp may be from the server's clock, and
// how long a nonce is remembered after it (signature.Window, the one value
// the nonce stores derive theirs from).
const Window = signature.Window

// NonceLifetime is the longest a nonce store must be able to keep a nonce
// from the moment it is used: a timestamp may lie Window ahead of the
// server's clock and its nonce is kept until Window after the timestamp. A
// store with a shorter horizon (internal/nonce's Options.Window) would
// refuse the requests signed by a client whose clock runs ahead.
const NonceLifetime = 2 * Window

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
	Nonces NonceStore
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
func NewAuthenticator(creds Credentials, nonces NonceStore) *Authenticator {
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

// Authenticate verifies the request and returns its principal, and the
// cache generations of the principal's account as read with its nonce (when
// the nonce store reads them: GenerationClaimer; fresh.OK is false
// otherwise). params is the request's parameters as a map and as the list
// they were sent in (query then form body, duplicates removed). hv is the
// request's V3 headers as readV3Headers returned them, nil for a V1 request
// (no Authorization header).
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, params map[string]string, list []signature.Param, body []byte, hv *v3Headers) (p iam.Principal, fresh cachegen.Snapshot, err error) {
	if hv != nil {
		return a.v3(ctx, r, params, body, hv)
	}
	return a.v1(ctx, r, params, list)
}

// NonceStore remembers the nonces of recent requests (internal/store's
// backends implement it; api declares what it consumes so that the wire
// layer does not depend on storage).
type NonceStore interface {
	// UseNonce records key until expires and reports whether it was fresh
	// (false: it was already used and has not expired). An error with a
	// method SignedBeforeRestart() returning true (store.ErrSignedBeforeRestart)
	// refuses a request signed before the store last lost recent nonces.
	UseNonce(ctx context.Context, key string, expires time.Time) (bool, error)
}

// signedBeforeRestart reports whether err is a nonce store's refusal of a
// request signed before it last lost recent nonces
// (store.ErrSignedBeforeRestart, recognised by its method).
func signedBeforeRestart(err error) bool {
	var r interface{ SignedBeforeRestart() bool }
	return errors.As(err, &r) && r.SignedBeforeRestart()
}

// GenerationClaimer is a nonce store shared by several servers
// (internal/store/postgres) that reads an account's cache generations
// (internal/cachegen) in the statement that claims a nonce: as committed
// after the claim began, so after the request arrived.
type GenerationClaimer interface {
	ClaimNonce(ctx context.Context, key string, expires time.Time, account string) (bool, cachegen.Gens, error)
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

func (a *Authenticator) v1(ctx context.Context, r *http.Request, params map[string]string, list []signature.Param) (iam.Principal, cachegen.Snapshot, error) {
	p, c, err := a.v1Verify(ctx, r, params, list)
	if err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	return a.claim(ctx, p, c, params["AccessKeyId"], params["SignatureNonce"], c.ts, func(p iam.Principal, secret string) error {
		return a.checkV1(r, list, secret)
	})
}

// verified is what a request's signature check leaves for its nonce claim.
type verified struct {
	ts time.Time
	// cached: the principal came from the generation-checked credential
	// cache, filled under generation gen.
	cached bool
	gen    uint64
}

// claim claims the request's nonce (with the cache generations of p's
// account when the store reads them) and, when p came from the
// generation-checked credential cache and the account's credentials
// changed since the entry was filled, resolves the key again and checks
// the signature with what it resolves to (recheck), so that a key
// deactivated or deleted on any node is refused from the next request on.
func (a *Authenticator) claim(ctx context.Context, p iam.Principal, v verified, ak, nonce string, ts time.Time, recheck func(iam.Principal, string) error) (iam.Principal, cachegen.Snapshot, error) {
	fresh, err := a.useNonce(ctx, ak, nonce, ts, p.AccountID)
	if err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	if c := a.creds; c != nil && fresh.OK {
		c.saw(fresh)
		if v.cached && fresh.Gens.Credentials != v.gen {
			c.drop(ak)
			forgets := c.gen.Load()
			np, secret, err := a.Creds.Resolve(ctx, ak, "")
			if err != nil {
				return iam.Principal{}, cachegen.Snapshot{}, err
			}
			if err := recheck(np, secret); err != nil {
				return iam.Principal{}, cachegen.Snapshot{}, err
			}
			if np.AccountID == fresh.Account {
				// fresh was read before this resolution.
				c.put(ak, credential{p: np, secret: secret, gen: fresh.Gens.Credentials, expires: a.now().Add(c.ttl)}, forgets)
			}
			if np.AccountID != p.AccountID {
				fresh = cachegen.Snapshot{}
			}
			p = np
		}
	}
	return p, fresh, nil
}

// checkV1 verifies a V1 signature with secret.
func (a *Authenticator) checkV1(r *http.Request, list []signature.Param, secret string) error {
	if err := a.v.VerifyV1(r.Method, list, secret); err != nil {
		if errors.Is(err, signature.ErrIncomplete) {
			return apierror.Newf("IncompleteSignature", "The request signature is incomplete: %s.", err.Error())
		}
		return apierror.Newf("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:%s", signature.V1StringToSign(r.Method, redactToken(list)))
	}
	return nil
}

func (a *Authenticator) v1Verify(ctx context.Context, r *http.Request, params map[string]string, list []signature.Param) (iam.Principal, verified, error) {
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp"} {
		if params[name] == "" {
			return iam.Principal{}, verified{}, apierror.Missing(name)
		}
	}
	if m := params["SignatureMethod"]; m != "HMAC-SHA1" {
		return iam.Principal{}, verified{}, apierror.Newf("InvalidSignatureMethod", "Specified signature method %q is not supported; use HMAC-SHA1 or the ACS3-HMAC-SHA256 Authorization header.", clip(m))
	}
	if v, ok := params["SignatureVersion"]; ok && v != "1.0" {
		return iam.Principal{}, verified{}, apierror.Newf("InvalidSignatureVersion", "Specified signature version %q is not supported; use 1.0.", clip(v))
	}
	if err := checkNonce("SignatureNonce", params["SignatureNonce"]); err != nil {
		return iam.Principal{}, verified{}, err
	}
	ts, err := parseTimestamp(params["Timestamp"])
	if err != nil {
		return iam.Principal{}, verified{}, apierror.Newf("InvalidTimeStamp.Format", "Specified time stamp %q is not well formatted; use UTC ISO 8601 like 2006-01-02T15:04:05Z.", clip(params["Timestamp"]))
	}
	if err := a.checkTime(ts); err != nil {
		return iam.Principal{}, verified{}, err
	}
	ak := params["AccessKeyId"]
	p, secret, v, err := a.resolve(ctx, ak, params["SecurityToken"])
	if err != nil {
		return iam.Principal{}, verified{}, err
	}
	if err := a.checkV1(r, list, secret); err != nil {
		return iam.Principal{}, verified{}, err
	}
	v.ts = ts
	return p, v, nil
}

func (a *Authenticator) v3(ctx context.Context, r *http.Request, params map[string]string, body []byte, hv *v3Headers) (iam.Principal, cachegen.Snapshot, error) {
	authz := hv.authorization
	if alg, _, _ := strings.Cut(authz, " "); alg != signature.V3Algorithm {
		if strings.HasPrefix(alg, "ACS3-") {
			return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("InvalidSignatureMethod", "Signature algorithm %q is not supported; use ACS3-HMAC-SHA256.", clip(alg))
		}
		return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("IncompleteSignature", "The Authorization header must start with ACS3-HMAC-SHA256.")
	}
	auth, err := signature.ParseV3Authorization(authz)
	if err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("IncompleteSignature", "The Authorization header is not a valid ACS3-HMAC-SHA256 header: %s.", err.Error())
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
			return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("IncompleteSignature", "The request lacks the %s header.", h.name)
		}
		if !signed[h.name] {
			return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("IncompleteSignature", "The %s header must be listed in SignedHeaders.", h.name)
		}
	}
	if err := checkNonce("The x-acs-signature-nonce header", hv.nonce); err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	ts, err := parseTimestamp(hv.date)
	if err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("InvalidTimeStamp.Format", "Specified x-acs-date %q is not well formatted; use UTC ISO 8601 like 2006-01-02T15:04:05Z.", clip(hv.date))
	}
	if err := a.checkTime(ts); err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	if !signature.Equal(hv.contentSHA256, bodyHash) {
		return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the SHA-256 of the request body (server computed %s; send the lower-case hex digest).", bodyHash)
	}
	token := hv.securityToken
	if qt := params["SecurityToken"]; qt != "" {
		if token != "" && token != qt {
			return iam.Principal{}, cachegen.Snapshot{}, apierror.Newf("InvalidParameter.Duplicate", "The x-acs-security-token header and the SecurityToken parameter differ; send the token once.")
		}
		token = qt
	}
	p, secret, v, err := a.resolve(ctx, auth.AccessKeyID, token)
	if err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	header := signature.HeaderFunc(r)
	// The canonical query covers the query string only, not a form body.
	qp, err := parseParams(nil, r.URL.RawQuery)
	if err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	check := func(_ iam.Principal, secret string) error {
		if err := a.v.VerifyV3(r.Method, r.URL.Path, qp, header, auth, bodyHash, secret); err != nil {
			if errors.Is(err, signature.ErrIncomplete) {
				return apierror.Newf("IncompleteSignature", "The request signature is incomplete: %s.", err.Error())
			}
			sts := signature.V3StringToSign(signature.V3CanonicalRequest(r.Method, r.URL.Path, qp, header, auth.SignedHeaders, bodyHash))
			return apierror.Newf("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:%s", sts)
		}
		return nil
	}
	if err := check(p, secret); err != nil {
		return iam.Principal{}, cachegen.Snapshot{}, err
	}
	// The nonce is the value signed (readV3Headers and checkNonce made sure
	// the canonicalisation left it as it is).
	return a.claim(ctx, p, v, auth.AccessKeyID, hv.nonce, ts, check)
}

// useNonce records a nonce that checkNonce accepted.
// With a GenerationClaimer it also returns account's cache generations,
// read in the same statement.
func (a *Authenticator) useNonce(ctx context.Context, ak, nonce string, ts time.Time, account string) (cachegen.Snapshot, error) {
	var fresh bool
	var snap cachegen.Snapshot
	var err error
	if gc, ok := a.Nonces.(GenerationClaimer); ok {
		snap.Account, snap.OK = account, account != ""
		fresh, snap.Gens, err = gc.ClaimNonce(ctx, ak+"\x00"+nonce, ts.Add(Window), account)
	} else {
		fresh, err = a.Nonces.UseNonce(ctx, ak+"\x00"+nonce, ts.Add(Window))
	}
	if signedBeforeRestart(err) {
		return cachegen.Snapshot{}, apierror.Newf("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired: %s is before the shared nonce store last restarted, and the nonces of requests signed before then may be lost; sign the request again (check the client's clock if this repeats).", ts.UTC().Format(v1TimeLayout))
	}
	if err != nil {
		return cachegen.Snapshot{}, err
	}
	if !fresh {
		return cachegen.Snapshot{}, apierror.Newf("SignatureNonceUsed", "Specified signature nonce %q was used already within the last 15 minutes; send a new nonce with every request.", clip(nonce))
	}
	return snap, nil
}

// credentialCache remembers what Credentials.Resolve answered for long-term
// AccessKeys (no security token), so that a request does not read and
// unseal its key in the store every time. Only successful resolutions are
// kept (a key that was not found or disabled is looked up again on its next
// request), bounded to max keys. forget drops everything; the Server calls
// it when a RAM action that could change a key or its user (any RAM action
// but Get*/List*) has been handled, before its answer is written, so the
// caller's next request sees the change. A resolution that raced with
// forget is not kept (gen check).
//
// It works in one of two ways:
//   - single node (CacheCredentials): an entry is used for at most ttl; a
//     change made by another process on the same store takes effect when
//     the entry expires.
//   - checked (CacheCheckedCredentials, several servers on one database):
//     an entry records its account's credentials generation
//     (internal/cachegen) as read before the key was; every request that
//     used it claims its nonce together with a fresh reading of that
//     generation, and when the two differ the key is resolved again and the
//     signature checked with the result (Authenticator.claim). A change
//     made through any server is thus seen by the next request.
type credentialCache struct {
	mu      sync.RWMutex
	entries map[string]credential
	max     int
	ttl     time.Duration
	gen     atomic.Uint64
	checked bool

	// checked mode: the account each key resolved to, and the newest
	// credentials generation of each account read so far (a reading
	// taken before a resolution that starts after it is stored).
	accounts sync.Map // AccessKeyId -> account
	latest   sync.Map // account -> *atomic.Uint64 (generation + 1; 0: none)
}

type credential struct {
	p       iam.Principal
	secret  string
	expires time.Time
	gen     uint64 // checked mode: the account's credentials generation read before the key
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

func (c *credentialCache) drop(ak string) {
	c.mu.Lock()
	delete(c.entries, ak)
	c.mu.Unlock()
}

func (c *credentialCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.entries = nil
}

// saw records a reading of an account's generations (checked mode).
func (c *credentialCache) saw(s cachegen.Snapshot) {
	if !c.checked || !s.OK {
		return
	}
	v, ok := c.latest.Load(s.Account)
	if !ok {
		v, _ = c.latest.LoadOrStore(s.Account, new(atomic.Uint64))
	}
	p := v.(*atomic.Uint64)
	for {
		old := p.Load()
		if old >= s.Gens.Credentials+1 || p.CompareAndSwap(old, s.Gens.Credentials+1) {
			return
		}
	}
}

// before returns the newest reading of the credentials generation of the
// account ak resolved to last time, if any (checked mode).
func (c *credentialCache) before(ak string) (account string, gen uint64, ok bool) {
	a, ok := c.accounts.Load(ak)
	if !ok {
		return "", 0, false
	}
	account = a.(string)
	v, ok := c.latest.Load(account)
	if !ok {
		return "", 0, false
	}
	g := v.(*atomic.Uint64).Load()
	return account, g - 1, g != 0
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

// CacheCheckedCredentials makes the Authenticator remember resolved
// long-term AccessKeys (at most max, each for at most ttl), every use
// checked against the account's credentials generation read with the
// request's nonce: for a nonce store that reads them (GenerationClaimer),
// shared by several servers. A change made through any server takes effect
// from the next request on. Call before serving.
func (a *Authenticator) CacheCheckedCredentials(max int, ttl time.Duration) {
	a.creds = &credentialCache{max: max, ttl: ttl, checked: true}
}

// ForgetCredentials drops every cached credential (no-op without a cache).
func (a *Authenticator) ForgetCredentials() {
	if a.creds != nil {
		a.creds.forget()
	}
}

// resolve is Creds.Resolve through the credential cache. In checked mode v
// says whether the answer came from the cache and under which generation.
func (a *Authenticator) resolve(ctx context.Context, ak, token string) (iam.Principal, string, verified, error) {
	c := a.creds
	if c == nil || token != "" || strings.HasPrefix(ak, "STS.") {
		p, secret, err := a.Creds.Resolve(ctx, ak, token)
		return p, secret, verified{}, err
	}
	now := a.now()
	if e, ok := c.get(ak, now); ok {
		return e.p, e.secret, verified{cached: c.checked, gen: e.gen}, nil
	}
	gen := c.gen.Load()
	var account string
	var before uint64
	known := true
	if c.checked {
		account, before, known = c.before(ak)
	}
	p, secret, err := a.Creds.Resolve(ctx, ak, token)
	if err == nil {
		if c.checked {
			c.accounts.Store(ak, p.AccountID)
		}
		// In checked mode an entry needs a generation read before the
		// key: the account's newest reading when the key's account is
		// known from an earlier resolution (the first request of a key
		// fills nothing; its nonce claim gives the reading).
		if known && (!c.checked || account == p.AccountID) {
			c.put(ak, credential{p: p, secret: secret, expires: now.Add(c.ttl), gen: before}, gen)
		}
	}
	return p, secret, verified{}, err
}
