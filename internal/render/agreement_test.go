package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// terms are what a side of a tunnel does with its SAs: the IKE SA's hard
// lifetime (what IKEv1 proposes on the wire), the CHILD SA's lifetime, the
// dead-peer-detection interval, and the IKEv2 PRF (by hash name).
type terms struct {
	ikeLife, espLife, dpd int64
	prf                   string
}

func (t terms) String() string {
	return fmt.Sprintf("IKE %d s, ESP %d s, DPD %d s, PRF %s", t.ikeLife, t.espLife, t.dpd, t.prf)
}

// num returns the integer of the first submatch of re in text, or -1.
func num(re, text string) int64 {
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// word returns the first submatch of re in text, or "".
func word(re, text string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// rosSeconds parses a RouterOS duration (1d, 8h, 1h30m).
func rosSeconds(s string) int64 {
	var total, n int64
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n = 10*n + int64(r-'0')
		default:
			total += n * map[rune]int64{'d': 86400, 'h': 3600, 'm': 60, 's': 1}[r]
			n = 0
		}
	}
	return total
}

// panSeconds parses a PAN-OS lifetime ("hours 24").
func panSeconds(s string) int64 {
	f := strings.Fields(s)
	if len(f) != 2 {
		return -1
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * map[string]int64{"hours": 3600, "minutes": 60, "seconds": 1}[f[0]]
}

// derived is the PRF of devices that take it from the integrity algorithm.
const derived = "derived"

// deviceTerms reads the terms out of a device's output for a one-tunnel
// connection, as the device applies them: an explicit PRF keyword is mapped
// back to its hash, an absent one is the device's documented default.
var deviceTerms = map[string]func(out string, v2 bool) terms{
	"strongswan-swanctl": func(out string, v2 bool) terms {
		return terms{num(`rekey_time = (\d+)s\n\s+over_time`, out) + num(`over_time = (\d+)s`, out), num(`life_time = (\d+)s`, out), num(`dpd_delay = (\d+)s`, out), derived}
	},
	"strongswan-ipsec": func(out string, v2 bool) terms {
		return terms{num(`ikelifetime = (\d+)s`, out), num(`\n    lifetime = (\d+)s`, out), num(`dpddelay = (\d+)s`, out), derived}
	},
	"libreswan": func(out string, v2 bool) terms {
		return terms{num(`ikelifetime=(\d+)s`, out), num(`salifetime=(\d+)s`, out), num(`dpddelay=(\d+)`, out), derived}
	},
	"cisco-ios": func(out string, v2 bool) terms {
		ike, dpd := num(`(?m)^ lifetime (\d+)$`, out), num(`crypto isakmp keepalive (\d+) 3 periodic`, out)
		prf := ""
		if v2 {
			dpd = num(` dpd (\d+) 3 periodic`, out)
			prf = word(`\n prf (\S+)\n`, out)
		}
		return terms{ike, num(`set security-association lifetime seconds (\d+)`, out), dpd, prf}
	},
	"cisco-asa": func(out string, v2 bool) terms {
		ike := num(`(?m)^ lifetime (\d+)$`, out)
		prf := ""
		if v2 {
			ike = num(`lifetime seconds (\d+)\ncrypto ikev2 enable`, out)
			// ASA's IKEv2 PRF defaults to SHA-1 (ASA VPN CLI guide, crypto ikev2 policy, prf).
			prf = map[string]string{"": "sha1", "sha": "sha1", "md5": "md5", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}[word(`\n prf (\S+)\n`, out)]
		}
		return terms{ike, num(`set security-association lifetime seconds (\d+)`, out), num(`isakmp keepalive threshold (\d+) retry`, out), prf}
	},
	"juniper-srx": func(out string, v2 bool) terms {
		return terms{num(`ike proposal \S+ lifetime-seconds (\d+)`, out), num(`ipsec proposal \S+ lifetime-seconds (\d+)`, out), num(`dead-peer-detection interval (\d+)`, out), derived}
	},
	"fortinet-fortios": func(out string, v2 bool) terms {
		return terms{num(`set keylife (\d+)`, out), num(`set keylifeseconds (\d+)`, out), num(`set dpd-retryinterval (\d+)`, out), derived}
	},
	"paloalto-panos": func(out string, v2 bool) terms {
		return terms{panSeconds(word(`ike-crypto-profiles \S+ lifetime (\w+ \d+)`, out)), panSeconds(word(`ipsec-crypto-profiles \S+ lifetime (\w+ \d+)`, out)),
			num(`dpd interval (\d+)`, out), derived}
	},
	"huawei-usg": func(out string, v2 bool) terms {
		prf := ""
		if v2 {
			prf = strings.TrimPrefix(strings.ReplaceAll(word(`\n prf (\S+)\n`, out), "sha2-", "sha"), "hmac-")
		}
		return terms{num(`(?m)^ sa duration (\d+)$`, out), num(`sa duration time-based (\d+)`, out), num(`dpd idle-time (\d+)`, out), prf}
	},
	"h3c-secpath": func(out string, v2 bool) terms {
		prf := ""
		if v2 {
			prf = word(`\n prf (\S+)\n`, out)
		}
		return terms{num(`(?m)^ sa duration (\d+)$`, out), num(`sa duration time-based (\d+)`, out), num(`dpd interval (\d+)`, out), prf}
	},
	"mikrotik-routeros": func(out string, v2 bool) terms {
		return terms{rosSeconds(word(`/ip ipsec profile add .* lifetime=(\w+)`, out)), rosSeconds(word(`/ip ipsec proposal add .* lifetime=(\w+)`, out)),
			rosSeconds(word(`dpd-interval=(\w+)`, out)), derived}
	},
	"vyos": func(out string, v2 bool) terms {
		// VyOS writes the ike-group lifetime R as strongSwan's rekey_time; over_time defaults to R/10.
		r := num(`ike-group \S+ lifetime (\d+)`, out)
		return terms{r + r/10, num(`esp-group \S+ lifetime (\d+)`, out), num(`dead-peer-detection interval (\d+)`, out), derived}
	},
}

func init() { deviceTerms["cisco-ios-vti"] = deviceTerms["cisco-ios"] }

// gatewayTerms reads the gateway's terms from its swanctl.conf.
func gatewayTerms(t *testing.T, cfg vpn.ConnectionConfig) terms {
	t.Helper()
	g, err := RenderGateway(cfg, GatewayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := g.SwanctlConf
	return terms{num(`rekey_time = (\d+)s\n\s+over_time`, out) + num(`over_time = (\d+)s`, out), num(`life_time = (\d+)s`, out), num(`dpd_delay = (\d+)s`, out),
		cfg.IkeConfig.IkeAuthAlg}
}

// TestGatewayAgreement: the gateway side (RenderGateway) and every
// customer-side device agree on the IKE and CHILD SA lifetimes, the DPD
// interval and the IKEv2 PRF, for IKEv1 and IKEv2 connections with several
// lifetimes and hashes.
func TestGatewayAgreement(t *testing.T) {
	var cfgs []vpn.ConnectionConfig
	for _, c := range []struct {
		ver, auth      string
		ikeLife, esp   int64
		ikePfs, espPfs string
	}{
		{"ikev1", "sha1", 86400, 86400, "group14", "group14"},
		{"ikev1", "md5", 28800, 3600, "group14", "disabled"},
		{"ikev2", "sha256", 28800, 3600, "group14", "group14"},
		{"ikev2", "sha384", 86400, 86400, "group14", "group5"},
		{"ikev2", "sha512", 3600, 1800, "group14", "group14"},
		{"ikev2", "md5", 14400, 7200, "group14", "group14"},
	} {
		cfg := caseSingleV1()
		cfg.IkeConfig.IkeVersion, cfg.IkeConfig.IkeAuthAlg, cfg.IkeConfig.IkeLifetime, cfg.IkeConfig.IkePfs = c.ver, c.auth, c.ikeLife, c.ikePfs
		cfg.IpsecConfig.IpsecAuthAlg, cfg.IpsecConfig.IpsecLifetime, cfg.IpsecConfig.IpsecPfs = "sha1", c.esp, c.espPfs
		cfgs = append(cfgs, cfg)
	}
	for _, d := range Devices() {
		read, ok := deviceTerms[d.ID]
		if !ok {
			if d.ID == "frr" || d.ID == "generic" {
				continue // no SA of their own
			}
			t.Errorf("device %s has no terms reader", d.ID)
			continue
		}
		t.Run(d.ID, func(t *testing.T) {
			rendered := 0
			for _, cfg := range cfgs {
				c := cfg
				if d.RouteBasedAnyOnly {
					c.LocalSubnet, c.RemoteSubnet = "0.0.0.0/0", "0.0.0.0/0"
				}
				out, err := Render(d.ID, c, Options{})
				if err != nil {
					continue // refused values are covered by TestEveryValue
				}
				rendered++
				want := gatewayTerms(t, c)
				got := read(out, c.IkeConfig.IkeVersion == "ikev2")
				if got.prf == derived || c.IkeConfig.IkeVersion == "ikev1" {
					got.prf = want.prf // IKEv1's PRF is the negotiated hash; derived PRFs follow the integrity
				}
				if got != want {
					t.Errorf("%s %s: device %v, gateway %v\n%s", c.IkeConfig.IkeVersion, c.IkeConfig.IkeAuthAlg, got, want, out)
				}
			}
			if rendered < 2 {
				t.Errorf("only %d of %d connections rendered", rendered, len(cfgs))
			}
		})
	}
}
