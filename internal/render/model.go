package render

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Known input values. Anything else in the answer is refused before a device is
// consulted, so a template never sees a value it was not written for.
func knownVersions() []string { return []string{"ikev1", "ikev2"} }
func knownModes() []string    { return []string{"main", "aggressive"} }
func knownEnc() []string      { return []string{"aes", "aes192", "aes256", "des", "3des", "sm4"} }
func knownAuth() []string     { return []string{"md5", "sha1", "sha256", "sha384", "sha512", "sm3"} }
func knownIkePfs() []string   { return []string{"group1", "group2", "group5", "group14", "group24"} }
func knownIpsecPfs() []string {
	return []string{"disabled", "group1", "group2", "group5", "group14", "group24"}
}

// pskSpecials holds the punctuation of the documented PSK alphabet (API.md): letters, digits and
// ~!`@#$%^&*()_-+={}[]\|;:",.<>/? with no spaces.
const pskSpecials = "~!`@#$%^&*()_-+={}[]\\|;:\",.<>/?"

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// subnet is one CIDR of a subnet list, in the forms templates need.
type subnet struct {
	CIDR     string // 192.0.2.0/24
	Addr     string // 192.0.2.0
	Mask     string // 255.255.255.0
	Wildcard string // 0.0.0.255
	Bits     int    // 24
}

// pair is one (local, remote) subnet combination, numbered from 1.
type pair struct {
	Index  int
	Local  subnet
	Remote subnet
}

// ident is an IKE identity with its kind: "ip", "fqdn" or "user-fqdn".
type ident struct {
	Value string
	Kind  string
}

// bgp is one BGP session from the rendered side.
type bgp struct {
	LocalASN   string
	PeerASN    string
	LocalIP    string
	PeerIP     string
	Bits       int    // prefix length of TunnelCidr (30)
	Mask       string // netmask of TunnelCidr
	TunnelCidr string
	Local32    subnet // LocalIP/32
	Peer32     subnet // PeerIP/32
}

// tunnel is one tunnel of the rendered configuration, with every algorithm
// already translated to the device's keyword.
type tunnel struct {
	Name       string // connection name: vpcvpn, vpcvpn-master, vpcvpn-slave
	Role       string // "", master, slave
	Number     int    // 1 for single or master, 2 for slave
	TunnelID   string
	Local      string
	Remote     string
	IKEv2      bool
	Aggressive bool
	IKEEnc     string
	IKEAuth    string
	IKEDH      string
	IKEPRF     string // IKEv2 PRF keyword, for devices that set it apart
	IKELife    int64
	IKEWritten int64 // the IKE lifetime value the device writes (IKELife unless the device maps it)
	IKERekey   int64 // 0.9 * IKELife, strongSwan rekey_time
	IKEOver    int64 // IKELife - IKERekey, strongSwan over_time
	LocalID    ident
	RemoteID   string
	RemoteIDK  string // kind of RemoteID
	PSK        string // as the device must write it
	ESPEnc     string
	ESPAuth    string
	PFS        bool
	PFSGroup   string // device keyword, empty when PFS is off
	ESPLife    int64
	ESPRekey   int64 // 0.9 * ESPLife
	Margin     int64 // 0.1 * min(IKELife, ESPLife): ipsec.conf margintime
	Priority   int   // policy priority: lower is preferred (100 master, 200 slave)
	BGP        *bgp
	Backup     bool // this tunnel is the backup of a rendered pair
	// BGPPair is the selector pair of the BGP addresses (nil without BGP).
	BGPPair *pair
	// Children are the CHILD_SAs of the tunnel: one per subnet pair for
	// IKEv1 (one selector pair per SA), one with all subnets for IKEv2.
	Children []child
	Raw      rawTunnel
}

// child is one CHILD_SA (strongSwan) or conn (ipsec.conf) of a tunnel.
type child struct {
	Name     string
	Index    int // from 1
	LocalTS  []subnet
	RemoteTS []subnet
	ReqID    int // 100 * tunnel number + index
}

