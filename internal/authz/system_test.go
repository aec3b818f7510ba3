package authz

import (
	"sort"
	"strings"
	"testing"
)

// vpnActions are the VPN actions of the VPC API (from the vpc-20160428 SDK)
// plus vpcvpn's extensions.
var vpnActions = []string{
	"vpc:CreateVpnGateway", "vpc:DeleteVpnGateway", "vpc:DescribeVpnGateway", "vpc:DescribeVpnGateways",
	"vpc:ModifyVpnGatewayAttribute", "vpc:DescribeVpnGatewayAvailableZones",
	"vpc:CreateCustomerGateway", "vpc:DeleteCustomerGateway", "vpc:DescribeCustomerGateway",
	"vpc:DescribeCustomerGateways", "vpc:ModifyCustomerGatewayAttribute",
	"vpc:CreateVpnConnection", "vpc:DeleteVpnConnection", "vpc:DescribeVpnConnection", "vpc:DescribeVpnConnections",
	"vpc:ModifyVpnConnectionAttribute", "vpc:DownloadVpnConnectionConfig", "vpc:DescribeVpnConnectionLogs",
	"vpc:DescribeVpnRouteEntries", "vpc:CreateVpnRouteEntry", "vpc:GetVpnGatewayDiagnoseResult",
	"vpc:ListVpnCertificateAssociations", "vpc:DiagnoseVpnConnections",
	"vpc:DownloadVpnConnectionDeviceConfig", "vpc:DescribeVpnConnectionDeviceTypes",
}

// vpnReadActions are the subset a read-only VPN policy must allow.
var vpnReadActions = []string{
	"vpc:DescribeVpnGateway", "vpc:DescribeVpnGateways", "vpc:DescribeVpnGatewayAvailableZones",
	"vpc:DescribeCustomerGateway", "vpc:DescribeCustomerGateways",
	"vpc:DescribeVpnConnection", "vpc:DescribeVpnConnections", "vpc:DescribeVpnConnectionLogs",
	"vpc:DescribeVpnRouteEntries", "vpc:GetVpnGatewayDiagnoseResult", "vpc:ListVpnCertificateAssociations",
	"vpc:DownloadVpnConnectionConfig", "vpc:DownloadVpnConnectionDeviceConfig", "vpc:DescribeVpnConnectionDeviceTypes",
}

var vpnWriteActions = []string{
	"vpc:CreateVpnGateway", "vpc:DeleteVpnGateway", "vpc:ModifyVpnGatewayAttribute",
	"vpc:CreateCustomerGateway", "vpc:DeleteCustomerGateway", "vpc:ModifyCustomerGatewayAttribute",
	"vpc:CreateVpnConnection", "vpc:DeleteVpnConnection", "vpc:ModifyVpnConnectionAttribute", "vpc:CreateVpnRouteEntry",
}

var vpcReadActions = []string{
	"vpc:DescribeVpcs", "vpc:DescribeVpcAttribute", "vpc:DescribeVSwitches", "vpc:DescribeVSwitchAttributes",
	"vpc:DescribeRegions", "vpc:DescribeZones",
}

var vpcWriteActions = []string{
	"vpc:CreateVpc", "vpc:DeleteVpc", "vpc:ModifyVpcAttribute",
	"vpc:CreateVSwitch", "vpc:DeleteVSwitch", "vpc:ModifyVSwitchAttribute",
}

func TestSystemPolicies(t *testing.T) {
	sys := SystemPolicies()
	var names []string
	for name := range sys {
		names = append(names, name)
	}
	sort.Strings(names)
	want := []string{"AdministratorAccess", "AliyunVPCFullAccess", "AliyunVPCReadOnlyAccess", "AliyunVPNGatewayFullAccess", "AliyunVPNGatewayReadOnlyAccess"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("system policies = %v, want %v", names, want)
	}

	all := func(lists ...[]string) []string {
		var out []string
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	tests := []struct {
		policy  string
		allowed []string
		denied  []string
	}{
		{PolicyVPNGatewayReadOnly, vpnReadActions, all(vpnWriteActions, vpcReadActions, vpcWriteActions, []string{"ram:CreateUser"})},
		{PolicyVPNGatewayFull, all(vpnActions, vpcReadActions), all(vpcWriteActions, []string{"ram:CreateUser", "ecs:DescribeInstances"})},
		{PolicyVPCReadOnly, vpcReadActions, all(vpnActions, vpcWriteActions, []string{"ram:ListUsers"})},
		{PolicyVPCFull, all(vpcReadActions, vpcWriteActions), all(vpnActions, []string{"ram:ListUsers"})},
		{PolicyAdministrator, all(vpnActions, vpcReadActions, vpcWriteActions, []string{"ram:CreateUser", "sts:AssumeRole"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			sp := sys[tt.policy]
			if sp.Name != tt.policy || sp.Description == "" {
				t.Errorf("entry = %+v", sp)
			}
			p, err := Parse(sp.Document)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for _, a := range tt.allowed {
				for _, res := range []string{"*", connARN, gwARN} {
					if got := p.Evaluate(Request{Action: a, Resource: res}); got != Allow {
						t.Errorf("%s on %s = %v, want Allow", a, res, got)
					}
				}
			}
			for _, a := range tt.denied {
				if got := p.Evaluate(Request{Action: a, Resource: "*"}); got != ImplicitDeny {
					t.Errorf("%s = %v, want ImplicitDeny", a, got)
				}
			}
		})
	}
}

func TestSystemPoliciesFreshMap(t *testing.T) {
	a := SystemPolicies()
	delete(a, PolicyAdministrator)
	if _, ok := SystemPolicies()[PolicyAdministrator]; !ok {
		t.Error("changing one result changed the next")
	}
}

func TestARN(t *testing.T) {
	tests := []struct {
		name                              string
		product, region, account, typ, id string
		want                              string
	}{
		{"vpn connection", "vpc", "cn-hangzhou", "1234567890123456", "vpnconnection", "vco-xxx", "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-xxx"},
		{"vpn gateway", "vpc", "cn-shanghai", "1234567890123456", "vpngateway", "vpn-1", "acs:vpc:cn-shanghai:1234567890123456:vpngateway/vpn-1"},
		{"customer gateway", "vpc", "cn-hangzhou", "1", "customergateway", "cgw-1", "acs:vpc:cn-hangzhou:1:customergateway/cgw-1"},
		{"create star", "vpc", "cn-hangzhou", "1234567890123456", "vpnconnection", "*", "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/*"},
		{"empty id is star", "vpc", "cn-hangzhou", "1234567890123456", "vpc", "", "acs:vpc:cn-hangzhou:1234567890123456:vpc/*"},
		{"ram user", "ram", "", "1234567890123456", "user", "alice", "acs:ram::1234567890123456:user/alice"},
		{"ram role", "ram", "", "1234567890123456", "role", "ops", "acs:ram::1234567890123456:role/ops"},
		{"no type", "vpc", "cn-hangzhou", "1", "", "", "acs:vpc:cn-hangzhou:1:*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ARN(tt.product, tt.region, tt.account, tt.typ, tt.id); got != tt.want {
				t.Errorf("ARN = %q, want %q", got, tt.want)
			}
		})
	}
}
