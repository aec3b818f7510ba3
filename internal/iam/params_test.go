package iam

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
)

const allowAll = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:*","Resource":"*"}]}`

const trustRoot = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}`

// wantCode checks that err is the wire error code with status; code "" means
// no error.
func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	e, ok := apierror.As(err)
	if !ok {
		t.Fatalf("got %v, want wire error %s", err, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("got %s/%d (%s), want %s/%d", e.Code, e.Status, e.Message, code, status)
	}
	if e.Message == "" {
		t.Fatalf("%s: empty message", code)
	}
}

func TestParseCreateUser(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   CreateUserInput
		code   string
		status int
	}{
		{name: "minimal defaults DisplayName", params: Params{"UserName": "alice"},
			want: CreateUserInput{UserName: "alice", DisplayName: "alice"}},
		{name: "all fields", params: Params{"UserName": "a.b@c-d_e", "DisplayName": "张强 (ops)", "Email": "zq@example.com",
			"MobilePhone": "86-18600008888", "Comments": "cloud engineer"},
			want: CreateUserInput{UserName: "a.b@c-d_e", DisplayName: "张强 (ops)", Email: "zq@example.com",
				MobilePhone: "86-18600008888", Comments: "cloud engineer"}},
		{name: "missing UserName", params: Params{}, code: "MissingUserName", status: 400},
		{name: "empty UserName", params: Params{"UserName": ""}, code: "MissingUserName", status: 400},
		{name: "UserName with space", params: Params{"UserName": "al ice"}, code: "InvalidParameter.UserName.InvalidChars", status: 400},
		{name: "UserName with slash", params: Params{"UserName": "a/b"}, code: "InvalidParameter.UserName.InvalidChars", status: 400},
		{name: "UserName non-ASCII", params: Params{"UserName": "zhāng"}, code: "InvalidParameter.UserName.InvalidChars", status: 400},
		{name: "UserName 64 ok", params: Params{"UserName": strings.Repeat("a", 64)},
			want: CreateUserInput{UserName: strings.Repeat("a", 64), DisplayName: strings.Repeat("a", 64)}},
		{name: "UserName 65", params: Params{"UserName": strings.Repeat("a", 65)}, code: "InvalidParameter.UserName.Length", status: 400},
		{name: "DisplayName 129", params: Params{"UserName": "a", "DisplayName": strings.Repeat("x", 129)}, code: "InvalidParameter.DisplayName.Length", status: 400},
		{name: "DisplayName control", params: Params{"UserName": "a", "DisplayName": "x\ny"}, code: "InvalidParameter.DisplayName.InvalidChars", status: 400},
		{name: "Email without at", params: Params{"UserName": "a", "Email": "example.com"}, code: "InvalidParameter.Email.Format", status: 400},
		{name: "Email without dot", params: Params{"UserName": "a", "Email": "a@localhost"}, code: "InvalidParameter.Email.Format", status: 400},
		{name: "Email two ats", params: Params{"UserName": "a", "Email": "a@b@c.com"}, code: "InvalidParameter.Email.Format", status: 400},
		{name: "phone without code", params: Params{"UserName": "a", "MobilePhone": "18600008888"}, code: "InvalidParameter.MobilePhone.Format", status: 400},
		{name: "phone letters", params: Params{"UserName": "a", "MobilePhone": "86-1860000888x"}, code: "InvalidParameter.MobilePhone.Format", status: 400},
		{name: "Comments 129", params: Params{"UserName": "a", "Comments": strings.Repeat("c", 129)}, code: "InvalidParameter.Comments.Length", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreateUser(tt.params)
			wantCode(t, err, tt.code, tt.status)
			if tt.code == "" {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
				u := got.User("1234567890123456")
				if u.AccountID != "1234567890123456" || u.UserName != tt.want.UserName || u.Email != tt.want.Email {
					t.Fatalf("User() = %+v", u)
				}
			}
		})
	}
}

func TestParseUpdateUser(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name   string
		params Params
		want   UpdateUserInput
		before User
		after  User
		change bool
		code   string
	}{
		{name: "rename", params: Params{"UserName": "a", "NewUserName": "b"},
			want:   UpdateUserInput{UserName: "a", NewUserName: s("b")},
			before: User{UserName: "a", Email: "x@y.z"}, after: User{UserName: "b", Email: "x@y.z"}, change: true},
		{name: "clear email and comments", params: Params{"UserName": "a", "NewEmail": "", "NewComments": ""},
			want:   UpdateUserInput{UserName: "a", NewEmail: s(""), NewComments: s("")},
			before: User{UserName: "a", Email: "x@y.z", Comments: "c"}, after: User{UserName: "a"}, change: true},
		{name: "empty new name ignored", params: Params{"UserName": "a", "NewUserName": "", "NewDisplayName": ""},
			want: UpdateUserInput{UserName: "a"}, before: User{UserName: "a"}, after: User{UserName: "a"}},
		{name: "same values are no change", params: Params{"UserName": "a", "NewDisplayName": "A", "NewMobilePhone": "1-2345"},
			want:   UpdateUserInput{UserName: "a", NewDisplayName: s("A"), NewMobilePhone: s("1-2345")},
			before: User{UserName: "a", DisplayName: "A", MobilePhone: "1-2345"}, after: User{UserName: "a", DisplayName: "A", MobilePhone: "1-2345"}},
		{name: "missing UserName", params: Params{"NewUserName": "b"}, code: "MissingUserName"},
		{name: "bad NewUserName", params: Params{"UserName": "a", "NewUserName": "b c"}, code: "InvalidParameter.NewUserName.InvalidChars"},
		{name: "long NewUserName", params: Params{"UserName": "a", "NewUserName": strings.Repeat("b", 65)}, code: "InvalidParameter.NewUserName.Length"},
		{name: "long NewDisplayName", params: Params{"UserName": "a", "NewDisplayName": strings.Repeat("b", 129)}, code: "InvalidParameter.NewDisplayName.Length"},
		{name: "bad NewEmail", params: Params{"UserName": "a", "NewEmail": "nope"}, code: "InvalidParameter.NewEmail.Format"},
		{name: "bad NewMobilePhone", params: Params{"UserName": "a", "NewMobilePhone": "12345"}, code: "InvalidParameter.NewMobilePhone.Format"},
		{name: "long NewComments", params: Params{"UserName": "a", "NewComments": strings.Repeat("c", 129)}, code: "InvalidParameter.NewComments.Length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUpdateUser(tt.params)
			wantCode(t, err, tt.code, 400)
			if tt.code != "" {
				return
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("(-want +got)\n%s", d)
			}
			u := tt.before
			if changed := got.Apply(&u); changed != tt.change {
				t.Fatalf("Apply changed=%v, want %v", changed, tt.change)
			}
			if d := cmp.Diff(tt.after, u); d != "" {
				t.Fatalf("after Apply (-want +got)\n%s", d)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   ListPoliciesInput
		code   string
	}{
		{name: "defaults", params: Params{}, want: ListPoliciesInput{ListInput: ListInput{MaxItems: 100}}},
		{name: "marker and size", params: Params{"Marker": EncodeMarker("bob"), "MaxItems": "2", "PolicyType": "Custom"},
			want: ListPoliciesInput{ListInput: ListInput{After: "bob", MaxItems: 2}, PolicyType: "Custom"}},
		{name: "max 1000", params: Params{"MaxItems": "1000"}, want: ListPoliciesInput{ListInput: ListInput{MaxItems: 1000}}},
		{name: "MaxItems 0", params: Params{"MaxItems": "0"}, code: "InvalidParameter.MaxItems"},
		{name: "MaxItems 1001", params: Params{"MaxItems": "1001"}, code: "InvalidParameter.MaxItems"},
		{name: "MaxItems text", params: Params{"MaxItems": "ten"}, code: "InvalidParameter.MaxItems"},
		{name: "bad marker", params: Params{"Marker": "!!"}, code: "InvalidParameter.Marker"},
		{name: "bad PolicyType", params: Params{"PolicyType": "custom"}, code: "InvalidParameter.PolicyType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseListPolicies(tt.params)
			wantCode(t, err, tt.code, 400)
			if tt.code == "" {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
			}
		})
	}
}

func TestMarkerRoundTrip(t *testing.T) {
	for _, name := range []string{"a", "user.name@x", "Aliyun-VPC-Full", strings.Repeat("z", 128)} {
		got, ok := DecodeMarker(EncodeMarker(name))
		if !ok || got != name {
			t.Errorf("%q -> %q %v", name, got, ok)
		}
	}
	if _, ok := DecodeMarker(""); ok {
		t.Error("empty marker decoded")
	}
}

func TestParseAccessKeyActions(t *testing.T) {
	tests := []struct {
		name   string
		update bool
		params Params
		want   AccessKeyInput
		code   string
	}{
		{name: "update own key", update: true, params: Params{"UserAccessKeyId": "LTAIabc", "Status": "Inactive"},
			want: AccessKeyInput{AccessKeyID: "LTAIabc", Status: "Inactive"}},
		{name: "update user key", update: true, params: Params{"UserName": "bob", "UserAccessKeyId": "LTAIabc", "Status": "Active"},
			want: AccessKeyInput{UserName: "bob", AccessKeyID: "LTAIabc", Status: "Active"}},
		{name: "update missing status", update: true, params: Params{"UserAccessKeyId": "LTAIabc"}, code: "MissingStatus"},
		{name: "update bad status", update: true, params: Params{"UserAccessKeyId": "LTAIabc", "Status": "active"}, code: "InvalidParameter.Status"},
		{name: "update missing key", update: true, params: Params{"Status": "Active"}, code: "MissingUserAccessKeyId"},
		{name: "delete", params: Params{"UserName": "bob", "UserAccessKeyId": "LTAIabc"}, want: AccessKeyInput{UserName: "bob", AccessKeyID: "LTAIabc"}},
		{name: "delete missing key", params: Params{"UserName": "bob"}, code: "MissingUserAccessKeyId"},
		{name: "delete STS key", params: Params{"UserAccessKeyId": "STS.abc"}, code: "InvalidParameter.UserAccessKeyId"},
		{name: "delete bad user", params: Params{"UserName": "b b", "UserAccessKeyId": "LTAIabc"}, code: "InvalidParameter.UserName.InvalidChars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got AccessKeyInput
			var err error
			if tt.update {
				got, err = ParseUpdateAccessKey(tt.params)
			} else {
				got, err = ParseDeleteAccessKey(tt.params)
			}
			wantCode(t, err, tt.code, 400)
			if tt.code == "" {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
			}
		})
	}
}

func TestParseOptionalUserName(t *testing.T) {
	if v, err := ParseOptionalUserName(Params{}); v != "" || err != nil {
		t.Fatalf("%q %v", v, err)
	}
	v, err := ParseOptionalUserName(Params{"UserName": "bob"})
	if v != "bob" || err != nil {
		t.Fatalf("%q %v", v, err)
	}
	_, err = ParseOptionalUserName(Params{"UserName": strings.Repeat("b", 65)})
	wantCode(t, err, "InvalidParameter.UserName.Length", 400)
}

func TestParsePolicyActions(t *testing.T) {
	t.Run("CreatePolicy", func(t *testing.T) {
		tests := []struct {
			name   string
			params Params
			code   string
			msg    string
		}{
			{name: "ok", params: Params{"PolicyName": "vpn-read", "PolicyDocument": allowAll, "Description": "d"}},
			{name: "missing name", params: Params{"PolicyDocument": allowAll}, code: "MissingPolicyName"},
			{name: "name with dot", params: Params{"PolicyName": "a.b", "PolicyDocument": allowAll}, code: "InvalidParameter.PolicyName.InvalidChars"},
			{name: "name 129", params: Params{"PolicyName": strings.Repeat("p", 129), "PolicyDocument": allowAll}, code: "InvalidParameter.PolicyName.Length"},
			{name: "missing document", params: Params{"PolicyName": "p"}, code: "MissingPolicyDocument"},
			{name: "malformed document", params: Params{"PolicyName": "p", "PolicyDocument": `{"Version":"2","Statement":[]}`},
				code: "MalformedPolicyDocument", msg: `The policy document is malformed: Version must be "1", got "2".`},
			{name: "document too long", params: Params{"PolicyName": "p", "PolicyDocument": strings.Repeat(" ", authz.MaxDocumentLength+1)}, code: "InvalidParameter.PolicyDocument.Length"},
			{name: "description too long", params: Params{"PolicyName": "p", "PolicyDocument": allowAll, "Description": strings.Repeat("d", 1025)}, code: "InvalidParameter.Description.Length"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := ParseCreatePolicy(tt.params)
				wantCode(t, err, tt.code, 400)
				if tt.msg != "" {
					if e, _ := apierror.As(err); e.Message != tt.msg {
						t.Fatalf("message %q, want %q", e.Message, tt.msg)
					}
				}
				if tt.code == "" && (got.PolicyName != "vpn-read" || got.Document != allowAll || got.Parsed == nil || got.Description != "d") {
					t.Fatalf("%+v", got)
				}
			})
		}
	})
	t.Run("GetPolicy", func(t *testing.T) {
		got, err := ParsePolicyRef(Params{"PolicyName": "AliyunVPCFullAccess", "PolicyType": "System"})
		if err != nil || got != (PolicyRef{PolicyName: "AliyunVPCFullAccess", PolicyType: "System"}) {
			t.Fatalf("%+v %v", got, err)
		}
		_, err = ParsePolicyRef(Params{"PolicyName": "x"})
		wantCode(t, err, "MissingPolicyType", 400)
		_, err = ParsePolicyRef(Params{"PolicyName": "x", "PolicyType": "Managed"})
		wantCode(t, err, "InvalidParameter.PolicyType", 400)
		_, err = ParseDeletePolicy(Params{})
		wantCode(t, err, "MissingPolicyName", 400)
	})
	t.Run("CreatePolicyVersion", func(t *testing.T) {
		tests := []struct {
			name   string
			params Params
			def    bool
			rotate string
			code   string
		}{
			{name: "defaults", params: Params{"PolicyName": "p", "PolicyDocument": allowAll}, rotate: RotateNone},
			{name: "set default", params: Params{"PolicyName": "p", "PolicyDocument": allowAll, "SetAsDefault": "true"}, def: true, rotate: RotateNone},
			{name: "set default capitalised", params: Params{"PolicyName": "p", "PolicyDocument": allowAll, "SetAsDefault": "True"}, def: true, rotate: RotateNone},
			{name: "rotate", params: Params{"PolicyName": "p", "PolicyDocument": allowAll, "RotateStrategy": RotateDeleteOldest}, rotate: RotateDeleteOldest},
			{name: "bad SetAsDefault", params: Params{"PolicyName": "p", "PolicyDocument": allowAll, "SetAsDefault": "yes"}, code: "InvalidParameter.SetAsDefault"},
			{name: "bad RotateStrategy", params: Params{"PolicyName": "p", "PolicyDocument": allowAll, "RotateStrategy": "Oldest"}, code: "InvalidParameter.RotateStrategy"},
			{name: "malformed", params: Params{"PolicyName": "p", "PolicyDocument": "{"}, code: "MalformedPolicyDocument"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := ParseCreatePolicyVersion(tt.params)
				wantCode(t, err, tt.code, 400)
				if tt.code == "" && (got.SetAsDefault != tt.def || got.RotateStrategy != tt.rotate || got.Parsed == nil || got.PolicyName != "p") {
					t.Fatalf("%+v", got)
				}
			})
		}
	})
}

func TestParseAttach(t *testing.T) {
	tests := []struct {
		name   string
		role   bool
		params Params
		want   AttachInput
		code   string
	}{
		{name: "user", params: Params{"PolicyType": "Custom", "PolicyName": "p", "UserName": "bob"},
			want: AttachInput{PolicyRef: PolicyRef{PolicyName: "p", PolicyType: "Custom"}, PrincipalType: AttachToUser, PrincipalName: "bob"}},
		{name: "role", role: true, params: Params{"PolicyType": "System", "PolicyName": "AdministratorAccess", "RoleName": "Ops.Role"},
			want: AttachInput{PolicyRef: PolicyRef{PolicyName: "AdministratorAccess", PolicyType: "System"}, PrincipalType: AttachToRole, PrincipalName: "Ops.Role"}},
		{name: "user missing type", params: Params{"PolicyName": "p", "UserName": "bob"}, code: "MissingPolicyType"},
		{name: "user missing user", params: Params{"PolicyType": "Custom", "PolicyName": "p"}, code: "MissingUserName"},
		{name: "role missing role", role: true, params: Params{"PolicyType": "Custom", "PolicyName": "p"}, code: "MissingRoleName"},
		{name: "role bad name", role: true, params: Params{"PolicyType": "Custom", "PolicyName": "p", "RoleName": "a_b"}, code: "InvalidParameter.RoleName.InvalidChars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParseAttachUser
			if tt.role {
				parse = ParseAttachRole
			}
			got, err := parse(tt.params)
			wantCode(t, err, tt.code, 400)
			if tt.code == "" {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
			}
		})
	}
}

func TestParseCreateRole(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   CreateRoleInput
		code   string
	}{
		{name: "defaults", params: Params{"RoleName": "vpn-admin", "AssumeRolePolicyDocument": trustRoot},
			want: CreateRoleInput{RoleName: "vpn-admin", TrustDocument: trustRoot, MaxSessionDuration: 3600}},
		{name: "all", params: Params{"RoleName": "VpnAdmin", "AssumeRolePolicyDocument": trustRoot, "Description": "ops", "MaxSessionDuration": "43200"},
			want: CreateRoleInput{RoleName: "VpnAdmin", TrustDocument: trustRoot, Description: "ops", MaxSessionDuration: 43200}},
		{name: "missing name", params: Params{"AssumeRolePolicyDocument": trustRoot}, code: "MissingRoleName"},
		{name: "name 65", params: Params{"RoleName": strings.Repeat("r", 65), "AssumeRolePolicyDocument": trustRoot}, code: "InvalidParameter.RoleName.Length"},
		{name: "missing trust", params: Params{"RoleName": "r"}, code: "MissingAssumeRolePolicyDocument"},
		{name: "trust without principal", params: Params{"RoleName": "r", "AssumeRolePolicyDocument": allowAll}, code: "MalformedPolicyDocument"},
		{name: "duration 3599", params: Params{"RoleName": "r", "AssumeRolePolicyDocument": trustRoot, "MaxSessionDuration": "3599"}, code: "InvalidParameter.MaxSessionDuration"},
		{name: "duration 43201", params: Params{"RoleName": "r", "AssumeRolePolicyDocument": trustRoot, "MaxSessionDuration": "43201"}, code: "InvalidParameter.MaxSessionDuration"},
		{name: "description 1025", params: Params{"RoleName": "r", "AssumeRolePolicyDocument": trustRoot, "Description": strings.Repeat("d", 1025)}, code: "InvalidParameter.Description.Length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreateRole(tt.params)
			wantCode(t, err, tt.code, 400)
			if tt.code == "" {
				if got.Trust == nil || got.Trust.Document() != trustRoot {
					t.Fatalf("trust not parsed: %+v", got.Trust)
				}
				if d := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(CreateRoleInput{}, "Trust")); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
				r := got.Role("1234567890123456")
				if r.ARN() != "acs:ram::1234567890123456:role/"+strings.ToLower(tt.want.RoleName) || r.MaxSessionDuration != tt.want.MaxSessionDuration {
					t.Fatalf("Role() = %+v, ARN %s", r, r.ARN())
				}
			}
		})
	}
}

func TestParseAssumeRole(t *testing.T) {
	arn := "acs:ram::1234567890123456:role/VpnAdmin"
	tests := []struct {
		name   string
		params Params
		want   AssumeRoleInput
		code   string
	}{
		{name: "minimal", params: Params{"RoleArn": arn, "RoleSessionName": "al"},
			want: AssumeRoleInput{RoleArn: arn, AccountID: "1234567890123456", RoleName: "vpnadmin", RoleSessionName: "al"}},
		{name: "all", params: Params{"RoleArn": arn, "RoleSessionName": "alice@ops.x-y_z", "DurationSeconds": "900", "Policy": allowAll, "ExternalId": "abc=,.@:/-_"},
			want: AssumeRoleInput{RoleArn: arn, AccountID: "1234567890123456", RoleName: "vpnadmin", RoleSessionName: "alice@ops.x-y_z",
				DurationSeconds: 900, Policy: allowAll, ExternalID: "abc=,.@:/-_"}},
		{name: "missing arn", params: Params{"RoleSessionName": "al"}, code: "MissingRoleArn"},
		{name: "user arn", params: Params{"RoleArn": "acs:ram::1234567890123456:user/bob", "RoleSessionName": "al"}, code: "InvalidParameter.RoleArn"},
		{name: "arn without account", params: Params{"RoleArn": "acs:ram:::role/r", "RoleSessionName": "al"}, code: "InvalidParameter.RoleArn"},
		{name: "arn bad name", params: Params{"RoleArn": "acs:ram::1:role/a_b", "RoleSessionName": "al"}, code: "InvalidParameter.RoleArn"},
		{name: "missing session", params: Params{"RoleArn": arn}, code: "MissingRoleSessionName"},
		{name: "session 1 char", params: Params{"RoleArn": arn, "RoleSessionName": "a"}, code: "InvalidParameter.RoleSessionName"},
		{name: "session 33 chars", params: Params{"RoleArn": arn, "RoleSessionName": strings.Repeat("s", 33)}, code: "InvalidParameter.RoleSessionName"},
		{name: "session star", params: Params{"RoleArn": arn, "RoleSessionName": "abc*abc"}, code: "InvalidParameter.RoleSessionName"},
		{name: "duration 899", params: Params{"RoleArn": arn, "RoleSessionName": "al", "DurationSeconds": "899"}, code: "InvalidParameter.DurationSeconds"},
		{name: "duration 43201", params: Params{"RoleArn": arn, "RoleSessionName": "al", "DurationSeconds": "43201"}, code: "InvalidParameter.DurationSeconds"},
		{name: "duration text", params: Params{"RoleArn": arn, "RoleSessionName": "al", "DurationSeconds": "1h"}, code: "InvalidParameter.DurationSeconds"},
		{name: "policy grammar", params: Params{"RoleArn": arn, "RoleSessionName": "al", "Policy": `{"Version":"1"}`}, code: "InvalidParameter.PolicyGrammar"},
		{name: "policy size", params: Params{"RoleArn": arn, "RoleSessionName": "al", "Policy": allowAll + strings.Repeat(" ", 2049-len(allowAll))}, code: "InvalidParameter.PolicySize"},
		{name: "external id 1 char", params: Params{"RoleArn": arn, "RoleSessionName": "al", "ExternalId": "x"}, code: "InvalidParameter.ExternalId"},
		{name: "external id space", params: Params{"RoleArn": arn, "RoleSessionName": "al", "ExternalId": "x y"}, code: "InvalidParameter.ExternalId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAssumeRole(tt.params)
			wantCode(t, err, tt.code, 400)
			if tt.code == "" {
				if (got.Parsed != nil) != (tt.want.Policy != "") {
					t.Fatalf("Parsed = %v for Policy %q", got.Parsed, got.Policy)
				}
				if d := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(AssumeRoleInput{}, "Parsed")); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
			}
		})
	}
}

// TestRAMCodesInTable makes sure every code the parsers can build with
// Newf("InvalidParameter."+param+...) is a row of the table (New panics on a
// missing one, but only when reached).
func TestRAMCodesInTable(t *testing.T) {
	for _, param := range []string{"UserName", "NewUserName", "DisplayName", "NewDisplayName", "PolicyName", "RoleName"} {
		for _, suffix := range []string{".Length", ".InvalidChars"} {
			if _, ok := apierror.Table["InvalidParameter."+param+suffix]; !ok {
				t.Errorf("InvalidParameter.%s%s missing from the table", param, suffix)
			}
		}
	}
	for _, code := range []string{"InvalidParameter.Comments.Length", "InvalidParameter.NewComments.Length",
		"InvalidParameter.Email.Format", "InvalidParameter.NewEmail.Format", "InvalidParameter.MobilePhone.Format",
		"InvalidParameter.NewMobilePhone.Format", "EntityNotExist.User", "EntityAlreadyExists.User",
		"DeleteConflict.User.AccessKey", "DeleteConflict.User.Policy", "LimitExceeded.User.AccessKey",
		"MalformedPolicyDocument", "EntityNotExist.Role", "NoPermission", "InvalidParameter.RoleSessionName",
		"InvalidParameter.DurationSeconds"} {
		if _, ok := apierror.Table[code]; !ok {
			t.Errorf("%s missing from the table", code)
		}
	}
	want := map[string]int{"EntityNotExist.User": 404, "EntityAlreadyExists.User": 409, "DeleteConflict.User.AccessKey": 409,
		"LimitExceeded.User.AccessKey": 409, "NoPermission": 403, "EntityNotExist.Role": 404, "MalformedPolicyDocument": 400}
	for code, status := range want {
		if apierror.Table[code].Status != status {
			t.Errorf("%s: status %d, want %d", code, apierror.Table[code].Status, status)
		}
	}
}
