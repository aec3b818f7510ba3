package api_test

import (
	"fmt"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestDescribeFiltersCount: every filter of a Describe* list is applied by
// the store's query, so TotalCount counts the matches and the pages hold
// them (a filter applied after paging answered TotalCount=2 and an empty
// page for Status=init; VSwitchName was accepted and ignored).
func TestDescribeFiltersCount(t *testing.T) {
	h := &harness{env: apptest.Start(t)}
	var vpcs, gws []string
	for i := range 2 {
		v := str(h.call(t, vpcAct("CreateVpc", "CidrBlock", fmt.Sprintf("10.%d.0.0/16", i), "VpcName", fmt.Sprintf("v%d", i))...), "VpcId")
		sw := str(h.call(t, vpcAct("CreateVSwitch", "VpcId", v, "ZoneId", "cn-hangzhou-h", "CidrBlock", fmt.Sprintf("10.%d.1.0/24", i), "VSwitchName", fmt.Sprintf("sw%d", i))...), "VSwitchId")
		gws = append(gws, str(h.call(t, vpcAct("CreateVpnGateway", "VpcId", v, "VSwitchId", sw, "Bandwidth", "10")...), "VpnGatewayId"))
		vpcs = append(vpcs, v)
	}
	h.call(t, vpcAct("TagResources", "ResourceType", "VPC", "ResourceId.1", vpcs[1], "Tag.1.Key", "env", "Tag.1.Value", "prod")...)
	count := func(m map[string]any) string { return fmt.Sprint(m["TotalCount"]) }
	for _, tc := range []struct {
		name      string
		kv        []string
		list, key string
		total     string
		items     int
	}{
		{"gateways Status=init", vpcAct("DescribeVpnGateways", "Status", "init"), "VpnGateways", "VpnGateway", "0", 0},
		{"gateways Status=active page 2", vpcAct("DescribeVpnGateways", "Status", "active", "PageSize", "1", "PageNumber", "2"), "VpnGateways", "VpnGateway", "2", 1},
		{"gateways Status=active page 3", vpcAct("DescribeVpnGateways", "Status", "active", "PageSize", "1", "PageNumber", "3"), "VpnGateways", "VpnGateway", "2", 0},
		{"vSwitches by name", vpcAct("DescribeVSwitches", "VSwitchName", "sw1"), "VSwitches", "VSwitch", "1", 1},
		{"vSwitches by another name", vpcAct("DescribeVSwitches", "VSwitchName", "nope"), "VSwitches", "VSwitch", "0", 0},
		{"VPCs by tag", vpcAct("DescribeVpcs", "Tag.1.Key", "env", "Tag.1.Value", "prod"), "Vpcs", "Vpc", "1", 1},
		{"VPCs by another tag", vpcAct("DescribeVpcs", "Tag.1.Key", "env", "Tag.1.Value", "dev"), "Vpcs", "Vpc", "0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := h.call(t, tc.kv...)
			if got := count(m); got != tc.total {
				t.Fatalf("TotalCount = %s, want %s", got, tc.total)
			}
			wrap, _ := m[tc.list].(map[string]any)
			items, _ := wrap[tc.key].([]any)
			if len(items) != tc.items {
				t.Fatalf("%d items, want %d: %v", len(items), tc.items, m)
			}
		})
	}
}

