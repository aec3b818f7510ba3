package vpn

// Answers of the VPC attribute and route table actions (DescribeVpcAttribute,
// DescribeVSwitchAttributes, DescribeRouteTableList), shaped after the V2
// SDK's response models like describe.go's.

// DescribeVpcAttributeResponse is the DescribeVpcAttribute answer. vpcvpn's
// VPCs have no IPv6, no ClassicLink, no DHCP options set, no DNS hostnames
// and no user CIDRs or secondary blocks: those fields say so.
type DescribeVpcAttributeResponse struct {
	VpcId               string            `json:"VpcId" xml:"VpcId"`
	RegionId            string            `json:"RegionId" xml:"RegionId"`
	Status              string            `json:"Status" xml:"Status"`
	VpcName             string            `json:"VpcName" xml:"VpcName"`
	CreationTime        string            `json:"CreationTime" xml:"CreationTime"`
	CidrBlock           string            `json:"CidrBlock" xml:"CidrBlock"`
	Description         string            `json:"Description" xml:"Description"`
	IsDefault           bool              `json:"IsDefault" xml:"IsDefault"`
	OwnerId             int64             `json:"OwnerId,omitempty" xml:"OwnerId,omitempty"`
	VRouterId           string            `json:"VRouterId" xml:"VRouterId"`
	ResourceGroupId     string            `json:"ResourceGroupId" xml:"ResourceGroupId"`
	ClassicLinkEnabled  bool              `json:"ClassicLinkEnabled" xml:"ClassicLinkEnabled"`
	EnabledIpv6         bool              `json:"EnabledIpv6" xml:"EnabledIpv6"`
	SupportIpv4Gateway  bool              `json:"SupportIpv4Gateway" xml:"SupportIpv4Gateway"`
	DnsHostnameStatus   string            `json:"DnsHostnameStatus" xml:"DnsHostnameStatus"`
	VSwitchIds          VSwitchIDList     `json:"VSwitchIds" xml:"VSwitchIds"`
	UserCidrs           UserCidrList      `json:"UserCidrs" xml:"UserCidrs"`
	SecondaryCidrBlocks SecondaryCidrList `json:"SecondaryCidrBlocks" xml:"SecondaryCidrBlocks"`
	CloudResources      CloudResourceList `json:"CloudResources" xml:"CloudResources"`
	Tags                *TagList          `json:"Tags" xml:"Tags"`
}

// UserCidrList wraps UserCidr[].
type UserCidrList struct {
	UserCidr []string `json:"UserCidr" xml:"UserCidr"`
}

// SecondaryCidrList wraps SecondaryCidrBlock[].
type SecondaryCidrList struct {
	SecondaryCidrBlock []string `json:"SecondaryCidrBlock" xml:"SecondaryCidrBlock"`
}

// CloudResourceList wraps CloudResourceSetType[]: how many resources of each
// type the VPC holds.
type CloudResourceList struct {
	CloudResourceSetType []CloudResourceItem `json:"CloudResourceSetType" xml:"CloudResourceSetType"`
}

// CloudResourceItem is one resource count.
type CloudResourceItem struct {
	ResourceType  string `json:"ResourceType" xml:"ResourceType"`
	ResourceCount int32  `json:"ResourceCount" xml:"ResourceCount"`
}

// NewDescribeVpcAttributeResponse answers DescribeVpcAttribute for v with the
// ids of its vSwitches (in creation order) and the number of its VPN
// gateways.
func NewDescribeVpcAttributeResponse(v Vpc, vswitchIDs []string, vpnGateways int) DescribeVpcAttributeResponse {
	if vswitchIDs == nil {
		vswitchIDs = []string{}
	}
	res := []CloudResourceItem{
		{ResourceType: "VSwitch", ResourceCount: int32(len(vswitchIDs))},
		{ResourceType: "RouteTable", ResourceCount: 1},
		{ResourceType: "VpnGateway", ResourceCount: int32(vpnGateways)},
	}
	return DescribeVpcAttributeResponse{
		VpcId: v.VpcID, RegionId: v.RegionID, Status: v.Status, VpcName: v.VpcName, CreationTime: isoTime(v.CreatedAt),
		CidrBlock: v.CidrBlock, Description: v.Description, OwnerId: accountNumber(v.AccountID), VRouterId: v.VRouterID,
		ResourceGroupId: v.ResourceGroupID, DnsHostnameStatus: "DISABLED", VSwitchIds: VSwitchIDList{VSwitchId: vswitchIDs},
		UserCidrs: UserCidrList{UserCidr: []string{}}, SecondaryCidrBlocks: SecondaryCidrList{SecondaryCidrBlock: []string{}},
		CloudResources: CloudResourceList{CloudResourceSetType: res}, Tags: tagList(v.Tags),
	}
}

