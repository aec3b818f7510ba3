// Package storetest is the conformance suite every store.Store backend
// passes: a backend's test calls Run with a function that opens a fresh,
// empty store, and CheckSealed with a function that dumps the raw stored
// rows.
package storetest

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Fixture identities.
const (
	Account      = "1000000000000001"
	OtherAccount = "1000000000000002"
	Region       = "cn-hangzhou"
	OtherRegion  = "cn-shanghai"
)

// scope is the fixture scope.
func scope() store.Scope { return store.Scope{AccountID: Account, RegionID: Region} }

// at is the creation time of fixture n: fixtures are created n seconds
// after a fixed base time, so that creation order is known.
func at(n int) time.Time {
	return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(n) * time.Second)
}

func pool(prefixes ...string) store.AddressPool {
	var p store.AddressPool
	for _, s := range prefixes {
		p = append(p, netip.MustParsePrefix(s))
	}
	return p
}

// Run runs the conformance suite; open must return a new, empty store for
// each call (it is called once per subtest) and arrange for it to be closed.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Accounts", testAccounts},
		{"AccessKeys", testAccessKeys},
		{"Vpcs", testVpcs},
		{"VSwitches", testVSwitches},
		{"Gateways", testGateways},
		{"GatewayPool", testGatewayPool},
		{"CustomerGateways", testCustomerGateways},
		{"Tags", testTags},
		{"RouteEntries", testRouteEntries},
		{"ConnectionSingleRoundTrip", testConnectionSingle},
		{"ConnectionDualRoundTrip", testConnectionDual},
		{"ConnectionRules", testConnectionRules},
		{"ConnectionUpdate", testConnectionUpdate},
		{"ConnectionList", testConnectionList},
		{"Paging", testPaging},
		{"Idempotency", testIdempotency},
		{"Scoping", testScoping},
		{"Nonces", testNonces},
		{"SessionRevocations", testSessionRevocations},
		{"ConcurrentGatewayAllocation", testConcurrentAllocation},
		{"ConcurrentClientToken", testConcurrentToken},
		{"ConcurrentDeleteGatewayCreateConnection", testConcurrentDeleteCreate},
		{"ConcurrentDeleteCustomerGatewayCreateConnection", testConcurrentDeleteCgwCreate},
		{"ConcurrentCustomerGateways", ConcurrentCustomerGateways},
		{"ConcurrentReadUpdate", testConcurrentReadUpdate},
		{"AtomicCreate", testAtomicCreate},
		{"Quotas", testQuotas},
		// store.IAMStore, in iam.go.
		{"IAMUsers", iamTest(testIAMUsers)},
		{"IAMPolicies", iamTest(testIAMPolicies)},
		{"IAMPolicyVersions", iamTest(testIAMPolicyVersions)},
		{"IAMRoles", iamTest(testIAMRoles)},
		{"IAMAttachments", iamTest(testIAMAttachments)},
		{"IAMConcurrentCreateUser", iamTest(testIAMConcurrentCreateUser)},
		{"IAMDeleteRules", iamTest(testIAMDeleteRules)},
		{"IAMAttachmentLimits", iamTest(testIAMAttachmentLimits)},
		{"IAMConcurrentDeleteUser", iamTest(testIAMConcurrentDeleteUser)},
		{"IAMConcurrentDeleteRole", iamTest(testIAMConcurrentDeleteRole)},
		// Cache generations, in generations.go.
		{"CacheGenerations", iamTest(testGenerations)},
		// store.AgentStore, in agent.go.
		{"AgentGenerations", testAgentGenerations},
		{"AgentStatus", testAgentStatus},
		{"AgentHeartbeats", testAgentHeartbeats},
		{"AgentLogs", testAgentLogs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// Assertions on typed errors.

func wantNotFound(t *testing.T, err error, kind store.Kind, id string) {
	t.Helper()
	var nf *store.NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want *store.NotFoundError{%s %s}", err, kind, id)
	}
	if nf.Kind != kind || nf.ID != id {
		t.Fatalf("NotFoundError = {%s %s}, want {%s %s}", nf.Kind, nf.ID, kind, id)
	}
}

func wantInUse(t *testing.T, err error, kind store.Kind, id string) {
	t.Helper()
	var e *store.InUseError
	if !errors.As(err, &e) || !errors.Is(err, store.ErrInUse) {
		t.Fatalf("err = %v, want *store.InUseError{%s %s}", err, kind, id)
	}
	if e.Kind != kind || e.ID != id {
		t.Fatalf("InUseError = {%s %s}, want {%s %s}", e.Kind, e.ID, kind, id)
	}
}

