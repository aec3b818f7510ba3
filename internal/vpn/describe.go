package vpn

import (
	"strconv"
	"time"
)

// The types below are the answers of the actions around the download, minus
// RequestId (the api layer adds it, and the XML root <Action>Response). Field
// names and JSON types follow the V2 SDK response models
// (github.com/alibabacloud-go/vpc-20160428/v6/client/*_response_body_model.go);
// only fields vpcvpn can fill are present. Lists are wrapped in an object
// named for the item. VPN resources carry CreateTime in milliseconds since
// the epoch; VPCs and vSwitches carry CreationTime as ISO 8601 UTC
// (2006-01-02T15:04:05Z).

// isoTime formats CreationTime as Alibaba does.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// millis formats CreateTime as Alibaba does.
func millis(t time.Time) int64 { return t.UnixMilli() }

// TagList is the wrapped tag list (Tags.Tag[]).
type TagList struct {
	Tag []TagItem `json:"Tag" xml:"Tag"`
}

// TagItem is one tag.
type TagItem struct {
	Key   string `json:"Key" xml:"Key"`
	Value string `json:"Value" xml:"Value"`
}

func tagList(ts []Tag) *TagList {
	out := &TagList{Tag: make([]TagItem, len(ts))}
	for i, t := range ts {
		out.Tag[i] = TagItem(t)
	}
	return out
}

// Paging is embedded in the list answers.
type Paging struct {
	TotalCount int32 `json:"TotalCount" xml:"TotalCount"`
	PageNumber int32 `json:"PageNumber" xml:"PageNumber"`
	PageSize   int32 `json:"PageSize" xml:"PageSize"`
}

// NewPaging is the paging block of a list answer.
func NewPaging(pg Page, total int) Paging {
	return Paging{TotalCount: int32(total), PageNumber: int32(pg.Number), PageSize: int32(pg.Size)}
}

// --- DescribeRegions

// DescribeRegionsResponse is the DescribeRegions answer.
type DescribeRegionsResponse struct {
	Regions RegionList `json:"Regions" xml:"Regions"`
}

// RegionList wraps Region[].
type RegionList struct {
	Region []RegionItem `json:"Region" xml:"Region"`
}

// RegionItem is one region.
type RegionItem struct {
	RegionId       string `json:"RegionId" xml:"RegionId"`
	LocalName      string `json:"LocalName" xml:"LocalName"`
	RegionEndpoint string `json:"RegionEndpoint" xml:"RegionEndpoint"`
}

// NewDescribeRegionsResponse lists every region with its name in lang.
func NewDescribeRegionsResponse(lang string) DescribeRegionsResponse {
	rs := Regions()
	out := DescribeRegionsResponse{Regions: RegionList{Region: make([]RegionItem, len(rs))}}
	for i, r := range rs {
		out.Regions.Region[i] = RegionItem{RegionId: r.ID, LocalName: r.LocalName(lang), RegionEndpoint: r.Endpoint}
	}
	return out
}

// --- VPC

// CreateVpcResponse is the CreateVpc answer.
type CreateVpcResponse struct {
	VpcId           string `json:"VpcId" xml:"VpcId"`
	VRouterId       string `json:"VRouterId" xml:"VRouterId"`
	RouteTableId    string `json:"RouteTableId" xml:"RouteTableId"`
	ResourceGroupId string `json:"ResourceGroupId" xml:"ResourceGroupId"`
}

// NewCreateVpcResponse answers CreateVpc with the ids of the VPC, its
// vRouter and System route table, and its resource group.
func NewCreateVpcResponse(v Vpc) CreateVpcResponse {
	return CreateVpcResponse{VpcId: v.VpcID, VRouterId: v.VRouterID, RouteTableId: v.RouteTableID, ResourceGroupId: v.ResourceGroupID}
}

// DescribeVpcsResponse is the DescribeVpcs answer.
type DescribeVpcsResponse struct {
	Paging
	Vpcs VpcList `json:"Vpcs" xml:"Vpcs"`
}

// VpcList wraps Vpc[].
type VpcList struct {
	Vpc []VpcItem `json:"Vpc" xml:"Vpc"`
}

// VpcItem is one VPC.
type VpcItem struct {
	VpcId           string            `json:"VpcId" xml:"VpcId"`
	RegionId        string            `json:"RegionId" xml:"RegionId"`
	Status          string            `json:"Status" xml:"Status"`
	VpcName         string            `json:"VpcName" xml:"VpcName"`
	CreationTime    string            `json:"CreationTime" xml:"CreationTime"`
	CidrBlock       string            `json:"CidrBlock" xml:"CidrBlock"`
	Description     string            `json:"Description" xml:"Description"`
	IsDefault       bool              `json:"IsDefault" xml:"IsDefault"`
	OwnerId         int64             `json:"OwnerId,omitempty" xml:"OwnerId,omitempty"`
	VRouterId       string            `json:"VRouterId" xml:"VRouterId"`
	ResourceGroupId string            `json:"ResourceGroupId" xml:"ResourceGroupId"`
	VSwitchIds      VSwitchIDList     `json:"VSwitchIds" xml:"VSwitchIds"`
	RouterTableIds  RouterTableIDList `json:"RouterTableIds" xml:"RouterTableIds"`
	// DnsHostnameStatus is DISABLED: vpcvpn has no DNS hostnames.
	DnsHostnameStatus string   `json:"DnsHostnameStatus" xml:"DnsHostnameStatus"`
	Tags              *TagList `json:"Tags" xml:"Tags"`
}

// RouterTableIDList wraps RouterTableIds[] (the SDK model names the list and
// its items alike).
type RouterTableIDList struct {
	RouterTableIds []string `json:"RouterTableIds" xml:"RouterTableIds"`
}

// VSwitchIDList wraps VSwitchId[].
type VSwitchIDList struct {
	VSwitchId []string `json:"VSwitchId" xml:"VSwitchId"`
}

// NewDescribeVpcsResponse answers DescribeVpcs with one page of VPCs;
// switches maps a VpcID to its vSwitch ids (may be nil).
func NewDescribeVpcsResponse(vpcs []Vpc, switches map[string][]string, pg Page, total int) DescribeVpcsResponse {
	out := DescribeVpcsResponse{Paging: NewPaging(pg, total), Vpcs: VpcList{Vpc: make([]VpcItem, len(vpcs))}}
	for i, v := range vpcs {
		ids := switches[v.VpcID]
		if ids == nil {
			ids = []string{}
		}
		out.Vpcs.Vpc[i] = VpcItem{
			VpcId: v.VpcID, RegionId: v.RegionID, Status: v.Status, VpcName: v.VpcName,
			CreationTime: isoTime(v.CreatedAt), CidrBlock: v.CidrBlock, Description: v.Description,
			OwnerId: accountNumber(v.AccountID), VSwitchIds: VSwitchIDList{VSwitchId: ids},
			VRouterId: v.VRouterID, ResourceGroupId: v.ResourceGroupID,
			RouterTableIds: RouterTableIDList{RouterTableIds: []string{v.RouteTableID}}, Tags: tagList(v.Tags),
			DnsHostnameStatus: "DISABLED",
		}
	}
	return out
}

