package vpn

import (
	"crypto/sha256"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// Ids of the objects a VPC brings along.
const (
	PrefixVRouter    = "vrt"
	PrefixRouteTable = "vtb"
)

// Resource groups. vpcvpn has no Resource Manager: every account has one
// default resource group, whose id DefaultResourceGroupID derives from the
// account id, and any well-formed rg- id names a group a resource can be
// created in or moved to.
const prefixResourceGroup = "rg"

// DefaultResourceGroupID returns the id of the account's default resource
// group: "rg-acfm" and 11 lower-case base-36 characters derived from the
// account id (stable across servers and restarts, like Alibaba's ids).
func DefaultResourceGroupID(accountID string) string {
	sum := sha256.Sum256([]byte("vpcvpn default resource group\x00" + accountID))
	b := []byte("rg-acfm")
	for i := 0; i < 11; i++ {
		b = append(b, base36[int(sum[i])%len(base36)])
	}
	return string(b)
}

// ResourceGroupOf returns rg, or the account's default group when rg is
// empty (records stored before resource groups existed).
func ResourceGroupOf(accountID, rg string) string {
	if rg == "" {
		return DefaultResourceGroupID(accountID)
	}
	return rg
}

// ParseResourceGroupID reads the optional parameter name (ResourceGroupId,
// NewResourceGroupId): "" when absent, else an id of the form rg-[a-z0-9]+
// of at most 64 characters (InvalidResourceGroupId.Malformed).
func ParseResourceGroupID(p Params, name string) (string, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return "", nil
	}
	if !ValidID(prefixResourceGroup, v) {
		return "", apierror.Invalid("InvalidResourceGroupId.Malformed",
			"The specified %s %s is not valid: a resource group id looks like rg-acfmxazb4ph6aiy.", name, shown(v))
	}
	return v, nil
}

// refuseTrue answers OperationUnsupported.Feature when the boolean parameter
// name is given as true: vpcvpn does not implement what it switches on (IPv6,
// DNS hostnames). "false" (the state vpcvpn is always in) is accepted.
func refuseTrue(p Params, name, what string) error {
	v, set, err := p.optBool(name)
	if err != nil || !set || !v {
		return err
	}
	return apierror.Newf("OperationUnsupported.Feature", "The parameter %s=true is not supported: vpcvpn does not implement %s.", name, what)
}

// refuseGiven answers OperationUnsupported.Feature when the parameter name is
// given with a non-empty value.
func refuseGiven(p Params, name, what string) error {
	if v := p[name]; v != "" {
		return apierror.Newf("OperationUnsupported.Feature", "The parameter %s is not supported: vpcvpn does not implement %s.", name, what)
	}
	return nil
}

// ParseModifyVpc applies ModifyVpcAttribute to cur (looked up by the service
// from RegionId and VpcId): VpcName (up to 128 characters), Description (up
// to 256), CidrBlock (prefix length 8-28; the service checks that every
// vSwitch still fits). EnableIPv6, EnableDnsHostname, Ipv6CidrBlock and
// Ipv6Isp are refused when they ask for IPv6 or DNS hostnames
// (OperationUnsupported.Feature).
func ParseModifyVpc(p Params, cur Vpc) (Vpc, error) {
	v := cur
	if name, ok, err := p.text("VpcName", 128, true); err != nil {
		return cur, err
	} else if ok {
		v.VpcName = name
	}
	if d, ok, err := p.text("Description", 256, true); err != nil {
		return cur, err
	} else if ok {
		v.Description = d
	}
	if c, ok := p["CidrBlock"]; ok && c != "" {
		pfx, err := parseCidrBlock(c, 8, 28)
		if err != nil {
			return cur, err
		}
		v.CidrBlock = pfx.String()
	}
	for _, check := range []error{
		refuseTrue(p, "EnableIPv6", "IPv6"),
		refuseTrue(p, "EnableDnsHostname", "DNS hostnames"),
		refuseGiven(p, "Ipv6CidrBlock", "IPv6"),
		refuseGiven(p, "Ipv6Isp", "IPv6"),
	} {
		if check != nil {
			return cur, check
		}
	}
	return v, nil
}

