package iam_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// listFixture is two of each listed resource, made by the root identity.
type listFixture struct {
	acct                                         string
	vpcs, vsws, gws, cgws, conns, users, customs []string
	rtbs                                         []string
	psks                                         []string
}

func newListFixture(t *testing.T, env *apptest.Env, root clients) listFixture {
	t.Helper()
	f := listFixture{acct: env.App.Root.AccountID}
	v2 := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	for i := range 2 {
		vp, err := v2.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String(fmt.Sprintf("192.168.%d.0/24", i))})
		must(t, err, "CreateVpc")
		f.vpcs = append(f.vpcs, dara.StringValue(vp.Body.VpcId))
		f.rtbs = append(f.rtbs, dara.StringValue(vp.Body.RouteTableId))
		sw, err := v2.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: region, VpcId: vp.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String(fmt.Sprintf("192.168.%d.0/26", i))})
		must(t, err, "CreateVSwitch")
		f.vsws = append(f.vsws, dara.StringValue(sw.Body.VSwitchId))
		gw, err := v2.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: vp.Body.VpcId, Bandwidth: dara.Int32(10), VSwitchId: sw.Body.VSwitchId})
		must(t, err, "CreateVpnGateway")
		f.gws = append(f.gws, dara.StringValue(gw.Body.VpnGatewayId))
		cgw, err := v2.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: region, IpAddress: dara.String(fmt.Sprintf("198.51.100.%d", 10+i))})
		must(t, err, "CreateCustomerGateway")
		f.cgws = append(f.cgws, dara.StringValue(cgw.Body.CustomerGatewayId))
		psk := fmt.Sprintf("listPsk%dSecret%d", i, 7919*(i+1))
		c, err := v2.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: gw.Body.VpnGatewayId,
			CustomerGatewayId: cgw.Body.CustomerGatewayId, LocalSubnet: dara.String(fmt.Sprintf("192.168.%d.0/24", i)),
			RemoteSubnet: dara.String(fmt.Sprintf("10.%d.0.0/16", 10+i)), IkeConfig: dara.String(`{"Psk":"` + psk + `"}`)})
		must(t, err, "CreateVpnConnection")
		f.conns = append(f.conns, dara.StringValue(c.Body.VpnConnectionId))
		f.psks = append(f.psks, psk)
		cu := at(env, ram.CreateCreateUserRequest())
		cu.UserName = fmt.Sprintf("listed%d", i)
		_, err = root.ram.CreateUser(cu)
		must(t, err, "CreateUser")
		f.users = append(f.users, cu.UserName)
		cp := at(env, ram.CreateCreatePolicyRequest())
		cp.PolicyName, cp.PolicyDocument = fmt.Sprintf("listed-policy-%d", i), readRAM
		_, err = root.ram.CreatePolicy(cp)
		must(t, err, "CreatePolicy")
		f.customs = append(f.customs, cp.PolicyName)
	}
	return f
}

