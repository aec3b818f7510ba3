package api

import "github.com/vpcvpn/vpcvpn/internal/service"

// VPC API version.
const VersionVPC = "2016-04-28"

// Actions is the dispatch table: every (Version, Action) the server answers.
func Actions(s *service.Service) []Action {
	vpc := func(name string, h HandlerFunc) Action { return Action{Version: VersionVPC, Name: name, Handle: h} }
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
		vpc("DeleteVpnConnection", s.DeleteVpnConnection),
		vpc("DownloadVpnConnectionConfig", s.DownloadVpnConnectionConfig),
	}
}
