package httpfront

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
)

// parseError is a request the front refuses before any handler sees it:
// answered with status and a short plain-text reason, then the connection
// is closed (after a malformed request the next one cannot be found).
type parseError struct {
	status int
	reason string
}

func (e *parseError) Error() string { return e.reason }

func badRequest(reason string) *parseError {
	return &parseError{status: http.StatusBadRequest, reason: reason}
}

// headerEnd returns the length of the header block at the start of b
// (request line, fields and the empty line that ends them, CRLF or bare LF
// line endings as net/http accepts), or -1 when b does not yet hold all of it.
func headerEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		// An empty line: "\n" or "\r\n" right after the previous LF.
		if i < len(b) && b[i] == '\n' {
			return i + 1
		}
		if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
			return i + 2
		}
		if i >= len(b) || (i+1 >= len(b) && b[i] == '\r') {
			return -1
		}
	}
}

// nextLine returns the line at the start of s without its line ending, and
// the rest. s always ends with a line ending (headerEnd found it).
func nextLine(s string) (line, rest string) {
	i := 0
	for i < len(s) && s[i] != '\n' {
		i++
	}
	line, rest = s[:i], s[min(i+1, len(s)):]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, rest
}

// request is what parse finds in a header block. Every string is a
// substring of the block (one allocation per request) except header names
// that were not in canonical form and are not common.
type request struct {
	method     string
	target     string
	protoMinor int // 0 or 1: HTTP/1.0 or HTTP/1.1
	host       string
	hostCount  int
	// contentLength is -1 when the request has no Content-Length.
	contentLength int64
	closeAfter    bool // Connection: close, or HTTP/1.0 without keep-alive
	keepAlive10   bool // HTTP/1.0 with Connection: keep-alive
	expectCont    bool // Expect: 100-continue
}

// parse reads the header block hs (as headerEnd delimited it) into r and h,
// which the caller has emptied. It refuses what net/http would refuse and a
// little more (any Transfer-Encoding, whitespace before a field's colon, an
// obsolete folded line): the front serves an API whose clients send plain,
// well-formed requests, and every ambiguity refused is one a request
// smuggler cannot use.
func parse(hs string, r *request, h http.Header, values []string) ([]string, *parseError) {
	// RFC 9112 section 2.2: a server SHOULD ignore at least one empty line
	// before the request line.
	for len(hs) > 0 && (hs[0] == '\n' || hs[0] == '\r') {
		if hs[0] == '\r' && (len(hs) < 2 || hs[1] != '\n') {
			return values, badRequest("malformed request line")
		}
		_, hs = nextLine(hs)
	}
	line, rest := nextLine(hs)
	if err := parseRequestLine(line, r); err != nil {
		return values, err
	}
	r.contentLength = -1
	var connection []string
	for {
		line, rest = nextLine(rest)
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return values, badRequest("obsolete line folding is not accepted")
		}
		colon := -1
		for i := 0; i < len(line); i++ {
			if line[i] == ':' {
				colon = i
				break
			}
			if !isTokenByte(line[i]) {
				return values, badRequest("invalid header field name")
			}
		}
		if colon <= 0 {
			return values, badRequest("malformed header line")
		}
		name := canonicalKey(line[:colon])
		value := trimOWS(line[colon+1:])
		for i := 0; i < len(value); i++ {
			if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
				return values, badRequest("invalid header field value for " + clipName(name))
			}
		}
		switch name {
		case "Host":
			r.hostCount++
			r.host = value
		case "Content-Length":
			n, ok := parseContentLength(value)
			if !ok {
				return values, badRequest("invalid Content-Length")
			}
			if r.contentLength >= 0 {
				return values, badRequest("repeated Content-Length header")
			}
			r.contentLength = n
		case "Transfer-Encoding":
			if asciiEqualFold(value, "chunked") {
				return values, &parseError{status: http.StatusLengthRequired,
					reason: "chunked request bodies are not accepted: send the body with a Content-Length"}
			}
			return values, &parseError{status: http.StatusNotImplemented, reason: "unsupported Transfer-Encoding"}
		case "Connection":
			connection = append(connection, value)
		case "Expect":
			if !asciiEqualFold(value, "100-continue") {
				return values, &parseError{status: http.StatusExpectationFailed, reason: "unsupported Expect value"}
			}
			r.expectCont = true
		}
		if name == "Host" {
			// As net/http: the Host field becomes Request.Host only.
			continue
		}
		// One backing array for the request's values: most fields occur
		// once, so h[name] is a one-element slice of it.
		if old, ok := h[name]; ok {
			h[name] = append(old[:len(old):len(old)], value)
		} else {
			values = append(values, value)
			h[name] = values[len(values)-1 : len(values) : len(values)]
		}
	}
	if r.hostCount > 1 {
		return values, badRequest("too many Host headers")
	}
	if r.protoMinor == 1 && r.host == "" {
		return values, badRequest("missing required Host header")
	}
	if !validHost(r.host) {
		return values, badRequest("malformed Host header")
	}
	// HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes
	// it unless asked to keep it.
	r.keepAlive10 = r.protoMinor == 0 && hasToken(connection, "keep-alive")
	r.closeAfter = hasToken(connection, "close") || r.protoMinor == 0 && !r.keepAlive10
	return values, nil
}

