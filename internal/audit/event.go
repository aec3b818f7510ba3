// Package audit is vpcvpn's audit trail, shaped like Alibaba Cloud
// ActionTrail: one event per API call (time, request id, account, principal,
// source IP, user agent, action, resource ARN, result code, latency), with the
// two actions that hand out pre-shared keys flagged as secret reads.
//
// Events are appended as JSON lines to one file per UTC day in an audit
// directory (<data-dir>/audit by default): <YYYY-MM-DD>.jsonl, or
// <YYYY-MM-DD>-<node>.jsonl when a node name is set so that several servers
// can share one directory. A Writer records events asynchronously (the
// request path only copies a few words into a buffered channel) and flushes
// and fsyncs them in batches; Scan and Lookup read the files back, and
// LookupEvents serves them as ActionTrail's LookupEvents (2020-07-06).
//
// An event never holds a secret: no request parameters, no error messages
// (SignatureDoesNotMatch messages echo the string to sign), no signature,
// SecurityToken or AccessKey secret — only the AccessKeyId.
package audit

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/timefmt"
)

// Event is one audited API call. JSON names follow ActionTrail's event
// format; secretRead, httpStatus, latencyMs and secureTransport are vpcvpn's
// additions.
type Event struct {
	EventID         string    `json:"eventId" xml:"eventId"`
	EventTime       time.Time `json:"eventTime" xml:"eventTime"`
	EventName       string    `json:"eventName" xml:"eventName"`
	EventType       string    `json:"eventType" xml:"eventType"` // "ApiCall"; from the web console "ConsoleOperation", "ConsoleSignin", "ConsoleSignout"
	EventRW         string    `json:"eventRW" xml:"eventRW"`     // "Read" or "Write"
	SecretRead      bool      `json:"secretRead" xml:"secretRead"`
	ServiceName     string    `json:"serviceName" xml:"serviceName"` // Vpc, Ram, Sts, Actiontrail
	APIVersion      string    `json:"apiVersion" xml:"apiVersion"`
	RequestID       string    `json:"requestId" xml:"requestId"`
	AcsRegion       string    `json:"acsRegion" xml:"acsRegion"`
	SourceIP        string    `json:"sourceIpAddress" xml:"sourceIpAddress"`
	UserAgent       string    `json:"userAgent" xml:"userAgent"`
	SecureTransport bool      `json:"secureTransport" xml:"secureTransport"`
	UserIdentity    Identity  `json:"userIdentity" xml:"userIdentity"`
	ResourceName    string    `json:"resourceName" xml:"resourceName"` // ARN acted on, "" if none
	HTTPStatus      int       `json:"httpStatus" xml:"httpStatus"`
	ErrorCode       string    `json:"errorCode" xml:"errorCode"` // "" on success
	LatencyMs       float64   `json:"latencyMs" xml:"latencyMs"`
}

// Identity is who made the call. For a request that failed authentication
// only AccessKeyID (as sent, V1 signature) is known.
type Identity struct {
	// Type is ActionTrail's identity type: "root-account", "ram-user",
	// "assumed-role", or "" when unauthenticated.
	Type        string `json:"type" xml:"type"`
	AccountID   string `json:"accountId" xml:"accountId"`
	PrincipalID string `json:"principalId" xml:"principalId"` // RAM user id, if known
	ARN         string `json:"arn" xml:"arn"`
	UserName    string `json:"userName" xml:"userName"`
	SessionName string `json:"sessionName" xml:"sessionName"`
	AccessKeyID string `json:"accessKeyId" xml:"accessKeyId"`
}

// eventTimes formats event times (one date computation per second).
var eventTimes timefmt.Cache

// appendEvent appends e as one JSON object (no newline), in the field order
// of Event; the output decodes with encoding/json to e (EventTime with
// nanoseconds, UTC).
func appendEvent(b []byte, e *Event) []byte {
	b = append(b, `{"eventId":`...)
	b = appendString(b, e.EventID)
	b = append(b, `,"eventTime":"`...)
	b = eventTimes.AppendNano(b, e.EventTime.UTC())
	b = append(b, `","eventName":`...)
	b = appendString(b, e.EventName)
	b = append(b, `,"eventType":`...)
	b = appendString(b, e.EventType)
	b = append(b, `,"eventRW":`...)
	b = appendString(b, e.EventRW)
	b = append(b, `,"secretRead":`...)
	b = strconv.AppendBool(b, e.SecretRead)
	b = append(b, `,"serviceName":`...)
	b = appendString(b, e.ServiceName)
	b = append(b, `,"apiVersion":`...)
	b = appendString(b, e.APIVersion)
	b = append(b, `,"requestId":`...)
	b = appendString(b, e.RequestID)
	b = append(b, `,"acsRegion":`...)
	b = appendString(b, e.AcsRegion)
	b = append(b, `,"sourceIpAddress":`...)
	b = appendString(b, e.SourceIP)
	b = append(b, `,"userAgent":`...)
	b = appendString(b, e.UserAgent)
	b = append(b, `,"secureTransport":`...)
	b = strconv.AppendBool(b, e.SecureTransport)
	id := &e.UserIdentity
	b = append(b, `,"userIdentity":{"type":`...)
	b = appendString(b, id.Type)
	b = append(b, `,"accountId":`...)
	b = appendString(b, id.AccountID)
	b = append(b, `,"principalId":`...)
	b = appendString(b, id.PrincipalID)
	b = append(b, `,"arn":`...)
	b = appendString(b, id.ARN)
	b = append(b, `,"userName":`...)
	b = appendString(b, id.UserName)
	b = append(b, `,"sessionName":`...)
	b = appendString(b, id.SessionName)
	b = append(b, `,"accessKeyId":`...)
	b = appendString(b, id.AccessKeyID)
	b = append(b, `},"resourceName":`...)
	b = appendString(b, e.ResourceName)
	b = append(b, `,"httpStatus":`...)
	b = strconv.AppendInt(b, int64(e.HTTPStatus), 10)
	b = append(b, `,"errorCode":`...)
	b = appendString(b, e.ErrorCode)
	b = append(b, `,"latencyMs":`...)
	b = strconv.AppendFloat(b, e.LatencyMs, 'f', -1, 64)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes appendString copies as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string. Control characters, quotes,
// backslashes, <, >, &, U+2028 and U+2029 are escaped; invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
