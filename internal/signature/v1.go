package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// Param is one decoded request parameter (from the query string or a form body).
type Param struct{ Name, Value string }

// V1TimeFormat is the layout of the V1 Timestamp parameter (always UTC).
const V1TimeFormat = "2006-01-02T15:04:05Z"

// sortParams sorts p in place by name in byte order, keeping the given order
// of equal names. Insertion sort: requests carry a dozen parameters, and it
// neither allocates nor calls through a closure.
func sortParams(p []Param) {
	if len(p) > 64 {
		slices.SortStableFunc(p, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
		return
	}
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Name < p[j-1].Name; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// appendV1StringToSign appends METHOD&%2F&enc(canonical) for params already
// sorted and without Signature.
func appendV1StringToSign(dst []byte, method string, sorted []Param) []byte {
	dst = append(dst, method...)
	dst = append(dst, "&%2F&"...)
	for i, p := range sorted {
		if i > 0 {
			dst = append(dst, "%26"...)
		}
		dst = appendEncEnc(dst, p.Name)
		dst = append(dst, "%3D"...)
		dst = appendEncEnc(dst, p.Value)
	}
	return dst
}

// V1StringToSign returns the V1 string to sign for a request with the given
// method (as sent, e.g. "GET" or "POST") and parameters (query and form body
// merged, in any order): METHOD + "&%2F&" + enc(canonical), where canonical is
// every parameter except Signature, sorted by name, "enc(k)=enc(v)" joined by
// "&". Empty values are kept.
func V1StringToSign(method string, params []Param) string {
	p := make([]Param, 0, len(params))
	for _, x := range params {
		if x.Name != "Signature" {
			p = append(p, x)
		}
	}
	sortParams(p)
	return string(appendV1StringToSign(nil, method, p))
}

// V1Sign returns base64(HMAC-SHA1(secret + "&", stringToSign)), the value of
// the Signature parameter.
func V1Sign(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// v1Common are the parameters SignV1 sets itself; the caller's copies are
// dropped.
func v1Common(name string) bool {
	switch name {
	case "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "Signature":
		return true
	}
	return false
}

// SignV1 signs a V1 request as the V1 SDK does and returns a new parameter
// list: params (which must hold Action, Version and the business parameters)
// without any previous signature parameters, Format=JSON unless params has a
// Format, AccessKeyId=ak, SignatureMethod=HMAC-SHA1, SignatureVersion=1.0,
// SignatureNonce=nonce, Timestamp=now in UTC, and finally Signature. params is
// not modified. Send the result as the query string (GET) or form body (POST)
// of a request with the same method.
func SignV1(method string, params []Param, ak, secret string, now time.Time, nonce string) []Param {
	out := make([]Param, 0, len(params)+7)
	hasFormat := false
	for _, p := range params {
		if v1Common(p.Name) {
			continue
		}
		if p.Name == "Format" {
			hasFormat = true
		}
		out = append(out, p)
	}
	if !hasFormat {
		out = append(out, Param{"Format", "JSON"})
	}
	out = append(out,
		Param{"AccessKeyId", ak},
		Param{"SignatureMethod", "HMAC-SHA1"},
		Param{"SignatureVersion", "1.0"},
		Param{"SignatureNonce", nonce},
		Param{"Timestamp", now.UTC().Format(V1TimeFormat)},
	)
	sig := V1Sign(secret, V1StringToSign(method, out))
	return append(out, Param{"Signature", sig})
}

// V1Query encodes params as a query string or form body (enc(k)=enc(v) joined
// by "&", in the given order), the form SignV1's result is sent in.
func V1Query(params []Param) string {
	var b []byte
	for i, p := range params {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendEnc(b, p.Name)
		b = append(b, '=')
		b = appendEnc(b, p.Value)
	}
	return string(b)
}
