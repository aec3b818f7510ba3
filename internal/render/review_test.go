package render

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The tests in this file pin the fixes of the line-by-line review of the
// rendered configurations (issue 16): each asserts the specific lines a
// device needs (or must not have), so that the golden files alone are not
// the only guard.

func mustRender(t *testing.T, device string, cfg vpn.ConnectionConfig, opt Options) string {
	t.Helper()
	out, err := Render(device, cfg, opt)
	if err != nil {
		t.Fatalf("Render(%s): %v", device, err)
	}
	return out
}

// hasLine reports whether text holds line as a whole line.
func hasLine(text, line string) bool {
	return strings.HasPrefix(text, line+"\n") || strings.Contains(text, "\n"+line+"\n")
}

// wantLines fails unless every line is a whole line of text.
func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !hasLine(text, l) {
			t.Errorf("output lacks the line %q", l)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}
}

// noLines fails if any line is a whole line of text.
func noLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if hasLine(text, l) {
			t.Errorf("output has the line %q", l)
		}
	}
}

// lineIndex is the line number (from 0) of the first whole line equal to
// line, or -1.
func lineIndex(text, line string) int {
	for i, l := range strings.Split(text, "\n") {
		if l == line {
			return i
		}
	}
	return -1
}

// firstPrefix is the line number of the first line starting with prefix, or -1.
func firstPrefix(text, prefix string) int {
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

func asaV2(auth string) vpn.ConnectionConfig {
	c := caseSingleV2()
	c.IkeConfig.IkeAuthAlg = auth
	return c
}

// TestASAIKEv2PRF: ASA's IKEv2 policy PRF defaults to SHA-1, so the policy
// must name the PRF that matches the integrity algorithm (strongSwan and
// every other peer derive the PRF from it).
func TestASAIKEv2PRF(t *testing.T) {
	for auth, kw := range map[string]string{"md5": "md5", "sha1": "sha", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"} {
		t.Run(auth, func(t *testing.T) {
			out := mustRender(t, "cisco-asa", asaV2(auth), Options{})
			wantLines(t, out, "crypto ikev2 policy 10", " integrity "+kw, " prf "+kw)
			if i, p := lineIndex(out, " integrity "+kw), lineIndex(out, " prf "+kw); p != i+1 {
				t.Errorf("prf is line %d, want right after integrity (line %d)", p, i)
			}
		})
	}
}

// TestASAIKEv1SHA2Refused: ASA's IKEv1 transform sets hash with
// esp-md5-hmac or esp-sha-hmac only; SHA-2 ESP integrity is IKEv2-only.
func TestASAIKEv1SHA2Refused(t *testing.T) {
	for _, auth := range []string{"sha256", "sha384", "sha512"} {
		t.Run(auth, func(t *testing.T) {
			c := caseSingleV1()
			c.IpsecConfig.IpsecAuthAlg = auth
			out, err := Render("cisco-asa", c, Options{})
			want := `render: device cisco-asa cannot express IpsecAuthAlg "` + auth +
				`" (ASA IKEv1 transform sets hash with esp-md5-hmac or esp-sha-hmac only; SHA-2 needs IkeVersion ikev2)`
			if err == nil || err.Error() != want {
				t.Fatalf("error %v, want %s\noutput:\n%s", err, want, out)
			}
		})
	}
	// IKEv2 proposals keep SHA-2.
	c := caseSingleV2()
	c.IpsecConfig.IpsecAuthAlg = "sha512"
	wantLines(t, mustRender(t, "cisco-asa", c, Options{}), " protocol esp integrity sha-512")
}

// TestASANATExemption: the protected subnets are exempted from the
// interface's NAT with a twice-NAT identity rule in section 1, before any
// PAT rule can translate them.
func TestASANATExemption(t *testing.T) {
	out := mustRender(t, "cisco-asa", caseSingleV2(), Options{})
	wantLines(t, out,
		"object-group network OG-vpcvpn-local",
		" network-object 192.0.2.0 255.255.255.128",
		" network-object 192.0.2.128 255.255.255.128",
		"object-group network OG-vpcvpn-remote",
		" network-object 198.51.100.0 255.255.255.128",
		" network-object 198.51.100.128 255.255.255.192",
		"nat (inside,outside) 1 source static OG-vpcvpn-local OG-vpcvpn-local destination static OG-vpcvpn-remote OG-vpcvpn-remote no-proxy-arp route-lookup",
	)
	if lineIndex(out, "object-group network OG-vpcvpn-local") > firstPrefix(out, "nat (inside,outside)") {
		t.Errorf("the NAT rule comes before its object groups")
	}
}

// TestIOSVTIOrder: pasting cisco-ios-vti top to bottom must never leave a
// tunnel interface negotiating before its IKE policy, proposals, keyrings,
// profiles and IPsec profile exist (IOS starts IKE as soon as "tunnel
// protection" is entered, with its default IKEv2 policy if ours is missing).
func TestIOSVTIOrder(t *testing.T) {
	v1 := caseBGP()
	for i := range v1.TunnelsConfig.TunnelConfig {
		v1.TunnelsConfig.TunnelConfig[i].IkeConfig.IkeVersion = "ikev1"
	}
	for name, cfg := range map[string]vpn.ConnectionConfig{"ikev2": caseBGP(), "ikev1": v1} {
		t.Run(name, func(t *testing.T) {
			out := mustRender(t, "cisco-ios-vti", cfg, Options{})
			lines := strings.Split(out, "\n")
			firstIf := firstPrefix(out, "interface Tunnel")
			if firstIf < 0 {
				t.Fatalf("no tunnel interface:\n%s", out)
			}
			for i, l := range lines {
				if strings.HasPrefix(l, "crypto ") && i > firstIf {
					t.Errorf("line %d %q comes after the first tunnel interface (line %d)", i, l, firstIf)
				}
			}
			if name == "ikev2" && firstPrefix(out, "crypto ikev2 policy ") < 0 {
				t.Errorf("no IKEv2 policy")
			}
			if r := firstPrefix(out, "router bgp "); r < firstIf {
				t.Errorf("router bgp (line %d) before the tunnel interfaces (line %d)", r, firstIf)
			}
		})
	}
}

// TestIOSNATHeader: the crypto-map output says that the outside interface
// must not translate the protected traffic and gives the exemption lines.
func TestIOSNATHeader(t *testing.T) {
	out := mustRender(t, "cisco-ios", caseSingleV2(), Options{})
	wantLines(t, out,
		"! NAT: the protected traffic must leave GigabitEthernet1 untranslated. This configuration assumes the interface",
		"! does no NAT; if it does (ip nat outside), put these lines first in the access list of your",
		"! \"ip nat inside source list <NAT-ACL> ...\" rule:",
		"!   deny ip 192.0.2.0 0.0.0.127 198.51.100.0 0.0.0.127",
		"!   deny ip 192.0.2.0 0.0.0.127 198.51.100.128 0.0.0.63",
		"!   deny ip 192.0.2.128 0.0.0.127 198.51.100.0 0.0.0.127",
		"!   deny ip 192.0.2.128 0.0.0.127 198.51.100.128 0.0.0.63",
	)
	if n := firstPrefix(out, "! NAT:"); n < 0 || n > firstPrefix(out, "crypto ") {
		t.Errorf("the NAT note must be in the header, before the first crypto line")
	}
}

// TestPANOSSecurityRules: without security rules the tunnel traffic dies on
// PAN-OS's interzone default deny.
func TestPANOSSecurityRules(t *testing.T) {
	out := mustRender(t, "paloalto-panos", caseSingleV2(), Options{})
	wantLines(t, out,
		"set address vpcvpn-local-192.0.2.0-25 ip-netmask 192.0.2.0/25",
		"set address vpcvpn-local-192.0.2.128-25 ip-netmask 192.0.2.128/25",
		"set address vpcvpn-remote-198.51.100.0-25 ip-netmask 198.51.100.0/25",
		"set address vpcvpn-remote-198.51.100.128-26 ip-netmask 198.51.100.128/26",
		"set address-group vpcvpn-local static [ vpcvpn-local-192.0.2.0-25 vpcvpn-local-192.0.2.128-25 ]",
		"set address-group vpcvpn-remote static [ vpcvpn-remote-198.51.100.0-25 vpcvpn-remote-198.51.100.128-26 ]",
		"set rulebase security rules vpcvpn-out from trust to vpn source vpcvpn-local destination vpcvpn-remote source-user any category any application any service any action allow",
		"set rulebase security rules vpcvpn-in from vpn to trust source vpcvpn-remote destination vpcvpn-local source-user any category any application any service any action allow",
		"move rulebase security rules vpcvpn-in top",
		"move rulebase security rules vpcvpn-out top",
	)
	// New rules are appended after any deny rule: the moves come after the
	// rules they move, vpcvpn-out last so that it ends up first.
	if !(lineIndex(out, "set rulebase security rules vpcvpn-in from vpn to trust source vpcvpn-remote destination vpcvpn-local source-user any category any application any service any action allow") < lineIndex(out, "move rulebase security rules vpcvpn-in top") &&
		lineIndex(out, "move rulebase security rules vpcvpn-in top") < lineIndex(out, "move rulebase security rules vpcvpn-out top")) {
		t.Errorf("PAN-OS security rules are not moved to the top in order:\n%s", out)
	}
	any := mustRender(t, "paloalto-panos", caseBGP(), Options{})
	wantLines(t, any,
		"set rulebase security rules vpcvpn-out from trust to vpn source any destination any source-user any category any application any service any action allow",
		"set rulebase security rules vpcvpn-in from vpn to trust source any destination any source-user any category any application any service any action allow")
}

// TestPANOSBGPInstallRoute: PAN-OS's BGP does not install learned routes
// unless install-route is set.
func TestPANOSBGPInstallRoute(t *testing.T) {
	wantLines(t, mustRender(t, "paloalto-panos", caseBGP(), Options{}),
		"set network virtual-router default protocol bgp install-route yes")
}

// TestPANOSFailoverMonitor: with static routes (no BGP) the tunnel
// interfaces never go down, so a dual-tunnel connection gets tunnel
// monitoring with a fail-over profile on both tunnels.
func TestPANOSFailoverMonitor(t *testing.T) {
	out := mustRender(t, "paloalto-panos", caseDual(), Options{})
	wantLines(t, out,
		"set network profiles monitor-profile vpcvpn-failover action fail-over",
		"set network profiles monitor-profile vpcvpn-failover interval 3",
		"set network profiles monitor-profile vpcvpn-failover threshold 5",
		"set network interface tunnel units tunnel.1 ip DC-ADDR-1/32",
		"set network interface tunnel units tunnel.2 ip DC-ADDR-2/32",
		"set network tunnel ipsec ipsec-tun-vpcvpn-master tunnel-monitor enable yes destination-ip VPC-HOST tunnel-monitor-profile vpcvpn-failover",
		"set network tunnel ipsec ipsec-tun-vpcvpn-slave tunnel-monitor enable yes destination-ip VPC-HOST tunnel-monitor-profile vpcvpn-failover",
		"set network virtual-router default routing-table ip static-route vpcvpn-master-198.51.100.0-24 destination 198.51.100.0/24 interface tunnel.1 metric 10",
		"set network virtual-router default routing-table ip static-route vpcvpn-slave-198.51.100.0-24 destination 198.51.100.0/24 interface tunnel.2 metric 20",
		"#   VPC-HOST    an address in the VPC (198.51.100.0/24) that answers ping, e.g. an ECS instance",
	)
	// One tunnel: nothing to fail over to, no placeholders.
	single := mustRender(t, "paloalto-panos", caseDual(), Options{Tunnel: "slave"})
	if strings.Contains(single, "tunnel-monitor") || strings.Contains(single, "DC-ADDR") {
		t.Errorf("single tunnel output has a failover monitor:\n%s", single)
	}
}

// TestHuaweiFirewallPolicy: USG6000 drops everything no security policy
// permits (the tunnel's subnets trust<->untrust and IKE/ESP local<->untrust)
// and would source-NAT the protected traffic without a no-nat rule.
func TestHuaweiFirewallPolicy(t *testing.T) {
	out := mustRender(t, "huawei-usg", caseSingleV2(), Options{})
	wantLines(t, out,
		"security-policy",
		" rule name vpcvpn-out",
		"  source-zone trust",
		"  destination-zone untrust",
		"  source-address 192.0.2.0 25",
		"  source-address 192.0.2.128 25",
		"  destination-address 198.51.100.0 25",
		"  destination-address 198.51.100.128 26",
		"  action permit",
		" rule name vpcvpn-in",
		" rule name vpcvpn-ike-out",
		"  source-zone local",
		"  source-address 203.0.113.10 32",
		"  destination-address 203.0.113.1 32",
		" rule name vpcvpn-ike-in",
		"  destination-zone local",
		" rule move vpcvpn-ike-in top",
		" rule move vpcvpn-ike-out top",
		" rule move vpcvpn-in top",
		" rule move vpcvpn-out top",
		"nat-policy",
		" rule name vpcvpn-no-nat",
		"  action no-nat",
		" rule move vpcvpn-no-nat top",
	)
	if lineIndex(out, "security-policy") > lineIndex(out, " ipsec policy vpcvpn") || lineIndex(out, "nat-policy") > lineIndex(out, " ipsec policy vpcvpn") {
		t.Errorf("the IPsec policy is applied before the security and NAT policies that let it work")
	}
	in := out[strings.Index(out, " rule name vpcvpn-in\n"):]
	in = in[:strings.Index(in, " rule name vpcvpn-ike-out\n")]
	wantLines(t, in, "  source-zone untrust", "  destination-zone trust", "  source-address 198.51.100.0 25", "  destination-address 192.0.2.0 25")
	// The moves run in the security-policy view after the rules exist, vpcvpn-out last (it ends up first).
	if !(lineIndex(out, " rule name vpcvpn-ike-in") < lineIndex(out, " rule move vpcvpn-ike-in top") &&
		lineIndex(out, " rule move vpcvpn-in top") < lineIndex(out, " rule move vpcvpn-out top") &&
		lineIndex(out, " rule move vpcvpn-out top") < lineIndex(out, "nat-policy")) {
		t.Errorf("Huawei security rules are not moved to the top in order:\n%s", out)
	}
}

// TestH3CFirewallPolicy: the same for Comware 7 SecPath.
func TestH3CFirewallPolicy(t *testing.T) {
	out := mustRender(t, "h3c-secpath", caseSingleV2(), Options{})
	wantLines(t, out,
		"security-policy ip",
		" rule name vpcvpn-out",
		"  action pass",
		"  source-zone trust",
		"  destination-zone untrust",
		"  source-ip-subnet 192.0.2.0 255.255.255.128",
		"  destination-ip-subnet 198.51.100.128 255.255.255.192",
		" rule name vpcvpn-in",
		" rule name vpcvpn-ike-out",
		"  source-zone local",
		"  source-ip-host 203.0.113.10",
		"  destination-ip-host 203.0.113.1",
		" rule name vpcvpn-ike-in",
		"object-group ip address vpcvpn-local",
		" network subnet 192.0.2.0 255.255.255.128",
		"object-group ip address vpcvpn-remote",
		" network subnet 198.51.100.128 255.255.255.192",
		"nat global-policy",
		" rule name vpcvpn-no-nat",
		"  source-ip vpcvpn-local",
		"  destination-ip vpcvpn-remote",
		"  action snat no-nat",
		"# vpcvpn rules above it (\"move rule\" in security-policy ip view; check the order with \"display security-policy ip\").",
	)
	if lineIndex(out, "security-policy ip") > lineIndex(out, " ipsec apply policy vpcvpn") || lineIndex(out, "nat global-policy") > lineIndex(out, " ipsec apply policy vpcvpn") {
		t.Errorf("the IPsec policy is applied before the security and NAT policies that let it work")
	}
	// The IKEv2 PRF follows the integrity algorithm.
	c := caseSingleV2()
	c.IkeConfig.IkeAuthAlg = "sha384"
	wantLines(t, mustRender(t, "h3c-secpath", c, Options{}), " integrity sha384", " prf sha384")
}

// caseBGPSubnets is caseBGP with real subnets instead of 0.0.0.0/0.
func caseBGPSubnets() vpn.ConnectionConfig { return caseBGPSubnetsGolden() }

// TestVyOSBGPSubnetsRefused: VyOS 1.4's vti node has only bind and esp-group
// (vyos-1x sagitta, interface-definitions/vpn_ipsec.xml.in): there is no
// "vti traffic-selector", so BGP with subnets other than 0.0.0.0/0 is refused.
func TestVyOSBGPSubnetsRefused(t *testing.T) {
	out, err := Render("vyos", caseBGPSubnets(), Options{})
	want := `render: device vyos cannot express subnet "192.0.2.0/24" with BgpConfigs (a VyOS 1.4 VTI negotiates 0.0.0.0/0 only: its vti node has bind and esp-group, no traffic selector; set both subnet lists of the connection to 0.0.0.0/0, or render without BGP)`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s\noutput:\n%s", err, want, out)
	}
	if any := mustRender(t, "vyos", caseBGP(), Options{}); strings.Contains(any, "traffic-selector") {
		t.Errorf("output uses the non-existent vti traffic-selector node:\n%s", any)
	}
}

