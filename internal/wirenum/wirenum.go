// Package wirenum parses the integers of request parameters as Alibaba
// Cloud's API does: canonical decimal only. strconv.Atoi is laxer (it takes
// "+10" and "010"), and the server must never accept what the real API
// refuses, or a tool tested here fails there.
package wirenum

// Int parses s as a canonical decimal integer: an optional '-' and at most
// 18 digits with no leading zero ("0" itself is fine, "-0" is not). ok is
// false for anything else (empty, '+', spaces, leading zeros, other
// characters, too long).
func Int(s string) (n int64, ok bool) {
	neg := len(s) > 0 && s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || len(d) > 18 || (d[0] == '0' && (len(d) > 1 || neg)) {
		return 0, false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
