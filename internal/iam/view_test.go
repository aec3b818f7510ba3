package iam

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// encode writes body as the api layer does: JSON with RequestId first, or XML
// under <{Action}Response> with RequestId first.
func encode(t *testing.T, format, action string, body any) []byte {
	t.Helper()
	if format == "JSON" {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) == "{}" {
			return []byte(`{"RequestId":"R1"}`)
		}
		return append([]byte(`{"RequestId":"R1",`), b[1:]...)
	}
	var buf bytes.Buffer
	root := action + "Response"
	enc := xml.NewEncoder(&buf)
	if err := enc.EncodeElement(body, xml.StartElement{Name: xml.Name{Local: root}}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	open := len(root) + 2
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + s[:open] + "<RequestId>R1</RequestId>" + s[open:])
}

// sdkDecode runs the V1 SDK's own response decoding.
func sdkDecode(t *testing.T, format string, body []byte, into responses.AcsResponse) {
	t.Helper()
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
	if err := responses.Unmarshal(into, resp, format); err != nil {
		t.Fatalf("SDK cannot decode %s: %v\n%s", format, err, body)
	}
}

// newLike returns a new response of the same type as r with its
// BaseResponse set, as the SDK's Create*Response constructors do.
func newLike(r responses.AcsResponse) responses.AcsResponse {
	v := reflect.New(reflect.TypeOf(r).Elem())
	v.Elem().FieldByName("BaseResponse").Set(reflect.ValueOf(&responses.BaseResponse{}))
	return v.Interface().(responses.AcsResponse)
}

func ignoreBaseResponse() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		return ok && sf.Name() == "BaseResponse"
	}, cmp.Ignore())
}

