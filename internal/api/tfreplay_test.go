package api_test

import (
	"fmt"
	"strings"
	"testing"

	rpc "github.com/alibabacloud-go/tea-rpc/client"
	util "github.com/alibabacloud-go/tea-utils/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// The Terraform replay tests drive vpcvpn with the client Alibaba's Terraform
// provider (terraform-provider-alicloud v1.288.0) uses for the VPC and VPN
// resources: tea-rpc's client.DoRequest, through connectivity.RpcPost /
// RpcGet, with the parameters split between query and form body exactly as
// the provider's resource code splits them. Each test replays one resource's
// calls in the provider's order (create, poll, read, update, tag, delete,
// poll until gone) and asserts what the provider checks at each step: the
// fields it reads, the states its StateRefreshFuncs wait for and the error
// codes or HTTP status it treats as "not found" (NotFoundError: status 404,
// or the codes the resource lists).

const tfRegion = "cn-hangzhou"

type tfClient struct {
	t *testing.T
	c *rpc.Client
	// rec, when set, collects every successful answer by action.
	rec map[string][]map[string]any
}

func newTFClient(t *testing.T, env *apptest.Env) *tfClient {
	t.Helper()
	c, err := rpc.NewClient(&rpc.Config{
		AccessKeyId:     tea.String(apptest.AccessKeyID),
		AccessKeySecret: tea.String(apptest.AccessKeySecret),
		Endpoint:        tea.String(env.Endpoint),
		Protocol:        tea.String("http"),
		RegionId:        tea.String(tfRegion),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &tfClient{t: t, c: c}
}

// call is connectivity.rpcRequest: DoRequest with the AK auth type.
func (c *tfClient) call(method, action string, query, body map[string]any) (map[string]any, error) {
	runtime := &util.RuntimeOptions{}
	runtime.SetAutoretry(false)
	resp, err := c.c.DoRequest(tea.String(action), nil, tea.String(method), tea.String("2016-04-28"), tea.String("AK"), query, body, runtime)
	if err == nil && c.rec != nil {
		c.rec[action] = append(c.rec[action], resp)
	}
	return resp, err
}

// post is RpcPost and must succeed.
func (c *tfClient) post(action string, query, body map[string]any) map[string]any {
	c.t.Helper()
	resp, err := c.call("POST", action, query, body)
	if err != nil {
		c.t.Fatalf("%s: %v", action, err)
	}
	return resp
}

// postErr is RpcPost that must fail with code and HTTP status.
func (c *tfClient) postErr(action string, query, body map[string]any, code string, status int) {
	c.t.Helper()
	_, err := c.call("POST", action, query, body)
	e, ok := err.(*tea.SDKError)
	if !ok || tea.StringValue(e.Code) != code || tea.IntValue(e.StatusCode) != status {
		c.t.Fatalf("%s: err = %v, want %s (%d)", action, err, code, status)
	}
}

// m builds a request map; the provider sets RegionId in every one.
func m(kv ...any) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// str reads a string field of an answer ("" when absent or not a string).
func sv(resp map[string]any, key string) string {
	s, _ := resp[key].(string)
	return s
}

// path walks nested objects of an answer.
func path(resp map[string]any, keys ...string) any {
	var cur any = resp
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// tagsToMap is the provider's tagsToMap over $.Tags.Tag.
func tagsToMap(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("Tags.Tag is %T, want a list", v)
	}
	for _, it := range list {
		mm := it.(map[string]any)
		out[fmt.Sprint(mm["Key"])] = fmt.Sprint(mm["Value"])
	}
	return out
}

// TestTerraformVpcAndVSwitch replays alicloud_vpc and alicloud_vswitch.
func TestTerraformVpcAndVSwitch(t *testing.T) {
	env := apptest.Start(t)
	c := newTFClient(t, env)

	// alicloud_vpc create: CreateVpc (body), then DescribeVpcAttribute until
	// Status is Available.
	created := c.post("CreateVpc", m(), m("RegionId", tfRegion, "ClientToken", "tf-CreateVpc-1", "CidrBlock", "10.0.0.0/8",
		"VpcName", "tf-vpc", "Description", "made by terraform", "Tag.1.Key", "env", "Tag.1.Value", "test"))
	vpcID := sv(created, "VpcId")
	if vpcID == "" || sv(created, "VRouterId") == "" || sv(created, "RouteTableId") == "" || sv(created, "ResourceGroupId") == "" {
		t.Fatalf("CreateVpc = %v", created)
	}
	attr := c.post("DescribeVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	if sv(attr, "VpcId") != vpcID || sv(attr, "Status") != "Available" {
		t.Fatalf("DescribeVpcAttribute = %v", attr)
	}
	// resourceAliCloudVpcVpcUpdate (new resource) always reads the System
	// route table: DescribeRouteTableList(VpcId) must list one whose
	// RouteTableType is System and VpcId is the VPC.
	rt := c.post("DescribeRouteTableList", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	system := systemTable(t, rt, vpcID)
	if sv(system, "RouteTableId") != sv(created, "RouteTableId") || sv(system, "RouterId") != sv(created, "VRouterId") ||
		sv(system, "ResourceGroupId") != sv(created, "ResourceGroupId") {
		t.Fatalf("System route table %v does not match CreateVpc %v", system, created)
	}
	// Read: the fields the provider sets.
	attr = c.post("DescribeVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	for k, want := range map[string]any{"CidrBlock": "10.0.0.0/8", "VpcName": "tf-vpc", "Description": "made by terraform",
		"RegionId": tfRegion, "IsDefault": false, "ResourceGroupId": sv(created, "ResourceGroupId"), "VRouterId": sv(created, "VRouterId"),
		"Status": "Available", "EnabledIpv6": false, "ClassicLinkEnabled": false} {
		if attr[k] != want {
			t.Errorf("DescribeVpcAttribute %s = %v, want %v", k, attr[k], want)
		}
	}
	if ct := sv(attr, "CreationTime"); len(ct) != len("2006-01-02T15:04:05Z") {
		t.Errorf("CreationTime = %q", ct)
	}
	if got := tagsToMap(t, path(attr, "Tags", "Tag")); len(got) != 1 || got["env"] != "test" {
		t.Errorf("tags = %v", got)
	}

	// alicloud_vswitch: CreateVSwitch, then DescribeVSwitchAttributes
	// (VSwitchId in the query) until Available.
	swResp := c.post("CreateVSwitch", nil, m("RegionId", tfRegion, "ClientToken", "tf-CreateVSwitch-1", "CidrBlock", "10.1.0.0/16",
		"VpcId", vpcID, "VSwitchName", "tf-sw", "ZoneId", "cn-hangzhou-h"))
	swID := sv(swResp, "VSwitchId")
	sw := c.post("DescribeVSwitchAttributes", m("VSwitchId", swID), m("RegionId", tfRegion))
	for k, want := range map[string]any{"VSwitchId": swID, "Status": "Available", "CidrBlock": "10.1.0.0/16", "VpcId": vpcID,
		"ZoneId": "cn-hangzhou-h", "VSwitchName": "tf-sw", "IsDefault": false, "Ipv6CidrBlock": nil} {
		if sw[k] != want {
			t.Errorf("DescribeVSwitchAttributes %s = %v, want %v", k, sw[k], want)
		}
	}
	if path(sw, "RouteTable", "RouteTableId") != sv(created, "RouteTableId") {
		t.Errorf("vSwitch route table = %v", sw["RouteTable"])
	}

	// Updates: ModifyVpcAttribute (VpcName, Description) and
	// ModifyVSwitchAttribute, each polled until Available again.
	c.post("ModifyVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion, "VpcName", "tf-vpc-2", "Description", ""))
	attr = c.post("DescribeVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	if sv(attr, "VpcName") != "tf-vpc-2" || sv(attr, "Description") != "" || sv(attr, "Status") != "Available" {
		t.Fatalf("after ModifyVpcAttribute: %v", attr)
	}
	// SetResourceTags(d, "VPC"): UnTagResources of removed keys, then
	// TagResources of added or changed ones (ResourceId.1, Tag.N / TagKey.N
	// in the body); the read takes $.Tags.Tag.
	c.post("UnTagResources", m(), m("ResourceId.1", vpcID, "RegionId", tfRegion, "TagKey.1", "env", "ResourceType", "VPC"))
	c.post("TagResources", m(), m("ResourceId.1", vpcID, "RegionId", tfRegion, "Tag.1.Key", "owner", "Tag.1.Value", "net", "ResourceType", "VPC"))
	attr = c.post("DescribeVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	if got := tagsToMap(t, path(attr, "Tags", "Tag")); len(got) != 1 || got["owner"] != "net" {
		t.Fatalf("tags after SetResourceTags = %v", got)
	}
	c.post("TagResources", m(), m("ResourceId.1", swID, "RegionId", tfRegion, "Tag.1.Key", "tier", "Tag.1.Value", "web", "ResourceType", "VSWITCH"))
	c.post("ModifyVSwitchAttribute", nil, m("VSwitchId", swID, "RegionId", tfRegion, "VSwitchName", "tf-sw-2", "Description", "d"))
	sw = c.post("DescribeVSwitchAttributes", m("VSwitchId", swID), m("RegionId", tfRegion))
	if sv(sw, "VSwitchName") != "tf-sw-2" || sv(sw, "Description") != "d" || sv(sw, "Status") != "Available" {
		t.Fatalf("after ModifyVSwitchAttribute: %v", sw)
	}
	if got := tagsToMap(t, path(sw, "Tags", "Tag")); len(got) != 1 || got["tier"] != "web" {
		t.Fatalf("vSwitch tags = %v", got)
	}
	attr = c.post("DescribeVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	if ids, _ := path(attr, "VSwitchIds", "VSwitchId").([]any); len(ids) != 1 || ids[0] != swID {
		t.Fatalf("VSwitchIds = %v", attr["VSwitchIds"])
	}

	// Deletes: DeleteVSwitch, polled until InvalidVSwitchId.NotFound (a 404
	// the provider's NotFoundError recognises); DeleteVpc (while it has a
	// vSwitch the provider retries DependencyViolation.VSwitch), then
	// DescribeVpcAttribute until not found.
	c.postErr("DeleteVpc", m(), m("VpcId", vpcID, "RegionId", tfRegion, "ClientToken", "tf-DeleteVpc-1"), "DependencyViolation.VSwitch", 400)
	c.post("DeleteVSwitch", nil, m("VSwitchId", swID, "RegionId", tfRegion))
	c.postErr("DescribeVSwitchAttributes", m("VSwitchId", swID), m("RegionId", tfRegion), "InvalidVSwitchId.NotFound", 404)
	c.post("DeleteVpc", m(), m("VpcId", vpcID, "RegionId", tfRegion, "ClientToken", "tf-DeleteVpc-2"))
	c.postErr("DescribeVpcAttribute", m(), m("VpcId", vpcID, "RegionId", tfRegion), "InvalidVpcId.NotFound", 404)
	rt = c.post("DescribeRouteTableList", m(), m("VpcId", vpcID, "RegionId", tfRegion))
	if list, _ := path(rt, "RouterTableList", "RouterTableListType").([]any); len(list) != 0 {
		t.Fatalf("route tables of a deleted VPC: %v", list)
	}
}

// systemTable is DescribeVpcDescribeRouteTableList: the first
// RouterTableList.RouterTableListType item with RouteTableType System and
// the VPC's id.
func systemTable(t *testing.T, resp map[string]any, vpcID string) map[string]any {
	t.Helper()
	list, ok := path(resp, "RouterTableList", "RouterTableListType").([]any)
	if !ok {
		t.Fatalf("no RouterTableList.RouterTableListType in %v", resp)
	}
	for _, it := range list {
		item := it.(map[string]any)
		if item["RouteTableType"] == "System" && item["VpcId"] == vpcID {
			return item
		}
	}
	t.Fatalf("no System route table of %s in %v", vpcID, list)
	return nil
}

// pollUntil is the provider's StateConf: describe until field equals want.
func (c *tfClient) pollUntil(action string, query, body map[string]any, field string, want any) map[string]any {
	c.t.Helper()
	for range 5 {
		resp := c.post(action, query, body)
		if resp[field] == want {
			return resp
		}
	}
	c.t.Fatalf("%s never reached %s=%v", action, field, want)
	return nil
}

// TestTerraformVpnGatewayAndCustomerGateway replays alicloud_vpn_gateway,
// alicloud_vpn_customer_gateway and data alicloud_vpn_gateway_zones.
func TestTerraformVpnGatewayAndCustomerGateway(t *testing.T) {
	env := apptest.Start(t)
	c := newTFClient(t, env)
	vpcID := sv(c.post("CreateVpc", m(), m("RegionId", tfRegion, "CidrBlock", "10.0.0.0/8")), "VpcId")
	swID := sv(c.post("CreateVSwitch", nil, m("RegionId", tfRegion, "CidrBlock", "10.1.0.0/16", "VpcId", vpcID, "ZoneId", "cn-hangzhou-h")), "VSwitchId")

	// data alicloud_vpn_gateway_zones: RpcGet, Spec in the query; the
	// provider casts $.AvailableZoneIdList to a list.
	zones, err := c.call("GET", "DescribeVpnGatewayAvailableZones", m("RegionId", tfRegion, "Spec", tea.String("5M")), nil)
	if err != nil {
		t.Fatal(err)
	}
	list, ok := zones["AvailableZoneIdList"].([]any)
	if !ok || len(list) != 7 || path(map[string]any{"z": list[3]}, "z", "ZoneId") != "cn-hangzhou-h" || path(map[string]any{"z": list[3]}, "z", "ZoneName") != "Hangzhou Zone H" {
		t.Fatalf("zones = %v", zones)
	}

	// alicloud_vpn_gateway create: body parameters as the provider sends
	// them (AutoPay, POSTPAY, no Description: that goes through the modify).
	created := c.post("CreateVpnGateway", m(), m("RegionId", tfRegion, "ClientToken", "tf-CreateVpnGateway-1", "VpcId", vpcID, "VSwitchId", swID,
		"NetworkType", "public", "AutoPay", true, "EnableIpsec", true, "EnableSsl", false, "InstanceChargeType", "POSTPAY", "Bandwidth", 10))
	gwID := sv(created, "VpnGatewayId")
	gq := m("VpnGatewayId", gwID, "RegionId", tfRegion)
	c.pollUntil("DescribeVpnGateway", gq, m(), "Status", "active")
	// Update of the new resource: ModifyVpnGatewayAttribute with
	// Description and AutoPropagate (VpnGatewayId in the query), polled
	// until active; then SetResourceTags(d, "VpnGateWay").
	c.post("ModifyVpnGatewayAttribute", m("VpnGatewayId", gwID), m("RegionId", tfRegion, "ClientToken", "tf-ModifyVpnGatewayAttribute-1",
		"Description", "tf gateway", "AutoPropagate", true))
	c.pollUntil("DescribeVpnGateway", gq, m(), "Status", "active")
	c.post("TagResources", m(), m("ResourceId.1", gwID, "RegionId", tfRegion, "Tag.1.Key", "env", "Tag.1.Value", "test", "ResourceType", "VpnGateWay"))
	// Read.
	gw := c.post("DescribeVpnGateway", gq, m())
	for k, want := range map[string]any{"AutoPropagate": true, "Description": "tf gateway", "NetworkType": "public", "ChargeType": "PostpayByFlow",
		"Status": "active", "VSwitchId": swID, "VpcId": vpcID, "Name": gwID, "VpnType": "Normal", "BusinessStatus": "Normal",
		"Spec": "10M", "IpsecVpn": "enable", "SslVpn": "disable", "SslMaxConnections": json0} {
		if fmt.Sprint(gw[k]) != fmt.Sprint(want) {
			t.Errorf("DescribeVpnGateway %s = %v, want %v", k, gw[k], want)
		}
	}
	if sv(gw, "InternetIp") == "" || !strings.HasPrefix(sv(gw, "ResourceGroupId"), "rg-") || gw["CreateTime"] == nil {
		t.Errorf("DescribeVpnGateway = %v", gw)
	}
	if got := tagsToMap(t, path(gw, "Tags", "Tag")); got["env"] != "test" || len(got) != 1 {
		t.Errorf("tags = %v", got)
	}
	// Rename, move to another resource group (MoveVpnResourceGroup,
	// InstanceId in the query, ResourceType VpnGateWay).
	c.post("ModifyVpnGatewayAttribute", m("VpnGatewayId", gwID), m("RegionId", tfRegion, "ClientToken", "tf-ModifyVpnGatewayAttribute-2", "Name", "tf-gw"))
	c.post("MoveVpnResourceGroup", m("InstanceId", gwID), m("RegionId", tfRegion, "NewResourceGroupId", "rg-acfmtf", "ResourceType", "VpnGateWay"))
	gw = c.pollUntil("DescribeVpnGateway", gq, m(), "Status", "active")
	if sv(gw, "Name") != "tf-gw" || sv(gw, "ResourceGroupId") != "rg-acfmtf" {
		t.Fatalf("after rename and move: %v", gw)
	}

	// alicloud_vpn_customer_gateway: create, then SetResourceTags(d,
	// "CUSTOMERGATEWAY") right away; read DescribeCustomerGateway.
	cg := c.post("CreateCustomerGateway", nil, m("RegionId", tfRegion, "ClientToken", "tf-CreateCustomerGateway-1", "IpAddress", "198.51.100.20",
		"Description", "dc", "Asn", "65020", "Name", "tf-cg"))
	cgID := sv(cg, "CustomerGatewayId")
	c.post("TagResources", m(), m("ResourceId.1", cgID, "RegionId", tfRegion, "Tag.1.Key", "site", "Tag.1.Value", "fra", "ResourceType", "CUSTOMERGATEWAY"))
	cq := m("CustomerGatewayId", cgID)
	got := c.post("DescribeCustomerGateway", cq, m("RegionId", tfRegion))
	for k, want := range map[string]any{"Asn": "65020", "Name": "tf-cg", "Description": "dc", "IpAddress": "198.51.100.20"} {
		if fmt.Sprint(got[k]) != want {
			t.Errorf("DescribeCustomerGateway %s = %v, want %v", k, got[k], want)
		}
	}
	if tags := tagsToMap(t, path(got, "Tags", "Tag")); tags["site"] != "fra" {
		t.Errorf("customer gateway tags = %v", tags)
	}
	c.post("ModifyCustomerGatewayAttribute", nil, m("CustomerGatewayId", cgID, "RegionId", tfRegion, "ClientToken", "tf-Modify-1", "Name", "tf-cg-2"))
	if got := c.post("DescribeCustomerGateway", cq, m("RegionId", tfRegion)); sv(got, "Name") != "tf-cg-2" {
		t.Fatalf("after ModifyCustomerGatewayAttribute: %v", got)
	}

	// Deletes: DeleteCustomerGateway (InvalidCustomerGatewayInstanceId.NotFound
	// is "gone"); DeleteVpnGateway, polled until not found.
	c.post("DeleteCustomerGateway", nil, m("CustomerGatewayId", cgID, "RegionId", tfRegion, "ClientToken", "tf-Delete-1"))
	c.postErr("DeleteCustomerGateway", nil, m("CustomerGatewayId", cgID, "RegionId", tfRegion, "ClientToken", "tf-Delete-2"), "InvalidCustomerGatewayInstanceId.NotFound", 404)
	c.post("DeleteVpnGateway", m("VpnGatewayId", gwID), m("RegionId", tfRegion, "ClientToken", "tf-DeleteVpnGateway-1"))
	c.postErr("DescribeVpnGateway", gq, m(), "InvalidVpnGatewayInstanceId.NotFound", 404)
}

// json0 is how a JSON 0 decodes in the provider's maps.
var json0 = 0

// findRoute is DescribeVpnRouteEntry / DescribeVpnPbrRouteEntry: page
// through the gateway's entries (PageSize 20) for the one with the next hop,
// (source) and destination; nil when not found.
func (c *tfClient) findRoute(action, list, item, gw, hop, src, dest string) map[string]any {
	c.t.Helper()
	for page := 1; ; page++ {
		resp := c.post(action, nil, m("RegionId", tfRegion, "VpnGatewayId", gw, "PageNumber", page, "PageSize", 20))
		entries, ok := path(resp, list, item).([]any)
		if !ok {
			c.t.Fatalf("%s: no %s.%s in %v", action, list, item, resp)
		}
		for _, it := range entries {
			e := it.(map[string]any)
			if e["NextHop"] == hop && e["RouteDest"] == dest && (src == "" || e["RouteSource"] == src) {
				return e
			}
		}
		if len(entries) < 20 {
			return nil
		}
	}
}

// TestTerraformVpnRouteEntries replays alicloud_vpn_route_entry and
// alicloud_vpn_pbr_route_entry.
func TestTerraformVpnRouteEntries(t *testing.T) {
	env := apptest.Start(t)
	c := newTFClient(t, env)
	vpcID := sv(c.post("CreateVpc", m(), m("RegionId", tfRegion, "CidrBlock", "192.168.0.0/16")), "VpcId")
	gw := sv(c.post("CreateVpnGateway", m(), m("RegionId", tfRegion, "VpcId", vpcID, "Bandwidth", 10, "AutoPay", true)), "VpnGatewayId")
	cg := sv(c.post("CreateCustomerGateway", nil, m("RegionId", tfRegion, "IpAddress", "198.51.100.30")), "CustomerGatewayId")
	conn := sv(c.post("CreateVpnConnection", m(), m("RegionId", tfRegion, "VpnGatewayId", gw, "CustomerGatewayId", cg,
		"LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.0.0.0/8")), "VpnConnectionId")

	// alicloud_vpn_route_entry: CreateVpnRouteEntry; the id is
	// VpnInstanceId:NextHop:RouteDest of the answer; DescribeVpnRouteEntries
	// until State is published or normal.
	resp := c.post("CreateVpnRouteEntry", nil, m("RegionId", tfRegion, "VpnGatewayId", gw, "RouteDest", "10.0.0.0/8", "NextHop", conn,
		"Weight", 100, "PublishVpc", false, "ClientToken", "tf-CreateVpnRouteEntry-1"))
	if id := fmt.Sprint(resp["VpnInstanceId"], ":", resp["NextHop"], ":", resp["RouteDest"]); id != gw+":"+conn+":10.0.0.0/8" {
		t.Fatalf("route entry id = %s", id)
	}
	e := c.findRoute("DescribeVpnRouteEntries", "VpnRouteEntries", "VpnRouteEntry", gw, conn, "", "10.0.0.0/8")
	if e == nil || e["State"] != "normal" || fmt.Sprint(e["Weight"]) != "100" || e["VpnInstanceId"] != gw || e["RouteEntryType"] != "custom" {
		t.Fatalf("route entry = %v", e)
	}
	// Update: PublishVpnRouteEntry (RouteType dbr) until published, then
	// ModifyVpnRouteEntryWeight with the old and new weight.
	c.post("PublishVpnRouteEntry", nil, m("RegionId", tfRegion, "RouteDest", "10.0.0.0/8", "NextHop", conn, "VpnGatewayId", gw,
		"PublishVpc", true, "RouteType", "dbr", "ClientToken", "tf-Publish-1"))
	if e := c.findRoute("DescribeVpnRouteEntries", "VpnRouteEntries", "VpnRouteEntry", gw, conn, "", "10.0.0.0/8"); e["State"] != "published" {
		t.Fatalf("after publish: %v", e)
	}
	c.post("ModifyVpnRouteEntryWeight", nil, m("RegionId", tfRegion, "RouteDest", "10.0.0.0/8", "NextHop", conn, "VpnGatewayId", gw, "Weight", 100, "NewWeight", 0))
	if e := c.findRoute("DescribeVpnRouteEntries", "VpnRouteEntries", "VpnRouteEntry", gw, conn, "", "10.0.0.0/8"); fmt.Sprint(e["Weight"]) != "0" {
		t.Fatalf("after the weight change: %v", e)
	}

	// alicloud_vpn_pbr_route_entry: the id is built from the request
	// (gateway:next hop:source:destination).
	c.post("CreateVpnPbrRouteEntry", nil, m("RegionId", tfRegion, "VpnGatewayId", gw, "RouteDest", "10.1.0.0/16", "NextHop", conn,
		"Weight", 0, "PublishVpc", true, "RouteSource", "192.168.10.0/24", "ClientToken", "tf-CreateVpnPbrRouteEntry-1"))
	p := c.findRoute("DescribeVpnPbrRouteEntries", "VpnPbrRouteEntries", "VpnPbrRouteEntry", gw, conn, "192.168.10.0/24", "10.1.0.0/16")
	if p == nil || p["State"] != "published" || fmt.Sprint(p["Weight"]) != "0" || p["VpnInstanceId"] != gw {
		t.Fatalf("pbr entry = %v", p)
	}
	// Update: PublishVpnRouteEntry with RouteType pbr (the provider also
	// sends RouteSource), then ModifyVpnPbrRouteEntryWeight.
	c.post("PublishVpnRouteEntry", nil, m("RegionId", tfRegion, "RouteDest", "10.1.0.0/16", "RouteSource", "192.168.10.0/24", "NextHop", conn,
		"VpnGatewayId", gw, "PublishVpc", false, "RouteType", "pbr", "ClientToken", "tf-Publish-2"))
	c.post("ModifyVpnPbrRouteEntryWeight", nil, m("RegionId", tfRegion, "RouteDest", "10.1.0.0/16", "RouteSource", "192.168.10.0/24", "NextHop", conn,
		"VpnGatewayId", gw, "Weight", 0, "NewWeight", 100))
	p = c.findRoute("DescribeVpnPbrRouteEntries", "VpnPbrRouteEntries", "VpnPbrRouteEntry", gw, conn, "192.168.10.0/24", "10.1.0.0/16")
	if p["State"] != "normal" || fmt.Sprint(p["Weight"]) != "100" {
		t.Fatalf("pbr after the updates: %v", p)
	}

	// Deletes, each polled until the entry is gone from the list.
	c.post("DeleteVpnPbrRouteEntry", nil, m("RegionId", tfRegion, "RouteDest", "10.1.0.0/16", "RouteSource", "192.168.10.0/24", "NextHop", conn,
		"VpnGatewayId", gw, "Weight", 100, "ClientToken", "tf-Delete-1"))
	if p := c.findRoute("DescribeVpnPbrRouteEntries", "VpnPbrRouteEntries", "VpnPbrRouteEntry", gw, conn, "192.168.10.0/24", "10.1.0.0/16"); p != nil {
		t.Fatalf("pbr entry after delete: %v", p)
	}
	c.post("DeleteVpnRouteEntry", nil, m("RegionId", tfRegion, "RouteDest", "10.0.0.0/8", "NextHop", conn, "VpnGatewayId", gw, "Weight", 0, "ClientToken", "tf-Delete-2"))
	if e := c.findRoute("DescribeVpnRouteEntries", "VpnRouteEntries", "VpnRouteEntry", gw, conn, "", "10.0.0.0/8"); e != nil {
		t.Fatalf("route entry after delete: %v", e)
	}
	// A second delete answers InvalidRouteEntry.NotFound, which the provider
	// takes as already deleted.
	c.postErr("DeleteVpnRouteEntry", nil, m("RegionId", tfRegion, "RouteDest", "10.0.0.0/8", "NextHop", conn, "VpnGatewayId", gw, "Weight", 0), "InvalidRouteEntry.NotFound", 404)
}

// TestTerraformVpnConnection replays alicloud_vpn_connection for a
// single-tunnel and a dual-tunnel connection.
func TestTerraformVpnConnection(t *testing.T) {
	env := apptest.Start(t)
	c := newTFClient(t, env)
	vpcID := sv(c.post("CreateVpc", m(), m("RegionId", tfRegion, "CidrBlock", "192.168.0.0/16")), "VpcId")
	sw1 := sv(c.post("CreateVSwitch", nil, m("RegionId", tfRegion, "CidrBlock", "192.168.1.0/24", "VpcId", vpcID, "ZoneId", "cn-hangzhou-h")), "VSwitchId")
	sw2 := sv(c.post("CreateVSwitch", nil, m("RegionId", tfRegion, "CidrBlock", "192.168.2.0/24", "VpcId", vpcID, "ZoneId", "cn-hangzhou-i")), "VSwitchId")
	vpc2 := sv(c.post("CreateVpc", m(), m("RegionId", tfRegion, "CidrBlock", "172.16.0.0/16")), "VpcId")
	gwSingle := sv(c.post("CreateVpnGateway", m(), m("RegionId", tfRegion, "VpcId", vpc2, "Bandwidth", 10, "AutoPay", true)), "VpnGatewayId")
	gwDual := sv(c.post("CreateVpnGateway", m(), m("RegionId", tfRegion, "VpcId", vpcID, "VSwitchId", sw1, "DisasterRecoveryVSwitchId", sw2,
		"Bandwidth", 10, "AutoPay", true)), "VpnGatewayId")
	cg1 := sv(c.post("CreateCustomerGateway", nil, m("RegionId", tfRegion, "IpAddress", "198.51.100.40", "Asn", "65040")), "CustomerGatewayId")
	cg2 := sv(c.post("CreateCustomerGateway", nil, m("RegionId", tfRegion, "IpAddress", "198.51.100.41", "Asn", "65041")), "CustomerGatewayId")

	// Single tunnel: CreateVpnConnection with Tags (the provider's
	// []map{Key, Value}, flattened to Tags.N.*), JSON configs, lower-case
	// HealthCheckConfig keys and EnableTunnelsBgp=false; wait for
	// State=active.
	resp := c.post("CreateVpnConnection", m(), m("RegionId", tfRegion, "ClientToken", "tf-CreateVpnConnection-1",
		"LocalSubnet", "172.16.0.0/16", "RemoteSubnet", "10.0.0.0/8", "EffectImmediately", false, "EnableDpd", true, "EnableNatTraversal", true,
		"IkeConfig", `{"IkeAuthAlg":"sha256","IkeEncAlg":"aes256","IkeLifetime":28800,"IkeMode":"main","IkePfs":"group14","IkeVersion":"ikev2","Psk":"tf-psk-1"}`,
		"IpsecConfig", `{"IpsecAuthAlg":"sha256","IpsecEncAlg":"aes256","IpsecLifetime":3600,"IpsecPfs":"group14"}`,
		"HealthCheckConfig", `{"dip":"10.0.0.1","enable":true,"interval":3,"retry":3,"sip":"172.16.0.1"}`,
		"CustomerGatewayId", cg1, "AutoConfigRoute", true, "Name", "tf-conn", "VpnGatewayId", gwSingle,
		"Tags", []map[string]any{{"Key": "env", "Value": "test"}}, "EnableTunnelsBgp", false))
	single := sv(resp, "VpnConnectionId")
	cq := m("VpnConnectionId", single, "RegionId", tfRegion)
	got := c.pollUntil("DescribeVpnConnection", cq, m(), "State", "active")
	if tags := tagsToMap(t, path(got, "Tags", "Tag")); len(tags) != 1 || tags["env"] != "test" {
		t.Fatalf("tags of the create = %v", tags)
	}
	// Update of the new resource: health_check_config is not gated by
	// IsNewResource, so ModifyVpnConnectionAttribute follows at once, with
	// the subnets, AutoConfigRoute and capitalised HealthCheckConfig keys;
	// then SetResourceTags(d, "VPNCONNECTION") with the same tags.
	c.post("ModifyVpnConnectionAttribute", m("VpnConnectionId", single), m("RegionId", tfRegion, "ClientToken", "tf-Modify-1",
		"LocalSubnet", "172.16.0.0/16", "RemoteSubnet", "10.0.0.0/8", "AutoConfigRoute", true,
		"HealthCheckConfig", `{"Dip":"10.0.0.1","Enable":true,"Interval":3,"Retry":3,"Sip":"172.16.0.1"}`))
	c.pollUntil("DescribeVpnConnection", cq, m(), "State", "active")
	c.post("TagResources", m(), m("ResourceId.1", single, "RegionId", tfRegion, "Tag.1.Key", "env", "Tag.1.Value", "test", "ResourceType", "VPNCONNECTION"))
	got = c.post("DescribeVpnConnection", cq, m())
	for k, want := range map[string]any{"CustomerGatewayId": cg1, "EffectImmediately": false, "EnableDpd": true, "EnableNatTraversal": true,
		"EnableTunnelsBgp": false, "Name": "tf-conn", "VpnGatewayId": gwSingle, "LocalSubnet": "172.16.0.0/16", "RemoteSubnet": "10.0.0.0/8",
		"Status": "ike_sa_not_established", "State": "active"} {
		if got[k] != want {
			t.Errorf("DescribeVpnConnection %s = %v, want %v", k, got[k], want)
		}
	}
	if !strings.HasPrefix(sv(got, "ResourceGroupId"), "rg-") || path(got, "IkeConfig", "Psk") != "tf-psk-1" || path(got, "IpsecConfig", "IpsecPfs") != "group14" ||
		path(got, "VcoHealthCheck", "Enable") != "true" || path(got, "VcoHealthCheck", "Dip") != "10.0.0.1" || path(got, "VpnBgpConfig", "EnableBgp") != "false" {
		t.Errorf("DescribeVpnConnection = %v", got)
	}
	if tags := tagsToMap(t, path(got, "Tags", "Tag")); len(tags) != 1 || tags["env"] != "test" {
		t.Errorf("tags = %v", tags)
	}
	// A rename later.
	c.post("ModifyVpnConnectionAttribute", m("VpnConnectionId", single), m("RegionId", tfRegion, "ClientToken", "tf-Modify-2",
		"LocalSubnet", "172.16.0.0/16", "RemoteSubnet", "10.0.0.0/8", "AutoConfigRoute", true, "Name", "tf-conn-2"))
	if got := c.pollUntil("DescribeVpnConnection", cq, m(), "State", "active"); sv(got, "Name") != "tf-conn-2" {
		t.Fatalf("after rename: %v", got)
	}

	// Dual tunnel: TunnelOptionsSpecification as the provider's list of
	// maps, EnableTunnelsBgp=true.
	tunnel := func(role, cg, psk, cidr, ip string) map[string]any {
		return map[string]any{"CustomerGatewayId": cg, "EnableDpd": true, "EnableNatTraversal": true, "Role": role,
			"TunnelBgpConfig":   map[string]any{"LocalAsn": 65100, "LocalBgpIp": ip, "TunnelCidr": cidr},
			"TunnelIkeConfig":   map[string]any{"IkeAuthAlg": "sha256", "IkeEncAlg": "aes256", "IkeLifetime": 86400, "IkeMode": "main", "IkePfs": "group14", "IkeVersion": "ikev2", "Psk": psk},
			"TunnelIpsecConfig": map[string]any{"IpsecAuthAlg": "sha256", "IpsecEncAlg": "aes256", "IpsecLifetime": 86400, "IpsecPfs": "group14"}}
	}
	resp = c.post("CreateVpnConnection", m(), m("RegionId", tfRegion, "ClientToken", "tf-CreateVpnConnection-2",
		"LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.0.0.0/8", "VpnGatewayId", gwDual, "EnableTunnelsBgp", true,
		"TunnelOptionsSpecification", []map[string]any{tunnel("master", cg1, "tf-master", "169.254.11.0/30", "169.254.11.1"),
			tunnel("slave", cg2, "tf-slave", "169.254.12.0/30", "169.254.12.1")}))
	dual := sv(resp, "VpnConnectionId")
	dq := m("VpnConnectionId", dual, "RegionId", tfRegion)
	got = c.pollUntil("DescribeVpnConnection", dq, m(), "State", "active")
	opts, _ := path(got, "TunnelOptionsSpecification", "TunnelOptions").([]any)
	if len(opts) != 2 {
		t.Fatalf("tunnels = %v", got["TunnelOptionsSpecification"])
	}
	for i, want := range []struct{ role, cg, psk, asn string }{{"master", cg1, "tf-master", "65040"}, {"slave", cg2, "tf-slave", "65041"}} {
		tun := opts[i].(map[string]any)
		if tun["Role"] != want.role || tun["CustomerGatewayId"] != want.cg || path(tun, "TunnelIkeConfig", "Psk") != want.psk ||
			tun["EnableDpd"] != "true" || path(tun, "TunnelBgpConfig", "PeerAsn") != want.asn || path(tun, "TunnelBgpConfig", "LocalAsn") != "65100" ||
			!strings.HasPrefix(sv(tun, "TunnelId"), "tun-") || tun["State"] != "active" {
			t.Fatalf("tunnel %d = %v", i, tun)
		}
	}
	// Updating tunnel_options_specification: each tunnel's options WITHOUT
	// TunnelId (and without CustomerGatewayId), with their Role, in state
	// order.
	modTunnel := func(role, psk string, dpd bool) map[string]any {
		t := tunnel(role, "", psk, "", "")
		delete(t, "CustomerGatewayId")
		t["EnableDpd"] = dpd
		t["TunnelBgpConfig"] = map[string]any{"LocalAsn": 65100}
		return t
	}
	c.post("ModifyVpnConnectionAttribute", m("VpnConnectionId", dual), m("RegionId", tfRegion, "ClientToken", "tf-Modify-3",
		"LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.0.0.0/8",
		"TunnelOptionsSpecification", []map[string]any{modTunnel("master", "tf-master-2", true), modTunnel("slave", "tf-slave-2", false)}))
	got = c.pollUntil("DescribeVpnConnection", dq, m(), "State", "active")
	opts, _ = path(got, "TunnelOptionsSpecification", "TunnelOptions").([]any)
	m0, m1 := opts[0].(map[string]any), opts[1].(map[string]any)
	if path(m0, "TunnelIkeConfig", "Psk") != "tf-master-2" || path(m1, "TunnelIkeConfig", "Psk") != "tf-slave-2" || m0["EnableDpd"] != "true" || m1["EnableDpd"] != "false" {
		t.Fatalf("tunnels after the update = %v", opts)
	}
	c.post("TagResources", m(), m("ResourceId.1", dual, "RegionId", tfRegion, "Tag.1.Key", "k", "Tag.1.Value", "v", "ResourceType", "VPNCONNECTION"))

	// Deletes, polled until InvalidVpnConnectionInstanceId.NotFound.
	for _, id := range []string{single, dual} {
		c.post("DeleteVpnConnection", m("VpnConnectionId", id), m("RegionId", tfRegion, "ClientToken", "tf-Delete-"+id))
		c.postErr("DescribeVpnConnection", m("VpnConnectionId", id, "RegionId", tfRegion), m(), "InvalidVpnConnectionInstanceId.NotFound", 404)
	}
}
