package render

import (
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

func TestDevicesRegistry(t *testing.T) {
	want := []string{"cisco-asa", "cisco-ios", "cisco-ios-vti", "fortinet-fortios", "frr", "generic", "h3c-secpath", "huawei-usg",
		"juniper-srx", "libreswan", "mikrotik-routeros", "paloalto-panos", "strongswan-ipsec", "strongswan-swanctl", "vyos"}
	ds := Devices()
	var got []string
	for _, d := range ds {
		got = append(got, d.ID)
		if len(d.Files) == 0 || len(d.Files) != len(d.files) {
			t.Errorf("%s: Files %v and templates %v differ in length", d.ID, d.Files, d.files)
		}
		if d.Vendor == "" || d.Platform == "" || d.Software == "" || d.Notes == "" || d.Backup == "" {
			t.Errorf("%s: descriptive fields must all be set", d.ID)
		}
		if d.IKELife[0] < 1 || d.IKELife[1] != 86400 || d.IPsecLife[0] < 1 || d.IPsecLife[1] != 86400 {
			t.Errorf("%s: lifetime ranges %v %v", d.ID, d.IKELife, d.IPsecLife)
		}
		if !strings.Contains(d.RefusedPSKChars, `"`) && d.encodePSK == nil {
			t.Errorf("%s: neither refuses nor encodes '\"' in PSKs", d.ID)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Devices() = %v, want %v", got, want)
	}
	// A fresh copy on every call: changing one must not change the next.
	ds[0].ID = "changed"
	ds[0].kw1.IKEEnc["aes"] = "changed"
	again := Devices()
	if again[0].ID != "cisco-asa" || again[0].kw1.IKEEnc["aes"] != "aes" {
		t.Fatalf("Devices() shares state between calls")
	}
}

// TestKeywordTables pins every device's keyword for each answer value. An
// empty want means the device must refuse the value.
func TestKeywordTables(t *testing.T) {
	type row struct {
		ver, field, value, want string
	}
	tables := map[string][]row{
		"strongswan-swanctl": {
			{"ikev1", "IkeEncAlg", "aes", "aes128"}, {"ikev1", "IkeEncAlg", "aes192", "aes192"}, {"ikev1", "IkeEncAlg", "aes256", "aes256"},
			{"ikev1", "IkeEncAlg", "des", "des"}, {"ikev1", "IkeEncAlg", "3des", "3des"}, {"ikev1", "IkeEncAlg", "sm4", ""},
			{"ikev1", "IkeAuthAlg", "md5", "md5"}, {"ikev1", "IkeAuthAlg", "sha1", "sha1"}, {"ikev1", "IkeAuthAlg", "sha256", "sha256"},
			{"ikev1", "IkeAuthAlg", "sha384", "sha384"}, {"ikev1", "IkeAuthAlg", "sha512", "sha512"}, {"ikev1", "IkeAuthAlg", "sm3", ""},
			{"ikev1", "IkePfs", "group1", "modp768"}, {"ikev1", "IkePfs", "group2", "modp1024"}, {"ikev1", "IkePfs", "group5", "modp1536"},
			{"ikev1", "IkePfs", "group14", "modp2048"}, {"ikev1", "IkePfs", "group24", "modp2048s256"},
			{"ikev2", "IpsecPfs", "group24", "modp2048s256"}, {"ikev2", "IpsecEncAlg", "sm4", ""}, {"ikev2", "IpsecAuthAlg", "sm3", ""},
		},
		"strongswan-ipsec": {
			{"ikev1", "IkeEncAlg", "aes", "aes128"}, {"ikev2", "IkePfs", "group24", "modp2048s256"}, {"ikev1", "IpsecAuthAlg", "sha1", "sha1"},
		},
		"libreswan": {
			{"ikev1", "IkeEncAlg", "aes", "aes128"}, {"ikev1", "IkeEncAlg", "des", ""}, {"ikev1", "IkeEncAlg", "3des", "3des"},
			{"ikev1", "IkeAuthAlg", "sha256", "sha2_256"}, {"ikev1", "IkeAuthAlg", "sha384", "sha2_384"}, {"ikev1", "IkeAuthAlg", "sha512", "sha2_512"},
			{"ikev1", "IkePfs", "group1", ""}, {"ikev1", "IkePfs", "group2", ""}, {"ikev1", "IkePfs", "group5", "modp1536"},
			{"ikev1", "IkePfs", "group14", "modp2048"}, {"ikev1", "IkePfs", "group24", ""}, {"ikev2", "IpsecPfs", "group2", ""},
		},
		"cisco-ios": {
			{"ikev1", "IkeEncAlg", "aes", "aes"}, {"ikev1", "IkeEncAlg", "aes192", "aes 192"}, {"ikev1", "IkeEncAlg", "aes256", "aes 256"},
			{"ikev1", "IkeAuthAlg", "sha1", "sha"}, {"ikev1", "IkePfs", "group24", "24"},
			{"ikev2", "IkeEncAlg", "aes", "aes-cbc-128"}, {"ikev2", "IkeEncAlg", "aes256", "aes-cbc-256"}, {"ikev2", "IkeAuthAlg", "sha1", "sha1"},
			{"ikev1", "IpsecEncAlg", "aes192", "esp-aes 192"}, {"ikev1", "IpsecAuthAlg", "sha1", "esp-sha-hmac"},
			{"ikev1", "IpsecAuthAlg", "sha256", "esp-sha256-hmac"}, {"ikev1", "IpsecPfs", "group14", "group14"}, {"ikev1", "IkeEncAlg", "sm4", ""},
		},
		"cisco-ios-vti": {
			{"ikev2", "IkeEncAlg", "aes192", "aes-cbc-192"}, {"ikev1", "IpsecEncAlg", "3des", "esp-3des"},
		},
		"cisco-asa": {
			{"ikev1", "IkeEncAlg", "aes256", "aes-256"}, {"ikev1", "IkeAuthAlg", "sha1", "sha"}, {"ikev1", "IkeAuthAlg", "sha256", ""},
			{"ikev1", "IpsecEncAlg", "aes192", "esp-aes-192"}, {"ikev1", "IpsecAuthAlg", "sha256", ""}, {"ikev1", "IpsecAuthAlg", "sha1", "esp-sha-hmac"},
			{"ikev2", "IkeAuthAlg", "sha256", "sha256"}, {"ikev2", "IpsecEncAlg", "aes", "aes"}, {"ikev2", "IpsecAuthAlg", "sha1", "sha-1"},
			{"ikev2", "IpsecAuthAlg", "sha512", "sha-512"}, {"ikev2", "IkePfs", "group24", "24"}, {"ikev2", "IpsecPfs", "group5", "group5"},
		},
		"juniper-srx": {
			{"ikev1", "IkeEncAlg", "aes", "aes-128-cbc"}, {"ikev1", "IkeEncAlg", "des", "des-cbc"}, {"ikev1", "IkeEncAlg", "3des", "3des-cbc"},
			{"ikev1", "IkeAuthAlg", "sha256", "sha-256"}, {"ikev1", "IkePfs", "group24", "group24"},
			{"ikev1", "IpsecAuthAlg", "md5", "hmac-md5-96"}, {"ikev1", "IpsecAuthAlg", "sha1", "hmac-sha1-96"},
			{"ikev1", "IpsecAuthAlg", "sha256", "hmac-sha-256-128"}, {"ikev2", "IkeEncAlg", "sm4", ""},
			{"ikev1", "IkeAuthAlg", "sha512", ""}, {"ikev2", "IpsecAuthAlg", "sha512", ""}, {"ikev1", "IpsecAuthAlg", "sha384", "hmac-sha-384-192"},
		},
		"fortinet-fortios": {
			{"ikev1", "IkeEncAlg", "aes", "aes128"}, {"ikev1", "IkeAuthAlg", "sha256", "sha256"}, {"ikev1", "IkePfs", "group14", "14"},
			{"ikev1", "IkePfs", "group24", ""}, {"ikev2", "IpsecPfs", "group24", ""},
		},
		"paloalto-panos": {
			{"ikev1", "IkeEncAlg", "aes", "aes-128-cbc"}, {"ikev1", "IkeEncAlg", "3des", "3des"}, {"ikev1", "IkePfs", "group2", "group2"},
			{"ikev1", "IkePfs", "group24", ""}, {"ikev1", "IpsecAuthAlg", "sha384", "sha384"},
		},
		"huawei-usg": {
			{"ikev1", "IkeEncAlg", "aes", "aes-128"}, {"ikev1", "IkeAuthAlg", "sha256", "sha2-256"}, {"ikev1", "IkePfs", "group24", ""},
			{"ikev2", "IkeAuthAlg", "sha1", "hmac-sha1-96"}, {"ikev2", "IkeAuthAlg", "sha512", "hmac-sha2-512"},
			{"ikev1", "IpsecPfs", "group14", "dh-group14"}, {"ikev1", "IpsecEncAlg", "sm4", ""},
		},
		"generic": {
			{"ikev1", "IkeEncAlg", "aes", "AES-CBC-128"}, {"ikev2", "IkeAuthAlg", "sha256", "HMAC-SHA2-256-128"}, {"ikev1", "IkePfs", "group24", "MODP-2048-256 (group 24)"},
			{"ikev2", "IpsecEncAlg", "3des", "3DES-CBC"}, {"ikev1", "IkeEncAlg", "sm4", ""}, {"ikev2", "IpsecAuthAlg", "sm3", ""},
		},
		"frr": {
			{"ikev1", "IkeEncAlg", "aes", "aes"}, {"ikev2", "IpsecAuthAlg", "sha512", "sha512"}, {"ikev1", "IkePfs", "group24", "group24"},
			{"ikev1", "IkeEncAlg", "sm4", ""}, {"ikev2", "IpsecAuthAlg", "sm3", ""},
		},
		"h3c-secpath": {
			{"ikev1", "IkeEncAlg", "aes", "aes-cbc-128"}, {"ikev1", "IkeAuthAlg", "sha1", "sha"}, {"ikev2", "IkeAuthAlg", "sha1", "sha1"},
			{"ikev1", "IkePfs", "group24", "group24"}, {"ikev2", "IkePfs", "group14", "group14"}, {"ikev1", "IpsecPfs", "group2", "dh-group2"},
			{"ikev1", "IpsecEncAlg", "des", "des-cbc"}, {"ikev1", "IpsecAuthAlg", "sm3", ""},
		},
		"mikrotik-routeros": {
			{"ikev1", "IkeEncAlg", "aes", "aes-128"}, {"ikev1", "IpsecEncAlg", "aes", "aes-128-cbc"}, {"ikev1", "IkePfs", "group2", "modp1024"},
			{"ikev1", "IkePfs", "group24", ""}, {"ikev1", "IpsecAuthAlg", "sha384", ""}, {"ikev1", "IkeAuthAlg", "sha384", "sha384"},
		},
		"vyos": {
			{"ikev1", "IkeEncAlg", "aes", "aes128"}, {"ikev1", "IkeEncAlg", "des", ""}, {"ikev1", "IkePfs", "group24", "24"},
			{"ikev1", "IpsecPfs", "group2", "dh-group2"}, {"ikev2", "IpsecAuthAlg", "sha512", "sha512"},
		},
	}
	for _, d := range Devices() {
		rows, ok := tables[d.ID]
		if !ok {
			t.Errorf("no keyword rows for %s", d.ID)
			continue
		}
		for _, r := range rows {
			t.Run(d.ID+"/"+r.ver+"/"+r.field+"/"+r.value, func(t *testing.T) {
				got, ok := d.Keywords(r.ver, r.field, r.value)
				if r.want == "" {
					if ok {
						t.Fatalf("keyword %q, want refused", got)
					}
					return
				}
				if !ok || got != r.want {
					t.Fatalf("keyword %q (%v), want %q", got, ok, r.want)
				}
			})
		}
	}
}

// TestKeywordTablesClosed: every table key is a known answer value, no table
// holds an SM algorithm, and every keyword is one token of safe characters.
func TestKeywordTablesClosed(t *testing.T) {
	for _, d := range Devices() {
		for _, kw := range []keywords{d.kw1, d.kw2} {
			for name, c := range map[string]struct {
				m     map[string]string
				known []string
			}{
				"IKEEnc": {kw.IKEEnc, knownEnc()}, "IKEAuth": {kw.IKEAuth, knownAuth()}, "DH": {kw.DH, knownIkePfs()},
				"ESPEnc": {kw.ESPEnc, knownEnc()}, "ESPAuth": {kw.ESPAuth, knownAuth()}, "PFS": {kw.PFS, knownIkePfs()},
				"PRF": {kw.PRF, knownAuth()},
			} {
				for k, v := range c.m {
					if !contains(c.known, k) || k == "sm3" || k == "sm4" {
						t.Errorf("%s %s: key %q", d.ID, name, k)
					}
					if v == "" || strings.ContainsAny(v, "\n\"'\\{}") {
						t.Errorf("%s %s: keyword %q", d.ID, name, v)
					}
				}
			}
		}
		if d.kw1.IKEEnc == nil || d.kw1.ESPEnc == nil || d.kw1.PFS == nil {
			t.Errorf("%s: IKEv1 table incomplete", d.ID)
		}
	}
}

func withIke(f func(*vpn.ViewIkeConfig)) vpn.ConnectionConfig {
	c := caseSingleV1()
	f(c.IkeConfig)
	return c
}

func withIpsec(f func(*vpn.ViewIpsecConfig)) vpn.ConnectionConfig {
	c := caseSingleV1()
	f(c.IpsecConfig)
	return c
}

func TestRenderErrors(t *testing.T) {
	cases := []struct {
		name   string
		device string
		cfg    vpn.ConnectionConfig
		opt    Options
		want   string
	}{
		{"unknown device", "cisco-pix", caseSingleV1(), Options{},
			`render: unknown device "cisco-pix" (known: cisco-asa, cisco-ios, cisco-ios-vti, fortinet-fortios, frr, generic, h3c-secpath, huawei-usg, juniper-srx, libreswan, mikrotik-routeros, paloalto-panos, strongswan-ipsec, strongswan-swanctl, vyos)`},
		{"sm4 on juniper", "juniper-srx", withIke(func(c *vpn.ViewIkeConfig) { c.IkeEncAlg = "sm4" }), Options{},
			`render: device juniper-srx cannot express IkeEncAlg "sm4"`},
		{"sm3 on h3c", "h3c-secpath", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecAuthAlg = "sm3" }), Options{},
			`render: device h3c-secpath cannot express IpsecAuthAlg "sm3"`},
		{"sm4 on strongswan", "strongswan-swanctl", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecEncAlg = "sm4" }), Options{},
			`render: device strongswan-swanctl cannot express IpsecEncAlg "sm4"`},
		{"group24 on fortios", "fortinet-fortios", withIke(func(c *vpn.ViewIkeConfig) { c.IkePfs = "group24" }), Options{},
			`render: device fortinet-fortios cannot express IkePfs "group24"`},
		{"group24 pfs on paloalto", "paloalto-panos", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecPfs = "group24" }), Options{},
			`render: device paloalto-panos cannot express IpsecPfs "group24"`},
		{"group2 on libreswan", "libreswan", caseSingleV1(), Options{},
			`render: device libreswan cannot express IkePfs "group2"`},
		{"des on vyos", "vyos", withIke(func(c *vpn.ViewIkeConfig) { c.IkeEncAlg = "des" }), Options{},
			`render: device vyos cannot express IkeEncAlg "des"`},
		{"sha256 ikev1 on asa", "cisco-asa", withIke(func(c *vpn.ViewIkeConfig) { c.IkeAuthAlg = "sha256" }), Options{},
			`render: device cisco-asa cannot express IkeAuthAlg "sha256" (ASA IKEv1 policies hash md5 or sha only; SHA-2 needs IkeVersion ikev2)`},
		{"sha384 esp on mikrotik", "mikrotik-routeros", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecAuthAlg = "sha384" }), Options{},
			`render: device mikrotik-routeros cannot express IpsecAuthAlg "sha384"`},
		{"unknown enc", "strongswan-swanctl", withIke(func(c *vpn.ViewIkeConfig) { c.IkeEncAlg = "aes128" }), Options{},
			`render: IkeEncAlg "aes128" is not a known value (one of aes, aes192, aes256, des, 3des, sm4)`},
		{"unknown pfs", "cisco-ios", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecPfs = "none" }), Options{},
			`render: IpsecPfs "none" is not a known value (one of disabled, group1, group2, group5, group14, group24)`},
		{"disabled ike pfs", "cisco-ios", withIke(func(c *vpn.ViewIkeConfig) { c.IkePfs = "disabled" }), Options{},
			`render: IkePfs "disabled" is not a known value (one of group1, group2, group5, group14, group24)`},
		{"unknown version", "vyos", withIke(func(c *vpn.ViewIkeConfig) { c.IkeVersion = "ikev3" }), Options{},
			`render: IkeVersion "ikev3" is not a known value (one of ikev1, ikev2)`},
		{"aggressive with ikev2", "strongswan-swanctl", withIke(func(c *vpn.ViewIkeConfig) { c.IkeVersion, c.IkeMode = "ikev2", "aggressive" }), Options{},
			`render: IkeMode "aggressive" is IKEv1 only, IkeVersion is "ikev2"`},
		{"lifetime over 86400", "strongswan-swanctl", withIke(func(c *vpn.ViewIkeConfig) { c.IkeLifetime = 86401 }), Options{},
			`render: IkeLifetime 86401 is outside 0-86400`},
		{"lifetime 0 on strongswan", "strongswan-swanctl", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecLifetime = 0 }), Options{},
			`render: device strongswan-swanctl cannot express IpsecLifetime 0 (range 60-86400)`},
		{"lifetime 100 on juniper", "juniper-srx", withIke(func(c *vpn.ViewIkeConfig) { c.IkeLifetime = 100 }), Options{},
			`render: device juniper-srx cannot express IkeLifetime 100 (range 180-86400)`},
		{"paloalto lifetime with no exact unit", "paloalto-panos", withIpsec(func(c *vpn.ViewIpsecConfig) { c.IpsecLifetime = 65537 }), Options{},
			`render: device paloalto-panos cannot express IpsecLifetime 65537 (no exact hours, minutes or seconds <= 65535)`},
		{"bgp on policy-based", "cisco-asa", caseBGP(), Options{},
			`render: device cisco-asa cannot express BgpConfigs (its template is policy-based, with no tunnel interface)`},
		{"vti with subnets", "cisco-ios-vti", caseSingleV1(), Options{},
			`render: device cisco-ios-vti cannot express subnet "192.0.2.0/24" (its tunnel interface negotiates 0.0.0.0/0 only; set both subnet lists of the connection to 0.0.0.0/0)`},
		{"both tunnels on huawei", "huawei-usg", caseDual(), Options{},
			`render: device huawei-usg cannot express both tunnels in one configuration; render Tunnel "master" and "slave" separately`},
		{"asa fqdn id", "cisco-asa", withIke(func(c *vpn.ViewIkeConfig) { c.LocalId = "dc.example.com" }), Options{},
			`render: device cisco-asa cannot express LocalId "dc.example.com": the template sends the Local address 203.0.113.10 as identity`},
		{"ios ikev1 fqdn id", "cisco-ios", withIke(func(c *vpn.ViewIkeConfig) { c.LocalId = "dc.example.com" }), Options{},
			`render: device cisco-ios cannot express LocalId "dc.example.com" with IKEv1: the ISAKMP profile sends the address (self-identity address)`},
		{"ios user-fqdn", "cisco-ios", withIke(func(c *vpn.ViewIkeConfig) { c.IkeVersion = "ikev2"; c.RemoteId = "vpn@example.com" }), Options{},
			`render: device cisco-ios cannot express RemoteId "vpn@example.com"`},
		{"fortios foreign ip id", "fortinet-fortios", withIke(func(c *vpn.ViewIkeConfig) { c.LocalId = "198.51.100.7" }), Options{},
			`render: device fortinet-fortios cannot express LocalId "198.51.100.7": an IP identity must be the Local address 203.0.113.10`},
		{"dual crypto map with different ipsec", "cisco-ios", func() vpn.ConnectionConfig {
			c := caseDual()
			c.TunnelsConfig.TunnelConfig[1].IpsecConfig = ipsec("aes256", "sha1", "group14", 86400)
			return c
		}(), Options{},
			`render: device cisco-ios cannot express two tunnels with different IpsecConfig in one policy entry; render them one at a time with Tunnel "master" and "slave"`},
		{"tunnel on single", "strongswan-swanctl", caseSingleV1(), Options{Tunnel: "slave"},
			`render: Tunnel "slave" asked for a single-tunnel connection`},
		{"bad tunnel option", "strongswan-swanctl", caseDual(), Options{Tunnel: "backup"},
			`render: Tunnel "backup" is not one of "", "master", "slave"`},
		{"missing ike", "strongswan-swanctl", func() vpn.ConnectionConfig { c := caseSingleV1(); c.IkeConfig = nil; return c }(), Options{},
			`render: tunnel vpcvpn has no IkeConfig`},
		{"three tunnels", "strongswan-swanctl", func() vpn.ConnectionConfig {
			c := caseDual()
			c.TunnelsConfig.TunnelConfig = append(c.TunnelsConfig.TunnelConfig, c.TunnelsConfig.TunnelConfig[0])
			return c
		}(), Options{}, `render: a dual-tunnel connection has 2 tunnels, got 3`},
		{"bgp for unknown tunnel", "juniper-srx", func() vpn.ConnectionConfig {
			c := caseBGP()
			c.BgpConfigs.BgpConfig[1].TunnelId = "tun-other"
			return c
		}(), Options{}, `render: BgpConfigs has no entry for tunnel "tun-7h3z0f9lhyvk5b2"`},
		{"bgp ip outside cidr", "juniper-srx", func() vpn.ConnectionConfig {
			c := caseBGP()
			c.BgpConfigs.BgpConfig[0].PeerBgpIp = "169.254.11.1"
			return c
		}(), Options{}, `render: PeerBgpIp "169.254.11.1" is not an IPv4 address inside TunnelCidr 169.254.10.0/30`},
		{"bad asn", "juniper-srx", func() vpn.ConnectionConfig {
			c := caseBGP()
			c.BgpConfigs.BgpConfig[0].LocalAsn = "65010; rm"
			return c
		}(), Options{}, `render: LocalAsn "65010; rm" is not an ASN (1-4294967295)`},
		{"subnet with host bits", "vyos", func() vpn.ConnectionConfig { c := caseSingleV1(); c.LocalSubnet = "192.0.2.1/24"; return c }(), Options{},
			`render: LocalSubnet entry "192.0.2.1/24" has host bits set`},
		{"empty subnet", "vyos", func() vpn.ConnectionConfig { c := caseSingleV1(); c.RemoteSubnet = ""; return c }(), Options{},
			`render: RemoteSubnet is empty`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Render(c.device, c.cfg, c.opt)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if err.Error() != c.want {
				t.Fatalf("error\n got %s\nwant %s", err, c.want)
			}
		})
	}
}

