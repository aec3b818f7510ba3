package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestCompatGatewayAttributes drives ModifyVpnGatewayAttribute,
// DescribeVpnGatewayAvailableZones, MoveVpnResourceGroup and
// MoveResourceGroup through the V2 SDK (zones also through the V1 SDK) and
// checks the Name default, SslConnections and ResourceGroupId read back.
func TestCompatGatewayAttributes(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	v, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("192.168.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := dara.StringValue(v.Body.VpcId)
	g, err := c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: region, VpcId: dara.String(vpcID), Bandwidth: dara.Int32(10),
		EnableSsl: dara.Bool(true), SslConnections: dara.Int32(20), AutoPay: dara.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	gwID := dara.StringValue(g.Body.VpnGatewayId)
	if dara.StringValue(g.Body.Name) != gwID {
		t.Fatalf("CreateVpnGateway Name = %q, want the id %s (the documented default)", dara.StringValue(g.Body.Name), gwID)
	}
	d, err := c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: region, VpnGatewayId: dara.String(gwID)})
	if err != nil {
		t.Fatal(err)
	}
	def := vpn.DefaultResourceGroupID(apptestAccount(t, env))
	if b := d.Body; dara.Int64Value(b.SslMaxConnections) != 20 || dara.StringValue(b.SslVpn) != "enable" || dara.StringValue(b.Name) != gwID ||
		dara.StringValue(b.SslVpnInternetIp) != dara.StringValue(b.InternetIp) || dara.StringValue(b.ResourceGroupId) != def || dara.BoolValue(b.AutoPropagate) {
		t.Fatalf("DescribeVpnGateway = %s", b)
	}

	m, err := c.ModifyVpnGatewayAttribute(&vpc.ModifyVpnGatewayAttributeRequest{RegionId: region, VpnGatewayId: dara.String(gwID),
		Name: dara.String("gw-1"), Description: dara.String("edge"), AutoPropagate: dara.Bool(true), ClientToken: dara.String("tok")})
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Body; dara.StringValue(b.Name) != "gw-1" || dara.StringValue(b.Description) != "edge" || !dara.BoolValue(b.AutoPropagate) ||
		dara.StringValue(b.VpnGatewayId) != gwID || dara.StringValue(b.VpcId) != vpcID || dara.StringValue(b.Spec) != "10M" ||
		dara.StringValue(b.Status) != "active" || dara.StringValue(b.ResourceGroupId) != def || dara.StringValue(b.InternetIp) == "" {
		t.Fatalf("ModifyVpnGatewayAttribute = %s", b)
	}
	for _, tc := range []struct {
		req  *vpc.ModifyVpnGatewayAttributeRequest
		code string
	}{
		{&vpc.ModifyVpnGatewayAttributeRequest{RegionId: region, VpnGatewayId: dara.String(gwID), Name: dara.String("https://x")}, "InvalidName.Malformed"},
		{&vpc.ModifyVpnGatewayAttributeRequest{RegionId: region, VpnGatewayId: dara.String("vpn-nonexistent")}, "InvalidVpnGatewayInstanceId.NotFound"},
	} {
		if _, err := c.ModifyVpnGatewayAttribute(tc.req); !hasCode(err, tc.code, map[bool]int{true: 404, false: 400}[tc.code == "InvalidVpnGatewayInstanceId.NotFound"]) {
			t.Fatalf("%s: %v", tc.req, err)
		}
	}

	// Resource groups: a gateway moves with its connections, a customer
	// gateway alone, a VPC through MoveResourceGroup.
	cg, err := c.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: region, IpAddress: dara.String("198.51.100.9"), ResourceGroupId: dara.String("rg-acfmcg")})
	if err != nil {
		t.Fatal(err)
	}
	cgID := dara.StringValue(cg.Body.CustomerGatewayId)
	conn, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(gwID), CustomerGatewayId: dara.String(cgID),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	connID := dara.StringValue(conn.Body.VpnConnectionId)
	if _, err := c.MoveVpnResourceGroup(&vpc.MoveVpnResourceGroupRequest{RegionId: region, InstanceId: dara.String(gwID),
		NewResourceGroupId: dara.String("rg-acfmnew"), ResourceType: dara.String("VpnGateWay")}); err != nil {
		t.Fatal(err)
	}
	dc, _ := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: region, VpnConnectionId: dara.String(connID)})
	dg, _ := c.DescribeVpnGateways(&vpc.DescribeVpnGatewaysRequest{RegionId: region, ResourceGroupId: dara.String("rg-acfmnew")})
	dcg, _ := c.DescribeCustomerGateway(&vpc.DescribeCustomerGatewayRequest{RegionId: region, CustomerGatewayId: dara.String(cgID)})
	if dara.StringValue(dc.Body.ResourceGroupId) != "rg-acfmnew" || dara.Int32Value(dg.Body.TotalCount) != 1 || dara.StringValue(dcg.Body.ResourceGroupId) != "rg-acfmcg" {
		t.Fatalf("after the move: connection %s, gateways %d, customer gateway %s", dara.StringValue(dc.Body.ResourceGroupId),
			dara.Int32Value(dg.Body.TotalCount), dara.StringValue(dcg.Body.ResourceGroupId))
	}
	if _, err := c.MoveVpnResourceGroup(&vpc.MoveVpnResourceGroupRequest{RegionId: region, InstanceId: dara.String(cgID),
		NewResourceGroupId: dara.String("rg-acfmnew"), ResourceType: dara.String("CustomerGateway")}); err != nil {
		t.Fatal(err)
	}
	cgs, _ := c.DescribeCustomerGateways(&vpc.DescribeCustomerGatewaysRequest{RegionId: region, ResourceGroupId: dara.String("rg-acfmnew")})
	if dara.Int32Value(cgs.Body.TotalCount) != 1 {
		t.Fatalf("customer gateways in the new group: %s", cgs.Body)
	}
	if _, err := c.MoveResourceGroup(&vpc.MoveResourceGroupRequest{RegionId: region, ResourceId: dara.String(vpcID),
		NewResourceGroupId: dara.String("rg-acfmnew"), ResourceType: dara.String("vpc")}); err != nil {
		t.Fatal(err)
	}
	if a, _ := c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: dara.String(vpcID)}); dara.StringValue(a.Body.ResourceGroupId) != "rg-acfmnew" {
		t.Fatalf("VPC group after MoveResourceGroup: %s", a.Body)
	}
	for _, tc := range []struct {
		req  *vpc.MoveVpnResourceGroupRequest
		code string
	}{
		{&vpc.MoveVpnResourceGroupRequest{RegionId: region, InstanceId: dara.String(gwID), NewResourceGroupId: dara.String("group"), ResourceType: dara.String("VpnGateway")}, "InvalidResourceGroupId.Malformed"},
		{&vpc.MoveVpnResourceGroupRequest{RegionId: region, InstanceId: dara.String(gwID), ResourceType: dara.String("VpnGateway")}, "MissingNewResourceGroupId"},
		{&vpc.MoveVpnResourceGroupRequest{RegionId: region, InstanceId: dara.String(connID), NewResourceGroupId: dara.String("rg-x"), ResourceType: dara.String("VpnAttachment")}, "OperationUnsupported.Feature"},
		{&vpc.MoveVpnResourceGroupRequest{RegionId: region, InstanceId: dara.String(gwID), NewResourceGroupId: dara.String("rg-x"), ResourceType: dara.String("Eip")}, "InvalidInstanceType.NotFound"},
	} {
		if _, err := c.MoveVpnResourceGroup(tc.req); !hasCode(err, tc.code, 400) {
			t.Fatalf("%s: %v", tc.req, err)
		}
	}

	// Zones.
	z, err := c.DescribeVpnGatewayAvailableZones(&vpc.DescribeVpnGatewayAvailableZonesRequest{RegionId: region, Spec: dara.String("10M")})
	if err != nil {
		t.Fatal(err)
	}
	if dara.StringValue(z.Body.RegionId) != "cn-hangzhou" || len(z.Body.AvailableZoneIdList) != 7 ||
		dara.StringValue(z.Body.AvailableZoneIdList[0].ZoneId) != "cn-hangzhou-b" || dara.StringValue(z.Body.AvailableZoneIdList[0].ZoneName) != "Hangzhou Zone B" {
		t.Fatalf("zones = %s", z.Body)
	}
	if _, err := c.DescribeVpnGatewayAvailableZones(&vpc.DescribeVpnGatewayAvailableZonesRequest{RegionId: region, Spec: dara.String("15M")}); !hasCode(err, "InvalidSpec.Malformed", 400) {
		t.Fatalf("bad spec: %v", err)
	}
	v1 := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateDescribeVpnGatewayAvailableZonesRequest()
	env.PrepareV1(req, &req.AcceptFormat, true)
	req.RegionId, req.Spec, req.AcceptLanguage = "cn-shanghai", "1000M", "zh-CN"
	zz, err := v1.DescribeVpnGatewayAvailableZones(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(zz.AvailableZoneIdList) != 10 || zz.AvailableZoneIdList[0].ZoneId != "cn-shanghai-a" || zz.AvailableZoneIdList[0].ZoneName != "上海 可用区A" {
		t.Fatalf("V1 zones = %+v", zz)
	}
}

// apptestAccount is the root account id of a test server.
func apptestAccount(t *testing.T, env *apptest.Env) string {
	t.Helper()
	accts, err := env.App.Store.ListAccounts(t.Context())
	if err != nil || len(accts) == 0 {
		t.Fatalf("accounts: %v %v", accts, err)
	}
	return accts[0].AccountID
}
