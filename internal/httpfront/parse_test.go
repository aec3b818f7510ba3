package httpfront

import (
	"bufio"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// parsed is what both parsers agree on for an accepted request.
type parsed struct {
	Method, RequestURI, Host string
	ProtoMinor               int
	Header                   http.Header
	ContentLength            int64
	Close                    bool
}

// parseFront runs the front's parser over a whole request header block.
func parseFront(raw string) (parsed, *parseError) {
	n := headerEnd([]byte(raw))
	if n < 0 {
		return parsed{}, badRequest("incomplete")
	}
	var r request
	h := http.Header{}
	if _, err := parse(raw[:n], &r, h, nil); err != nil {
		return parsed{}, err
	}
	u, ok := parseTarget(r.target, new(url.URL))
	if !ok {
		return parsed{}, badRequest("malformed request target")
	}
	return parsed{Method: r.method, RequestURI: r.target, Host: requestHost(&r, u), ProtoMinor: r.protoMinor, Header: h,
		ContentLength: max(r.contentLength, 0), Close: r.closeAfter}, nil
}

// parseNetHTTP runs net/http's server-side parser (the one http.Server
// uses) over the same bytes.
func parseNetHTTP(raw string) (parsed, error) {
	// The one deliberate leniency: empty lines before the request line are
	// skipped (RFC 9112 section 2.2), which net/http does not do.
	for strings.HasPrefix(raw, "\n") || strings.HasPrefix(raw, "\r\n") {
		raw = raw[strings.IndexByte(raw, '\n')+1:]
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return parsed{}, err
	}
	if req.ProtoMinor == 1 && len(req.Header["Host"]) == 0 && req.Host == "" {
		// http.Server refuses this after ReadRequest.
		return parsed{}, errMissingHost
	}
	return parsed{Method: req.Method, RequestURI: req.RequestURI, Host: req.Host, ProtoMinor: req.ProtoMinor,
		Header: req.Header, ContentLength: req.ContentLength, Close: req.Close}, nil
}

var errMissingHost = badRequest("missing required Host header")

var (
	methods  = []string{"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "M-SEARCH", "get"}
	targets  = []string{"/", "/?Action=DescribeVpcs&Version=2016-04-28", "/?", "/healthz", "/metrics?x=1", "/a/b%20c?d=e", "/?a=%2F%3A&b=+", "http://example.com/?x=1", "*"}
	names    = []string{"User-Agent", "user-agent", "Accept-Encoding", "x-acs-signature-nonce", "X-Acs-Date", "Content-Type", "X-Custom-Thing", "x-sdk-client", "Authorization", "Accept", "ETag", "WWW-Authenticate", "foo_bar"}
	valueGen = rapid.StringMatching(`[ -~\t]{0,40}`)
)

// validRequest builds a request every HTTP/1.1 server should accept.
func validRequest(t *rapid.T) string {
	eol := rapid.SampledFrom([]string{"\r\n", "\n"}).Draw(t, "eol")
	var b strings.Builder
	method := rapid.SampledFrom(methods[:8]).Draw(t, "method")
	target := rapid.SampledFrom(targets[:8]).Draw(t, "target")
	proto := rapid.SampledFrom([]string{"HTTP/1.1", "HTTP/1.0"}).Draw(t, "proto")
	b.WriteString(method + " " + target + " " + proto + eol)
	if proto == "HTTP/1.1" || rapid.Bool().Draw(t, "host10") {
		b.WriteString("Host: " + rapid.SampledFrom([]string{"127.0.0.1:8080", "vpc.aliyuncs.com", "[::1]:80", "localhost"}).Draw(t, "host") + eol)
	}
	for i := range rapid.IntRange(0, 8).Draw(t, "fields") {
		_ = i
		name := rapid.SampledFrom(names).Draw(t, "name")
		value := strings.Trim(valueGen.Draw(t, "value"), " \t")
		sep := rapid.SampledFrom([]string{":", ": ", ":\t", ":  "}).Draw(t, "sep")
		b.WriteString(name + sep + value + eol)
	}
	if rapid.Bool().Draw(t, "cl") {
		b.WriteString("Content-Length: " + rapid.SampledFrom([]string{"0", "5", "17", "1048576"}).Draw(t, "clv") + eol)
	}
	if rapid.Bool().Draw(t, "conn") {
		b.WriteString("Connection: " + rapid.SampledFrom([]string{"close", "keep-alive", "Keep-Alive", "close, foo", "upgrade"}).Draw(t, "connv") + eol)
	}
	b.WriteString(eol)
	return b.String()
}

func TestParseValidRequestsAsNetHTTP(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := validRequest(t)
		want, err := parseNetHTTP(raw)
		if err != nil {
			t.Fatalf("net/http refuses a request the generator considers valid: %v\n%q", err, raw)
		}
		got, perr := parseFront(raw)
		if perr != nil {
			t.Fatalf("front refuses %q: %v", raw, perr)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("front and net/http disagree on %q (-net/http +front):\n%s", raw, d)
		}
	})
}

