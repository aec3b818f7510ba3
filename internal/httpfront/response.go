package httpfront

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// response is the http.ResponseWriter of one request, reused by the
// connection. The status line and fields are formatted when the header is
// written; the body is buffered and sent with them in one write when the
// handler returns (framed by Content-Length), or streamed chunked once it
// passes maxBufferedAnswer or the handler flushes.
type response struct {
	c      *conn
	req    *http.Request
	p      *request
	header http.Header

	status      int
	wroteHeader bool
	head        bool // HEAD request: no body is sent
	bodyAllowed bool
	// declared is the handler's Content-Length, or -1.
	declared int64
	written  int64
	// out holds the formatted header (without the framing field and the
	// empty line) until the answer is sent; body the buffered body.
	out  []byte
	body []byte
	keys []string
	// sent: the header is on the wire; chunked: the body follows in
	// chunks; closeDelimited: HTTP/1.0 streaming, ended by closing.
	sent, chunked, closeDelimited bool
	failed                        bool // a write failed: close the connection
	sniff                         bool // Content-Type to be sniffed from the body
}

func (w *response) reset(r *http.Request, p *request) {
	clear(w.header)
	w.req, w.p = r, p
	w.status, w.wroteHeader, w.head = 0, false, r.Method == http.MethodHead
	w.declared, w.written = -1, 0
	w.out, w.body = w.out[:0], w.body[:0]
	w.sent, w.chunked, w.closeDelimited, w.failed = false, false, false, false
}

// Header implements http.ResponseWriter.
func (w *response) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter. Informational codes (1xx)
// are not supported and ignored, as is a second call.
func (w *response) WriteHeader(code int) {
	if w.wroteHeader || code < 200 || code > 999 {
		if code < 100 || code > 999 {
			panic("httpfront: invalid WriteHeader code " + strconv.Itoa(code))
		}
		return
	}
	w.wroteHeader = true
	w.status = code
	w.bodyAllowed = code != http.StatusNoContent && code != http.StatusNotModified
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, ok := parseContentLength(strings.TrimSpace(cl)); ok {
			w.declared = n
		}
	}
	if hasToken(w.header["Connection"], "close") {
		w.c.closing = true
	}
	w.formatHeader()
}

