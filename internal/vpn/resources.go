package vpn

import (
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// DefaultVpcCidr is CreateVpc's CidrBlock when none is given.
const DefaultVpcCidr = "172.16.0.0/12"

// CreateVpcRequest is a validated CreateVpc request.
type CreateVpcRequest struct {
	// Vpc has RegionID, VpcName, Description, CidrBlock (canonical),
	// ResourceGroupID ("" when not given), Tags; Status Available.
	Vpc Vpc
	Options
}

// ParseCreateVpc validates CreateVpc: RegionId required; CidrBlock optional
// (default 172.16.0.0/12), a canonical IPv4 CIDR block with prefix length 8-28
// (InvalidCidrBlock.Malformed); VpcName up to 128 characters and Description
// up to 256, neither starting with http:// or https:// (InvalidVpcName.Malformed,
// InvalidDescription.Malformed); ResourceGroupId; Tag.N.Key/Value;
// ClientToken; DryRun.
//
// Decision: any IPv4 range is accepted (Alibaba also allows public ranges as
// "user CIDRs"); only the prefix length is restricted.
func ParseCreateVpc(p Params) (CreateVpcRequest, error) {
	var r CreateVpcRequest
	var err error
	if r.Vpc.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	cidr := DefaultVpcCidr
	if v, ok := p["CidrBlock"]; ok && v != "" {
		pfx, err := parseCidrBlock(v, 8, 28)
		if err != nil {
			return r, err
		}
		cidr = pfx.String()
	}
	r.Vpc.CidrBlock = cidr
	if r.Vpc.VpcName, _, err = p.text("VpcName", 128, true); err != nil {
		return r, err
	}
	if r.Vpc.Description, _, err = p.text("Description", 256, true); err != nil {
		return r, err
	}
	if r.Vpc.Tags, err = p.tags("Tag"); err != nil {
		return r, err
	}
	if r.Vpc.ResourceGroupID, err = ParseResourceGroupID(p, "ResourceGroupId"); err != nil {
		return r, err
	}
	r.Vpc.Status = "Available"
	r.Options, err = p.options()
	return r, err
}

// parseCidrBlock parses the CidrBlock parameter with a prefix length range.
func parseCidrBlock(v string, lo, hi int) (netip.Prefix, error) {
	pfx, err := ParseCIDR("CidrBlock", v)
	if err != nil {
		return pfx, err
	}
	if pfx.Bits() < lo || pfx.Bits() > hi {
		return pfx, apierror.Newf("InvalidCidrBlock.Malformed", "The specified CidrBlock %s is not valid: the prefix length must be from %d to %d.", shown(v), lo, hi)
	}
	return pfx, nil
}

// CreateVSwitchRequest is a validated CreateVSwitch request.
type CreateVSwitchRequest struct {
	VSwitch VSwitch // RegionID, VpcID, ZoneID, CidrBlock, VSwitchName, Description, Tags; Status Available
	Options
}

// ParseCreateVSwitch validates CreateVSwitch: RegionId, VpcId, ZoneId and
// CidrBlock required; ZoneId must be a zone of the region
// (InvalidZoneId.NotFound); CidrBlock a canonical IPv4 block with prefix
// length 16-29 (InvalidCidrBlock.Malformed). Whether the block lies inside
// the VPC is ValidateVSwitchCidr's job.
func ParseCreateVSwitch(p Params) (CreateVSwitchRequest, error) {
	var r CreateVSwitchRequest
	sw := &r.VSwitch
	var err error
	if sw.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if sw.VpcID, err = RequiredID(p, "VpcId", PrefixVpc); err != nil {
		return r, err
	}
	if sw.ZoneID, err = p.required("ZoneId"); err != nil {
		return r, err
	}
	if !ValidZone(sw.RegionID, sw.ZoneID) {
		return r, apierror.Newf("InvalidZoneId.NotFound", "The specified ZoneId %s does not exist in region %s.", shown(sw.ZoneID), sw.RegionID)
	}
	v, err := p.required("CidrBlock")
	if err != nil {
		return r, err
	}
	pfx, err := parseCidrBlock(v, 16, 29)
	if err != nil {
		return r, err
	}
	sw.CidrBlock = pfx.String()
	if sw.VSwitchName, _, err = p.text("VSwitchName", 128, true); err != nil {
		return r, err
	}
	if sw.Description, _, err = p.text("Description", 256, true); err != nil {
		return r, err
	}
	if sw.Tags, err = p.tags("Tag"); err != nil {
		return r, err
	}
	sw.Status = "Available"
	r.Options, err = p.options()
	return r, err
}

// ValidateVSwitchCidr checks that sw's block lies inside vpc's
// (InvalidVSwitchCidr.NotInVpc) and overlaps none of the VPC's other vSwitches
// (InvalidVSwitchCidr.Overlapped).
func ValidateVSwitchCidr(sw VSwitch, vpc Vpc, siblings []VSwitch) error {
	s, err1 := netip.ParsePrefix(sw.CidrBlock)
	v, err2 := netip.ParsePrefix(vpc.CidrBlock)
	if err1 != nil || err2 != nil || s.Bits() < v.Bits() || !v.Contains(s.Addr()) {
		return apierror.Newf("InvalidVSwitchCidr.NotInVpc", "The vSwitch CIDR block %s is not within the VPC CIDR block %s.", sw.CidrBlock, vpc.CidrBlock)
	}
	for _, o := range siblings {
		if o.VSwitchID == sw.VSwitchID && sw.VSwitchID != "" {
			continue
		}
		op, err := netip.ParsePrefix(o.CidrBlock)
		if err == nil && op.Overlaps(s) {
			return apierror.Newf("InvalidVSwitchCidr.Overlapped", "The vSwitch CIDR block %s overlaps %s of vSwitch %s.", sw.CidrBlock, o.CidrBlock, o.VSwitchID)
		}
	}
	return nil
}

// Bandwidths are the Bandwidth values CreateVpnGateway accepts (Mbit/s).
var bandwidths = []int64{5, 10, 20, 50, 100, 200, 500, 1000}

// Bandwidths returns the Bandwidth values CreateVpnGateway accepts.
func Bandwidths() []int64 { return slices.Clone(bandwidths) }

// CreateVpnGatewayRequest is a validated CreateVpnGateway request.
type CreateVpnGatewayRequest struct {
	// Gateway has RegionID, VpcID, VSwitchID, DisasterRecoveryVSwitchID,
	// Name, Bandwidth, EnableIpsec, EnableSsl, NetworkType, VpnType,
	// InstanceChargeType; addresses, ids and status are the service's.
	Gateway Gateway
	Options
}

// ParseCreateVpnGateway validates CreateVpnGateway: RegionId, VpcId and
// Bandwidth required; Bandwidth one of 5, 10, 20, 50, 100, 200, 500, 1000
// (InvalidBandwidth.Malformed); VSwitchId, DisasterRecoveryVSwitchId optional
// ids (a DisasterRecoveryVSwitchId needs a different VSwitchId:
// InvalidDisasterRecoveryVSwitchId.Malformed); Name up to 100 characters;
// EnableIpsec (default true), EnableSsl (default false); NetworkType public
// (default) or private; VpnType Normal (default) or NationalStandard;
// InstanceChargeType POSTPAY (default) or PREPAY; SslConnections (see
// parseSslConnections); ResourceGroupId; Tag.N (an extension: the SDK model
// has no tags here). An empty Name is the service's to default (the
// gateway's id, as Alibaba documents).
func ParseCreateVpnGateway(p Params) (CreateVpnGatewayRequest, error) {
	var r CreateVpnGatewayRequest
	g := &r.Gateway
	var err error
	if g.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if g.VpcID, err = RequiredID(p, "VpcId", PrefixVpc); err != nil {
		return r, err
	}
	bw, err := p.required("Bandwidth")
	if err != nil {
		return r, err
	}
	n, ok := wirenum.Int(bw)
	if !ok || !slices.Contains(bandwidths, n) {
		return r, malformed("Bandwidth", bw, "valid values are 5, 10, 20, 50, 100, 200, 500, 1000")
	}
	g.Bandwidth = n
	if g.VSwitchID, err = optionalID(p, "VSwitchId", PrefixVSwitch); err != nil {
		return r, err
	}
	if g.DisasterRecoveryVSwitchID, err = optionalID(p, "DisasterRecoveryVSwitchId", PrefixVSwitch); err != nil {
		return r, err
	}
	if g.DisasterRecoveryVSwitchID != "" && (g.VSwitchID == "" || g.VSwitchID == g.DisasterRecoveryVSwitchID) {
		return r, malformed("DisasterRecoveryVSwitchId", g.DisasterRecoveryVSwitchID, "a dual-tunnel gateway needs VSwitchId and a different DisasterRecoveryVSwitchId")
	}
	if g.Name, _, err = p.text("Name", 100, true); err != nil {
		return r, err
	}
	if g.ResourceGroupID, err = ParseResourceGroupID(p, "ResourceGroupId"); err != nil {
		return r, err
	}
	if g.Tags, err = p.tags("Tag"); err != nil {
		return r, err
	}
	if g.EnableIpsec, err = p.boolParam("EnableIpsec", true); err != nil {
		return r, err
	}
	if g.EnableSsl, err = p.boolParam("EnableSsl", false); err != nil {
		return r, err
	}
	if g.SslConnections, err = parseSslConnections(p, g.EnableSsl); err != nil {
		return r, err
	}
	for _, e := range []struct {
		name string
		dst  *string
		vals []string
	}{
		{"NetworkType", &g.NetworkType, []string{"public", "private"}},
		{"VpnType", &g.VpnType, []string{"Normal", "NationalStandard"}},
		{"InstanceChargeType", &g.InstanceChargeType, []string{"POSTPAY", "PREPAY"}},
	} {
		v, ok := p[e.name]
		if !ok || v == "" {
			*e.dst = e.vals[0]
			continue
		}
		if !slices.Contains(e.vals, v) {
			return r, malformed(e.name, v, "valid values are "+strings.Join(e.vals, ", "))
		}
		*e.dst = v
	}
	r.Options, err = p.options()
	return r, err
}

// CreateCustomerGatewayRequest is a validated CreateCustomerGateway request.
type CreateCustomerGatewayRequest struct {
	// CustomerGateway has RegionID, IPAddress (canonical), Asn (0 when not
	// given), AuthKey, Name, Description, Tags.
	CustomerGateway CustomerGateway
	Options
}

// ParseCreateCustomerGateway validates CreateCustomerGateway: RegionId and
// IpAddress required (IpAddress rules: ParseCustomerGatewayIP); Asn optional,
// a decimal 1-4294967295 other than 45104, the gateways' own ASN
// (InvalidAsn.Malformed); AuthKey (BGP MD5 key) 1-64 printable characters
// without spaces (InvalidAuthKey.Malformed); Name up to 100 and Description up
// to 100 characters; Tags.N.
func ParseCreateCustomerGateway(p Params) (CreateCustomerGatewayRequest, error) {
	var r CreateCustomerGatewayRequest
	c := &r.CustomerGateway
	var err error
	if c.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	ip, err := p.required("IpAddress")
	if err != nil {
		return r, err
	}
	if c.IPAddress, err = ParseCustomerGatewayIP(ip); err != nil {
		return r, err
	}
	if v, ok := p["Asn"]; ok && v != "" {
		if c.Asn, err = ParseAsn(v); err != nil {
			return r, err
		}
	}
	if c.AuthKey, err = authKey(p); err != nil {
		return r, err
	}
	if c.Name, _, err = p.text("Name", 100, true); err != nil {
		return r, err
	}
	if c.Description, _, err = p.text("Description", 100, true); err != nil {
		return r, err
	}
	if c.Tags, err = p.tags("Tags"); err != nil {
		return r, err
	}
	if c.ResourceGroupID, err = ParseResourceGroupID(p, "ResourceGroupId"); err != nil {
		return r, err
	}
	r.Options, err = p.options()
	return r, err
}

// ParseAsn parses a customer gateway ASN: decimal digits, 1-4294967295, not
// 45104 (InvalidAsn.Malformed).
func ParseAsn(v string) (int64, error) {
	n, ok := wirenum.Int(v)
	if !ok || n < 1 || n > MaxAsn {
		return 0, apierror.Newf("InvalidAsn.Malformed", "The specified Asn %s is invalid: it must be an integer from 1 to 4294967295.", shown(v))
	}
	if n == DefaultGatewayAsn {
		return 0, apierror.Newf("InvalidAsn.Malformed", "The specified Asn %s is invalid: 45104 is the ASN of the VPN gateways.", shown(v))
	}
	return n, nil
}

func authKey(p Params) (string, error) {
	v, ok := p["AuthKey"]
	if !ok {
		return "", nil
	}
	if len(v) < 1 || len(v) > 64 || !isPrintableASCII(v) {
		// Like a Psk, an AuthKey is a secret: report its length only.
		return "", apierror.Invalid("InvalidAuthKey.Malformed", "The specified AuthKey (%d characters) is not valid: use 1-64 printable characters without spaces.", utf8.RuneCountInString(v))
	}
	return v, nil
}

// ParseModifyCustomerGateway applies ModifyCustomerGatewayAttribute (Name,
// Description, AuthKey; only the given ones) to cur, which the service looked
// up from RegionId and CustomerGatewayId (see RequiredID).
func ParseModifyCustomerGateway(p Params, cur CustomerGateway) (CustomerGateway, Options, error) {
	c := cur
	c.Tags = slices.Clone(cur.Tags)
	opts, err := p.options()
	if err != nil {
		return cur, opts, err
	}
	if v, ok, err := p.text("Name", 100, true); err != nil {
		return cur, opts, err
	} else if ok {
		c.Name = v
	}
	if v, ok, err := p.text("Description", 100, true); err != nil {
		return cur, opts, err
	} else if ok {
		c.Description = v
	}
	if _, ok := p["AuthKey"]; ok {
		if c.AuthKey, err = authKey(p); err != nil {
			return cur, opts, err
		}
	}
	return c, opts, nil
}

// Filter is a validated Describe* request: region, paging, and the optional
// equality filters the action supports (empty = no filter). Filter values are
// not checked against id syntax: a malformed id simply matches nothing, as
// Alibaba's list actions answer an empty list.
type Filter struct {
	RegionID string
	Page     Page
	// IDs of the listed resource (DescribeVpcs' VpcId takes up to 20
	// comma-separated ids; the other actions one).
	IDs               []string
	VpcID             string
	VSwitchID         string
	ZoneID            string
	VpnGatewayID      string
	CustomerGatewayID string
	Name              string // VpcName / VSwitchName
	Status            string // DescribeVpnGateways
	ResourceGroupID   string // ResourceGroupId, every list
	Tags              []Tag  // Tag.N.Key/Value
}

// describeFilters lists, per Describe action, the filter parameters it reads
// and the id parameter of the listed resource.
var describeFilters = map[string]struct {
	idParam string
	filters []string
}{
	"DescribeVpcs":             {"VpcId", []string{"VpcName"}},
	"DescribeVSwitches":        {"VSwitchId", []string{"VpcId", "ZoneId", "VSwitchName"}},
	"DescribeVpnGateways":      {"VpnGatewayId", []string{"VpcId", "Status"}},
	"DescribeCustomerGateways": {"CustomerGatewayId", nil},
	"DescribeVpnConnections":   {"VpnConnectionId", []string{"VpnGatewayId", "CustomerGatewayId"}},
}

// ParseDescribe validates a list action (one of DescribeVpcs,
// DescribeVSwitches, DescribeVpnGateways, DescribeCustomerGateways,
// DescribeVpnConnections): RegionId required, paging per ParsePage, the
// action's filters. DescribeVpcs' VpcId takes up to 20 comma-separated ids
// (InvalidVpcId.Malformed beyond); DescribeVpnGateways' Status must be one of
// init, provisioning, active, updating, deleting (InvalidStatus.Malformed).
// It panics on another action name (a programming error).
func ParseDescribe(action string, p Params) (Filter, error) {
	spec, ok := describeFilters[action]
	if !ok {
		panic("vpn: ParseDescribe: unknown action " + action)
	}
	var f Filter
	var err error
	if f.RegionID, err = ParseRegion(p); err != nil {
		return f, err
	}
	if f.Page, err = ParsePage(p); err != nil {
		return f, err
	}
	if v := p[spec.idParam]; v != "" {
		ids := []string{v}
		if action == "DescribeVpcs" {
			ids = strings.Split(v, ",")
			if len(ids) > 20 {
				return f, malformed("VpcId", v, "at most 20 comma-separated ids are allowed")
			}
			for i := range ids {
				ids[i] = strings.TrimSpace(ids[i])
			}
		}
		f.IDs = ids
	}
	for _, name := range spec.filters {
		v := p[name]
		switch name {
		case "VpcId":
			f.VpcID = v
		case "ZoneId":
			f.ZoneID = v
		case "VpcName", "VSwitchName":
			f.Name = v
		case "VpnGatewayId":
			f.VpnGatewayID = v
		case "CustomerGatewayId":
			f.CustomerGatewayID = v
		case "Status":
			if v != "" && !slices.Contains([]string{"init", "provisioning", "active", "updating", "deleting"}, v) {
				return f, malformed("Status", v, "valid values are init, provisioning, active, updating, deleting")
			}
			f.Status = v
		}
	}
	if f.ResourceGroupID, err = ParseResourceGroupID(p, "ResourceGroupId"); err != nil {
		return f, err
	}
	f.Tags, err = p.tags("Tag")
	return f, err
}
