package authz

// SystemPolicy is a policy shipped with vpcvpn (PolicyType "System"): it is
// read-only, the same in every account, and attached by name.
type SystemPolicy struct {
	Name        string
	Description string
	Document    string
}

// System policy names.
const (
	PolicyVPNGatewayReadOnly = "AliyunVPNGatewayReadOnlyAccess"
	PolicyVPNGatewayFull     = "AliyunVPNGatewayFullAccess"
	PolicyVPCReadOnly        = "AliyunVPCReadOnlyAccess"
	PolicyVPCFull            = "AliyunVPCFullAccess"
	PolicyAdministrator      = "AdministratorAccess"
)

// SystemPolicies returns the system policies by name. Each call returns a new
// map, so callers may not change what the next caller sees. Every Document
// parses with Parse (tested).
//
// The VPC policies deliberately grant no VPN action: instead of "vpc:Describe*"
// (which would include DescribeVpnGateways) they list the VPC, VSwitch, region
// and zone actions, so no Deny statement is needed to carve VPN out.
func SystemPolicies() map[string]SystemPolicy {
	list := []SystemPolicy{
		{
			Name:        PolicyVPNGatewayReadOnly,
			Description: "Read-only access to VPN gateways, customer gateways and IPsec-VPN connections, including downloading connection configurations.",
			Document: `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "vpc:DescribeVpnGateway*",
        "vpc:DescribeVpnConnection*",
        "vpc:DescribeCustomerGateway*",
        "vpc:DescribeVpn*",
        "vpc:GetVpn*",
        "vpc:ListVpn*",
        "vpc:DownloadVpnConnectionConfig",
        "vpc:DownloadVpnConnectionDeviceConfig",
        "vpc:DescribeVpnConnectionDeviceTypes"
      ],
      "Resource": "*"
    }
  ]
}`,
		},
		{
			Name:        PolicyVPNGatewayFull,
			Description: "Full access to VPN gateways, customer gateways and IPsec-VPN connections, and read access to the VPCs and vSwitches they attach to.",
			Document: `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "vpc:*Vpn*",
        "vpc:*CustomerGateway*"
      ],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": [
        "vpc:DescribeVpcs",
        "vpc:DescribeVpcAttribute",
        "vpc:DescribeVSwitches",
        "vpc:DescribeVSwitchAttributes",
        "vpc:DescribeRegions",
        "vpc:DescribeZones"
      ],
      "Resource": "*"
    }
  ]
}`,
		},
		{
			Name:        PolicyVPCReadOnly,
			Description: "Read-only access to VPCs, vSwitches, regions and zones (no VPN access).",
			Document: `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "vpc:DescribeVpcs",
        "vpc:DescribeVpcAttribute",
        "vpc:DescribeVSwitches",
        "vpc:DescribeVSwitchAttributes",
        "vpc:DescribeRegions",
        "vpc:DescribeZones"
      ],
      "Resource": "*"
    }
  ]
}`,
		},
		{
			Name:        PolicyVPCFull,
			Description: "Full access to VPCs and vSwitches (no VPN access).",
			Document: `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "vpc:CreateVpc",
        "vpc:DeleteVpc",
        "vpc:ModifyVpcAttribute",
        "vpc:DescribeVpcs",
        "vpc:DescribeVpcAttribute",
        "vpc:CreateVSwitch",
        "vpc:DeleteVSwitch",
        "vpc:ModifyVSwitchAttribute",
        "vpc:DescribeVSwitches",
        "vpc:DescribeVSwitchAttributes",
        "vpc:DescribeRegions",
        "vpc:DescribeZones"
      ],
      "Resource": "*"
    }
  ]
}`,
		},
		{
			Name:        PolicyAdministrator,
			Description: "Full access to every action on every resource.",
			Document: `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}`,
		},
	}
	out := make(map[string]SystemPolicy, len(list))
	for _, p := range list {
		out[p.Name] = p
	}
	return out
}
