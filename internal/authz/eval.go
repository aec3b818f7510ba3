package authz

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Decision is the outcome of evaluating policies for a request.
type Decision int

const (
	// ImplicitDeny: no statement allows the request (and none denies it).
	ImplicitDeny Decision = iota
	// Allow: some statement allows the request and none denies it.
	Allow
	// ExplicitDeny: some Deny statement applies; it wins over any Allow.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allow" or "ExplicitDeny"; the deny values are
// the NoPermissionType of an AccessDeniedDetail.
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Request is what is being asked, as the policy language sees it. The caller
// should fill every field it knows; a field left at its zero value counts as
// "no value" for conditions on it (see the Op constants).
type Request struct {
	// Action is "product:ActionName", e.g. "vpc:DownloadVpnConnectionConfig";
	// matched case-insensitively.
	Action string
	// Resource is the ARN acted on (see ARN), or "*" for actions that are not
	// scoped to a resource; matched case-sensitively, except a RAM role's
	// ARN (see IsRoleARN), which is matched ignoring case: RAM treats role
	// names case-insensitively.
	Resource string
	// SourceIP is acs:SourceIp; the zero Addr means unknown. IPv4-mapped IPv6
	// addresses are treated as IPv4.
	SourceIP netip.Addr
	// SecureTransport is acs:SecureTransport (the request came over TLS).
	SecureTransport bool
	// CurrentTime is acs:CurrentTime; the zero Time means unknown.
	CurrentTime time.Time
	// Extra holds any other condition keys (e.g. "acs:MFAPresent",
	// "vpc:Tag/env") with their values as text. Keys are matched
	// case-insensitively (an exact match is tried first); keep them unique
	// ignoring case. Values for Bool, Date and Numeric operators must parse
	// as "true"/"false", RFC 3339 and a number, else they count as absent.
	Extra map[string]string
}

// Evaluate decides r against this policy alone: ExplicitDeny if a Deny
// statement applies, else Allow if an Allow statement applies, else
// ImplicitDeny. A statement applies when its Action (or NotAction), Resource
// (or NotResource) and every condition hold. A nil policy gives ImplicitDeny.
// Evaluate does not allocate (except for String conditions on acs:SourceIp
// and acs:CurrentTime) and is safe for concurrent use.
func (p *Policy) Evaluate(r Request) Decision {
	if p == nil {
		return ImplicitDeny
	}
	return p.evaluate(&r)
}

func (p *Policy) evaluate(r *Request) Decision {
	d := ImplicitDeny
	for i := range p.statements {
		st := &p.statements[i]
		if !st.applies(r) {
			continue
		}
		if st.deny {
			return ExplicitDeny
		}
		d = Allow
	}
	return d
}

// Evaluate decides r against a set of policies (all attached to one
// identity): an explicit Deny in any policy wins, else an Allow in any policy
// allows, else ImplicitDeny. Nil entries are skipped; an empty set gives
// ImplicitDeny.
func Evaluate(policies []*Policy, r Request) Decision {
	d := ImplicitDeny
	for _, p := range policies {
		if p == nil {
			continue
		}
		switch p.evaluate(&r) {
		case ExplicitDeny:
			return ExplicitDeny
		case Allow:
			d = Allow
		}
	}
	return d
}

func (st *statement) applies(r *Request) bool {
	if anyMatch(st.actions, r.Action, true) == st.notAction {
		return false
	}
	if anyMatch(st.resources, r.Resource, IsRoleARN(r.Resource)) == st.notResource {
		return false
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(r) {
			return false
		}
	}
	return true
}

func anyMatch(ps []pattern, s string, fold bool) bool {
	for i := range ps {
		if ps[i].match(s, fold) {
			return true
		}
	}
	return false
}

// extra looks key up in r.Extra: exactly first, then ignoring case.
func (r *Request) extra(key string) (string, bool) {
	if v, ok := r.Extra[key]; ok {
		return v, true
	}
	for k, v := range r.Extra {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

func (r *Request) stringValue(kind keyKind, key string) (string, bool) {
	switch kind {
	case keySourceIP:
		if !r.SourceIP.IsValid() {
			return "", false
		}
		return r.SourceIP.Unmap().String(), true
	case keySecureTransport:
		return strconv.FormatBool(r.SecureTransport), true
	case keyCurrentTime:
		if r.CurrentTime.IsZero() {
			return "", false
		}
		return r.CurrentTime.Format(time.RFC3339), true
	}
	return r.extra(key)
}

func (r *Request) ipValue(kind keyKind, key string) (netip.Addr, bool) {
	if kind == keySourceIP {
		return r.SourceIP.Unmap(), r.SourceIP.IsValid()
	}
	v, ok := r.extra(key)
	if !ok {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func (r *Request) boolValue(kind keyKind, key string) (bool, bool) {
	if kind == keySecureTransport {
		return r.SecureTransport, true
	}
	v, ok := r.extra(key)
	if !ok {
		return false, false
	}
	return parseBool(v)
}

func (r *Request) timeValue(kind keyKind, key string) (time.Time, bool) {
	if kind == keyCurrentTime {
		return r.CurrentTime, !r.CurrentTime.IsZero()
	}
	v, ok := r.extra(key)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

func (r *Request) numberValue(key string) (float64, bool) {
	v, ok := r.extra(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseFloat(v, 64)
	return n, err == nil && !math.IsNaN(n)
}

// EvaluateSession decides a request made by an STS role session: the role's
// policies and the session policy passed to AssumeRole must both allow it (a
// session policy only narrows). An explicit Deny in either wins; a nil
// session policy narrows nothing, so the role's decision stands.
func EvaluateSession(rolePolicies []*Policy, session *Policy, r Request) Decision {
	role := Evaluate(rolePolicies, r)
	if session == nil || role == ExplicitDeny {
		return role
	}
	switch session.evaluate(&r) {
	case ExplicitDeny:
		return ExplicitDeny
	case ImplicitDeny:
		return ImplicitDeny
	}
	return role
}