// TestDescribeFiltersPerAction: each list action's own filters (ids aside)
// reach the store's query through the service, with TotalCount the number
// of matches: DescribeVpnGateways (VpcId, Tag), DescribeCustomerGateways
// (Tag), DescribeVpnConnections (VpnGatewayId, CustomerGatewayId, Tag),
// DescribeVpcs (VpcName), DescribeVSwitches (VpcId, ZoneId, Tag). A filter
// the service drops answers TotalCount=2 here.
func TestDescribeFiltersPerAction(t *testing.T) {
	h := &harness{env: apptest.Start(t)}
	var vpcs, sws, gws, cgws, conns []string
	for i := range 2 {
		v := str(h.call(t, vpcAct("CreateVpc", "CidrBlock", fmt.Sprintf("10.%d.0.0/16", i), "VpcName", fmt.Sprintf("v%d", i))...), "VpcId")
		sw := str(h.call(t, vpcAct("CreateVSwitch", "VpcId", v, "ZoneId", "cn-hangzhou-h", "CidrBlock", fmt.Sprintf("10.%d.1.0/24", i), "VSwitchName", fmt.Sprintf("sw%d", i))...), "VSwitchId")
		gw := str(h.call(t, vpcAct("CreateVpnGateway", "VpcId", v, "VSwitchId", sw, "Bandwidth", "10")...), "VpnGatewayId")
		cgw := str(h.call(t, vpcAct("CreateCustomerGateway", "IpAddress", fmt.Sprintf("198.51.100.%d", 40+i))...), "CustomerGatewayId")
		conn := str(h.call(t, vpcAct("CreateVpnConnection", "VpnGatewayId", gw, "CustomerGatewayId", cgw,
			"LocalSubnet", fmt.Sprintf("10.%d.0.0/16", i), "RemoteSubnet", fmt.Sprintf("172.16.%d.0/24", i))...), "VpnConnectionId")
		vpcs, sws, gws, cgws, conns = append(vpcs, v), append(sws, sw), append(gws, gw), append(cgws, cgw), append(conns, conn)
	}
	for typ, id := range map[string]string{"VSWITCH": sws[1], "VpnGateway": gws[1], "CustomerGateway": cgws[1], "VpnConnection": conns[1]} {
		h.call(t, vpcAct("TagResources", "ResourceType", typ, "ResourceId.1", id, "Tag.1.Key", "env", "Tag.1.Value", "prod")...)
	}
	prod := []string{"Tag.1.Key", "env", "Tag.1.Value", "prod"}
	dev := []string{"Tag.1.Key", "env", "Tag.1.Value", "dev"}
	for _, tc := range []struct {
		name      string
		kv        []string
		list, key string
		total     string
		want      string // the one item's id ("" when none)
	}{
		{"gateways by VpcId", vpcAct("DescribeVpnGateways", "VpcId", vpcs[0]), "VpnGateways", "VpnGateway", "1", gws[0]},
		{"gateways by tag", vpcAct("DescribeVpnGateways", prod...), "VpnGateways", "VpnGateway", "1", gws[1]},
		{"gateways by another tag", vpcAct("DescribeVpnGateways", dev...), "VpnGateways", "VpnGateway", "0", ""},
		{"customer gateways by tag", vpcAct("DescribeCustomerGateways", prod...), "CustomerGateways", "CustomerGateway", "1", cgws[1]},
		{"customer gateways by another tag", vpcAct("DescribeCustomerGateways", dev...), "CustomerGateways", "CustomerGateway", "0", ""},
		{"connections by VpnGatewayId", vpcAct("DescribeVpnConnections", "VpnGatewayId", gws[0]), "VpnConnections", "VpnConnection", "1", conns[0]},
		{"connections by CustomerGatewayId", vpcAct("DescribeVpnConnections", "CustomerGatewayId", cgws[1]), "VpnConnections", "VpnConnection", "1", conns[1]},
		{"connections by tag", vpcAct("DescribeVpnConnections", prod...), "VpnConnections", "VpnConnection", "1", conns[1]},
		{"connections by another tag", vpcAct("DescribeVpnConnections", dev...), "VpnConnections", "VpnConnection", "0", ""},
		{"VPCs by name", vpcAct("DescribeVpcs", "VpcName", "v1"), "Vpcs", "Vpc", "1", vpcs[1]},
		{"vSwitches by VpcId", vpcAct("DescribeVSwitches", "VpcId", vpcs[0]), "VSwitches", "VSwitch", "1", sws[0]},
		{"vSwitches by another zone", vpcAct("DescribeVSwitches", "ZoneId", "cn-hangzhou-i"), "VSwitches", "VSwitch", "0", ""},
		{"vSwitches by tag", vpcAct("DescribeVSwitches", prod...), "VSwitches", "VSwitch", "1", sws[1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := h.call(t, tc.kv...)
			if got := fmt.Sprint(m["TotalCount"]); got != tc.total {
				t.Fatalf("TotalCount = %s, want %s", got, tc.total)
			}
			wrap, _ := m[tc.list].(map[string]any)
			items, _ := wrap[tc.key].([]any)
			ids := []string{}
			for _, it := range items {
				item, _ := it.(map[string]any)
				ids = append(ids, str(item, tc.key+"Id"))
			}
			want := []string{}
			if tc.want != "" {
				want = append(want, tc.want)
			}
			if fmt.Sprint(ids) != fmt.Sprint(want) {
				t.Fatalf("items %v, want %v: %v", ids, want, m)
			}
		})
	}
}
