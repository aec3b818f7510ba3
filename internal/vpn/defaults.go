package vpn

import (
	"strconv"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// ApplyConnectionDefaults fills the defaults of c that need its gateway and
// customer gateways (cgws, keyed by CustomerGatewayID), then checks c with
// ValidateConnection. Only empty values are filled, so calling it again is
// harmless:
//   - empty algorithm/version/mode strings: ikev1, main, aes, md5, group2
//     (IpsecPfs group2); lifetimes are left as they are (0 is a valid value;
//     the parsers have already applied 86400);
//   - Psk: a random 16-character key of letters and digits (each tunnel its
//     own);
//   - LocalID: the gateway's InternetIP (slave tunnel:
//     DisasterRecoveryInternetIP); RemoteID: the customer gateway's IPAddress;
//   - BGP LocalAsn: 45104.
//
// Errors: InvalidVpnGateway.TunnelMode when the connection's mode does not
// match gw.DualTunnel(), InvalidCustomerGatewayInstanceId.NotFound for a
// customer gateway missing from cgws, and those of ValidateConnection.
func ApplyConnectionDefaults(c *Connection, gw Gateway, cgws map[string]CustomerGateway) error {
	if err := checkTunnelMode(c, gw); err != nil {
		return err
	}
	if !c.DualTunnel() {
		cgw, ok := cgws[c.CustomerGatewayID]
		if !ok {
			return NotFound(PrefixCustomerGateway)
		}
		fillDefaults(&c.Ike, &c.Ipsec, &c.Bgp, gw.InternetIP, cgw.IPAddress)
	} else {
		for i := range c.Tunnels {
			t := &c.Tunnels[i]
			cgw, ok := cgws[t.CustomerGatewayID]
			if !ok {
				return NotFound(PrefixCustomerGateway)
			}
			local := gw.InternetIP
			if t.Role == "slave" {
				local = gw.DisasterRecoveryInternetIP
			}
			fillDefaults(&t.Ike, &t.Ipsec, &t.Bgp, local, cgw.IPAddress)
		}
	}
	return ValidateConnection(*c, gw, cgws)
}

func fillDefaults(ike *IkeConfig, ipsec *IpsecConfig, bgp *BgpConfig, localID, remoteID string) {
	d, dp := DefaultIke(), DefaultIpsec()
	fill(&ike.IkeVersion, d.IkeVersion)
	fill(&ike.IkeMode, d.IkeMode)
	fill(&ike.IkeEncAlg, d.IkeEncAlg)
	fill(&ike.IkeAuthAlg, d.IkeAuthAlg)
	fill(&ike.IkePfs, d.IkePfs)
	fill(&ike.LocalID, localID)
	fill(&ike.RemoteID, remoteID)
	if ike.Psk == "" {
		ike.Psk = RandomPsk()
	}
	fill(&ipsec.IpsecEncAlg, dp.IpsecEncAlg)
	fill(&ipsec.IpsecAuthAlg, dp.IpsecAuthAlg)
	fill(&ipsec.IpsecPfs, dp.IpsecPfs)
	if bgp.LocalAsn == 0 {
		bgp.LocalAsn = DefaultGatewayAsn
	}
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func checkTunnelMode(c *Connection, gw Gateway) error {
	if gw.DualTunnel() == c.DualTunnel() {
		return nil
	}
	if gw.DualTunnel() {
		return apierror.Newf("InvalidVpnGateway.TunnelMode", "The VPN gateway %s is dual-tunnel and takes only dual-tunnel connections: give TunnelOptionsSpecification.1 and .2 instead of CustomerGatewayId.", gw.VpnGatewayID)
	}
	return apierror.Newf("InvalidVpnGateway.TunnelMode", "The VPN gateway %s is single-tunnel (no DisasterRecoveryVSwitchId) and takes only single-tunnel connections: give CustomerGatewayId instead of TunnelOptionsSpecification.", gw.VpnGatewayID)
}

// ValidateConnection checks the rules that need the gateway and customer
// gateways; the service calls it after ApplyConnectionDefaults (which calls
// it) and after ParseModifyVpnConnection:
//   - tunnel mode matches the gateway (InvalidVpnGateway.TunnelMode);
//   - every referenced customer gateway is in cgws
//     (InvalidCustomerGatewayInstanceId.NotFound);
//   - a dual-tunnel connection has exactly a master then a slave tunnel, and
//     each tunnel's Bgp.EnableBgp equals EnableTunnelsBgp;
//   - sm4/sm3 only on a NationalStandard gateway (Invalid{IkeConfig|
//     IpsecConfig|TunnelIkeConfig|TunnelIpsecConfig}.{Key});
//   - BGP enabled: TunnelCidr and LocalBgpIp set, LocalBgpIp one of the two
//     usable addresses of the /30 (Invalid{BgpConfig|TunnelBgpConfig}.*),
//     and the customer gateway has an Asn (InvalidBgpConfig.PeerAsn /
//     InvalidTunnelBgpConfig.PeerAsn); the two tunnels of a dual-tunnel
//     connection use different TunnelCidrs.
func ValidateConnection(c Connection, gw Gateway, cgws map[string]CustomerGateway) error {
	if err := checkTunnelMode(&c, gw); err != nil {
		return err
	}
	national := gw.VpnType == "NationalStandard"
	if !c.DualTunnel() {
		cgw, ok := cgws[c.CustomerGatewayID]
		if !ok {
			return NotFound(PrefixCustomerGateway)
		}
		return validateSide("", c.Ike, c.Ipsec, c.Bgp, cgw, national, "IkeConfig", "IpsecConfig", "BgpConfig")
	}
	if len(c.Tunnels) != 2 || c.Tunnels[0].Role != "master" || c.Tunnels[1].Role != "slave" {
		return apierror.Invalid("InvalidTunnelOptionsSpecification.Role", "A dual-tunnel connection needs one master and one slave tunnel.")
	}
	for i, t := range c.Tunnels {
		cgw, ok := cgws[t.CustomerGatewayID]
		if !ok {
			return NotFound(PrefixCustomerGateway)
		}
		if t.Bgp.EnableBgp != c.EnableTunnelsBgp {
			return apierror.Invalid("InvalidParameter", "Tunnel %s: BGP must follow EnableTunnelsBgp.", t.TunnelID)
		}
		where := tosPrefix + "." + strconv.Itoa(i+1) + "."
		if err := validateSide(where, t.Ike, t.Ipsec, t.Bgp, cgw, national, "TunnelIkeConfig", "TunnelIpsecConfig", "TunnelBgpConfig"); err != nil {
			return err
		}
	}
	if c.EnableTunnelsBgp && c.Tunnels[0].Bgp.TunnelCidr == c.Tunnels[1].Bgp.TunnelCidr {
		return apierror.Invalid("InvalidTunnelBgpConfig.TunnelCidr", "The two tunnels use the same TunnelCidr %s; each tunnel needs its own /30.", c.Tunnels[0].Bgp.TunnelCidr)
	}
	return nil
}

func validateSide(where string, ike IkeConfig, ipsec IpsecConfig, bgp BgpConfig, cgw CustomerGateway, national bool, ikeS, ipsecS, bgpS string) error {
	if !national {
		for _, chk := range []struct{ section, key, val string }{
			{ikeS, "IkeEncAlg", ike.IkeEncAlg}, {ikeS, "IkeAuthAlg", ike.IkeAuthAlg},
			{ipsecS, "IpsecEncAlg", ipsec.IpsecEncAlg}, {ipsecS, "IpsecAuthAlg", ipsec.IpsecAuthAlg},
		} {
			if chk.val == "sm4" || chk.val == "sm3" {
				return apierror.Invalid("Invalid"+chk.section+"."+chk.key,
					"The specified %s%s.%s %s is only supported on NationalStandard VPN gateways.", where, chk.section, chk.key, chk.val)
			}
		}
	}
	if !bgp.EnableBgp {
		return nil
	}
	if bgp.TunnelCidr == "" {
		return apierror.Invalid("Invalid"+bgpS+".TunnelCidr", "%s%s.TunnelCidr is required when BGP is enabled.", where, bgpS)
	}
	if bgp.LocalBgpIP == "" {
		return apierror.Invalid("Invalid"+bgpS+".LocalBgpIp", "%s%s.LocalBgpIp is required when BGP is enabled.", where, bgpS)
	}
	if _, ok := PeerBgpAddr(bgp.TunnelCidr, bgp.LocalBgpIP); !ok {
		return apierror.Invalid("Invalid"+bgpS+".LocalBgpIp",
			"The specified %s%s.LocalBgpIp %s must be one of the two usable addresses of TunnelCidr %s.", where, bgpS, bgp.LocalBgpIP, bgp.TunnelCidr)
	}
	if cgw.Asn == 0 {
		return apierror.Invalid("Invalid"+bgpS+".PeerAsn",
			"BGP needs an Asn on the customer gateway %s; create the customer gateway with Asn set.", cgw.CustomerGatewayID)
	}
	return nil
}
