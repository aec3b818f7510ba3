package vpn

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func genIke(t *rapid.T, label string) IkeConfig {
	return IkeConfig{
		Psk:         rapid.StringMatching(`[A-Za-z0-9!@#%^&*()_+=.,:;<>/?~-]{1,40}`).Draw(t, label+"psk"),
		IkeVersion:  rapid.SampledFrom(ikeVersions).Draw(t, label+"ver"),
		IkeMode:     rapid.SampledFrom(ikeModes).Draw(t, label+"mode"),
		IkeEncAlg:   rapid.SampledFrom(encAlgs[:5]).Draw(t, label+"enc"),
		IkeAuthAlg:  rapid.SampledFrom(authAlgs[:5]).Draw(t, label+"auth"),
		IkePfs:      rapid.SampledFrom(ikePfsVals).Draw(t, label+"pfs"),
		IkeLifetime: rapid.Int64Range(0, MaxLifetime).Draw(t, label+"life"),
		LocalID:     rapid.StringMatching(`[a-z0-9.]{1,30}`).Draw(t, label+"lid"),
		RemoteID:    rapid.StringMatching(`[a-z0-9.@]{1,30}`).Draw(t, label+"rid"),
	}
}

func genIpsec(t *rapid.T, label string) IpsecConfig {
	return IpsecConfig{
		IpsecEncAlg:   rapid.SampledFrom(encAlgs[:5]).Draw(t, label+"enc"),
		IpsecAuthAlg:  rapid.SampledFrom(authAlgs[:5]).Draw(t, label+"auth"),
		IpsecPfs:      rapid.SampledFrom(ipsecPfs).Draw(t, label+"pfs"),
		IpsecLifetime: rapid.Int64Range(0, MaxLifetime).Draw(t, label+"life"),
	}
}

// genBgp draws a BGP config; parity (0 or 1) keeps the /30s of the two
// tunnels of one connection apart.
func genBgp(t *rapid.T, label string, on bool, parity int) BgpConfig {
	if !on {
		return BgpConfig{LocalAsn: DefaultGatewayAsn}
	}
	third := rapid.IntRange(0, 127).Draw(t, label+"c")*2 + parity
	fourth := rapid.IntRange(0, 63).Draw(t, label+"d") * 4
	base := netip.AddrFrom4([4]byte{169, 254, byte(third), byte(fourth)})
	a, b := usableBgpAddrs(netip.PrefixFrom(base, 30))
	ip := a
	if rapid.Bool().Draw(t, label+"which") {
		ip = b
	}
	return BgpConfig{EnableBgp: true, LocalAsn: rapid.Int64Range(1, MaxAsn).Draw(t, label+"asn"),
		TunnelCidr: netip.PrefixFrom(base, 30).String(), LocalBgpIP: ip.String()}
}

// genSubnets draws two disjoint canonical lists: VPC side in 10/8, data
// center side in 172.16/12 (or 0.0.0.0/0 on one side now and then).
func genSubnets(t *rapid.T) (string, string) {
	side := func(first byte, label string) string {
		n := rapid.IntRange(1, MaxSubnets).Draw(t, label+"n")
		seconds := rapid.SliceOfNDistinct(rapid.IntRange(0, 15), n, n, func(i int) int { return i }).Draw(t, label+"s")
		list := make([]netip.Prefix, n)
		for i, s := range seconds {
			list[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{first, byte(16 + s), 0, 0}), 16)
		}
		return FormatCIDRList(list)
	}
	l, r := side(10, "l"), side(172, "r")
	if rapid.IntRange(0, 9).Draw(t, "full") == 0 {
		l = "0.0.0.0/0"
	}
	return l, r
}

func genConnection(t *rapid.T) (Connection, Gateway) {
	l, r := genSubnets(t)
	c := Connection{
		RegionID: "cn-hangzhou", VpnGatewayID: "vpn-" + rapid.StringMatching(`[a-z0-9]{1,21}`).Draw(t, "gw"),
		LocalSubnet: l, RemoteSubnet: r,
		Name:              rapid.StringMatching(`[a-zA-Z0-9 _-]{0,20}`).Draw(t, "name"),
		EffectImmediately: rapid.Bool().Draw(t, "eff"), AutoConfigRoute: rapid.Bool().Draw(t, "acr"),
	}
	if rapid.Bool().Draw(t, "dual") {
		c.EnableTunnelsBgp = rapid.Bool().Draw(t, "tbgp")
		for i, role := range []string{"master", "slave"} {
			lb := fmt.Sprintf("t%d", i)
			c.Tunnels = append(c.Tunnels, Tunnel{Role: role, CustomerGatewayID: []string{"cgw-c1", "cgw-c2"}[i],
				EnableDpd: rapid.Bool().Draw(t, lb+"dpd"), EnableNatTraversal: rapid.Bool().Draw(t, lb+"nat"),
				Ike: genIke(t, lb), Ipsec: genIpsec(t, lb), Bgp: genBgp(t, lb, c.EnableTunnelsBgp, i)})
		}
		return c, gwDual
	}
	c.CustomerGatewayID = "cgw-c1"
	c.EnableDpd, c.EnableNatTraversal = rapid.Bool().Draw(t, "dpd"), rapid.Bool().Draw(t, "nat")
	c.Ike, c.Ipsec, c.Bgp = genIke(t, ""), genIpsec(t, ""), genBgp(t, "", rapid.Bool().Draw(t, "bgp"), 0)
	return c, gwSingle
}