// DescribeVSwitchAttributesResponse is the DescribeVSwitchAttributes answer:
// the same fields as an item of DescribeVSwitches.
type DescribeVSwitchAttributesResponse = VSwitchItem

// DescribeRouteTableListResponse is the DescribeRouteTableList answer.
type DescribeRouteTableListResponse struct {
	Paging
	RouterTableList RouterTableList `json:"RouterTableList" xml:"RouterTableList"`
}

// RouterTableList wraps RouterTableListType[].
type RouterTableList struct {
	RouterTableListType []RouteTableItem `json:"RouterTableListType" xml:"RouterTableListType"`
}

// RouteTableItem is one route table: a VPC's System table, attached to every
// vSwitch of the VPC, with the name and description ModifyRouteTableAttributes
// gave it ("" until then), route propagation on.
type RouteTableItem struct {
	RouteTableId           string        `json:"RouteTableId" xml:"RouteTableId"`
	RouteTableName         string        `json:"RouteTableName" xml:"RouteTableName"`
	RouteTableType         string        `json:"RouteTableType" xml:"RouteTableType"`
	RouterId               string        `json:"RouterId" xml:"RouterId"`
	RouterType             string        `json:"RouterType" xml:"RouterType"`
	VpcId                  string        `json:"VpcId" xml:"VpcId"`
	Description            string        `json:"Description" xml:"Description"`
	CreationTime           string        `json:"CreationTime" xml:"CreationTime"`
	Status                 string        `json:"Status" xml:"Status"`
	AssociateType          string        `json:"AssociateType" xml:"AssociateType"`
	OwnerId                int64         `json:"OwnerId,omitempty" xml:"OwnerId,omitempty"`
	ResourceGroupId        string        `json:"ResourceGroupId" xml:"ResourceGroupId"`
	RoutePropagationEnable bool          `json:"RoutePropagationEnable" xml:"RoutePropagationEnable"`
	VSwitchIds             VSwitchIDList `json:"VSwitchIds" xml:"VSwitchIds"`
	GatewayIds             GatewayIDList `json:"GatewayIds" xml:"GatewayIds"`
	Tags                   *TagList      `json:"Tags" xml:"Tags"`
}

// GatewayIDList wraps GatewayIds[] (named alike, as in the SDK model).
type GatewayIDList struct {
	GatewayIds []string `json:"GatewayIds" xml:"GatewayIds"`
}

// NewRouteTableItem is the System route table of v; vswitchIDs are the
// vSwitches of v, routeTableTags the tags of the table itself.
func NewRouteTableItem(v Vpc, vswitchIDs []string, routeTableTags []Tag) RouteTableItem {
	if vswitchIDs == nil {
		vswitchIDs = []string{}
	}
	return RouteTableItem{
		RouteTableId: v.RouteTableID, RouteTableName: v.RouteTableName, Description: v.RouteTableDescription, RouteTableType: "System", RouterId: v.VRouterID, RouterType: "VRouter",
		VpcId: v.VpcID, CreationTime: isoTime(v.CreatedAt), Status: "Available", AssociateType: "VSwitch",
		OwnerId: accountNumber(v.AccountID), ResourceGroupId: v.ResourceGroupID, RoutePropagationEnable: true,
		VSwitchIds: VSwitchIDList{VSwitchId: vswitchIDs}, GatewayIds: GatewayIDList{GatewayIds: []string{}},
		Tags: tagList(routeTableTags),
	}
}

// NewDescribeRouteTableListResponse answers DescribeRouteTableList.
func NewDescribeRouteTableListResponse(items []RouteTableItem, pg Page, total int) DescribeRouteTableListResponse {
	if items == nil {
		items = []RouteTableItem{}
	}
	return DescribeRouteTableListResponse{Paging: NewPaging(pg, total), RouterTableList: RouterTableList{RouterTableListType: items}}
}
