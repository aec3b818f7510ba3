package apierror

// vpcFamilyCodes are the codes of the rest of the VPC and IPsec-VPN family
// that tools such as Terraform call: VPC and vSwitch attributes, route
// tables, tags, resource groups, route entries and tunnels.
var vpcFamilyCodes = map[string]Entry{
	"OperationUnsupported.Feature":     {s400, "The requested feature is not implemented by this server."},
	"InvalidCidrBlock.VSwitchOutside":  {s400, "The new CIDR block of the VPC does not contain all of its vSwitches."},
	"InvalidResourceGroupId.Malformed": {s400, "The specified ResourceGroupId is invalid."},
	"InvalidRouteTableType.Malformed":  {s400, "The specified RouteTableType is invalid."},
	"InvalidRouterType.Malformed":      {s400, "The specified RouterType is invalid."},
}
