package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// V3Algorithm is the only V3 algorithm this package implements.
const V3Algorithm = "ACS3-HMAC-SHA256"

// V3TimeFormat is the layout of the x-acs-date header (ISO 8601, UTC).
const V3TimeFormat = "2006-01-02T15:04:05Z"

// EmptyBodySHA256 is the hex SHA-256 of an empty body, the x-acs-content-sha256
// of every RPC-style V3 request.
const EmptyBodySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// maxAccessKeyIDLen bounds the Credential value; real ids are ~24-40 bytes
// (STS ids are longer but well below this).
const maxAccessKeyIDLen = 256

// V3Authorization is a parsed "Authorization: ACS3-HMAC-SHA256 ..." header.
type V3Authorization struct {
	AccessKeyID   string
	SignedHeaders []string // lower-case, strictly ascending, at least one
	Signature     string   // 64 lower-case hex digits
}

// ErrIncomplete is wrapped by errors about a missing or malformed signature
// (wire code IncompleteSignature).
var ErrIncomplete = errors.New("incomplete signature")

// ErrMismatch is wrapped by errors about a well-formed signature that does not
// match the request (wire code SignatureDoesNotMatch).
var ErrMismatch = errors.New("signature does not match")

func incomplete(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIncomplete, fmt.Sprintf(format, args...))
}

// ParseV3Authorization parses an ACS3-HMAC-SHA256 Authorization header. The
// format is strict: "ACS3-HMAC-SHA256 " followed by exactly the three fields
// Credential=, SignedHeaders= and Signature= (each once, in any order,
// separated by "," with no spaces). SignedHeaders must be a non-empty list of
// lower-case header names joined by ";", strictly ascending (as every SDK
// sends them); Signature must be 64 lower-case hex digits. Every error wraps
// ErrIncomplete and says what is wrong.
func ParseV3Authorization(h string) (V3Authorization, error) {
	var a V3Authorization
	rest, ok := strings.CutPrefix(h, V3Algorithm+" ")
	if !ok {
		alg, _, _ := strings.Cut(h, " ")
		return V3Authorization{}, incomplete("Authorization: unsupported algorithm %q, want %s", clip(alg), V3Algorithm)
	}
	var haveCred, haveHeaders, haveSig bool
	for i := 1; ; i++ {
		field, more, comma := strings.Cut(rest, ",")
		rest = more
		if i > 3 {
			return V3Authorization{}, incomplete("Authorization: more than three fields")
		}
		name, value, ok := strings.Cut(field, "=")
		if !ok {
			return V3Authorization{}, incomplete("Authorization: field %d has no \"=\"", i)
		}
		switch name {
		case "Credential":
			if haveCred {
				return V3Authorization{}, incomplete("Authorization: Credential given twice")
			}
			haveCred = true
			if err := checkAccessKeyID(value); err != nil {
				return V3Authorization{}, err
			}
			a.AccessKeyID = value
		case "SignedHeaders":
			if haveHeaders {
				return V3Authorization{}, incomplete("Authorization: SignedHeaders given twice")
			}
			haveHeaders = true
			hs, err := parseSignedHeaders(value)
			if err != nil {
				return V3Authorization{}, err
			}
			a.SignedHeaders = hs
		case "Signature":
			if haveSig {
				return V3Authorization{}, incomplete("Authorization: Signature given twice")
			}
			haveSig = true
			if !isLowerHex(value, 64) {
				return V3Authorization{}, incomplete("Authorization: Signature must be 64 lower-case hex digits")
			}
			a.Signature = value
		default:
			return V3Authorization{}, incomplete("Authorization: unknown field %q", clip(name))
		}
		if !comma {
			break
		}
	}
	switch {
	case !haveCred:
		return V3Authorization{}, incomplete("Authorization: Credential is missing")
	case !haveHeaders:
		return V3Authorization{}, incomplete("Authorization: SignedHeaders is missing")
	case !haveSig:
		return V3Authorization{}, incomplete("Authorization: Signature is missing")
	}
	return a, nil
}

func checkAccessKeyID(v string) error {
	if v == "" {
		return incomplete("Authorization: Credential is empty")
	}
	if len(v) > maxAccessKeyIDLen {
		return incomplete("Authorization: Credential is longer than %d bytes", maxAccessKeyIDLen)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || c == ';' {
			return incomplete("Authorization: Credential contains an invalid character at byte %d", i)
		}
	}
	return nil
}

func parseSignedHeaders(v string) ([]string, error) {
	if v == "" {
		return nil, incomplete("Authorization: SignedHeaders is empty")
	}
	hs := make([]string, 0, strings.Count(v, ";")+1)
	for name := range strings.SplitSeq(v, ";") {
		if name == "" {
			return nil, incomplete("Authorization: SignedHeaders has an empty name")
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
				return nil, incomplete("Authorization: SignedHeaders name %d has an invalid character (names are lower-case tokens)", len(hs)+1)
			}
		}
		if n := len(hs); n > 0 && hs[n-1] >= name {
			return nil, incomplete("Authorization: SignedHeaders must be sorted and unique (%q after %q)", clip(name), clip(hs[n-1]))
		}
		hs = append(hs, name)
	}
	return hs, nil
}

