package api_test

import (
	"fmt"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

func tagReq(kv ...string) []*vpc.TagResourcesRequestTag {
	var out []*vpc.TagResourcesRequestTag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, &vpc.TagResourcesRequestTag{Key: dara.String(kv[i]), Value: dara.String(kv[i+1])})
	}
	return out
}

// TestCompatTags drives TagResources, UnTagResources and ListTagResources
// through the V2 SDK (ListTagResources also through the V1 SDK) for every
// taggable type, in the spellings clients send, and checks the tag filters
// of the Describe* lists and their TotalCount.
func TestCompatTags(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	f := newFixture(t, env, false)
	cr, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(f.gw),
		CustomerGatewayId: dara.String(f.cgws[0]), LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	connectionID := dara.StringValue(cr.Body.VpnConnectionId)
	sws0, err := c.DescribeVSwitches(&vpc.DescribeVSwitchesRequest{RegionId: region, VpcId: dara.String(f.vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	vswitchID := dara.StringValue(sws0.Body.VSwitches.VSwitch[0].VSwitchId)
	routeTableID := dara.StringValue(sws0.Body.VSwitches.VSwitch[0].RouteTable.RouteTableId)

	// Creates store Tag.N / Tags.N.
	v2, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("10.0.0.0/8"),
		Tag: []*vpc.CreateVpcRequestTag{{Key: dara.String("env"), Value: dara.String("prod")}}})
	if err != nil {
		t.Fatal(err)
	}
	tagged := dara.StringValue(v2.Body.VpcId)
	cg, err := c.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: region, IpAddress: dara.String("198.51.100.77"),
		Tags: []*vpc.CreateCustomerGatewayRequestTags{{Key: dara.String("site"), Value: dara.String("dc2")}}})
	if err != nil {
		t.Fatal(err)
	}
	cgID := dara.StringValue(cg.Body.CustomerGatewayId)
	d, err := c.DescribeCustomerGateway(&vpc.DescribeCustomerGatewayRequest{RegionId: region, CustomerGatewayId: dara.String(cgID)})
	if err != nil || len(d.Body.Tags.Tag) != 1 || dara.StringValue(d.Body.Tags.Tag[0].Value) != "dc2" {
		t.Fatalf("DescribeCustomerGateway tags = %v, %v", d, err)
	}

	// Every type, as Terraform spells it.
	for typ, id := range map[string]string{"VPC": f.vpcID, "VSWITCH": vswitchID, "VpnGateWay": f.gw,
		"CUSTOMERGATEWAY": f.cgws[0], "VPNCONNECTION": connectionID, "routetable": routeTableID} {
		if _, err := c.TagResources(&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String(typ), ResourceId: dara.StringSlice([]string{id}),
			Tag: tagReq("owner", "team-a", "cost", "42")}); err != nil {
			t.Fatalf("TagResources %s: %v", typ, err)
		}
	}
	g, err := c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
	if err != nil || len(g.Body.Tags.Tag) != 2 || dara.StringValue(g.Body.Tags.Tag[0].Key) != "owner" || dara.StringValue(g.Body.Tags.Tag[1].Value) != "42" {
		t.Fatalf("DescribeVpnGateway tags = %v, %v", g, err)
	}
	conn, err := c.DescribeVpnConnections(&vpc.DescribeVpnConnectionsRequest{RegionId: region,
		Tag: []*vpc.DescribeVpnConnectionsRequestTag{{Key: dara.String("owner"), Value: dara.String("team-a")}}})
	if err != nil || dara.Int32Value(conn.Body.TotalCount) != 1 || len(conn.Body.VpnConnections.VpnConnection[0].Tag.Tag) != 2 {
		t.Fatalf("DescribeVpnConnections by tag = %v, %v", conn, err)
	}

	// Tag filters filter, in the store: TotalCount counts the matches.
	vpcs, err := c.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: region, PageSize: dara.Int32(1),
		Tag: []*vpc.DescribeVpcsRequestTag{{Key: dara.String("env"), Value: dara.String("prod")}}})
	if err != nil || dara.Int32Value(vpcs.Body.TotalCount) != 1 || dara.StringValue(vpcs.Body.Vpcs.Vpc[0].VpcId) != tagged {
		t.Fatalf("DescribeVpcs by tag = %v, %v", vpcs, err)
	}
	vpcs, err = c.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: region, Tag: []*vpc.DescribeVpcsRequestTag{{Key: dara.String("owner")}}})
	if err != nil || dara.Int32Value(vpcs.Body.TotalCount) != 1 || dara.StringValue(vpcs.Body.Vpcs.Vpc[0].VpcId) != f.vpcID {
		t.Fatalf("DescribeVpcs by key = %v, %v", vpcs, err)
	}
	sws, err := c.DescribeVSwitches(&vpc.DescribeVSwitchesRequest{RegionId: region, Tag: []*vpc.DescribeVSwitchesRequestTag{{Key: dara.String("cost"), Value: dara.String("42")}}})
	if err != nil || dara.Int32Value(sws.Body.TotalCount) != 1 {
		t.Fatalf("DescribeVSwitches by tag = %v, %v", sws, err)
	}
	gws, err := c.DescribeVpnGateways(&vpc.DescribeVpnGatewaysRequest{RegionId: region, Tag: []*vpc.DescribeVpnGatewaysRequestTag{{Key: dara.String("cost"), Value: dara.String("43")}}})
	if err != nil || dara.Int32Value(gws.Body.TotalCount) != 0 || len(gws.Body.VpnGateways.VpnGateway) != 0 {
		t.Fatalf("DescribeVpnGateways by another value = %v, %v", gws, err)
	}
	cgs, err := c.DescribeCustomerGateways(&vpc.DescribeCustomerGatewaysRequest{RegionId: region, Tag: []*vpc.DescribeCustomerGatewaysRequestTag{{Key: dara.String("site")}}})
	if err != nil || dara.Int32Value(cgs.Body.TotalCount) != 1 || dara.StringValue(cgs.Body.CustomerGateways.CustomerGateway[0].CustomerGatewayId) != cgID {
		t.Fatalf("DescribeCustomerGateways by tag = %v, %v", cgs, err)
	}
	rts, err := c.DescribeRouteTableList(&vpc.DescribeRouteTableListRequest{RegionId: region, Tag: []*vpc.DescribeRouteTableListRequestTag{{Key: dara.String("owner")}}})
	if err != nil || dara.Int32Value(rts.Body.TotalCount) != 1 || len(rts.Body.RouterTableList.RouterTableListType[0].Tags.Tag) != 2 {
		t.Fatalf("DescribeRouteTableList by tag = %v, %v", rts, err)
	}

	// ListTagResources by id and by tag, paged.
	list, err := c.ListTagResources(&vpc.ListTagResourcesRequest{RegionId: region, ResourceType: dara.String("vpngateway"),
		ResourceId: dara.StringSlice([]string{f.gw})})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[%s VpnGateway owner team-a] [%s VpnGateway cost 42]", f.gw, f.gw)
	if got := tagResources(list.Body); got != want || dara.StringValue(list.Body.NextToken) != "" {
		t.Fatalf("ListTagResources = %s (next %q), want %s", got, dara.StringValue(list.Body.NextToken), want)
	}
	list, err = c.ListTagResources(&vpc.ListTagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), MaxResults: dara.Int32(1),
		Tag: []*vpc.ListTagResourcesRequestTag{{Key: dara.String("owner"), Value: dara.String("team-a")}}})
	if err != nil || tagResources(list.Body) != fmt.Sprintf("[%s VPC owner team-a]", f.vpcID) || dara.StringValue(list.Body.NextToken) != "1" {
		t.Fatalf("ListTagResources page 1 = %v, %v", list, err)
	}
	list, err = c.ListTagResources(&vpc.ListTagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), MaxResults: dara.Int32(1),
		NextToken: list.Body.NextToken, Tag: []*vpc.ListTagResourcesRequestTag{{Key: dara.String("owner"), Value: dara.String("team-a")}}})
	if err != nil || tagResources(list.Body) != fmt.Sprintf("[%s VPC cost 42]", f.vpcID) || dara.StringValue(list.Body.NextToken) != "" {
		t.Fatalf("ListTagResources page 2 = %v, %v", list, err)
	}

	// UnTagResources by key and All.
	if _, err := c.UnTagResources(&vpc.UnTagResourcesRequest{RegionId: region, ResourceType: dara.String("VpnGateWay"),
		ResourceId: dara.StringSlice([]string{f.gw}), TagKey: dara.StringSlice([]string{"owner"})}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnTagResources(&vpc.UnTagResourcesRequest{RegionId: region, ResourceType: dara.String("VPNCONNECTION"),
		ResourceId: dara.StringSlice([]string{connectionID}), All: dara.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	g, _ = c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(f.gw)})
	if len(g.Body.Tags.Tag) != 1 || dara.StringValue(g.Body.Tags.Tag[0].Key) != "cost" {
		t.Fatalf("tags after UnTagResources: %s", g.Body.Tags)
	}
	dc, _ := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: region, VpnConnectionId: dara.String(connectionID)})
	if len(dc.Body.Tags.Tag) != 0 {
		t.Fatalf("tags after All: %s", dc.Body.Tags)
	}

	// Alibaba's codes and limits.
	many := func(n int) []*vpc.TagResourcesRequestTag {
		var kv []string
		for i := range n {
			kv = append(kv, fmt.Sprintf("k%d", i), "v")
		}
		return tagReq(kv...)
	}
	ids := func(n int) []*string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("vpc-x%d", i))
		}
		return dara.StringSlice(out)
	}
	one := dara.StringSlice([]string{f.vpcID})
	for _, tc := range []struct {
		req  *vpc.TagResourcesRequest
		code string
	}{
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("EIP"), ResourceId: one, Tag: tagReq("a", "b")}, "InvalidInstanceType.NotFound"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: dara.StringSlice([]string{"vpc-nonexistent"}), Tag: tagReq("a", "b")}, "InvalidInstanceIds.NotFound"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: dara.StringSlice([]string{f.gw}), Tag: tagReq("a", "b")}, "InvalidInstanceIds.NotFound"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: tagReq("aliyun-x", "b")}, "Forbidden.TagKeys"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: tagReq("acs:x", "b")}, "Forbidden.TagKeys"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: tagReq("http://x", "b")}, "InvalidTagKey"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: tagReq("a", "https://b")}, "InvalidTagValue"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: tagReq("a", "1", "a", "2")}, "Forbidden.TagKey.Duplicated"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: many(21)}, "SizeLimitExceeded.TagNum"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: ids(51), Tag: tagReq("a", "b")}, "SizeLimitExceeded.ResourceId"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, Tag: many(19)}, "QuotaExceeded.TagNum"},
		{&vpc.TagResourcesRequest{RegionId: region, ResourceId: one, Tag: tagReq("a", "b")}, "MissingResourceType"},
	} {
		if _, err := c.TagResources(tc.req); !hasCode(err, tc.code, 400) {
			t.Fatalf("TagResources %s: err = %v, want %s", tc.req, err, tc.code)
		}
	}
	// The refused quota write left the VPC's two tags alone.
	a, _ := c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: dara.String(f.vpcID)})
	if len(a.Body.Tags.Tag) != 2 {
		t.Fatalf("tags after refused writes: %s", a.Body.Tags)
	}
	if _, err := c.UnTagResources(&vpc.UnTagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one}); !hasCode(err, "MissingTagKey.1", 400) {
		t.Fatalf("UnTagResources without keys: %v", err)
	}
	if _, err := c.ListTagResources(&vpc.ListTagResourcesRequest{RegionId: region, ResourceType: dara.String("VPC"), ResourceId: one, NextToken: dara.String("x")}); !hasCode(err, "InvalidNextToken.Malformed", 400) {
		t.Fatalf("ListTagResources bad token: %v", err)
	}

	// V1 SDK, XML.
	v1 := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateListTagResourcesRequest()
	env.PrepareV1(req, &req.AcceptFormat, true)
	req.RegionId, req.ResourceType, req.ResourceId = "cn-hangzhou", "VSWITCH", &[]string{vswitchID}
	got, err := v1.ListTagResources(req)
	if err != nil {
		t.Fatal(err)
	}
	if tr := got.TagResources.TagResource; len(tr) != 2 || tr[0].ResourceId != vswitchID || tr[0].ResourceType != "VSWITCH" || tr[0].TagKey != "owner" || tr[1].TagValue != "42" {
		t.Fatalf("V1 ListTagResources = %+v", got)
	}
}

func tagResources(b *vpc.ListTagResourcesResponseBody) string {
	out := ""
	for i, r := range b.TagResources.TagResource {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("[%s %s %s %s]", dara.StringValue(r.ResourceId), dara.StringValue(r.ResourceType), dara.StringValue(r.TagKey), dara.StringValue(r.TagValue))
	}
	return out
}
