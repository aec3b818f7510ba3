package api

import "github.com/vpcvpn/vpcvpn/internal/service"

// API versions.
const (
	VersionVPC = "2016-04-28"
	VersionRAM = "2015-05-01"
	VersionSTS = "2015-04-01"
)

// Actions is the dispatch table: every (Version, Action) the server answers.
func Actions(s *service.Service) []Action {
	vpc := func(name string, h HandlerFunc) Action { return Action{Version: VersionVPC, Name: name, Handle: h} }
	ram := func(name string, h HandlerFunc) Action { return Action{Version: VersionRAM, Name: name, Handle: h} }
	sts := func(name string, h HandlerFunc) Action { return Action{Version: VersionSTS, Name: name, Handle: h} }
	return []Action{
		vpc("DescribeRegions", s.DescribeRegions),
		vpc("CreateVpc", s.CreateVpc),
		vpc("DescribeVpcs", s.DescribeVpcs),
		vpc("DeleteVpc", s.DeleteVpc),
		vpc("CreateVSwitch", s.CreateVSwitch),
		vpc("DescribeVSwitches", s.DescribeVSwitches),
		vpc("DeleteVSwitch", s.DeleteVSwitch),
		vpc("CreateVpnGateway", s.CreateVpnGateway),
		vpc("DescribeVpnGateway", s.DescribeVpnGateway),
		vpc("DescribeVpnGateways", s.DescribeVpnGateways),
		vpc("DeleteVpnGateway", s.DeleteVpnGateway),
		vpc("CreateCustomerGateway", s.CreateCustomerGateway),
		vpc("DescribeCustomerGateway", s.DescribeCustomerGateway),
		vpc("DescribeCustomerGateways", s.DescribeCustomerGateways),
		vpc("ModifyCustomerGatewayAttribute", s.ModifyCustomerGatewayAttribute),
		vpc("DeleteCustomerGateway", s.DeleteCustomerGateway),
		vpc("CreateVpnConnection", s.CreateVpnConnection),
		vpc("DescribeVpnConnection", s.DescribeVpnConnection),
		vpc("DescribeVpnConnections", s.DescribeVpnConnections),
		vpc("ModifyVpnConnectionAttribute", s.ModifyVpnConnectionAttribute),
		vpc("ModifyTunnelAttribute", s.ModifyTunnelAttribute),
		vpc("DeleteVpnConnection", s.DeleteVpnConnection),
		vpc("DownloadVpnConnectionConfig", s.DownloadVpnConnectionConfig),
		vpc("DescribeVpnConnectionLogs", s.DescribeVpnConnectionLogs),

		// ---- VPC attributes and route tables (internal/service/vpcattr.go) ----
		vpc("DescribeVpcAttribute", s.DescribeVpcAttribute),
		vpc("ModifyVpcAttribute", s.ModifyVpcAttribute),
		vpc("DescribeVSwitchAttributes", s.DescribeVSwitchAttributes),
		vpc("ModifyVSwitchAttribute", s.ModifyVSwitchAttribute),
		vpc("DescribeRouteTableList", s.DescribeRouteTableList),

		// ---- tags (internal/service/tags.go) ----
		vpc("TagResources", s.TagResources),
		vpc("UnTagResources", s.UnTagResources),
		vpc("ListTagResources", s.ListTagResources),

		// ---- gateway attributes, zones, resource groups (internal/service/gatewayattr.go) ----
		vpc("ModifyVpnGatewayAttribute", s.ModifyVpnGatewayAttribute),
		vpc("DescribeVpnGatewayAvailableZones", s.DescribeVpnGatewayAvailableZones),
		vpc("MoveVpnResourceGroup", s.MoveVpnResourceGroup),
		vpc("MoveResourceGroup", s.MoveResourceGroup),

		// ---- VPN route entries (internal/service/routes.go) ----
		vpc("CreateVpnRouteEntry", s.CreateVpnRouteEntry),
		vpc("DescribeVpnRouteEntries", s.DescribeVpnRouteEntries),
		vpc("ModifyVpnRouteEntryWeight", s.ModifyVpnRouteEntryWeight),
		vpc("DeleteVpnRouteEntry", s.DeleteVpnRouteEntry),
		vpc("CreateVpnPbrRouteEntry", s.CreateVpnPbrRouteEntry),
		vpc("DescribeVpnPbrRouteEntries", s.DescribeVpnPbrRouteEntries),
		vpc("ModifyVpnPbrRouteEntryWeight", s.ModifyVpnPbrRouteEntryWeight),
		vpc("ModifyVpnPbrRouteEntryPriority", s.ModifyVpnPbrRouteEntryPriority),
		vpc("ModifyVpnPbrRouteEntryAttribute", s.ModifyVpnPbrRouteEntryAttribute),
		vpc("DeleteVpnPbrRouteEntry", s.DeleteVpnPbrRouteEntry),
		vpc("PublishVpnRouteEntry", s.PublishVpnRouteEntry),

		// ---- vpcvpn extensions (not Alibaba Cloud actions; internal/service/deviceconfig.go, docs/DEVICES.md) ----
		vpc("DescribeVpnConnectionDeviceTypes", s.DescribeVpnConnectionDeviceTypes),
		vpc("DownloadVpnConnectionDeviceConfig", s.DownloadVpnConnectionDeviceConfig),

		// ---- vpcvpn extensions: the gateway agent (internal/service/agent.go, docs/API.md "Gateway agent") ----
		vpc("DownloadVpnGatewayAgentConfig", s.DownloadVpnGatewayAgentConfig),
		vpc("ReportVpnGatewayAgentStatus", s.ReportVpnGatewayAgentStatus),
		vpc("DescribeVpnGatewayAgentStatus", s.DescribeVpnGatewayAgentStatus),

		// ---- RAM 2015-05-01 and STS 2015-04-01 (internal/service/ram.go, sts.go) ----
		ram("CreateUser", s.CreateUser),
		ram("GetUser", s.GetUser),
		ram("ListUsers", s.ListUsers),
		ram("UpdateUser", s.UpdateUser),
		ram("DeleteUser", s.DeleteUser),
		ram("CreateAccessKey", s.CreateAccessKey),
		ram("ListAccessKeys", s.ListAccessKeys),
		ram("UpdateAccessKey", s.UpdateAccessKey),
		ram("DeleteAccessKey", s.DeleteAccessKey),
		ram("CreatePolicy", s.CreatePolicy),
		ram("GetPolicy", s.GetPolicy),
		ram("ListPolicies", s.ListPolicies),
		ram("DeletePolicy", s.DeletePolicy),
		ram("CreatePolicyVersion", s.CreatePolicyVersion),
		ram("AttachPolicyToUser", s.AttachPolicyToUser),
		ram("DetachPolicyFromUser", s.DetachPolicyFromUser),
		ram("ListPoliciesForUser", s.ListPoliciesForUser),
		ram("CreateRole", s.CreateRole),
		ram("GetRole", s.GetRole),
		ram("DeleteRole", s.DeleteRole),
		ram("AttachPolicyToRole", s.AttachPolicyToRole),
		ram("DetachPolicyFromRole", s.DetachPolicyFromRole),
		sts("AssumeRole", s.AssumeRole),
		sts("GetCallerIdentity", s.GetCallerIdentity),
	}
}
