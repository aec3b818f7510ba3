package vpn

import "strconv"

// CustomerView builds the DownloadVpnConnectionConfig answer for c: the
// configuration seen from the customer (data-center) side. gw is c's VPN
// gateway and cgws holds at least the customer gateways c refers to (a
// missing one yields empty addresses and ASN: callers resolve them first).
//
// Per API.md: Local is the customer gateway address and Remote the gateway
// address; LocalSubnet/RemoteSubnet are the connection's RemoteSubnet/
// LocalSubnet; IkeConfig LocalId/RemoteId are swapped and every other
// IKE/IPsec value copied. A dual-tunnel connection carries only the subnets
// at the top level and one TunnelConfig per tunnel (master first; Remote is
// InternetIP for the master, DisasterRecoveryInternetIP for the slave).
// BgpConfigs is present when BGP is enabled, from the customer side:
// LocalAsn = customer gateway Asn, PeerAsn = gateway LocalAsn, LocalBgpIp =
// the other usable address of the /30, PeerBgpIp = the gateway's LocalBgpIP.
func CustomerView(c Connection, gw Gateway, cgws map[string]CustomerGateway) ConnectionConfig {
	out := ConnectionConfig{LocalSubnet: c.RemoteSubnet, RemoteSubnet: c.LocalSubnet}
	if !c.DualTunnel() {
		cgw := cgws[c.CustomerGatewayID]
		out.Local = cgw.IPAddress
		out.Remote = gw.InternetIP
		out.IkeConfig = viewIke(c.Ike)
		out.IpsecConfig = viewIpsec(c.Ipsec)
		if c.Bgp.EnableBgp {
			out.BgpConfigs = &BgpConfigs{BgpConfig: []ViewBgpConfig{viewBgp("", c.Bgp, cgw)}}
		}
		return out
	}
	tc := &TunnelsConfig{TunnelConfig: make([]TunnelConfig, 0, len(c.Tunnels))}
	var bgps []ViewBgpConfig
	for _, t := range orderedTunnels(c.Tunnels) {
		cgw := cgws[t.CustomerGatewayID]
		remote := gw.InternetIP
		if t.Role == "slave" {
			remote = gw.DisasterRecoveryInternetIP
		}
		tc.TunnelConfig = append(tc.TunnelConfig, TunnelConfig{
			TunnelId:    t.TunnelID,
			Local:       cgw.IPAddress,
			Remote:      remote,
			IkeConfig:   viewIke(t.Ike),
			IpsecConfig: viewIpsec(t.Ipsec),
		})
		if t.Bgp.EnableBgp {
			bgps = append(bgps, viewBgp(t.TunnelID, t.Bgp, cgw))
		}
	}
	out.TunnelsConfig = tc
	if len(bgps) > 0 {
		out.BgpConfigs = &BgpConfigs{BgpConfig: bgps}
	}
	return out
}

// orderedTunnels returns the tunnels master first, keeping the relative order
// otherwise.
func orderedTunnels(ts []Tunnel) []Tunnel {
	out := make([]Tunnel, 0, len(ts))
	for _, t := range ts {
		if t.Role == "master" {
			out = append(out, t)
		}
	}
	for _, t := range ts {
		if t.Role != "master" {
			out = append(out, t)
		}
	}
	return out
}

func viewIke(k IkeConfig) *ViewIkeConfig {
	return &ViewIkeConfig{
		Psk: k.Psk, IkeVersion: k.IkeVersion, IkeMode: k.IkeMode, IkeEncAlg: k.IkeEncAlg,
		IkeAuthAlg: k.IkeAuthAlg, IkePfs: k.IkePfs, IkeLifetime: k.IkeLifetime,
		LocalId: k.RemoteID, RemoteId: k.LocalID,
	}
}

func viewIpsec(k IpsecConfig) *ViewIpsecConfig {
	return &ViewIpsecConfig{IpsecAuthAlg: k.IpsecAuthAlg, IpsecEncAlg: k.IpsecEncAlg, IpsecPfs: k.IpsecPfs, IpsecLifetime: k.IpsecLifetime}
}

func viewBgp(tunnelID string, b BgpConfig, cgw CustomerGateway) ViewBgpConfig {
	peerOf, _ := PeerBgpAddr(b.TunnelCidr, b.LocalBgpIP)
	v := ViewBgpConfig{
		TunnelId:   tunnelID,
		PeerAsn:    strconv.FormatInt(b.LocalAsn, 10),
		TunnelCidr: b.TunnelCidr,
		LocalBgpIp: peerOf,
		PeerBgpIp:  b.LocalBgpIP,
	}
	if cgw.Asn != 0 {
		v.LocalAsn = strconv.FormatInt(cgw.Asn, 10)
	}
	return v
}