// formatHeader writes the status line and the handler's fields (sorted by
// name, as net/http writes them; Content-Length, Connection and
// Transfer-Encoding are the server's to write) into out.
func (w *response) formatHeader() {
	b := w.out[:0]
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(w.status)...)
	b = append(b, "\r\n"...)
	w.keys = w.keys[:0]
	for k := range w.header {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	hasDate, hasType := false, false
	for _, k := range w.keys {
		switch k {
		case "Content-Length", "Connection", "Transfer-Encoding":
			continue
		case "Date":
			hasDate = true
		case "Content-Type":
			hasType = true
		}
		if !validFieldName(k) {
			continue
		}
		for _, v := range w.header[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendFieldValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	if !hasDate {
		b = append(b, "Date: "...)
		b = append(b, httpDate()...)
		b = append(b, "\r\n"...)
	}
	if !hasType && w.bodyAllowed {
		// Content-Type is sniffed from the first bytes, as net/http does,
		// when the answer is sent (marked by a zero-length placeholder).
		w.sniff = true
	}
	w.out = b
}

// Write implements http.ResponseWriter.
func (w *response) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.bodyAllowed {
		return 0, http.ErrBodyNotAllowed
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	if w.failed {
		return 0, errWriteFailed
	}
	w.written += int64(len(p))
	if !w.sent {
		if len(w.body)+len(p) <= maxBufferedAnswer || w.declared >= 0 && w.declared <= maxBufferedAnswer {
			w.body = append(w.body, p...)
			return len(p), nil
		}
		w.startStreaming()
		if w.failed {
			return 0, errWriteFailed
		}
	}
	if w.head {
		return len(p), nil
	}
	if err := w.sendBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush implements http.Flusher: the header and what is buffered go out now.
func (w *response) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.startStreaming()
	}
}

var errWriteFailed = &writeError{}

type writeError struct{}

func (*writeError) Error() string { return "httpfront: connection write failed" }

// startStreaming sends the header with the framing a stream needs (the
// declared length, chunked, or close-delimited for HTTP/1.0) and the body
// buffered so far.
func (w *response) startStreaming() {
	w.sent = true
	b := w.out
	w.sniffType(&b)
	switch {
	case !w.bodyAllowed || w.head && w.declared < 0:
	case w.declared >= 0:
		b = appendLength(b, w.declared)
	case w.p.protoMinor == 1:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
		w.chunked = true
	default:
		w.closeDelimited = true
		w.c.closing = true
	}
	b = w.appendConnection(b)
	b = append(b, "\r\n"...)
	w.out = b
	pending := w.body
	w.body = w.body[:0]
	if w.head {
		pending = nil
	}
	if w.chunked && len(pending) > 0 {
		b = appendChunkHeader(b, len(pending))
		b = append(b, pending...)
		b = append(b, "\r\n"...)
	} else {
		b = append(b, pending...)
	}
	w.out = b
	if err := w.c.write(b); err != nil {
		w.failed = true
	}
}

func (w *response) sendBody(p []byte) error {
	if w.chunked {
		b := appendChunkHeader(w.out[:0], len(p))
		b = append(b, p...)
		b = append(b, "\r\n"...)
		w.out = b
		if err := w.c.write(b); err != nil {
			w.failed = true
			return err
		}
		return nil
	}
	if err := w.c.write(p); err != nil {
		w.failed = true
		return err
	}
	return nil
}

// finish completes the answer after the handler returns.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.sent {
		switch {
		case w.failed:
		case w.chunked:
			if err := w.c.write([]byte("0\r\n\r\n")); err != nil {
				w.failed = true
			}
		case w.declared >= 0 && w.written < w.declared && !w.head:
			// Shorter than declared: the client cannot find the next
			// answer on this connection.
			w.c.closing = true
		}
		return
	}
	b := w.out
	w.sniffType(&b)
	if w.declared >= 0 && w.written < w.declared && !w.head {
		// The handler wrote less than it declared: send that and close,
		// so the client sees a truncated answer (as from net/http), not
		// a complete one.
		w.c.closing = true
	}
	switch {
	case !w.bodyAllowed:
	case w.declared >= 0:
		b = appendLength(b, w.declared)
	default:
		b = appendLength(b, w.written)
	}
	b = w.appendConnection(b)
	b = append(b, "\r\n"...)
	if !w.head {
		b = append(b, w.body...)
	}
	w.out = b
	if err := w.c.write(b); err != nil {
		w.failed = true
	}
}

func (w *response) sniffType(b *[]byte) {
	if !w.sniff {
		return
	}
	w.sniff = false
	if len(w.body) == 0 && !w.head {
		return
	}
	*b = append(*b, "Content-Type: "...)
	*b = append(*b, http.DetectContentType(w.body)...)
	*b = append(*b, "\r\n"...)
}

func (w *response) appendConnection(b []byte) []byte {
	switch {
	case w.c.closing || w.c.srv.closing.Load():
		w.c.closing = true
		return append(b, "Connection: close\r\n"...)
	case w.p.keepAlive10:
		return append(b, "Connection: keep-alive\r\n"...)
	}
	return b
}

func appendLength(b []byte, n int64) []byte {
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, "\r\n"...)
}

func appendChunkHeader(b []byte, n int) []byte {
	b = strconv.AppendInt(b, int64(n), 16)
	return append(b, "\r\n"...)
}

// appendFieldValue appends v with CR and LF replaced by spaces, as net/http
// does, so a value can never start a field or an answer of its own.
func appendFieldValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isTokenByte(k[i]) {
			return false
		}
	}
	return true
}

// httpDate is the Date field's value, formatted once per second.
func httpDate() string {
	now := time.Now()
	sec := now.Unix()
	if d := dateCache.Load(); d != nil && d.sec == sec {
		return d.text
	}
	d := &cachedDate{sec: sec, text: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}

type cachedDate struct {
	sec  int64
	text string
}

var dateCache atomic.Pointer[cachedDate]