// mutate damages a valid request the way hostile or broken clients do.
func mutate(t *rapid.T, raw string) string {
	switch rapid.IntRange(0, 9).Draw(t, "mutation") {
	case 0: // a byte replaced
		if len(raw) == 0 {
			return raw
		}
		i := rapid.IntRange(0, len(raw)-1).Draw(t, "at")
		c := rapid.SampledFrom([]byte{0, '\r', '\n', ' ', '\t', ':', 0x7f, 0xff, 'a', '%'}).Draw(t, "byte")
		return raw[:i] + string([]byte{c}) + raw[i+1:]
	case 1: // a field inserted after the request line
		i := strings.IndexByte(raw, '\n') + 1
		field := rapid.SampledFrom([]string{
			"Content-Length: 5\r\n", "Content-Length: 6\r\n", "Content-Length: -1\r\n", "Content-Length: 1,1\r\n",
			"Content-Length: +5\r\n", "Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
			"Transfer-Encoding: gzip\r\n", "Host: other\r\n", "Host: a b\r\n", " folded\r\n", "Name : v\r\n",
			"Bad Name: v\r\n", ": empty\r\n", "Expect: 100-continue\r\n", "Expect: nonsense\r\n", "X: a\x00b\r\n",
			"X: a\rb\r\n", "NoColon\r\n", "Host: \r\n", "Host: exa|mple\r\n",
		}).Draw(t, "field")
		return raw[:i] + field + raw[i:]
	case 2: // the request line altered
		line := rapid.SampledFrom([]string{
			"GET / HTTP/2.0", "GET / HTTP/1.2", "GET / HTTP/1", "GET  / HTTP/1.1", "GET / HTTP/1.1 ", "GET /", "G(T / HTTP/1.1",
			"GET /a b HTTP/1.1", "PRI * HTTP/2.0", " GET / HTTP/1.1", "GET /\x7f HTTP/1.1", "GET http://[::1/ HTTP/1.1",
			"GET ../x HTTP/1.1", "GET / http/1.1", "GET / HTTP/01.1",
		}).Draw(t, "line")
		i := strings.IndexAny(raw, "\r\n")
		return line + raw[i:]
	case 3: // truncated
		return raw[:rapid.IntRange(0, len(raw)).Draw(t, "cut")]
	default:
		return raw
	}
}

// checkNotLaxer fails when the front accepts raw and net/http refuses it
// or reads it differently; a refusal (stricter than net/http is allowed)
// must carry a status and a reason.
func checkNotLaxer(t interface{ Fatalf(string, ...any) }, raw string) {
	got, perr := parseFront(raw)
	if perr != nil {
		if perr.status == 0 || perr.reason == "" {
			t.Fatalf("refusal without status or reason for %q", raw)
		}
		return
	}
	want, err := parseNetHTTP(raw)
	if err != nil {
		t.Fatalf("front accepts what net/http refuses (%v): %q", err, raw)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("front and net/http disagree on %q (-net/http +front):\n%s", raw, d)
	}
}

func TestParseNeverLaxerThanNetHTTP(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		checkNotLaxer(t, mutate(t, validRequest(t)))
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /?Action=X HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
		"GET / HTTP/1.0\nConnection: keep-alive\n\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET http://x/y?z HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkNotLaxer(t, raw)
	})
}

func TestParseRefusals(t *testing.T) {
	for _, tc := range []struct {
		raw    string
		status int
	}{
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
		{"GET / HTTP/1.1\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nExpect: later\r\n\r\n", 417},
		{"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"GET\r\nHost: a\r\n\r\n", 400},
	} {
		_, perr := parseFront(tc.raw)
		if perr == nil || perr.status != tc.status {
			t.Errorf("%q: got %v, want status %d", tc.raw, perr, tc.status)
		}
	}
}

func TestCanonicalKeyMatchesTextproto(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.StringMatching(`[A-Za-z0-9!#$%&'*+.^_|~-]{1,30}`).Draw(t, "name")
		if got, want := canonicalKey(name), http.CanonicalHeaderKey(name); got != want {
			t.Fatalf("canonicalKey(%q) = %q, want %q", name, got, want)
		}
	})
	for k := range commonKeys {
		if got, want := canonicalKey(k), http.CanonicalHeaderKey(k); got != want {
			t.Errorf("canonicalKey(%q) = %q, want %q", k, got, want)
		}
	}
}