// rawTunnel keeps the answer's values of a tunnel for checks across tunnels.
type rawTunnel struct {
	Ike   vpn.ViewIkeConfig
	Ipsec vpn.ViewIpsecConfig
}

// model is what every template receives.
type model struct {
	Device        Device
	Cloud         bool // rendered for the VPN gateway (cloud side)
	LocalSubnets  []subnet
	RemoteSubnets []subnet
	Pairs         []pair
	Tunnels       []tunnel
	Dual          bool // two tunnels rendered, the second as backup
	AnyOnly       bool // the only subnet pair is 0.0.0.0/0 to 0.0.0.0/0
	// Bypass, on a Linux customer side (Device.bypass) whose policies send
	// every packet of the local subnets into the tunnel (a remote subnet is
	// 0.0.0.0/0), holds the pass policies that keep the host reachable; nil
	// otherwise, and for route-based (BGP) Libreswan, whose XFRM interfaces
	// only take what is routed into them.
	Bypass *bypass
	// AnyRemote: a remote subnet is 0.0.0.0/0.
	AnyRemote bool
	BGP       bool
	LocalASN  string // the rendered side's ASN when BGP is on
}

// bypass is what stays out of the tunnel when the far side is 0.0.0.0/0.
type bypass struct {
	// LAN are the local subnets, kept local (selectors LAN <-> LAN); empty
	// when a local subnet is 0.0.0.0/0: the host's LAN cannot be derived.
	LAN []subnet
	// Hosts are this host's own tunnel addresses (/32) that lie inside a
	// local subnet: their traffic to any address stays out of the tunnel
	// (management sessions to the public address, the host's own traffic).
	Hosts []subnet
}

// sideTunnel is a tunnel before device translation.
type sideTunnel struct {
	role     string
	id       string
	local    string
	remote   string
	ike      vpn.ViewIkeConfig
	ipsec    vpn.ViewIpsecConfig
	bgp      *vpn.ViewBgpConfig
	hasIke   bool
	hasIpsec bool
}

// selectTunnels picks the tunnels of cfg that opt asks for, in order.
func selectTunnels(cfg vpn.ConnectionConfig, which string) ([]sideTunnel, error) {
	var out []sideTunnel
	var bgps []vpn.ViewBgpConfig
	if cfg.BgpConfigs != nil {
		bgps = cfg.BgpConfigs.BgpConfig
	}
	if cfg.TunnelsConfig != nil && len(cfg.TunnelsConfig.TunnelConfig) > 0 {
		tcs := cfg.TunnelsConfig.TunnelConfig
		if len(tcs) != 2 {
			return nil, fmt.Errorf("render: a dual-tunnel connection has 2 tunnels, got %d", len(tcs))
		}
		roles := []string{"master", "slave"}
		for i, tc := range tcs {
			st := sideTunnel{role: roles[i], id: tc.TunnelId, local: tc.Local, remote: tc.Remote}
			if tc.IkeConfig != nil {
				st.ike, st.hasIke = *tc.IkeConfig, true
			}
			if tc.IpsecConfig != nil {
				st.ipsec, st.hasIpsec = *tc.IpsecConfig, true
			}
			for j := range bgps {
				if bgps[j].TunnelId == tc.TunnelId {
					b := bgps[j]
					st.bgp = &b
				}
			}
			if len(bgps) > 0 && st.bgp == nil {
				return nil, fmt.Errorf("render: BgpConfigs has no entry for tunnel %q", tc.TunnelId)
			}
			out = append(out, st)
		}
		switch which {
		case "":
		case "master":
			out = out[:1]
		case "slave":
			out = out[1:]
		default:
			return nil, fmt.Errorf("render: Tunnel %q is not one of \"\", \"master\", \"slave\"", which)
		}
		return out, nil
	}
	switch which {
	case "":
	case "master", "slave":
		return nil, fmt.Errorf("render: Tunnel %q asked for a single-tunnel connection", which)
	default:
		return nil, fmt.Errorf("render: Tunnel %q is not one of \"\", \"master\", \"slave\"", which)
	}
	st := sideTunnel{local: cfg.Local, remote: cfg.Remote}
	if cfg.IkeConfig != nil {
		st.ike, st.hasIke = *cfg.IkeConfig, true
	}
	if cfg.IpsecConfig != nil {
		st.ipsec, st.hasIpsec = *cfg.IpsecConfig, true
	}
	if len(bgps) > 1 {
		return nil, fmt.Errorf("render: a single-tunnel connection has at most 1 BgpConfig, got %d", len(bgps))
	}
	if len(bgps) == 1 {
		b := bgps[0]
		st.bgp = &b
	}
	return []sideTunnel{st}, nil
}

