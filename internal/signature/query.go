package signature

import (
	"errors"
	"net/url"
	"strings"
)

// ErrQuery is wrapped by AppendQuery's errors.
var ErrQuery = errors.New("malformed query")

// AppendQuery appends the parameters of a raw query string or
// application/x-www-form-urlencoded body to dst, in order, decoded as
// url.ParseQuery decodes them ("+" is a space, %XX a byte; empty pairs are
// skipped; a pair without "=" has an empty value). Names and values without
// escapes are substrings of raw, so a typical signed request costs no
// allocation beyond dst's growth. Like url.ParseQuery it rejects a ";" in a
// pair and a bad escape, returning an error wrapping ErrQuery (and dst with
// the pairs before it).
func AppendQuery(dst []Param, raw string) ([]Param, error) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if strings.IndexByte(pair, ';') >= 0 {
			return dst, &queryError{"invalid semicolon separator in query"}
		}
		name, value, err := DecodePair(pair)
		if err != nil {
			return dst, err
		}
		dst = append(dst, Param{name, value})
	}
	return dst, nil
}

// DecodePair decodes one name=value pair of a query string or form body (a
// pair without "=" has an empty value), as url.ParseQuery does, without
// allocating when neither side is escaped. Errors wrap ErrQuery.
func DecodePair(pair string) (name, value string, err error) {
	n, v, _ := strings.Cut(pair, "=")
	if name, err = unescape(n); err != nil {
		return "", "", err
	}
	if value, err = unescape(v); err != nil {
		return "", "", err
	}
	return name, value, nil
}

func unescape(s string) (string, error) {
	i := 0
	for i < len(s) && s[i] != '%' && s[i] != '+' {
		i++
	}
	if i == len(s) {
		return s, nil
	}
	u, err := url.QueryUnescape(s)
	if err != nil {
		return "", &queryError{err.Error()}
	}
	return u, nil
}

type queryError struct{ msg string }

func (e *queryError) Error() string { return ErrQuery.Error() + ": " + e.msg }
func (e *queryError) Unwrap() error { return ErrQuery }
