package iam

import (
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
)

// FuzzParseTrustPolicy: any input either parses or is refused with an
// error; a parsed policy can be evaluated.
func FuzzParseTrustPolicy(f *testing.F) {
	f.Add(trustRoot)
	f.Add(`{"Version":"1","Statement":{"Effect":"Deny","Action":["sts:*"],"Principal":{"RAM":"*","Service":"ecs.aliyuncs.com"},"Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`)
	f.Add(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::*:user/a*?"]}}]}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, doc string) {
		tp, err := ParseTrustPolicy(doc)
		if err != nil {
			if tp != nil {
				t.Fatal("policy returned with an error")
			}
			return
		}
		p := Principal{Kind: PrincipalUser, AccountID: "1234567890123456", UserName: "a"}
		d := tp.Trusts(p, authz.Request{Action: "sts:AssumeRole", Resource: "acs:ram::1234567890123456:role/r"})
		if d != authz.Allow && d != authz.ImplicitDeny && d != authz.ExplicitDeny {
			t.Fatalf("decision %v", d)
		}
	})
}

// FuzzOpenToken: any token and AccessKeyId either open (only a token this
// keyring sealed) or fail with one of the three InvalidSecurityToken codes.
func FuzzOpenToken(f *testing.F) {
	k := keyring(f, 3)
	s := Session{AccountID: "1", RoleName: "r", RoleID: "2", SessionName: "s", AccessKeyID: "STS.a", AccessKeySecret: "x",
		IssuedAt: time.Unix(1000, 0), Expiration: time.Unix(5000, 0)}
	tok, err := IssueToken(k, s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("STS.a", tok)
	f.Add("STS.b", tok)
	f.Add("STS.a", "CAIS")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, ak, token string) {
		got, err := OpenToken(k, ak, token, time.Unix(2000, 0))
		if err == nil {
			// Only the session sealed above can open (fuzz workers seal
			// their own copy, so compare the content, not the text).
			if got.AccessKeyID != ak || got.AccountID != s.AccountID || got.RoleID != s.RoleID || !got.Expiration.Equal(s.Expiration) {
				t.Fatalf("opened a token that was not issued: %+v", got)
			}
			return
		}
		e, ok := apierror.As(err)
		if !ok {
			t.Fatalf("not a wire error: %v", err)
		}
		switch e.Code {
		case "InvalidSecurityToken.Malformed", "InvalidSecurityToken.MismatchWithAccessKey", "InvalidSecurityToken.Expired":
		default:
			t.Fatalf("code %s", e.Code)
		}
	})
}