// clip bounds client-supplied text quoted in an error message (the one
// rune-safe clipping helper, apierror.Clip).
func clip(s string) string { return apierror.Clip(s, 32) }

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// appendV3CanonicalRequest appends the canonical request for query already
// sorted by name.
func appendV3CanonicalRequest(dst []byte, method, path string, sorted []Param, header func(string) string, signedHeaders []string, bodySHA256Hex string) []byte {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = appendV3Path(dst, path)
	dst = append(dst, '\n')
	// The V2 SDK builds "&k=v&k=v..." and then trims every leading "&" (so a
	// first name starting with "&" loses those too); do the same.
	q0 := len(dst)
	for _, p := range sorted {
		dst = append(dst, '&')
		dst = appendV3Name(dst, p.Name)
		dst = append(dst, '=')
		dst = appendEnc(dst, p.Value)
	}
	n := q0
	for n < len(dst) && dst[n] == '&' {
		n++
	}
	dst = append(dst[:q0], dst[n:]...)
	dst = append(dst, '\n')
	for _, h := range signedHeaders {
		dst = append(dst, h...)
		dst = append(dst, ':')
		dst = append(dst, strings.TrimSpace(header(h))...)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	for i, h := range signedHeaders {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, h...)
	}
	dst = append(dst, '\n')
	return append(dst, bodySHA256Hex...)
}

// V3CanonicalRequest returns the V3 canonical request:
//
//	METHOD \n path \n canonicalQuery \n canonicalHeaders \n signedHeaders \n bodySHA256Hex
//
// path is the request path as sent ("/" for every RPC call; "" means "/").
// query holds the decoded query parameters in any order; they are sorted by
// name and written as name=enc(value) joined by "&" (the name itself is not
// encoded, matching the V2 SDK, which also trims every "&" at the start of the
// result, so a first name beginning with "&" loses it). header returns the value of a header by its
// lower-case name ("" when absent; for host, the Host header as sent, port
// included); each of signedHeaders (lower-case, in the order given, which
// ParseV3Authorization guarantees is sorted) is written as name:trim(value)\n.
func V3CanonicalRequest(method, path string, query []Param, header func(lowerName string) string, signedHeaders []string, bodySHA256Hex string) string {
	q := append([]Param(nil), query...)
	sortParams(q)
	return string(appendV3CanonicalRequest(nil, method, path, q, header, signedHeaders, bodySHA256Hex))
}

// V3StringToSign returns "ACS3-HMAC-SHA256\n" + hexSHA256(canonicalRequest).
func V3StringToSign(canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return V3Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// V3Sign returns hex(HMAC-SHA256(secret, stringToSign)) (no "&" on the key).
func V3Sign(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// HeaderFunc adapts an incoming *http.Request to the header argument of
// V3CanonicalRequest and Verifier.VerifyV3: "host" is r.Host (port included);
// any other name is looked up in r.Header; several values of one header are
// trimmed, sorted and joined by "," as the V2 SDK signs them. It allocates
// (net/http canonicalises the name); a hot path may supply its own lookup.
func HeaderFunc(r *http.Request) func(lowerName string) string {
	return func(name string) string {
		if name == "host" {
			return r.Host
		}
		vs := r.Header.Values(name)
		switch len(vs) {
		case 0:
			return ""
		case 1:
			return vs[0]
		}
		t := make([]string, len(vs))
		for i, v := range vs {
			t[i] = strings.TrimSpace(v)
		}
		sort.Strings(t)
		return strings.Join(t, ",")
	}
}

// SignV3 signs an outgoing RPC-style V3 request as the V2 SDK does. The
// caller sets the x-acs-action and x-acs-version headers (and any other
// x-acs-* header such as x-acs-security-token) and the query string first;
// SignV3 sets x-acs-date (now, UTC), x-acs-signature-nonce (nonce),
// x-acs-content-sha256 (bodySHA256Hex, e.g. EmptyBodySHA256) and
// Authorization, signing host, content-type (when set) and every x-acs-*
// header. The host signed is req.Host, or req.URL.Host when that is empty.
// It returns an error only when the query string cannot be parsed.
func SignV3(req *http.Request, ak, secret string, now time.Time, nonce string, bodySHA256Hex string) error {
	req.Header.Set("x-acs-date", now.UTC().Format(V3TimeFormat))
	req.Header.Set("x-acs-signature-nonce", nonce)
	req.Header.Set("x-acs-content-sha256", bodySHA256Hex)
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	values := map[string]string{"host": host}
	for k, vs := range req.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-acs-") || lk == "content-type" {
			t := make([]string, len(vs))
			for i, v := range vs {
				t[i] = strings.TrimSpace(v)
			}
			sort.Strings(t)
			values[lk] = strings.Join(t, ",")
		}
	}
	signed := make([]string, 0, len(values))
	for k := range values {
		signed = append(signed, k)
	}
	sort.Strings(signed)
	qv, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("signature: parse query: %w", err)
	}
	var query []Param
	for k, vs := range qv {
		for _, v := range vs {
			query = append(query, Param{k, v})
		}
	}
	cr := V3CanonicalRequest(req.Method, req.URL.EscapedPath(), query, func(n string) string { return values[n] }, signed, bodySHA256Hex)
	sig := V3Sign(secret, V3StringToSign(cr))
	req.Header.Set("Authorization", V3Algorithm+" Credential="+ak+",SignedHeaders="+strings.Join(signed, ";")+",Signature="+sig)
	return nil
}
