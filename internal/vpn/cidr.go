package vpn

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// MaxSubnets is the largest number of CIDR blocks on one side of a connection.
const MaxSubnets = 10

// ParseCIDR parses one IPv4 CIDR block for parameter name.
//
// Decision: the block must be in canonical form (no host bits set: 10.0.0.1/8
// is refused, as Alibaba refuses it), written as dotted quad + "/" + prefix
// length without leading zeros; IPv6 and IPv4-mapped IPv6 are refused. Errors
// are Invalid{name}.Malformed naming the value.
func ParseCIDR(name, s string) (netip.Prefix, error) {
	pfx, err := netip.ParsePrefix(s)
	if err != nil || !pfx.Addr().Is4() {
		return netip.Prefix{}, malformed(name, s, "it must be an IPv4 CIDR block such as 192.168.0.0/16")
	}
	if pfx.Masked() != pfx {
		return netip.Prefix{}, malformed(name, s, "host bits are set; the network address is "+pfx.Masked().String())
	}
	return pfx, nil
}

// ParseCIDRList parses a comma-separated list of 1 to MaxSubnets IPv4 CIDR
// blocks (blanks around entries are trimmed) for parameter name. The blocks of
// one list must not overlap each other (Invalid{name}.Overlapped), which also
// means 0.0.0.0/0 can only stand alone. Other errors are
// Invalid{name}.Malformed.
func ParseCIDRList(name, s string) ([]netip.Prefix, error) {
	parts := strings.Split(s, ",")
	if len(parts) > MaxSubnets {
		return nil, malformed(name, s, "it has "+strconv.Itoa(len(parts))+" CIDR blocks, at most "+strconv.Itoa(MaxSubnets)+" are allowed")
	}
	out := make([]netip.Prefix, 0, len(parts))
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, malformed(name, s, "it has an empty entry")
		}
		pfx, err := ParseCIDR(name, part)
		if err != nil {
			return nil, err
		}
		for _, prev := range out {
			if prev.Overlaps(pfx) {
				return nil, apierror.Invalid("Invalid"+codeName(name)+".Overlapped",
					"The CIDR blocks %s and %s in %s overlap.", prev, pfx, name)
			}
		}
		out = append(out, pfx)
	}
	return out, nil
}

// FormatCIDRList is the canonical form of a list: blocks joined by ",".
func FormatCIDRList(list []netip.Prefix) string {
	s := make([]string, len(list))
	for i, p := range list {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// isDefaultRoute reports whether list is exactly 0.0.0.0/0.
func isDefaultRoute(list []netip.Prefix) bool {
	return len(list) == 1 && list[0].Bits() == 0
}

// ParseSubnets parses and cross-checks the two sides of a connection and
// returns them in canonical form.
//
// Decision: a side may be exactly 0.0.0.0/0 (full tunnel or destination
// routing, as Alibaba allows); such a side is exempt from the cross-side
// check. Otherwise a block of LocalSubnet that overlaps a block of
// RemoteSubnet is InvalidSubnet.Overlapped: traffic could not be routed.
func ParseSubnets(local, remote string) (string, string, error) {
	l, err := ParseCIDRList("LocalSubnet", local)
	if err != nil {
		return "", "", err
	}
	r, err := ParseCIDRList("RemoteSubnet", remote)
	if err != nil {
		return "", "", err
	}
	if !isDefaultRoute(l) && !isDefaultRoute(r) {
		for _, a := range l {
			for _, b := range r {
				if a.Overlaps(b) {
					return "", "", apierror.Invalid("InvalidSubnet.Overlapped",
						"The LocalSubnet block %s overlaps the RemoteSubnet block %s.", a, b)
				}
			}
		}
	}
	return FormatCIDRList(l), FormatCIDRList(r), nil
}

// reservedCustomerRanges are the ranges a customer gateway address may not be
// in (Alibaba's list plus 0.0.0.0/8).
var reservedCustomerRanges = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.0.0.0/8"),
}

// ParseCustomerGatewayIP validates a customer gateway IpAddress: a dotted-quad
// IPv4 address outside 0/8, 100.64/10, 127/8, 169.254/16, 224/4 and 255/8.
// Anything else is InvalidIpAddress.WrongFormat naming the value.
func ParseCustomerGatewayIP(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return "", apierror.Newf("InvalidIpAddress.WrongFormat", "The specified IpAddress %s is invalid: it must be an IPv4 address.", shown(s))
	}
	for _, r := range reservedCustomerRanges {
		if r.Contains(a) {
			return "", apierror.Newf("InvalidIpAddress.WrongFormat", "The specified IpAddress %s is invalid: it is in the reserved range %s.", shown(s), r)
		}
	}
	return a.String(), nil
}

// linkLocal is where BGP tunnel CIDRs live.
var linkLocal = netip.MustParsePrefix("169.254.0.0/16")

// ParseTunnelCidr validates a BGP TunnelCidr: a canonical /30 inside
// 169.254.0.0/16 (Invalid{section}.TunnelCidr otherwise).
func ParseTunnelCidr(section, name, s string) (netip.Prefix, error) {
	pfx, err := netip.ParsePrefix(s)
	if err != nil || !pfx.Addr().Is4() || pfx.Bits() != 30 || pfx.Masked() != pfx || !linkLocal.Contains(pfx.Addr()) {
		return netip.Prefix{}, apierror.Invalid("Invalid"+section+".TunnelCidr",
			"The specified %s %s is not valid: it must be a /30 network inside 169.254.0.0/16, such as 169.254.10.0/30.", name, shown(s))
	}
	return pfx, nil
}

// usableBgpAddrs returns the two usable addresses of a /30.
func usableBgpAddrs(cidr netip.Prefix) (netip.Addr, netip.Addr) {
	a := cidr.Addr().Next()
	return a, a.Next()
}

// PeerBgpAddr returns the other usable address of the /30 tunnelCidr, given
// one of them; ok is false when localIP is not a usable address of it.
func PeerBgpAddr(tunnelCidr, localIP string) (string, bool) {
	pfx, err := netip.ParsePrefix(tunnelCidr)
	if err != nil || pfx.Bits() != 30 || !pfx.Addr().Is4() {
		return "", false
	}
	ip, err := netip.ParseAddr(localIP)
	if err != nil {
		return "", false
	}
	a, b := usableBgpAddrs(pfx.Masked())
	switch ip {
	case a:
		return b.String(), true
	case b:
		return a.String(), true
	}
	return "", false
}