// ParseModifyVSwitch applies ModifyVSwitchAttribute to cur: VSwitchName (up
// to 128 characters), Description (up to 256). EnableIPv6=true,
// Ipv6CidrBlock and VpcIpv6CidrBlock are refused (OperationUnsupported.Feature).
func ParseModifyVSwitch(p Params, cur VSwitch) (VSwitch, error) {
	sw := cur
	if name, ok, err := p.text("VSwitchName", 128, true); err != nil {
		return cur, err
	} else if ok {
		sw.VSwitchName = name
	}
	if d, ok, err := p.text("Description", 256, true); err != nil {
		return cur, err
	} else if ok {
		sw.Description = d
	}
	for _, check := range []error{
		refuseTrue(p, "EnableIPv6", "IPv6"),
		refuseGiven(p, "Ipv6CidrBlock", "IPv6"),
		refuseGiven(p, "VpcIpv6CidrBlock", "IPv6"),
	} {
		if check != nil {
			return cur, check
		}
	}
	return sw, nil
}

// RouteTableFilter is a validated DescribeRouteTableList request.
type RouteTableFilter struct {
	RegionID        string
	Page            Page
	VpcID           string
	RouterID        string
	RouteTableID    string
	RouteTableName  string
	RouteTableType  string // System, Custom, or "" (any)
	RouterType      string // VRouter, VBR, or "" (any)
	ResourceGroupID string
	Tags            []Tag
}

// ParseDescribeRouteTableList validates DescribeRouteTableList: RegionId
// required, paging, the filters VpcId, RouterId, RouteTableId,
// RouteTableName, RouteTableType (System or Custom,
// InvalidRouteTableType.Malformed), RouterType (VRouter or VBR,
// InvalidRouterType.Malformed), ResourceGroupId and Tag.N.
func ParseDescribeRouteTableList(p Params) (RouteTableFilter, error) {
	var f RouteTableFilter
	var err error
	if f.RegionID, err = ParseRegion(p); err != nil {
		return f, err
	}
	if f.Page, err = ParsePage(p); err != nil {
		return f, err
	}
	f.VpcID, f.RouterID, f.RouteTableID, f.RouteTableName = p["VpcId"], p["RouterId"], p["RouteTableId"], p["RouteTableName"]
	f.RouteTableType, f.RouterType = p["RouteTableType"], p["RouterType"]
	if f.RouteTableType != "" && f.RouteTableType != "System" && f.RouteTableType != "Custom" {
		return f, malformed("RouteTableType", f.RouteTableType, "valid values are System, Custom")
	}
	if f.RouterType != "" && f.RouterType != "VRouter" && f.RouterType != "VBR" {
		return f, malformed("RouterType", f.RouterType, "valid values are VRouter, VBR")
	}
	if f.ResourceGroupID, err = ParseResourceGroupID(p, "ResourceGroupId"); err != nil {
		return f, err
	}
	f.Tags, err = p.tags("Tag")
	return f, err
}

// RouteTableMatches reports whether a VPC's System route table can match f
// at all: vpcvpn has only System tables of vRouters (RouteTableName is
// compared by the store).
func (f RouteTableFilter) RouteTableMatches() bool {
	return (f.RouteTableType == "" || f.RouteTableType == "System") &&
		(f.RouterType == "" || f.RouterType == "VRouter")
}

// ModifyRouteTableRequest is a validated ModifyRouteTableAttributes request.
type ModifyRouteTableRequest struct {
	RegionID, RouteTableID string
	Name, Description      *string // nil: unchanged
}

// ParseModifyRouteTable validates ModifyRouteTableAttributes: RegionId,
// RouteTableId (vtb-..., else InvalidRouteTableId.NotFound), RouteTableName
// (up to 128 characters) and Description (up to 256), neither starting with
// http:// or https://. RoutePropagationEnable=true is the table's state;
// false is OperationUnsupported.Feature (routes are always propagated).
func ParseModifyRouteTable(p Params) (ModifyRouteTableRequest, error) {
	var r ModifyRouteTableRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if r.RouteTableID, err = RequiredID(p, "RouteTableId", PrefixRouteTable); err != nil {
		return r, err
	}
	if name, ok, err := p.text("RouteTableName", 128, true); err != nil {
		return r, err
	} else if ok {
		r.Name = &name
	}
	if d, ok, err := p.text("Description", 256, true); err != nil {
		return r, err
	} else if ok {
		r.Description = &d
	}
	if v, set, err := p.optBool("RoutePropagationEnable"); err != nil {
		return r, err
	} else if set && !v {
		return r, apierror.Newf("OperationUnsupported.Feature", "The parameter RoutePropagationEnable=false is not supported: vpcvpn's route tables always propagate routes.")
	}
	return r, nil
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