func wantDuplicate(t *testing.T, err error, rule store.Rule, id string) {
	t.Helper()
	var e *store.DuplicateError
	if !errors.As(err, &e) || !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("err = %v, want *store.DuplicateError{%s %s}", err, rule, id)
	}
	if e.Rule != rule || e.ID != id {
		t.Fatalf("DuplicateError = {%s %s}, want {%s %s}", e.Rule, e.ID, rule, id)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// Fixtures.

// RG is the resource group of the fixtures.
const RG = "rg-acfmfixture0001"

func vpcFix(n int, account, region string) vpn.Vpc {
	suffix := fmt.Sprintf("%s%03d", account[len(account)-2:], n)
	return vpn.Vpc{
		AccountID: account, RegionID: region, VpcID: "vpc-" + suffix, VRouterID: "vrt-" + suffix, RouteTableID: "vtb-" + suffix,
		ResourceGroupID: RG, VpcName: fmt.Sprintf("vpc %d", n), Description: "d", CidrBlock: "192.168.0.0/16", Status: "Available",
		CreatedAt: at(n),
	}
}

func mkVpc(t *testing.T, s store.Store, n int) vpn.Vpc {
	t.Helper()
	v := vpcFix(n, Account, Region)
	if _, err := s.CreateVpc(t.Context(), v, store.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	return v
}

func gwFix(n int, vpcID string, dual bool) vpn.Gateway {
	g := vpn.Gateway{
		AccountID: Account, RegionID: Region, VpnGatewayID: fmt.Sprintf("vpn-%03d", n), VpcID: vpcID,
		VSwitchID: "vsw-a", Name: fmt.Sprintf("gw %d", n), Description: "gateway", Bandwidth: 10, EnableIpsec: true,
		NetworkType: "public", VpnType: "Normal", InstanceChargeType: "POSTPAY", Status: "active", BusinessStatus: "Normal",
		OrderID: "order-1", ResourceGroupID: RG, SslConnections: int64(n % 2 * 5), EnableSsl: n%2 == 1, CreatedAt: at(n),
	}
	if dual {
		g.DisasterRecoveryVSwitchID = "vsw-b"
	}
	return g
}

// mkGateway creates a VPC n and its gateway n and returns the stored gateway.
func mkGateway(t *testing.T, s store.Store, n int, dual bool) vpn.Gateway {
	t.Helper()
	v := mkVpc(t, s, n)
	g := gwFix(n, v.VpcID, dual)
	if _, err := s.CreateGateway(t.Context(), g, pool("203.0.113.0/24"), store.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetGateway(t.Context(), scope(), g.VpnGatewayID)
	must(t, err)
	return got
}

func cgwFix(n int) vpn.CustomerGateway {
	return vpn.CustomerGateway{
		AccountID: Account, RegionID: Region, CustomerGatewayID: fmt.Sprintf("cgw-%03d", n), Name: fmt.Sprintf("cgw %d", n),
		Description: "dc", IPAddress: fmt.Sprintf("198.51.100.%d", n), Asn: 65000 + int64(n), AuthKey: "",
		ResourceGroupID: RG, CreatedAt: at(n),
	}
}

func mkCgw(t *testing.T, s store.Store, n int) vpn.CustomerGateway {
	t.Helper()
	c := cgwFix(n)
	if _, err := s.CreateCustomerGateway(t.Context(), c, store.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// SingleConnection returns a full single-tunnel connection fixture with BGP,
// health check and tags.
func SingleConnection(id, gatewayID, cgwID, psk string) vpn.Connection {
	return vpn.Connection{
		AccountID: Account, RegionID: Region, VpnConnectionID: id, VpnGatewayID: gatewayID, CustomerGatewayID: cgwID,
		Name: "conn " + id, LocalSubnet: "10.0.0.0/24,10.0.1.0/24", RemoteSubnet: "172.16.0.0/16", EffectImmediately: true,
		EnableDpd: true, EnableNatTraversal: true, AutoConfigRoute: true,
		Ike: vpn.IkeConfig{Psk: psk, IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "sha256",
			IkePfs: "group14", IkeLifetime: 86400, LocalID: "203.0.113.1", RemoteID: "198.51.100.1"},
		Ipsec:       vpn.IpsecConfig{IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "group14", IpsecLifetime: 3600},
		Bgp:         vpn.BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: "169.254.10.0/30", LocalBgpIP: "169.254.10.1"},
		HealthCheck: vpn.HealthCheckConfig{Enable: true, Sip: "10.0.0.1", Dip: "172.16.0.1", Interval: 3, Retry: 3, Policy: "revoke_route"},
		Tags:        []vpn.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "net"}},
		Status:      "ike_sa_not_established", State: "active", ClientToken: "tok-" + id, CreatedAt: at(100), ResourceGroupID: RG,
	}
}

// DualConnection returns a full dual-tunnel connection fixture.
func DualConnection(id, gatewayID, cgw1, cgw2, psk1, psk2 string) vpn.Connection {
	tun := func(n int, role, cgw, psk string) vpn.Tunnel {
		return vpn.Tunnel{
			TunnelID: fmt.Sprintf("tun-%s-%d", id, n), Role: role, CustomerGatewayID: cgw, EnableDpd: true, EnableNatTraversal: n == 1,
			Ike: vpn.IkeConfig{Psk: psk, IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha1", IkePfs: "group2",
				IkeLifetime: 86400, LocalID: fmt.Sprintf("203.0.113.%d", n), RemoteID: "dc"},
			Ipsec:  vpn.IpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "sha1", IpsecPfs: "group2", IpsecLifetime: 86400},
			Bgp:    vpn.BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: fmt.Sprintf("169.254.%d.0/30", 20+n), LocalBgpIP: fmt.Sprintf("169.254.%d.1", 20+n)},
			Status: "ike_sa_not_established", State: "active",
		}
	}
	return vpn.Connection{
		AccountID: Account, RegionID: Region, VpnConnectionID: id, VpnGatewayID: gatewayID, Name: "dual " + id,
		LocalSubnet: "10.0.0.0/24", RemoteSubnet: "172.16.0.0/16", EnableTunnelsBgp: true,
		Tunnels: []vpn.Tunnel{tun(1, "master", cgw1, psk1), tun(2, "slave", cgw2, psk2)},
		Tags:    []vpn.Tag{{Key: "k", Value: "v"}},
		Status:  "ike_sa_not_established", State: "active", CreatedAt: at(101), ResourceGroupID: RG,
	}
}

func testAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	a1 := iam.Account{AccountID: Account, Name: "first", CreatedAt: at(1)}
	a2 := iam.Account{AccountID: OtherAccount, Name: "second", CreatedAt: at(2)}
	must(t, s.CreateAccount(ctx, a2))
	must(t, s.CreateAccount(ctx, a1))
	got, err := s.GetAccount(ctx, Account)
	must(t, err)
	diff(t, "GetAccount", got, a1)
	list, err := s.ListAccounts(ctx)
	must(t, err)
	diff(t, "ListAccounts", list, []iam.Account{a1, a2})
	wantDuplicate(t, s.CreateAccount(ctx, a1), "AccountId", Account)
	_, err = s.GetAccount(ctx, "9999")
	wantNotFound(t, err, "Account", "9999")

	// A zero CreatedAt is set to the time of the create.
	before := time.Now().Add(-time.Second)
	must(t, s.CreateAccount(ctx, iam.Account{AccountID: "1000000000000003", Name: "third"}))
	got, err = s.GetAccount(ctx, "1000000000000003")
	must(t, err)
	if got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("CreatedAt = %v, want about now", got.CreatedAt)
	}
}

func testAccessKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, s.CreateAccount(ctx, iam.Account{AccountID: Account, Name: "a", CreatedAt: at(0)}))
	root := iam.AccessKey{AccessKeyID: "LTAIroot0001", Secret: "root-secret-1", AccountID: Account, Status: iam.KeyActive, CreatedAt: at(1)}
	root2 := iam.AccessKey{AccessKeyID: "LTAIroot0002", Secret: "root-secret-2", AccountID: Account, Status: iam.KeyActive, CreatedAt: at(2)}
	user := iam.AccessKey{AccessKeyID: "LTAIuser0001", Secret: "user-secret", AccountID: Account, UserName: "alice", Status: iam.KeyActive, CreatedAt: at(3)}
	must(t, s.CreateUser(ctx, userFix(Account, "alice", 1)))
	for _, k := range []iam.AccessKey{root2, user, root} {
		must(t, s.CreateAccessKey(ctx, k))
	}
	got, err := s.GetAccessKey(ctx, root.AccessKeyID)
	must(t, err)
	diff(t, "GetAccessKey", got, root)

	list, err := s.ListAccessKeys(ctx, Account, "")
	must(t, err)
	noSecret := func(k iam.AccessKey) iam.AccessKey { k.Secret = ""; return k }
	diff(t, "ListAccessKeys root", list, []iam.AccessKey{noSecret(root), noSecret(root2)})
	list, err = s.ListAccessKeys(ctx, Account, "alice")
	must(t, err)
	diff(t, "ListAccessKeys alice", list, []iam.AccessKey{noSecret(user)})
	list, err = s.ListAccessKeys(ctx, OtherAccount, "")
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("ListAccessKeys other account = %v, want none", list)
	}

	wantDuplicate(t, s.CreateAccessKey(ctx, root), "AccessKeyId", root.AccessKeyID)
	wantNotFound(t, s.CreateAccessKey(ctx, iam.AccessKey{AccessKeyID: "LTAIx", Secret: "s", AccountID: "nope", Status: iam.KeyActive}), "Account", "nope")

	must(t, s.SetAccessKeyStatus(ctx, root.AccessKeyID, iam.KeyInactive))
	got, err = s.GetAccessKey(ctx, root.AccessKeyID)
	must(t, err)
	if got.Status != iam.KeyInactive || got.Secret != root.Secret {
		t.Fatalf("after SetAccessKeyStatus: %+v", got)
	}
	wantNotFound(t, s.SetAccessKeyStatus(ctx, "LTAInone", iam.KeyActive), "AccessKey", "LTAInone")

	must(t, s.DeleteAccessKey(ctx, root.AccessKeyID))
	_, err = s.GetAccessKey(ctx, root.AccessKeyID)
	wantNotFound(t, err, "AccessKey", root.AccessKeyID)
	wantNotFound(t, s.DeleteAccessKey(ctx, root.AccessKeyID), "AccessKey", root.AccessKeyID)
}

