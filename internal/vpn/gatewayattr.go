package vpn

import (
	"slices"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// sslConnectionCounts are the SslConnections values CreateVpnGateway takes.
var sslConnectionCounts = []int64{5, 10, 20, 50, 100, 200, 500, 1000}

// DefaultSslConnections is SslConnections when SSL-VPN is on and none is
// given.
const DefaultSslConnections = 5

// parseSslConnections reads SslConnections: one of 5 (default), 10, 20, 50,
// 100, 200, 500, 1000 (InvalidSslConnections.Malformed). It only applies with
// EnableSsl=true: without SSL-VPN the gateway has 0 (a value given then is
// ignored, as Alibaba ignores it).
func parseSslConnections(p Params, ssl bool) (int64, error) {
	v, ok := p["SslConnections"]
	if !ok || v == "" {
		if ssl {
			return DefaultSslConnections, nil
		}
		return 0, nil
	}
	n, ok := wirenum.Int(v)
	if !ok || !slices.Contains(sslConnectionCounts, n) {
		return 0, malformed("SslConnections", v, "valid values are 5, 10, 20, 50, 100, 200, 500, 1000")
	}
	if !ssl {
		return 0, nil
	}
	return n, nil
}

// ParseModifyVpnGateway applies ModifyVpnGatewayAttribute to cur (looked up
// from RegionId and VpnGatewayId by the service): Name (up to 100
// characters; "" sets the gateway id, the default name), Description (up to
// 100), AutoPropagate (true/false); ClientToken is accepted (the change is
// idempotent by nature).
func ParseModifyVpnGateway(p Params, cur Gateway) (Gateway, error) {
	g := cur
	if _, err := p.options(); err != nil {
		return cur, err
	}
	if v, ok, err := p.text("Name", 100, true); err != nil {
		return cur, err
	} else if ok {
		g.Name = v
		if v == "" {
			g.Name = g.VpnGatewayID
		}
	}
	if v, ok, err := p.text("Description", 100, true); err != nil {
		return cur, err
	} else if ok {
		g.Description = v
	}
	if v, set, err := p.optBool("AutoPropagate"); err != nil {
		return cur, err
	} else if set {
		g.AutoPropagate = v
	}
	return g, nil
}

// MoveRequest is a validated MoveVpnResourceGroup or MoveResourceGroup.
type MoveRequest struct {
	RegionID string
	Type     TagType // Kind, Prefix, ARN of the moved resource
	ID       string
	Group    string
}

// moveTypes are MoveVpnResourceGroup's ResourceType values (any case).
var moveTypes = map[string]TagType{
	"VPNGATEWAY":      tagTypes["VPNGATEWAY"],
	"CUSTOMERGATEWAY": tagTypes["CUSTOMERGATEWAY"],
}

// ParseMoveVpnResourceGroup validates MoveVpnResourceGroup: RegionId,
// InstanceId, NewResourceGroupId (a well-formed rg- id), ResourceType
// VpnGateway or CustomerGateway (any case; InvalidInstanceType.NotFound
// otherwise; VpnAttachment, a connection bound to no gateway, does not exist
// here: OperationUnsupported.Feature). A malformed id is the type's NotFound.
func ParseMoveVpnResourceGroup(p Params) (MoveRequest, error) {
	return parseMove(p, "InstanceId", moveTypes)
}

// ParseMoveResourceGroup validates the VPC product's MoveResourceGroup:
// ResourceId, NewResourceGroupId, ResourceType Vpc (any case).
func ParseMoveResourceGroup(p Params) (MoveRequest, error) {
	return parseMove(p, "ResourceId", map[string]TagType{"VPC": tagTypes["VPC"]})
}

func parseMove(p Params, idParam string, types map[string]TagType) (MoveRequest, error) {
	var r MoveRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	typ, err := p.required("ResourceType")
	if err != nil {
		return r, err
	}
	t, ok := types[strings.ToUpper(typ)]
	if !ok {
		if strings.EqualFold(typ, "VpnAttachment") {
			return r, apierror.Newf("OperationUnsupported.Feature", "ResourceType VpnAttachment is not supported: every IPsec-VPN connection here belongs to a VPN gateway and moves with it.")
		}
		return r, apierror.Newf("InvalidInstanceType.NotFound", "The ResourceType %s cannot be moved here.", shown(typ))
	}
	r.Type = t
	if r.ID, err = RequiredID(p, idParam, t.Prefix); err != nil {
		return r, err
	}
	if _, ok := p["NewResourceGroupId"]; !ok || p["NewResourceGroupId"] == "" {
		return r, apierror.Missing("NewResourceGroupId")
	}
	r.Group, err = ParseResourceGroupID(p, "NewResourceGroupId")
	return r, err
}

// gatewaySpecs are DescribeVpnGatewayAvailableZones' Spec values.
var gatewaySpecs = []string{"5M", "10M", "20M", "50M", "100M", "200M", "500M", "1000M"}

// ZonesRequest is a validated DescribeVpnGatewayAvailableZones.
type ZonesRequest struct {
	RegionID string
	Spec     string
	Lang     string // en-US (default) or zh-CN
}

// ParseDescribeVpnGatewayAvailableZones validates RegionId, Spec (required:
// 5M ... 1000M, InvalidSpec.Malformed) and AcceptLanguage (en-US, the
// default here, or zh-CN).
func ParseDescribeVpnGatewayAvailableZones(p Params) (ZonesRequest, error) {
	var r ZonesRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if r.Spec, err = p.required("Spec"); err != nil {
		return r, err
	}
	if !slices.Contains(gatewaySpecs, r.Spec) {
		return r, malformed("Spec", r.Spec, "valid values are 5M, 10M, 20M, 50M, 100M, 200M, 500M, 1000M")
	}
	r.Lang = "en-US"
	if _, ok := p["AcceptLanguage"]; ok {
		if r.Lang, err = ParseAcceptLanguage(p); err != nil {
			return r, err
		}
	}
	return r, nil
}

// DescribeVpnGatewayAvailableZonesResponse is its answer; the zone list is a
// bare JSON array, as the SDK model and Terraform's data source read it.
type DescribeVpnGatewayAvailableZonesResponse struct {
	RegionId            string     `json:"RegionId" xml:"RegionId"`
	AvailableZoneIdList []ZoneItem `json:"AvailableZoneIdList" xml:"AvailableZoneIdList"`
}

// ZoneItem is one zone.
type ZoneItem struct {
	ZoneId   string `json:"ZoneId" xml:"ZoneId"`
	ZoneName string `json:"ZoneName" xml:"ZoneName"`
}

// NewDescribeVpnGatewayAvailableZonesResponse lists every zone of the
// region (vpcvpn's gateways run on the operator's hosts, so every spec is
// available in every zone), named "<city> Zone <L>" (en-US) or
// "<city> 可用区<L>" (zh-CN).
func NewDescribeVpnGatewayAvailableZonesResponse(r ZonesRequest) DescribeVpnGatewayAvailableZonesResponse {
	reg, _ := LookupRegion(r.RegionID)
	city := cityOf(reg.NameEn)
	format := func(l string) string { return city + " Zone " + l }
	if r.Lang == "zh-CN" {
		city = cityOf(reg.NameZh)
		format = func(l string) string { return city + " 可用区" + l }
	}
	out := DescribeVpnGatewayAvailableZonesResponse{RegionId: r.RegionID, AvailableZoneIdList: make([]ZoneItem, len(reg.Zones))}
	for i, z := range reg.Zones {
		out.AvailableZoneIdList[i] = ZoneItem{ZoneId: z, ZoneName: format(strings.ToUpper(z[strings.LastIndex(z, "-")+1:]))}
	}
	return out
}

// cityOf is the part of a region name in brackets ("China (Hangzhou)" ->
// "Hangzhou", "华东1（杭州）" -> "杭州"), or the whole name.
func cityOf(name string) string {
	for _, br := range [][2]string{{"(", ")"}, {"（", "）"}} {
		if i := strings.Index(name, br[0]); i >= 0 {
			if j := strings.LastIndex(name, br[1]); j > i {
				return name[i+len(br[0]) : j]
			}
		}
	}
	return name
}

// ModifyVpnGatewayAttributeResponse is the ModifyVpnGatewayAttribute answer:
// the gateway as it now is.
type ModifyVpnGatewayAttributeResponse struct {
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
	EnableBgp                  bool   `json:"EnableBgp" xml:"EnableBgp"`
	AutoPropagate              bool   `json:"AutoPropagate" xml:"AutoPropagate"`
	ResourceGroupId            string `json:"ResourceGroupId" xml:"ResourceGroupId"`
}

// NewModifyVpnGatewayAttributeResponse answers ModifyVpnGatewayAttribute
// from the same data as NewVpnGatewayItem.
func NewModifyVpnGatewayAttributeResponse(g Gateway, enableBgp bool) ModifyVpnGatewayAttributeResponse {
	it := NewVpnGatewayItem(g, enableBgp)
	return ModifyVpnGatewayAttributeResponse{
		VpnGatewayId: it.VpnGatewayId, VpcId: it.VpcId, VSwitchId: it.VSwitchId, DisasterRecoveryVSwitchId: it.DisasterRecoveryVSwitchId,
		InternetIp: it.InternetIp, DisasterRecoveryInternetIp: it.DisasterRecoveryInternetIp, SslVpnInternetIp: it.SslVpnInternetIp,
		CreateTime: it.CreateTime, EndTime: it.EndTime, Spec: it.Spec, Name: it.Name, Description: it.Description, Status: it.Status,
		BusinessStatus: it.BusinessStatus, EnableBgp: it.EnableBgp, AutoPropagate: it.AutoPropagate, ResourceGroupId: it.ResourceGroupId,
	}
}
