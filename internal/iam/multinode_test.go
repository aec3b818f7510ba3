package iam_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// node starts one server on the shared database and data dir (the master
// key file lives there, as every node of a deployment must share it).
func node(t *testing.T, dir, dsn string) string {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{DataDir: dir, Database: dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RootAccessKeyID: apptest.AccessKeyID, RootAccessKeySecret: apptest.AccessKeySecret})
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestSessionsAcrossNodes: a session issued by one server works on another
// that shares only the database and the master key, policy changes made on
// one apply at once on the other, and deleting the role on one ends the
// session everywhere.
func TestSessionsAcrossNodes(t *testing.T) {
	dsn := apptest.PostgresDSN(t, "vpcvpn_iam_test")
	dir := t.TempDir()
	a := &apptest.Env{Endpoint: node(t, dir, dsn)}
	b := &apptest.Env{Endpoint: node(t, dir, dsn)}
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)

	idA, err := root.callerIdentity(a)
	must(t, err, "GetCallerIdentity on A")
	acct := idA.AccountId
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"` + acct + `"}}]}`
	cr := at(a, ram.CreateCreateRoleRequest())
	cr.RoleName, cr.AssumeRolePolicyDocument = "Ops", trust
	_, err = root.ram.CreateRole(cr)
	must(t, err, "CreateRole on A")
	cp := at(a, ram.CreateCreatePolicyRequest())
	cp.PolicyName, cp.PolicyDocument = "gw-read", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:DescribeVpnGateways","Resource":"*"}]}`
	_, err = root.ram.CreatePolicy(cp)
	must(t, err, "CreatePolicy on A")
	ap := at(a, ram.CreateAttachPolicyToRoleRequest())
	ap.PolicyType, ap.PolicyName, ap.RoleName = "Custom", "gw-read", "Ops"
	_, err = root.ram.AttachPolicyToRole(ap)
	must(t, err, "AttachPolicyToRole on A")

	as := at(a, sts.CreateAssumeRoleRequest())
	as.RoleArn, as.RoleSessionName = "acs:ram::"+acct+":role/ops", "n1"
	ares, err := root.sts.AssumeRole(as)
	must(t, err, "AssumeRole on A")
	sess := tokenClients(t, ares.Credentials)
	id, err := sess.callerIdentity(b)
	must(t, err, "GetCallerIdentity with the session on B")
	if id.IdentityType != "AssumedRoleUser" || id.AccountId != acct {
		t.Fatalf("identity on B %+v", id)
	}
	_, err = sess.describeGateways(b)
	must(t, err, "DescribeVpnGateways with the session on B")

	// A new default version written through B denies on A at once.
	cv := at(b, ram.CreateCreatePolicyVersionRequest())
	cv.PolicyName, cv.SetAsDefault = "gw-read", requests.NewBoolean(true)
	cv.PolicyDocument = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"vpc:DescribeVpnGateways","Resource":"*"}]}`
	_, err = root.ram.CreatePolicyVersion(cv)
	must(t, err, "CreatePolicyVersion on B")
	_, err = sess.describeGateways(a)
	wantErr(t, err, "Forbidden", 403)

	// Deleting the role through B ends the session on A.
	dt := at(b, ram.CreateDetachPolicyFromRoleRequest())
	dt.PolicyType, dt.PolicyName, dt.RoleName = "Custom", "gw-read", "Ops"
	_, err = root.ram.DetachPolicyFromRole(dt)
	must(t, err, "DetachPolicyFromRole on B")
	dr := at(b, ram.CreateDeleteRoleRequest())
	dr.RoleName = "Ops"
	_, err = root.ram.DeleteRole(dr)
	must(t, err, "DeleteRole on B")
	_, err = sess.callerIdentity(a)
	wantErr(t, err, "InvalidSecurityToken.Expired", 400)
}