func testVpcs(t *testing.T, s store.Store) {
	ctx := t.Context()
	v := vpcFix(1, Account, Region)
	c, err := s.CreateVpc(ctx, v, store.Idempotency{})
	must(t, err)
	diff(t, "Created", c, store.Created{ID: v.VpcID})
	got, err := s.GetVpc(ctx, scope(), v.VpcID)
	must(t, err)
	diff(t, "GetVpc", got, v)
	_, err = s.GetVpc(ctx, scope(), "vpc-none")
	wantNotFound(t, err, "Vpc", "vpc-none")

	v2 := vpcFix(2, Account, Region)
	v2.VpcName = "other"
	_, err = s.CreateVpc(ctx, v2, store.Idempotency{})
	must(t, err)
	_, err = s.CreateVpc(ctx, v, store.Idempotency{})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("CreateVpc same id: err = %v, want ErrDuplicate", err)
	}

	list, total, err := s.ListVpcs(ctx, scope(), store.VpcFilter{VpcName: "other"}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "ListVpcs by name", list, []vpn.Vpc{v2})
	if total != 1 {
		t.Fatalf("total = %d, want 1", total)
	}

	// Tags, route table and vRouter ids and resource groups come back and
	// filter.
	v3 := vpcFix(3, Account, Region)
	v3.VRouterID, v3.RouteTableID, v3.ResourceGroupID = "", "", "rg-other"
	v3.Tags = []vpn.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: ""}}
	_, err = s.CreateVpc(ctx, v3, store.Idempotency{})
	must(t, err)
	v3.VRouterID, v3.RouteTableID = "vrt-01003", "vtb-01003" // derived from the VPC id when not given
	got, err = s.GetVpc(ctx, scope(), v3.VpcID)
	must(t, err)
	diff(t, "GetVpc with tags", got, v3)
	for _, tc := range []struct {
		name string
		f    store.VpcFilter
		want []vpn.Vpc
	}{
		{"route table", store.VpcFilter{RouteTableID: v2.RouteTableID}, []vpn.Vpc{v2}},
		{"vrouter", store.VpcFilter{VRouterID: "vrt-01003"}, []vpn.Vpc{v3}},
		{"group", store.VpcFilter{ResourceGroupID: RG}, []vpn.Vpc{v, v2}},
		{"other group", store.VpcFilter{ResourceGroupID: "rg-other"}, []vpn.Vpc{v3}},
		{"default group", store.VpcFilter{ResourceGroupID: vpn.DefaultResourceGroupID(Account)}, nil},
	} {
		list, total, err := s.ListVpcs(ctx, scope(), tc.f, store.Page{Number: 1, Size: 10})
		must(t, err)
		diff(t, "ListVpcs "+tc.name, list, tc.want)
		if total != len(tc.want) {
			t.Fatalf("ListVpcs %s: total = %d, want %d", tc.name, total, len(tc.want))
		}
	}

	// UpdateVpc writes name, description and block; the block must keep
	// every vSwitch.
	upd := v3
	upd.VpcName, upd.Description, upd.CidrBlock = "renamed", "new", "192.168.0.0/20"
	must(t, s.UpdateVpc(ctx, upd))
	got, err = s.GetVpc(ctx, scope(), v3.VpcID)
	must(t, err)
	diff(t, "updated VPC", got, upd)
	_, err = s.CreateVSwitch(ctx, vpn.VSwitch{AccountID: Account, RegionID: Region, VSwitchID: "vsw-3", VpcID: v3.VpcID, ZoneID: "z",
		CidrBlock: "192.168.8.0/24", Status: "Available", CreatedAt: at(4)}, store.Idempotency{})
	must(t, err)
	shrunk := upd
	shrunk.CidrBlock = "192.168.0.0/21"
	wantInUse(t, s.UpdateVpc(ctx, shrunk), "VSwitch", "vsw-3")
	gone := upd
	gone.VpcID = "vpc-none"
	wantNotFound(t, s.UpdateVpc(ctx, gone), "Vpc", "vpc-none")
	other := upd
	other.AccountID = OtherAccount
	wantNotFound(t, s.UpdateVpc(ctx, other), "Vpc", upd.VpcID)
	must(t, s.DeleteVSwitch(ctx, scope(), "vsw-3"))
	must(t, s.DeleteVpc(ctx, scope(), v3.VpcID))

	// In use by a vSwitch, then by a gateway.
	sw := vpn.VSwitch{AccountID: Account, RegionID: Region, VSwitchID: "vsw-1", VpcID: v.VpcID, ZoneID: "z", CidrBlock: "192.168.1.0/24", Status: "Available", ResourceGroupID: RG, CreatedAt: at(3)}
	_, err = s.CreateVSwitch(ctx, sw, store.Idempotency{})
	must(t, err)
	wantInUse(t, s.DeleteVpc(ctx, scope(), v.VpcID), "VSwitch", "vsw-1")
	must(t, s.DeleteVSwitch(ctx, scope(), "vsw-1"))
	_, err = s.CreateGateway(ctx, gwFix(1, v.VpcID, false), pool("203.0.113.0/24"), store.Idempotency{})
	must(t, err)
	wantInUse(t, s.DeleteVpc(ctx, scope(), v.VpcID), "VpnGateway", "vpn-001")
	must(t, s.DeleteGateway(ctx, scope(), "vpn-001"))
	must(t, s.DeleteVpc(ctx, scope(), v.VpcID))
	_, err = s.GetVpc(ctx, scope(), v.VpcID)
	wantNotFound(t, err, "Vpc", v.VpcID)
	wantNotFound(t, s.DeleteVpc(ctx, scope(), v.VpcID), "Vpc", v.VpcID)
}

