package authz

import (
	"net/netip"
	"testing"
	"time"
)

// withCondition is an Allow-everything policy guarded by one Condition block.
func withCondition(t *testing.T, cond string) *Policy {
	t.Helper()
	p, err := Parse(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + cond + `}`))
	if err != nil {
		t.Fatalf("Parse condition %s: %v", cond, err)
	}
	return p
}

var (
	t2026 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ip10  = netip.MustParseAddr("10.1.2.3")
)

func TestConditions(t *testing.T) {
	base := func() Request {
		return Request{Action: "vpc:DescribeVpcs", Resource: "*", SourceIP: ip10, SecureTransport: true, CurrentTime: t2026}
	}
	with := func(f func(r *Request)) Request {
		r := base()
		f(&r)
		return r
	}
	extra := func(kv ...string) Request {
		r := base()
		r.Extra = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			r.Extra[kv[i]] = kv[i+1]
		}
		return r
	}
	tests := []struct {
		name string
		cond string
		req  Request
		want bool // whether the condition holds (Allow vs ImplicitDeny)
	}{
		// StringEquals and friends, on Extra keys.
		{"StringEquals match", `{"StringEquals":{"acs:UserId":"123"}}`, extra("acs:UserId", "123"), true},
		{"StringEquals mismatch", `{"StringEquals":{"acs:UserId":"123"}}`, extra("acs:UserId", "124"), false},
		{"StringEquals case-sensitive value", `{"StringEquals":{"x:env":"Prod"}}`, extra("x:env", "prod"), false},
		{"StringEquals any-of list", `{"StringEquals":{"x:env":["dev","prod"]}}`, extra("x:env", "prod"), true},
		{"StringEquals absent key", `{"StringEquals":{"x:env":"prod"}}`, extra(), false},
		{"StringEquals key case-insensitive", `{"StringEquals":{"X:ENV":"prod"}}`, extra("x:Env", "prod"), true},
		{"StringEquals key exact wins", `{"StringEquals":{"x:env":"prod"}}`, extra("x:env", "prod", "X:ENV", "dev"), true},
		{"StringEquals nil Extra", `{"StringEquals":{"x:env":"prod"}}`, base(), false},
		{"StringNotEquals differs", `{"StringNotEquals":{"x:env":"prod"}}`, extra("x:env", "dev"), true},
		{"StringNotEquals equal", `{"StringNotEquals":{"x:env":"prod"}}`, extra("x:env", "prod"), false},
		{"StringNotEquals none of list", `{"StringNotEquals":{"x:env":["a","b"]}}`, extra("x:env", "c"), true},
		{"StringNotEquals one of list", `{"StringNotEquals":{"x:env":["a","b"]}}`, extra("x:env", "b"), false},
		{"StringNotEquals absent holds", `{"StringNotEquals":{"x:env":"prod"}}`, extra(), true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"x:env":"PROD"}}`, extra("x:env", "prod"), true},
		{"StringEqualsIgnoreCase mismatch", `{"StringEqualsIgnoreCase":{"x:env":"PROD"}}`, extra("x:env", "prodx"), false},
		{"StringNotEqualsIgnoreCase same", `{"StringNotEqualsIgnoreCase":{"x:env":"PROD"}}`, extra("x:env", "prod"), false},
		{"StringNotEqualsIgnoreCase differs", `{"StringNotEqualsIgnoreCase":{"x:env":"PROD"}}`, extra("x:env", "dev"), true},
		{"StringLike match", `{"StringLike":{"x:name":"web-*-?"}}`, extra("x:name", "web-prod-1"), true},
		{"StringLike mismatch", `{"StringLike":{"x:name":"web-*-?"}}`, extra("x:name", "web-prod-12"), false},
		{"StringLike case-sensitive", `{"StringLike":{"x:name":"Web*"}}`, extra("x:name", "web"), false},
		{"StringNotLike", `{"StringNotLike":{"x:name":"web*"}}`, extra("x:name", "db-1"), true},
		{"StringNotLike matches", `{"StringNotLike":{"x:name":"web*"}}`, extra("x:name", "web-1"), false},
		{"StringEquals bool value as text", `{"StringEquals":{"x:flag":true}}`, extra("x:flag", "true"), true},
		{"StringEquals number value as text", `{"StringEquals":{"x:n":10}}`, extra("x:n", "10"), true},
		// String operators on the typed keys.
		{"StringEquals SourceIp", `{"StringEquals":{"acs:SourceIp":"10.1.2.3"}}`, base(), true},
		{"StringEquals SourceIp mapped", `{"StringEquals":{"acs:SourceIp":"10.1.2.3"}}`, with(func(r *Request) { r.SourceIP = netip.MustParseAddr("::ffff:10.1.2.3") }), true},
		{"StringEquals SecureTransport", `{"StringEquals":{"acs:SecureTransport":"true"}}`, base(), true},
		{"StringEquals CurrentTime", `{"StringEquals":{"acs:CurrentTime":"2026-06-01T12:00:00Z"}}`, base(), true},
		{"StringLike SourceIp absent", `{"StringLike":{"acs:SourceIp":"*"}}`, with(func(r *Request) { r.SourceIP = netip.Addr{} }), false},
		{"StringLike CurrentTime absent", `{"StringLike":{"acs:CurrentTime":"*"}}`, with(func(r *Request) { r.CurrentTime = time.Time{} }), false},
		{"Extra does not override SourceIp", `{"StringEquals":{"acs:SourceIp":"1.1.1.1"}}`, extra("acs:SourceIp", "1.1.1.1"), false},

		// IpAddress / NotIpAddress.
		{"IpAddress in CIDR", `{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}`, base(), true},
		{"IpAddress outside CIDR", `{"IpAddress":{"acs:SourceIp":"192.168.0.0/16"}}`, base(), false},
		{"IpAddress single IP", `{"IpAddress":{"acs:SourceIp":"10.1.2.3"}}`, base(), true},
		{"IpAddress single IP other", `{"IpAddress":{"acs:SourceIp":"10.1.2.4"}}`, base(), false},
		{"IpAddress unmasked CIDR", `{"IpAddress":{"acs:SourceIp":"10.1.2.99/24"}}`, base(), true},
		{"IpAddress list any-of", `{"IpAddress":{"acs:SourceIp":["192.168.0.0/16","10.1.0.0/16"]}}`, base(), true},
		{"IpAddress key case", `{"IpAddress":{"ACS:SOURCEIP":"10.0.0.0/8"}}`, base(), true},
		{"IpAddress mapped request", `{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}`, with(func(r *Request) { r.SourceIP = netip.MustParseAddr("::ffff:10.1.2.3") }), true},
		{"IpAddress mapped policy", `{"IpAddress":{"acs:SourceIp":"::ffff:10.0.0.0/104"}}`, base(), true},
		{"IpAddress IPv6", `{"IpAddress":{"acs:SourceIp":"2001:db8::/32"}}`, with(func(r *Request) { r.SourceIP = netip.MustParseAddr("2001:db8::1") }), true},
		{"IpAddress IPv4 CIDR vs IPv6 addr", `{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}`, with(func(r *Request) { r.SourceIP = netip.MustParseAddr("2001:db8::1") }), false},
		{"IpAddress absent", `{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}`, with(func(r *Request) { r.SourceIP = netip.Addr{} }), false},
		{"NotIpAddress outside", `{"NotIpAddress":{"acs:SourceIp":"192.168.0.0/16"}}`, base(), true},
		{"NotIpAddress inside", `{"NotIpAddress":{"acs:SourceIp":["192.168.0.0/16","10.0.0.0/8"]}}`, base(), false},
		{"NotIpAddress absent holds", `{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}`, with(func(r *Request) { r.SourceIP = netip.Addr{} }), true},
		{"IpAddress on Extra key", `{"IpAddress":{"x:peer":"172.16.0.0/12"}}`, extra("x:peer", "172.16.5.5"), true},
		{"IpAddress on Extra unparsable", `{"IpAddress":{"x:peer":"172.16.0.0/12"}}`, extra("x:peer", "nope"), false},

		// Bool.
		{"Bool true", `{"Bool":{"acs:SecureTransport":"true"}}`, base(), true},
		{"Bool JSON true", `{"Bool":{"acs:SecureTransport":true}}`, base(), true},
		{"Bool true vs plain", `{"Bool":{"acs:SecureTransport":"true"}}`, with(func(r *Request) { r.SecureTransport = false }), false},
		{"Bool false vs plain", `{"Bool":{"acs:SecureTransport":"FALSE"}}`, with(func(r *Request) { r.SecureTransport = false }), true},
		{"Bool key case", `{"Bool":{"acs:securetransport":"true"}}`, base(), true},
		{"Bool Extra", `{"Bool":{"acs:MFAPresent":"true"}}`, extra("acs:MFAPresent", "True"), true},
		{"Bool Extra absent", `{"Bool":{"acs:MFAPresent":"false"}}`, extra(), false},
		{"Bool Extra garbage", `{"Bool":{"acs:MFAPresent":"false"}}`, extra("acs:MFAPresent", "no"), false},

		// Dates.
		{"DateLessThan before", `{"DateLessThan":{"acs:CurrentTime":"2026-06-01T12:00:01Z"}}`, base(), true},
		{"DateLessThan equal", `{"DateLessThan":{"acs:CurrentTime":"2026-06-01T12:00:00Z"}}`, base(), false},
		{"DateLessThan offset", `{"DateLessThan":{"acs:CurrentTime":"2026-06-01T20:00:01+08:00"}}`, base(), true},
		{"DateLessThan offset after", `{"DateLessThan":{"acs:CurrentTime":"2026-06-01T19:59:59+08:00"}}`, base(), false},
		{"DateLessThanEquals equal", `{"DateLessThanEquals":{"acs:CurrentTime":"2026-06-01T12:00:00Z"}}`, base(), true},
		{"DateGreaterThan after", `{"DateGreaterThan":{"acs:CurrentTime":"2026-06-01T11:59:59Z"}}`, base(), true},
		{"DateGreaterThan equal", `{"DateGreaterThan":{"acs:CurrentTime":"2026-06-01T12:00:00Z"}}`, base(), false},
		{"DateGreaterThanEquals equal", `{"DateGreaterThanEquals":{"acs:CurrentTime":"2026-06-01T12:00:00Z"}}`, base(), true},
		{"DateEquals", `{"DateEquals":{"acs:CurrentTime":"2026-06-01T20:00:00+08:00"}}`, base(), true},
		{"DateNotEquals", `{"DateNotEquals":{"acs:CurrentTime":"2026-06-01T20:00:00+08:00"}}`, base(), false},
		{"DateGreaterThan absent time", `{"DateGreaterThan":{"acs:CurrentTime":"2000-01-01T00:00:00Z"}}`, with(func(r *Request) { r.CurrentTime = time.Time{} }), false},
		{"DateNotEquals absent time", `{"DateNotEquals":{"acs:CurrentTime":"2000-01-01T00:00:00Z"}}`, with(func(r *Request) { r.CurrentTime = time.Time{} }), true},
		{"Date window", `{"DateGreaterThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"acs:CurrentTime":"2027-01-01T00:00:00Z"}}`, base(), true},
		{"Date window outside", `{"DateGreaterThan":{"acs:CurrentTime":"2026-07-01T00:00:00Z"},"DateLessThan":{"acs:CurrentTime":"2027-01-01T00:00:00Z"}}`, base(), false},
		{"Date Extra", `{"DateLessThan":{"x:expires":"2026-01-01T00:00:00Z"}}`, extra("x:expires", "2025-12-31T23:59:59Z"), true},

		// Numbers (Extra keys only).
		{"NumericEquals", `{"NumericEquals":{"x:n":10}}`, extra("x:n", "10.0"), true},
		{"NumericNotEquals", `{"NumericNotEquals":{"x:n":10}}`, extra("x:n", "11"), true},
		{"NumericLessThan", `{"NumericLessThan":{"x:n":"10"}}`, extra("x:n", "9.5"), true},
		{"NumericLessThan equal", `{"NumericLessThan":{"x:n":"10"}}`, extra("x:n", "10"), false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"x:n":"10"}}`, extra("x:n", "10"), true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"x:n":"10"}}`, extra("x:n", "1e2"), true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"x:n":"10"}}`, extra("x:n", "9"), false},
		{"Numeric NaN request is absent", `{"NumericNotEquals":{"x:n":"10"}}`, extra("x:n", "NaN"), true},
		{"Numeric NaN request positive", `{"NumericGreaterThan":{"x:n":"10"}}`, extra("x:n", "NaN"), false},

		// Combination: every operator and key must hold.
		{"AND across operators", `{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"Bool":{"acs:SecureTransport":"true"}}`, base(), true},
		{"AND one fails", `{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"Bool":{"acs:SecureTransport":"false"}}`, base(), false},
		{"AND across keys", `{"StringEquals":{"x:a":"1","x:b":"2"}}`, extra("x:a", "1", "x:b", "2"), true},
		{"AND across keys one fails", `{"StringEquals":{"x:a":"1","x:b":"2"}}`, extra("x:a", "1", "x:b", "3"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := withCondition(t, tt.cond)
			want := ImplicitDeny
			if tt.want {
				want = Allow
			}
			if got := p.Evaluate(tt.req); got != want {
				t.Errorf("Evaluate = %v, want %v", got, want)
			}
		})
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"10.0.0.1", "10.0.0.1/32"},
		{"10.0.0.1/8", "10.0.0.0/8"},
		{"::ffff:10.0.0.1", "10.0.0.1/32"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"2001:db8::1/32", "2001:db8::/32"},
		{"0.0.0.0/0", "0.0.0.0/0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := parsePrefix(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tt.want {
				t.Errorf("parsePrefix(%q) = %s, want %s", tt.in, p, tt.want)
			}
		})
	}
}

func TestOperatorNamesAllKnown(t *testing.T) {
	names := operatorNames()
	if len(names) != 21 {
		t.Errorf("%d operator names, want 21", len(names))
	}
	for _, name := range names {
		if _, ok := operatorByName(name); !ok {
			t.Errorf("operatorByName(%q) unknown", name)
		}
	}
}