// userWithPolicy creates a RAM user with one custom policy and returns its
// clients.
func userWithPolicy(t *testing.T, env *apptest.Env, root clients, name, doc string) clients {
	t.Helper()
	cu := at(env, ram.CreateCreateUserRequest())
	cu.UserName = name
	_, err := root.ram.CreateUser(cu)
	must(t, err, "CreateUser "+name)
	cp := at(env, ram.CreateCreatePolicyRequest())
	cp.PolicyName, cp.PolicyDocument = name+"-policy", doc
	_, err = root.ram.CreatePolicy(cp)
	must(t, err, "CreatePolicy "+doc)
	ap := at(env, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", cp.PolicyName, name
	_, err = root.ram.AttachPolicyToUser(ap)
	must(t, err, "AttachPolicyToUser")
	ck := at(env, ram.CreateCreateAccessKeyRequest())
	ck.UserName = name
	key, err := root.ram.CreateAccessKey(ck)
	must(t, err, "CreateAccessKey")
	return keyClients(t, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
}

// listed is what one list call answered: the ids, TotalCount (-1 for the
// RAM lists, which have none) and the raw body.
type listed struct {
	ids   []string
	total int
	body  string
}

// listCall runs one list action with an optional id filter and page.
type listCall func(c clients, filter string, page, size int) (listed, error)

func vpcPage(page, size int) (requests.Integer, requests.Integer) {
	return requests.NewInteger(page), requests.NewInteger(size)
}

func listCalls(env *apptest.Env) map[string]listCall {
	ids := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	return map[string]listCall{
		"DescribeVpcs": func(c clients, filter string, page, size int) (listed, error) {
			req := at(env, vpcv1.CreateDescribeVpcsRequest())
			req.RegionId, req.VpcId = "cn-hangzhou", filter
			req.PageNumber, req.PageSize = vpcPage(page, size)
			r, err := c.vpc.DescribeVpcs(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.Vpcs.Vpc), func(i int) string { return r.Vpcs.Vpc[i].VpcId }), r.TotalCount, r.GetHttpContentString()}, nil
		},
		"DescribeVSwitches": func(c clients, filter string, page, size int) (listed, error) {
			req := at(env, vpcv1.CreateDescribeVSwitchesRequest())
			req.RegionId, req.VSwitchId = "cn-hangzhou", filter
			req.PageNumber, req.PageSize = vpcPage(page, size)
			r, err := c.vpc.DescribeVSwitches(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.VSwitches.VSwitch), func(i int) string { return r.VSwitches.VSwitch[i].VSwitchId }), r.TotalCount, r.GetHttpContentString()}, nil
		},
		"DescribeVpnGateways": func(c clients, filter string, page, size int) (listed, error) {
			req := at(env, vpcv1.CreateDescribeVpnGatewaysRequest())
			req.RegionId, req.VpnGatewayId = "cn-hangzhou", filter
			req.PageNumber, req.PageSize = vpcPage(page, size)
			r, err := c.vpc.DescribeVpnGateways(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.VpnGateways.VpnGateway), func(i int) string { return r.VpnGateways.VpnGateway[i].VpnGatewayId }), r.TotalCount, r.GetHttpContentString()}, nil
		},
		"DescribeCustomerGateways": func(c clients, filter string, page, size int) (listed, error) {
			req := at(env, vpcv1.CreateDescribeCustomerGatewaysRequest())
			req.RegionId, req.CustomerGatewayId = "cn-hangzhou", filter
			req.PageNumber, req.PageSize = vpcPage(page, size)
			r, err := c.vpc.DescribeCustomerGateways(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.CustomerGateways.CustomerGateway), func(i int) string { return r.CustomerGateways.CustomerGateway[i].CustomerGatewayId }), r.TotalCount, r.GetHttpContentString()}, nil
		},
		"DescribeVpnConnections": func(c clients, filter string, page, size int) (listed, error) {
			req := at(env, vpcv1.CreateDescribeVpnConnectionsRequest())
			req.RegionId, req.VpnConnectionId = "cn-hangzhou", filter
			req.PageNumber, req.PageSize = vpcPage(page, size)
			r, err := c.vpc.DescribeVpnConnections(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.VpnConnections.VpnConnection), func(i int) string { return r.VpnConnections.VpnConnection[i].VpnConnectionId }), r.TotalCount, r.GetHttpContentString()}, nil
		},
		"DescribeRouteTableList": func(c clients, filter string, page, size int) (listed, error) {
			req := at(env, vpcv1.CreateDescribeRouteTableListRequest())
			req.RegionId, req.RouteTableId = "cn-hangzhou", filter
			req.PageNumber, req.PageSize = vpcPage(page, size)
			r, err := c.vpc.DescribeRouteTableList(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.RouterTableList.RouterTableListType), func(i int) string { return r.RouterTableList.RouterTableListType[i].RouteTableId }), r.TotalCount, r.GetHttpContentString()}, nil
		},
		"ListUsers": func(c clients, _ string, _, size int) (listed, error) {
			req := at(env, ram.CreateListUsersRequest())
			req.MaxItems = requests.NewInteger(size)
			r, err := c.ram.ListUsers(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.Users.User), func(i int) string { return r.Users.User[i].UserName }), -1, r.GetHttpContentString()}, nil
		},
		"ListPolicies": func(c clients, _ string, _, size int) (listed, error) {
			req := at(env, ram.CreateListPoliciesRequest())
			req.PolicyType, req.MaxItems = "Custom", requests.NewInteger(size)
			r, err := c.ram.ListPolicies(req)
			if err != nil {
				return listed{}, err
			}
			return listed{ids(len(r.Policies.Policy), func(i int) string { return r.Policies.Policy[i].PolicyName }), -1, r.GetHttpContentString()}, nil
		},
	}
}