func testVSwitches(t *testing.T, s store.Store) {
	ctx := t.Context()
	v := mkVpc(t, s, 1)
	sw := func(n int, zone string) vpn.VSwitch {
		return vpn.VSwitch{AccountID: Account, RegionID: Region, VSwitchID: fmt.Sprintf("vsw-%d", n), VpcID: v.VpcID, ZoneID: zone,
			CidrBlock: fmt.Sprintf("192.168.%d.0/24", n), VSwitchName: fmt.Sprintf("sw%d", n), Description: "x", Status: "Available",
			ResourceGroupID: RG, Tags: []vpn.Tag{{Key: "sw", Value: strconv.Itoa(n)}}, CreatedAt: at(10 + n)}
	}
	a, b := sw(1, "cn-hangzhou-h"), sw(2, "cn-hangzhou-i")
	for _, x := range []vpn.VSwitch{b, a} {
		c, err := s.CreateVSwitch(ctx, x, store.Idempotency{})
		must(t, err)
		diff(t, "Created", c, store.Created{ID: x.VSwitchID})
	}
	got, err := s.GetVSwitch(ctx, scope(), a.VSwitchID)
	must(t, err)
	diff(t, "GetVSwitch", got, a)

	missing := sw(3, "z")
	missing.VpcID = "vpc-gone"
	_, err = s.CreateVSwitch(ctx, missing, store.Idempotency{})
	wantNotFound(t, err, "Vpc", "vpc-gone")

	for _, tc := range []struct {
		name  string
		f     store.VSwitchFilter
		want  []vpn.VSwitch
		total int
	}{
		{"all", store.VSwitchFilter{}, []vpn.VSwitch{a, b}, 2},
		{"zone", store.VSwitchFilter{ZoneID: "cn-hangzhou-i"}, []vpn.VSwitch{b}, 1},
		{"vpc", store.VSwitchFilter{VpcID: v.VpcID}, []vpn.VSwitch{a, b}, 2},
		{"other vpc", store.VSwitchFilter{VpcID: "vpc-x"}, nil, 0},
		{"ids", store.VSwitchFilter{IDs: []string{"vsw-2", "vsw-9"}}, []vpn.VSwitch{b}, 1},
		{"group", store.VSwitchFilter{ResourceGroupID: RG}, []vpn.VSwitch{a, b}, 2},
		{"other group", store.VSwitchFilter{ResourceGroupID: "rg-x"}, nil, 0},
		{"name", store.VSwitchFilter{VSwitchName: b.VSwitchName}, []vpn.VSwitch{b}, 1},
		{"other name", store.VSwitchFilter{VSwitchName: "sw9"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListVSwitches(ctx, scope(), tc.f, store.Page{Number: 1, Size: 50})
			must(t, err)
			diff(t, "ListVSwitches", list, tc.want)
			if total != tc.total {
				t.Fatalf("total = %d, want %d", total, tc.total)
			}
		})
	}

	upd := a
	upd.VSwitchName, upd.Description = "renamed", "new"
	upd.CidrBlock = "10.9.9.0/24" // not written
	must(t, s.UpdateVSwitch(ctx, upd))
	got, err = s.GetVSwitch(ctx, scope(), a.VSwitchID)
	must(t, err)
	upd.CidrBlock = a.CidrBlock
	diff(t, "updated vSwitch", got, upd)
	upd.VSwitchID = "vsw-none"
	wantNotFound(t, s.UpdateVSwitch(ctx, upd), "VSwitch", "vsw-none")

	g := gwFix(1, v.VpcID, true)
	g.VSwitchID, g.DisasterRecoveryVSwitchID = "vsw-1", "vsw-2"
	_, err = s.CreateGateway(ctx, g, pool("203.0.113.0/24"), store.Idempotency{})
	must(t, err)
	wantInUse(t, s.DeleteVSwitch(ctx, scope(), "vsw-2"), "VpnGateway", g.VpnGatewayID)
	must(t, s.DeleteGateway(ctx, scope(), g.VpnGatewayID))
	must(t, s.DeleteVSwitch(ctx, scope(), "vsw-2"))
	_, err = s.GetVSwitch(ctx, scope(), "vsw-2")
	wantNotFound(t, err, "VSwitch", "vsw-2")
	wantNotFound(t, s.DeleteVSwitch(ctx, scope(), "vsw-2"), "VSwitch", "vsw-2")
}

func testGateways(t *testing.T, s store.Store) {
	ctx := t.Context()
	v1, v2 := mkVpc(t, s, 1), mkVpc(t, s, 2)
	p := pool("192.0.2.0/29")
	g1 := gwFix(1, v1.VpcID, false)
	g1.Tags = []vpn.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: ""}}
	c, err := s.CreateGateway(ctx, g1, p, store.Idempotency{})
	must(t, err)
	diff(t, "Created", c, store.Created{ID: g1.VpnGatewayID})
	got, err := s.GetGateway(ctx, scope(), g1.VpnGatewayID)
	must(t, err)
	want := g1
	want.InternetIP = "192.0.2.1" // .0 is the network address
	diff(t, "GetGateway", got, want)

	g2 := gwFix(2, v2.VpcID, true)
	_, err = s.CreateGateway(ctx, g2, p, store.Idempotency{})
	must(t, err)
	got2, err := s.GetGateway(ctx, scope(), g2.VpnGatewayID)
	must(t, err)
	want2 := g2
	want2.InternetIP, want2.DisasterRecoveryInternetIP = "192.0.2.2", "192.0.2.3"
	diff(t, "GetGateway dual", got2, want2)

	// One gateway per VPC; the VPC must exist.
	dup := gwFix(3, v1.VpcID, false)
	_, err = s.CreateGateway(ctx, dup, p, store.Idempotency{})
	wantDuplicate(t, err, "VpcGateway", g1.VpnGatewayID)
	_, err = s.CreateGateway(ctx, gwFix(4, "vpc-gone", false), p, store.Idempotency{})
	wantNotFound(t, err, "Vpc", "vpc-gone")

	list, total, err := s.ListGateways(ctx, scope(), store.GatewayFilter{}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "ListGateways", list, []vpn.Gateway{want, want2})
	if total != 2 {
		t.Fatalf("total = %d", total)
	}
	list, total, err = s.ListGateways(ctx, scope(), store.GatewayFilter{VpcID: v2.VpcID}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "ListGateways by VPC", list, []vpn.Gateway{want2})
	list, _, err = s.ListGateways(ctx, scope(), store.GatewayFilter{IDs: []string{g1.VpnGatewayID}}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "ListGateways by id", list, []vpn.Gateway{want})
	if total != 1 {
		t.Fatalf("total = %d", total)
	}
	// Status filters in the query: the total counts what matches, and a
	// page past the matches is empty.
	for _, tc := range []struct {
		status string
		page   store.Page
		want   []vpn.Gateway
		total  int
	}{
		{"active", store.Page{Number: 1, Size: 1}, []vpn.Gateway{want}, 2},
		{"active", store.Page{Number: 2, Size: 1}, []vpn.Gateway{want2}, 2},
		{"init", store.Page{Number: 1, Size: 10}, nil, 0},
	} {
		list, total, err = s.ListGateways(ctx, scope(), store.GatewayFilter{Status: tc.status}, tc.page)
		must(t, err)
		diff(t, "ListGateways Status="+tc.status, list, tc.want)
		if total != tc.total {
			t.Fatalf("Status=%s: total = %d, want %d", tc.status, total, tc.total)
		}
	}

	_, err = s.GetGateway(ctx, scope(), "vpn-none")
	wantNotFound(t, err, "VpnGateway", "vpn-none")
	wantNotFound(t, s.DeleteGateway(ctx, scope(), "vpn-none"), "VpnGateway", "vpn-none")

	// In use while it has a connection.
	cg := mkCgw(t, s, 1)
	_, err = s.CreateConnection(ctx, SingleConnection("vco-1", g1.VpnGatewayID, cg.CustomerGatewayID, "k"), store.Idempotency{})
	must(t, err)
	wantInUse(t, s.DeleteGateway(ctx, scope(), g1.VpnGatewayID), "VpnConnection", "vco-1")

	// UpdateGateway writes name, description and AutoPropagate only.
	upd, err := s.GetGateway(ctx, scope(), g1.VpnGatewayID)
	must(t, err)
	upd.Name, upd.Description, upd.AutoPropagate, upd.Bandwidth = "renamed", "new", true, 500
	must(t, s.UpdateGateway(ctx, upd))
	got, err = s.GetGateway(ctx, scope(), g1.VpnGatewayID)
	must(t, err)
	upd.Bandwidth = got.Bandwidth
	diff(t, "updated gateway", got, upd)
	upd.VpnGatewayID = "vpn-none"
	wantNotFound(t, s.UpdateGateway(ctx, upd), "VpnGateway", "vpn-none")

	// MoveResourceGroup: a gateway takes its connections along.
	must(t, s.MoveResourceGroup(ctx, scope(), store.KindVpnGateway, g1.VpnGatewayID, "rg-moved"))
	got, _ = s.GetGateway(ctx, scope(), g1.VpnGatewayID)
	conn, _ := s.GetConnection(ctx, scope(), "vco-1")
	if got.ResourceGroupID != "rg-moved" || conn.ResourceGroupID != "rg-moved" {
		t.Fatalf("after move: gateway %q, connection %q", got.ResourceGroupID, conn.ResourceGroupID)
	}
	must(t, s.MoveResourceGroup(ctx, scope(), store.KindCustomerGateway, cg.CustomerGatewayID, "rg-cg"))
	if c, _ := s.GetCustomerGateway(ctx, scope(), cg.CustomerGatewayID); c.ResourceGroupID != "rg-cg" {
		t.Fatalf("customer gateway group %q", c.ResourceGroupID)
	}
	wantNotFound(t, s.MoveResourceGroup(ctx, store.Scope{AccountID: OtherAccount, RegionID: Region}, store.KindVpnGateway, g1.VpnGatewayID, "rg-x"), store.KindVpnGateway, g1.VpnGatewayID)
	if l, n, err := s.ListConnections(ctx, scope(), store.ConnectionFilter{ResourceGroupID: "rg-moved"}, store.Page{Number: 1, Size: 10}); err != nil || n != 1 || l[0].VpnConnectionID != "vco-1" {
		t.Fatalf("connections of the moved group: %v %d %v", l, n, err)
	}
	must(t, s.DeleteConnection(ctx, scope(), "vco-1"))
	must(t, s.DeleteGateway(ctx, scope(), g1.VpnGatewayID))
	_, err = s.GetGateway(ctx, scope(), g1.VpnGatewayID)
	wantNotFound(t, err, "VpnGateway", g1.VpnGatewayID)
}

