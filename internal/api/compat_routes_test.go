package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestCompatRouteEntries drives both route entry families through the V2
// SDK (DescribeVpnRouteEntries also through the V1 SDK in XML): create,
// describe, publish, weights, priorities, delete, with Alibaba's codes.
func TestCompatRouteEntries(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	f := newFixture(t, env, false)
	gw := dara.String(f.gw)
	var conns []string
	for _, cg := range f.cgws {
		r, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: gw, CustomerGatewayId: dara.String(cg),
			LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8")})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, dara.StringValue(r.Body.VpnConnectionId))
	}
	a, b := dara.String(conns[0]), dara.String(conns[1])

	// Active and standby destination routes.
	r1, err := c.CreateVpnRouteEntry(&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"),
		NextHop: a, Weight: dara.Int32(100), PublishVpc: dara.Bool(true), Description: dara.String("primary")})
	if err != nil {
		t.Fatal(err)
	}
	if b := r1.Body; dara.StringValue(b.VpnInstanceId) != f.gw || dara.StringValue(b.RouteDest) != "10.0.0.0/8" || dara.StringValue(b.NextHop) != conns[0] ||
		dara.Int32Value(b.Weight) != 100 || dara.StringValue(b.State) != "published" || dara.StringValue(b.Description) != "primary" ||
		dara.StringValue(b.OverlayMode) != "Ipsec" || dara.Int64Value(b.CreateTime) == 0 {
		t.Fatalf("CreateVpnRouteEntry = %s", b)
	}
	if _, err := c.CreateVpnRouteEntry(&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"),
		NextHop: b, Weight: dara.Int32(0), PublishVpc: dara.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeVpnRouteEntries(&vpc.DescribeVpnRouteEntriesRequest{RegionId: region, VpnGatewayId: gw})
	if err != nil {
		t.Fatal(err)
	}
	if dara.Int32Value(d.Body.TotalCount) != 2 || len(d.Body.VpnRouteEntries.VpnRouteEntry) != 2 || dara.Int32Value(d.Body.VpnRouteCounts.VpnRouteCount[0].RouteCount) != 2 {
		t.Fatalf("DescribeVpnRouteEntries = %s", d.Body)
	}
	if e := d.Body.VpnRouteEntries.VpnRouteEntry[1]; dara.StringValue(e.NextHop) != conns[1] || dara.Int32Value(e.Weight) != 0 ||
		dara.StringValue(e.State) != "normal" || dara.StringValue(e.RouteEntryType) != "custom" || dara.StringValue(e.VpnInstanceId) != f.gw {
		t.Fatalf("standby = %s", e)
	}
	if _, err := c.PublishVpnRouteEntry(&vpc.PublishVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"),
		NextHop: b, RouteType: dara.String("dbr"), PublishVpc: dara.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyVpnRouteEntryWeight(&vpc.ModifyVpnRouteEntryWeightRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"),
		NextHop: a, Weight: dara.Int32(100), NewWeight: dara.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeVpnRouteEntries(&vpc.DescribeVpnRouteEntriesRequest{RegionId: region, VpnGatewayId: gw})
	if e := d.Body.VpnRouteEntries.VpnRouteEntry; dara.Int32Value(e[0].Weight) != 0 || dara.StringValue(e[1].State) != "published" {
		t.Fatalf("after publish and weight: %s", d.Body)
	}
	if bgp, _ := c.DescribeVpnRouteEntries(&vpc.DescribeVpnRouteEntriesRequest{RegionId: region, VpnGatewayId: gw, RouteEntryType: dara.String("bgp")}); dara.Int32Value(bgp.Body.TotalCount) != 0 {
		t.Fatalf("bgp routes = %s", bgp.Body)
	}

	// Policy routes.
	p1, err := c.CreateVpnPbrRouteEntry(&vpc.CreateVpnPbrRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteSource: dara.String("192.168.1.0/24"),
		RouteDest: dara.String("10.1.0.0/16"), NextHop: a, Weight: dara.Int32(100), PublishVpc: dara.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if b := p1.Body; dara.StringValue(b.RouteSource) != "192.168.1.0/24" || dara.Int32Value(b.Priority) != 10 || dara.StringValue(b.State) != "normal" {
		t.Fatalf("CreateVpnPbrRouteEntry = %s", b)
	}
	if _, err := c.ModifyVpnPbrRouteEntryPriority(&vpc.ModifyVpnPbrRouteEntryPriorityRequest{RegionId: region, VpnGatewayId: gw, RouteSource: dara.String("192.168.1.0/24"),
		RouteDest: dara.String("10.1.0.0/16"), NextHop: a, Weight: dara.Int32(100), Priority: dara.Int32(10), NewPriority: dara.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyVpnPbrRouteEntryWeight(&vpc.ModifyVpnPbrRouteEntryWeightRequest{RegionId: region, VpnGatewayId: gw, RouteSource: dara.String("192.168.1.0/24"),
		RouteDest: dara.String("10.1.0.0/16"), NextHop: a, Weight: dara.Int32(100), NewWeight: dara.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishVpnRouteEntry(&vpc.PublishVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.1.0.0/16"),
		NextHop: a, RouteType: dara.String("pbr"), PublishVpc: dara.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyVpnPbrRouteEntryAttribute(&vpc.ModifyVpnPbrRouteEntryAttributeRequest{RegionId: region, VpnGatewayId: gw, RouteSource: dara.String("192.168.1.0/24"),
		RouteDest: dara.String("10.1.0.0/16"), NextHop: a, NewWeight: dara.Int32(100), NewPriority: dara.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	pd, err := c.DescribeVpnPbrRouteEntries(&vpc.DescribeVpnPbrRouteEntriesRequest{RegionId: region, VpnGatewayId: gw})
	if err != nil {
		t.Fatal(err)
	}
	if dara.Int32Value(pd.Body.TotalCount) != 1 {
		t.Fatalf("pbr = %s", pd.Body)
	}
	if e := pd.Body.VpnPbrRouteEntries.VpnPbrRouteEntry[0]; dara.StringValue(e.RouteSource) != "192.168.1.0/24" || dara.StringValue(e.RouteDest) != "10.1.0.0/16" ||
		dara.Int32Value(e.Priority) != 7 || dara.Int32Value(e.Weight) != 100 || dara.StringValue(e.State) != "published" || dara.StringValue(e.NextHop) != conns[0] {
		t.Fatalf("pbr entry = %s", e)
	}

	// Codes.
	for _, tc := range []struct {
		req    *vpc.CreateVpnRouteEntryRequest
		code   string
		status int
	}{
		{&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"), NextHop: a, Weight: dara.Int32(0), PublishVpc: dara.Bool(false)}, "VpnRouteEntry.AlreadyExists", 400},
		{&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.1/8"), NextHop: a, Weight: dara.Int32(0), PublishVpc: dara.Bool(false)}, "InvalidRouteDest.Malformed", 400},
		{&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.2.0.0/16"), NextHop: a, Weight: dara.Int32(50), PublishVpc: dara.Bool(false)}, "InvalidWeight.Malformed", 400},
		{&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.2.0.0/16"), NextHop: dara.String("vco-nonexistent"), Weight: dara.Int32(0), PublishVpc: dara.Bool(false)}, "InvalidNextHop.NotFound", 404},
		{&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.2.0.0/16"), NextHop: a, Weight: dara.Int32(0)}, "MissingPublishVpc", 400},
		{&vpc.CreateVpnRouteEntryRequest{RegionId: region, VpnGatewayId: dara.String("vpn-nonexistent"), RouteDest: dara.String("10.2.0.0/16"), NextHop: a, Weight: dara.Int32(0), PublishVpc: dara.Bool(false)}, "InvalidVpnGatewayInstanceId.NotFound", 404},
	} {
		if _, err := c.CreateVpnRouteEntry(tc.req); !hasCode(err, tc.code, tc.status) {
			t.Fatalf("%s: %v, want %s", tc.req, err, tc.code)
		}
	}
	if _, err := c.ModifyVpnRouteEntryWeight(&vpc.ModifyVpnRouteEntryWeightRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"),
		NextHop: a, Weight: dara.Int32(100), NewWeight: dara.Int32(100)}); !hasCode(err, "InvalidRouteEntry.NotFound", 404) {
		t.Fatalf("weight of a route with another weight: %v", err)
	}
	if _, err := c.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: region, VpnConnectionId: a}); !hasCode(err, "DependencyViolation.VpnRouteEntry", 400) {
		t.Fatalf("deleting a next hop: %v", err)
	}

	// V1 SDK, XML.
	v1 := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateDescribeVpnRouteEntriesRequest()
	env.PrepareV1(req, &req.AcceptFormat, true)
	req.RegionId, req.VpnGatewayId = "cn-hangzhou", f.gw
	got, err := v1.DescribeVpnRouteEntries(req)
	if err != nil {
		t.Fatal(err)
	}
	if got.TotalCount != 2 || len(got.VpnRouteEntries.VpnRouteEntry) != 2 || got.VpnRouteEntries.VpnRouteEntry[1].State != "published" {
		t.Fatalf("V1 DescribeVpnRouteEntries = %+v", got)
	}

	// Deletes.
	if _, err := c.DeleteVpnPbrRouteEntry(&vpc.DeleteVpnPbrRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteSource: dara.String("192.168.1.0/24"),
		RouteDest: dara.String("10.1.0.0/16"), NextHop: a, Weight: dara.Int32(100)}); err != nil {
		t.Fatal(err)
	}
	for _, hop := range []*string{a, b} {
		if _, err := c.DeleteVpnRouteEntry(&vpc.DeleteVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"), NextHop: hop}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteVpnRouteEntry(&vpc.DeleteVpnRouteEntryRequest{RegionId: region, VpnGatewayId: gw, RouteDest: dara.String("10.0.0.0/8"), NextHop: a}); !hasCode(err, "InvalidRouteEntry.NotFound", 404) {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := c.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: region, VpnConnectionId: a}); err != nil {
		t.Fatal(err)
	}
}
