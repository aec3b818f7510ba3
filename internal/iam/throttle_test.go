package iam_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
)

// TestThrottleSessionsShareTheirRole: every AssumeRole hands out a new
// AccessKeyId; the throttle also keys its buckets by the identity (the
// role), so new sessions do not multiply the role's rate (issue #19).
func TestThrottleSessionsShareTheirRole(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Throttle: &throttle.Config{
		Read:  throttle.Rate{PerSecond: 0.001, Burst: 3},
		Write: throttle.Rate{PerSecond: 1000, Burst: 1000},
	}})
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	acct := env.App.Root.AccountID
	cr := at(env, ram.CreateCreateRoleRequest())
	cr.RoleName = "Reader"
	cr.AssumeRolePolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acct + `:root"]}}]}`
	_, err := root.ram.CreateRole(cr)
	must(t, err, "CreateRole")
	ap := at(env, ram.CreateAttachPolicyToRoleRequest())
	ap.PolicyType, ap.PolicyName, ap.RoleName = "System", "AliyunVPCReadOnlyAccess", "Reader"
	_, err = root.ram.AttachPolicyToRole(ap)
	must(t, err, "AttachPolicyToRole")
	describe := func(c clients) error {
		req := at(env, vpcv1.CreateDescribeVpcsRequest())
		req.RegionId = "cn-hangzhou"
		_, err := c.vpc.DescribeVpcs(req)
		return err
	}
	for i := range 4 {
		as := at(env, sts.CreateAssumeRoleRequest())
		as.RoleArn, as.RoleSessionName = "acs:ram::"+acct+":role/reader", fmt.Sprintf("s%d", i)
		res, err := root.sts.AssumeRole(as)
		must(t, err, "AssumeRole")
		err = describe(tokenClients(t, res.Credentials))
		if i < 3 {
			must(t, err, fmt.Sprintf("session %d", i))
			continue
		}
		se := wantErr(t, err, "Throttling.User", 400)
		if !strings.Contains(se.Message(), "role/reader") {
			t.Errorf("message %q does not name the role", se.Message())
		}
	}
	// The root identity's bucket is its own.
	must(t, describe(root), "root after the role's sessions")
}
