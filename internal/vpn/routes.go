package vpn

import (
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// Route entry types, as PublishVpnRouteEntry's RouteType names them.
const (
	RouteDBR = "dbr" // destination-based
	RoutePBR = "pbr" // policy-based
)

// Route entry defaults and limits.
const (
	DefaultRoutePriority = 10
	maxRoutePriority     = 100
)

// CreateRouteRequest is a validated CreateVpnRouteEntry or
// CreateVpnPbrRouteEntry.
type CreateRouteRequest struct {
	Entry RouteEntry // all but AccountID and CreatedAt
	Options
}

// ParseCreateRoute validates CreateVpnRouteEntry (typ RouteDBR) or
// CreateVpnPbrRouteEntry (RoutePBR): RegionId, VpnGatewayId, RouteDest (an
// IPv4 CIDR block, InvalidRouteDest.Malformed), NextHop (a connection id),
// Weight (0 or 100, InvalidWeight.Malformed), PublishVpc (true/false),
// Description (up to 100 characters), OverlayMode (Ipsec), ClientToken,
// DryRun; pbr also RouteSource (IPv4 CIDR block) and Priority (1-100,
// default 10, InvalidPriority.Malformed).
func ParseCreateRoute(p Params, typ string) (CreateRouteRequest, error) {
	var r CreateRouteRequest
	e := &r.Entry
	e.Type = typ
	var err error
	if e.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if e.VpnGatewayID, err = RequiredID(p, "VpnGatewayId", PrefixVpnGateway); err != nil {
		return r, err
	}
	if e.RouteDest, err = routeCIDR(p, "RouteDest"); err != nil {
		return r, err
	}
	if typ == RoutePBR {
		if e.RouteSource, err = routeCIDR(p, "RouteSource"); err != nil {
			return r, err
		}
		e.Priority = DefaultRoutePriority
		if _, ok := p["Priority"]; ok {
			if e.Priority, err = routePriority(p, "Priority"); err != nil {
				return r, err
			}
		}
	}
	if e.NextHop, err = RequiredID(p, "NextHop", PrefixVpnConnection); err != nil {
		return r, err
	}
	if e.Weight, err = routeWeight(p, "Weight", true); err != nil {
		return r, err
	}
	v, err := p.required("PublishVpc")
	if err != nil {
		return r, err
	}
	if e.Published, err = parseBool("PublishVpc", v); err != nil {
		return r, err
	}
	if e.Description, _, err = p.text("Description", 100, true); err != nil {
		return r, err
	}
	if m, ok := p["OverlayMode"]; ok && m != "" && m != "Ipsec" {
		return r, malformed("OverlayMode", m, "the only value is Ipsec")
	}
	r.Options, err = p.options()
	return r, err
}

func routeCIDR(p Params, name string) (string, error) {
	v, err := p.required(name)
	if err != nil {
		return "", err
	}
	pfx, err := ParseCIDR(name, v)
	if err != nil {
		return "", err
	}
	return pfx.String(), nil
}

// routeWeight reads a weight, 0 or 100.
func routeWeight(p Params, name string, required bool) (int64, error) {
	v, ok := p[name]
	if !ok || v == "" {
		if required {
			return 0, apierror.Missing(name)
		}
		return -1, nil
	}
	if v != "0" && v != "100" {
		return 0, malformed(name, v, "valid values are 0 (standby) and 100 (active)")
	}
	n, _ := wirenum.Int(v)
	return n, nil
}

// routePriority reads a priority, 1-100.
func routePriority(p Params, name string) (int64, error) {
	v := p[name]
	n, ok := wirenum.Int(v)
	if !ok || n < 1 || n > maxRoutePriority {
		return 0, malformed(name, v, "it must be an integer from 1 to 100")
	}
	return n, nil
}

// RouteSelector is a validated reference to route entries: the key of a
// Publish, Modify or Delete request. Weight and Priority are the entry's
// current values when given (-1: any); Source is nil for any source.
type RouteSelector struct {
	RegionID  string
	GatewayID string
	Type      string
	Dest      string
	NextHop   string
	Source    *string
	Weight    int64
	Priority  int64
}

// ParseRouteSelector reads RegionId, VpnGatewayId, RouteDest, NextHop, and
// for pbr RouteSource (optional only when sourceOptional) and Priority
// (optional), and Weight (optional) as the entry's current values.
func ParseRouteSelector(p Params, typ string, sourceOptional bool) (RouteSelector, error) {
	s := RouteSelector{Type: typ, Weight: -1, Priority: -1}
	var err error
	if s.RegionID, err = ParseRegion(p); err != nil {
		return s, err
	}
	if s.GatewayID, err = RequiredID(p, "VpnGatewayId", PrefixVpnGateway); err != nil {
		return s, err
	}
	if s.Dest, err = routeCIDR(p, "RouteDest"); err != nil {
		return s, err
	}
	if s.NextHop, err = RequiredID(p, "NextHop", PrefixVpnConnection); err != nil {
		return s, err
	}
	if typ == RoutePBR {
		if v := p["RouteSource"]; v != "" || !sourceOptional {
			src, err := routeCIDR(p, "RouteSource")
			if err != nil {
				return s, err
			}
			s.Source = &src
		}
		if v := p["Priority"]; v != "" {
			if s.Priority, err = routePriority(p, "Priority"); err != nil {
				return s, err
			}
		}
	} else {
		empty := ""
		s.Source = &empty
	}
	if s.Weight, err = routeWeight(p, "Weight", false); err != nil {
		return s, err
	}
	if _, err := p.options(); err != nil {
		return s, err
	}
	return s, nil
}

// ParseRouteType reads PublishVpnRouteEntry's RouteType: dbr or pbr
// (InvalidRouteType.Malformed).
func ParseRouteType(p Params) (string, error) {
	v, err := p.required("RouteType")
	if err != nil {
		return "", err
	}
	if v != RouteDBR && v != RoutePBR {
		return "", malformed("RouteType", v, "valid values are dbr and pbr")
	}
	return v, nil
}

// ParsePublishVpc reads PublishVpnRouteEntry's required PublishVpc.
func ParsePublishVpc(p Params) (bool, error) {
	v, err := p.required("PublishVpc")
	if err != nil {
		return false, err
	}
	return parseBool("PublishVpc", v)
}

// ParseNewWeight reads NewWeight (required when required, -1 when absent).
func ParseNewWeight(p Params, required bool) (int64, error) {
	return routeWeight(p, "NewWeight", required)
}

// ParseNewPriority reads NewPriority (required when required, -1 when
// absent).
func ParseNewPriority(p Params, required bool) (int64, error) {
	if v := p["NewPriority"]; v == "" {
		if required {
			return 0, apierror.Missing("NewPriority")
		}
		return -1, nil
	}
	return routePriority(p, "NewPriority")
}

// RouteEntriesRequest is a validated DescribeVpnRouteEntries or
// DescribeVpnPbrRouteEntries.
type RouteEntriesRequest struct {
	RegionID  string
	GatewayID string
	EntryType string // RouteEntryType filter of DescribeVpnRouteEntries
	Page      Page
}

// ParseDescribeRoutes validates RegionId, VpnGatewayId, paging and, for
// DescribeVpnRouteEntries, RouteEntryType (custom, bgp or auto; only custom
// entries exist here).
func ParseDescribeRoutes(p Params) (RouteEntriesRequest, error) {
	var r RouteEntriesRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if r.GatewayID, err = RequiredID(p, "VpnGatewayId", PrefixVpnGateway); err != nil {
		return r, err
	}
	if r.Page, err = ParsePage(p); err != nil {
		return r, err
	}
	r.EntryType = p["RouteEntryType"]
	switch r.EntryType {
	case "", "custom", "bgp", "auto":
	default:
		return r, malformed("RouteEntryType", r.EntryType, "valid values are custom, bgp, auto")
	}
	return r, nil
}

// CreateVpnRouteEntryResponse is the CreateVpnRouteEntry answer.
type CreateVpnRouteEntryResponse struct {
	VpnInstanceId string `json:"VpnInstanceId" xml:"VpnInstanceId"`
	RouteDest     string `json:"RouteDest" xml:"RouteDest"`
	NextHop       string `json:"NextHop" xml:"NextHop"`
	Weight        int64  `json:"Weight" xml:"Weight"`
	State         string `json:"State" xml:"State"`
	Description   string `json:"Description" xml:"Description"`
	OverlayMode   string `json:"OverlayMode" xml:"OverlayMode"`
	CreateTime    int64  `json:"CreateTime" xml:"CreateTime"`
}

// CreateVpnPbrRouteEntryResponse is the CreateVpnPbrRouteEntry answer.
type CreateVpnPbrRouteEntryResponse struct {
	VpnInstanceId string `json:"VpnInstanceId" xml:"VpnInstanceId"`
	RouteSource   string `json:"RouteSource" xml:"RouteSource"`
	RouteDest     string `json:"RouteDest" xml:"RouteDest"`
	NextHop       string `json:"NextHop" xml:"NextHop"`
	Weight        int64  `json:"Weight" xml:"Weight"`
	Priority      int64  `json:"Priority" xml:"Priority"`
	State         string `json:"State" xml:"State"`
	Description   string `json:"Description" xml:"Description"`
	OverlayMode   string `json:"OverlayMode" xml:"OverlayMode"`
	CreateTime    int64  `json:"CreateTime" xml:"CreateTime"`
}

// NewCreateRouteResponse answers CreateVpnRouteEntry or
// CreateVpnPbrRouteEntry for e.
func NewCreateRouteResponse(e RouteEntry) any {
	if e.Type == RoutePBR {
		return CreateVpnPbrRouteEntryResponse{VpnInstanceId: e.VpnGatewayID, RouteSource: e.RouteSource, RouteDest: e.RouteDest, NextHop: e.NextHop,
			Weight: e.Weight, Priority: e.Priority, State: e.State(), Description: e.Description, OverlayMode: "Ipsec", CreateTime: millis(e.CreatedAt)}
	}
	return CreateVpnRouteEntryResponse{VpnInstanceId: e.VpnGatewayID, RouteDest: e.RouteDest, NextHop: e.NextHop, Weight: e.Weight,
		State: e.State(), Description: e.Description, OverlayMode: "Ipsec", CreateTime: millis(e.CreatedAt)}
}

// DescribeVpnRouteEntriesResponse is the DescribeVpnRouteEntries answer.
type DescribeVpnRouteEntriesResponse struct {
	Paging
	VpnRouteEntries VpnRouteEntryList `json:"VpnRouteEntries" xml:"VpnRouteEntries"`
	VpnRouteCounts  VpnRouteCountList `json:"VpnRouteCounts" xml:"VpnRouteCounts"`
}

// VpnRouteEntryList wraps VpnRouteEntry[].
type VpnRouteEntryList struct {
	VpnRouteEntry []VpnRouteEntryItem `json:"VpnRouteEntry" xml:"VpnRouteEntry"`
}

// VpnRouteEntryItem is one destination-based route: every one here is a
// custom (static) route.
type VpnRouteEntryItem struct {
	VpnInstanceId  string `json:"VpnInstanceId" xml:"VpnInstanceId"`
	RouteDest      string `json:"RouteDest" xml:"RouteDest"`
	NextHop        string `json:"NextHop" xml:"NextHop"`
	Weight         int64  `json:"Weight" xml:"Weight"`
	State          string `json:"State" xml:"State"`
	RouteEntryType string `json:"RouteEntryType" xml:"RouteEntryType"`
	Source         string `json:"Source" xml:"Source"`
	CreateTime     int64  `json:"CreateTime" xml:"CreateTime"`
}

// VpnRouteCountList wraps VpnRouteCount[].
type VpnRouteCountList struct {
	VpnRouteCount []VpnRouteCountItem `json:"VpnRouteCount" xml:"VpnRouteCount"`
}

// VpnRouteCountItem counts the routes of one type and source.
type VpnRouteCountItem struct {
	RouteEntryType string `json:"RouteEntryType" xml:"RouteEntryType"`
	Source         string `json:"Source" xml:"Source"`
	RouteCount     int32  `json:"RouteCount" xml:"RouteCount"`
}

// NewDescribeVpnRouteEntriesResponse answers DescribeVpnRouteEntries with
// one page of es and the total of custom routes.
func NewDescribeVpnRouteEntriesResponse(es []RouteEntry, pg Page, total int) DescribeVpnRouteEntriesResponse {
	out := DescribeVpnRouteEntriesResponse{Paging: NewPaging(pg, total), VpnRouteEntries: VpnRouteEntryList{VpnRouteEntry: make([]VpnRouteEntryItem, len(es))},
		VpnRouteCounts: VpnRouteCountList{VpnRouteCount: []VpnRouteCountItem{{RouteEntryType: "custom", Source: "CUSTOM", RouteCount: int32(total)}}}}
	for i, e := range es {
		out.VpnRouteEntries.VpnRouteEntry[i] = VpnRouteEntryItem{VpnInstanceId: e.VpnGatewayID, RouteDest: e.RouteDest, NextHop: e.NextHop,
			Weight: e.Weight, State: e.State(), RouteEntryType: "custom", Source: "CUSTOM", CreateTime: millis(e.CreatedAt)}
	}
	return out
}

// DescribeVpnPbrRouteEntriesResponse is the DescribeVpnPbrRouteEntries
// answer.
type DescribeVpnPbrRouteEntriesResponse struct {
	Paging
	VpnPbrRouteEntries VpnPbrRouteEntryList `json:"VpnPbrRouteEntries" xml:"VpnPbrRouteEntries"`
}

// VpnPbrRouteEntryList wraps VpnPbrRouteEntry[].
type VpnPbrRouteEntryList struct {
	VpnPbrRouteEntry []VpnPbrRouteEntryItem `json:"VpnPbrRouteEntry" xml:"VpnPbrRouteEntry"`
}

// VpnPbrRouteEntryItem is one policy-based route.
type VpnPbrRouteEntryItem struct {
	VpnInstanceId string `json:"VpnInstanceId" xml:"VpnInstanceId"`
	RouteSource   string `json:"RouteSource" xml:"RouteSource"`
	RouteDest     string `json:"RouteDest" xml:"RouteDest"`
	NextHop       string `json:"NextHop" xml:"NextHop"`
	Weight        int64  `json:"Weight" xml:"Weight"`
	Priority      int64  `json:"Priority" xml:"Priority"`
	State         string `json:"State" xml:"State"`
	CreateTime    int64  `json:"CreateTime" xml:"CreateTime"`
}

// NewDescribeVpnPbrRouteEntriesResponse answers DescribeVpnPbrRouteEntries.
func NewDescribeVpnPbrRouteEntriesResponse(es []RouteEntry, pg Page, total int) DescribeVpnPbrRouteEntriesResponse {
	out := DescribeVpnPbrRouteEntriesResponse{Paging: NewPaging(pg, total), VpnPbrRouteEntries: VpnPbrRouteEntryList{VpnPbrRouteEntry: make([]VpnPbrRouteEntryItem, len(es))}}
	for i, e := range es {
		out.VpnPbrRouteEntries.VpnPbrRouteEntry[i] = VpnPbrRouteEntryItem{VpnInstanceId: e.VpnGatewayID, RouteSource: e.RouteSource, RouteDest: e.RouteDest,
			NextHop: e.NextHop, Weight: e.Weight, Priority: e.Priority, State: e.State(), CreateTime: millis(e.CreatedAt)}
	}
	return out
}
