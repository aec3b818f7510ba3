package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestCompatModifyRouteTableAttributes: ModifyRouteTableAttributes through
// the V2 SDK's own model renames a VPC's System route table and sets its
// description (DescribeRouteTableList answers them and filters by the name),
// changes only what it is given, refuses RoutePropagationEnable=false and
// answers 404 for a table that does not exist.
func TestCompatModifyRouteTableAttributes(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	v, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("192.168.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vtb := v.Body.RouteTableId
	table := func(name string) *vpc.DescribeRouteTableListResponseBodyRouterTableListRouterTableListType {
		t.Helper()
		req := &vpc.DescribeRouteTableListRequest{RegionId: region, VpcId: v.Body.VpcId}
		if name != "" {
			req.RouteTableName = dara.String(name)
		}
		d, err := c.DescribeRouteTableList(req)
		if err != nil {
			t.Fatal(err)
		}
		if l := d.Body.RouterTableList.RouterTableListType; len(l) == 1 {
			return l[0]
		}
		return nil
	}
	if rt := table(""); rt == nil || dara.StringValue(rt.RouteTableName) != "" || dara.StringValue(rt.Description) != "" {
		t.Fatalf("new table = %v", rt)
	}
	if _, err := c.ModifyRouteTableAttributes(&vpc.ModifyRouteTableAttributesRequest{RegionId: region, RouteTableId: vtb,
		RouteTableName: dara.String("main-table"), Description: dara.String("the VPC's routes")}); err != nil {
		t.Fatal(err)
	}
	rt := table("")
	if rt == nil || dara.StringValue(rt.RouteTableName) != "main-table" || dara.StringValue(rt.Description) != "the VPC's routes" ||
		dara.StringValue(rt.RouteTableId) != dara.StringValue(vtb) || !dara.BoolValue(rt.RoutePropagationEnable) {
		t.Fatalf("after modify: %v", rt)
	}
	if table("main-table") == nil || table("other") != nil {
		t.Fatal("RouteTableName filter does not match the table's name")
	}
	// Only what is given changes; the VPC's own name and description stay.
	if _, err := c.ModifyRouteTableAttributes(&vpc.ModifyRouteTableAttributesRequest{RegionId: region, RouteTableId: vtb,
		Description: dara.String("d2"), RoutePropagationEnable: dara.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if rt := table(""); dara.StringValue(rt.RouteTableName) != "main-table" || dara.StringValue(rt.Description) != "d2" {
		t.Fatalf("after a description change: %v", rt)
	}
	a, err := c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: v.Body.VpcId})
	if err != nil || dara.StringValue(a.Body.VpcName) != "" || dara.StringValue(a.Body.Description) != "" {
		t.Fatalf("VPC after route table changes: %v %v", a, err)
	}
	_, err = c.ModifyRouteTableAttributes(&vpc.ModifyRouteTableAttributesRequest{RegionId: region, RouteTableId: vtb, RoutePropagationEnable: dara.Bool(false)})
	wantCode(t, "RoutePropagationEnable=false", err, "OperationUnsupported.Feature", 400)
	_, err = c.ModifyRouteTableAttributes(&vpc.ModifyRouteTableAttributesRequest{RegionId: region, RouteTableId: dara.String("vtb-nosuchtable"), RouteTableName: dara.String("x")})
	wantCode(t, "unknown table", err, "InvalidRouteTableId.NotFound", 404)
	_, err = c.ModifyRouteTableAttributes(&vpc.ModifyRouteTableAttributesRequest{RegionId: region, RouteTableId: vtb, RouteTableName: dara.String("http://x")})
	wantCode(t, "URL name", err, "InvalidRouteTableName.Malformed", 400)
	if rt := table(""); dara.StringValue(rt.RouteTableName) != "main-table" {
		t.Fatalf("a refused modify changed the table: %v", rt)
	}
}
