package iam

import (
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/authz"
)

func TestParseTrustPolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		msg  string // substring of the error
	}{
		{name: "not json", doc: `{`, msg: "not a valid JSON object"},
		{name: "trailing data", doc: trustRoot + `{}`, msg: "trailing data"},
		{name: "no version", doc: `{"Statement":[]}`, msg: `Version must be "1"`},
		{name: "version 2", doc: `{"Version":"2","Statement":[]}`, msg: `Version must be "1"`},
		{name: "no statement", doc: `{"Version":"1"}`, msg: "Statement is missing"},
		{name: "empty statement list", doc: `{"Version":"1","Statement":[]}`, msg: "at least one statement"},
		{name: "statement is a string", doc: `{"Version":"1","Statement":"x"}`, msg: "list of statement objects"},
		{name: "unknown top field", doc: `{"Version":"1","Statement":[],"Id":"x"}`, msg: "unknown field"},
		{name: "no principal", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, msg: "Statement[0]: Principal is missing"},
		{name: "no action", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Principal":{"RAM":"1"}}]}`, msg: "Action is missing"},
		{name: "no effect", doc: `{"Version":"1","Statement":[{"Action":"sts:AssumeRole","Principal":{"RAM":"1"}}]}`, msg: "Effect is missing"},
		{name: "bad effect", doc: `{"Version":"1","Statement":[{"Effect":"Maybe","Action":"sts:AssumeRole","Principal":{"RAM":"1"}}]}`, msg: "Statement[0]: "},
		{name: "unknown principal key", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"1"}}]}`, msg: `unknown field "AWS"`},
		{name: "bad RAM principal", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"bob"}}]}`, msg: "neither an account id"},
		{name: "empty RAM list", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":[]}}]}`, msg: "non-empty list"},
		{name: "bad condition", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"1"},"Condition":{"Nope":{"a":"b"}}}]}`, msg: "Statement[0]: "},
		{name: "unknown statement field", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"1"},"Resource":"*"}]}`, msg: "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTrustPolicy(tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestTrusts(t *testing.T) {
	const acct, other = "1234567890123456", "6543210987654321"
	root := Principal{Kind: PrincipalRoot, AccountID: acct}
	bob := Principal{Kind: PrincipalUser, AccountID: acct, UserName: "bob"}
	eve := Principal{Kind: PrincipalUser, AccountID: other, UserName: "bob"}
	sess := Principal{Kind: PrincipalSession, AccountID: acct, UserName: "Builder", SessionName: "ci"}
	req := authz.Request{Action: "sts:AssumeRole", Resource: RoleARN(acct, "target")}
	withExt := req
	withExt.Extra = map[string]string{"sts:ExternalId": "abc"}

	stmt := func(effect, principal, extra string) string {
		return `{"Effect":"` + effect + `","Action":"sts:AssumeRole","Principal":{"RAM":` + principal + `}` + extra + `}`
	}
	doc := func(stmts ...string) string { return `{"Version":"1","Statement":[` + strings.Join(stmts, ",") + `]}` }

	tests := []struct {
		name   string
		doc    string
		caller Principal
		req    authz.Request
		want   authz.Decision
	}{
		{name: "account root trusts root", doc: trustRoot, caller: root, req: req, want: authz.Allow},
		{name: "account root trusts users", doc: trustRoot, caller: bob, req: req, want: authz.Allow},
		{name: "account root trusts sessions", doc: trustRoot, caller: sess, req: req, want: authz.Allow},
		{name: "other account not trusted", doc: trustRoot, caller: eve, req: req, want: authz.ImplicitDeny},
		{name: "bare account id", doc: doc(stmt("Allow", `"`+acct+`"`, "")), caller: bob, req: req, want: authz.Allow},
		{name: "one user", doc: doc(stmt("Allow", `"acs:ram::`+acct+`:user/bob"`, "")), caller: bob, req: req, want: authz.Allow},
		{name: "one user not root", doc: doc(stmt("Allow", `"acs:ram::`+acct+`:user/bob"`, "")), caller: root, req: req, want: authz.ImplicitDeny},
		{name: "role sessions, ARN lower case", doc: doc(stmt("Allow", `"acs:ram::`+acct+`:role/builder"`, "")), caller: sess, req: req, want: authz.Allow},
		{name: "wildcard users", doc: doc(stmt("Allow", `["acs:ram::`+acct+`:user/*"]`, "")), caller: bob, req: req, want: authz.Allow},
		{name: "deny wins", doc: doc(stmt("Allow", `"`+acct+`"`, ""), stmt("Deny", `"acs:ram::`+acct+`:user/bob"`, "")), caller: bob, req: req, want: authz.ExplicitDeny},
		{name: "service only", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}]}`, caller: root, req: req, want: authz.ImplicitDeny},
		{name: "other action", doc: doc(`{"Effect":"Allow","Action":"sts:GetCallerIdentity","Principal":{"RAM":"` + acct + `"}}`), caller: root, req: req, want: authz.ImplicitDeny},
		{name: "external id matches", doc: doc(stmt("Allow", `"`+acct+`"`, `,"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}`)), caller: bob, req: withExt, want: authz.Allow},
		{name: "external id absent", doc: doc(stmt("Allow", `"`+acct+`"`, `,"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}`)), caller: bob, req: req, want: authz.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := ParseTrustPolicy(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := tp.Trusts(tt.caller, tt.req); got != tt.want {
				t.Fatalf("Trusts = %v, want %v", got, tt.want)
			}
		})
	}
	var nilPolicy *TrustPolicy
	if nilPolicy.Trusts(root, req) != authz.ImplicitDeny {
		t.Fatal("nil trust policy must deny")
	}
}
