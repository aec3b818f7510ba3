package api_test

import (
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

const dryRunMessage = "Request validation has been passed with DryRun flag set."

// wantCode fails unless err is a V2 SDK error with code and status (and,
// for DryRunOperation, Alibaba's message).
func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	got, st, body := sdkError(err)
	if got != code || st != status {
		t.Fatalf("%s: got %q %d (%v), want %s %d", what, got, st, err, code, status)
	}
	if code == "DryRunOperation" && !strings.Contains(body, dryRunMessage) {
		t.Fatalf("%s: answer %s lacks %q", what, body, dryRunMessage)
	}
}

// TestCompatDryRunDeletes: DryRun=true on every delete (through the SDK
// models that have the field: DeleteVpc, DeleteVSwitch; through the V2
// SDK's CallApi for the others, whose models lack it) validates, authorises
// and runs the delete's own checks, answers DryRunOperation and leaves the
// resource in place; the same requests without DryRun then delete.
func TestCompatDryRunDeletes(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	f := newFixture(t, env, false)
	region := dara.String(f.region)
	rg := f.region
	conn, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(f.gw), CustomerGatewayId: dara.String(f.cgws[0]),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	vco := dara.StringValue(conn.Body.VpnConnectionId)
	if _, err := c.CreateVpnRouteEntry(&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: dara.String(f.gw), RouteDest: dara.String("10.0.0.0/8"),
		NextHop: dara.String(vco), Weight: dara.Int32(100), PublishVpc: dara.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVpnPbrRouteEntry(&vpc.CreateVpnPbrRouteEntryRequest{RegionId: region, VpnGatewayId: dara.String(f.gw), RouteSource: dara.String("192.168.1.0/24"),
		RouteDest: dara.String("10.1.0.0/16"), NextHop: dara.String(vco), Weight: dara.Int32(100), PublishVpc: dara.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	call := func(action string, kv ...string) error {
		p := map[string]string{"RegionId": rg}
		for i := 0; i < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		_, err := agentCall(c, action, p)
		return err
	}
	routes := func() (dbr, pbr int) {
		t.Helper()
		d, err := c.DescribeVpnRouteEntries(&vpc.DescribeVpnRouteEntriesRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.DescribeVpnPbrRouteEntries(&vpc.DescribeVpnPbrRouteEntriesRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
		if err != nil {
			t.Fatal(err)
		}
		return int(dara.Int32Value(d.Body.TotalCount)), int(dara.Int32Value(p.Body.TotalCount))
	}
	exists := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s after a dry run: %v", what, err)
		}
	}
	dbrKey := []string{"VpnGatewayId", f.gw, "RouteDest", "10.0.0.0/8", "NextHop", vco, "Weight", "100"}
	pbrKey := []string{"VpnGatewayId", f.gw, "RouteSource", "192.168.1.0/24", "RouteDest", "10.1.0.0/16", "NextHop", vco, "Weight", "100"}

	// Route entries: dry runs answer DryRunOperation, a dry run of an entry
	// that does not exist answers its NotFound, and both entries stay.
	wantCode(t, "DeleteVpnRouteEntry dry", call("DeleteVpnRouteEntry", append(dbrKey, "DryRun", "true")...), "DryRunOperation", 400)
	wantCode(t, "DeleteVpnPbrRouteEntry dry", call("DeleteVpnPbrRouteEntry", append(pbrKey, "DryRun", "true")...), "DryRunOperation", 400)
	wantCode(t, "DeleteVpnRouteEntry dry, no such entry", call("DeleteVpnRouteEntry", "VpnGatewayId", f.gw, "RouteDest", "10.9.0.0/16", "NextHop", vco, "Weight", "100", "DryRun", "true"),
		"InvalidRouteEntry.NotFound", 404)
	wantCode(t, "ModifyVpnRouteEntryWeight dry", call("ModifyVpnRouteEntryWeight", append(dbrKey, "NewWeight", "0", "DryRun", "true")...), "DryRunOperation", 400)
	wantCode(t, "PublishVpnRouteEntry dry", call("PublishVpnRouteEntry", "VpnGatewayId", f.gw, "RouteDest", "10.0.0.0/8", "NextHop", vco, "RouteType", "dbr", "PublishVpc", "true", "DryRun", "true"),
		"DryRunOperation", 400)
	if dbr, pbr := routes(); dbr != 1 || pbr != 1 {
		t.Fatalf("after dry-run deletes: %d dbr, %d pbr routes, want 1 and 1", dbr, pbr)
	}
	d, _ := c.DescribeVpnRouteEntries(&vpc.DescribeVpnRouteEntriesRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
	if e := d.Body.VpnRouteEntries.VpnRouteEntry[0]; dara.Int32Value(e.Weight) != 100 || dara.StringValue(e.State) != "normal" {
		t.Fatalf("after dry-run modify and publish: %s", e)
	}

	// A connection that is a next hop: the dry run answers what the delete
	// would (DependencyViolation.VpnRouteEntry); without routes DryRunOperation.
	wantCode(t, "DeleteVpnConnection dry, next hop", call("DeleteVpnConnection", "VpnConnectionId", vco, "DryRun", "true"), "DependencyViolation.VpnRouteEntry", 400)
	exists("DeleteVpnRouteEntry", call("DeleteVpnRouteEntry", dbrKey...))
	exists("DeleteVpnPbrRouteEntry", call("DeleteVpnPbrRouteEntry", pbrKey...))
	wantCode(t, "DeleteVpnConnection dry", call("DeleteVpnConnection", "VpnConnectionId", vco, "DryRun", "true"), "DryRunOperation", 400)
	wantCode(t, "DeleteVpnConnection DryRun=yes", call("DeleteVpnConnection", "VpnConnectionId", vco, "DryRun", "yes"), "InvalidDryRun.Malformed", 400)
	_, err = c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: region, VpnConnectionId: dara.String(vco)})
	exists("DescribeVpnConnection", err)

	// Gateways in use, then not.
	wantCode(t, "DeleteVpnGateway dry, in use", call("DeleteVpnGateway", "VpnGatewayId", f.gw, "DryRun", "true"), "DependencyViolation.VpnConnection", 400)
	wantCode(t, "DeleteCustomerGateway dry, in use", call("DeleteCustomerGateway", "CustomerGatewayId", f.cgws[0], "DryRun", "true"), "DependencyViolation.VpnConnection", 400)
	wantCode(t, "DeleteCustomerGateway dry", call("DeleteCustomerGateway", "CustomerGatewayId", f.cgws[1], "DryRun", "true"), "DryRunOperation", 400)
	_, err = c.DescribeCustomerGateway(&vpc.DescribeCustomerGatewayRequest{RegionId: region, CustomerGatewayId: dara.String(f.cgws[1])})
	exists("DescribeCustomerGateway", err)
	exists("DeleteVpnConnection", call("DeleteVpnConnection", "VpnConnectionId", vco))
	wantCode(t, "DeleteVpnGateway dry", call("DeleteVpnGateway", "VpnGatewayId", f.gw, "DryRun", "true"), "DryRunOperation", 400)
	_, err = c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
	exists("DescribeVpnGateway", err)

	// vSwitches and VPCs through the SDK's own DryRun field.
	sw, err := c.DescribeVSwitches(&vpc.DescribeVSwitchesRequest{RegionId: region, VpcId: dara.String(f.vpcID)})
	if err != nil || len(sw.Body.VSwitches.VSwitch) != 2 {
		t.Fatalf("DescribeVSwitches: %v %v", sw, err)
	}
	used, free := sw.Body.VSwitches.VSwitch[0].VSwitchId, sw.Body.VSwitches.VSwitch[1].VSwitchId
	_, err = c.DeleteVSwitch(&vpc.DeleteVSwitchRequest{RegionId: region, VSwitchId: used, DryRun: dara.Bool(true)})
	wantCode(t, "DeleteVSwitch dry, in use", err, "DependencyViolation.VpnGateway", 400)
	_, err = c.DeleteVSwitch(&vpc.DeleteVSwitchRequest{RegionId: region, VSwitchId: free, DryRun: dara.Bool(true)})
	wantCode(t, "DeleteVSwitch dry", err, "DryRunOperation", 400)
	_, err = c.DescribeVSwitchAttributes(&vpc.DescribeVSwitchAttributesRequest{RegionId: region, VSwitchId: free})
	exists("DescribeVSwitchAttributes", err)
	_, err = c.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: dara.String(f.vpcID), DryRun: dara.Bool(true)})
	wantCode(t, "DeleteVpc dry, with vSwitches", err, "DependencyViolation.VSwitch", 400)
	empty, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("10.20.0.0/16"), VpcName: dara.String("empty")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: empty.Body.VpcId, DryRun: dara.Bool(true)})
	wantCode(t, "DeleteVpc dry", err, "DryRunOperation", 400)
	_, err = c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: empty.Body.VpcId})
	exists("DescribeVpcAttribute", err)

	// Reads whose model has DryRun, and a modify.
	_, err = c.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: region, DryRun: dara.Bool(true)})
	wantCode(t, "DescribeVpcs dry", err, "DryRunOperation", 400)
	_, err = c.DescribeVSwitches(&vpc.DescribeVSwitchesRequest{RegionId: region, DryRun: dara.Bool(true)})
	wantCode(t, "DescribeVSwitches dry", err, "DryRunOperation", 400)
	_, err = c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: empty.Body.VpcId, DryRun: dara.Bool(true)})
	wantCode(t, "DescribeVpcAttribute dry", err, "DryRunOperation", 400)
	_, err = c.DescribeVSwitchAttributes(&vpc.DescribeVSwitchAttributesRequest{RegionId: region, VSwitchId: free, DryRun: dara.Bool(true)})
	wantCode(t, "DescribeVSwitchAttributes dry", err, "DryRunOperation", 400)
	wantCode(t, "ModifyVpcAttribute dry", call("ModifyVpcAttribute", "VpcId", dara.StringValue(empty.Body.VpcId), "VpcName", "renamed", "DryRun", "true"), "DryRunOperation", 400)
	wantCode(t, "TagResources dry", call("TagResources", "ResourceType", "VPC", "ResourceId.1", dara.StringValue(empty.Body.VpcId), "Tag.1.Key", "k", "Tag.1.Value", "v", "DryRun", "true"),
		"DryRunOperation", 400)
	a, err := c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: empty.Body.VpcId})
	if err != nil || dara.StringValue(a.Body.VpcName) != "empty" || (a.Body.Tags != nil && len(a.Body.Tags.Tag) != 0) {
		t.Fatalf("after dry-run modify and tag: %v %v", a, err)
	}

	// Without DryRun the same deletes go through.
	if _, err := c.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: empty.Body.VpcId}); err != nil {
		t.Fatal(err)
	}
	exists("DeleteVpnGateway", call("DeleteVpnGateway", "VpnGatewayId", f.gw))
	exists("DeleteCustomerGateway", call("DeleteCustomerGateway", "CustomerGatewayId", f.cgws[1]))
	if _, err := c.DeleteVSwitch(&vpc.DeleteVSwitchRequest{RegionId: region, VSwitchId: free}); err != nil {
		t.Fatal(err)
	}
}