// accountNumber is the numeric OwnerId of an account id, 0 when the id is
// not numeric (the field is then left out).
func accountNumber(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// CreateVSwitchResponse is the CreateVSwitch answer.
type CreateVSwitchResponse struct {
	VSwitchId string `json:"VSwitchId" xml:"VSwitchId"`
}

// NewCreateVSwitchResponse answers CreateVSwitch.
func NewCreateVSwitchResponse(sw VSwitch) CreateVSwitchResponse {
	return CreateVSwitchResponse{VSwitchId: sw.VSwitchID}
}

// DescribeVSwitchesResponse is the DescribeVSwitches answer.
type DescribeVSwitchesResponse struct {
	Paging
	VSwitches VSwitchList `json:"VSwitches" xml:"VSwitches"`
}

// VSwitchList wraps VSwitch[].
type VSwitchList struct {
	VSwitch []VSwitchItem `json:"VSwitch" xml:"VSwitch"`
}

// VSwitchItem is one vSwitch.
type VSwitchItem struct {
	VSwitchId               string `json:"VSwitchId" xml:"VSwitchId"`
	VpcId                   string `json:"VpcId" xml:"VpcId"`
	Status                  string `json:"Status" xml:"Status"`
	CidrBlock               string `json:"CidrBlock" xml:"CidrBlock"`
	ZoneId                  string `json:"ZoneId" xml:"ZoneId"`
	AvailableIpAddressCount int64  `json:"AvailableIpAddressCount" xml:"AvailableIpAddressCount"`
	Description             string `json:"Description" xml:"Description"`
	VSwitchName             string `json:"VSwitchName" xml:"VSwitchName"`
	CreationTime            string `json:"CreationTime" xml:"CreationTime"`
	IsDefault               bool   `json:"IsDefault" xml:"IsDefault"`
	OwnerId                 int64  `json:"OwnerId,omitempty" xml:"OwnerId,omitempty"`
	ResourceGroupId         string `json:"ResourceGroupId" xml:"ResourceGroupId"`
	// RouteTable is the route table the vSwitch is attached to: its VPC's
	// System table.
	RouteTable RouteTableRef `json:"RouteTable" xml:"RouteTable"`
	Tags       *TagList      `json:"Tags" xml:"Tags"`
}

// RouteTableRef names a vSwitch's route table.
type RouteTableRef struct {
	RouteTableId   string `json:"RouteTableId" xml:"RouteTableId"`
	RouteTableType string `json:"RouteTableType" xml:"RouteTableType"`
}

// NewVSwitchItem converts a vSwitch; routeTableID is its VPC's System route
// table.
func NewVSwitchItem(s VSwitch, routeTableID string) VSwitchItem {
	return VSwitchItem{
		VSwitchId: s.VSwitchID, VpcId: s.VpcID, Status: s.Status, CidrBlock: s.CidrBlock, ZoneId: s.ZoneID,
		AvailableIpAddressCount: availableAddrs(s.CidrBlock), Description: s.Description, VSwitchName: s.VSwitchName,
		CreationTime: isoTime(s.CreatedAt), OwnerId: accountNumber(s.AccountID), ResourceGroupId: s.ResourceGroupID,
		RouteTable: RouteTableRef{RouteTableId: routeTableID, RouteTableType: "System"}, Tags: tagList(s.Tags),
	}
}

// NewDescribeVSwitchesResponse answers DescribeVSwitches with one page;
// routeTables maps a VpcID to its System route table.
// AvailableIpAddressCount is the block size minus Alibaba's 4 reserved
// addresses.
func NewDescribeVSwitchesResponse(sws []VSwitch, routeTables map[string]string, pg Page, total int) DescribeVSwitchesResponse {
	out := DescribeVSwitchesResponse{Paging: NewPaging(pg, total), VSwitches: VSwitchList{VSwitch: make([]VSwitchItem, len(sws))}}
	for i, s := range sws {
		out.VSwitches.VSwitch[i] = NewVSwitchItem(s, routeTables[s.VpcID])
	}
	return out
}

func availableAddrs(cidr string) int64 {
	pfx, err := ParseCIDR("CidrBlock", cidr)
	if err != nil {
		return 0
	}
	n := int64(1)<<(32-pfx.Bits()) - 4
	if n < 0 {
		return 0
	}
	return n
}

// --- VPN gateways

// CreateVpnGatewayResponse is the CreateVpnGateway answer.
type CreateVpnGatewayResponse struct {
	VpnGatewayId string `json:"VpnGatewayId" xml:"VpnGatewayId"`
	Name         string `json:"Name" xml:"Name"`
	OrderId      int64  `json:"OrderId" xml:"OrderId"`
}

// NewCreateVpnGatewayResponse answers CreateVpnGateway; OrderId is the
// gateway's OrderID when numeric, else 0.
func NewCreateVpnGatewayResponse(g Gateway) CreateVpnGatewayResponse {
	return CreateVpnGatewayResponse{VpnGatewayId: g.VpnGatewayID, Name: g.Name, OrderId: accountNumber(g.OrderID)}
}

// VpnGatewayItem is DescribeVpnGateway's answer and one item of
// DescribeVpnGateways.
type VpnGatewayItem struct {
	VpnGatewayId               string `json:"VpnGatewayId" xml:"VpnGatewayId"`
	VpcId                      string `json:"VpcId" xml:"VpcId"`
	VSwitchId                  string `json:"VSwitchId" xml:"VSwitchId"`
	DisasterRecoveryVSwitchId  string `json:"DisasterRecoveryVSwitchId,omitempty" xml:"DisasterRecoveryVSwitchId,omitempty"`
	InternetIp                 string `json:"InternetIp" xml:"InternetIp"`
	DisasterRecoveryInternetIp string `json:"DisasterRecoveryInternetIp,omitempty" xml:"DisasterRecoveryInternetIp,omitempty"`
	SslVpnInternetIp           string `json:"SslVpnInternetIp,omitempty" xml:"SslVpnInternetIp,omitempty"`
	CreateTime                 int64  `json:"CreateTime" xml:"CreateTime"`
	EndTime                    int64  `json:"EndTime" xml:"EndTime"`
	Spec                       string `json:"Spec" xml:"Spec"`
	Name                       string `json:"Name" xml:"Name"`
	Description                string `json:"Description" xml:"Description"`
	Status                     string `json:"Status" xml:"Status"`
	BusinessStatus             string `json:"BusinessStatus" xml:"BusinessStatus"`
	ChargeType                 string `json:"ChargeType" xml:"ChargeType"`
	IpsecVpn                   string `json:"IpsecVpn" xml:"IpsecVpn"`
	SslVpn                     string `json:"SslVpn" xml:"SslVpn"`
	SslMaxConnections          int64  `json:"SslMaxConnections" xml:"SslMaxConnections"`
	NetworkType                string `json:"NetworkType" xml:"NetworkType"`
	VpnType                    string `json:"VpnType" xml:"VpnType"`
	EnableBgp                  bool   `json:"EnableBgp" xml:"EnableBgp"`
	AutoPropagate              bool   `json:"AutoPropagate" xml:"AutoPropagate"`
	ResourceGroupId            string `json:"ResourceGroupId" xml:"ResourceGroupId"`
	// Tag is Alibaba's JSON string of the gateway's features.
	Tag  string   `json:"Tag" xml:"Tag"`
	Tags *TagList `json:"Tags" xml:"Tags"`
	// GatewayAgent is a vpcvpn extension: the gateway agent's connection
	// (set by the service; see GatewayAgentItem).
	GatewayAgent *GatewayAgentItem `json:"GatewayAgent,omitempty" xml:"GatewayAgent,omitempty"`
}

// NewVpnGatewayItem converts a gateway. Spec is "<Bandwidth>M"; IpsecVpn and
// SslVpn are "enable"/"disable"; ChargeType is Alibaba's spelling of
// InstanceChargeType (PostpayByFlow or Prepay); EndTime is 0 for
// pay-as-you-go. enableBgp reports whether any connection of the gateway has
// BGP on (the caller knows its connections).
func NewVpnGatewayItem(g Gateway, enableBgp bool) VpnGatewayItem {
	onOff := func(b bool) string {
		if b {
			return "enable"
		}
		return "disable"
	}
	charge := "PostpayByFlow"
	if g.InstanceChargeType == "PREPAY" {
		charge = "Prepay"
	}
	return VpnGatewayItem{
		VpnGatewayId: g.VpnGatewayID, VpcId: g.VpcID, VSwitchId: g.VSwitchID,
		DisasterRecoveryVSwitchId: g.DisasterRecoveryVSwitchID, InternetIp: g.InternetIP,
		DisasterRecoveryInternetIp: g.DisasterRecoveryInternetIP, CreateTime: millis(g.CreatedAt),
		Spec: gatewaySpec(g), Name: g.Name, Description: g.Description,
		Status: g.Status, BusinessStatus: g.BusinessStatus, ChargeType: charge,
		IpsecVpn: onOff(g.EnableIpsec), SslVpn: onOff(g.EnableSsl), NetworkType: g.NetworkType,
		VpnType: g.VpnType, EnableBgp: enableBgp, ResourceGroupId: g.ResourceGroupID, Tags: tagList(g.Tags),
		SslMaxConnections: g.SslConnections, AutoPropagate: g.AutoPropagate, SslVpnInternetIp: sslAddress(g),
		Tag: gatewayFeatures,
	}
}

// gatewayFeatures is DescribeVpnGateway's Tag: what vpcvpn's gateways can
// do, in Alibaba's keys (BGP, policy-route priorities and the current
// image; no SSL client view).
const gatewayFeatures = `{"VpnEnableBgp":"true","VisuallySsl":"false","PbrPriority":"true","VpnNewImage":"true","VpnVersion":"vpcvpn"}`

// gatewaySpec is a gateway's bandwidth as Spec ("10M").
func gatewaySpec(g Gateway) string { return strconv.FormatInt(g.Bandwidth, 10) + "M" }

// healthStatus is a connection's health check status. vpcvpn runs no
// health check probes yet, so, as with BGP, nothing claims success: failed,
// the negative value of Alibaba's model.
func healthStatus(Connection) string { return "failed" }

// sslAddress is the address SSL-VPN clients connect to: the gateway's
// public address when SSL-VPN is on, else none.
func sslAddress(g Gateway) string {
	if !g.EnableSsl {
		return ""
	}
	return g.InternetIP
}

// DescribeVpnGatewaysResponse is the DescribeVpnGateways answer.
type DescribeVpnGatewaysResponse struct {
	Paging
	VpnGateways VpnGatewayList `json:"VpnGateways" xml:"VpnGateways"`
}

// VpnGatewayList wraps VpnGateway[].
type VpnGatewayList struct {
	VpnGateway []VpnGatewayItem `json:"VpnGateway" xml:"VpnGateway"`
}

// NewDescribeVpnGatewaysResponse answers DescribeVpnGateways with items
// already converted by NewVpnGatewayItem.
func NewDescribeVpnGatewaysResponse(items []VpnGatewayItem, pg Page, total int) DescribeVpnGatewaysResponse {
	if items == nil {
		items = []VpnGatewayItem{}
	}
	return DescribeVpnGatewaysResponse{Paging: NewPaging(pg, total), VpnGateways: VpnGatewayList{VpnGateway: items}}
}

// --- Customer gateways

// CreateCustomerGatewayResponse is the CreateCustomerGateway answer; the
// same shape answers ModifyCustomerGatewayAttribute.
type CreateCustomerGatewayResponse struct {
	CustomerGatewayId string `json:"CustomerGatewayId" xml:"CustomerGatewayId"`
	IpAddress         string `json:"IpAddress" xml:"IpAddress"`
	Name              string `json:"Name" xml:"Name"`
	Description       string `json:"Description" xml:"Description"`
	CreateTime        int64  `json:"CreateTime" xml:"CreateTime"`
}

// ModifyCustomerGatewayAttributeResponse is the
// ModifyCustomerGatewayAttribute answer: the create's fields and the
// resource group.
type ModifyCustomerGatewayAttributeResponse struct {
	CreateCustomerGatewayResponse
	ResourceGroupId string `json:"ResourceGroupId" xml:"ResourceGroupId"`
}

// NewModifyCustomerGatewayAttributeResponse answers
// ModifyCustomerGatewayAttribute.
func NewModifyCustomerGatewayAttributeResponse(c CustomerGateway) ModifyCustomerGatewayAttributeResponse {
	return ModifyCustomerGatewayAttributeResponse{CreateCustomerGatewayResponse: NewCreateCustomerGatewayResponse(c), ResourceGroupId: c.ResourceGroupID}
}

// NewCreateCustomerGatewayResponse answers CreateCustomerGateway and
// ModifyCustomerGatewayAttribute.
func NewCreateCustomerGatewayResponse(c CustomerGateway) CreateCustomerGatewayResponse {
	return CreateCustomerGatewayResponse{CustomerGatewayId: c.CustomerGatewayID, IpAddress: c.IPAddress, Name: c.Name, Description: c.Description, CreateTime: millis(c.CreatedAt)}
}

// CustomerGatewayItem is DescribeCustomerGateway's answer and one item of
// DescribeCustomerGateways. Asn is an integer here (0 when not set is left
// out); AuthKey is returned as Alibaba does.
type CustomerGatewayItem struct {
	CustomerGatewayId string   `json:"CustomerGatewayId" xml:"CustomerGatewayId"`
	IpAddress         string   `json:"IpAddress" xml:"IpAddress"`
	Name              string   `json:"Name" xml:"Name"`
	Description       string   `json:"Description" xml:"Description"`
	CreateTime        int64    `json:"CreateTime" xml:"CreateTime"`
	Asn               int64    `json:"Asn,omitempty" xml:"Asn,omitempty"`
	AuthKey           string   `json:"AuthKey,omitempty" xml:"AuthKey,omitempty"`
	ResourceGroupId   string   `json:"ResourceGroupId" xml:"ResourceGroupId"`
	Tags              *TagList `json:"Tags" xml:"Tags"`
}

// NewCustomerGatewayItem converts a customer gateway.
func NewCustomerGatewayItem(c CustomerGateway) CustomerGatewayItem {
	return CustomerGatewayItem{
		CustomerGatewayId: c.CustomerGatewayID, IpAddress: c.IPAddress, Name: c.Name, Description: c.Description,
		CreateTime: millis(c.CreatedAt), Asn: c.Asn, AuthKey: c.AuthKey, ResourceGroupId: c.ResourceGroupID, Tags: tagList(c.Tags),
	}
}

// DescribeCustomerGatewaysResponse is the DescribeCustomerGateways answer.
type DescribeCustomerGatewaysResponse struct {
	Paging
	CustomerGateways CustomerGatewayList `json:"CustomerGateways" xml:"CustomerGateways"`
}

// CustomerGatewayList wraps CustomerGateway[].
type CustomerGatewayList struct {
	CustomerGateway []CustomerGatewayItem `json:"CustomerGateway" xml:"CustomerGateway"`
}

// NewDescribeCustomerGatewaysResponse answers DescribeCustomerGateways.
func NewDescribeCustomerGatewaysResponse(cs []CustomerGateway, pg Page, total int) DescribeCustomerGatewaysResponse {
	out := DescribeCustomerGatewaysResponse{Paging: NewPaging(pg, total), CustomerGateways: CustomerGatewayList{CustomerGateway: make([]CustomerGatewayItem, len(cs))}}
	for i, c := range cs {
		out.CustomerGateways.CustomerGateway[i] = NewCustomerGatewayItem(c)
	}
	return out
}

// --- Connections

// CreateVpnConnectionResponse is the CreateVpnConnection answer.
type CreateVpnConnectionResponse struct {
	VpnConnectionId string `json:"VpnConnectionId" xml:"VpnConnectionId"`
	Name            string `json:"Name" xml:"Name"`
	CreateTime      int64  `json:"CreateTime" xml:"CreateTime"`
}

// NewCreateVpnConnectionResponse answers CreateVpnConnection.
func NewCreateVpnConnectionResponse(c Connection) CreateVpnConnectionResponse {
	return CreateVpnConnectionResponse{VpnConnectionId: c.VpnConnectionID, Name: c.Name, CreateTime: millis(c.CreatedAt)}
}

// IkeConfigItem is a connection's IkeConfig in the Describe answers (the
// gateway-side view: LocalId is the gateway's identity).
type IkeConfigItem struct {
	Psk         string `json:"Psk" xml:"Psk"`
	IkeVersion  string `json:"IkeVersion" xml:"IkeVersion"`
	IkeMode     string `json:"IkeMode" xml:"IkeMode"`
	IkeEncAlg   string `json:"IkeEncAlg" xml:"IkeEncAlg"`
	IkeAuthAlg  string `json:"IkeAuthAlg" xml:"IkeAuthAlg"`
	IkePfs      string `json:"IkePfs" xml:"IkePfs"`
	IkeLifetime int64  `json:"IkeLifetime" xml:"IkeLifetime"`
	LocalId     string `json:"LocalId" xml:"LocalId"`
	RemoteId    string `json:"RemoteId" xml:"RemoteId"`
}

// IpsecConfigItem is a connection's IpsecConfig in the Describe answers.
type IpsecConfigItem struct {
	IpsecEncAlg   string `json:"IpsecEncAlg" xml:"IpsecEncAlg"`
	IpsecAuthAlg  string `json:"IpsecAuthAlg" xml:"IpsecAuthAlg"`
	IpsecPfs      string `json:"IpsecPfs" xml:"IpsecPfs"`
	IpsecLifetime int64  `json:"IpsecLifetime" xml:"IpsecLifetime"`
}

// VpnBgpConfigItem is a single-tunnel connection's BGP in
// DescribeVpnConnection(s): ASNs are integers, EnableBgp a string
// ("true"/"false"), Status "success" or "failed" in Alibaba's model. vpcvpn
// runs no BGP speaker yet, so no session is ever established: Status is
// BgpSessionDown when BGP is enabled (and empty otherwise).
type VpnBgpConfigItem struct {
	EnableBgp  string `json:"EnableBgp" xml:"EnableBgp"`
	LocalAsn   int64  `json:"LocalAsn" xml:"LocalAsn"`
	PeerAsn    int64  `json:"PeerAsn,omitempty" xml:"PeerAsn,omitempty"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
	Status     string `json:"Status" xml:"Status"`
	AuthKey    string `json:"AuthKey,omitempty" xml:"AuthKey,omitempty"`
}

// HealthCheckItem is VcoHealthCheck: Enable is a string, Interval/Retry
// integers.
type HealthCheckItem struct {
	Enable   string `json:"Enable" xml:"Enable"`
	Sip      string `json:"Sip" xml:"Sip"`
	Dip      string `json:"Dip" xml:"Dip"`
	Interval int32  `json:"Interval" xml:"Interval"`
	Retry    int32  `json:"Retry" xml:"Retry"`
	Policy   string `json:"Policy" xml:"Policy"`
	Status   string `json:"Status" xml:"Status"`
}

// TunnelOptionsList wraps TunnelOptions[].
type TunnelOptionsList struct {
	TunnelOptions []TunnelOptionsItem `json:"TunnelOptions" xml:"TunnelOptions"`
}

// TunnelOptionsItem is one tunnel in DescribeVpnConnection(s): here the
// lifetimes, ASNs, EnableDpd and EnableNatTraversal are strings.
type TunnelOptionsItem struct {
	TunnelId           string                `json:"TunnelId" xml:"TunnelId"`
	TunnelIndex        int32                 `json:"TunnelIndex" xml:"TunnelIndex"`
	Role               string                `json:"Role" xml:"Role"`
	CustomerGatewayId  string                `json:"CustomerGatewayId" xml:"CustomerGatewayId"`
	InternetIp         string                `json:"InternetIp" xml:"InternetIp"`
	EnableDpd          string                `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal string                `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	State              string                `json:"State" xml:"State"`
	Status             string                `json:"Status" xml:"Status"`
	TunnelIkeConfig    TunnelIkeConfigItem   `json:"TunnelIkeConfig" xml:"TunnelIkeConfig"`
	TunnelIpsecConfig  TunnelIpsecConfigItem `json:"TunnelIpsecConfig" xml:"TunnelIpsecConfig"`
	TunnelBgpConfig    *TunnelBgpConfigItem  `json:"TunnelBgpConfig,omitempty" xml:"TunnelBgpConfig,omitempty"`
	ZoneNo             string                `json:"ZoneNo,omitempty" xml:"ZoneNo,omitempty"`
}

// TunnelIkeConfigItem is a tunnel's phase 1 with the lifetime as a string.
type TunnelIkeConfigItem struct {
	Psk         string `json:"Psk" xml:"Psk"`
	IkeVersion  string `json:"IkeVersion" xml:"IkeVersion"`
	IkeMode     string `json:"IkeMode" xml:"IkeMode"`
	IkeEncAlg   string `json:"IkeEncAlg" xml:"IkeEncAlg"`
	IkeAuthAlg  string `json:"IkeAuthAlg" xml:"IkeAuthAlg"`
	IkePfs      string `json:"IkePfs" xml:"IkePfs"`
	IkeLifetime string `json:"IkeLifetime" xml:"IkeLifetime"`
	LocalId     string `json:"LocalId" xml:"LocalId"`
	RemoteId    string `json:"RemoteId" xml:"RemoteId"`
}

// TunnelIpsecConfigItem is a tunnel's phase 2 with the lifetime as a string.
type TunnelIpsecConfigItem struct {
	IpsecEncAlg   string `json:"IpsecEncAlg" xml:"IpsecEncAlg"`
	IpsecAuthAlg  string `json:"IpsecAuthAlg" xml:"IpsecAuthAlg"`
	IpsecPfs      string `json:"IpsecPfs" xml:"IpsecPfs"`
	IpsecLifetime string `json:"IpsecLifetime" xml:"IpsecLifetime"`
}

// BGP session statuses. vpcvpn runs no BGP speaker yet: nothing checks a
// session, so none is reported as established; these are the negative
// values of Alibaba's models (VpnBgpConfig.Status: success/failed,
// TunnelBgpConfig.BgpStatus: success/false).
const (
	BgpSessionDown       = "failed"
	TunnelBgpSessionDown = "false"
)

// TunnelBgpConfigItem is a tunnel's BGP with the ASNs as strings.
type TunnelBgpConfigItem struct {
	LocalAsn   string `json:"LocalAsn" xml:"LocalAsn"`
	PeerAsn    string `json:"PeerAsn" xml:"PeerAsn"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
	BgpStatus  string `json:"BgpStatus" xml:"BgpStatus"`
}

// VpnConnectionItem is DescribeVpnConnection's answer. A single-tunnel
// connection has CustomerGatewayId, IkeConfig, IpsecConfig, VpnBgpConfig; a
// dual-tunnel one has TunnelOptionsSpecification instead.
type VpnConnectionItem struct {
	VpnConnectionId            string             `json:"VpnConnectionId" xml:"VpnConnectionId"`
	VpnGatewayId               string             `json:"VpnGatewayId" xml:"VpnGatewayId"`
	CustomerGatewayId          string             `json:"CustomerGatewayId,omitempty" xml:"CustomerGatewayId,omitempty"`
	Name                       string             `json:"Name" xml:"Name"`
	LocalSubnet                string             `json:"LocalSubnet" xml:"LocalSubnet"`
	RemoteSubnet               string             `json:"RemoteSubnet" xml:"RemoteSubnet"`
	CreateTime                 int64              `json:"CreateTime" xml:"CreateTime"`
	EffectImmediately          bool               `json:"EffectImmediately" xml:"EffectImmediately"`
	EnableDpd                  bool               `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal         bool               `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	EnableTunnelsBgp           bool               `json:"EnableTunnelsBgp" xml:"EnableTunnelsBgp"`
	Status                     string             `json:"Status" xml:"Status"`
	State                      string             `json:"State" xml:"State"`
	NetworkType                string             `json:"NetworkType" xml:"NetworkType"`
	InternetIp                 string             `json:"InternetIp,omitempty" xml:"InternetIp,omitempty"`
	IkeConfig                  *IkeConfigItem     `json:"IkeConfig,omitempty" xml:"IkeConfig,omitempty"`
	IpsecConfig                *IpsecConfigItem   `json:"IpsecConfig,omitempty" xml:"IpsecConfig,omitempty"`
	VpnBgpConfig               *VpnBgpConfigItem  `json:"VpnBgpConfig,omitempty" xml:"VpnBgpConfig,omitempty"`
	VcoHealthCheck             *HealthCheckItem   `json:"VcoHealthCheck,omitempty" xml:"VcoHealthCheck,omitempty"`
	TunnelOptionsSpecification *TunnelOptionsList `json:"TunnelOptionsSpecification,omitempty" xml:"TunnelOptionsSpecification,omitempty"`
	ResourceGroupId            string             `json:"ResourceGroupId" xml:"ResourceGroupId"`
	Spec                       string             `json:"Spec" xml:"Spec"`
	AttachType                 string             `json:"AttachType" xml:"AttachType"`
	CrossAccountAuthorized     bool               `json:"CrossAccountAuthorized" xml:"CrossAccountAuthorized"`
	ZoneNo                     string             `json:"ZoneNo,omitempty" xml:"ZoneNo,omitempty"`
	Tags                       *TagList           `json:"Tags" xml:"Tags"`
}

// NewVpnConnectionItem converts a connection for DescribeVpnConnection, with
// its gateway (for addresses and NetworkType) and customer gateways (for the
// peer ASN; missing ones leave PeerAsn out).
func NewVpnConnectionItem(c Connection, gw Gateway, cgws map[string]CustomerGateway) VpnConnectionItem {
	it := VpnConnectionItem{
		VpnConnectionId: c.VpnConnectionID, VpnGatewayId: c.VpnGatewayID, CustomerGatewayId: c.CustomerGatewayID,
		Name: c.Name, LocalSubnet: c.LocalSubnet, RemoteSubnet: c.RemoteSubnet, CreateTime: millis(c.CreatedAt),
		EffectImmediately: c.EffectImmediately, EnableDpd: c.EnableDpd, EnableNatTraversal: c.EnableNatTraversal,
		EnableTunnelsBgp: c.EnableTunnelsBgp, Status: c.Status, State: c.State, NetworkType: gw.NetworkType,
		ResourceGroupId: c.ResourceGroupID, Tags: tagList(c.Tags),
		Spec: gatewaySpec(gw), AttachType: "VPNGW",
	}
	if c.HealthCheck.Enable {
		it.VcoHealthCheck = &HealthCheckItem{Enable: "true", Sip: c.HealthCheck.Sip, Dip: c.HealthCheck.Dip,
			Interval: int32(c.HealthCheck.Interval), Retry: int32(c.HealthCheck.Retry), Policy: c.HealthCheck.Policy,
			Status: healthStatus(c)}
	}
	if !c.DualTunnel() {
		it.InternetIp = gw.InternetIP
		it.ZoneNo = gw.ZoneID
		k, s := c.Ike, c.Ipsec
		it.IkeConfig = &IkeConfigItem{Psk: k.Psk, IkeVersion: k.IkeVersion, IkeMode: k.IkeMode, IkeEncAlg: k.IkeEncAlg,
			IkeAuthAlg: k.IkeAuthAlg, IkePfs: k.IkePfs, IkeLifetime: k.IkeLifetime, LocalId: k.LocalID, RemoteId: k.RemoteID}
		it.IpsecConfig = &IpsecConfigItem{IpsecEncAlg: s.IpsecEncAlg, IpsecAuthAlg: s.IpsecAuthAlg, IpsecPfs: s.IpsecPfs, IpsecLifetime: s.IpsecLifetime}
		b := VpnBgpConfigItem{EnableBgp: strconv.FormatBool(c.Bgp.EnableBgp), LocalAsn: c.Bgp.LocalAsn,
			TunnelCidr: c.Bgp.TunnelCidr, LocalBgpIp: c.Bgp.LocalBgpIP}
		if c.Bgp.EnableBgp {
			b.PeerAsn = cgws[c.CustomerGatewayID].Asn
			b.PeerBgpIp, _ = PeerBgpAddr(c.Bgp.TunnelCidr, c.Bgp.LocalBgpIP)
			b.Status = BgpSessionDown
			b.AuthKey = cgws[c.CustomerGatewayID].AuthKey
		}
		it.VpnBgpConfig = &b
		return it
	}
	list := &TunnelOptionsList{}
	for i, t := range orderedTunnels(c.Tunnels) {
		ip, zone := gw.InternetIP, gw.ZoneID
		if t.Role == "slave" {
			ip, zone = gw.DisasterRecoveryInternetIP, gw.DisasterRecoveryZoneID
		}
		k, s := t.Ike, t.Ipsec
		item := TunnelOptionsItem{ZoneNo: zone,
			TunnelId: t.TunnelID, TunnelIndex: int32(i + 1), Role: t.Role, CustomerGatewayId: t.CustomerGatewayID,
			InternetIp: ip, EnableDpd: strconv.FormatBool(t.EnableDpd), EnableNatTraversal: strconv.FormatBool(t.EnableNatTraversal),
			State: t.State, Status: t.Status,
			TunnelIkeConfig: TunnelIkeConfigItem{Psk: k.Psk, IkeVersion: k.IkeVersion, IkeMode: k.IkeMode, IkeEncAlg: k.IkeEncAlg,
				IkeAuthAlg: k.IkeAuthAlg, IkePfs: k.IkePfs, IkeLifetime: strconv.FormatInt(k.IkeLifetime, 10), LocalId: k.LocalID, RemoteId: k.RemoteID},
			TunnelIpsecConfig: TunnelIpsecConfigItem{IpsecEncAlg: s.IpsecEncAlg, IpsecAuthAlg: s.IpsecAuthAlg, IpsecPfs: s.IpsecPfs,
				IpsecLifetime: strconv.FormatInt(s.IpsecLifetime, 10)},
		}
		if t.Bgp.EnableBgp {
			peer, _ := PeerBgpAddr(t.Bgp.TunnelCidr, t.Bgp.LocalBgpIP)
			var peerAsn string
			if a := cgws[t.CustomerGatewayID].Asn; a != 0 {
				peerAsn = strconv.FormatInt(a, 10)
			}
			item.TunnelBgpConfig = &TunnelBgpConfigItem{LocalAsn: strconv.FormatInt(t.Bgp.LocalAsn, 10), PeerAsn: peerAsn,
				TunnelCidr: t.Bgp.TunnelCidr, LocalBgpIp: t.Bgp.LocalBgpIP, PeerBgpIp: peer, BgpStatus: TunnelBgpSessionDown}
		}
		list.TunnelOptions = append(list.TunnelOptions, item)
	}
	it.TunnelOptionsSpecification = list
	return it
}

// DescribeVpnConnectionsResponse is the DescribeVpnConnections answer.
type DescribeVpnConnectionsResponse struct {
	Paging
	VpnConnections VpnConnectionList `json:"VpnConnections" xml:"VpnConnections"`
}

// VpnConnectionList wraps VpnConnection[].
type VpnConnectionList struct {
	VpnConnection []VpnConnectionsItem `json:"VpnConnection" xml:"VpnConnection"`
}

// VpnConnectionsItem is one item of DescribeVpnConnections. Its model
// differs from DescribeVpnConnection's in two places: the tag list is named
// "Tag" (items Tag[]) and VpnBgpConfig has no EnableBgp.
type VpnConnectionsItem struct {
	VpnConnectionId            string                `json:"VpnConnectionId" xml:"VpnConnectionId"`
	VpnGatewayId               string                `json:"VpnGatewayId" xml:"VpnGatewayId"`
	CustomerGatewayId          string                `json:"CustomerGatewayId,omitempty" xml:"CustomerGatewayId,omitempty"`
	Name                       string                `json:"Name" xml:"Name"`
	LocalSubnet                string                `json:"LocalSubnet" xml:"LocalSubnet"`
	RemoteSubnet               string                `json:"RemoteSubnet" xml:"RemoteSubnet"`
	CreateTime                 int64                 `json:"CreateTime" xml:"CreateTime"`
	EffectImmediately          bool                  `json:"EffectImmediately" xml:"EffectImmediately"`
	EnableDpd                  bool                  `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal         bool                  `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	EnableTunnelsBgp           bool                  `json:"EnableTunnelsBgp" xml:"EnableTunnelsBgp"`
	Status                     string                `json:"Status" xml:"Status"`
	State                      string                `json:"State" xml:"State"`
	NetworkType                string                `json:"NetworkType" xml:"NetworkType"`
	InternetIp                 string                `json:"InternetIp,omitempty" xml:"InternetIp,omitempty"`
	IkeConfig                  *IkeConfigItem        `json:"IkeConfig,omitempty" xml:"IkeConfig,omitempty"`
	IpsecConfig                *IpsecConfigItem      `json:"IpsecConfig,omitempty" xml:"IpsecConfig,omitempty"`
	VpnBgpConfig               *VpnBgpConfigListItem `json:"VpnBgpConfig,omitempty" xml:"VpnBgpConfig,omitempty"`
	VcoHealthCheck             *HealthCheckItem      `json:"VcoHealthCheck,omitempty" xml:"VcoHealthCheck,omitempty"`
	TunnelOptionsSpecification *TunnelOptionsList    `json:"TunnelOptionsSpecification,omitempty" xml:"TunnelOptionsSpecification,omitempty"`
	ResourceGroupId            string                `json:"ResourceGroupId" xml:"ResourceGroupId"`
	Spec                       string                `json:"Spec" xml:"Spec"`
	AttachType                 string                `json:"AttachType" xml:"AttachType"`
	CrossAccountAuthorized     bool                  `json:"CrossAccountAuthorized" xml:"CrossAccountAuthorized"`
	Tag                        *TagList              `json:"Tag" xml:"Tag"`
}

// VpnBgpConfigListItem is VpnBgpConfig in DescribeVpnConnections (no
// EnableBgp).
type VpnBgpConfigListItem struct {
	LocalAsn   int64  `json:"LocalAsn" xml:"LocalAsn"`
	PeerAsn    int64  `json:"PeerAsn,omitempty" xml:"PeerAsn,omitempty"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
	Status     string `json:"Status" xml:"Status"`
	AuthKey    string `json:"AuthKey,omitempty" xml:"AuthKey,omitempty"`
}

// NewDescribeVpnConnectionsResponse answers DescribeVpnConnections with
// items converted by NewVpnConnectionItem.
func NewDescribeVpnConnectionsResponse(items []VpnConnectionItem, pg Page, total int) DescribeVpnConnectionsResponse {
	out := DescribeVpnConnectionsResponse{Paging: NewPaging(pg, total), VpnConnections: VpnConnectionList{VpnConnection: make([]VpnConnectionsItem, len(items))}}
	for i, it := range items {
		li := VpnConnectionsItem{
			VpnConnectionId: it.VpnConnectionId, VpnGatewayId: it.VpnGatewayId, CustomerGatewayId: it.CustomerGatewayId,
			Name: it.Name, LocalSubnet: it.LocalSubnet, RemoteSubnet: it.RemoteSubnet, CreateTime: it.CreateTime,
			EffectImmediately: it.EffectImmediately, EnableDpd: it.EnableDpd, EnableNatTraversal: it.EnableNatTraversal,
			EnableTunnelsBgp: it.EnableTunnelsBgp, Status: it.Status, State: it.State, NetworkType: it.NetworkType,
			InternetIp: it.InternetIp, IkeConfig: it.IkeConfig, IpsecConfig: it.IpsecConfig, VcoHealthCheck: it.VcoHealthCheck,
			TunnelOptionsSpecification: it.TunnelOptionsSpecification, ResourceGroupId: it.ResourceGroupId, Tag: it.Tags,
			Spec: it.Spec, AttachType: it.AttachType, CrossAccountAuthorized: it.CrossAccountAuthorized,
		}
		if b := it.VpnBgpConfig; b != nil {
			li.VpnBgpConfig = &VpnBgpConfigListItem{LocalAsn: b.LocalAsn, PeerAsn: b.PeerAsn, TunnelCidr: b.TunnelCidr,
				LocalBgpIp: b.LocalBgpIp, PeerBgpIp: b.PeerBgpIp, Status: b.Status, AuthKey: b.AuthKey}
		}
		out.VpnConnections.VpnConnection[i] = li
	}
	return out
}

// ModifyVpnConnectionAttributeResponse is the ModifyVpnConnectionAttribute
// answer: the whole connection. In this model the tunnel's EnableDpd,
// EnableNatTraversal and lifetimes are typed like the single-tunnel ones
// (booleans and integers) and the BGP ASNs are integers.
type ModifyVpnConnectionAttributeResponse struct {
	VpnConnectionId            string                   `json:"VpnConnectionId" xml:"VpnConnectionId"`
	VpnGatewayId               string                   `json:"VpnGatewayId" xml:"VpnGatewayId"`
	CustomerGatewayId          string                   `json:"CustomerGatewayId,omitempty" xml:"CustomerGatewayId,omitempty"`
	Name                       string                   `json:"Name" xml:"Name"`
	Description                string                   `json:"Description" xml:"Description"`
	LocalSubnet                string                   `json:"LocalSubnet" xml:"LocalSubnet"`
	RemoteSubnet               string                   `json:"RemoteSubnet" xml:"RemoteSubnet"`
	CreateTime                 int64                    `json:"CreateTime" xml:"CreateTime"`
	EffectImmediately          bool                     `json:"EffectImmediately" xml:"EffectImmediately"`
	EnableDpd                  bool                     `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal         bool                     `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	EnableTunnelsBgp           bool                     `json:"EnableTunnelsBgp" xml:"EnableTunnelsBgp"`
	IkeConfig                  *IkeConfigItem           `json:"IkeConfig,omitempty" xml:"IkeConfig,omitempty"`
	IpsecConfig                *IpsecConfigItem         `json:"IpsecConfig,omitempty" xml:"IpsecConfig,omitempty"`
	VpnBgpConfig               *ModifyBgpConfigItem     `json:"VpnBgpConfig,omitempty" xml:"VpnBgpConfig,omitempty"`
	VcoHealthCheck             *ModifyHealthCheckItem   `json:"VcoHealthCheck,omitempty" xml:"VcoHealthCheck,omitempty"`
	TunnelOptionsSpecification *ModifyTunnelOptionsList `json:"TunnelOptionsSpecification,omitempty" xml:"TunnelOptionsSpecification,omitempty"`
	ResourceGroupId            string                   `json:"ResourceGroupId" xml:"ResourceGroupId"`
}

// ModifyBgpConfigItem is VpnBgpConfig in the Modify answer (ASNs int32 in the
// model: ASNs above 2147483647 cannot be represented there and are left out).
type ModifyBgpConfigItem struct {
	EnableBgp  string `json:"EnableBgp" xml:"EnableBgp"`
	LocalAsn   int64  `json:"LocalAsn,omitempty" xml:"LocalAsn,omitempty"`
	PeerAsn    int64  `json:"PeerAsn,omitempty" xml:"PeerAsn,omitempty"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
	Status     string `json:"Status" xml:"Status"`
}

// ModifyHealthCheckItem is VcoHealthCheck in the Modify answer (no Policy).
type ModifyHealthCheckItem struct {
	Enable   string `json:"Enable" xml:"Enable"`
	Sip      string `json:"Sip" xml:"Sip"`
	Dip      string `json:"Dip" xml:"Dip"`
	Interval int32  `json:"Interval" xml:"Interval"`
	Retry    int32  `json:"Retry" xml:"Retry"`
}

// ModifyTunnelOptionsList wraps the Modify answer's TunnelOptions[].
type ModifyTunnelOptionsList struct {
	TunnelOptions []ModifyTunnelOptionsItem `json:"TunnelOptions" xml:"TunnelOptions"`
}

// ModifyTunnelOptionsItem is one tunnel of the Modify answer.
type ModifyTunnelOptionsItem struct {
	TunnelId           string                 `json:"TunnelId" xml:"TunnelId"`
	Role               string                 `json:"Role" xml:"Role"`
	CustomerGatewayId  string                 `json:"CustomerGatewayId" xml:"CustomerGatewayId"`
	InternetIp         string                 `json:"InternetIp" xml:"InternetIp"`
	EnableDpd          bool                   `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal bool                   `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	State              string                 `json:"State" xml:"State"`
	TunnelIkeConfig    IkeConfigItem          `json:"TunnelIkeConfig" xml:"TunnelIkeConfig"`
	TunnelIpsecConfig  IpsecConfigItem        `json:"TunnelIpsecConfig" xml:"TunnelIpsecConfig"`
	TunnelBgpConfig    *ModifyTunnelBgpConfig `json:"TunnelBgpConfig,omitempty" xml:"TunnelBgpConfig,omitempty"`
	ZoneNo             string                 `json:"ZoneNo,omitempty" xml:"ZoneNo,omitempty"`
}

// ModifyTunnelBgpConfig is a tunnel's BGP in the Modify answer (ASNs
// integers).
type ModifyTunnelBgpConfig struct {
	LocalAsn   int64  `json:"LocalAsn" xml:"LocalAsn"`
	PeerAsn    int64  `json:"PeerAsn,omitempty" xml:"PeerAsn,omitempty"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
}

const maxInt32 = 1<<31 - 1

func int32Asn(a int64) int64 {
	if a > maxInt32 {
		return 0
	}
	return a
}

// NewModifyVpnConnectionAttributeResponse answers
// ModifyVpnConnectionAttribute, built from the same data as
// NewVpnConnectionItem.
func NewModifyVpnConnectionAttributeResponse(c Connection, gw Gateway, cgws map[string]CustomerGateway) ModifyVpnConnectionAttributeResponse {
	d := NewVpnConnectionItem(c, gw, cgws)
	out := ModifyVpnConnectionAttributeResponse{
		VpnConnectionId: d.VpnConnectionId, VpnGatewayId: d.VpnGatewayId, CustomerGatewayId: d.CustomerGatewayId,
		Name: d.Name, LocalSubnet: d.LocalSubnet, RemoteSubnet: d.RemoteSubnet, CreateTime: d.CreateTime,
		EffectImmediately: d.EffectImmediately, EnableDpd: d.EnableDpd, EnableNatTraversal: d.EnableNatTraversal,
		EnableTunnelsBgp: d.EnableTunnelsBgp, IkeConfig: d.IkeConfig, IpsecConfig: d.IpsecConfig,
		ResourceGroupId: d.ResourceGroupId,
	}
	if h := d.VcoHealthCheck; h != nil {
		out.VcoHealthCheck = &ModifyHealthCheckItem{Enable: h.Enable, Sip: h.Sip, Dip: h.Dip, Interval: h.Interval, Retry: h.Retry}
	}
	if b := d.VpnBgpConfig; b != nil {
		out.VpnBgpConfig = &ModifyBgpConfigItem{EnableBgp: b.EnableBgp, LocalAsn: int32Asn(b.LocalAsn), PeerAsn: int32Asn(b.PeerAsn),
			TunnelCidr: b.TunnelCidr, LocalBgpIp: b.LocalBgpIp, PeerBgpIp: b.PeerBgpIp, Status: b.Status}
	}
	if !c.DualTunnel() {
		return out
	}
	list := &ModifyTunnelOptionsList{}
	for i, t := range orderedTunnels(c.Tunnels) {
		k, s := t.Ike, t.Ipsec
		ti := d.TunnelOptionsSpecification.TunnelOptions[i]
		item := ModifyTunnelOptionsItem{
			TunnelId: t.TunnelID, Role: t.Role, CustomerGatewayId: t.CustomerGatewayID, InternetIp: ti.InternetIp, ZoneNo: ti.ZoneNo,
			EnableDpd: t.EnableDpd, EnableNatTraversal: t.EnableNatTraversal, State: t.State,
			TunnelIkeConfig: IkeConfigItem{Psk: k.Psk, IkeVersion: k.IkeVersion, IkeMode: k.IkeMode, IkeEncAlg: k.IkeEncAlg,
				IkeAuthAlg: k.IkeAuthAlg, IkePfs: k.IkePfs, IkeLifetime: k.IkeLifetime, LocalId: k.LocalID, RemoteId: k.RemoteID},
			TunnelIpsecConfig: IpsecConfigItem{IpsecEncAlg: s.IpsecEncAlg, IpsecAuthAlg: s.IpsecAuthAlg, IpsecPfs: s.IpsecPfs, IpsecLifetime: s.IpsecLifetime},
		}
		if t.Bgp.EnableBgp {
			item.TunnelBgpConfig = &ModifyTunnelBgpConfig{LocalAsn: t.Bgp.LocalAsn, PeerAsn: cgws[t.CustomerGatewayID].Asn,
				TunnelCidr: t.Bgp.TunnelCidr, LocalBgpIp: t.Bgp.LocalBgpIP, PeerBgpIp: ti.TunnelBgpConfig.PeerBgpIp}
		}
		list.TunnelOptions = append(list.TunnelOptions, item)
	}
	out.TunnelOptionsSpecification = list
	return out
}
