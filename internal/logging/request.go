package logging

import (
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/timefmt"
)

// Request is the request log line of one API call.
type Request struct {
	Time      time.Time // when the answer was written
	RequestID string
	Action    string
	// Principal appends the caller's ARN; nil when the request was not
	// authenticated.
	Principal interface{ AppendARN(dst []byte) []byte }
	Status    int
	Code      string
	Latency   time.Duration
}

// RequestEnabled reports whether request lines (Info) are logged.
func (o *Output) RequestEnabled() bool { return o.level.Level() <= slog.LevelInfo }

// scratch is the memory of one LogRequest call.
type scratch struct {
	line []byte
	arn  [128]byte
}

// timeCache formats request times (one date computation per second).
var timeCache timefmt.Cache

var scratchPool = sync.Pool{New: func() any { return &scratch{line: make([]byte, 0, 512)} }}

// LogRequest writes r as the line slog would write for
//
//	Logger.Info("request", "request_id", r.RequestID, "action", r.Action,
//		"principal", arn, "status", r.Status, "code", r.Code, "latency", r.Latency)
//
// in the Output's format, formatted by hand: it is the one line logged for
// every API call, and slog's generic path cost about 5% of the server's CPU
// per request (docs/PERFORMANCE.md). TestRequestLineMatchesSlog keeps the
// two identical.
func (o *Output) LogRequest(r *Request) {
	if !o.RequestEnabled() {
		return
	}
	sc := scratchPool.Get().(*scratch)
	b := sc.line[:0]
	arn := principal(r, sc)
	if o.json {
		b = append(b, `{"time":"`...)
		b = timeCache.AppendNano(b, r.Time)
		b = append(b, `","level":"INFO","msg":"request","request_id":`...)
		b = appendJSONString(b, r.RequestID)
		b = append(b, `,"action":`...)
		b = appendJSONString(b, r.Action)
		b = append(b, `,"principal":`...)
		b = appendJSONString(b, arn)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = append(b, `,"code":`...)
		b = appendJSONString(b, r.Code)
		b = append(b, `,"latency":`...)
		b = strconv.AppendInt(b, int64(r.Latency), 10)
		b = append(b, "}\n"...)
	} else {
		b = append(b, "time="...)
		b = timeCache.AppendMillis(b, r.Time)
		b = append(b, " level=INFO msg=request request_id="...)
		b = appendText(b, r.RequestID)
		b = append(b, " action="...)
		b = appendText(b, r.Action)
		b = append(b, " principal="...)
		b = appendText(b, arn)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = append(b, " code="...)
		b = appendText(b, r.Code)
		b = append(b, " latency="...)
		b = appendText(b, r.Latency.String())
		b = append(b, '\n')
	}
	_, _ = o.w.Write(b)
	sc.line = b
	scratchPool.Put(sc)
}

// principal returns r's principal ARN (empty when unauthenticated), in s's
// array unless the ARN is longer.
func principal(r *Request, s *scratch) []byte {
	if r.Principal == nil {
		return nil
	}
	return r.Principal.AppendARN(s.arn[:0])
}

// appendText appends s as slog's text handler writes a string value: bare
// when it needs no quoting, else Go-quoted.
func appendText[S ~string | ~[]byte](b []byte, s S) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, string(s))
	}
	return append(b, s...)
}

// needsQuoting is slog's text handler rule: empty strings, space, '=',
// '"', ASCII control characters, invalid UTF-8 and non-printable or space
// runes are quoted; a backslash and DEL are not.
func needsQuoting[S ~string | ~[]byte](s S) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendJSONString appends s as a JSON string.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(b, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				b = append(b, `\u202`...)
				b = append(b, hex[r&0xf])
			default:
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < ' ':
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
