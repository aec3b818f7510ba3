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
