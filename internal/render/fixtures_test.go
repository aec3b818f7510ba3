package render

import "github.com/vpcvpn/vpcvpn/internal/vpn"

// The four golden cases. Addresses are documentation ranges only.

func ike(v, mode, enc, auth, pfs string, life int64, local, remote, psk string) *vpn.ViewIkeConfig {
	return &vpn.ViewIkeConfig{Psk: psk, IkeVersion: v, IkeMode: mode, IkeEncAlg: enc, IkeAuthAlg: auth, IkePfs: pfs,
		IkeLifetime: life, LocalId: local, RemoteId: remote}
}

func ipsec(enc, auth, pfs string, life int64) *vpn.ViewIpsecConfig {
	return &vpn.ViewIpsecConfig{IpsecEncAlg: enc, IpsecAuthAlg: auth, IpsecPfs: pfs, IpsecLifetime: life}
}

// caseSingleV1 is a single tunnel with the documented defaults
// (ikev1 main aes/md5/group2/86400).
func caseSingleV1() vpn.ConnectionConfig {
	return vpn.ConnectionConfig{
		Local: "203.0.113.10", Remote: "203.0.113.1",
		LocalSubnet: "192.0.2.0/24", RemoteSubnet: "198.51.100.0/24",
		IkeConfig:   ike("ikev1", "main", "aes", "md5", "group2", 86400, "203.0.113.10", "203.0.113.1", "pgw6dy7d1i8iQ2x9"),
		IpsecConfig: ipsec("aes", "md5", "group2", 86400),
	}
}

// caseSingleV2 is a single IKEv2 tunnel, aes256/sha256/group14, two subnets
// per side.
func caseSingleV2() vpn.ConnectionConfig {
	return vpn.ConnectionConfig{
		Local: "203.0.113.10", Remote: "203.0.113.1",
		LocalSubnet: "192.0.2.0/25,192.0.2.128/25", RemoteSubnet: "198.51.100.0/25,198.51.100.128/26",
		IkeConfig:   ike("ikev2", "main", "aes256", "sha256", "group14", 28800, "203.0.113.10", "203.0.113.1", "Ab3_dE6*gH9!kL2@"),
		IpsecConfig: ipsec("aes256", "sha256", "group14", 3600),
	}
}

func dualTunnels(v, enc, auth, pfs string) *vpn.TunnelsConfig {
	return &vpn.TunnelsConfig{TunnelConfig: []vpn.TunnelConfig{
		{TunnelId: "tun-opsqc4d97wni27a1", Local: "203.0.113.10", Remote: "203.0.113.1",
			IkeConfig:   ike(v, "main", enc, auth, pfs, 86400, "203.0.113.10", "203.0.113.1", "MasterKey-1a2b3c"),
			IpsecConfig: ipsec(enc, auth, pfs, 86400)},
		{TunnelId: "tun-7h3z0f9lhyvk5b2", Local: "203.0.113.10", Remote: "203.0.113.2",
			IkeConfig:   ike(v, "main", enc, auth, pfs, 86400, "203.0.113.10", "203.0.113.2", "SlaveKey-4d5e6f"),
			IpsecConfig: ipsec(enc, auth, pfs, 86400)},
	}}
}

// caseDual is a dual-tunnel connection (IKEv2 aes/sha1/group14) to the
// gateway's two addresses from one customer address.
func caseDual() vpn.ConnectionConfig {
	return vpn.ConnectionConfig{
		LocalSubnet: "192.0.2.0/24", RemoteSubnet: "198.51.100.0/24",
		TunnelsConfig: dualTunnels("ikev2", "aes", "sha1", "group14"),
	}
}

// caseBGP is a dual-tunnel connection with BGP on both tunnels, selectors
// 0.0.0.0/0 on both sides as route-based peers need.
func caseBGP() vpn.ConnectionConfig {
	return vpn.ConnectionConfig{
		LocalSubnet: "0.0.0.0/0", RemoteSubnet: "0.0.0.0/0",
		TunnelsConfig: dualTunnels("ikev2", "aes256", "sha256", "group14"),
		BgpConfigs: &vpn.BgpConfigs{BgpConfig: []vpn.ViewBgpConfig{
			{TunnelId: "tun-opsqc4d97wni27a1", LocalAsn: "65010", PeerAsn: "45104", TunnelCidr: "169.254.10.0/30", LocalBgpIp: "169.254.10.2", PeerBgpIp: "169.254.10.1"},
			{TunnelId: "tun-7h3z0f9lhyvk5b2", LocalAsn: "65010", PeerAsn: "45104", TunnelCidr: "169.254.20.0/30", LocalBgpIp: "169.254.20.2", PeerBgpIp: "169.254.20.1"},
		}},
	}
}

// caseRemoteAny sends everything from two local subnets, one of which holds
// the customer gateway's own address, into the tunnel (RemoteSubnet
// 0.0.0.0/0): the Linux outputs add their bypass policies.
func caseRemoteAny() vpn.ConnectionConfig {
	c := caseSingleV2()
	c.LocalSubnet, c.RemoteSubnet = "192.0.2.0/24,203.0.113.0/24", "0.0.0.0/0"
	return c
}

type goldenCase struct {
	name string
	cfg  func() vpn.ConnectionConfig
	opt  Options
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{"single-ikev1-default", caseSingleV1, Options{}},
		{"single-ikev2-two-subnets", caseSingleV2, Options{}},
		{"remote-any", caseRemoteAny, Options{}},
		{"dual-tunnel", caseDual, Options{}},
		{"dual-tunnel-slave", caseDual, Options{Tunnel: "slave"}},
		{"bgp", caseBGP, Options{}},
		{"bgp-subnets", caseBGPSubnetsGolden, Options{}},
		{"bgp-single-ikev1", caseBGPSingleV1, Options{}},
	}
}

// caseBGPSubnetsGolden is a dual-tunnel BGP connection with real subnets:
// the policy-based outputs put the BGP addresses in their selectors.
func caseBGPSubnetsGolden() vpn.ConnectionConfig {
	c := caseBGP()
	c.LocalSubnet, c.RemoteSubnet = "192.0.2.0/24", "198.51.100.0/24,198.51.100.128/25"
	return c
}

// caseBGPSingleV1 is a single IKEv1 tunnel with BGP and one subnet per side.
func caseBGPSingleV1() vpn.ConnectionConfig {
	c := caseSingleV1()
	c.BgpConfigs = &vpn.BgpConfigs{BgpConfig: []vpn.ViewBgpConfig{
		{LocalAsn: "65010", PeerAsn: "45104", TunnelCidr: "169.254.30.0/30", LocalBgpIp: "169.254.30.2", PeerBgpIp: "169.254.30.1"},
	}}
	return c
}
