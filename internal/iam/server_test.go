package iam_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// These tests run the real server (internal/apptest) and drive it with the
// official V1 SDK's services/ram and services/sts clients (and the VPC
// clients with STS credentials).

type target interface {
	SetScheme(string)
	SetDomain(string)
}

func at[T target](env *apptest.Env, req T) T {
	req.SetScheme("http")
	req.SetDomain(env.Endpoint)
	return req
}

// wantErr checks that err is the SDK's ServerError with code and status and
// returns it.
func wantErr(t *testing.T, err error, code string, status int) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want server error %s", err, code)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("got %s/%d (%s), want %s/%d", se.ErrorCode(), se.HttpStatus(), se.Message(), code, status)
	}
	return se
}

func wantDenied(t *testing.T, err error, code, action, principalType, policyType, noPerm string) {
	t.Helper()
	se := wantErr(t, err, code, 403)
	ad := se.AccessDeniedDetail()
	for k, want := range map[string]string{"AuthAction": action, "AuthPrincipalType": principalType, "PolicyType": policyType, "NoPermissionType": noPerm} {
		if got, _ := ad[k].(string); got != want {
			t.Errorf("AccessDeniedDetail.%s = %q, want %q (detail %v)", k, got, want, ad)
		}
	}
	if enc, _ := ad["EncodedDiagnosticMessage"].(string); enc == "" {
		t.Errorf("no EncodedDiagnosticMessage in %v", ad)
	} else if _, err := iam.DecodeDiagnostic(enc); err != nil {
		t.Errorf("EncodedDiagnosticMessage %q: %v", enc, err)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

type clients struct {
	ram *ram.Client
	sts *sts.Client
	vpc *vpcv1.Client
}

func keyClients(t *testing.T, ak, secret string) clients {
	t.Helper()
	r, err := ram.NewClientWithAccessKey("cn-hangzhou", ak, secret)
	must(t, err, "ram client")
	s, err := sts.NewClientWithAccessKey("cn-hangzhou", ak, secret)
	must(t, err, "sts client")
	v, err := vpcv1.NewClientWithAccessKey("cn-hangzhou", ak, secret)
	must(t, err, "vpc client")
	return clients{r, s, v}
}

func tokenClients(t *testing.T, c sts.Credentials) clients {
	t.Helper()
	r, err := ram.NewClientWithStsToken("cn-hangzhou", c.AccessKeyId, c.AccessKeySecret, c.SecurityToken)
	must(t, err, "ram client")
	s, err := sts.NewClientWithStsToken("cn-hangzhou", c.AccessKeyId, c.AccessKeySecret, c.SecurityToken)
	must(t, err, "sts client")
	v, err := vpcv1.NewClientWithStsToken("cn-hangzhou", c.AccessKeyId, c.AccessKeySecret, c.SecurityToken)
	must(t, err, "vpc client")
	return clients{r, s, v}
}

func (c clients) getUser(env *apptest.Env, name string) (*ram.GetUserResponse, error) {
	req := at(env, ram.CreateGetUserRequest())
	req.UserName = name
	return c.ram.GetUser(req)
}

func (c clients) callerIdentity(env *apptest.Env) (*sts.GetCallerIdentityResponse, error) {
	return c.sts.GetCallerIdentity(at(env, sts.CreateGetCallerIdentityRequest()))
}

func (c clients) describeGateways(env *apptest.Env) (*vpcv1.DescribeVpnGatewaysResponse, error) {
	req := at(env, vpcv1.CreateDescribeVpnGatewaysRequest())
	req.RegionId = "cn-hangzhou"
	return c.vpc.DescribeVpnGateways(req)
}

func (c clients) download(env *apptest.Env, id string) (*vpcv1.DownloadVpnConnectionConfigResponse, error) {
	req := at(env, vpcv1.CreateDownloadVpnConnectionConfigRequest())
	req.RegionId, req.VpnConnectionId = "cn-hangzhou", id
	return c.vpc.DownloadVpnConnectionConfig(req)
}

const readRAM = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:Get*","ram:List*"],"Resource":"*"}]}`
const denyGetUser = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:Get*","ram:List*"],"Resource":"*"},{"Effect":"Deny","Action":"ram:GetUser","Resource":"*"}]}`

// TestUsersKeysPolicies walks the RAM user life cycle with the V1 SDK.
func TestUsersKeysPolicies(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	acct := env.App.Root.AccountID

	cu := at(env, ram.CreateCreateUserRequest())
	cu.UserName, cu.DisplayName, cu.Email, cu.MobilePhone, cu.Comments = "bob", "Bob B", "bob@example.com", "86-18600008888", "ops"
	created, err := root.ram.CreateUser(cu)
	must(t, err, "CreateUser")
	u := created.User
	if u.UserName != "bob" || u.DisplayName != "Bob B" || u.Email != "bob@example.com" || u.MobilePhone != "86-18600008888" ||
		u.Comments != "ops" || len(u.UserId) != 16 || u.CreateDate == "" || created.RequestId == "" {
		t.Fatalf("CreateUser answer %+v", created)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", u.CreateDate); err != nil {
		t.Fatalf("CreateDate %q: %v", u.CreateDate, err)
	}
	_, err = root.ram.CreateUser(cu)
	wantErr(t, err, "EntityAlreadyExists.User", 409)
	bad := at(env, ram.CreateCreateUserRequest())
	bad.UserName = "bad name"
	_, err = root.ram.CreateUser(bad)
	wantErr(t, err, "InvalidParameter.UserName.InvalidChars", 400)
	got, err := root.getUser(env, "bob")
	must(t, err, "GetUser")
	if got.User != u {
		t.Fatalf("GetUser %+v, want %+v", got.User, u)
	}
	_, err = root.getUser(env, "nobody")
	wantErr(t, err, "EntityNotExist.User", 404)

	// XML answers decode too.
	lu := at(env, ram.CreateListUsersRequest())
	lu.AcceptFormat = "XML"
	list, err := root.ram.ListUsers(lu)
	must(t, err, "ListUsers XML")
	if len(list.Users.User) != 1 || list.Users.User[0].UserName != "bob" || list.IsTruncated {
		t.Fatalf("ListUsers %+v", list)
	}

	ck := at(env, ram.CreateCreateAccessKeyRequest())
	ck.UserName = "bob"
	key, err := root.ram.CreateAccessKey(ck)
	must(t, err, "CreateAccessKey")
	if key.AccessKey.Status != "Active" || !strings.HasPrefix(key.AccessKey.AccessKeyId, "LTAI") || len(key.AccessKey.AccessKeySecret) != 30 {
		t.Fatalf("CreateAccessKey %+v", key.AccessKey)
	}
	lk := at(env, ram.CreateListAccessKeysRequest())
	lk.UserName = "bob"
	keys, err := root.ram.ListAccessKeys(lk)
	must(t, err, "ListAccessKeys")
	if len(keys.AccessKeys.AccessKey) != 1 || keys.AccessKeys.AccessKey[0].AccessKeyId != key.AccessKey.AccessKeyId || keys.AccessKeys.AccessKey[0].AccessKeySecret != "" {
		t.Fatalf("ListAccessKeys %+v", keys.AccessKeys)
	}
	_, err = root.ram.CreateAccessKey(ck)
	must(t, err, "second CreateAccessKey")
	_, err = root.ram.CreateAccessKey(ck)
	wantErr(t, err, "LimitExceeded.User.AccessKey", 409)
	keys, _ = root.ram.ListAccessKeys(lk)
	second := ""
	for _, k := range keys.AccessKeys.AccessKey {
		if k.AccessKeyId != key.AccessKey.AccessKeyId {
			second = k.AccessKeyId
		}
	}
	if len(keys.AccessKeys.AccessKey) != 2 || second == "" || keys.AccessKeys.AccessKey[0].AccessKeyId != key.AccessKey.AccessKeyId {
		t.Fatalf("keys in creation order %+v", keys.AccessKeys.AccessKey)
	}
	dk := at(env, ram.CreateDeleteAccessKeyRequest())
	dk.UserName, dk.UserAccessKeyId = "bob", second
	_, err = root.ram.DeleteAccessKey(dk)
	must(t, err, "DeleteAccessKey second")

	bob := keyClients(t, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
	id, err := bob.callerIdentity(env)
	must(t, err, "GetCallerIdentity bob")
	if id.IdentityType != "RAMUser" || id.AccountId != acct || id.UserId != u.UserId || id.Arn != "acs:ram::"+acct+":user/bob" {
		t.Fatalf("GetCallerIdentity %+v", id)
	}
	_, err = bob.getUser(env, "bob")
	wantDenied(t, err, "Forbbiden.SubUser", "ram:GetUser", "SubUser", iam.DeniedByIdentityPolicy, "ImplicitDeny")

	cp := at(env, ram.CreateCreatePolicyRequest())
	cp.PolicyName, cp.PolicyDocument, cp.Description = "ram-read", readRAM, "read RAM"
	pol, err := root.ram.CreatePolicy(cp)
	must(t, err, "CreatePolicy")
	if pol.Policy.PolicyName != "ram-read" || pol.Policy.PolicyType != "Custom" || pol.Policy.DefaultVersion != "v1" {
		t.Fatalf("CreatePolicy %+v", pol.Policy)
	}
	cp2 := at(env, ram.CreateCreatePolicyRequest())
	cp2.PolicyName, cp2.PolicyDocument = "broken", `{"Version":"1","Statement":[{"Effect":"Allow"}]}`
	_, err = root.ram.CreatePolicy(cp2)
	wantErr(t, err, "MalformedPolicyDocument", 400)

	ap := at(env, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", "ram-read", "bob"
	_, err = root.ram.AttachPolicyToUser(ap)
	must(t, err, "AttachPolicyToUser")
	_, err = root.ram.AttachPolicyToUser(ap)
	wantErr(t, err, "EntityAlreadyExists.User.Policy", 409)
	// Takes effect at once.
	_, err = bob.getUser(env, "bob")
	must(t, err, "GetUser as bob with ram-read")

	lp := at(env, ram.CreateListPoliciesForUserRequest())
	lp.UserName = "bob"
	lpu, err := bob.ram.ListPoliciesForUser(lp)
	must(t, err, "ListPoliciesForUser")
	if len(lpu.Policies.Policy) != 1 || lpu.Policies.Policy[0].PolicyName != "ram-read" || lpu.Policies.Policy[0].AttachDate == "" {
		t.Fatalf("ListPoliciesForUser %+v", lpu.Policies)
	}

	// A new default version takes effect at once: now an explicit deny.
	cv := at(env, ram.CreateCreatePolicyVersionRequest())
	cv.PolicyName, cv.PolicyDocument, cv.SetAsDefault = "ram-read", denyGetUser, requests.NewBoolean(true)
	ver, err := root.ram.CreatePolicyVersion(cv)
	must(t, err, "CreatePolicyVersion")
	if ver.PolicyVersion.VersionId != "v2" || !ver.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion %+v", ver.PolicyVersion)
	}
	_, err = bob.getUser(env, "bob")
	wantDenied(t, err, "Forbbiden.SubUser", "ram:GetUser", "SubUser", iam.DeniedByIdentityPolicy, "ExplicitDeny")
	gp := at(env, ram.CreateGetPolicyRequest())
	gp.PolicyName, gp.PolicyType = "ram-read", "Custom"
	gpr, err := bob.ram.GetPolicy(gp)
	must(t, err, "GetPolicy as bob")
	if gpr.DefaultPolicyVersion.VersionId != "v2" || gpr.DefaultPolicyVersion.PolicyDocument != denyGetUser || gpr.Policy.AttachmentCount != 1 {
		t.Fatalf("GetPolicy %+v", gpr)
	}
	gps := at(env, ram.CreateGetPolicyRequest())
	gps.PolicyName, gps.PolicyType = "AliyunVPNGatewayReadOnlyAccess", "System"
	sys, err := root.ram.GetPolicy(gps)
	must(t, err, "GetPolicy system")
	if sys.Policy.PolicyType != "System" || !strings.Contains(sys.DefaultPolicyVersion.PolicyDocument, "vpc:DownloadVpnConnectionConfig") {
		t.Fatalf("GetPolicy system %+v", sys)
	}
	lpol := at(env, ram.CreateListPoliciesRequest())
	lpol.PolicyType = "Custom"
	pols, err := root.ram.ListPolicies(lpol)
	must(t, err, "ListPolicies")
	if len(pols.Policies.Policy) != 1 || pols.Policies.Policy[0].PolicyName != "ram-read" {
		t.Fatalf("ListPolicies Custom %+v", pols.Policies)
	}

	// Inactive keys stop working at once, and work again when reactivated.
	uk := at(env, ram.CreateUpdateAccessKeyRequest())
	uk.UserName, uk.UserAccessKeyId, uk.Status = "bob", key.AccessKey.AccessKeyId, "Inactive"
	_, err = root.ram.UpdateAccessKey(uk)
	must(t, err, "UpdateAccessKey Inactive")
	_, err = bob.callerIdentity(env)
	wantErr(t, err, "InvalidAccessKeyId.Inactive", 400)
	uk2 := at(env, ram.CreateUpdateAccessKeyRequest())
	uk2.UserName, uk2.UserAccessKeyId, uk2.Status = "bob", key.AccessKey.AccessKeyId, "Active"
	_, err = root.ram.UpdateAccessKey(uk2)
	must(t, err, "UpdateAccessKey Active")
	_, err = bob.callerIdentity(env)
	must(t, err, "GetCallerIdentity after reactivation")

	// Deleting: conflicts first, then the user and its key are gone.
	du := at(env, ram.CreateDeleteUserRequest())
	du.UserName = "bob"
	_, err = root.ram.DeleteUser(du)
	wantErr(t, err, "DeleteConflict.User.AccessKey", 409)
	dk2 := at(env, ram.CreateDeleteAccessKeyRequest())
	dk2.UserName, dk2.UserAccessKeyId = "bob", key.AccessKey.AccessKeyId
	_, err = root.ram.DeleteAccessKey(dk2)
	must(t, err, "DeleteAccessKey")
	_, err = bob.callerIdentity(env)
	wantErr(t, err, "InvalidAccessKeyId.NotFound", 404)
	_, err = root.ram.DeleteUser(du)
	wantErr(t, err, "DeleteConflict.User.Policy", 409)
	dp := at(env, ram.CreateDeletePolicyRequest())
	dp.PolicyName = "ram-read"
	_, err = root.ram.DeletePolicy(dp)
	wantErr(t, err, "DeleteConflict.Policy.User", 409)
	dpu := at(env, ram.CreateDetachPolicyFromUserRequest())
	dpu.PolicyType, dpu.PolicyName, dpu.UserName = "Custom", "ram-read", "bob"
	_, err = root.ram.DetachPolicyFromUser(dpu)
	must(t, err, "DetachPolicyFromUser")
	_, err = root.ram.DetachPolicyFromUser(dpu)
	wantErr(t, err, "EntityNotExist.User.Policy", 404)
	_, err = root.ram.DeleteUser(du)
	must(t, err, "DeleteUser")
	_, err = root.getUser(env, "bob")
	wantErr(t, err, "EntityNotExist.User", 404)
	_, err = root.ram.DeletePolicy(dp)
	must(t, err, "DeletePolicy")
}

// TestRolesAndSessions creates a role, assumes it with both signature
// schemes, and checks the session's permissions, its narrowing policy and
// the token errors.
func TestRolesAndSessions(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	acct := env.App.Root.AccountID
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acct + `:root"]}}]}`

	cr := at(env, ram.CreateCreateRoleRequest())
	cr.RoleName, cr.AssumeRolePolicyDocument, cr.Description, cr.MaxSessionDuration = "VpnReader", trust, "reads VPN", requests.NewInteger(7200)
	role, err := root.ram.CreateRole(cr)
	must(t, err, "CreateRole")
	arn := "acs:ram::" + acct + ":role/vpnreader"
	if role.Role.Arn != arn || role.Role.MaxSessionDuration != 7200 || role.Role.AssumeRolePolicyDocument != trust || len(role.Role.RoleId) != 19 {
		t.Fatalf("CreateRole %+v", role.Role)
	}
	gr := at(env, ram.CreateGetRoleRequest())
	gr.RoleName = "vpnreader"
	gotRole, err := root.ram.GetRole(gr)
	must(t, err, "GetRole")
	if gotRole.Role != role.Role {
		t.Fatalf("GetRole %+v, want %+v", gotRole.Role, role.Role)
	}
	ar := at(env, ram.CreateAttachPolicyToRoleRequest())
	ar.PolicyType, ar.PolicyName, ar.RoleName = "System", "AliyunVPNGatewayReadOnlyAccess", "VpnReader"
	_, err = root.ram.AttachPolicyToRole(ar)
	must(t, err, "AttachPolicyToRole")

	assume := func(session, policy string, duration int) (*sts.AssumeRoleResponse, error) {
		req := at(env, sts.CreateAssumeRoleRequest())
		req.RoleArn, req.RoleSessionName, req.Policy = arn, session, policy
		if duration > 0 {
			req.DurationSeconds = requests.NewInteger(duration)
		}
		return root.sts.AssumeRole(req)
	}
	before := time.Now().UTC().Truncate(time.Second)
	ares, err := assume("alice", "", 0)
	must(t, err, "AssumeRole")
	c := ares.Credentials
	exp, err := time.Parse("2006-01-02T15:04:05Z", c.Expiration)
	must(t, err, "Expiration")
	if !strings.HasPrefix(c.AccessKeyId, "STS.") || !strings.HasPrefix(c.SecurityToken, "CAIS") || c.AccessKeySecret == "" ||
		exp.Before(before.Add(time.Hour)) || exp.After(time.Now().Add(time.Hour+time.Second)) {
		t.Fatalf("Credentials %+v", c)
	}
	if ares.AssumedRoleUser.Arn != "acs:ram::"+acct+":assumed-role/VpnReader/alice" || ares.AssumedRoleUser.AssumedRoleId != role.Role.RoleId+":alice" {
		t.Fatalf("AssumedRoleUser %+v", ares.AssumedRoleUser)
	}
	sess := tokenClients(t, c)
	id, err := sess.callerIdentity(env)
	must(t, err, "GetCallerIdentity session")
	if id.IdentityType != "AssumedRoleUser" || id.RoleId != role.Role.RoleId || id.Arn != ares.AssumedRoleUser.Arn || id.AccountId != acct {
		t.Fatalf("GetCallerIdentity %+v", id)
	}
	_, err = sess.describeGateways(env)
	must(t, err, "DescribeVpnGateways with the session (HMAC-SHA1)")

	// The V3 signature (ACS3-HMAC-SHA256) carries the token in a header.
	v2, err := vpc.NewClient(&openapiutil.Config{AccessKeyId: dara.String(c.AccessKeyId), AccessKeySecret: dara.String(c.AccessKeySecret),
		SecurityToken: dara.String(c.SecurityToken), Endpoint: dara.String(env.Endpoint), Protocol: dara.String("HTTP"), RegionId: dara.String("cn-hangzhou")})
	must(t, err, "V2 client")
	_, err = v2.DescribeVpnGateways(&vpc.DescribeVpnGatewaysRequest{RegionId: dara.String("cn-hangzhou")})
	must(t, err, "DescribeVpnGateways with the session (V3 signature)")
	_, err = v2.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String("cn-hangzhou"), CidrBlock: dara.String("10.0.0.0/8")})
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("CreateVpc with a read-only session: %v", err)
	}
	cv := at(env, vpcv1.CreateCreateVpcRequest())
	cv.RegionId, cv.CidrBlock = "cn-hangzhou", "10.0.0.0/8"
	_, err = sess.vpc.CreateVpc(cv)
	wantDenied(t, err, "Forbidden", "vpc:CreateVpc", "AssumedRole", iam.DeniedByIdentityPolicy, "ImplicitDeny")

	// A session policy narrows.
	narrow, err := assume("bob", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:DescribeRegions","Resource":"*"}]}`, 900)
	must(t, err, "AssumeRole narrowed")
	_, err = tokenClients(t, narrow.Credentials).describeGateways(env)
	wantDenied(t, err, "Forbidden", "vpc:DescribeVpnGateways", "AssumedRole", iam.DeniedBySessionPolicy, "ImplicitDeny")

	// Parameter errors.
	for _, tc := range []struct {
		session  string
		duration int
		code     string
	}{
		{"a", 0, "InvalidParameter.RoleSessionName"},
		{"ok", 899, "InvalidParameter.DurationSeconds"},
		{"ok", 7201, "InvalidParameter.DurationSeconds"},
	} {
		_, err := assume(tc.session, "", tc.duration)
		wantErr(t, err, tc.code, 400)
	}
	missing := at(env, sts.CreateAssumeRoleRequest())
	missing.RoleArn, missing.RoleSessionName = "acs:ram::"+acct+":role/nope", "ok"
	_, err = root.sts.AssumeRole(missing)
	wantErr(t, err, "EntityNotExist.Role", 404)

	// Token errors.
	tampered := c
	tampered.SecurityToken = c.SecurityToken[:len(c.SecurityToken)-4] + "AAAA"
	_, err = tokenClients(t, tampered).callerIdentity(env)
	wantErr(t, err, "InvalidSecurityToken.Malformed", 400)
	mismatch := c
	mismatch.SecurityToken = narrow.Credentials.SecurityToken
	_, err = tokenClients(t, mismatch).callerIdentity(env)
	wantErr(t, err, "InvalidSecurityToken.MismatchWithAccessKey", 400)
	expired := iam.Session{AccountID: acct, RoleName: "VpnReader", RoleID: role.Role.RoleId, SessionName: "old",
		AccessKeyID: "STS.expiredexpiredexpired0", AccessKeySecret: "secretsecretsecretsecretsecretsecret0000",
		IssuedAt: time.Now().Add(-2 * time.Hour), Expiration: time.Now().Add(-time.Hour)}
	tok, err := iam.IssueToken(env.App.Keys, expired)
	must(t, err, "IssueToken")
	_, err = tokenClients(t, sts.Credentials{AccessKeyId: expired.AccessKeyID, AccessKeySecret: expired.AccessKeySecret, SecurityToken: tok}).callerIdentity(env)
	wantErr(t, err, "InvalidSecurityToken.Expired", 400)

	// A sub-user may assume the role only when its own policies allow
	// sts:AssumeRole; the trust policy of the account admits it.
	cu := at(env, ram.CreateCreateUserRequest())
	cu.UserName = "carol"
	_, err = root.ram.CreateUser(cu)
	must(t, err, "CreateUser carol")
	ck := at(env, ram.CreateCreateAccessKeyRequest())
	ck.UserName = "carol"
	ckey, err := root.ram.CreateAccessKey(ck)
	must(t, err, "CreateAccessKey carol")
	carol := keyClients(t, ckey.AccessKey.AccessKeyId, ckey.AccessKey.AccessKeySecret)
	ca := at(env, sts.CreateAssumeRoleRequest())
	ca.RoleArn, ca.RoleSessionName = arn, "carol"
	_, err = carol.sts.AssumeRole(ca)
	wantDenied(t, err, "Forbbiden.SubUser", "sts:AssumeRole", "SubUser", iam.DeniedByIdentityPolicy, "ImplicitDeny")
	cp := at(env, ram.CreateCreatePolicyRequest())
	cp.PolicyName, cp.PolicyDocument = "assume", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram::*:role/*"}]}`
	_, err = root.ram.CreatePolicy(cp)
	must(t, err, "CreatePolicy assume")
	ap := at(env, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", "assume", "carol"
	_, err = root.ram.AttachPolicyToUser(ap)
	must(t, err, "AttachPolicyToUser")
	ca2 := at(env, sts.CreateAssumeRoleRequest())
	ca2.RoleArn, ca2.RoleSessionName = arn, "carol"
	_, err = carol.sts.AssumeRole(ca2)
	must(t, err, "AssumeRole as carol")

	// A role whose trust policy names someone else: NoPermission.
	cr2 := at(env, ram.CreateCreateRoleRequest())
	cr2.RoleName = "Closed"
	cr2.AssumeRolePolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acct + `:user/dave"]}}]}`
	_, err = root.ram.CreateRole(cr2)
	must(t, err, "CreateRole Closed")
	cl := at(env, sts.CreateAssumeRoleRequest())
	cl.RoleArn, cl.RoleSessionName = "acs:ram::"+acct+":role/closed", "x1"
	_, err = root.sts.AssumeRole(cl)
	wantDenied(t, err, "NoPermission", "sts:AssumeRole", "Account", iam.DeniedByTrustPolicy, "ImplicitDeny")

	// Deleting the role ends its sessions at once.
	dr := at(env, ram.CreateDeleteRoleRequest())
	dr.RoleName = "VpnReader"
	_, err = root.ram.DeleteRole(dr)
	wantErr(t, err, "DeleteConflict.Role.Policy", 409)
	dtr := at(env, ram.CreateDetachPolicyFromRoleRequest())
	dtr.PolicyType, dtr.PolicyName, dtr.RoleName = "System", "AliyunVPNGatewayReadOnlyAccess", "VpnReader"
	_, err = root.ram.DetachPolicyFromRole(dtr)
	must(t, err, "DetachPolicyFromRole")
	_, err = root.ram.DeleteRole(dr)
	must(t, err, "DeleteRole")
	_, err = sess.callerIdentity(env)
	wantErr(t, err, "InvalidSecurityToken.Expired", 400)
	_, err = root.ram.GetRole(gr)
	wantErr(t, err, "EntityNotExist.Role", 404)
}

// TestSeedErrorCodes produces the three error codes of the
// DownloadVpnConnectionConfig page through the real server.
func TestSeedErrorCodes(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	acct := env.App.Root.AccountID
	v2 := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	vp, err := v2.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("192.168.0.0/16")})
	must(t, err, "CreateVpc")
	sw, err := v2.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: region, VpcId: vp.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
	must(t, err, "CreateVSwitch")
	gw, err := v2.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: vp.Body.VpcId, Bandwidth: dara.Int32(10), VSwitchId: sw.Body.VSwitchId})
	must(t, err, "CreateVpnGateway")
	cgw, err := v2.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: region, IpAddress: dara.String("198.51.100.10")})
	must(t, err, "CreateCustomerGateway")
	conn, err := v2.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: gw.Body.VpnGatewayId,
		CustomerGatewayId: cgw.Body.CustomerGatewayId, LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String("10.10.0.0/16")})
	must(t, err, "CreateVpnConnection")
	id := dara.StringValue(conn.Body.VpnConnectionId)

	_, err = root.download(env, id)
	must(t, err, "download as root")
	_, err = root.download(env, "vco-doesnotexist0000000")
	wantErr(t, err, "InvalidVpnConnectionInstanceId.NotFound", 404)

	cu := at(env, ram.CreateCreateUserRequest())
	cu.UserName = "eve"
	_, err = root.ram.CreateUser(cu)
	must(t, err, "CreateUser")
	ck := at(env, ram.CreateCreateAccessKeyRequest())
	ck.UserName = "eve"
	key, err := root.ram.CreateAccessKey(ck)
	must(t, err, "CreateAccessKey")
	eve := keyClients(t, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
	_, err = eve.download(env, id)
	wantDenied(t, err, "Forbbiden.SubUser", "vpc:DownloadVpnConnectionConfig", "SubUser", iam.DeniedByIdentityPolicy, "ImplicitDeny")
	ap := at(env, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "System", "AliyunVPNGatewayReadOnlyAccess", "eve"
	_, err = root.ram.AttachPolicyToUser(ap)
	must(t, err, "AttachPolicyToUser")
	_, err = eve.download(env, id)
	must(t, err, "download with the read-only policy")

	cr := at(env, ram.CreateCreateRoleRequest())
	cr.RoleName = "nothing"
	cr.AssumeRolePolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"` + acct + `"}}]}`
	_, err = root.ram.CreateRole(cr)
	must(t, err, "CreateRole")
	as := at(env, sts.CreateAssumeRoleRequest())
	as.RoleArn, as.RoleSessionName = "acs:ram::"+acct+":role/nothing", "s1"
	ares, err := root.sts.AssumeRole(as)
	must(t, err, "AssumeRole")
	_, err = tokenClients(t, ares.Credentials).download(env, id)
	wantDenied(t, err, "Forbidden", "vpc:DownloadVpnConnectionConfig", "AssumedRole", iam.DeniedByIdentityPolicy, "ImplicitDeny")
}

// TestListPagingAndFiltering pages through ListPolicies (system policies,
// then custom ones) and ListUsers, and checks that a RAM user sees only the
// users its policy covers.
func TestListPagingAndFiltering(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	for _, name := range []string{"zz-custom", "aa-custom"} {
		cp := at(env, ram.CreateCreatePolicyRequest())
		cp.PolicyName, cp.PolicyDocument = name, readRAM
		_, err := root.ram.CreatePolicy(cp)
		must(t, err, "CreatePolicy")
	}
	var names []string
	marker, pages := "", 0
	for {
		req := at(env, ram.CreateListPoliciesRequest())
		req.MaxItems, req.Marker = requests.NewInteger(2), marker
		resp, err := root.ram.ListPolicies(req)
		must(t, err, "ListPolicies")
		pages++
		if len(resp.Policies.Policy) > 2 {
			t.Fatalf("page of %d", len(resp.Policies.Policy))
		}
		for _, p := range resp.Policies.Policy {
			names = append(names, p.PolicyType+":"+p.PolicyName)
		}
		if !resp.IsTruncated {
			if resp.Marker != "" {
				t.Fatalf("last page has Marker %q", resp.Marker)
			}
			break
		}
		marker = resp.Marker
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	want := []string{"System:AdministratorAccess", "System:AliyunVPCFullAccess", "System:AliyunVPCReadOnlyAccess",
		"System:AliyunVPNGatewayFullAccess", "System:AliyunVPNGatewayReadOnlyAccess", "Custom:aa-custom", "Custom:zz-custom"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("ListPolicies pages gave\n%v\nwant\n%v", names, want)
	}
	bad := at(env, ram.CreateListPoliciesRequest())
	bad.Marker = "not-a-marker!"
	_, err := root.ram.ListPolicies(bad)
	wantErr(t, err, "InvalidParameter.Marker", 400)

	for _, name := range []string{"u10", "u11", "u20", "viewer"} {
		cu := at(env, ram.CreateCreateUserRequest())
		cu.UserName = name
		_, err := root.ram.CreateUser(cu)
		must(t, err, "CreateUser")
	}
	lu := at(env, ram.CreateListUsersRequest())
	lu.MaxItems = requests.NewInteger(3)
	page1, err := root.ram.ListUsers(lu)
	must(t, err, "ListUsers page 1")
	lu2 := at(env, ram.CreateListUsersRequest())
	lu2.MaxItems, lu2.Marker = requests.NewInteger(3), page1.Marker
	page2, err := root.ram.ListUsers(lu2)
	must(t, err, "ListUsers page 2")
	if !page1.IsTruncated || len(page1.Users.User) != 3 || page2.IsTruncated || len(page2.Users.User) != 1 || page2.Users.User[0].UserName != "viewer" {
		t.Fatalf("ListUsers pages %+v / %+v", page1, page2)
	}

	cp := at(env, ram.CreateCreatePolicyRequest())
	cp.PolicyName, cp.PolicyDocument = "list-u1", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:ListUsers","Resource":"acs:ram::*:user/u1*"}]}`
	_, err = root.ram.CreatePolicy(cp)
	must(t, err, "CreatePolicy list-u1")
	ap := at(env, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", "list-u1", "viewer"
	_, err = root.ram.AttachPolicyToUser(ap)
	must(t, err, "AttachPolicyToUser")
	ck := at(env, ram.CreateCreateAccessKeyRequest())
	ck.UserName = "viewer"
	key, err := root.ram.CreateAccessKey(ck)
	must(t, err, "CreateAccessKey")
	viewer := keyClients(t, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
	seen, err := viewer.ram.ListUsers(at(env, ram.CreateListUsersRequest()))
	must(t, err, "ListUsers as viewer")
	var got []string
	for _, u := range seen.Users.User {
		got = append(got, u.UserName)
	}
	if strings.Join(got, ",") != "u10,u11" {
		t.Fatalf("viewer sees %v, want u10,u11", got)
	}
	_, err = viewer.ram.ListPolicies(at(env, ram.CreateListPoliciesRequest()))
	wantDenied(t, err, "Forbbiden.SubUser", "ram:ListPolicies", "SubUser", iam.DeniedByIdentityPolicy, "ImplicitDeny")
}

// TestAttachLimit: the sixth custom policy of a user is refused with RAM's
// code; the store counts in the attach's transaction.
func TestAttachLimit(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	cu := at(env, ram.CreateCreateUserRequest())
	cu.UserName = "lim"
	_, err := root.ram.CreateUser(cu)
	must(t, err, "CreateUser")
	for i := range iam.MaxCustomPoliciesPerID + 1 {
		cp := at(env, ram.CreateCreatePolicyRequest())
		cp.PolicyName = fmt.Sprintf("lim-%d", i)
		cp.PolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:Describe*","Resource":"*"}]}`
		_, err := root.ram.CreatePolicy(cp)
		must(t, err, "CreatePolicy")
		ap := at(env, ram.CreateAttachPolicyToUserRequest())
		ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", cp.PolicyName, "lim"
		_, err = root.ram.AttachPolicyToUser(ap)
		if i < iam.MaxCustomPoliciesPerID {
			must(t, err, "AttachPolicyToUser")
		} else {
			wantErr(t, err, "LimitExceeded.User.Policy", 409)
		}
	}
}
