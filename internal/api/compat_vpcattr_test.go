package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestCompatVpcAttributes drives DescribeVpcAttribute, ModifyVpcAttribute,
// DescribeVSwitchAttributes, ModifyVSwitchAttribute and
// DescribeRouteTableList through the V2 SDK (and DescribeVpcAttribute and
// DescribeRouteTableList through the V1 SDK in XML) and checks every value.
func TestCompatVpcAttributes(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	rg := "rg-acfmtfgroup0001"
	cv, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("192.168.0.0/16"), VpcName: dara.String("v"),
		ResourceGroupId: dara.String(rg), Tag: []*vpc.CreateVpcRequestTag{{Key: dara.String("env"), Value: dara.String("prod")}}})
	if err != nil {
		t.Fatal(err)
	}
	vpcID, vrt, vtb := dara.StringValue(cv.Body.VpcId), dara.StringValue(cv.Body.VRouterId), dara.StringValue(cv.Body.RouteTableId)
	if !vpn.ValidID("vrt", vrt) || !vpn.ValidID("vtb", vtb) || dara.StringValue(cv.Body.ResourceGroupId) != rg {
		t.Fatalf("CreateVpc = %+v", cv.Body)
	}
	sw, err := c.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: region, VpcId: dara.String(vpcID), ZoneId: dara.String("cn-hangzhou-h"),
		CidrBlock: dara.String("192.168.1.0/24"), Tag: []*vpc.CreateVSwitchRequestTag{{Key: dara.String("tier"), Value: dara.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	swID := dara.StringValue(sw.Body.VSwitchId)

	a, err := c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	b := a.Body
	if dara.StringValue(b.VpcId) != vpcID || dara.StringValue(b.VpcName) != "v" || dara.StringValue(b.CidrBlock) != "192.168.0.0/16" ||
		dara.StringValue(b.Status) != "Available" || dara.StringValue(b.VRouterId) != vrt || dara.StringValue(b.ResourceGroupId) != rg ||
		dara.StringValue(b.RegionId) != "cn-hangzhou" || dara.BoolValue(b.IsDefault) || dara.StringValue(b.DnsHostnameStatus) != "DISABLED" ||
		len(b.VSwitchIds.VSwitchId) != 1 || dara.StringValue(b.VSwitchIds.VSwitchId[0]) != swID ||
		len(b.Tags.Tag) != 1 || dara.StringValue(b.Tags.Tag[0].Key) != "env" || dara.StringValue(b.Tags.Tag[0].Value) != "prod" {
		t.Fatalf("DescribeVpcAttribute = %s", b)
	}
	if n := len(b.CloudResources.CloudResourceSetType); n != 3 || dara.Int32Value(b.CloudResources.CloudResourceSetType[0].ResourceCount) != 1 {
		t.Fatalf("CloudResources = %s", b.CloudResources)
	}

	sa, err := c.DescribeVSwitchAttributes(&vpc.DescribeVSwitchAttributesRequest{RegionId: region, VSwitchId: dara.String(swID)})
	if err != nil {
		t.Fatal(err)
	}
	if s := sa.Body; dara.StringValue(s.VSwitchId) != swID || dara.StringValue(s.VpcId) != vpcID || dara.StringValue(s.ZoneId) != "cn-hangzhou-h" ||
		dara.Int64Value(s.AvailableIpAddressCount) != 252 || dara.StringValue(s.ResourceGroupId) != rg ||
		dara.StringValue(s.RouteTable.RouteTableId) != vtb || dara.StringValue(s.RouteTable.RouteTableType) != "System" ||
		dara.StringValue(s.Tags.Tag[0].Key) != "tier" {
		t.Fatalf("DescribeVSwitchAttributes = %s", s)
	}

	rt, err := c.DescribeRouteTableList(&vpc.DescribeRouteTableListRequest{RegionId: region, RouterId: dara.String(vrt)})
	if err != nil {
		t.Fatal(err)
	}
	if dara.Int32Value(rt.Body.TotalCount) != 1 || len(rt.Body.RouterTableList.RouterTableListType) != 1 {
		t.Fatalf("DescribeRouteTableList = %s", rt.Body)
	}
	it := rt.Body.RouterTableList.RouterTableListType[0]
	if dara.StringValue(it.RouteTableId) != vtb || dara.StringValue(it.RouteTableType) != "System" || dara.StringValue(it.VpcId) != vpcID ||
		dara.StringValue(it.RouterType) != "VRouter" || dara.StringValue(it.Status) != "Available" || dara.StringValue(it.ResourceGroupId) != rg ||
		len(it.VSwitchIds.VSwitchId) != 1 || dara.StringValue(it.VSwitchIds.VSwitchId[0]) != swID {
		t.Fatalf("route table = %s", it)
	}
	for _, req := range []*vpc.DescribeRouteTableListRequest{
		{RegionId: region, RouteTableType: dara.String("Custom")},
		{RegionId: region, RouterType: dara.String("VBR")},
		{RegionId: region, ResourceGroupId: dara.String("rg-acfmother")},
		{RegionId: region, RouteTableId: dara.String("vtb-none")},
	} {
		got, err := c.DescribeRouteTableList(req)
		if err != nil || dara.Int32Value(got.Body.TotalCount) != 0 || len(got.Body.RouterTableList.RouterTableListType) != 0 {
			t.Fatalf("DescribeRouteTableList %s = %v, %v", req, got, err)
		}
	}

	// Modify: names and descriptions; a block that would drop the vSwitch and
	// IPv6 are refused with their codes.
	if _, err := c.ModifyVpcAttribute(&vpc.ModifyVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID), VpcName: dara.String("v2"),
		Description: dara.String("desc"), CidrBlock: dara.String("192.168.0.0/17")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req  *vpc.ModifyVpcAttributeRequest
		code string
	}{
		{&vpc.ModifyVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID), CidrBlock: dara.String("192.168.128.0/17")}, "InvalidCidrBlock.VSwitchOutside"},
		{&vpc.ModifyVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID), EnableIPv6: dara.Bool(true)}, "OperationUnsupported.Feature"},
		{&vpc.ModifyVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID), VpcName: dara.String("http://x")}, "InvalidVpcName.Malformed"},
		{&vpc.ModifyVpcAttributeRequest{RegionId: region, VpcId: dara.String("vpc-nonexistent0000000")}, "InvalidVpcId.NotFound"},
	} {
		_, err := c.ModifyVpcAttribute(tc.req)
		if code, _ := sdkCode(err); code != tc.code {
			t.Fatalf("ModifyVpcAttribute %s: err = %v, want %s", tc.req, err, tc.code)
		}
	}
	if _, err := c.ModifyVpcAttribute(&vpc.ModifyVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID), EnableIPv6: dara.Bool(false)}); err != nil {
		t.Fatalf("EnableIPv6=false: %v", err)
	}
	if _, err := c.ModifyVSwitchAttribute(&vpc.ModifyVSwitchAttributeRequest{RegionId: region, VSwitchId: dara.String(swID),
		VSwitchName: dara.String("sw2"), Description: dara.String("d2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyVSwitchAttribute(&vpc.ModifyVSwitchAttributeRequest{RegionId: region, VSwitchId: dara.String(swID), EnableIPv6: dara.Bool(true)}); !hasCode(err, "OperationUnsupported.Feature", 400) {
		t.Fatalf("vSwitch EnableIPv6: %v", err)
	}
	if _, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, ResourceGroupId: dara.String("group-1")}); !hasCode(err, "InvalidResourceGroupId.Malformed", 400) {
		t.Fatalf("CreateVpc with a bad group: %v", err)
	}

	// V1 SDK, XML.
	v1 := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateDescribeVpcAttributeRequest()
	env.PrepareV1(req, &req.AcceptFormat, true)
	req.RegionId, req.VpcId = "cn-hangzhou", vpcID
	got, err := v1.DescribeVpcAttribute(req)
	if err != nil {
		t.Fatal(err)
	}
	if got.VpcName != "v2" || got.Description != "desc" || got.CidrBlock != "192.168.0.0/17" || got.VRouterId != vrt ||
		got.ResourceGroupId != rg || len(got.VSwitchIds.VSwitchId) != 1 || got.VSwitchIds.VSwitchId[0] != swID {
		t.Fatalf("V1 DescribeVpcAttribute = %+v", got)
	}
	lreq := vpcv1.CreateDescribeRouteTableListRequest()
	env.PrepareV1(lreq, &lreq.AcceptFormat, true)
	lreq.RegionId, lreq.VpcId = "cn-hangzhou", vpcID
	list, err := v1.DescribeRouteTableList(lreq)
	if err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 1 || len(list.RouterTableList.RouterTableListType) != 1 || list.RouterTableList.RouterTableListType[0].RouteTableId != vtb {
		t.Fatalf("V1 DescribeRouteTableList = %+v", list)
	}
	sreq := vpcv1.CreateDescribeVSwitchAttributesRequest()
	env.PrepareV1(sreq, &sreq.AcceptFormat, false)
	sreq.RegionId, sreq.VSwitchId = "cn-hangzhou", swID
	s1, err := v1.DescribeVSwitchAttributes(sreq)
	if err != nil {
		t.Fatal(err)
	}
	if s1.VSwitchName != "sw2" || s1.Description != "d2" || s1.RouteTable.RouteTableId != vtb {
		t.Fatalf("V1 DescribeVSwitchAttributes = %+v", s1)
	}
}