// TestPropertyRoundTripAndView: for random valid connections, parsing the
// parameters an SDK would send gives the connection back, the connection
// validates, and CustomerView swaps sides and copies every algorithm.
func TestPropertyRoundTripAndView(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, gw := genConnection(t)
		r, err := ParseCreateVpnConnection(CreateParams(c))
		if err != nil {
			t.Fatalf("parse(render(c)): %v\nparams: %v", err, CreateParams(c))
		}
		if diff := cmp.Diff(c, r.Connection); diff != "" {
			t.Fatalf("round trip: %s", diff)
		}
		if err := ValidateConnection(c, gw, testCgws); err != nil {
			t.Fatalf("validate: %v", err)
		}
		v := CustomerView(c, gw, testCgws)
		if v.LocalSubnet != c.RemoteSubnet || v.RemoteSubnet != c.LocalSubnet {
			t.Fatalf("subnets not swapped: %+v", v)
		}
		type side struct {
			ike   IkeConfig
			ipsec IpsecConfig
			bgp   BgpConfig
			cgw   CustomerGateway
			gwIP  string
			vike  *ViewIkeConfig
			vip   *ViewIpsecConfig
			local string
			rem   string
		}
		var sides []side
		if !c.DualTunnel() {
			if v.TunnelsConfig != nil {
				t.Fatal("single-tunnel view has TunnelsConfig")
			}
			sides = append(sides, side{c.Ike, c.Ipsec, c.Bgp, testCgws[c.CustomerGatewayID], gw.InternetIP, v.IkeConfig, v.IpsecConfig, v.Local, v.Remote})
		} else {
			if v.IkeConfig != nil || v.IpsecConfig != nil || v.Local != "" || v.Remote != "" || v.TunnelsConfig == nil || len(v.TunnelsConfig.TunnelConfig) != 2 {
				t.Fatalf("dual-tunnel top level: %+v", v)
			}
			for i, tn := range c.Tunnels {
				tc := v.TunnelsConfig.TunnelConfig[i]
				gwIP := gw.InternetIP
				if tn.Role == "slave" {
					gwIP = gw.DisasterRecoveryInternetIP
				}
				if tc.TunnelId != tn.TunnelID {
					t.Fatalf("tunnel order: %+v", v.TunnelsConfig)
				}
				sides = append(sides, side{tn.Ike, tn.Ipsec, tn.Bgp, testCgws[tn.CustomerGatewayID], gwIP, tc.IkeConfig, tc.IpsecConfig, tc.Local, tc.Remote})
			}
		}
		nbgp := 0
		for _, s := range sides {
			want := ViewIkeConfig{Psk: s.ike.Psk, IkeVersion: s.ike.IkeVersion, IkeMode: s.ike.IkeMode, IkeEncAlg: s.ike.IkeEncAlg,
				IkeAuthAlg: s.ike.IkeAuthAlg, IkePfs: s.ike.IkePfs, IkeLifetime: s.ike.IkeLifetime, LocalId: s.ike.RemoteID, RemoteId: s.ike.LocalID}
			if *s.vike != want {
				t.Fatalf("ike view %+v, want %+v", *s.vike, want)
			}
			if *s.vip != (ViewIpsecConfig{IpsecAuthAlg: s.ipsec.IpsecAuthAlg, IpsecEncAlg: s.ipsec.IpsecEncAlg, IpsecPfs: s.ipsec.IpsecPfs, IpsecLifetime: s.ipsec.IpsecLifetime}) {
				t.Fatalf("ipsec view %+v", *s.vip)
			}
			if s.local != s.cgw.IPAddress || s.rem != s.gwIP {
				t.Fatalf("addresses %s %s", s.local, s.rem)
			}
			if s.bgp.EnableBgp {
				b := v.BgpConfigs.BgpConfig[nbgp]
				nbgp++
				if b.PeerBgpIp != s.bgp.LocalBgpIP || b.LocalBgpIp == s.bgp.LocalBgpIP || b.PeerAsn != fmt.Sprint(s.bgp.LocalAsn) ||
					b.LocalAsn != fmt.Sprint(s.cgw.Asn) || !netip.MustParsePrefix(b.TunnelCidr).Contains(netip.MustParseAddr(b.LocalBgpIp)) {
					t.Fatalf("bgp view %+v of %+v", b, s.bgp)
				}
			}
		}
		if (nbgp == 0) != (v.BgpConfigs == nil) || (v.BgpConfigs != nil && len(v.BgpConfigs.BgpConfig) != nbgp) {
			t.Fatalf("BgpConfigs %+v", v.BgpConfigs)
		}
	})
}
