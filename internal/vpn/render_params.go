package vpn

import (
	"encoding/json"
	"strconv"
)

// CreateParams renders c as the CreateVpnConnection parameters an official
// SDK would send (JSON strings for the single-tunnel configs, flattened
// TunnelOptionsSpecification.N.* fields for tunnels, Tags.N.*). Empty
// strings and zero ASNs are left out so that the server's defaults apply.
// ParseCreateVpnConnection(CreateParams(c)) gives back c's parameters.
func CreateParams(c Connection) Params {
	p := Params{
		"RegionId":          c.RegionID,
		"VpnGatewayId":      c.VpnGatewayID,
		"LocalSubnet":       c.LocalSubnet,
		"RemoteSubnet":      c.RemoteSubnet,
		"AutoConfigRoute":   strconv.FormatBool(c.AutoConfigRoute),
		"EffectImmediately": strconv.FormatBool(c.EffectImmediately),
	}
	if c.Name != "" {
		p["Name"] = c.Name
	}
	if c.ClientToken != "" {
		p["ClientToken"] = c.ClientToken
	}
	for i, t := range c.Tags {
		n := strconv.Itoa(i + 1)
		p["Tags."+n+".Key"] = t.Key
		p["Tags."+n+".Value"] = t.Value
	}
	if h := c.HealthCheck; h.Enable {
		p["HealthCheckConfig"] = mustJSON(map[string]any{"enable": true, "sip": h.Sip, "dip": h.Dip,
			"interval": h.Interval, "retry": h.Retry, "policy": h.Policy})
	}
	if !c.DualTunnel() {
		p["CustomerGatewayId"] = c.CustomerGatewayID
		p["EnableDpd"] = strconv.FormatBool(c.EnableDpd)
		p["EnableNatTraversal"] = strconv.FormatBool(c.EnableNatTraversal)
		p["IkeConfig"] = mustJSON(ikeMap(c.Ike))
		p["IpsecConfig"] = mustJSON(ipsecMap(c.Ipsec))
		b := bgpMap(c.Bgp)
		b["EnableBgp"] = c.Bgp.EnableBgp
		p["BgpConfig"] = mustJSON(b)
		return p
	}
	p["EnableTunnelsBgp"] = strconv.FormatBool(c.EnableTunnelsBgp)
	for i, t := range c.Tunnels {
		base := tosPrefix + "." + strconv.Itoa(i+1) + "."
		p[base+"Role"] = t.Role
		p[base+"CustomerGatewayId"] = t.CustomerGatewayID
		p[base+"EnableDpd"] = strconv.FormatBool(t.EnableDpd)
		p[base+"EnableNatTraversal"] = strconv.FormatBool(t.EnableNatTraversal)
		for section, m := range map[string]map[string]any{
			"TunnelIkeConfig": ikeMap(t.Ike), "TunnelIpsecConfig": ipsecMap(t.Ipsec), "TunnelBgpConfig": bgpMap(t.Bgp),
		} {
			for k, v := range m {
				p[base+section+"."+k] = render(v)
			}
		}
	}
	return p
}

func ikeMap(k IkeConfig) map[string]any {
	m := map[string]any{"IkeVersion": k.IkeVersion, "IkeMode": k.IkeMode, "IkeEncAlg": k.IkeEncAlg,
		"IkeAuthAlg": k.IkeAuthAlg, "IkePfs": k.IkePfs, "IkeLifetime": json.Number(strconv.FormatInt(k.IkeLifetime, 10))}
	for key, v := range map[string]string{"Psk": k.Psk, "LocalId": k.LocalID, "RemoteId": k.RemoteID} {
		if v != "" {
			m[key] = v
		}
	}
	return m
}

func ipsecMap(s IpsecConfig) map[string]any {
	return map[string]any{"IpsecEncAlg": s.IpsecEncAlg, "IpsecAuthAlg": s.IpsecAuthAlg, "IpsecPfs": s.IpsecPfs,
		"IpsecLifetime": json.Number(strconv.FormatInt(s.IpsecLifetime, 10))}
}

func bgpMap(b BgpConfig) map[string]any {
	m := map[string]any{}
	if b.LocalAsn != 0 {
		m["LocalAsn"] = json.Number(strconv.FormatInt(b.LocalAsn, 10))
	}
	if b.TunnelCidr != "" {
		m["TunnelCidr"] = b.TunnelCidr
	}
	if b.LocalBgpIP != "" {
		m["LocalBgpIp"] = b.LocalBgpIP
	}
	return m
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("vpn: " + err.Error()) // maps of strings and numbers always marshal
	}
	return string(b)
}
