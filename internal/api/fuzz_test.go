package api

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// parseErrorCodes are the only codes parseParams may answer.
func parseErrorCodes() []string {
	return []string{"InvalidParameter", "InvalidParameter.Encoding", "InvalidParameter.TooLong", "InvalidParameter.TooMany"}
}

// encodeParams is the inverse of parseParams for a list it accepted: every
// name and value percent-encoded (url.QueryEscape), joined by "&".
func encodeParams(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return b.String()
}

// FuzzParseParams drives parseParams and toMap, the API's only parser of a
// query string or form body, with arbitrary input. It asserts: no panic; an
// error is a table error with one of parseErrorCodes; an accepted list obeys
// every limit parseParams promises (non-empty valid-UTF-8 names without NUL,
// at most maxParams pairs, name and value lengths), re-encoding it and
// parsing again gives the same list, and every pair matches what
// url.QueryUnescape makes of the raw pair; toMap either refuses two values of
// one name (InvalidParameter.Duplicate, and the input really has them) or
// keeps the first occurrence of each name in order, consistent with its map.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		"",
		"Action=DescribeRegions&Version=2016-04-28",
		"a=1&a=1&b=2",
		"a=1&a=2",
		"SignatureType=&Format=JSON",
		"&&&a&&b=&=c",
		"=x",
		"a=%zz",
		"%zz=a",
		"a=%ff%fe",
		"a=%00",
		"%00=a",
		"a+b=c+d&e%20f=g%2Bh",
		"name;x=1&y=2;z",
		"Tag.1.Key=%E4%B8%AD%E6%96%87&Tag.1.Value=%F0%9F%98%80",
		"a=" + strings.Repeat("x", maxValueBytes+1),
		strings.Repeat("n", maxNameBytes+1) + "=v",
		strings.Repeat("a=1&", maxParams+1),
		"k=%",
		"k=%4",
		"k=%%41",
		"\xff=1",
		"k=\xc3\x28",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ps, err := parseParams(nil, raw)
		if err != nil {
			ae, ok := apierror.As(err)
			if !ok || !slices.Contains(parseErrorCodes(), ae.Code) || ae.Status != 400 {
				t.Fatalf("parseParams(%q) error %#v is not one of %v with status 400", raw, err, parseErrorCodes())
			}
			if !utf8.ValidString(ae.Message) {
				t.Fatalf("parseParams(%q) message %q is not valid UTF-8", raw, ae.Message)
			}
			return
		}
		if len(ps) > maxParams {
			t.Fatalf("parseParams(%q) accepted %d > %d parameters", raw, len(ps), maxParams)
		}
		var pairs []string
		for _, kv := range strings.Split(raw, "&") {
			if kv != "" {
				pairs = append(pairs, kv)
			}
		}
		if len(pairs) != len(ps) {
			t.Fatalf("parseParams(%q) returned %d parameters for %d pairs", raw, len(ps), len(pairs))
		}
		for i, p := range ps {
			switch {
			case p.Name == "":
				t.Fatalf("parseParams(%q)[%d]: empty name", raw, i)
			case !utf8.ValidString(p.Name) || !utf8.ValidString(p.Value):
				t.Fatalf("parseParams(%q)[%d]: invalid UTF-8 %q=%q", raw, i, p.Name, p.Value)
			case strings.ContainsRune(p.Name, 0) || strings.ContainsRune(p.Value, 0):
				t.Fatalf("parseParams(%q)[%d]: NUL in %q=%q", raw, i, p.Name, p.Value)
			case len(p.Name) > maxNameBytes || len(p.Value) > maxValueBytes:
				t.Fatalf("parseParams(%q)[%d]: lengths %d/%d over the limits", raw, i, len(p.Name), len(p.Value))
			}
			k, v, _ := strings.Cut(pairs[i], "=")
			wk, err1 := url.QueryUnescape(k)
			wv, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil || wk != p.Name || wv != p.Value {
				t.Fatalf("parseParams(%q)[%d] = %q=%q, url.QueryUnescape gives %q=%q (%v, %v)", raw, i, p.Name, p.Value, wk, wv, err1, err2)
			}
		}
		again, err := parseParams(nil, encodeParams(ps))
		if err != nil || !slices.Equal(again, ps) {
			t.Fatalf("round trip of %q: %v, %v; want %v", raw, again, err, ps)
		}

		in := slices.Clone(ps)
		m, out, err := toMap(ps)
		first := map[string]string{}
		var want []param
		dup := false
		for _, p := range in {
			if v, ok := first[p.Name]; ok {
				dup = dup || v != p.Value
				continue
			}
			first[p.Name] = p.Value
			want = append(want, p)
		}
		if err != nil {
			if !apierror.HasCode(err, "InvalidParameter.Duplicate") || !dup {
				t.Fatalf("toMap(%v) = %v; conflicting duplicate present: %v", in, err, dup)
			}
			return
		}
		if dup {
			t.Fatalf("toMap(%v) accepted conflicting values of one name", in)
		}
		if !slices.Equal(out, want) || len(m) != len(want) {
			t.Fatalf("toMap(%v) = %v (map %v), want %v", in, out, m, want)
		}
		for _, p := range out {
			if m[p.Name] != p.Value {
				t.Fatalf("toMap map[%q] = %q, list has %q", p.Name, m[p.Name], p.Value)
			}
		}
	})
}
