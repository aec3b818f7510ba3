package iam_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// The decision matrix: random identities with random policies call real
// actions through the real server with the official SDKs (V1 for RAM and,
// alternately, V1 or V2 with the V3 signature for VPC), and every outcome is
// compared with a brute-force reference evaluator written here, independent
// of internal/authz.

// refStatement is a statement as the reference evaluator sees it.
type refStatement struct {
	Effect   string
	Action   []string
	Resource []string
}

type refPolicy struct {
	Version   string
	Statement []refStatement
}

func (p refPolicy) doc() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// wildcard compiles a RAM pattern: '*' any run, '?' one character.
func wildcard(pattern string, fold bool) *regexp.Regexp {
	var b strings.Builder
	if fold {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// refEval returns "Allow", "ExplicitDeny" or "ImplicitDeny" for one set of
// policies, checking every statement of every policy.
func refEval(policies []refPolicy, action, resource string) string {
	allow, deny := false, false
	for _, p := range policies {
		for _, st := range p.Statement {
			am, rm := false, false
			for _, a := range st.Action {
				am = am || wildcard(a, true).MatchString(action)
			}
			for _, r := range st.Resource {
				rm = rm || wildcard(r, false).MatchString(resource)
			}
			if am && rm {
				if st.Effect == "Deny" {
					deny = true
				} else {
					allow = true
				}
			}
		}
	}
	switch {
	case deny:
		return "ExplicitDeny"
	case allow:
		return "Allow"
	}
	return "ImplicitDeny"
}

// expectation is the reference outcome of one call.
type expectation struct {
	allowed    bool
	code       string
	policyType string
	noPerm     string
}

func expectUser(identity []refPolicy, action, resource string) expectation {
	switch d := refEval(identity, action, resource); d {
	case "Allow":
		return expectation{allowed: true}
	default:
		return expectation{code: "Forbbiden.SubUser", policyType: iam.DeniedByIdentityPolicy, noPerm: d}
	}
}

func expectSession(role []refPolicy, session *refPolicy, action, resource string) expectation {
	d := refEval(role, action, resource)
	if d == "ExplicitDeny" {
		return expectation{code: "Forbidden", policyType: iam.DeniedByIdentityPolicy, noPerm: d}
	}
	if session != nil {
		if sd := refEval([]refPolicy{*session}, action, resource); sd != "Allow" {
			return expectation{code: "Forbidden", policyType: iam.DeniedBySessionPolicy, noPerm: sd}
		}
	}
	if d == "Allow" {
		return expectation{allowed: true}
	}
	return expectation{code: "Forbidden", policyType: iam.DeniedByIdentityPolicy, noPerm: d}
}

// outcome is what the server answered.
type outcome struct {
	allowed bool
	code    string
	status  int
	detail  map[string]any
}

func outcomeOf(err error) outcome {
	if err == nil {
		return outcome{allowed: true, status: 200}
	}
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		return outcome{code: se.ErrorCode(), status: se.HttpStatus(), detail: se.AccessDeniedDetail()}
	}
	var te *tea.SDKError
	if errors.As(err, &te) {
		return outcome{code: dara.StringValue(te.Code), status: dara.IntValue(te.StatusCode), detail: te.AccessDeniedDetail}
	}
	var de *dara.SDKError
	if errors.As(err, &de) {
		return outcome{code: dara.StringValue(de.Code), status: dara.IntValue(de.StatusCode), detail: de.AccessDeniedDetail}
	}
	return outcome{code: "client error: " + err.Error()}
}

// caller is one identity of the matrix with its clients.
type caller struct {
	name     string
	v1       clients
	v2       *vpc.Client
	user     bool
	identity []refPolicy // a user's policies, or the role's
	session  *refPolicy
}

func TestDecisionMatrix(t *testing.T) {
	const seed = 20261126
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	env := apptest.Start(t)
	root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	acct := env.App.Root.AccountID

	// Two connections to download.
	v2root := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	vp, err := v2root.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("192.168.0.0/16")})
	must(t, err, "CreateVpc")
	sw, err := v2root.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: region, VpcId: vp.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
	must(t, err, "CreateVSwitch")
	gw, err := v2root.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: vp.Body.VpcId, Bandwidth: dara.Int32(10), VSwitchId: sw.Body.VSwitchId})
	must(t, err, "CreateVpnGateway")
	var conns []string
	for i := range 2 {
		cgw, err := v2root.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: region, IpAddress: dara.String(fmt.Sprintf("198.51.100.%d", 10+i))})
		must(t, err, "CreateCustomerGateway")
		c, err := v2root.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: gw.Body.VpnGatewayId,
			CustomerGatewayId: cgw.Body.CustomerGatewayId, LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String(fmt.Sprintf("10.%d.0.0/16", 10+i))})
		must(t, err, "CreateVpnConnection")
		conns = append(conns, dara.StringValue(c.Body.VpnConnectionId))
	}
	cu := at(env, ram.CreateCreateUserRequest())
	cu.UserName = "target"
	_, err = root.ram.CreateUser(cu)
	must(t, err, "CreateUser target")

	actions := []string{"vpc:*", "vpc:Download*", "vpc:DownloadVpnConnectionConfig", "VPC:downloadvpnconnectionconfig",
		"vpc:Describe*", "vpc:DescribeVpnGateways", "vpc:DescribeRegions", "vpc:Describe?pnGateways", "ram:GetUser",
		"ram:Get*", "ram:*", "*", "vpc:Create*"}
	resources := []string{"*", "acs:vpc:*:*:vpnconnection/*", "acs:vpc:*:" + acct + ":vpnconnection/" + conns[0],
		"acs:vpc:cn-hangzhou:*:vpngateway/*", "acs:vpc:cn-shanghai:*:*", "acs:ram::" + acct + ":user/*",
		"acs:ram::*:user/target", "acs:ram::*:user/u1?", "acs:vpc:cn-hangzhou:" + acct + ":*"}
	pick := func(list []string, max int) []string {
		n := 1 + rng.IntN(max)
		out := make([]string, 0, n)
		for range n {
			out = append(out, list[rng.IntN(len(list))])
		}
		return out
	}
	randomPolicy := func() refPolicy {
		p := refPolicy{Version: "1"}
		for range 1 + rng.IntN(3) {
			effect := "Allow"
			if rng.IntN(10) < 3 {
				effect = "Deny"
			}
			p.Statement = append(p.Statement, refStatement{Effect: effect, Action: pick(actions, 2), Resource: pick(resources, 2)})
		}
		return p
	}
	policyN := 0
	createPolicy := func(p refPolicy) string {
		policyN++
		req := at(env, ram.CreateCreatePolicyRequest())
		req.PolicyName, req.PolicyDocument = fmt.Sprintf("p%d", policyN), p.doc()
		_, err := root.ram.CreatePolicy(req)
		must(t, err, "CreatePolicy "+req.PolicyDocument)
		return req.PolicyName
	}
	v2For := func(ak, secret, token string) *vpc.Client {
		cfg := &openapiutil.Config{AccessKeyId: dara.String(ak), AccessKeySecret: dara.String(secret), Endpoint: dara.String(env.Endpoint),
			Protocol: dara.String("HTTP"), RegionId: dara.String("cn-hangzhou")}
		if token != "" {
			cfg.SecurityToken = dara.String(token)
		}
		c, err := vpc.NewClient(cfg)
		must(t, err, "V2 client")
		return c
	}

	var callers []*caller
	for i := range 40 {
		name := fmt.Sprintf("u%d", i)
		cu := at(env, ram.CreateCreateUserRequest())
		cu.UserName = name
		_, err := root.ram.CreateUser(cu)
		must(t, err, "CreateUser")
		c := &caller{name: name, user: true}
		for range rng.IntN(4) { // 0-3 policies
			p := randomPolicy()
			ap := at(env, ram.CreateAttachPolicyToUserRequest())
			ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", createPolicy(p), name
			_, err := root.ram.AttachPolicyToUser(ap)
			must(t, err, "AttachPolicyToUser")
			c.identity = append(c.identity, p)
		}
		ck := at(env, ram.CreateCreateAccessKeyRequest())
		ck.UserName = name
		key, err := root.ram.CreateAccessKey(ck)
		must(t, err, "CreateAccessKey")
		c.v1 = keyClients(t, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
		c.v2 = v2For(key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret, "")
		callers = append(callers, c)
	}
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"` + acct + `"}}]}`
	for i := range 24 {
		name := fmt.Sprintf("r%d", i)
		cr := at(env, ram.CreateCreateRoleRequest())
		cr.RoleName, cr.AssumeRolePolicyDocument = name, trust
		_, err := root.ram.CreateRole(cr)
		must(t, err, "CreateRole")
		c := &caller{name: name}
		for range rng.IntN(4) {
			p := randomPolicy()
			ap := at(env, ram.CreateAttachPolicyToRoleRequest())
			ap.PolicyType, ap.PolicyName, ap.RoleName = "Custom", createPolicy(p), name
			_, err := root.ram.AttachPolicyToRole(ap)
			must(t, err, "AttachPolicyToRole")
			c.identity = append(c.identity, p)
		}
		as := at(env, sts.CreateAssumeRoleRequest())
		as.RoleArn, as.RoleSessionName = iam.RoleARN(acct, name), "m"+name
		if rng.IntN(2) == 0 {
			sp := randomPolicy()
			c.session = &sp
			as.Policy = sp.doc()
		}
		ares, err := root.sts.AssumeRole(as)
		must(t, err, "AssumeRole")
		cr2 := ares.Credentials
		c.v1 = tokenClients(t, cr2)
		c.v2 = v2For(cr2.AccessKeyId, cr2.AccessKeySecret, cr2.SecurityToken)
		callers = append(callers, c)
	}

	type call struct {
		name     string
		action   string
		resource string
		do       func(c *caller, v2 bool) error
	}
	download := func(id string) func(c *caller, v2 bool) error {
		return func(c *caller, v2 bool) error {
			if v2 {
				_, err := c.v2.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: region, VpnConnectionId: dara.String(id)})
				return err
			}
			_, err := c.v1.download(env, id)
			return err
		}
	}
	calls := []call{
		{"download c1", "vpc:DownloadVpnConnectionConfig", "acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/" + conns[0], download(conns[0])},
		{"download c2", "vpc:DownloadVpnConnectionConfig", "acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/" + conns[1], download(conns[1])},
		{"describe gateways", "vpc:DescribeVpnGateways", "acs:vpc:cn-hangzhou:" + acct + ":vpngateway/*", func(c *caller, v2 bool) error {
			if v2 {
				_, err := c.v2.DescribeVpnGateways(&vpc.DescribeVpnGatewaysRequest{RegionId: region})
				return err
			}
			_, err := c.v1.describeGateways(env)
			return err
		}},
		{"describe regions", "vpc:DescribeRegions", "*", func(c *caller, v2 bool) error {
			if v2 {
				_, err := c.v2.DescribeRegions(&vpc.DescribeRegionsRequest{})
				return err
			}
			_, err := c.v1.vpc.DescribeRegions(at(env, vpcv1.CreateDescribeRegionsRequest()))
			return err
		}},
		{"get user", "ram:GetUser", "acs:ram::" + acct + ":user/target", func(c *caller, _ bool) error {
			_, err := c.v1.getUser(env, "target")
			return err
		}},
	}

	cases, allowed, explicit, bySession, v2calls := 0, 0, 0, 0, 0
	for i, c := range callers {
		for j, cl := range calls {
			useV2 := (i+j)%2 == 1 && cl.name != "get user"
			if useV2 {
				v2calls++
			}
			var want expectation
			if c.user {
				want = expectUser(c.identity, cl.action, cl.resource)
			} else {
				want = expectSession(c.identity, c.session, cl.action, cl.resource)
			}
			got := outcomeOf(cl.do(c, useV2))
			cases++
			desc := func() string {
				var docs []string
				for _, p := range c.identity {
					docs = append(docs, p.doc())
				}
				s := fmt.Sprintf("%s %s (v2=%v) identity=%v", c.name, cl.name, useV2, docs)
				if c.session != nil {
					s += " session=" + c.session.doc()
				}
				return s
			}
			if want.allowed {
				allowed++
				if !got.allowed {
					t.Errorf("%s: denied with %s, want allowed", desc(), got.code)
				}
				continue
			}
			if want.noPerm == "ExplicitDeny" {
				explicit++
			}
			if want.policyType == iam.DeniedBySessionPolicy {
				bySession++
			}
			if got.allowed || got.code != want.code || got.status != 403 {
				t.Errorf("%s: got allowed=%v %s/%d, want %s/403", desc(), got.allowed, got.code, got.status, want.code)
				continue
			}
			for k, v := range map[string]string{"AuthAction": cl.action, "PolicyType": want.policyType, "NoPermissionType": want.noPerm} {
				if s, _ := got.detail[k].(string); s != v {
					t.Errorf("%s: AccessDeniedDetail.%s = %q, want %q", desc(), k, s, v)
				}
			}
		}
	}
	// Lists decide item by item: DescribeVpnConnections shows exactly the
	// connections the reference allows, and answers the list's 403 when
	// it allows none and refuses the list's ".../vpnconnection/*" too.
	listsRefused, listsPartial, listsFull := 0, 0, 0
	for i, c := range callers {
		useV2 := i%2 == 0
		expect := func(res string) expectation {
			if c.user {
				return expectUser(c.identity, "vpc:DescribeVpnConnections", res)
			}
			return expectSession(c.identity, c.session, "vpc:DescribeVpnConnections", res)
		}
		var want []string
		for _, id := range conns {
			if expect("acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/" + id).allowed {
				want = append(want, id)
			}
		}
		var got []string
		var err error
		if useV2 {
			var r *vpc.DescribeVpnConnectionsResponse
			if r, err = c.v2.DescribeVpnConnections(&vpc.DescribeVpnConnectionsRequest{RegionId: region}); err == nil {
				for _, it := range r.Body.VpnConnections.VpnConnection {
					got = append(got, dara.StringValue(it.VpnConnectionId))
				}
			}
		} else {
			req := at(env, vpcv1.CreateDescribeVpnConnectionsRequest())
			req.RegionId = "cn-hangzhou"
			var r *vpcv1.DescribeVpnConnectionsResponse
			if r, err = c.v1.vpc.DescribeVpnConnections(req); err == nil {
				for _, it := range r.VpnConnections.VpnConnection {
					got = append(got, it.VpnConnectionId)
				}
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		list := expect("acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/*")
		if len(want) == 0 && !list.allowed {
			listsRefused++
			o := outcomeOf(err)
			if o.allowed || o.code != list.code || o.status != 403 {
				t.Errorf("%s describe connections (v2=%v): got %v %s/%d, want %s/403", c.name, useV2, got, o.code, o.status, list.code)
			}
			continue
		}
		if len(want) == 1 {
			listsPartial++
		} else if len(want) == 2 {
			listsFull++
		}
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s describe connections (v2=%v): got %v (%v), want %v", c.name, useV2, got, err, want)
		}
	}
	t.Logf("DescribeVpnConnections: %d refused, %d showing one of the two connections, %d both", listsRefused, listsPartial, listsFull)
	if listsRefused < 5 || listsPartial < 1 || listsFull < 5 {
		t.Fatalf("list matrix too thin")
	}
	t.Logf("%d cases (%d through the V2 SDK): %d allowed, %d denied (%d explicitly, %d by a session policy)",
		cases, v2calls, allowed, cases-allowed, explicit, bySession)
	if cases < 300 || allowed < 30 || cases-allowed < 30 || explicit < 20 || bySession < 10 || v2calls < 100 {
		t.Fatalf("matrix too thin")
	}
}