// TestVyOSRouteAutoinstall: with VTI, strongSwan must not install routes of
// its own (the routes come from BGP on vti1/vti2).
func TestVyOSRouteAutoinstall(t *testing.T) {
	wantLines(t, mustRender(t, "vyos", caseBGP(), Options{}), "set vpn ipsec options disable-route-autoinstall")
	if out := mustRender(t, "vyos", caseDual(), Options{}); strings.Contains(out, "disable-route-autoinstall") {
		t.Errorf("policy-based output turns route autoinstall off")
	}
}

// TestVyOSDualPriority: without BGP both peers negotiate the same selectors;
// the master's policies get the better (lower) priority.
func TestVyOSDualPriority(t *testing.T) {
	out := mustRender(t, "vyos", caseDual(), Options{})
	wantLines(t, out,
		"set vpn ipsec site-to-site peer vpcvpn-master tunnel 1 priority 10",
		"set vpn ipsec site-to-site peer vpcvpn-slave tunnel 1 priority 20")
	if one := mustRender(t, "vyos", caseDual(), Options{Tunnel: "slave"}); strings.Contains(one, "priority") {
		t.Errorf("a single tunnel gets a priority:\n%s", one)
	}
}

// TestVyOSLifetime: VyOS writes an ike-group lifetime R as strongSwan's
// rekey_time (vyos-1x data/templates/ipsec/swanctl/peer.j2) with no
// over_time, which defaults to R/10, so the IKE SA lives R + R/10: the
// template writes the R that makes that the connection's IkeLifetime, as
// the gateway side's rekey_time + over_time does.
func TestVyOSLifetime(t *testing.T) {
	for _, c := range []struct{ life, want int64 }{{86400, 78546}, {28800, 26182}, {3600, 3273}, {60, 55}, {66, 60}} {
		cfg := caseSingleV1()
		cfg.IkeConfig.IkeLifetime = c.life
		out := mustRender(t, "vyos", cfg, Options{})
		wantLines(t, out, "set vpn ipsec ike-group IKE-vpcvpn lifetime "+itoa(c.want))
		if c.want+c.want/10 != c.life {
			t.Errorf("R %d: R + R/10 = %d, want %d", c.want, c.want+c.want/10, c.life)
		}
	}
	for life := int64(60); life <= 86400; life++ {
		r, err := vyosIKELife(life)
		if life%11 == 10 {
			if err == nil {
				t.Fatalf("lifetime %d: R %d, want a refusal", life, r)
			}
			continue
		}
		if err != nil || r+r/10 != life || r < 0 || r > 86400 {
			t.Fatalf("lifetime %d: R %d (%v), R + R/10 = %d", life, r, err, r+r/10)
		}
	}
	cfg := caseSingleV1()
	cfg.IkeConfig.IkeLifetime = 76
	_, err := Render("vyos", cfg, Options{})
	want := "render: device vyos cannot express IkeLifetime 76 (VyOS cannot make an IKE SA live exactly 76 s: its ike-group lifetime R is the rekey time and the SA lives R + R/10 s, which is never 76; use 75 or 77)"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// connBlock returns the lines of ipsec.conf section "conn name" (up to the
// next blank line).
func connBlock(t *testing.T, text, name string) string {
	t.Helper()
	i := strings.Index(text, "\nconn "+name+"\n")
	if i < 0 {
		t.Fatalf("no conn %s in:\n%s", name, text)
	}
	block := text[i+1:]
	if j := strings.Index(block, "\n\n"); j >= 0 {
		block = block[:j+1]
	}
	return block
}

// TestLibreswanReview: leftvti= never addresses an XFRM interface in 4.x
// (only the mark-based VTI path of _updown applies VTI_IP), so the header
// creates ipsec<N> with the TunnelCidr address; a fixed reqid copied into
// every subnet pair lets SAs of different pairs mix, so there is none; two
// conns with identical selectors cannot both install their policy ("eroute
// in use", pluto's could_route) unless overlapip=yes, so with BGP both have
// it and without BGP only the master starts.
func TestLibreswanReview(t *testing.T) {
	bgp := mustRender(t, "libreswan", caseBGP(), Options{})
	wantLines(t, bgp,
		"#   ip link add ipsec1 type xfrm dev eth0 if_id 1",
		"#   ip addr add 169.254.10.2/30 dev ipsec1",
		"#   ip link set ipsec1 up",
		"#   ip link add ipsec2 type xfrm dev eth0 if_id 2",
		"#   ip addr add 169.254.20.2/30 dev ipsec2",
		"#   ip link set ipsec2 up",
	)
	for _, name := range []string{"vpcvpn-master", "vpcvpn-slave"} {
		wantLines(t, connBlock(t, bgp, name), "    overlapip=yes", "    auto=start")
	}
	if firstPrefix(bgp, "    leftvti=") >= 0 {
		t.Errorf("BGP output still uses leftvti=")
	}
	for _, c := range goldenCases() {
		out, err := Render("libreswan", c.cfg(), c.opt)
		if err == nil && strings.Contains(out, "reqid=") {
			t.Errorf("%s: output has a fixed reqid=", c.name)
		}
	}
	dual := mustRender(t, "libreswan", caseDual(), Options{})
	wantLines(t, connBlock(t, dual, "vpcvpn-master"), "    auto=start")
	wantLines(t, connBlock(t, dual, "vpcvpn-slave"), "    auto=add")
	wantLines(t, dual, "#   ipsec auto --down vpcvpn-master; ipsec auto --up vpcvpn-slave")
	if strings.Contains(dual, "overlapip") {
		t.Errorf("policy-based dual output uses overlapip")
	}
	_, err := Render("libreswan", caseBGPSubnets(), Options{})
	want := `render: device libreswan cannot express subnet "192.0.2.0/24" with BgpConfigs (the route-based conns (ipsec-interface) negotiate 0.0.0.0/0: leftsubnets/rightsubnets would make one SA per subnet pair and none for the BGP addresses; set both subnet lists of the connection to 0.0.0.0/0, or render without BGP)`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestBGPMasterPreferred: every route-based device with BGP in dual-tunnel
// mode enforces what its header says: the master carries the traffic while
// it is up (local preference / weight inbound, AS-path prepend on what the
// slave advertises).
func TestBGPMasterPreferred(t *testing.T) {
	cases := map[string][]string{
		"cisco-ios-vti": {
			"route-map vpcvpn-master-in permit 10", " set local-preference 200",
			"route-map vpcvpn-slave-in permit 10", " set local-preference 100",
			"route-map vpcvpn-slave-out permit 10", " set as-path prepend 65010 65010",
			"  neighbor 169.254.10.1 route-map vpcvpn-master-in in",
			"  neighbor 169.254.20.1 route-map vpcvpn-slave-in in",
			"  neighbor 169.254.20.1 route-map vpcvpn-slave-out out",
		},
		"juniper-srx": {
			"set policy-options policy-statement vpcvpn-master-in then local-preference 200",
			"set policy-options policy-statement vpcvpn-slave-in then local-preference 100",
			`set policy-options policy-statement vpcvpn-slave-out then as-path-prepend "65010 65010"`,
			"set protocols bgp group vpcvpn neighbor 169.254.10.1 import vpcvpn-master-in",
			"set protocols bgp group vpcvpn neighbor 169.254.20.1 import vpcvpn-slave-in",
			"set protocols bgp group vpcvpn neighbor 169.254.20.1 export vpcvpn-slave-out",
		},
		"fortinet-fortios": {
			`    edit "vpcvpn-master-in"`, "                set set-local-preference 200",
			`    edit "vpcvpn-slave-in"`, "                set set-local-preference 100",
			`    edit "vpcvpn-slave-out"`, `                set set-aspath "65010 65010"`,
			`            set route-map-in "vpcvpn-master-in"`,
			`            set route-map-in "vpcvpn-slave-in"`,
			`            set route-map-out "vpcvpn-slave-out"`,
		},
		"paloalto-panos": {
			"set network virtual-router default protocol bgp policy import rules vpcvpn-master-in used-by pg-vpcvpn-master",
			"set network virtual-router default protocol bgp policy import rules vpcvpn-master-in action allow update local-preference 200",
			"set network virtual-router default protocol bgp policy import rules vpcvpn-slave-in used-by pg-vpcvpn-slave",
			"set network virtual-router default protocol bgp policy import rules vpcvpn-slave-in action allow update local-preference 100",
			"set network virtual-router default protocol bgp policy export rules vpcvpn-slave-out used-by pg-vpcvpn-slave",
			"set network virtual-router default protocol bgp policy export rules vpcvpn-slave-out action allow update as-path prepend 2",
		},
		"vyos": {
			"set policy route-map VPCVPN-MASTER-IN rule 10 set local-preference 200",
			"set policy route-map VPCVPN-SLAVE-IN rule 10 set local-preference 100",
			"set policy route-map VPCVPN-SLAVE-OUT rule 10 set as-path prepend '65010 65010'",
			"set protocols bgp neighbor 169.254.10.1 address-family ipv4-unicast route-map import VPCVPN-MASTER-IN",
			"set protocols bgp neighbor 169.254.20.1 address-family ipv4-unicast route-map import VPCVPN-SLAVE-IN",
			"set protocols bgp neighbor 169.254.20.1 address-family ipv4-unicast route-map export VPCVPN-SLAVE-OUT",
		},
		// Linux peers (strongswan-swanctl, strongswan-ipsec, libreswan) take their BGP part from frr.
		"frr": {
			"route-map vpcvpn-master-in permit 10", " set local-preference 200",
			"route-map vpcvpn-slave-in permit 10", " set local-preference 100",
			"route-map vpcvpn-slave-out permit 10", " set as-path prepend 65010 65010",
			"  neighbor 169.254.10.1 route-map vpcvpn-master-in in",
			"  neighbor 169.254.20.1 route-map vpcvpn-slave-in in",
			"  neighbor 169.254.20.1 route-map vpcvpn-slave-out out",
		},
	}
	for _, d := range Devices() {
		if !d.BGP || !d.RouteBased {
			continue
		}
		want, ok := cases[d.ID]
		if !ok {
			switch d.ID {
			case "strongswan-swanctl", "strongswan-ipsec", "libreswan":
				continue
			}
			t.Errorf("no master-preference case for route-based BGP device %s", d.ID)
			continue
		}
		t.Run(d.ID, func(t *testing.T) {
			wantLines(t, mustRender(t, d.ID, caseBGP(), Options{}), want...)
			// One tunnel of the pair alone has nothing to prefer.
			one := mustRender(t, d.ID, caseBGP(), Options{Tunnel: "master"})
			if strings.Contains(strings.ToLower(one), "prepend") || strings.Contains(one, "local-preference 200") {
				t.Errorf("single tunnel output sets a preference:\n%s", one)
			}
		})
	}
}

// TestBGPSelectors: devices that write selectors per subnet pair must also
// carry the BGP addresses' pair when the subnets are not 0.0.0.0/0, or the
// session's packets match no SA; the policy-based strongSwan outputs put the
// BGP /32s in their selectors in every case.
func TestBGPSelectors(t *testing.T) {
	c := caseBGPSubnets()
	wantLines(t, mustRender(t, "juniper-srx", c, Options{}),
		"set security ipsec vpn vpn-vpcvpn-master traffic-selector ts-bgp local-ip 169.254.10.2/32 remote-ip 169.254.10.1/32",
		"set security ipsec vpn vpn-vpcvpn-slave traffic-selector ts-bgp local-ip 169.254.20.2/32 remote-ip 169.254.20.1/32")
	wantLines(t, mustRender(t, "paloalto-panos", c, Options{}),
		"set network tunnel ipsec ipsec-tun-vpcvpn-master auto-key proxy-id pid-bgp local 169.254.10.2/32 remote 169.254.10.1/32 protocol any",
		"set network tunnel ipsec ipsec-tun-vpcvpn-slave auto-key proxy-id pid-bgp local 169.254.20.2/32 remote 169.254.20.1/32 protocol any")
	forti := mustRender(t, "fortinet-fortios", c, Options{})
	wantLines(t, forti, `    edit "vpcvpn-master-bgp"`, "        set src-subnet 169.254.10.2 255.255.255.255", "        set dst-subnet 169.254.10.1 255.255.255.255",
		`    edit "vpcvpn-slave-bgp"`, "        set src-subnet 169.254.20.2 255.255.255.255")
	sw := mustRender(t, "strongswan-swanctl", c, Options{})
	wantLines(t, sw,
		"                local_ts = 169.254.10.2/32,192.0.2.0/24",
		"                remote_ts = 169.254.10.1/32,198.51.100.0/24,198.51.100.128/25",
		"                local_ts = 169.254.20.2/32,192.0.2.0/24",
		"#   ip addr add 169.254.10.2/32 dev lo",
		"#   ip route add 169.254.10.1/32 dev lo src 169.254.10.2",
		"#   ip addr add 169.254.20.2/32 dev lo",
		"#   ip route add 169.254.20.1/32 dev lo src 169.254.20.2")
	if strings.Contains(sw, "if_id") {
		t.Errorf("swanctl output binds to XFRM interfaces, which the policy-based BGP set-up does not create")
	}
	ipsec := mustRender(t, "strongswan-ipsec", c, Options{})
	wantLines(t, ipsec, "    leftsubnet = 169.254.10.2/32,192.0.2.0/24", "    rightsubnet = 169.254.20.1/32,198.51.100.0/24,198.51.100.128/25")
	if strings.Contains(ipsec, "mark =") {
		t.Errorf("ipsec.conf output marks SAs for VTI devices the set-up does not create")
	}
	v1 := mustRender(t, "strongswan-swanctl", caseBGPSingleV1(), Options{})
	wantLines(t, v1, "            vpcvpn-bgp {", "                local_ts = 169.254.30.2/32", "                remote_ts = 169.254.30.1/32", "                reqid = 102")
	// 0.0.0.0/0 subnets cover the BGP addresses: no extra pair on the per-pair devices.
	if out := mustRender(t, "juniper-srx", caseBGP(), Options{}); strings.Contains(out, "ts-bgp") {
		t.Errorf("juniper-srx writes a BGP traffic selector next to 0.0.0.0/0")
	}
	if want := []string{"ip addr add 169.254.10.2/32 dev lo", "ip route add 169.254.10.1/32 dev lo src 169.254.10.2",
		"ip addr add 169.254.20.2/32 dev lo", "ip route add 169.254.20.1/32 dev lo src 169.254.20.2"}; strings.Join(SetupCommands(sw), "|") != strings.Join(want, "|") {
		t.Errorf("SetupCommands = %q, want %q", SetupCommands(sw), want)
	}
}

// TestFRR: the frr device writes the BGP side of a Linux peer and refuses a
// connection without BGP.
func TestFRR(t *testing.T) {
	out := mustRender(t, "frr", caseBGPSingleV1(), Options{})
	wantLines(t, out,
		"ip prefix-list vpcvpn-local seq 5 permit 192.0.2.0/24",
		"route-map vpcvpn-in permit 10",
		"route-map vpcvpn-out permit 10",
		" match ip address prefix-list vpcvpn-local",
		"router bgp 65010",
		" bgp router-id 169.254.30.2",
		" no bgp network import-check",
		" neighbor 169.254.30.1 remote-as 45104",
		" neighbor 169.254.30.1 update-source 169.254.30.2",
		" neighbor 169.254.30.1 disable-connected-check",
		" neighbor 169.254.30.1 timers 10 30",
		" address-family ipv4 unicast",
		"  network 192.0.2.0/24",
		"  neighbor 169.254.30.1 route-map vpcvpn-in in",
		"  neighbor 169.254.30.1 route-map vpcvpn-out out",
	)
	if strings.Contains(out, "local-preference") || strings.Contains(out, "prepend") {
		t.Errorf("single tunnel FRR sets a preference")
	}
	_, err := Render("frr", caseSingleV1(), Options{})
	want := "render: device frr needs a connection with BgpConfigs (it writes the BGP part only; enable BGP on the connection, or pick an IPsec device)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestGenericSheet: the parameter sheet names every value in IANA terms and
// in the templated devices' spellings, and carries the PSK, lifetimes, DPD,
// selectors and BGP.
func TestGenericSheet(t *testing.T) {
	out := mustRender(t, "generic", caseBGPSubnets(), Options{})
	wantLines(t, out,
		"  Local subnets (this side, behind the device): 192.0.2.0/24",
		"  Remote subnets (VPC side):                    198.51.100.0/24,198.51.100.128/25",
		"  Tunnels: 2, vpcvpn-master preferred, vpcvpn-slave its backup; both stay up.",
		"TUNNEL vpcvpn-master (tun-opsqc4d97wni27a1), master",
		"TUNNEL vpcvpn-slave (tun-7h3z0f9lhyvk5b2), slave",
		"  Pre-shared key:               MasterKey-1a2b3c",
		"  Pre-shared key, hex:          0x4d61737465724b65792d316132623363",
		"  IKE (phase 1): IKEv2",
		"    Encryption:  AES-CBC-256",
		"                 IANA ENCR_AES_CBC (12), key length 256",
		"    Integrity:   HMAC-SHA2-256-128",
		"                 IANA AUTH_HMAC_SHA2_256_128 (12)",
		"    PRF:         HMAC-SHA2-256 (the integrity algorithm's hash)",
		"                 IANA PRF_HMAC_SHA2_256 (5)",
		"                 Cisco IOS sha256; Cisco ASA sha256; Huawei hmac-sha2-256; H3C sha256 (the others derive it from the integrity algorithm)",
		"    DH group:    MODP-2048 (group 14)",
		"                 IANA 2048-bit MODP Group (14)",
		"                 strongSwan modp2048; Libreswan modp2048; Cisco IOS 14; Cisco ASA 14; Junos group14; FortiOS 14; PAN-OS group14; Huawei group14; H3C group14; RouterOS modp2048; VyOS 14",
		"    Lifetime:    86400 s (24 h)",
		"    DPD:         every 10 s, peer dead after 3 unanswered tries (30 s)",
		"    Local ASN:            65010",
		"    Peer ASN:             45104",
		"    Local BGP address:    169.254.10.2 (on the tunnel interface, /30; policy-based devices: a /32 with its own selector pair)",
		"    Preference:           local preference 200 on routes learned here",
		"    Preference:           local preference 100 on routes learned here; advertise with your AS prepended twice",
	)
	v1 := mustRender(t, "generic", caseSingleV1(), Options{})
	wantLines(t, v1,
		"  IKE (phase 1): IKEv1, main mode",
		"                 IANA AES-CBC (7), key length 128",
		"                 IANA HMAC-MD5 (1)",
		"                 strongSwan modp1024; Cisco IOS 2; Cisco ASA 2; Junos group2; FortiOS 2; PAN-OS group2; Huawei group2; H3C group2; RouterOS modp1024; VyOS 2 (not available on Libreswan)",
		"    Lifetime:    86400 s (24 h) (proposed on the wire)",
	)
	if _, err := Render("generic", withIke(func(c *vpn.ViewIkeConfig) { c.IkeEncAlg = "sm4" }), Options{}); err == nil {
		t.Errorf("generic renders sm4")
	}
}