func testGatewayPool(t *testing.T, s store.Store) {
	ctx := t.Context()
	// 192.0.2.0/30 has two usable addresses (.1, .2); 198.51.100.7/32 one.
	p := pool("192.0.2.0/30", "198.51.100.7/32")
	var ids []string
	for n := 1; n <= 4; n++ {
		mkVpc(t, s, n)
	}
	for n, wantIP := range []string{"192.0.2.1", "192.0.2.2", "198.51.100.7"} {
		g := gwFix(n+1, vpcFix(n+1, Account, Region).VpcID, false)
		_, err := s.CreateGateway(ctx, g, p, store.Idempotency{})
		must(t, err)
		got, err := s.GetGateway(ctx, scope(), g.VpnGatewayID)
		must(t, err)
		if got.InternetIP != wantIP {
			t.Fatalf("gateway %d InternetIP = %s, want %s", n+1, got.InternetIP, wantIP)
		}
		ids = append(ids, g.VpnGatewayID)
	}
	g4 := gwFix(4, vpcFix(4, Account, Region).VpcID, false)
	_, err := s.CreateGateway(ctx, g4, p, store.Idempotency{})
	if !errors.Is(err, store.ErrPoolExhausted) {
		t.Fatalf("CreateGateway on a full pool: err = %v, want ErrPoolExhausted", err)
	}
	// A dual-tunnel gateway needs two addresses: one free is not enough.
	must(t, s.DeleteGateway(ctx, scope(), ids[1]))
	_, err = s.CreateGateway(ctx, gwFix(4, vpcFix(4, Account, Region).VpcID, true), p, store.Idempotency{})
	if !errors.Is(err, store.ErrPoolExhausted) {
		t.Fatalf("dual gateway with one free address: err = %v, want ErrPoolExhausted", err)
	}
	// Deleting frees the address; it is handed out again.
	_, err = s.CreateGateway(ctx, g4, p, store.Idempotency{})
	must(t, err)
	got, err := s.GetGateway(ctx, scope(), g4.VpnGatewayID)
	must(t, err)
	if got.InternetIP != "192.0.2.2" {
		t.Fatalf("reused address = %s, want 192.0.2.2", got.InternetIP)
	}
	// A failed create leaves nothing behind.
	_, err = s.GetGateway(ctx, scope(), "vpn-004x")
	wantNotFound(t, err, "VpnGateway", "vpn-004x")
}

func testCustomerGateways(t *testing.T, s store.Store) {
	ctx := t.Context()
	c1 := cgwFix(1)
	c1.Tags = []vpn.Tag{{Key: "site", Value: "bj"}}
	c1.AuthKey = "bgp-md5"
	c2 := cgwFix(2)
	for _, c := range []vpn.CustomerGateway{c2, c1} {
		cr, err := s.CreateCustomerGateway(ctx, c, store.Idempotency{})
		must(t, err)
		diff(t, "Created", cr, store.Created{ID: c.CustomerGatewayID})
	}
	got, err := s.GetCustomerGateway(ctx, scope(), c1.CustomerGatewayID)
	must(t, err)
	diff(t, "GetCustomerGateway", got, c1)

	dup := cgwFix(3)
	dup.IPAddress = c1.IPAddress
	_, err = s.CreateCustomerGateway(ctx, dup, store.Idempotency{})
	wantDuplicate(t, err, "CustomerGatewayIp", c1.CustomerGatewayID)
	// The same IP in another account or region is fine.
	other := dup
	other.AccountID = OtherAccount
	_, err = s.CreateCustomerGateway(ctx, other, store.Idempotency{})
	must(t, err)
	other.CustomerGatewayID, other.AccountID, other.RegionID = "cgw-900", Account, OtherRegion
	_, err = s.CreateCustomerGateway(ctx, other, store.Idempotency{})
	must(t, err)

	list, total, err := s.ListCustomerGateways(ctx, scope(), store.CustomerGatewayFilter{}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "ListCustomerGateways", list, []vpn.CustomerGateway{c1, c2})
	if total != 2 {
		t.Fatalf("total = %d", total)
	}
	list, total, err = s.ListCustomerGateways(ctx, scope(), store.CustomerGatewayFilter{IDs: []string{c2.CustomerGatewayID}}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "ListCustomerGateways by id", list, []vpn.CustomerGateway{c2})
	if total != 1 {
		t.Fatalf("total = %d", total)
	}

	// Update.
	up := c1
	up.Name, up.Description, up.Asn, up.Tags = "renamed", "new", 65100, []vpn.Tag{{Key: "x", Value: "y"}}
	up.CreatedAt = at(999) // ignored: creation time is kept
	must(t, s.UpdateCustomerGateway(ctx, up))
	got, err = s.GetCustomerGateway(ctx, scope(), c1.CustomerGatewayID)
	must(t, err)
	up.CreatedAt = c1.CreatedAt
	diff(t, "after update", got, up)
	clash := up
	clash.IPAddress = c2.IPAddress
	wantDuplicate(t, s.UpdateCustomerGateway(ctx, clash), "CustomerGatewayIp", c2.CustomerGatewayID)
	gone := cgwFix(50)
	wantNotFound(t, s.UpdateCustomerGateway(ctx, gone), "CustomerGateway", gone.CustomerGatewayID)

	// In use by a single-tunnel connection and by a tunnel.
	g := mkGateway(t, s, 1, false)
	_, err = s.CreateConnection(ctx, SingleConnection("vco-1", g.VpnGatewayID, c1.CustomerGatewayID, "k"), store.Idempotency{})
	must(t, err)
	wantInUse(t, s.DeleteCustomerGateway(ctx, scope(), c1.CustomerGatewayID), "VpnConnection", "vco-1")
	gd := mkGateway(t, s, 2, true)
	_, err = s.CreateConnection(ctx, DualConnection("vco-2", gd.VpnGatewayID, c1.CustomerGatewayID, c2.CustomerGatewayID, "a", "b"), store.Idempotency{})
	must(t, err)
	wantInUse(t, s.DeleteCustomerGateway(ctx, scope(), c2.CustomerGatewayID), "VpnConnection", "vco-2")
	must(t, s.DeleteConnection(ctx, scope(), "vco-2"))
	must(t, s.DeleteCustomerGateway(ctx, scope(), c2.CustomerGatewayID))
	_, err = s.GetCustomerGateway(ctx, scope(), c2.CustomerGatewayID)
	wantNotFound(t, err, "CustomerGateway", c2.CustomerGatewayID)
	wantNotFound(t, s.DeleteCustomerGateway(ctx, scope(), c2.CustomerGatewayID), "CustomerGateway", c2.CustomerGatewayID)
}

