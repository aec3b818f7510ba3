package api

import (
	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/service"
)

// API versions.
const (
	VersionVPC = "2016-04-28"
	VersionRAM = "2015-05-01"
	VersionSTS = "2015-04-01"
	// VersionActionTrail is ActionTrail's (LookupEvents, LookupEventsAction).
	VersionActionTrail = "2020-07-06"
)

// The action classes, short for the table.
const (
	read       = action.Read
	list       = action.List
	write      = action.Write
	secretRead = action.SecretRead
)

// Actions is the dispatch table: every (Version, Action) the server answers,
// with each action's metadata (action.Meta): its RAM action name (the
// service prefix of its API and its name), its class, and, for RAM's
// writes, that it may change what an AccessKey resolves to. Throttling,
// the audit trail, the credential cache and the service's authorisation
// read them from here. s may be nil for a table read only for its metadata
// (whose handlers are never called).
func Actions(s *service.Service) []Action {
	vpc := func(name string, c action.Class, h HandlerFunc) Action {
		return Action{Version: VersionVPC, Name: name, Handle: h, Meta: action.Meta{RAM: "vpc:" + name, Class: c}}
	}
	ram := func(name string, c action.Class, h HandlerFunc) Action {
		return Action{Version: VersionRAM, Name: name, Handle: h,
			Meta: action.Meta{RAM: "ram:" + name, Class: c, ChangesCredentials: c == write}}
	}
	sts := func(name string, c action.Class, h HandlerFunc) Action {
		return Action{Version: VersionSTS, Name: name, Handle: h, Meta: action.Meta{RAM: "sts:" + name, Class: c}}
	}
	return []Action{
		vpc("DescribeRegions", read, s.DescribeRegions),
		vpc("CreateVpc", write, s.CreateVpc),
		vpc("DescribeVpcs", list, s.DescribeVpcs),
		vpc("DeleteVpc", write, s.DeleteVpc),
		vpc("CreateVSwitch", write, s.CreateVSwitch),
		vpc("DescribeVSwitches", list, s.DescribeVSwitches),
		vpc("DeleteVSwitch", write, s.DeleteVSwitch),
		vpc("CreateVpnGateway", write, s.CreateVpnGateway),
		vpc("DescribeVpnGateway", read, s.DescribeVpnGateway),
		vpc("DescribeVpnGateways", list, s.DescribeVpnGateways),
		vpc("DeleteVpnGateway", write, s.DeleteVpnGateway),
		vpc("CreateCustomerGateway", write, s.CreateCustomerGateway),
		vpc("DescribeCustomerGateway", read, s.DescribeCustomerGateway),
		vpc("DescribeCustomerGateways", list, s.DescribeCustomerGateways),
		vpc("ModifyCustomerGatewayAttribute", write, s.ModifyCustomerGatewayAttribute),
		vpc("DeleteCustomerGateway", write, s.DeleteCustomerGateway),
		vpc("CreateVpnConnection", write, s.CreateVpnConnection),
		vpc("DescribeVpnConnection", read, s.DescribeVpnConnection),
		vpc("DescribeVpnConnections", list, s.DescribeVpnConnections),
		vpc("ModifyVpnConnectionAttribute", write, s.ModifyVpnConnectionAttribute),
		vpc("ModifyTunnelAttribute", write, s.ModifyTunnelAttribute),
		vpc("DeleteVpnConnection", write, s.DeleteVpnConnection),
		vpc("DownloadVpnConnectionConfig", secretRead, s.DownloadVpnConnectionConfig),
		vpc("DescribeVpnConnectionLogs", list, s.DescribeVpnConnectionLogs),

		// ---- VPC attributes and route tables (internal/service/vpcattr.go) ----
		vpc("DescribeVpcAttribute", read, s.DescribeVpcAttribute),
		vpc("ModifyVpcAttribute", write, s.ModifyVpcAttribute),
		vpc("DescribeVSwitchAttributes", read, s.DescribeVSwitchAttributes),
		vpc("ModifyVSwitchAttribute", write, s.ModifyVSwitchAttribute),
		vpc("DescribeRouteTableList", list, s.DescribeRouteTableList),
		vpc("ModifyRouteTableAttributes", write, s.ModifyRouteTableAttributes),

		// ---- tags (internal/service/tags.go) ----
		vpc("TagResources", write, s.TagResources),
		vpc("UnTagResources", write, s.UnTagResources),
		vpc("ListTagResources", list, s.ListTagResources),

		// ---- gateway attributes, zones, resource groups (internal/service/gatewayattr.go) ----
		vpc("ModifyVpnGatewayAttribute", write, s.ModifyVpnGatewayAttribute),
		vpc("DescribeVpnGatewayAvailableZones", read, s.DescribeVpnGatewayAvailableZones),
		vpc("MoveVpnResourceGroup", write, s.MoveVpnResourceGroup),
		vpc("MoveResourceGroup", write, s.MoveResourceGroup),

		// ---- VPN route entries (internal/service/routes.go) ----
		vpc("CreateVpnRouteEntry", write, s.CreateVpnRouteEntry),
		vpc("DescribeVpnRouteEntries", list, s.DescribeVpnRouteEntries),
		vpc("ModifyVpnRouteEntryWeight", write, s.ModifyVpnRouteEntryWeight),
		vpc("DeleteVpnRouteEntry", write, s.DeleteVpnRouteEntry),
		vpc("CreateVpnPbrRouteEntry", write, s.CreateVpnPbrRouteEntry),
		vpc("DescribeVpnPbrRouteEntries", list, s.DescribeVpnPbrRouteEntries),
		vpc("ModifyVpnPbrRouteEntryWeight", write, s.ModifyVpnPbrRouteEntryWeight),
		vpc("ModifyVpnPbrRouteEntryPriority", write, s.ModifyVpnPbrRouteEntryPriority),
		vpc("ModifyVpnPbrRouteEntryAttribute", write, s.ModifyVpnPbrRouteEntryAttribute),
		vpc("DeleteVpnPbrRouteEntry", write, s.DeleteVpnPbrRouteEntry),
		vpc("PublishVpnRouteEntry", write, s.PublishVpnRouteEntry),

		// ---- vpcvpn extensions (not Alibaba Cloud actions; internal/service/deviceconfig.go, docs/DEVICES.md) ----
		vpc("DescribeVpnConnectionDeviceTypes", read, s.DescribeVpnConnectionDeviceTypes),
		vpc("DownloadVpnConnectionDeviceConfig", secretRead, s.DownloadVpnConnectionDeviceConfig),

		// ---- vpcvpn extensions: the gateway agent (internal/service/agent.go, docs/API.md "Gateway agent") ----
		vpc("DownloadVpnGatewayAgentConfig", secretRead, s.DownloadVpnGatewayAgentConfig),
		vpc("ReportVpnGatewayAgentStatus", write, s.ReportVpnGatewayAgentStatus),
		vpc("DescribeVpnGatewayAgentStatus", read, s.DescribeVpnGatewayAgentStatus),

		// ---- RAM 2015-05-01 and STS 2015-04-01 (internal/service/ram.go, sts.go) ----
		ram("CreateUser", write, s.CreateUser),
		ram("GetUser", read, s.GetUser),
		ram("ListUsers", list, s.ListUsers),
		ram("UpdateUser", write, s.UpdateUser),
		ram("DeleteUser", write, s.DeleteUser),
		ram("CreateAccessKey", write, s.CreateAccessKey),
		ram("ListAccessKeys", list, s.ListAccessKeys),
		ram("UpdateAccessKey", write, s.UpdateAccessKey),
		ram("DeleteAccessKey", write, s.DeleteAccessKey),
		ram("CreatePolicy", write, s.CreatePolicy),
		ram("GetPolicy", read, s.GetPolicy),
		ram("ListPolicies", list, s.ListPolicies),
		ram("DeletePolicy", write, s.DeletePolicy),
		ram("CreatePolicyVersion", write, s.CreatePolicyVersion),
		ram("AttachPolicyToUser", write, s.AttachPolicyToUser),
		ram("DetachPolicyFromUser", write, s.DetachPolicyFromUser),
		ram("ListPoliciesForUser", list, s.ListPoliciesForUser),
		ram("CreateRole", write, s.CreateRole),
		ram("GetRole", read, s.GetRole),
		ram("DeleteRole", write, s.DeleteRole),
		ram("AttachPolicyToRole", write, s.AttachPolicyToRole),
		ram("DetachPolicyFromRole", write, s.DetachPolicyFromRole),
		sts("AssumeRole", write, s.AssumeRole),
		sts("GetCallerIdentity", read, s.GetCallerIdentity),
	}
}

// LookupEventsAction is ActionTrail's LookupEvents, with its metadata: the
// dispatch table's entry that a server adds when its audit trail is on (the
// service then has an EventTrail). s may be nil, as for Actions.
func LookupEventsAction(s *service.Service) Action {
	return Action{Version: VersionActionTrail, Name: "LookupEvents", Handle: s.LookupEvents,
		Meta: action.Meta{RAM: "actiontrail:LookupEvents", Class: list}}
}