func parseRequestLine(line string, r *request) *parseError {
	sp1 := indexByte(line, ' ')
	if sp1 <= 0 {
		return badRequest("malformed request line")
	}
	r.method = line[:sp1]
	for i := 0; i < len(r.method); i++ {
		if !isTokenByte(r.method[i]) {
			return badRequest("invalid method")
		}
	}
	rest := line[sp1+1:]
	sp2 := indexByte(rest, ' ')
	if sp2 <= 0 {
		return badRequest("malformed request line")
	}
	r.target, rest = rest[:sp2], rest[sp2+1:]
	for i := 0; i < len(r.target); i++ {
		if c := r.target[i]; c <= ' ' || c == 0x7f {
			return badRequest("invalid request target")
		}
	}
	switch rest {
	case "HTTP/1.1":
		r.protoMinor = 1
	case "HTTP/1.0":
		r.protoMinor = 0
	default:
		if len(rest) == 8 && rest[:5] == "HTTP/" && rest[6] == '.' && isDigit(rest[5]) && isDigit(rest[7]) {
			return &parseError{status: http.StatusHTTPVersionNotSupported, reason: "unsupported protocol version " + rest}
		}
		return badRequest("malformed HTTP version")
	}
	return nil
}

// parseTarget turns a request target into a URL the way net/http does
// (url.ParseRequestURI), with an allocation-free path for the API's own
// targets: "/" with or without a query. u is reused.
func parseTarget(target string, u *url.URL) (*url.URL, bool) {
	if len(target) > 0 && target[0] == '/' {
		path, query, hasQuery := target, "", false
		if i := indexByte(target, '?'); i >= 0 {
			path, query, hasQuery = target[:i], target[i+1:], true
		}
		if path == "/" {
			*u = url.URL{Path: "/", RawQuery: query, ForceQuery: hasQuery && query == ""}
			return u, true
		}
	}
	pu, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, false
	}
	return pu, true
}

// requestHost is Request.Host as net/http sets it: the host of an
// absolute-form target, else the Host field.
func requestHost(r *request, u *url.URL) string {
	if u.Host != "" {
		return u.Host
	}
	return r.host
}

func parseContentLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// commonKeys maps header names as clients commonly write them to their
// canonical form, so canonicalKey allocates only for unusual spellings.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Connection",
		"Content-Length", "Content-Type", "Expect", "Host", "Transfer-Encoding", "User-Agent", "Date",
		"X-Acs-Action", "X-Acs-Version", "X-Acs-Date", "X-Acs-Signature-Nonce", "X-Acs-Content-Sha256",
		"X-Acs-Security-Token", "X-Acs-Accesskey-Id", "X-Sdk-Client", "X-Sdk-Invoke-Type",
		"X-Acs-Signature-Method", "X-Acs-Signature-Version", "X-Acs-Caller-Sdk-Source",
		"X-Forwarded-For", "X-Request-Id", "Origin", "Referer", "Cookie", "If-None-Match",
	} {
		m[k] = k
		lower := []byte(k)
		for i, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		m[string(lower)] = k
	}
	return m
}()

// canonicalKey returns textproto.CanonicalMIMEHeaderKey(name) for a name of
// token bytes, without allocating when name is already canonical or common.
func canonicalKey(name string) string {
	if k, ok := commonKeys[name]; ok {
		return k
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return textproto.CanonicalMIMEHeaderKey(name)
		}
		upper = c == '-'
	}
	return name
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func cutComma(s string) (tok, rest string) {
	if i := indexByte(s, ','); i >= 0 {
		return trimOWS(s[:i]), s[i+1:]
	}
	return trimOWS(s), ""
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var tok string
			tok, v = cutComma(v)
			if asciiEqualFold(tok, token) {
				return true
			}
		}
	}
	return false
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isTokenByte reports whether c may appear in an RFC 9110 token (methods,
// header field names).
func isTokenByte(c byte) bool {
	return c < 0x80 && tokenTable[c]
}

var tokenTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validHost accepts what net/http's Host check accepts: bytes of a
// reg-name, an IP literal and a port, and percent escapes.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 0x80 || !hostTable[c] {
			return false
		}
	}
	return true
}

var hostTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!$%&'()*+,-.:;=[]_~" {
		t[c] = true
	}
	return t
}()

func clipName(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}