func TestAnswersDecodeWithV1SDK(t *testing.T) {
	t0 := time.Date(2015, 1, 23, 12, 33, 18, 0, time.UTC)
	t1 := time.Date(2015, 2, 11, 3, 15, 21, 0, time.UTC)
	user := User{AccountID: "1234567890123456", UserName: "zhangqiang", UserID: "1227489245380721", DisplayName: "张强",
		Email: "zq@example.com", MobilePhone: "86-18600008888", Comments: "engineer", CreateDate: t0, UpdateDate: t1}
	sdkUser := ram.User{UserName: "zhangqiang", UserId: "1227489245380721", DisplayName: "张强", Email: "zq@example.com",
		MobilePhone: "86-18600008888", Comments: "engineer", CreateDate: "2015-01-23T12:33:18Z", UpdateDate: "2015-02-11T03:15:21Z"}
	key := AccessKey{AccessKeyID: "LTAI4Fabc", Secret: "s3cr3t", Status: KeyActive, CreatedAt: t0}
	pol := Policy{PolicyName: "vpn-read", PolicyType: PolicyTypeCustom, Description: "d", DefaultVersion: "v2",
		AttachmentCount: 3, CreateDate: t0, UpdateDate: t1}
	sdkPol := ram.Policy{PolicyName: "vpn-read", PolicyType: "Custom", Description: "d", DefaultVersion: "v2",
		AttachmentCount: 3, CreateDate: "2015-01-23T12:33:18Z", UpdateDate: "2015-02-11T03:15:21Z"}
	ver := PolicyVersion{VersionID: "v2", Document: allowAll, IsDefaultVersion: true, CreateDate: t1}
	role := Role{AccountID: "1234567890123456", RoleName: "VpnOps", RoleID: "3000000000000000001", Description: "ops",
		AssumeRolePolicyDocument: trustRoot, MaxSessionDuration: 7200, CreateDate: t0}
	sdkRole := ram.Role{RoleName: "VpnOps", RoleId: "3000000000000000001", Arn: "acs:ram::1234567890123456:role/vpnops",
		Description: "ops", AssumeRolePolicyDocument: trustRoot, MaxSessionDuration: 7200, CreateDate: "2015-01-23T12:33:18Z"}
	sess := Session{AccountID: "1234567890123456", RoleName: "VpnOps", RoleID: "3000000000000000001", SessionName: "alice",
		AccessKeyID: "STS.abc", AccessKeySecret: "sec", Expiration: t1}

	tests := []struct {
		name   string
		action string
		body   any
		into   responses.AcsResponse
		want   any
	}{
		{name: "CreateUser", action: "CreateUser", body: &UserAnswer{User: ViewUser(user)}, into: &ram.CreateUserResponse{},
			want: &ram.CreateUserResponse{RequestId: "R1", User: sdkUser}},
		{name: "ListUsers truncated", action: "ListUsers", body: NewListUsersAnswer([]User{user, user}, "zhangqiang"), into: &ram.ListUsersResponse{},
			want: &ram.ListUsersResponse{RequestId: "R1", IsTruncated: true, Marker: EncodeMarker("zhangqiang"),
				Users: ram.UsersInListUsers{User: []ram.User{sdkUser, sdkUser}}}},
		{name: "ListUsers empty", action: "ListUsers", body: NewListUsersAnswer(nil, ""), into: &ram.ListUsersResponse{},
			want: &ram.ListUsersResponse{RequestId: "R1"}},
		{name: "CreateAccessKey", action: "CreateAccessKey", body: NewCreateAccessKeyAnswer(key), into: &ram.CreateAccessKeyResponse{},
			want: &ram.CreateAccessKeyResponse{RequestId: "R1", AccessKey: ram.AccessKey{AccessKeyId: "LTAI4Fabc", AccessKeySecret: "s3cr3t",
				Status: "Active", CreateDate: "2015-01-23T12:33:18Z"}}},
		{name: "ListAccessKeys", action: "ListAccessKeys", body: NewListAccessKeysAnswer([]AccessKey{key}), into: &ram.ListAccessKeysResponse{},
			want: &ram.ListAccessKeysResponse{RequestId: "R1", AccessKeys: ram.AccessKeys{AccessKey: []ram.AccessKey{{AccessKeyId: "LTAI4Fabc",
				Status: "Active", CreateDate: "2015-01-23T12:33:18Z"}}}}},
		{name: "CreatePolicy", action: "CreatePolicy", body: &CreatePolicyAnswer{Policy: ViewPolicy(pol)}, into: &ram.CreatePolicyResponse{},
			want: &ram.CreatePolicyResponse{RequestId: "R1", Policy: sdkPol}},
		{name: "GetPolicy", action: "GetPolicy", body: NewGetPolicyAnswer(pol, ver), into: &ram.GetPolicyResponse{},
			want: &ram.GetPolicyResponse{RequestId: "R1", Policy: sdkPol, DefaultPolicyVersion: ram.DefaultPolicyVersion{VersionId: "v2",
				IsDefaultVersion: true, PolicyDocument: allowAll, CreateDate: "2015-02-11T03:15:21Z"}}},
		{name: "CreatePolicyVersion", action: "CreatePolicyVersion", body: &CreatePolicyVersionAnswer{PolicyVersion: ViewPolicyVersion(ver)},
			into: &ram.CreatePolicyVersionResponse{}, want: &ram.CreatePolicyVersionResponse{RequestId: "R1", PolicyVersion: ram.PolicyVersion{
				VersionId: "v2", IsDefaultVersion: true, PolicyDocument: allowAll, CreateDate: "2015-02-11T03:15:21Z"}}},
		{name: "ListPolicies", action: "ListPolicies", body: NewListPoliciesAnswer([]Policy{pol}, ""), into: &ram.ListPoliciesResponse{},
			want: &ram.ListPoliciesResponse{RequestId: "R1", Policies: ram.PoliciesInListPolicies{Policy: []ram.Policy{sdkPol}}}},
		{name: "ListPoliciesForUser", action: "ListPoliciesForUser", body: NewListPoliciesForUserAnswer([]AttachedPolicy{{Policy: pol, AttachDate: t1}}),
			into: &ram.ListPoliciesForUserResponse{}, want: &ram.ListPoliciesForUserResponse{RequestId: "R1",
				Policies: ram.PoliciesInListPoliciesForUser{Policy: []ram.Policy{func() ram.Policy { p := sdkPol; p.AttachDate = "2015-02-11T03:15:21Z"; return p }()}}}},
		{name: "CreateRole", action: "CreateRole", body: &RoleAnswer{Role: ViewRole(role)}, into: &ram.CreateRoleResponse{},
			want: &ram.CreateRoleResponse{RequestId: "R1", Role: sdkRole}},
		{name: "DeleteUser empty answer", action: "DeleteUser", body: struct{}{}, into: &ram.DeleteUserResponse{},
			want: &ram.DeleteUserResponse{RequestId: "R1"}},
		{name: "AssumeRole", action: "AssumeRole", body: NewAssumeRoleAnswer(sess, "CAIStoken"), into: &sts.AssumeRoleResponse{},
			want: &sts.AssumeRoleResponse{RequestId: "R1", AssumedRoleUser: sts.AssumedRoleUser{AssumedRoleId: "3000000000000000001:alice",
				Arn: "acs:ram::1234567890123456:assumed-role/VpnOps/alice"}, Credentials: sts.Credentials{AccessKeyId: "STS.abc",
				AccessKeySecret: "sec", SecurityToken: "CAIStoken", Expiration: "2015-02-11T03:15:21Z"}}},
		{name: "GetCallerIdentity session", action: "GetCallerIdentity", body: NewGetCallerIdentityAnswer(sess.Principal()),
			into: &sts.GetCallerIdentityResponse{}, want: &sts.GetCallerIdentityResponse{RequestId: "R1", IdentityType: "AssumedRoleUser",
				AccountId: "1234567890123456", PrincipalId: "3000000000000000001:alice", UserId: "3000000000000000001:alice",
				RoleId: "3000000000000000001", Arn: "acs:ram::1234567890123456:assumed-role/VpnOps/alice"}},
		{name: "GetCallerIdentity user", action: "GetCallerIdentity",
			body: NewGetCallerIdentityAnswer(Principal{Kind: PrincipalUser, AccountID: "1234567890123456", UserName: "bob", UserID: "2000000000000001"}),
			into: &sts.GetCallerIdentityResponse{}, want: &sts.GetCallerIdentityResponse{RequestId: "R1", IdentityType: "RAMUser",
				AccountId: "1234567890123456", PrincipalId: "2000000000000001", UserId: "2000000000000001", Arn: "acs:ram::1234567890123456:user/bob"}},
		{name: "GetCallerIdentity root", action: "GetCallerIdentity",
			body: NewGetCallerIdentityAnswer(Principal{Kind: PrincipalRoot, AccountID: "1234567890123456"}),
			into: &sts.GetCallerIdentityResponse{}, want: &sts.GetCallerIdentityResponse{RequestId: "R1", IdentityType: "Account",
				AccountId: "1234567890123456", PrincipalId: "1234567890123456", UserId: "1234567890123456", Arn: "acs:ram::1234567890123456:root"}},
	}
	for _, tt := range tests {
		for _, format := range []string{"JSON", "XML"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				body := encode(t, format, tt.action, tt.body)
				// A fresh value of the same type for each format.
				into := newLike(tt.into)
				sdkDecode(t, format, body, into)
				if d := cmp.Diff(tt.want, into, cmpopts.EquateEmpty(), ignoreBaseResponse()); d != "" {
					t.Fatalf("(-want +got)\n%s\nbody: %s", d, body)
				}
			})
		}
	}
}

func TestTimeFormat(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	if got := FormatTime(time.Date(2015, 1, 23, 20, 33, 18, 999, loc)); got != "2015-01-23T12:33:18Z" {
		t.Fatalf("%q", got)
	}
	if FormatTime(time.Time{}) != "" {
		t.Fatal("zero time must be empty")
	}
}

func TestListAccessKeysHasNoSecret(t *testing.T) {
	b, _ := json.Marshal(NewListAccessKeysAnswer([]AccessKey{{AccessKeyID: "LTAIx", Secret: "topsecret", Status: KeyActive}}))
	if strings.Contains(string(b), "topsecret") || strings.Contains(string(b), "AccessKeySecret") {
		t.Fatalf("secret leaked: %s", b)
	}
}