// swapToCloud turns the customer-side answer into the gateway's view: local and
// remote addresses, subnets, ids, ASNs and BGP addresses change places.
func swapToCloud(cfg vpn.ConnectionConfig) vpn.ConnectionConfig {
	out := cfg
	out.Local, out.Remote = cfg.Remote, cfg.Local
	out.LocalSubnet, out.RemoteSubnet = cfg.RemoteSubnet, cfg.LocalSubnet
	swapIke := func(ic *vpn.ViewIkeConfig) *vpn.ViewIkeConfig {
		if ic == nil {
			return nil
		}
		c := *ic
		c.LocalId, c.RemoteId = ic.RemoteId, ic.LocalId
		return &c
	}
	out.IkeConfig = swapIke(cfg.IkeConfig)
	if cfg.TunnelsConfig != nil {
		tc := &vpn.TunnelsConfig{}
		for _, t := range cfg.TunnelsConfig.TunnelConfig {
			t.Local, t.Remote = t.Remote, t.Local
			t.IkeConfig = swapIke(t.IkeConfig)
			tc.TunnelConfig = append(tc.TunnelConfig, t)
		}
		out.TunnelsConfig = tc
	}
	if cfg.BgpConfigs != nil {
		bc := &vpn.BgpConfigs{}
		for _, b := range cfg.BgpConfigs.BgpConfig {
			b.LocalAsn, b.PeerAsn = b.PeerAsn, b.LocalAsn
			b.LocalBgpIp, b.PeerBgpIp = b.PeerBgpIp, b.LocalBgpIp
			bc.BgpConfig = append(bc.BgpConfig, b)
		}
		out.BgpConfigs = bc
	}
	return out
}

// parseSubnets parses a comma-separated CIDR list (at least one entry).
func parseSubnets(field, list string) ([]subnet, error) {
	if strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf("render: %s is empty", field)
	}
	var out []subnet
	for _, part := range strings.Split(list, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(part))
		if err != nil || !p.Addr().Is4() {
			return nil, fmt.Errorf("render: %s entry %q is not an IPv4 CIDR", field, part)
		}
		if p.Masked() != p {
			return nil, fmt.Errorf("render: %s entry %q has host bits set", field, part)
		}
		out = append(out, makeSubnet(p))
	}
	return out, nil
}

func makeSubnet(p netip.Prefix) subnet {
	bits := p.Bits()
	var m uint32
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return subnet{CIDR: p.String(), Addr: p.Addr().String(), Mask: dotted(m), Wildcard: dotted(^m), Bits: bits}
}

func dotted(v uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff)
}

// checkAddr refuses anything but a literal IPv4 address.
func checkAddr(field, v string) error {
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is4() {
		return fmt.Errorf("render: %s %q is not an IPv4 address", field, v)
	}
	return nil
}