// TestListAuthorizationPerItem: every item of every list action is
// authorised against its own ARN (issue #19): a user allowed vpc:* and
// ram:List* with a Deny on one item of each kind does not get that item
// (nor, for a connection, its PSK) through the list, TotalCount counts
// only what it may see, a filter naming the denied id answers 403 with
// AccessDeniedDetail, and the root identity still sees everything.
func TestListAuthorizationPerItem(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	f := newListFixture(t, env, root)
	arn := func(typ, id string) string { return "acs:vpc:cn-hangzhou:" + f.acct + ":" + typ + "/" + id }
	denied := map[string]struct{ arn, id, other, typ string }{
		"DescribeVpcs":             {arn("vpc", f.vpcs[0]), f.vpcs[0], f.vpcs[1], "vpc"},
		"DescribeVSwitches":        {arn("vswitch", f.vsws[0]), f.vsws[0], f.vsws[1], "vswitch"},
		"DescribeVpnGateways":      {arn("vpngateway", f.gws[0]), f.gws[0], f.gws[1], "vpngateway"},
		"DescribeCustomerGateways": {arn("customergateway", f.cgws[0]), f.cgws[0], f.cgws[1], "customergateway"},
		"DescribeVpnConnections":   {arn("vpnconnection", f.conns[0]), f.conns[0], f.conns[1], "vpnconnection"},
		"DescribeRouteTableList":   {arn("routetable", f.rtbs[0]), f.rtbs[0], f.rtbs[1], "routetable"},
		"ListUsers":                {"acs:ram::" + f.acct + ":user/" + f.users[0], f.users[0], f.users[1], "user"},
		"ListPolicies":             {"acs:ram::" + f.acct + ":policy/" + f.customs[0], f.customs[0], f.customs[1], "policy"},
	}
	var deny []string
	for _, d := range denied {
		deny = append(deny, d.arn)
	}
	sort.Strings(deny)
	denyJSON, _ := json.Marshal(deny)
	doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["vpc:*","ram:List*"],"Resource":"*"},` +
		`{"Effect":"Deny","Action":["vpc:Describe*","ram:List*"],"Resource":` + string(denyJSON) + `}]}`
	user := userWithPolicy(t, env, root, "lister", doc)
	calls := listCalls(env)
	for name, d := range denied {
		call := calls[name]
		t.Run(name, func(t *testing.T) {
			// Root: both items, TotalCount 2 (RAM lists also hold the
			// lister user and its policy).
			all, err := call(root, "", 1, 50)
			must(t, err, name+" as root")
			if !contains(all.ids, d.id) || !contains(all.ids, d.other) {
				t.Fatalf("root sees %v, want %s and %s", all.ids, d.id, d.other)
			}
			got, err := call(user, "", 1, 50)
			must(t, err, name+" as the user")
			if contains(got.ids, d.id) || !contains(got.ids, d.other) {
				t.Fatalf("user with a Deny on %s sees %v", d.id, got.ids)
			}
			if strings.Contains(got.body, d.id) {
				t.Fatalf("answer names the denied %s: %s", d.id, got.body)
			}
			if name == "DescribeVpnConnections" {
				if strings.Contains(got.body, f.psks[0]) || !strings.Contains(got.body, f.psks[1]) {
					t.Fatalf("PSKs in the answer: denied one present %v, allowed one present %v", strings.Contains(got.body, f.psks[0]), strings.Contains(got.body, f.psks[1]))
				}
			}
			if got.total >= 0 {
				if got.total != len(got.ids) || all.total != got.total+1 {
					t.Fatalf("TotalCount: user %d (%d items), root %d", got.total, len(got.ids), all.total)
				}
				// Paging counts only what the user may see.
				p1, err := call(user, "", 1, 1)
				must(t, err, "page 1")
				p2, err := call(user, "", 2, 1)
				must(t, err, "page 2")
				if p1.total != got.total || len(p1.ids) != 1 || p1.ids[0] != got.ids[0] || len(p2.ids) != len(got.ids)-1 {
					t.Fatalf("pages of 1: %v (total %d), %v", p1.ids, p1.total, p2.ids)
				}
				// A filter naming the denied id: 403 with the detail.
				_, err = call(user, d.id, 1, 10)
				wantDenied(t, err, "Forbbiden.SubUser", "vpc:"+name, "SubUser", iam.DeniedByIdentityPolicy, "ExplicitDeny")
				// Naming the allowed one: just it.
				one, err := call(user, d.other, 1, 10)
				must(t, err, "filter on the allowed id")
				if len(one.ids) != 1 || one.ids[0] != d.other || one.total != 1 {
					t.Fatalf("filter on %s: %v (total %d)", d.other, one.ids, one.total)
				}
				// An id that does not exist is authorised like one that
				// does: no existence oracle.
				_, err = call(user, d.id[:strings.IndexByte(d.id, '-')+1]+"doesnotexist00000000", 1, 10)
				must(t, err, "filter on an unknown id (allowed by vpc:*)")
			} else {
				// RAM lists fill their pages with what the user may see.
				p1, err := call(user, "", 1, 1)
				must(t, err, "MaxItems 1")
				if len(p1.ids) != 1 {
					t.Fatalf("MaxItems 1: %v", p1.ids)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestListAuthorizationAllowOnSome: a user allowed the list action on one
// item only sees that item (the lists decide item by item, as the RAM
// lists always did), and a user allowed none gets the list's 403.
func TestListAuthorizationAllowOnSome(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	f := newListFixture(t, env, root)
	one := userWithPolicy(t, env, root, "one", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:DescribeVpnConnections","Resource":"acs:vpc:*:*:vpnconnection/`+f.conns[1]+`"}]}`)
	none := userWithPolicy(t, env, root, "none", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:DescribeVpnConnections","Resource":"acs:vpc:cn-shanghai:*:vpnconnection/*"}]}`)
	call := listCalls(env)["DescribeVpnConnections"]
	got, err := call(one, "", 1, 10)
	must(t, err, "DescribeVpnConnections allowed on one")
	if len(got.ids) != 1 || got.ids[0] != f.conns[1] || got.total != 1 || strings.Contains(got.body, f.psks[0]) {
		t.Fatalf("allowed on %s: %v total %d", f.conns[1], got.ids, got.total)
	}
	_, err = call(none, "", 1, 10)
	wantDenied(t, err, "Forbbiden.SubUser", "vpc:DescribeVpnConnections", "SubUser", iam.DeniedByIdentityPolicy, "ImplicitDeny")
}

// TestRoleARNCase: RAM treats role names case-insensitively and writes role
// ARNs in lower case; resource patterns naming a role in any case apply to
// it (issue #19: a Deny on role/AdminRole never matched, and AssumeRole
// succeeded), in identity policies and in trust policies alike.
func TestRoleARNCase(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	acct := env.App.Root.AccountID
	trustAcct := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acct + `:root"]}}]}`
	for _, name := range []string{"AdminRole", "OpsRole"} {
		cr := at(env, ram.CreateCreateRoleRequest())
		cr.RoleName, cr.AssumeRolePolicyDocument = name, trustAcct
		_, err := root.ram.CreateRole(cr)
		must(t, err, "CreateRole "+name)
	}
	// Target trusts only sessions of OpsRole, named in mixed case.
	cr := at(env, ram.CreateCreateRoleRequest())
	cr.RoleName = "Target"
	cr.AssumeRolePolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acct + `:role/OpsRole"]}}]}`
	_, err := root.ram.CreateRole(cr)
	must(t, err, "CreateRole Target")
	for _, name := range []string{"OpsRole", "AdminRole"} {
		ap := at(env, ram.CreateAttachPolicyToRoleRequest())
		ap.PolicyType, ap.PolicyName, ap.RoleName = "System", "AdministratorAccess", name
		_, err = root.ram.AttachPolicyToRole(ap)
		must(t, err, "AttachPolicyToRole")
	}

	assume := func(c clients, arn string) (sts.Credentials, error) {
		req := at(env, sts.CreateAssumeRoleRequest())
		req.RoleArn, req.RoleSessionName = arn, "case"
		r, err := c.sts.AssumeRole(req)
		if err != nil {
			return sts.Credentials{}, err
		}
		return r.Credentials, nil
	}
	arnOf := func(name string) string { return "acs:ram::" + acct + ":role/" + name }
	allowAll := `{"Effect":"Allow","Action":["sts:AssumeRole","ram:GetRole"],"Resource":"*"}`
	for i, tc := range []struct {
		name    string
		pattern string // of the Deny
	}{
		{"Deny on the mixed-case name", "AdminRole"},
		{"Deny on the lower-case name", "adminrole"},
		{"Deny on an upper-case prefix", "ADMIN*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := userWithPolicy(t, env, root, fmt.Sprintf("deny%d", i), `{"Version":"1","Statement":[`+allowAll+
				`,{"Effect":"Deny","Action":["sts:AssumeRole","ram:GetRole"],"Resource":"acs:ram::*:role/`+tc.pattern+`"}]}`)
			for _, asked := range []string{"AdminRole", "adminrole", "ADMINROLE"} {
				_, err := assume(u, arnOf(asked))
				wantDenied(t, err, "Forbbiden.SubUser", "sts:AssumeRole", "SubUser", iam.DeniedByIdentityPolicy, "ExplicitDeny")
				gr := at(env, ram.CreateGetRoleRequest())
				gr.RoleName = asked
				_, err = u.ram.GetRole(gr)
				wantDenied(t, err, "Forbbiden.SubUser", "ram:GetRole", "SubUser", iam.DeniedByIdentityPolicy, "ExplicitDeny")
			}
			// The other role is still allowed.
			_, err := assume(u, arnOf("OpsRole"))
			must(t, err, "AssumeRole OpsRole")
		})
	}
	t.Run("Allow on the mixed-case name only", func(t *testing.T) {
		u := userWithPolicy(t, env, root, "allowmixed", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram::`+acct+`:role/AdminRole"}]}`)
		for _, asked := range []string{"AdminRole", "adminrole", "ADMINROLE"} {
			_, err := assume(u, arnOf(asked))
			must(t, err, "AssumeRole "+asked)
		}
		_, err := assume(u, arnOf("OpsRole"))
		wantDenied(t, err, "Forbbiden.SubUser", "sts:AssumeRole", "SubUser", iam.DeniedByIdentityPolicy, "ImplicitDeny")
	})
	t.Run("trust policy naming a role in mixed case", func(t *testing.T) {
		cred, err := assume(root, arnOf("opsrole"))
		must(t, err, "AssumeRole OpsRole")
		ops := tokenClients(t, cred)
		_, err = assume(ops, arnOf("Target"))
		must(t, err, "a session of OpsRole assumes Target")
		admin, err := assume(root, arnOf("AdminRole"))
		must(t, err, "AssumeRole AdminRole")
		_, err = assume(tokenClients(t, admin), arnOf("Target"))
		wantErr(t, err, "NoPermission", 403)
	})
}

// TestListTagResourcesPerItem: ListTagResources shows the tags of the
// resources the caller may list only, like the other lists.
func TestListTagResourcesPerItem(t *testing.T) {
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	f := newListFixture(t, env, root)
	tr := at(env, vpcv1.CreateTagResourcesRequest())
	tr.RegionId, tr.ResourceType = "cn-hangzhou", "VpnConnection"
	tr.ResourceId = &[]string{f.conns[0], f.conns[1]}
	tr.Tag = &[]vpcv1.TagResourcesTag{{Key: "env", Value: "prod"}}
	_, err := root.vpc.TagResources(tr)
	must(t, err, "TagResources")
	user := userWithPolicy(t, env, root, "tagreader", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:*","Resource":"*"},`+
		`{"Effect":"Deny","Action":"vpc:ListTagResources","Resource":"acs:vpc:*:*:vpnconnection/`+f.conns[0]+`"}]}`)
	list := func(c clients, ids ...string) ([]string, error) {
		req := at(env, vpcv1.CreateListTagResourcesRequest())
		req.RegionId, req.ResourceType = "cn-hangzhou", "VpnConnection"
		if len(ids) > 0 {
			req.ResourceId = &ids
		} else {
			req.Tag = &[]vpcv1.ListTagResourcesTag{{Key: "env", Value: "prod"}}
		}
		r, err := c.vpc.ListTagResources(req)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, tr := range r.TagResources.TagResource {
			out = append(out, tr.ResourceId)
		}
		sort.Strings(out)
		return out, nil
	}
	all, err := list(root)
	must(t, err, "ListTagResources as root")
	if len(all) != 2 {
		t.Fatalf("root sees %v", all)
	}
	got, err := list(user)
	must(t, err, "ListTagResources as the user")
	if len(got) != 1 || got[0] != f.conns[1] {
		t.Fatalf("user with a Deny on %s sees %v", f.conns[0], got)
	}
	_, err = list(user, f.conns[0])
	wantDenied(t, err, "Forbbiden.SubUser", "vpc:ListTagResources", "SubUser", iam.DeniedByIdentityPolicy, "ExplicitDeny")
}
