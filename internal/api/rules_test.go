package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestResourceRules checks the rules between resources that need the store,
// each with its exact code and status, and that a refused request changes
// nothing.
func TestResourceRules(t *testing.T) {
	env := apptest.Start(t, apptest.Options{AddressPool: "203.0.113.0/30"}) // two usable addresses
	f := newFixture(t, env, false)
	c := f.v2
	region := dara.String(f.region)
	expect := func(name string, err error, code string, status int) {
		t.Helper()
		got, st := sdkCode(err)
		if got != code || st != status {
			t.Errorf("%s: got %q %d (%v), want %s %d", name, got, st, err, code, status)
		}
	}
	single := func(cgw string) *vpc.CreateVpnConnectionRequest {
		return &vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(f.gw), CustomerGatewayId: dara.String(cgw),
			LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8")}
	}

	// A VPC has at most one VPN gateway.
	_, err := c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: dara.String(f.vpcID), Bandwidth: dara.Int32(10)})
	expect("second gateway in VPC", err, "VpnGateway.AlreadyExists", 400)

	// The pool 203.0.113.0/30 has two usable addresses: the fixture's gateway
	// holds one; a second VPC's gateway takes the other; a third finds none.
	v2, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("172.16.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	g2, err := c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: v2.Body.VpcId, Bandwidth: dara.Int32(10)})
	if err != nil {
		t.Fatalf("second gateway: %v", err)
	}
	v3, _ := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("172.17.0.0/16")})
	_, err = c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: v3.Body.VpcId, Bandwidth: dara.Int32(10)})
	expect("pool exhausted", err, "QuotaExceeded.GatewayAddressPool", 400)
	d2, _ := c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: region, VpnGatewayId: g2.Body.VpnGatewayId})
	if ip := dara.StringValue(d2.Body.InternetIp); ip == f.gwIP || ip == "" {
		t.Fatalf("second gateway address %q (first %q)", ip, f.gwIP)
	}
	// Deleting the second gateway frees its address for the third.
	if _, err := c.DeleteVpnGateway(&vpc.DeleteVpnGatewayRequest{RegionId: region, VpnGatewayId: g2.Body.VpnGatewayId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: v3.Body.VpcId, Bandwidth: dara.Int32(10)}); err != nil {
		t.Fatalf("address not freed: %v", err)
	}

	// Unknown gateway and customer gateway.
	r := single(f.cgws[0])
	r.VpnGatewayId = dara.String("vpn-doesnotexist000000000")
	_, err = c.CreateVpnConnection(r)
	expect("unknown gateway", err, "InvalidVpnGatewayInstanceId.NotFound", 404)
	_, err = c.CreateVpnConnection(single("cgw-doesnotexist000000000"))
	expect("unknown customer gateway", err, "InvalidCustomerGatewayInstanceId.NotFound", 404)

	// DryRun validates and creates nothing.
	r = single(f.cgws[0])
	r.DryRun = dara.Bool(true)
	_, err = c.CreateVpnConnection(r)
	expect("dry run", err, "DryRunOperation", 400)

	// ClientToken: the same token twice creates one connection; with other
	// parameters it is refused.
	r = single(f.cgws[0])
	r.ClientToken = dara.String("token-1")
	r.Name = dara.String("token-conn")
	a, err := c.CreateVpnConnection(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateVpnConnection(r)
	if err != nil || dara.StringValue(b.Body.VpnConnectionId) != dara.StringValue(a.Body.VpnConnectionId) {
		t.Fatalf("idempotent create: %v %v %v", err, dara.StringValue(a.Body.VpnConnectionId), dara.StringValue(b.Body.VpnConnectionId))
	}
	// The create's answer is the record as stored (it is built from the
	// written record, not read back), and the replay's is the same record.
	stored, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: region, VpnConnectionId: a.Body.VpnConnectionId})
	if err != nil {
		t.Fatal(err)
	}
	if dara.StringValue(a.Body.Name) != dara.StringValue(stored.Body.Name) || dara.StringValue(a.Body.Name) == "" ||
		dara.Int64Value(a.Body.CreateTime) != dara.Int64Value(stored.Body.CreateTime) || dara.Int64Value(a.Body.CreateTime) == 0 {
		t.Fatalf("create answered name %q time %d, stored %q %d", dara.StringValue(a.Body.Name), dara.Int64Value(a.Body.CreateTime),
			dara.StringValue(stored.Body.Name), dara.Int64Value(stored.Body.CreateTime))
	}
	if dara.StringValue(b.Body.Name) != dara.StringValue(a.Body.Name) || dara.Int64Value(b.Body.CreateTime) != dara.Int64Value(a.Body.CreateTime) {
		t.Fatalf("replayed create answered name %q time %d, first %q %d", dara.StringValue(b.Body.Name), dara.Int64Value(b.Body.CreateTime),
			dara.StringValue(a.Body.Name), dara.Int64Value(a.Body.CreateTime))
	}
	r.RemoteSubnet = dara.String("10.1.0.0/16")
	_, err = c.CreateVpnConnection(r)
	expect("token reused with other parameters", err, "IdempotentParameterMismatch", 400)
	list, _ := c.DescribeVpnConnections(&vpc.DescribeVpnConnectionsRequest{RegionId: region})
	if n := dara.Int32Value(list.Body.TotalCount); n != 1 {
		t.Fatalf("%d connections after idempotent creates and refusals, want 1", n)
	}

	// One connection per (gateway, customer gateway) pair.
	_, err = c.CreateVpnConnection(single(f.cgws[0]))
	expect("second connection on the pair", err, "InvalidVpnConnection.AlreadyExists", 400)

	// A single-tunnel gateway refuses a dual-tunnel connection.
	dr := dualRequest(f, false)
	_, err = c.CreateVpnConnection(dr)
	expect("dual on single gateway", err, "InvalidVpnGateway.TunnelMode", 400)

	// In use: gateway, customer gateway; VPC with vSwitches.
	_, err = c.DeleteVpnGateway(&vpc.DeleteVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
	expect("delete gateway with connection", err, "DependencyViolation.VpnConnection", 400)
	_, err = c.DeleteCustomerGateway(&vpc.DeleteCustomerGatewayRequest{RegionId: region, CustomerGatewayId: dara.String(f.cgws[0])})
	expect("delete customer gateway in use", err, "DependencyViolation.VpnConnection", 400)
	_, err = c.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: dara.String(f.vpcID)})
	if code, _ := sdkCode(err); code != "DependencyViolation.VSwitch" && code != "DependencyViolation.VpnGateway" {
		t.Errorf("delete VPC with vSwitches and gateway: %v", err)
	}

	// Duplicate customer gateway address in the region.
	_, err = c.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: region, IpAddress: dara.String(f.cgwIPs[0])})
	expect("duplicate customer gateway IP", err, "InvalidIpAddress.AlreadyExist", 400)

	// Deleting in the right order works, and the gateway can go last.
	if _, err := c.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: region, VpnConnectionId: a.Body.VpnConnectionId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteCustomerGateway(&vpc.DeleteCustomerGatewayRequest{RegionId: region, CustomerGatewayId: dara.String(f.cgws[0])}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVpnGateway(&vpc.DeleteVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
	expect("deleted gateway", err, "InvalidVpnGatewayInstanceId.NotFound", 404)
}

// TestModifyTunnelCustomerGateway: moving a tunnel to another customer
// gateway moves its defaulted identity with it (the download's Local and
// LocalId are the new device's address).
func TestModifyTunnelCustomerGateway(t *testing.T) {
	env := apptest.Start(t)
	f := newFixture(t, env, true)
	resp, err := f.v2.CreateVpnConnection(dualRequest(f, false))
	if err != nil {
		t.Fatal(err)
	}
	id := dara.StringValue(resp.Body.VpnConnectionId)
	_, tunnels := describe(t, f.v2, f.region, id)
	cg, err := f.v2.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(f.region), IpAddress: dara.String("198.51.100.77")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.v2.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(id),
		TunnelOptionsSpecification: []*vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecification{{TunnelId: dara.String(tunnels[1]), CustomerGatewayId: cg.Body.CustomerGatewayId}}})
	if err != nil {
		t.Fatalf("modify: %v", err)
	}
	got := download(t, env, apptest.V2Default, f.region, id)
	slave := got.TunnelsConfig.TunnelConfig[1]
	if slave.Local != "198.51.100.77" || slave.IkeConfig.LocalId != "198.51.100.77" {
		t.Fatalf("slave tunnel after moving it: Local %q LocalId %q", slave.Local, slave.IkeConfig.LocalId)
	}
	if master := got.TunnelsConfig.TunnelConfig[0]; master.Local != f.cgwIPs[0] || master.IkeConfig.LocalId != f.cgwIPs[0] {
		t.Fatalf("master tunnel changed: %+v", master)
	}
}
