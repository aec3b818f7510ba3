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
	// ModifyRouteTableAttributes.
	"InvalidRouteTableId.NotFound":            {s404, "The specified route table does not exist."},
	"InvalidRouteTableName.Malformed":         {s400, "The specified RouteTableName is invalid."},
	"InvalidRoutePropagationEnable.Malformed": {s400, "The specified RoutePropagationEnable is invalid."},
	// TagResources, UnTagResources, ListTagResources.
	"InvalidInstanceType.NotFound": {s400, "The instance type is not found."},
	"InvalidInstanceIds.NotFound":  {s400, "The instanceIds are not found."},
	"InvalidTagKey":                {s400, "The tag keys are not valid."},
	"InvalidTagValue":              {s400, "The tag values are not valid."},
	"Forbidden.TagKeys":            {s400, "The request do not allow to operate the tag keys."},
	"Forbidden.TagKey.Duplicated":  {s400, "The specified tag key already exists."},
	"QuotaExceeded.TagNum":         {s400, "Custom Tags quota exceeded."},
	"SizeLimitExceeded.TagNum":     {s400, "The maximum number of tags is exceeded."},
	"SizeLimitExceeded.ResourceId": {s400, "The maximum number of resource IDs is exceeded."},
	"InvalidMaxResults.Malformed":  {s400, "The specified MaxResults is invalid."},
	"InvalidNextToken.Malformed":   {s400, "The specified NextToken is invalid."},
	// Gateways.
	"InvalidSslConnections.Malformed": {s400, "The specified SslConnections is invalid."},
	"InvalidSpec.Malformed":           {s400, "The specified Spec is invalid."},
	// Route entries.
	"InvalidRouteDest.Malformed":        {s400, "The specified RouteDest is invalid."},
	"InvalidRouteSource.Malformed":      {s400, "The specified RouteSource is invalid."},
	"InvalidWeight.Malformed":           {s400, "The specified Weight is invalid."},
	"InvalidNewWeight.Malformed":        {s400, "The specified NewWeight is invalid."},
	"InvalidPriority.Malformed":         {s400, "The specified Priority is invalid."},
	"InvalidNewPriority.Malformed":      {s400, "The specified NewPriority is invalid."},
	"InvalidPublishVpc.Malformed":       {s400, "The specified PublishVpc is invalid."},
	"InvalidRouteType.Malformed":        {s400, "The specified RouteType is invalid."},
	"InvalidRouteEntryType.Malformed":   {s400, "The specified RouteEntryType is invalid."},
	"InvalidOverlayMode.Malformed":      {s400, "The specified OverlayMode is invalid."},
	"InvalidNextHop.NotFound":           {s404, "The specified next hop is not an IPsec-VPN connection of the VPN gateway."},
	"InvalidRouteEntry.NotFound":        {s404, "The specified route entry does not exist."},
	"VpnRouteEntry.AlreadyExists":       {s400, "The specified route entry already exists."},
	"DependencyViolation.VpnRouteEntry": {s400, "The IPsec-VPN connection is the next hop of a route entry; delete the route entry first."},
}
