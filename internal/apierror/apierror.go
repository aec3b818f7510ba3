// Package apierror holds vpcvpn's one table of wire errors: every error a client
// can see has exactly one entry here with its HTTP status and default message.
//
// Lower layers (vpn validation, service, iam) return *Error values built from
// this table; the api layer encodes them. Any other Go error that reaches the
// api layer is logged and answered as InternalError, so a cause (which may hold
// internal detail) is never shown to a client.
//
// Codes are strings at the call sites (apierror.New("InvalidVpcId.NotFound")
// reads as the answer it gives), and a wrong one is a test failure, not a
// production panic:
//   - Table holds every fixed code; Families the two shapes of code that
//     name a parameter inside them, as Alibaba's do: Missing{Name} (built
//     only by Missing) and Invalid{Parameter}.{Problem} (a configuration
//     section's key, a parameter's .Malformed, ...).
//   - TestCodesInTable reads the module's source and follows the code given
//     to New, Newf and Invalid (and the name given to Missing) back to its
//     string literals, through variables, constants, literal maps and the
//     functions that pass a code on: a literal code must be a row of Table,
//     a code built from parts must match a Family, a Missing name must look
//     like a parameter name. What it cannot follow must name the test that
//     checks it instead (checkedElsewhere).
//   - At run time a code in neither is answered InternalError: New returns
//     an *Error that As does not accept, so the api layer logs it (the
//     intended code and message, as the error's text) and answers 500, and
//     the request's goroutine does not panic.
package apierror

import (
	"errors"
	"fmt"
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

	// unknown is the code asked for when it is in neither Table nor
	// Families: the Error is then an InternalError that As refuses.
	unknown string
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

func (e *Error) Error() string {
	if e.unknown != "" {
		return "apierror: code " + e.unknown + " is not in the table (answered InternalError): " + e.Message
	}
	return e.Code + ": " + e.Message
}

// New returns the table's error for code (a row of Table, or a code of one
// of the Families) with its default message. A code in neither is a
// programming error that TestCodesInTable finds; at run time it is answered
// InternalError (see the package comment), never a panic.
func New(code string) *Error {
	ent, ok := lookup(code)
	if !ok {
		in := Table["InternalError"]
		return &Error{Code: "InternalError", Status: in.Status, Message: in.Message, unknown: code}
	}
	return &Error{Code: code, Status: ent.Status, Message: ent.Message}
}

// Newf returns the table's error for code with a specific message.
func Newf(code, format string, args ...any) *Error {
	e := New(code)
	e.Message = fmt.Sprintf(format, args...)
	return e
}

// Missing returns Missing{Name} (400, Families) for a required parameter
// that is absent; name is the parameter's name as the client sends it.
func Missing(name string) *Error {
	ent := Families[familyMissing]
	return &Error{Code: "Missing" + name, Status: ent.Status,
		Message: name + " is mandatory for this action."}
}

// Invalid returns a 400 error of the Invalid family with a specific
// message: code is a row of Table ("InvalidParameter") or of the shape
// Invalid{Parameter}.{Problem} ("InvalidIkeConfig.IkeEncAlg"). It is Newf
// for the codes that validation builds from a parameter's name.
func Invalid(code, format string, args ...any) *Error {
	return Newf(code, format, args...)
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
// One with a DatabaseUnavailable method returning true (a store that could
// not reach its database, *store.UnavailableError) says so in the message,
// and whether a change may have been made (ChangedNothing).
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		// An unknown code is a bug: the caller logs err and answers
		// InternalError, as for any cause.
		return e, e.unknown == ""
	}
	var r interface{ RetryLater() bool }
	if errors.As(err, &r) && r.RetryLater() {
		msg := "The request could not be completed because of concurrent changes to the same resources; nothing was changed. Retry the request."
		var u interface{ DatabaseUnavailable() bool }
		if errors.As(err, &u) && u.DatabaseUnavailable() {
			msg = UnavailableMessage
			var c interface{ ChangedNothing() bool }
			if errors.As(err, &c) && c.ChangedNothing() {
				msg = UnavailableUnchangedMessage
			}
		}
		return unavailable(msg), true
	}
	return nil, false
}

// The messages of ServiceUnavailable for a request whose database could not
// be reached or did not answer: one that may have made a change (a write
// whose commit went unanswered), and one that certainly did not.
const (
	UnavailableMessage          = "The server lost its database while carrying out the request; a change it asked for may or may not have been made. Check (Describe*) before you retry a change."
	UnavailableUnchangedMessage = "The server could not reach its database in time; the request was not carried out. Retry it."
)

// unavailable is ServiceUnavailable (503) with message and a one-second
// retry hint (x-acs-retry-after, Retry-After).
func unavailable(message string) *Error {
	e := New("ServiceUnavailable")
	e.Message = message
	e.Headers = map[string]string{"x-acs-retry-after": "1000", "Retry-After": "1"}
	return e
}

// HasCode reports whether err is a wire error with the given code.
func HasCode(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

func lookup(code string) (Entry, bool) {
	if ent, ok := Table[code]; ok {
		return ent, true
	}
	for pattern, ent := range Families {
		if matchFamily(pattern, code) {
			return ent, true
		}
	}
	return Entry{}, false
}

// matchFamily reports whether code has the shape of pattern: each "*" of
// the pattern stands for a name of one or more letters, digits and dots.
func matchFamily(pattern, code string) bool {
	parts := strings.Split(pattern, "*")
	rest, ok := strings.CutPrefix(code, parts[0])
	if !ok {
		return false
	}
	for _, lit := range parts[1:] {
		// The name runs to the first occurrence of lit after at least
		// one character (the last part must end the code).
		i := -1
		if lit == "" {
			i = len(rest)
		} else if j := strings.Index(rest[min(1, len(rest)):], lit); j >= 0 {
			i = j + min(1, len(rest))
		}
		if i < 1 || !isName(rest[:i]) {
			return false
		}
		rest = rest[i+len(lit):]
	}
	return rest == ""
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return s != ""
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