// TestInjectionRefused: a value that could break out of the device syntax
// (newlines, quotes, command separators) is refused on every device, and the
// error never repeats the PSK.
func TestInjectionRefused(t *testing.T) {
	type mut struct {
		name string
		f    func(*vpn.ConnectionConfig)
		want string // exact error; "%s" is the device id
	}
	muts := []mut{
		{"psk newline", func(c *vpn.ConnectionConfig) { c.IkeConfig.Psk = "abc\nset system root" },
			`render: Psk contains the character '\n', which is not in the documented PSK alphabet`},
		{"psk space", func(c *vpn.ConnectionConfig) { c.IkeConfig.Psk = "abc def" },
			`render: Psk contains the character ' ', which is not in the documented PSK alphabet`},
		{"psk single quote", func(c *vpn.ConnectionConfig) { c.IkeConfig.Psk = "abc'def" },
			`render: Psk contains the character '\'', which is not in the documented PSK alphabet`},
		{"psk non-ascii", func(c *vpn.ConnectionConfig) { c.IkeConfig.Psk = "abcé" },
			`render: Psk contains the character 'é', which is not in the documented PSK alphabet`},
		{"psk empty", func(c *vpn.ConnectionConfig) { c.IkeConfig.Psk = "" }, `render: Psk is empty`},
		{"local id newline", func(c *vpn.ConnectionConfig) { c.IkeConfig.LocalId = "a\nb" },
			`render: LocalId "a\nb" is not an IPv4 address, host name or user@host name`},
		{"remote id quote", func(c *vpn.ConnectionConfig) { c.IkeConfig.RemoteId = `gw"x` },
			`render: RemoteId "gw\"x" is not an IPv4 address, host name or user@host name`},
		{"remote id brace", func(c *vpn.ConnectionConfig) { c.IkeConfig.RemoteId = "gw}" },
			`render: RemoteId "gw}" is not an IPv4 address, host name or user@host name`},
		{"local address not ip", func(c *vpn.ConnectionConfig) { c.Local = "203.0.113.10\n" },
			`render: Local "203.0.113.10\n" is not an IPv4 address`},
		{"subnet injection", func(c *vpn.ConnectionConfig) { c.LocalSubnet = "192.0.2.0/24\nconn x" },
			`render: LocalSubnet entry "192.0.2.0/24\nconn x" is not an IPv4 CIDR`},
	}
	for _, d := range Devices() {
		for _, m := range muts {
			t.Run(d.ID+"/"+m.name, func(t *testing.T) {
				c := caseSingleV1()
				c.IkeConfig.IkePfs, c.IpsecConfig.IpsecPfs = "group14", "group14" // expressible everywhere
				m.f(&c)
				_, err := Render(d.ID, c, Options{})
				if err == nil || err.Error() != m.want {
					t.Fatalf("error %v, want %s", err, m.want)
				}
			})
		}
		// Characters of the documented alphabet the device cannot carry.
		for _, r := range d.RefusedPSKChars {
			t.Run(d.ID+"/psk "+string(r), func(t *testing.T) {
				c := caseSingleV1()
				c.IkeConfig.IkePfs, c.IpsecConfig.IpsecPfs = "group14", "group14"
				c.IkeConfig.Psk = "Secret" + string(r) + "Key"
				_, err := Render(d.ID, c, Options{})
				want := "render: device " + d.ID + " cannot carry the character '" + strings.ReplaceAll(string(r), `\`, `\\`) + "' in Psk"
				if err == nil || err.Error() != want {
					t.Fatalf("error %v, want %s", err, want)
				}
				if strings.Contains(err.Error(), "Secret") {
					t.Fatalf("error repeats the PSK: %v", err)
				}
			})
		}
	}
}

func TestStrongSwanPSKEncoding(t *testing.T) {
	cases := []struct{ psk, want string }{
		{"plain-Key_1", `"plain-Key_1"`},
		{`q"uote`, "0x7122756f7465"},
		{`back\slash`, "0x6261636b5c736c617368"},
		{"hash#semi;brace{}", `"hash#semi;brace{}"`},
	}
	for _, c := range cases {
		t.Run(c.psk, func(t *testing.T) {
			if got := strongswanPSK(c.psk); got != c.want {
				t.Fatalf("strongswanPSK(%q) = %s, want %s", c.psk, got, c.want)
			}
			cfg := caseSingleV1()
			cfg.IkeConfig.Psk = c.psk
			out, err := Render("strongswan-swanctl", cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, "        secret = "+c.want+"\n") {
				t.Fatalf("swanctl output lacks secret %s:\n%s", c.want, out)
			}
		})
	}
}

func TestTunnelOption(t *testing.T) {
	for _, d := range Devices() {
		if d.ID == "cisco-ios-vti" || d.needsBGP {
			continue // needs 0.0.0.0/0 subnets or BGP: covered by the bgp cases below
		}
		for _, which := range []string{"master", "slave"} {
			t.Run(d.ID+"/"+which, func(t *testing.T) {
				out, err := Render(d.ID, caseDual(), Options{Tunnel: which})
				if err != nil {
					t.Fatal(err)
				}
				keep, drop := "203.0.113.1", "203.0.113.2"
				keepKey, dropKey := "MasterKey-1a2b3c", "SlaveKey-4d5e6f"
				if which == "slave" {
					keep, drop, keepKey, dropKey = drop, keep, dropKey, keepKey
				}
				if !strings.Contains(out, keep) || !strings.Contains(out, keepKey) {
					t.Errorf("output lacks the %s peer %s or its key", which, keep)
				}
				if containsAddr(out, drop) || strings.Contains(out, dropKey) {
					t.Errorf("output of Tunnel %q holds the other tunnel (%s):\n%s", which, drop, out)
				}
			})
		}
	}
	t.Run("frr/slave", func(t *testing.T) {
		out, err := Render("frr", caseBGP(), Options{Tunnel: "slave"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, " neighbor 169.254.20.1 remote-as 45104\n") || strings.Contains(out, "169.254.10.") {
			t.Errorf("slave FRR output:\n%s", out)
		}
	})
	t.Run("cisco-ios-vti/slave", func(t *testing.T) {
		out, err := Render("cisco-ios-vti", caseBGP(), Options{Tunnel: "slave"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"interface Tunnel2\n", "tunnel destination 203.0.113.2\n", "ip address 169.254.20.2 255.255.255.252\n", "neighbor 169.254.20.1 remote-as 45104\n"} {
			if !strings.Contains(out, s) {
				t.Errorf("lacks %q", s)
			}
		}
		if strings.Contains(out, "Tunnel1") || strings.Contains(out, "169.254.10.") {
			t.Errorf("holds the master tunnel:\n%s", out)
		}
	})
}

// containsAddr reports whether addr occurs in s as a whole address (not as
// the prefix of 203.0.113.10).
func containsAddr(s, addr string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], addr)
		if j < 0 {
			return false
		}
		end := i + j + len(addr)
		if end == len(s) || s[end] < '0' || s[end] > '9' {
			return true
		}
		i = end
	}
}

func TestDeterministic(t *testing.T) {
	for _, d := range Devices() {
		for _, c := range goldenCases() {
			a, errA := Render(d.ID, c.cfg(), Options{})
			for i := 0; i < 5; i++ {
				b, errB := Render(d.ID, c.cfg(), Options{})
				if a != b || (errA == nil) != (errB == nil) {
					t.Fatalf("%s/%s: output differs between runs", d.ID, c.name)
				}
			}
		}
	}
}

func TestLifetimeFormats(t *testing.T) {
	ros := []struct {
		s    int64
		want string
	}{{86400, "1d"}, {3600, "1h"}, {5400, "1h30m"}, {28800, "8h"}, {90061, "1d1h1m1s"}, {45, "45s"}, {0, "0s"}}
	for _, c := range ros {
		if got := rosTime(c.s); got != c.want {
			t.Errorf("rosTime(%d) = %q, want %q", c.s, got, c.want)
		}
	}
	pan := []struct {
		s    int64
		want string
		ok   bool
	}{{86400, "hours 24", true}, {28800, "hours 8", true}, {5400, "minutes 90", true}, {200, "seconds 200", true},
		{180, "minutes 3", true}, {65537, "", false}, {120, "", false}}
	for _, c := range pan {
		got, err := panLife(c.s)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("panLife(%d) = %q, %v; want %q ok=%v", c.s, got, err, c.want, c.ok)
		}
	}
}

// FuzzRender: any answer either renders or fails with an error; when it
// renders, the hostile fields could not have carried a line break or a quote.
func FuzzRender(f *testing.F) {
	f.Add("pgw6dy7d1i8iQ2x9", "203.0.113.10", "203.0.113.1", "192.0.2.0/24", "ikev1", "aes")
	f.Add("a\"b", "x\ny", "@gw", "192.0.2.0/24,198.51.100.0/24", "ikev2", "sm4")
	f.Fuzz(func(t *testing.T, psk, lid, rid, subnet, ver, enc string) {
		c := caseSingleV1()
		c.IkeConfig.Psk, c.IkeConfig.LocalId, c.IkeConfig.RemoteId = psk, lid, rid
		c.LocalSubnet, c.IkeConfig.IkeVersion, c.IkeConfig.IkeEncAlg = subnet, ver, enc
		for _, d := range Devices() {
			out, err := Render(d.ID, c, Options{})
			if err != nil {
				continue
			}
			for _, v := range []string{lid, rid, subnet} {
				if strings.ContainsAny(v, "\n\r\"'{}; ") {
					t.Fatalf("%s rendered a hostile value %q:\n%s", d.ID, v, out)
				}
			}
			if strings.ContainsAny(psk, "\n\r ") {
				t.Fatalf("%s rendered a PSK with a line break or space", d.ID)
			}
		}
	})
}

// TestEveryValue renders every device with every answer value of every field
// (one field varied at a time, both IKE versions, both modes): each render
// either succeeds and writes the device keyword, or is refused with the
// "cannot express" error naming the device and that value. No template may
// fail in any other way.
func TestEveryValue(t *testing.T) {
	type field struct {
		name   string
		values []string
		set    func(c *vpn.ConnectionConfig, v string)
	}
	fields := []field{
		{"IkeEncAlg", knownEnc(), func(c *vpn.ConnectionConfig, v string) { c.IkeConfig.IkeEncAlg = v }},
		{"IkeAuthAlg", knownAuth(), func(c *vpn.ConnectionConfig, v string) { c.IkeConfig.IkeAuthAlg = v }},
		{"IkePfs", knownIkePfs(), func(c *vpn.ConnectionConfig, v string) { c.IkeConfig.IkePfs = v }},
		{"IpsecEncAlg", knownEnc(), func(c *vpn.ConnectionConfig, v string) { c.IpsecConfig.IpsecEncAlg = v }},
		{"IpsecAuthAlg", knownAuth(), func(c *vpn.ConnectionConfig, v string) { c.IpsecConfig.IpsecAuthAlg = v }},
		{"IpsecPfs", knownIpsecPfs(), func(c *vpn.ConnectionConfig, v string) { c.IpsecConfig.IpsecPfs = v }},
	}
	for _, d := range Devices() {
		for _, ver := range []string{"ikev1", "ikev2"} {
			for _, mode := range []string{"main", "aggressive"} {
				if ver == "ikev2" && mode == "aggressive" {
					continue
				}
				for _, f := range fields {
					for _, v := range f.values {
						c := caseSingleV1()
						if d.RouteBasedAnyOnly {
							c.LocalSubnet, c.RemoteSubnet = "0.0.0.0/0", "0.0.0.0/0"
						}
						if d.needsBGP {
							c = caseBGPSingleV1()
						}
						// A base every device can express; then vary one field.
						c.IkeConfig.IkeVersion, c.IkeConfig.IkeMode = ver, mode
						c.IkeConfig.IkeAuthAlg, c.IkeConfig.IkePfs = "sha1", "group14"
						c.IpsecConfig.IpsecAuthAlg, c.IpsecConfig.IpsecPfs = "sha1", "group14"
						f.set(&c, v)
						out, err := Render(d.ID, c, Options{})
						kwField := f.name
						if kwField == "IpsecPfs" && v == "disabled" {
							if err != nil {
								t.Errorf("%s %s %s IpsecPfs disabled: %v", d.ID, ver, mode, err)
							}
							continue
						}
						kw, ok := d.Keywords(ver, kwField, v)
						if !ok {
							want := "render: device " + d.ID + " cannot express " + f.name + " \"" + v + "\""
							// A device may explain the refusal after the value, in parentheses.
							if err == nil || (err.Error() != want && !strings.HasPrefix(err.Error(), want+" (")) {
								t.Errorf("%s %s %s %s=%s: error %v, want %s", d.ID, ver, mode, f.name, v, err, want)
							}
							continue
						}
						if err != nil {
							t.Errorf("%s %s %s %s=%s: %v", d.ID, ver, mode, f.name, v, err)
							continue
						}
						if !d.needsBGP && !strings.Contains(out, kw) {
							t.Errorf("%s %s %s %s=%s: output lacks keyword %q", d.ID, ver, mode, f.name, v, kw)
						}
					}
				}
			}
		}
	}
}

// TestRegistryBuiltOnce: finding a device (every device-config download
// does) reads the registry built once instead of building it again.
func TestRegistryBuiltOnce(t *testing.T) {
	if !Known("cisco-asa") || Known("nope") {
		t.Fatal("Known disagrees with the registry")
	}
	if n := testing.AllocsPerRun(20, func() {
		if _, err := lookup("strongswan-swanctl"); err != nil {
			t.Fatal(err)
		}
		Known("cisco-asa")
	}); n != 0 {
		t.Fatalf("lookup and Known allocate %v times a call, want 0 (the registry is rebuilt)", n)
	}
}
