package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"sync"
)

// DefaultMaxKeys is the Verifier's cache size when NewVerifier gets 0.
const DefaultMaxKeys = 4096

// maxPooledBuf: larger scratch buffers (from huge requests) are not kept.
const maxPooledBuf = 64 << 10

// Verifier checks V1 and V3 signatures with the same results as the plain
// functions (V1StringToSign+V1Sign, V3CanonicalRequest+V3StringToSign+V3Sign)
// but without their allocations: the canonical string and the string to sign
// are built in pooled buffers, parameters are sorted in a pooled copy, and the
// keyed HMAC state of each secret is cached (a pool of ready HMACs per secret,
// so concurrent requests with one key never share a hash).
//
// The cache is keyed by the secret itself, so a rotated secret never meets a
// stale HMAC, and holds at most maxKeys secrets (an arbitrary entry is evicted
// when full). The cached HMAC state is as sensitive as the secret: a Verifier
// lives in server memory and is never serialised or logged.
//
// A Verifier is safe for concurrent use. The zero value is not usable; call
// NewVerifier.
type Verifier struct {
	maxKeys int
	scratch sync.Pool // *scratch

	mu   sync.RWMutex
	keys map[string]*keyState
}

// scratch is one request's working memory.
type scratch struct {
	buf    []byte
	params []Param
	sum    [64]byte
	enc    [64]byte
}

// keyState holds ready HMACs for one secret.
type keyState struct {
	v1 sync.Pool // HMAC-SHA1 keyed with secret+"&"
	v3 sync.Pool // HMAC-SHA256 keyed with secret
}

// NewVerifier returns a Verifier caching the HMAC state of at most maxKeys
// secrets (DefaultMaxKeys when maxKeys <= 0).
func NewVerifier(maxKeys int) *Verifier {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	v := &Verifier{maxKeys: maxKeys, keys: make(map[string]*keyState)}
	v.scratch.New = func() any { return &scratch{buf: make([]byte, 0, 1024), params: make([]Param, 0, 32)} }
	return v
}

func (v *Verifier) getScratch() *scratch { return v.scratch.Get().(*scratch) }

func (v *Verifier) putScratch(s *scratch) {
	if cap(s.buf) > maxPooledBuf || cap(s.params) > 1024 {
		return
	}
	clear(s.params) // drop references to request strings
	s.buf, s.params = s.buf[:0], s.params[:0]
	v.scratch.Put(s)
}

func (v *Verifier) key(secret string) *keyState {
	v.mu.RLock()
	k := v.keys[secret]
	v.mu.RUnlock()
	if k != nil {
		return k
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if k = v.keys[secret]; k != nil {
		return k
	}
	if len(v.keys) >= v.maxKeys {
		for s := range v.keys {
			delete(v.keys, s)
			break
		}
	}
	k1 := []byte(secret + "&")
	k3 := []byte(secret)
	k = &keyState{}
	k.v1.New = func() any { return hmac.New(sha1.New, k1) }
	k.v3.New = func() any { return hmac.New(sha256.New, k3) }
	v.keys[secret] = k
	return k
}

// CachedKeys reports how many secrets currently have cached HMAC state.
func (v *Verifier) CachedKeys() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.keys)
}

// VerifyV1 checks the Signature parameter of a V1 request: params are the
// request's parameters (query and form body merged, any order) including
// exactly one Signature; method is the HTTP method as received. It returns nil
// when the signature matches, an error wrapping ErrIncomplete when Signature
// is missing, repeated or empty, and one wrapping ErrMismatch otherwise.
// The caller checks the other common parameters (SignatureMethod,
// SignatureVersion, Timestamp, SignatureNonce) itself.
func (v *Verifier) VerifyV1(method string, params []Param, secret string) error {
	s := v.getScratch()
	defer v.putScratch(s)
	var got string
	n := 0
	for _, p := range params {
		if p.Name == "Signature" {
			got = p.Value
			n++
			continue
		}
		s.params = append(s.params, p)
	}
	switch {
	case n == 0:
		return incomplete("the Signature parameter is missing")
	case n > 1:
		return incomplete("the Signature parameter is given %d times", n)
	case got == "":
		return incomplete("the Signature parameter is empty")
	}
	sortParams(s.params)
	s.buf = appendV1StringToSign(s.buf[:0], method, s.params)
	k := v.key(secret)
	m := k.v1.Get().(hash.Hash)
	m.Reset()
	m.Write(s.buf)
	sum := m.Sum(s.sum[:0])
	k.v1.Put(m)
	base64.StdEncoding.Encode(s.enc[:], sum)
	if !ctEqual(s.enc[:base64.StdEncoding.EncodedLen(len(sum))], got) {
		return ErrMismatch
	}
	return nil
}

// VerifyV3 checks a V3 request whose Authorization header parsed as auth.
// method, path, query and header are as for V3CanonicalRequest;
// bodySHA256Hex is the hex SHA-256 of the body actually received. It returns
// an error wrapping ErrIncomplete when SignedHeaders lacks one of
// x-acs-action, x-acs-content-sha256, x-acs-date, x-acs-signature-nonce,
// x-acs-version (or x-acs-security-token when that header is present), and
// one wrapping ErrMismatch when x-acs-content-sha256 differs from
// bodySHA256Hex or the signature does not match; nil when it matches.
func (v *Verifier) VerifyV3(method, path string, query []Param, header func(lowerName string) string, auth V3Authorization, bodySHA256Hex, secret string) error {
	if err := checkV3Signed(auth.SignedHeaders, header); err != nil {
		return err
	}
	if header("x-acs-content-sha256") != bodySHA256Hex {
		return mismatch("x-acs-content-sha256 does not match the body")
	}
	s := v.getScratch()
	defer v.putScratch(s)
	s.params = append(s.params, query...)
	sortParams(s.params)
	s.buf = appendV3CanonicalRequest(s.buf[:0], method, path, s.params, header, auth.SignedHeaders, bodySHA256Hex)
	digest := sha256.Sum256(s.buf)
	s.buf = append(s.buf[:0], V3Algorithm...)
	s.buf = append(s.buf, '\n')
	s.buf = hex.AppendEncode(s.buf, digest[:])
	k := v.key(secret)
	m := k.v3.Get().(hash.Hash)
	m.Reset()
	m.Write(s.buf)
	sum := m.Sum(s.sum[:0])
	k.v3.Put(m)
	hex.Encode(s.enc[:], sum)
	if !ctEqual(s.enc[:], auth.Signature) {
		return ErrMismatch
	}
	return nil
}

func mismatch(msg string) error { return &detailError{ErrMismatch, msg} }

// detailError wraps a sentinel with a fixed message (no formatting cost).
type detailError struct {
	kind error
	msg  string
}

func (e *detailError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *detailError) Unwrap() error { return e.kind }

func checkV3Signed(signed []string, header func(string) string) error {
	// Without these a signed request could be replayed with another nonce or
	// date, or turned into another action.
	for _, r := range [...]string{"x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		if !contains(signed, r) {
			return incomplete("SignedHeaders must include %s", r)
		}
	}
	if header("x-acs-security-token") != "" && !contains(signed, "x-acs-security-token") {
		return incomplete("SignedHeaders must include x-acs-security-token")
	}
	return nil
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
