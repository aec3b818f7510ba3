package signature

import (
	"crypto/subtle"
	"strings"
)

const upperHex = "0123456789ABCDEF"

// Bit masks of the RFC 3986 unreserved characters A-Z a-z 0-9 - _ . ~ (bytes
// 0-63 and 64-127). Constants, so no package state.
const (
	unreservedLo = 1<<'-' | 1<<'.' | (1<<10-1)<<'0'
	unreservedHi = (1<<26-1)<<('A'-64) | 1<<('_'-64) | (1<<26-1)<<('a'-64) | 1<<('~'-64)
)

// unreserved reports whether c is left as is by Alibaba's percent encoding:
// RFC 3986 unreserved characters. Encoding every other byte as %XX is exactly
// url.QueryEscape followed by the SDKs' replacements "+"->"%20", "*"->"%2A",
// "%7E"->"~".
func unreserved(c byte) bool {
	if c < 64 {
		return unreservedLo>>c&1 != 0
	}
	return c < 128 && unreservedHi>>(c-64)&1 != 0
}

// appendEnc appends enc(s): every byte but the unreserved ones as %XX
// (upper-case hex). Runs of unreserved bytes are copied at once.
func appendEnc(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			start = i + 1
		}
	}
	return append(dst, s[start:]...)
}

// appendEncEnc appends enc(enc(s)) in one pass: the outer encoding turns the
// inner "%" into "%25" and leaves the inner hex digits alone.
func appendEncEnc(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '%', '2', '5', upperHex[c>>4], upperHex[c&15])
			start = i + 1
		}
	}
	return append(dst, s[start:]...)
}

// appendV3Name appends a parameter name as the V2 SDK writes it into the V3
// canonical query: the name is NOT percent-encoded, but the SDK's whole-string
// replacements ("+"->"%20", "*"->"%2A", "%7E"->"~") still apply to it. None of
// the replacements can create another's pattern, so applying them at once is
// the same as applying them in sequence.
func appendV3Name(dst []byte, name string) []byte {
	if !strings.ContainsAny(name, "+*%") {
		return append(dst, name...)
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '+':
			dst = append(dst, "%20"...)
		case c == '*':
			dst = append(dst, "%2A"...)
		case c == '%' && i+2 < len(name) && name[i+1] == '7' && name[i+2] == 'E':
			dst = append(dst, '~')
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendV3Path appends the canonical URI: the path as given with the SDK's
// replacements; an empty path is "/".
func appendV3Path(dst []byte, path string) []byte {
	if path == "" {
		return append(dst, '/')
	}
	return appendV3Name(dst, path)
}

// Equal reports whether a and b are equal, in time that depends only on their
// lengths (which are public for signatures). Use it for every signature
// comparison.
func Equal(a, b string) bool { return ctEqual(a, b) }

func ctEqual[A, B ~string | ~[]byte](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}