func testConnectionSingle(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	cg := mkCgw(t, s, 1)
	c := SingleConnection("vco-1", g.VpnGatewayID, cg.CustomerGatewayID, "s3cr3t-psk")
	c.Version = 42 // ignored: a create starts at version 1
	cr, err := s.CreateConnection(ctx, c, store.Idempotency{})
	must(t, err)
	diff(t, "Created", cr, store.Created{ID: "vco-1"})
	got, err := s.GetConnection(ctx, scope(), "vco-1")
	must(t, err)
	c.Version = 1
	diff(t, "GetConnection", got, c)

	// A zero CreatedAt is set; no tags stay nil.
	c2 := SingleConnection("vco-2", g.VpnGatewayID, mkCgw(t, s, 2).CustomerGatewayID, "")
	c2.CreatedAt, c2.Tags = time.Time{}, nil
	_, err = s.CreateConnection(ctx, c2, store.Idempotency{})
	must(t, err)
	got, err = s.GetConnection(ctx, scope(), "vco-2")
	must(t, err)
	if got.CreatedAt.IsZero() || time.Since(got.CreatedAt) > time.Minute {
		t.Fatalf("CreatedAt = %v, want about now", got.CreatedAt)
	}
	c2.CreatedAt, c2.Version = got.CreatedAt, 1
	diff(t, "GetConnection without tags and PSK", got, c2)
}

func testConnectionDual(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, true)
	a, b := mkCgw(t, s, 1), mkCgw(t, s, 2)
	c := DualConnection("vco-d", g.VpnGatewayID, a.CustomerGatewayID, b.CustomerGatewayID, "psk-master", "psk-slave")
	_, err := s.CreateConnection(ctx, c, store.Idempotency{})
	must(t, err)
	got, err := s.GetConnection(ctx, scope(), "vco-d")
	must(t, err)
	c.Version = 1
	diff(t, "GetConnection dual", got, c)
	if got.Tunnels[0].Role != "master" || got.Tunnels[1].Role != "slave" {
		t.Fatalf("tunnel order = %s, %s", got.Tunnels[0].Role, got.Tunnels[1].Role)
	}
	must(t, s.DeleteConnection(ctx, scope(), "vco-d"))
	_, err = s.GetConnection(ctx, scope(), "vco-d")
	wantNotFound(t, err, "VpnConnection", "vco-d")
	wantNotFound(t, s.DeleteConnection(ctx, scope(), "vco-d"), "VpnConnection", "vco-d")
	// The tunnel ids are free again.
	_, err = s.CreateConnection(ctx, c, store.Idempotency{})
	must(t, err)
}

func testConnectionRules(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	cg := mkCgw(t, s, 1)
	for _, tc := range []struct {
		name string
		c    vpn.Connection
		kind store.Kind
		id   string
	}{
		{"gateway gone", SingleConnection("vco-x", "vpn-gone", cg.CustomerGatewayID, "k"), "VpnGateway", "vpn-gone"},
		{"customer gateway gone", SingleConnection("vco-x", g.VpnGatewayID, "cgw-gone", "k"), "CustomerGateway", "cgw-gone"},
		{"tunnel customer gateway gone", DualConnection("vco-x", g.VpnGatewayID, cg.CustomerGatewayID, "cgw-gone2", "a", "b"), "CustomerGateway", "cgw-gone2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateConnection(ctx, tc.c, store.Idempotency{})
			wantNotFound(t, err, tc.kind, tc.id)
			_, err = s.GetConnection(ctx, scope(), "vco-x")
			wantNotFound(t, err, "VpnConnection", "vco-x")
		})
	}
	_, err := s.CreateConnection(ctx, SingleConnection("vco-1", g.VpnGatewayID, cg.CustomerGatewayID, "k"), store.Idempotency{})
	must(t, err)
	_, err = s.CreateConnection(ctx, SingleConnection("vco-2", g.VpnGatewayID, cg.CustomerGatewayID, "k"), store.Idempotency{})
	wantDuplicate(t, err, "ConnectionPair", "vco-1")
	// Another customer gateway on the same gateway is fine.
	_, err = s.CreateConnection(ctx, SingleConnection("vco-2", g.VpnGatewayID, mkCgw(t, s, 2).CustomerGatewayID, "k"), store.Idempotency{})
	must(t, err)
	// A connection in another account cannot use this account's gateway.
	foreign := SingleConnection("vco-3", g.VpnGatewayID, cg.CustomerGatewayID, "k")
	foreign.AccountID = OtherAccount
	_, err = s.CreateConnection(ctx, foreign, store.Idempotency{})
	wantNotFound(t, err, "VpnGateway", g.VpnGatewayID)
	// Nor another account's customer gateway (the gateway is the caller's).
	other := cgwFix(3)
	other.AccountID = OtherAccount
	_, err = s.CreateCustomerGateway(ctx, other, store.Idempotency{})
	must(t, err)
	_, err = s.CreateConnection(ctx, SingleConnection("vco-4", g.VpnGatewayID, other.CustomerGatewayID, "k"), store.Idempotency{})
	wantNotFound(t, err, "CustomerGateway", other.CustomerGatewayID)
	// Nothing of the refused creates was written: the gateway carries vco-1
	// and vco-2 only.
	list, n, err := s.ListConnections(ctx, scope(), store.ConnectionFilter{VpnGatewayID: g.VpnGatewayID}, store.Page{Number: 1, Size: 50})
	must(t, err)
	if n != 2 || len(list) != 2 || list[0].VpnConnectionID != "vco-1" || list[1].VpnConnectionID != "vco-2" {
		t.Fatalf("gateway's connections after refused creates: %d %v", n, list)
	}
}

func testConnectionUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	a, b := mkCgw(t, s, 1), mkCgw(t, s, 2)
	_, err := s.CreateConnection(ctx, SingleConnection("vco-1", g.VpnGatewayID, a.CustomerGatewayID, "old-psk"), store.Idempotency{})
	must(t, err)
	_, err = s.CreateConnection(ctx, SingleConnection("vco-2", g.VpnGatewayID, b.CustomerGatewayID, "k2"), store.Idempotency{})
	must(t, err)
	c, err := s.GetConnection(ctx, scope(), "vco-1")
	must(t, err)

	up := c
	up.Name, up.Ike.Psk, up.Bgp.EnableBgp, up.Tags = "renamed", "new-psk", false, []vpn.Tag{{Key: "n", Value: "1"}}
	up.HealthCheck = vpn.HealthCheckConfig{}
	must(t, s.UpdateConnection(ctx, up))
	got, err := s.GetConnection(ctx, scope(), "vco-1")
	must(t, err)
	want := up
	want.Version = 2
	diff(t, "after update", got, want)

	// The stale version conflicts and changes nothing.
	stale := c
	stale.Name = "stale"
	if err := s.UpdateConnection(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: err = %v, want ErrConflict", err)
	}
	got, err = s.GetConnection(ctx, scope(), "vco-1")
	must(t, err)
	diff(t, "after conflict", got, want)

	// Becoming dual-tunnel replaces the single-tunnel fields.
	dual := DualConnection("vco-1", g.VpnGatewayID, a.CustomerGatewayID, a.CustomerGatewayID, "t1", "t2")
	dual.Version, dual.CreatedAt, dual.ClientToken = 2, c.CreatedAt, c.ClientToken
	must(t, s.UpdateConnection(ctx, dual))
	got, err = s.GetConnection(ctx, scope(), "vco-1")
	must(t, err)
	dual.Version = 3
	diff(t, "after update to dual", got, dual)

	// Moving onto another connection's pair is a duplicate.
	clash := got
	clash.Tunnels[1].CustomerGatewayID = b.CustomerGatewayID
	wantDuplicate(t, s.UpdateConnection(ctx, clash), "ConnectionPair", "vco-2")

	missing := SingleConnection("vco-none", g.VpnGatewayID, a.CustomerGatewayID, "k")
	missing.Version = 1
	wantNotFound(t, s.UpdateConnection(ctx, missing), "VpnConnection", "vco-none")
	otherScope := got
	otherScope.RegionID = OtherRegion
	wantNotFound(t, s.UpdateConnection(ctx, otherScope), "VpnConnection", "vco-1")
}

func testConnectionList(t *testing.T, s store.Store) {
	ctx := t.Context()
	g1 := mkGateway(t, s, 1, false)
	g2 := mkGateway(t, s, 2, true)
	a, b := mkCgw(t, s, 1), mkCgw(t, s, 2)
	c1 := SingleConnection("vco-1", g1.VpnGatewayID, a.CustomerGatewayID, "k1")
	c1.CreatedAt = at(201)
	c2 := DualConnection("vco-2", g2.VpnGatewayID, a.CustomerGatewayID, b.CustomerGatewayID, "k2", "k3")
	c2.CreatedAt = at(202)
	c3 := SingleConnection("vco-3", g1.VpnGatewayID, b.CustomerGatewayID, "k4")
	c3.CreatedAt = at(203)
	for _, c := range []vpn.Connection{c3, c1, c2} {
		_, err := s.CreateConnection(ctx, c, store.Idempotency{})
		must(t, err)
	}
	c1.Version, c2.Version, c3.Version = 1, 1, 1
	for _, tc := range []struct {
		name  string
		f     store.ConnectionFilter
		p     store.Page
		want  []vpn.Connection
		total int
	}{
		{"all", store.ConnectionFilter{}, store.Page{Number: 1, Size: 10}, []vpn.Connection{c1, c2, c3}, 3},
		{"page 2 of size 2", store.ConnectionFilter{}, store.Page{Number: 2, Size: 2}, []vpn.Connection{c3}, 3},
		{"gateway", store.ConnectionFilter{VpnGatewayID: g1.VpnGatewayID}, store.Page{Number: 1, Size: 10}, []vpn.Connection{c1, c3}, 2},
		{"customer gateway (also tunnels)", store.ConnectionFilter{CustomerGatewayID: b.CustomerGatewayID}, store.Page{Number: 1, Size: 10}, []vpn.Connection{c2, c3}, 2},
		{"ids", store.ConnectionFilter{IDs: []string{"vco-3", "vco-2"}}, store.Page{Number: 1, Size: 10}, []vpn.Connection{c2, c3}, 2},
		{"nothing", store.ConnectionFilter{VpnGatewayID: "vpn-none"}, store.Page{Number: 1, Size: 10}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListConnections(ctx, scope(), tc.f, tc.p)
			must(t, err)
			diff(t, "ListConnections", list, tc.want)
			if total != tc.total {
				t.Fatalf("total = %d, want %d", total, tc.total)
			}
		})
	}
}

func testPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	var all []vpn.Vpc
	// Created out of order; two share a creation time (ties break on id).
	for _, n := range []int{3, 1, 5, 2, 4} {
		v := vpcFix(n, Account, Region)
		if n == 4 {
			v.CreatedAt = at(2)
		}
		_, err := s.CreateVpc(ctx, v, store.Idempotency{})
		must(t, err)
	}
	for _, n := range []int{1, 2, 4, 3, 5} {
		v := vpcFix(n, Account, Region)
		if n == 4 {
			v.CreatedAt = at(2)
		}
		all = append(all, v)
	}
	for _, tc := range []struct {
		name string
		p    store.Page
		want []vpn.Vpc
	}{
		{"page 1", store.Page{Number: 1, Size: 2}, all[0:2]},
		{"page 2", store.Page{Number: 2, Size: 2}, all[2:4]},
		{"page 3", store.Page{Number: 3, Size: 2}, all[4:5]},
		{"past the end", store.Page{Number: 4, Size: 2}, nil},
		{"number 0 is page 1", store.Page{Number: 0, Size: 3}, all[0:3]},
		{"size 0 is everything", store.Page{}, all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListVpcs(ctx, scope(), store.VpcFilter{}, tc.p)
			must(t, err)
			diff(t, "ListVpcs", list, tc.want)
			if total != 5 {
				t.Fatalf("total = %d, want 5", total)
			}
		})
	}
	list, total, err := s.ListVpcs(ctx, scope(), store.VpcFilter{IDs: []string{all[4].VpcID, all[0].VpcID, "vpc-none"}}, store.Page{Number: 1, Size: 1})
	must(t, err)
	diff(t, "ListVpcs by ids", list, all[0:1])
	if total != 2 {
		t.Fatalf("total = %d, want 2", total)
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := t.Context()
	idem := store.Idempotency{Action: "CreateVpc", Token: "tok-1", RequestHash: "h1"}
	v1 := vpcFix(1, Account, Region)
	c, err := s.CreateVpc(ctx, v1, idem)
	must(t, err)
	diff(t, "first", c, store.Created{ID: v1.VpcID})
	// A retry (the service generated a new id) answers with the first id.
	c, err = s.CreateVpc(ctx, vpcFix(2, Account, Region), idem)
	must(t, err)
	diff(t, "replay", c, store.Created{ID: v1.VpcID, Replayed: true})
	_, err = s.GetVpc(ctx, scope(), vpcFix(2, Account, Region).VpcID)
	wantNotFound(t, err, "Vpc", vpcFix(2, Account, Region).VpcID)
	// Same token, other parameters.
	_, err = s.CreateVpc(ctx, vpcFix(3, Account, Region), store.Idempotency{Action: "CreateVpc", Token: "tok-1", RequestHash: "h2"})
	if !errors.Is(err, store.ErrTokenMismatch) {
		t.Fatalf("err = %v, want ErrTokenMismatch", err)
	}
	// Tokens are per account and per action.
	o := vpcFix(4, OtherAccount, Region)
	c, err = s.CreateVpc(ctx, o, idem)
	must(t, err)
	diff(t, "other account", c, store.Created{ID: o.VpcID})
	cg := cgwFix(1)
	cr, err := s.CreateCustomerGateway(ctx, cg, store.Idempotency{Action: "CreateCustomerGateway", Token: "tok-1", RequestHash: "h1"})
	must(t, err)
	diff(t, "other action", cr, store.Created{ID: cg.CustomerGatewayID})
	// A failed create does not consume the token.
	bad := vpn.VSwitch{AccountID: Account, RegionID: Region, VSwitchID: "vsw-1", VpcID: "vpc-gone", CreatedAt: at(1)}
	swIdem := store.Idempotency{Action: "CreateVSwitch", Token: "tok-sw", RequestHash: "x"}
	_, err = s.CreateVSwitch(ctx, bad, swIdem)
	wantNotFound(t, err, "Vpc", "vpc-gone")
	bad.VpcID = v1.VpcID
	cr, err = s.CreateVSwitch(ctx, bad, swIdem)
	must(t, err)
	diff(t, "after failed attempt", cr, store.Created{ID: "vsw-1"})

	// Every create honours tokens.
	g := gwFix(1, v1.VpcID, false)
	gIdem := store.Idempotency{Action: "CreateVpnGateway", Token: "tok-g", RequestHash: "g"}
	_, err = s.CreateGateway(ctx, g, pool("203.0.113.0/24"), gIdem)
	must(t, err)
	g2 := g
	g2.VpnGatewayID = "vpn-other"
	cr, err = s.CreateGateway(ctx, g2, pool("203.0.113.0/24"), gIdem)
	must(t, err)
	diff(t, "gateway replay", cr, store.Created{ID: g.VpnGatewayID, Replayed: true})
	conn := SingleConnection("vco-1", g.VpnGatewayID, cg.CustomerGatewayID, "k")
	cIdem := store.Idempotency{Action: "CreateVpnConnection", Token: "tok-c", RequestHash: "c"}
	_, err = s.CreateConnection(ctx, conn, cIdem)
	must(t, err)
	conn.VpnConnectionID = "vco-2"
	cr, err = s.CreateConnection(ctx, conn, cIdem)
	must(t, err)
	diff(t, "connection replay", cr, store.Created{ID: "vco-1", Replayed: true})
}

func testScoping(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	cg := mkCgw(t, s, 1)
	_, err := s.CreateConnection(ctx, SingleConnection("vco-1", g.VpnGatewayID, cg.CustomerGatewayID, "k"), store.Idempotency{})
	must(t, err)
	_, err = s.CreateVSwitch(ctx, vpn.VSwitch{AccountID: Account, RegionID: Region, VSwitchID: "vsw-1", VpcID: g.VpcID, CreatedAt: at(1)}, store.Idempotency{})
	must(t, err)
	for _, sc := range []store.Scope{{AccountID: OtherAccount, RegionID: Region}, {AccountID: Account, RegionID: OtherRegion}} {
		t.Run(sc.AccountID+"/"+sc.RegionID, func(t *testing.T) {
			_, err := s.GetVpc(ctx, sc, g.VpcID)
			wantNotFound(t, err, "Vpc", g.VpcID)
			_, err = s.GetVSwitch(ctx, sc, "vsw-1")
			wantNotFound(t, err, "VSwitch", "vsw-1")
			_, err = s.GetGateway(ctx, sc, g.VpnGatewayID)
			wantNotFound(t, err, "VpnGateway", g.VpnGatewayID)
			_, err = s.GetCustomerGateway(ctx, sc, cg.CustomerGatewayID)
			wantNotFound(t, err, "CustomerGateway", cg.CustomerGatewayID)
			_, err = s.GetConnection(ctx, sc, "vco-1")
			wantNotFound(t, err, "VpnConnection", "vco-1")
			wantNotFound(t, s.DeleteConnection(ctx, sc, "vco-1"), "VpnConnection", "vco-1")
			wantNotFound(t, s.DeleteGateway(ctx, sc, g.VpnGatewayID), "VpnGateway", g.VpnGatewayID)
			wantNotFound(t, s.DeleteCustomerGateway(ctx, sc, cg.CustomerGatewayID), "CustomerGateway", cg.CustomerGatewayID)
			wantNotFound(t, s.DeleteVSwitch(ctx, sc, "vsw-1"), "VSwitch", "vsw-1")
			wantNotFound(t, s.DeleteVpc(ctx, sc, g.VpcID), "Vpc", g.VpcID)
			p := store.Page{Number: 1, Size: 10}
			vpcs, n1, err := s.ListVpcs(ctx, sc, store.VpcFilter{}, p)
			must(t, err)
			sws, n2, err := s.ListVSwitches(ctx, sc, store.VSwitchFilter{}, p)
			must(t, err)
			gws, n3, err := s.ListGateways(ctx, sc, store.GatewayFilter{}, p)
			must(t, err)
			cgs, n4, err := s.ListCustomerGateways(ctx, sc, store.CustomerGatewayFilter{}, p)
			must(t, err)
			cs, n5, err := s.ListConnections(ctx, sc, store.ConnectionFilter{}, p)
			must(t, err)
			if len(vpcs)+len(sws)+len(gws)+len(cgs)+len(cs)+n1+n2+n3+n4+n5 != 0 {
				t.Fatalf("another scope() sees records: %d %d %d %d %d", n1, n2, n3, n4, n5)
			}
		})
	}
}

func testNonces(t *testing.T, s store.Store) {
	ctx := t.Context()
	ns, ok := s.(store.NonceStore)
	if !ok {
		t.Fatalf("%T does not implement store.NonceStore", s)
	}
	future := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name    string
		key     string
		expires time.Time
		want    bool
	}{
		{"fresh", "ak1:n1", future, true},
		{"replayed", "ak1:n1", future, false},
		{"other key", "ak1:n2", future, true},
		{"expired entry", "ak1:old", time.Now().Add(-time.Second), true},
		{"expired entry is fresh again", "ak1:old", future, true},
		{"and then used", "ak1:old", future, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ns.UseNonce(ctx, tc.key, tc.expires)
			must(t, err)
			if got != tc.want {
				t.Fatalf("UseNonce(%q) = %v, want %v", tc.key, got, tc.want)
			}
		})
	}
}

func accountFix() iam.Account { return iam.Account{AccountID: Account, Name: "acct", CreatedAt: at(0)} }

func accessKeyFix(secret string) iam.AccessKey {
	return iam.AccessKey{AccessKeyID: "LTAIsealed0001", Secret: secret, AccountID: Account, Status: iam.KeyActive, CreatedAt: at(1)}
}
