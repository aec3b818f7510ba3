package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestVpcActionsRefuseJunk: every VPC action of the dispatch table, called
// with no parameters and with junk in every parameter the family uses,
// answers a 4xx with a code of the error table (or Missing*/Invalid*), or
// succeeds where nothing is needed, never a 500.
func TestVpcActionsRefuseJunk(t *testing.T) {
	env := apptest.Start(t)
	c := newTFClient(t, env)
	junk := map[string]any{"RegionId": "cn-hangzhou"}
	for _, k := range []string{"VpcId", "VSwitchId", "VpnGatewayId", "CustomerGatewayId", "VpnConnectionId", "TunnelId", "InstanceId", "ResourceId",
		"ResourceType", "NewResourceGroupId", "ResourceGroupId", "RouteDest", "RouteSource", "NextHop", "Weight", "NewWeight", "Priority",
		"NewPriority", "PublishVpc", "RouteType", "Spec", "CidrBlock", "ZoneId", "Bandwidth", "IpAddress", "LocalSubnet", "RemoteSubnet",
		"IkeConfig", "HealthCheckConfig", "TunnelOptionsSpecification", "TunnelOptionsSpecification.EnableDpd", "Tag.1.Key", "Tag.1.Value",
		"Tags.1.Key", "ResourceId.1", "TagKey.1", "MaxResults", "NextToken", "PageSize", "PageNumber", "RouteTableType", "RouterType",
		"EnableIPv6", "AutoPropagate", "SslConnections", "AcceptLanguage", "DeviceType", "All", "Name", "VpcName", "Description"} {
		junk[k] = "\x7f%zz<>'\"{"
	}
	for _, a := range api.Actions(nil) {
		if a.Version != api.VersionVPC {
			continue
		}
		for name, params := range map[string]map[string]any{"empty": {}, "junk": junk} {
			_, err := c.call("POST", a.Name, nil, params)
			if err == nil {
				continue // DescribeRegions needs nothing, the device list ignores the junk
			}
			e, ok := err.(*tea.SDKError)
			if !ok {
				t.Errorf("%s (%s params): err = %v, want a wire error", a.Name, name, err)
				continue
			}
			code, status := tea.StringValue(e.Code), tea.IntValue(e.StatusCode)
			if status >= 500 || status < 400 {
				t.Errorf("%s (%s params): %d %s", a.Name, name, status, code)
			}
			if _, known := apierror.Table[code]; !known && len(code) < 8 || (!known && code[:7] != "Missing" && code[:7] != "Invalid") {
				t.Errorf("%s (%s params): code %s is not in the error table", a.Name, name, code)
			}
		}
	}
}
