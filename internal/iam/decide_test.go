package iam

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
)

func mustPolicy(t *testing.T, doc string) *authz.Policy {
	t.Helper()
	p, err := authz.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecide(t *testing.T) {
	const acct, other = "1234567890123456", "6543210987654321"
	conn := "acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/vco-1"
	download := authz.Request{Action: "vpc:DownloadVpnConnectionConfig", Resource: conn}
	create := authz.Request{Action: "vpc:CreateVpnConnection", Resource: "acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/*"}

	sys := authz.SystemPolicies()
	readOnly := NamedPolicy{Name: authz.PolicyVPNGatewayReadOnly, Type: PolicyTypeSystem, Policy: mustPolicy(t, sys[authz.PolicyVPNGatewayReadOnly].Document)}
	admin := NamedPolicy{Name: authz.PolicyAdministrator, Type: PolicyTypeSystem, Policy: mustPolicy(t, sys[authz.PolicyAdministrator].Document)}
	denyDownload := NamedPolicy{Name: "no-download", Type: PolicyTypeCustom, Policy: mustPolicy(t,
		`{"Version":"1","Statement":[{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}]}`)}
	onlyVco2 := mustPolicy(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:*","Resource":"acs:vpc:*:*:vpnconnection/vco-2"}]}`)
	sessionDeny := mustPolicy(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}]}`)
	sessionAll := mustPolicy(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)

	root := Principal{Kind: PrincipalRoot, AccountID: acct}
	otherRoot := Principal{Kind: PrincipalRoot, AccountID: other}
	bob := Principal{Kind: PrincipalUser, AccountID: acct, UserName: "bob"}
	otherBob := Principal{Kind: PrincipalUser, AccountID: other, UserName: "bob"}
	sess := Principal{Kind: PrincipalSession, AccountID: acct, UserName: "ops", UserID: "3000000000000000001", SessionName: "ci"}

	detail := func(p Principal, action, policyType, noPerm string) *apierror.AccessDeniedDetail {
		return &apierror.AccessDeniedDetail{AuthAction: action, AuthPrincipalType: p.Kind,
			AuthPrincipalDisplayName: p.DisplayName(), AuthPrincipalOwnerId: p.AccountID, PolicyType: policyType, NoPermissionType: noPerm}
	}
	tests := []struct {
		name     string
		in       DecideInput
		code     string // "" = allowed
		detail   *apierror.AccessDeniedDetail
		diagnose Diagnostic
	}{
		{name: "root of owner, no policies", in: DecideInput{Principal: root, Owner: acct, Request: download}},
		{name: "root of owner, create", in: DecideInput{Principal: root, Owner: acct, Request: create}},
		{name: "root of owner ignores deny policies", in: DecideInput{Principal: root, Owner: acct, Identity: []NamedPolicy{denyDownload}, Request: download}},
		{name: "root of another account", in: DecideInput{Principal: otherRoot, Owner: acct, Request: download},
			code: "Forbidden", detail: detail(otherRoot, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "the resource belongs to another account; vpcvpn grants no cross-account access"}},
		{name: "user of another account with admin", in: DecideInput{Principal: otherBob, Owner: acct, Identity: []NamedPolicy{admin}, Request: download},
			code: "Forbidden", detail: detail(otherBob, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "the resource belongs to another account; vpcvpn grants no cross-account access"}},
		{name: "user with read-only", in: DecideInput{Principal: bob, Owner: acct, Identity: []NamedPolicy{readOnly}, Request: download}},
		{name: "user without policies", in: DecideInput{Principal: bob, Owner: acct, Request: download},
			code: "Forbbiden.SubUser", detail: detail(bob, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "no policy is attached to the identity"}},
		{name: "user read-only cannot create", in: DecideInput{Principal: bob, Owner: acct, Identity: []NamedPolicy{readOnly}, Request: create},
			code: "Forbbiden.SubUser", detail: detail(bob, "vpc:CreateVpnConnection", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "no statement of the attached policies allows the action on the resource",
				EvaluatedPolicies: []string{"System:AliyunVPNGatewayReadOnlyAccess"}}},
		{name: "user explicit deny beats admin", in: DecideInput{Principal: bob, Owner: acct, Identity: []NamedPolicy{admin, denyDownload}, Request: download},
			code: "Forbbiden.SubUser", detail: detail(bob, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ExplicitDeny"),
			diagnose: Diagnostic{Reason: "a Deny statement of an attached policy applies", DecidingPolicy: "Custom:no-download",
				EvaluatedPolicies: []string{"System:AdministratorAccess", "Custom:no-download"}}},
		{name: "user resource-scoped policy, other resource", in: DecideInput{Principal: bob, Owner: acct,
			Identity: []NamedPolicy{{Name: "vco2", Type: PolicyTypeCustom, Policy: onlyVco2}}, Request: download},
			code: "Forbbiden.SubUser", detail: detail(bob, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "no statement of the attached policies allows the action on the resource", EvaluatedPolicies: []string{"Custom:vco2"}}},
		{name: "session with role admin", in: DecideInput{Principal: sess, Owner: acct, Identity: []NamedPolicy{admin}, Request: download}},
		{name: "session with role admin and allowing session policy", in: DecideInput{Principal: sess, Owner: acct, Identity: []NamedPolicy{admin}, Session: sessionAll, Request: download}},
		{name: "session without role policies", in: DecideInput{Principal: sess, Owner: acct, Session: sessionAll, Request: download},
			code: "Forbidden", detail: detail(sess, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "no policy is attached to the identity"}},
		{name: "session narrowed by session deny", in: DecideInput{Principal: sess, Owner: acct, Identity: []NamedPolicy{admin}, Session: sessionDeny, Request: download},
			code: "Forbidden", detail: detail(sess, "vpc:DownloadVpnConnectionConfig", DeniedBySessionPolicy, "ExplicitDeny"),
			diagnose: Diagnostic{Reason: "a Deny statement of the session policy applies"}},
		{name: "session narrowed by session scope", in: DecideInput{Principal: sess, Owner: acct, Identity: []NamedPolicy{admin}, Session: onlyVco2, Request: download},
			code: "Forbidden", detail: detail(sess, "vpc:DownloadVpnConnectionConfig", DeniedBySessionPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "no statement of the session policy allows the action on the resource"}},
		{name: "session role deny wins over session allow", in: DecideInput{Principal: sess, Owner: acct, Identity: []NamedPolicy{admin, denyDownload}, Session: sessionAll, Request: download},
			code: "Forbidden", detail: detail(sess, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ExplicitDeny"),
			diagnose: Diagnostic{Reason: "a Deny statement of an attached policy applies", DecidingPolicy: "Custom:no-download",
				EvaluatedPolicies: []string{"System:AdministratorAccess", "Custom:no-download"}}},
		{name: "session of another account", in: DecideInput{Principal: Principal{Kind: PrincipalSession, AccountID: other, UserName: "ops", SessionName: "x"}, Owner: acct, Identity: []NamedPolicy{admin}, Request: download},
			code: "Forbidden", detail: detail(Principal{Kind: PrincipalSession, AccountID: other, UserName: "ops", SessionName: "x"}, "vpc:DownloadVpnConnectionConfig", DeniedByIdentityPolicy, "ImplicitDeny"),
			diagnose: Diagnostic{Reason: "the resource belongs to another account; vpcvpn grants no cross-account access"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.in)
			if tt.code == "" {
				if got != nil {
					t.Fatalf("denied: %v %+v", got, got.AccessDenied)
				}
				return
			}
			if got == nil {
				t.Fatalf("allowed, want %s", tt.code)
			}
			if got.Code != tt.code || got.Status != 403 || got.Message != apierror.Table[tt.code].Message {
				t.Fatalf("got %s/%d %q", got.Code, got.Status, got.Message)
			}
			if got.AccessDenied == nil {
				t.Fatal("no AccessDeniedDetail")
			}
			diag, err := DecodeDiagnostic(got.AccessDenied.EncodedDiagnosticMessage)
			if err != nil {
				t.Fatalf("diagnostic %q: %v", got.AccessDenied.EncodedDiagnosticMessage, err)
			}
			if d := cmp.Diff(tt.diagnose, diag); d != "" {
				t.Errorf("diagnostic (-want +got)\n%s", d)
			}
			gotDetail := *got.AccessDenied
			gotDetail.EncodedDiagnosticMessage = ""
			if d := cmp.Diff(tt.detail, &gotDetail); d != "" {
				t.Errorf("detail (-want +got)\n%s", d)
			}
		})
	}
}

func TestDecideSpellsSeedCodes(t *testing.T) {
	bob := Principal{Kind: PrincipalUser, AccountID: "1", UserName: "bob"}
	e := Decide(DecideInput{Principal: bob, Owner: "1", Request: authz.Request{Action: "vpc:DownloadVpnConnectionConfig", Resource: "*"}})
	if e == nil || e.Code != "Forbbiden.SubUser" || e.Message != "User not authorized to operate on the specified resource as your account is created by another user." {
		t.Fatalf("%+v", e)
	}
	if e.AccessDenied.AuthPrincipalDisplayName != "bob" || e.AccessDenied.AuthPrincipalType != "SubUser" {
		t.Fatalf("%+v", e.AccessDenied)
	}
}

func TestTrustDenied(t *testing.T) {
	bob := Principal{Kind: PrincipalUser, AccountID: "1234567890123456", UserName: "bob"}
	for _, d := range []authz.Decision{authz.ImplicitDeny, authz.ExplicitDeny} {
		e := TrustDenied(bob, "acs:ram::1234567890123456:role/ops", d)
		if e.Code != "NoPermission" || e.Status != 403 {
			t.Fatalf("%+v", e)
		}
		want := "You are not authorized to do this action: the trust policy of role acs:ram::1234567890123456:role/ops does not let acs:ram::1234567890123456:user/bob assume it."
		if e.Message != want {
			t.Fatalf("message %q", e.Message)
		}
		ad := e.AccessDenied
		if ad == nil || ad.AuthAction != "sts:AssumeRole" || ad.PolicyType != DeniedByTrustPolicy || ad.NoPermissionType != d.String() || ad.AuthPrincipalOwnerId != "1234567890123456" {
			t.Fatalf("%+v", ad)
		}
	}
}
