package authz

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// FuzzParsePolicy checks that Parse never panics, that every refusal is a
// *ParseError with a message, and that a parsed policy evaluates without
// panicking, deterministically, to one of the three decisions.
func FuzzParsePolicy(f *testing.F) {
	f.Add(doc(allowAll))
	f.Add(`{"Version":"1","Statement":{"Effect":"Deny","NotAction":"vpc:Describe*","NotResource":["acs:vpc:*:*:vpc/*"]}}`)
	f.Add(doc(`{"Effect":"Allow","Action":"vpc:*Vpn*","Resource":"acs:vpc:*:*:vpnconnection/vco-?","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","::ffff:1.2.3.4"]},"Bool":{"acs:SecureTransport":true},"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00+08:00"},"StringLike":{"x:a":"*a*b"},"NumericLessThan":{"x:n":3}}}`))
	f.Add(`{"Version":"1","Statement":[{"Effect":"allow!"}]}`)
	f.Add(`{"Version":"1","Version":"1"}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, d string) {
		p, err := Parse(d)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("error %T %q is not a *ParseError with a message", err, err)
			}
			return
		}
		if p.Document() != d || p.Statements() == 0 {
			t.Fatalf("Document/Statements wrong: %d statements", p.Statements())
		}
		reqs := []Request{
			{},
			{Action: "vpc:DownloadVpnConnectionConfig", Resource: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-1",
				SourceIP: netip.MustParseAddr("10.1.2.3"), SecureTransport: true, CurrentTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Extra: map[string]string{"x:a": "ab", "x:n": "2", "acs:UserId": "1"}},
			{Action: "ram:CreateUser", Resource: "*", SourceIP: netip.MustParseAddr("2001:db8::1"),
				Extra: map[string]string{"X:A": "", "x:n": "NaN"}},
		}
		for _, r := range reqs {
			d1 := p.Evaluate(r)
			if d1 != ImplicitDeny && d1 != Allow && d1 != ExplicitDeny {
				t.Fatalf("Evaluate = %d", int(d1))
			}
			if d2 := Evaluate([]*Policy{p, nil}, r); d2 != d1 {
				t.Fatalf("Evaluate(set) = %v, Policy.Evaluate = %v", d2, d1)
			}
		}
	})
}
