// Package apierror holds vpcvpn's one table of wire errors: every error a client
// can see has exactly one entry here with its HTTP status and default message.
//
// Lower layers (vpn validation, service, iam) return *Error values built from
// this table; the api layer encodes them. Any other Go error that reaches the
// api layer is logged and answered as InternalError, so a cause (which may hold
// internal detail) is never shown to a client.
package apierror

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Entry is one row of the wire-error table.
type Entry struct {
	Status  int
	Message string
}

// Error is a wire error: a code from the table, the client-visible message, and
// optional extra fields. It is safe to show to the caller.
type Error struct {
	Code    string
	Status  int
	Message string
	// Recommend is an optional hint for the caller; the api layer fills a
	// default when empty.
	Recommend string
	// AccessDenied is set on 403 answers (RAM authorization failures).
	AccessDenied *AccessDeniedDetail
	// Headers are extra response headers (rate limit hints, retry-after).
	Headers map[string]string
}

// AccessDeniedDetail explains a 403, as Alibaba's gateways do.
type AccessDeniedDetail struct {
	AuthAction               string `json:"AuthAction" xml:"AuthAction"`
	AuthPrincipalType        string `json:"AuthPrincipalType" xml:"AuthPrincipalType"`
	AuthPrincipalDisplayName string `json:"AuthPrincipalDisplayName" xml:"AuthPrincipalDisplayName"`
	AuthPrincipalOwnerId     string `json:"AuthPrincipalOwnerId" xml:"AuthPrincipalOwnerId"`
	PolicyType               string `json:"PolicyType" xml:"PolicyType"`
	NoPermissionType         string `json:"NoPermissionType" xml:"NoPermissionType"`
	EncodedDiagnosticMessage string `json:"EncodedDiagnosticMessage" xml:"EncodedDiagnosticMessage"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns the table's error for code with its default message. It panics
// on a code missing from the table: that is a programming error caught by the
// table's completeness test and every test that reaches the call.
func New(code string) *Error {
	ent, ok := lookup(code)
	if !ok {
		panic("apierror: code not in table: " + code)
	}
	return &Error{Code: code, Status: ent.Status, Message: ent.Message}
}

// Newf returns the table's error for code with a specific message.
func Newf(code, format string, args ...any) *Error {
	e := New(code)
	e.Message = fmt.Sprintf(format, args...)
	return e
}

// Missing returns Missing{Name} (400) for a required parameter that is absent.
func Missing(name string) *Error {
	return &Error{Code: "Missing" + name, Status: http.StatusBadRequest,
		Message: name + " is mandatory for this action."}
}

// Invalid returns a 400 InvalidParameter-family error: code is e.g.
// "InvalidIkeConfig.IkeEncAlg" or "InvalidParameter"; codes outside the table
// that start with "Invalid" are accepted and answered with 400.
func Invalid(code, format string, args ...any) *Error {
	if ent, ok := lookup(code); ok {
		return &Error{Code: code, Status: ent.Status, Message: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(code, "Invalid") {
		panic("apierror: Invalid called with non-Invalid code " + code)
	}
	return &Error{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Clip shortens client-supplied text quoted in a message to at most max
// bytes, cut on a rune boundary and followed by "..." when cut, so that a
// hostile value can neither flood an answer nor leave half a character in
// it. Invalid UTF-8 is replaced by U+FFFD.
func Clip(s string, max int) string {
	cut := len(s) > max
	if cut {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if cut {
		s += "..."
	}
	return s
}

// As reports whether err is (or wraps) a wire error and returns it.
//
// An error of a lower layer that says nothing was done and the same request
// may succeed later (it has a RetryLater method returning true, like the
// store's *store.BusyError after a write kept failing on concurrent writes)
// is ServiceUnavailable with a one-second retry hint, never InternalError.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var r interface{ RetryLater() bool }
	if errors.As(err, &r) && r.RetryLater() {
		e := New("ServiceUnavailable")
		e.Message = "The request could not be completed because of concurrent changes to the same resources; nothing was changed. Retry the request."
		e.Headers = map[string]string{"x-acs-retry-after": "1000", "Retry-After": "1"}
		return e, true
	}
	return nil, false
}

// HasCode reports whether err is a wire error with the given code.
func HasCode(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

func lookup(code string) (Entry, bool) {
	ent, ok := Table[code]
	return ent, ok
}

// Codes of the table, sorted; for tests and documentation.
func Codes() []string {
	out := make([]string, 0, len(Table))
	for c := range Table {
		out = append(out, c)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