// classifyID returns the kind of an IKE identity, refusing anything that is
// not an IPv4 address, a host name (letters, digits, '.', '-') or
// user@host-name.
func classifyID(field, v string) (ident, error) {
	if v == "" {
		return ident{}, fmt.Errorf("render: %s is empty", field)
	}
	if len(v) > 100 {
		return ident{}, fmt.Errorf("render: %s is longer than 100 characters", field)
	}
	if a, err := netip.ParseAddr(v); err == nil && a.Is4() {
		return ident{Value: v, Kind: "ip"}, nil
	}
	host := v
	kind := "fqdn"
	if i := strings.IndexByte(v, '@'); i >= 0 {
		user := v[:i]
		host = v[i+1:]
		kind = "user-fqdn"
		if user == "" || !isHostChars(user) {
			return ident{}, fmt.Errorf("render: %s %q is not an IPv4 address, host name or user@host name", field, v)
		}
	}
	if host == "" || !isHostChars(host) || strings.HasPrefix(host, "-") || strings.HasPrefix(host, ".") {
		return ident{}, fmt.Errorf("render: %s %q is not an IPv4 address, host name or user@host name", field, v)
	}
	return ident{Value: v, Kind: kind}, nil
}

func isHostChars(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// checkPSK refuses a PSK outside the documented alphabet, then any character
// the device cannot carry.
func checkPSK(d Device, psk string) error {
	if psk == "" {
		return fmt.Errorf("render: Psk is empty")
	}
	if len(psk) > 100 {
		return fmt.Errorf("render: Psk is longer than 100 characters")
	}
	for _, r := range psk {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(pskSpecials, r)
		if !ok {
			// Never echo the key itself: name the character only.
			return fmt.Errorf("render: Psk contains the character %q, which is not in the documented PSK alphabet", r)
		}
		if strings.ContainsRune(d.RefusedPSKChars, r) {
			return fmt.Errorf("render: device %s cannot carry the character %q in Psk", d.ID, r)
		}
	}
	return nil
}

const tunnelIDChars = "abcdefghijklmnopqrstuvwxyz0123456789-"

func checkTunnelID(v string) error {
	if len(v) > 64 {
		return fmt.Errorf("render: TunnelId %q is too long", v)
	}
	for _, r := range v {
		if !strings.ContainsRune(tunnelIDChars, r) {
			return fmt.Errorf("render: TunnelId %q has characters other than a-z, 0-9 and '-'", v)
		}
	}
	return nil
}

func checkASN(field, v string) error {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != v {
		return fmt.Errorf("render: %s %q is not an ASN (1-4294967295)", field, v)
	}
	return nil
}

// buildBGP validates one BgpConfig: TunnelCidr a /30 (or /29../31), both
// addresses usable and distinct inside it.
func buildBGP(b vpn.ViewBgpConfig) (*bgp, error) {
	if err := checkASN("LocalAsn", b.LocalAsn); err != nil {
		return nil, err
	}
	if err := checkASN("PeerAsn", b.PeerAsn); err != nil {
		return nil, err
	}
	p, err := netip.ParsePrefix(b.TunnelCidr)
	if err != nil || !p.Addr().Is4() || p.Masked() != p || p.Bits() < 24 || p.Bits() > 30 {
		return nil, fmt.Errorf("render: TunnelCidr %q is not an IPv4 network of /24 to /30", b.TunnelCidr)
	}
	for _, f := range []struct{ name, v string }{{"LocalBgpIp", b.LocalBgpIp}, {"PeerBgpIp", b.PeerBgpIp}} {
		a, err := netip.ParseAddr(f.v)
		if err != nil || !a.Is4() || !p.Contains(a) {
			return nil, fmt.Errorf("render: %s %q is not an IPv4 address inside TunnelCidr %s", f.name, f.v, b.TunnelCidr)
		}
	}
	if b.LocalBgpIp == b.PeerBgpIp {
		return nil, fmt.Errorf("render: LocalBgpIp and PeerBgpIp are both %s", b.LocalBgpIp)
	}
	s := makeSubnet(p)
	host := func(a string) subnet { return makeSubnet(netip.PrefixFrom(netip.MustParseAddr(a), 32)) }
	return &bgp{LocalASN: b.LocalAsn, PeerASN: b.PeerAsn, LocalIP: b.LocalBgpIp, PeerIP: b.PeerBgpIp,
		Bits: s.Bits, Mask: s.Mask, TunnelCidr: s.CIDR, Local32: host(b.LocalBgpIp), Peer32: host(b.PeerBgpIp)}, nil
}

// cannot is the error for a valid value a device has no way to write.
func cannot(d Device, field string, v any) error {
	switch x := v.(type) {
	case string:
		return fmt.Errorf("render: device %s cannot express %s %q", d.ID, field, x)
	default:
		return fmt.Errorf("render: device %s cannot express %s %v", d.ID, field, x)
	}
}

// translate checks one tunnel's values and maps them to d's keywords.
func translate(d Device, st sideTunnel, name string, number int) (tunnel, error) {
	if !st.hasIke {
		return tunnel{}, fmt.Errorf("render: tunnel %s has no IkeConfig", name)
	}
	if !st.hasIpsec {
		return tunnel{}, fmt.Errorf("render: tunnel %s has no IpsecConfig", name)
	}
	ike, ips := st.ike, st.ipsec
	if err := checkTunnelID(st.id); err != nil {
		return tunnel{}, err
	}
	if err := checkAddr("Local", st.local); err != nil {
		return tunnel{}, err
	}
	if err := checkAddr("Remote", st.remote); err != nil {
		return tunnel{}, err
	}
	// Known-value checks first: an unknown value is an input error whatever the device.
	for _, c := range []struct {
		field, v string
		set      []string
	}{
		{"IkeVersion", ike.IkeVersion, knownVersions()},
		{"IkeMode", ike.IkeMode, knownModes()},
		{"IkeEncAlg", ike.IkeEncAlg, knownEnc()},
		{"IkeAuthAlg", ike.IkeAuthAlg, knownAuth()},
		{"IkePfs", ike.IkePfs, knownIkePfs()},
		{"IpsecEncAlg", ips.IpsecEncAlg, knownEnc()},
		{"IpsecAuthAlg", ips.IpsecAuthAlg, knownAuth()},
		{"IpsecPfs", ips.IpsecPfs, knownIpsecPfs()},
	} {
		if !contains(c.set, c.v) {
			return tunnel{}, fmt.Errorf("render: %s %q is not a known value (one of %s)", c.field, c.v, strings.Join(c.set, ", "))
		}
	}
	for _, l := range []struct {
		field string
		v     int64
	}{{"IkeLifetime", ike.IkeLifetime}, {"IpsecLifetime", ips.IpsecLifetime}} {
		if l.v < 0 || l.v > 86400 {
			return tunnel{}, fmt.Errorf("render: %s %d is outside 0-86400", l.field, l.v)
		}
	}
	localID, err := classifyID("LocalId", ike.LocalId)
	if err != nil {
		return tunnel{}, err
	}
	remoteID, err := classifyID("RemoteId", ike.RemoteId)
	if err != nil {
		return tunnel{}, err
	}
	if err := checkPSK(d, ike.Psk); err != nil {
		return tunnel{}, err
	}

	v2 := ike.IkeVersion == "ikev2"
	if !contains(d.IKEVersions, ike.IkeVersion) {
		return tunnel{}, cannot(d, "IkeVersion", ike.IkeVersion)
	}
	if ike.IkeMode == "aggressive" {
		if v2 {
			return tunnel{}, fmt.Errorf("render: IkeMode \"aggressive\" is IKEv1 only, IkeVersion is \"ikev2\"")
		}
		if !d.Aggressive {
			return tunnel{}, cannot(d, "IkeMode", ike.IkeMode)
		}
	}
	kw := d.kw(v2)
	t := tunnel{Name: name, Role: st.role, Number: number, TunnelID: st.id, Local: st.local, Remote: st.remote,
		IKEv2: v2, Aggressive: ike.IkeMode == "aggressive", LocalID: localID, RemoteID: remoteID.Value,
		RemoteIDK: remoteID.Kind, Raw: rawTunnel{Ike: ike, Ipsec: ips}}
	lookups := []struct {
		field, v string
		m        map[string]string
		dst      *string
	}{
		{"IkeEncAlg", ike.IkeEncAlg, kw.IKEEnc, &t.IKEEnc},
		{"IkeAuthAlg", ike.IkeAuthAlg, kw.IKEAuth, &t.IKEAuth},
		{"IkePfs", ike.IkePfs, kw.DH, &t.IKEDH},
		{"IpsecEncAlg", ips.IpsecEncAlg, kw.ESPEnc, &t.ESPEnc},
		{"IpsecAuthAlg", ips.IpsecAuthAlg, kw.ESPAuth, &t.ESPAuth},
	}
	if ips.IpsecPfs != "disabled" {
		t.PFS = true
		lookups = append(lookups, struct {
			field, v string
			m        map[string]string
			dst      *string
		}{"IpsecPfs", ips.IpsecPfs, kw.PFS, &t.PFSGroup})
	}
	if kw.PRF != nil {
		t.IKEPRF = kw.PRF[ike.IkeAuthAlg]
	}
	for _, l := range lookups {
		k, ok := l.m[l.v]
		if !ok {
			err := cannot(d, l.field, l.v)
			if d.why != nil {
				if reason := d.why(l.field, l.v, v2); reason != "" {
					err = fmt.Errorf("%w (%s)", err, reason)
				}
			}
			return tunnel{}, err
		}
		*l.dst = k
	}
	if ike.IkeLifetime < d.IKELife[0] || ike.IkeLifetime > d.IKELife[1] {
		return tunnel{}, fmt.Errorf("render: device %s cannot express IkeLifetime %d (range %d-%d)", d.ID, ike.IkeLifetime, d.IKELife[0], d.IKELife[1])
	}
	if ips.IpsecLifetime < d.IPsecLife[0] || ips.IpsecLifetime > d.IPsecLife[1] {
		return tunnel{}, fmt.Errorf("render: device %s cannot express IpsecLifetime %d (range %d-%d)", d.ID, ips.IpsecLifetime, d.IPsecLife[0], d.IPsecLife[1])
	}
	t.IKELife = ike.IkeLifetime
	t.IKEWritten = ike.IkeLifetime
	if d.ikeLife != nil {
		w, err := d.ikeLife(ike.IkeLifetime)
		if err != nil {
			return tunnel{}, fmt.Errorf("render: device %s cannot express IkeLifetime %d (%v)", d.ID, ike.IkeLifetime, err)
		}
		t.IKEWritten = w
	}
	t.IKERekey = ike.IkeLifetime * 9 / 10
	t.IKEOver = ike.IkeLifetime - t.IKERekey
	t.ESPLife = ips.IpsecLifetime
	t.ESPRekey = ips.IpsecLifetime * 9 / 10
	t.Margin = min(t.IKELife, t.ESPLife) - min(t.IKERekey, t.ESPRekey)
	if d.ids != nil {
		if err := d.ids(d, &t); err != nil {
			return tunnel{}, err
		}
	}
	t.PSK = ike.Psk
	if d.encodePSK != nil {
		t.PSK = d.encodePSK(ike.Psk)
	}
	t.Priority = 100 * number
	if st.bgp != nil {
		b, err := buildBGP(*st.bgp)
		if err != nil {
			return tunnel{}, err
		}
		t.BGP = b
	}
	return t, nil
}

// build validates cfg and produces the template model for device d.
func build(d Device, cfg vpn.ConnectionConfig, which string, cloud bool) (*model, error) {
	sts, err := selectTunnels(cfg, which)
	if err != nil {
		return nil, err
	}
	m := &model{Device: d, Cloud: cloud}
	if m.LocalSubnets, err = parseSubnets("LocalSubnet", cfg.LocalSubnet); err != nil {
		return nil, err
	}
	if m.RemoteSubnets, err = parseSubnets("RemoteSubnet", cfg.RemoteSubnet); err != nil {
		return nil, err
	}
	for _, l := range m.LocalSubnets {
		for _, r := range m.RemoteSubnets {
			m.Pairs = append(m.Pairs, pair{Index: len(m.Pairs) + 1, Local: l, Remote: r})
		}
	}
	m.AnyOnly = len(m.Pairs) == 1 && m.Pairs[0].Local.CIDR == "0.0.0.0/0" && m.Pairs[0].Remote.CIDR == "0.0.0.0/0"
	for i, st := range sts {
		name, number := "vpcvpn", 1
		if st.role != "" {
			name = "vpcvpn-" + st.role
			if st.role == "slave" {
				number = 2
			}
		}
		t, err := translate(d, st, name, number)
		if err != nil {
			return nil, err
		}
		t.Backup = i > 0
		t.Children = children(t, m)
		t.BGPPair = bgpPair(t)
		m.Tunnels = append(m.Tunnels, t)
	}
	m.Dual = len(m.Tunnels) == 2
	if m.Dual && d.noDual {
		return nil, fmt.Errorf("render: device %s cannot express both tunnels in one configuration; render Tunnel \"master\" and \"slave\" separately", d.ID)
	}
	m.BGP = m.Tunnels[0].BGP != nil
	if d.needsBGP && !m.BGP {
		return nil, fmt.Errorf("render: device %s needs a connection with BgpConfigs (it writes the BGP part only; enable BGP on the connection, or pick an IPsec device)", d.ID)
	}
	if m.BGP {
		if !d.BGP {
			return nil, fmt.Errorf("render: device %s cannot express BgpConfigs (its template is policy-based, with no tunnel interface)", d.ID)
		}
		m.LocalASN = m.Tunnels[0].BGP.LocalASN
		for _, t := range m.Tunnels[1:] {
			if t.BGP.LocalASN != m.LocalASN {
				return nil, fmt.Errorf("render: tunnels have different LocalAsn %s and %s", m.LocalASN, t.BGP.LocalASN)
			}
		}
	}
	if d.RouteBasedAnyOnly {
		for _, s := range append(append([]subnet{}, m.LocalSubnets...), m.RemoteSubnets...) {
			if s.CIDR != "0.0.0.0/0" {
				return nil, fmt.Errorf("render: device %s cannot express subnet %q (its tunnel interface negotiates 0.0.0.0/0 only; set both subnet lists of the connection to 0.0.0.0/0)", d.ID, s.CIDR)
			}
		}
	}
	if d.anyOnlyBGP && m.BGP {
		for _, s := range append(append([]subnet{}, m.LocalSubnets...), m.RemoteSubnets...) {
			if s.CIDR != "0.0.0.0/0" {
				return nil, fmt.Errorf("render: device %s cannot express subnet %q with BgpConfigs (%s; set both subnet lists of the connection to 0.0.0.0/0, or render without BGP)", d.ID, s.CIDR, d.anyOnlyWhy)
			}
		}
	}
	for _, s := range m.RemoteSubnets {
		m.AnyRemote = m.AnyRemote || s.Bits == 0
	}
	if d.bypass && !cloud && !(d.anyOnlyBGP && m.BGP) {
		m.Bypass = bypassOf(m)
	}
	if m.Dual && d.sharedSA {
		if err := checkShared(d, m.Tunnels[0], m.Tunnels[1]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// bypassOf returns the pass policies of m when a remote subnet is 0.0.0.0/0,
// else nil.
func bypassOf(m *model) *bypass {
	anyRemote := false
	for _, s := range m.RemoteSubnets {
		anyRemote = anyRemote || s.Bits == 0
	}
	if !anyRemote {
		return nil
	}
	b := &bypass{}
	anyLocal := false
	for _, s := range m.LocalSubnets {
		anyLocal = anyLocal || s.Bits == 0
	}
	if !anyLocal {
		b.LAN = m.LocalSubnets
	}
	seen := map[string]bool{}
	for _, t := range m.Tunnels {
		a, err := netip.ParseAddr(t.Local)
		if err != nil || seen[t.Local] {
			continue
		}
		for _, s := range m.LocalSubnets {
			if netip.MustParsePrefix(s.CIDR).Contains(a) {
				seen[t.Local] = true
				b.Hosts = append(b.Hosts, subnet{CIDR: t.Local + "/32", Addr: t.Local, Mask: "255.255.255.255", Wildcard: "0.0.0.0", Bits: 32})
				break
			}
		}
	}
	return b
}

// children returns the CHILD_SAs of tunnel t (strongSwan): one per subnet
// pair for IKEv1 (one selector pair per SA), one with all subnets for IKEv2.
// With BGP the tunnel's BGP addresses are selectors of their own (policy-based
// BGP: the session runs between the two /32s through the tunnel): IKEv2 puts
// them in front of the subnets of its one CHILD_SA, IKEv1 gets a CHILD_SA
// <name>-bgp for them.
func children(t tunnel, m *model) []child {
	if t.IKEv2 {
		local, remote := m.LocalSubnets, m.RemoteSubnets
		if t.BGP != nil {
			local = append([]subnet{t.BGP.Local32}, local...)
			remote = append([]subnet{t.BGP.Peer32}, remote...)
		}
		return []child{{Name: t.Name, Index: 1, LocalTS: local, RemoteTS: remote, ReqID: 100*t.Number + 1}}
	}
	var out []child
	for _, p := range m.Pairs {
		out = append(out, child{Name: childName(t, p.Index, len(m.Pairs)), Index: p.Index,
			LocalTS: []subnet{p.Local}, RemoteTS: []subnet{p.Remote}, ReqID: 100*t.Number + p.Index})
	}
	if t.BGP != nil {
		i := len(m.Pairs) + 1
		out = append(out, child{Name: t.Name + "-bgp", Index: i, LocalTS: []subnet{t.BGP.Local32},
			RemoteTS: []subnet{t.BGP.Peer32}, ReqID: 100*t.Number + i})
	}
	return out
}

// bgpPair is the selector pair of tunnel t's BGP addresses (nil without BGP):
// the devices that write selectors per pair (Junos traffic selectors, PAN-OS
// proxy-ids, FortiOS phase 2) add it when the subnets are not 0.0.0.0/0, or the
// BGP session's packets would match no SA.
func bgpPair(t tunnel) *pair {
	if t.BGP == nil {
		return nil
	}
	return &pair{Index: 0, Local: t.BGP.Local32, Remote: t.BGP.Peer32}
}

// checkShared applies to devices that render both tunnels as one policy entry
// with a primary and a backup peer: everything but the peer must match.
func checkShared(d Device, a, b tunnel) error {
	msg := "render: device %s cannot express two tunnels with different %s in one policy entry; render them one at a time with Tunnel \"master\" and \"slave\""
	switch {
	case a.Local != b.Local:
		return fmt.Errorf(msg, d.ID, "Local addresses")
	case a.Raw.Ipsec != b.Raw.Ipsec:
		return fmt.Errorf(msg, d.ID, "IpsecConfig")
	}
	ia, ib := a.Raw.Ike, b.Raw.Ike
	ia.Psk, ib.Psk, ia.RemoteId, ib.RemoteId = "", "", "", ""
	if ia != ib {
		return fmt.Errorf(msg, d.ID, "IkeConfig (other than Psk and RemoteId)")
	}
	return nil
}
