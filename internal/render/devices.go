package render

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Device describes one supported peer device template.
type Device struct {
	ID       string // registry id, the first argument of Render
	Vendor   string
	Platform string
	Software string // software versions the template's syntax targets
	// IKEVersions lists the IkeVersion values the template can write.
	IKEVersions []string
	// Aggressive reports whether IKEv1 aggressive mode can be written.
	Aggressive bool
	// RouteBased: the template builds a tunnel interface; otherwise it writes
	// policies (selectors) only.
	RouteBased bool
	// BGP: BgpConfigs are rendered as BGP neighbours on the tunnel interfaces;
	// a device without it refuses a connection that has BgpConfigs.
	BGP bool
	// Backup tells how a dual-tunnel connection is rendered when both tunnels
	// are asked for.
	Backup string
	// Files names the files of the output, in order; when there is more than
	// one, Render separates them with "# ==== file: NAME ====" lines.
	Files []string
	// RefusedPSKChars are characters of the documented PSK alphabet that the
	// device's syntax cannot carry safely; a PSK holding one is refused.
	RefusedPSKChars string
	// IKELife and IPsecLife are the lifetime ranges (seconds, inclusive) the
	// device accepts; the answer's lifetime is written exactly or refused.
	IKELife   [2]int64
	IPsecLife [2]int64
	// Notes documents the template's choices and what it refuses.
	Notes string

	kw1, kw2 keywords
	// ids checks (and for some devices rewrites) the identities of a tunnel.
	ids func(d Device, t *tunnel) error
	// encodePSK returns the PSK as the template writes it.
	encodePSK func(psk string) string
	// sharedSA: both tunnels are one policy entry with two peers.
	sharedSA bool
	// why, when set, explains a refusal of value for field (IKEv2 when v2):
	// the reason is appended to the "cannot express" error in parentheses.
	why func(field, value string, v2 bool) string
	// check runs on the finished model, for limits that span fields.
	check func(d Device, m *model) error
	// noDual: both tunnels of a dual-tunnel connection cannot be rendered at once.
	noDual bool
	// RouteBasedAnyOnly: the tunnel interface negotiates 0.0.0.0/0 selectors.
	RouteBasedAnyOnly bool
	// anyOnlyBGP: with BgpConfigs the device builds a tunnel interface that
	// negotiates 0.0.0.0/0 only; anyOnlyWhy says why, in the refusal.
	anyOnlyBGP bool
	anyOnlyWhy string
	// needsBGP: the device renders the BGP part only and refuses a connection
	// without BgpConfigs.
	needsBGP bool
	// ikeLife, when set, maps the connection's IkeLifetime to the value the
	// template writes (an error refuses the lifetime).
	ikeLife func(life int64) (int64, error)
	// bypass: a Linux host whose policies would cover its own traffic when
	// the far side's subnets include 0.0.0.0/0; the template writes the pass
	// (bypass) policies of model.Bypass and a warning.
	bypass bool
	files  []string // template names, parallel to Files
}

// keywords maps the answer's values to a device's own keywords. A value
// missing from a map is one the device cannot express.
type keywords struct {
	IKEEnc, IKEAuth, DH, ESPEnc, ESPAuth, PFS map[string]string
	// PRF, when set, maps IkeAuthAlg to the IKEv2 PRF keyword of devices that
	// configure it apart from integrity.
	PRF map[string]string
}

func (d Device) kw(v2 bool) keywords {
	if v2 && d.kw2.IKEEnc != nil {
		return d.kw2
	}
	return d.kw1
}

// Keywords returns the device keyword for the answer's value of field (one of
// IkeEncAlg, IkeAuthAlg, IkePfs, IpsecEncAlg, IpsecAuthAlg, IpsecPfs) under
// IKE version ver, and whether the device can express it.
func (d Device) Keywords(ver, field, value string) (string, bool) {
	kw := d.kw(ver == "ikev2")
	m := map[string]map[string]string{"IkeEncAlg": kw.IKEEnc, "IkeAuthAlg": kw.IKEAuth, "IkePfs": kw.DH,
		"IpsecEncAlg": kw.ESPEnc, "IpsecAuthAlg": kw.ESPAuth, "IpsecPfs": kw.PFS}[field]
	k, ok := m[value]
	return k, ok
}

// devices is the registry, built once (sorted by ID, and by ID): nothing
// changes a Device or its keyword maps after registry built them, so every
// request shares them.
var devices = sync.OnceValues(func() ([]Device, map[string]Device) {
	ds := registry()
	sort.Slice(ds, func(i, j int) bool { return ds[i].ID < ds[j].ID })
	byID := make(map[string]Device, len(ds))
	for _, d := range ds {
		byID[d.ID] = d
	}
	return ds, byID
})

// Devices returns the device registry sorted by ID. The result is a fresh
// copy on every call (built anew, keyword maps included); the render path
// uses the registry built once.
func Devices() []Device {
	ds := registry()
	sort.Slice(ds, func(i, j int) bool { return ds[i].ID < ds[j].ID })
	return ds
}

// Known reports whether id is a device of the registry.
func Known(id string) bool {
	_, byID := devices()
	_, ok := byID[id]
	return ok
}

// lookup returns the device with id.
func lookup(id string) (Device, error) {
	ds, byID := devices()
	if d, ok := byID[id]; ok {
		return d, nil
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return Device{}, fmt.Errorf("render: unknown device %q (known: %s)", id, strings.Join(ids, ", "))
}

// Keyword tables. Each function returns a fresh map; sm4 and sm3 are in no
// table: the SM algorithms belong to NationalStandard gateways, whose IPsec
// uses SM2 certificates (GM/T 0022), not a pre-shared key, so no PSK template
// can express them.

func strongswanKW() keywords {
	enc := map[string]string{"aes": "aes128", "aes192": "aes192", "aes256": "aes256", "des": "des", "3des": "3des"}
	auth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
	dh := map[string]string{"group1": "modp768", "group2": "modp1024", "group5": "modp1536", "group14": "modp2048", "group24": "modp2048s256"}
	return keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: dh}
}

// passKW maps every value but the SM algorithms to itself: for outputs that
// write no IKE or IPsec value (frr) and so cannot refuse one.
func passKW() keywords {
	id := func(vs []string) map[string]string {
		m := map[string]string{}
		for _, v := range vs {
			if v != "sm4" && v != "sm3" {
				m[v] = v
			}
		}
		return m
	}
	return keywords{IKEEnc: id(knownEnc()), IKEAuth: id(knownAuth()), DH: id(knownIkePfs()), ESPEnc: id(knownEnc()),
		ESPAuth: id(knownAuth()), PFS: id(knownIkePfs())}
}

// libreswanKW follows Libreswan 4.x: single DES, modp768 and modp2048s256
// (dh22-24) are gone, and modp1024 is compiled out by default (USE_DH2=false;
// Debian's 4.10 rejects it).
func libreswanKW() keywords {
	enc := map[string]string{"aes": "aes128", "aes192": "aes192", "aes256": "aes256", "3des": "3des"}
	auth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha2_256", "sha384": "sha2_384", "sha512": "sha2_512"}
	dh := map[string]string{"group5": "modp1536", "group14": "modp2048"}
	return keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: dh}
}

func ciscoIOSKW() (v1, v2 keywords) {
	dh := map[string]string{"group1": "1", "group2": "2", "group5": "5", "group14": "14", "group24": "24"}
	pfs := map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14", "group24": "group24"}
	espEnc := map[string]string{"aes": "esp-aes", "aes192": "esp-aes 192", "aes256": "esp-aes 256", "des": "esp-des", "3des": "esp-3des"}
	espAuth := map[string]string{"md5": "esp-md5-hmac", "sha1": "esp-sha-hmac", "sha256": "esp-sha256-hmac", "sha384": "esp-sha384-hmac", "sha512": "esp-sha512-hmac"}
	v1 = keywords{
		IKEEnc:  map[string]string{"aes": "aes", "aes192": "aes 192", "aes256": "aes 256", "des": "des", "3des": "3des"},
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		DH:      dh, ESPEnc: espEnc, ESPAuth: espAuth, PFS: pfs,
	}
	v2 = keywords{
		IKEEnc:  map[string]string{"aes": "aes-cbc-128", "aes192": "aes-cbc-192", "aes256": "aes-cbc-256", "des": "des", "3des": "3des"},
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		// Written explicitly, equal to the integrity algorithm, as every peer derives it.
		PRF: map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		DH:  dh, ESPEnc: espEnc, ESPAuth: espAuth, PFS: pfs,
	}
	return v1, v2
}

// ciscoASAKW follows ASA 9.8-9.12: IKEv1 policies and IKEv1 transform sets
// hash md5 or sha only (SHA-2 is IKEv2 only); DH 1, 2, 5, 14 and 24 (9.13
// later dropped 2, 5 and 24).
func ciscoASAKW() (v1, v2 keywords) {
	pfs := map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14", "group24": "group24"}
	v1 = keywords{
		IKEEnc:  map[string]string{"aes": "aes", "aes192": "aes-192", "aes256": "aes-256", "des": "des", "3des": "3des"},
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha"},
		DH:      map[string]string{"group1": "1", "group2": "2", "group5": "5", "group14": "14", "group24": "24"},
		ESPEnc:  map[string]string{"aes": "esp-aes", "aes192": "esp-aes-192", "aes256": "esp-aes-256", "des": "esp-des", "3des": "esp-3des"},
		ESPAuth: map[string]string{"md5": "esp-md5-hmac", "sha1": "esp-sha-hmac"},
		PFS:     pfs,
	}
	v2 = keywords{
		IKEEnc:  map[string]string{"aes": "aes", "aes192": "aes-192", "aes256": "aes-256", "des": "des", "3des": "3des"},
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		DH:      map[string]string{"group1": "1", "group2": "2", "group5": "5", "group14": "14", "group24": "24"},
		ESPEnc:  map[string]string{"aes": "aes", "aes192": "aes-192", "aes256": "aes-256", "des": "des", "3des": "3des"},
		ESPAuth: map[string]string{"md5": "md5", "sha1": "sha-1", "sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"},
		PFS:     pfs,
		// The IKEv2 policy's PRF defaults to SHA-1 (ASA VPN CLI guide, "prf"):
		// it is written to match the integrity algorithm, as every peer derives it.
		PRF: map[string]string{"md5": "md5", "sha1": "sha", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
	}
	return v1, v2
}

// juniperKW follows SRX Junos 15.1X49: IKE authentication md5, sha1, sha-256,
// sha-384 and IPsec hmac-md5-96, hmac-sha1-96, hmac-sha-256-128,
// hmac-sha-384-192; SHA-512 is refused (not on every SRX release).
func juniperKW() keywords {
	enc := map[string]string{"aes": "aes-128-cbc", "aes192": "aes-192-cbc", "aes256": "aes-256-cbc", "des": "des-cbc", "3des": "3des-cbc"}
	dh := map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14", "group24": "group24"}
	return keywords{
		IKEEnc:  enc,
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha-256", "sha384": "sha-384"},
		DH:      dh,
		ESPEnc:  enc,
		ESPAuth: map[string]string{"md5": "hmac-md5-96", "sha1": "hmac-sha1-96", "sha256": "hmac-sha-256-128", "sha384": "hmac-sha-384-192"},
		PFS:     dh,
	}
}

// fortinetKW: FortiOS proposals are "enc-auth" pairs, built in the template;
// FortiOS has no DH group 24.
func fortinetKW() keywords {
	enc := map[string]string{"aes": "aes128", "aes192": "aes192", "aes256": "aes256", "des": "des", "3des": "3des"}
	auth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
	dh := map[string]string{"group1": "1", "group2": "2", "group5": "5", "group14": "14"}
	return keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: dh}
}

// paloaltoKW: PAN-OS has no DH group 24.
func paloaltoKW() keywords {
	enc := map[string]string{"aes": "aes-128-cbc", "aes192": "aes-192-cbc", "aes256": "aes-256-cbc", "des": "des", "3des": "3des"}
	auth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
	dh := map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14"}
	return keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: dh}
}

// huaweiKW: USG6000 (V500R005+) has no DH group 24; IKEv2 proposals take an
// integrity and a PRF algorithm instead of authentication-algorithm.
func huaweiKW() (v1, v2 keywords) {
	enc := map[string]string{"aes": "aes-128", "aes192": "aes-192", "aes256": "aes-256", "des": "des", "3des": "3des"}
	auth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha2-256", "sha384": "sha2-384", "sha512": "sha2-512"}
	dh := map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14"}
	pfs := map[string]string{"group1": "dh-group1", "group2": "dh-group2", "group5": "dh-group5", "group14": "dh-group14"}
	v1 = keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: pfs}
	v2 = keywords{IKEEnc: enc,
		IKEAuth: map[string]string{"md5": "hmac-md5-96", "sha1": "hmac-sha1-96", "sha256": "hmac-sha2-256", "sha384": "hmac-sha2-384", "sha512": "hmac-sha2-512"},
		PRF:     map[string]string{"md5": "hmac-md5", "sha1": "hmac-sha1", "sha256": "hmac-sha2-256", "sha384": "hmac-sha2-384", "sha512": "hmac-sha2-512"},
		DH:      dh, ESPEnc: enc, ESPAuth: auth, PFS: pfs}
	return v1, v2
}

func h3cKW() (v1, v2 keywords) {
	enc := map[string]string{"aes": "aes-cbc-128", "aes192": "aes-cbc-192", "aes256": "aes-cbc-256", "des": "des-cbc", "3des": "3des-cbc"}
	pfs := map[string]string{"group1": "dh-group1", "group2": "dh-group2", "group5": "dh-group5", "group14": "dh-group14", "group24": "dh-group24"}
	espAuth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
	v1 = keywords{IKEEnc: enc,
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		DH:      map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14", "group24": "group24"},
		ESPEnc:  enc, ESPAuth: espAuth, PFS: pfs}
	v2 = keywords{
		IKEEnc:  map[string]string{"aes": "aes-cbc-128", "aes192": "aes-cbc-192", "aes256": "aes-cbc-256", "des": "des-cbc", "3des": "3des-cbc"},
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		PRF:     map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		DH:      map[string]string{"group1": "group1", "group2": "group2", "group5": "group5", "group14": "group14", "group24": "group24"},
		ESPEnc:  enc, ESPAuth: espAuth, PFS: pfs}
	return v1, v2
}

// mikrotikKW: RouterOS 7 has no modp2048s256 and its IPsec proposals offer no
// sha384.
func mikrotikKW() keywords {
	dh := map[string]string{"group1": "modp768", "group2": "modp1024", "group5": "modp1536", "group14": "modp2048"}
	return keywords{
		IKEEnc:  map[string]string{"aes": "aes-128", "aes192": "aes-192", "aes256": "aes-256", "des": "des", "3des": "3des"},
		IKEAuth: map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"},
		DH:      dh,
		ESPEnc:  map[string]string{"aes": "aes-128-cbc", "aes192": "aes-192-cbc", "aes256": "aes-256-cbc", "des": "des", "3des": "3des"},
		ESPAuth: map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha512": "sha512"},
		PFS:     dh,
	}
}

// vyosKW: VyOS 1.4 has no single DES.
func vyosKW() keywords {
	enc := map[string]string{"aes": "aes128", "aes192": "aes192", "aes256": "aes256", "3des": "3des"}
	auth := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
	dh := map[string]string{"group1": "1", "group2": "2", "group5": "5", "group14": "14", "group24": "24"}
	pfs := map[string]string{"group1": "dh-group1", "group2": "dh-group2", "group5": "dh-group5", "group14": "dh-group14", "group24": "dh-group24"}
	return keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: pfs}
}

// vyosIKELife returns the ike-group lifetime R that makes VyOS's IKE SA live
// exactly life seconds: VyOS writes R as strongSwan's rekey_time and no
// over_time, which defaults to 10% of it (integer seconds), so the hard
// lifetime (and IKEv1's proposed lifetime) is R + R/10. R + R/10 takes every
// value but 11k+10.
func vyosIKELife(life int64) (int64, error) {
	q, rem := life/11, life%11
	if rem == 10 {
		return 0, fmt.Errorf("VyOS cannot make an IKE SA live exactly %d s: its ike-group lifetime R is the rekey time and the SA lives R + R/10 s, which is never %d; use %d or %d", life, life, life-1, life+1)
	}
	return 10*q + rem, nil
}

// strongswanPSK writes a PSK for swanctl.conf / ipsec.secrets: quoted, or as
// 0x-hex when it holds '"' or '\', which strongSwan would otherwise read as
// string syntax. Both forms are the same key to strongSwan.
func strongswanPSK(psk string) string {
	if strings.ContainsAny(psk, "\"\\") {
		return "0x" + hex.EncodeToString([]byte(psk))
	}
	return `"` + psk + `"`
}

// localIPMustMatch refuses an IP LocalId other than the tunnel's Local address
// (devices that send their interface address as the IP identity).
func localIPMustMatch(d Device, t *tunnel) error {
	if t.LocalID.Kind == "ip" && t.LocalID.Value != t.Local {
		return fmt.Errorf("render: device %s cannot express LocalId %q: an IP identity must be the Local address %s", d.ID, t.LocalID.Value, t.Local)
	}
	return nil
}

func noUserFQDN(d Device, t *tunnel) error {
	if t.LocalID.Kind == "user-fqdn" {
		return cannot(d, "LocalId", t.LocalID.Value)
	}
	if t.RemoteIDK == "user-fqdn" {
		return cannot(d, "RemoteId", t.RemoteID)
	}
	return nil
}

// ciscoIDs: an IP LocalId must be the Local address; IKEv1 (self-identity
// address) takes no other; user@host identities are refused.
func ciscoIDs(d Device, t *tunnel) error {
	if err := localIPMustMatch(d, t); err != nil {
		return err
	}
	if !t.IKEv2 && t.LocalID.Kind != "ip" {
		return fmt.Errorf("render: device %s cannot express LocalId %q with IKEv1: the ISAKMP profile sends the address (self-identity address)", d.ID, t.LocalID.Value)
	}
	return noUserFQDN(d, t)
}

// addressIDs: an IP identity must be the tunnel's own address (Local for
// LocalId, Remote for RemoteId); host names are written as such.
func addressIDs(d Device, t *tunnel) error {
	if err := localIPMustMatch(d, t); err != nil {
		return err
	}
	if t.RemoteIDK == "ip" && t.RemoteID != t.Remote {
		return fmt.Errorf("render: device %s cannot express RemoteId %q: an IP identity must be the Remote address %s", d.ID, t.RemoteID, t.Remote)
	}
	return nil
}

// registry builds the device table; called per use so nothing is shared.
func registry() []Device {
	full := [2]int64{60, 86400}
	iosV1, iosV2 := ciscoIOSKW()
	asaV1, asaV2 := ciscoASAKW()
	h3cV1, h3cV2 := h3cKW()
	hwV1, hwV2 := huaweiKW()
	both := []string{"ikev1", "ikev2"}
	quoteBS := "\"\\"
	return []Device{
		{
			ID: "strongswan-swanctl", Vendor: "strongSwan", Platform: "Linux", Software: "strongSwan 5.8+ (swanctl.conf)",
			IKEVersions: both, Aggressive: true, BGP: true,
			Backup: "two connections, same selectors, master policy priority 100, slave 200, distinct reqid",
			Files:  []string{"swanctl.conf"}, files: []string{"strongswan-swanctl.tmpl"},
			bypass:  true,
			IKELife: full, IPsecLife: full, kw1: strongswanKW(), encodePSK: strongswanPSK,
			Notes: "IKEv1 with several subnets: one CHILD_SA per subnet pair (IKEv1 carries one selector pair); IKEv2: one CHILD_SA with all subnets. " +
				"IKE rekey_time = 0.9 L, over_time = 0.1 L; CHILD life_time = L, rekey_time = 0.9 L. A PSK holding '\"' or '\\' is written as 0x-hex. " +
				"Aggressive mode as responder needs charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes. " +
				"With BgpConfigs the tunnels stay policy-based: the BGP addresses (/32) are selectors next to the subnets (IKEv1: CHILD_SA <name>-bgp), " +
				"the header's commands put the local BGP address on lo and route the neighbour via lo, and the frr device writes the BGP part.",
		},
		{
			ID: "strongswan-ipsec", Vendor: "strongSwan", Platform: "Linux", Software: "strongSwan 5.x (ipsec.conf + ipsec.secrets, starter/stroke)",
			IKEVersions: both, Aggressive: true, BGP: true,
			Backup: "two conns, same selectors, distinct reqid (ipsec.conf has no policy priority)",
			Files:  []string{"ipsec.conf", "ipsec.secrets"}, files: []string{"strongswan-ipsec.conf.tmpl", "strongswan-ipsec.secrets.tmpl"},
			bypass:  true,
			IKELife: full, IPsecLife: full, kw1: strongswanKW(), encodePSK: strongswanPSK,
			Notes: "ikelifetime and lifetime are the exact lifetimes; margintime (shared by IKE and CHILD SAs) is 10% of the shorter one, " +
				"so IKE SAs expire at exactly ikelifetime. No policy priority keyword in ipsec.conf. IKEv1 with several subnets: one conn per subnet pair. " +
				"With BgpConfigs: policy-based, as strongswan-swanctl (BGP /32 selectors, header commands, frr device).",
		},
		{
			ID: "generic", Vendor: "(any)", Platform: "Parameter sheet for devices without a template", Software: "-",
			IKEVersions: both, Aggressive: true, RouteBased: false, BGP: true,
			Backup: "both tunnels listed; the master is preferred, the slave its backup",
			Files:  []string{"parameters.txt"}, files: []string{"generic.tmpl"},
			IKELife: full, IPsecLife: full, kw1: genericKW(), encodePSK: func(psk string) string { return psk },
			Notes: "Every value with its IANA name and number (IKEv2 transform IDs; IKEv1 attribute values) and the templated devices' spellings; " +
				"the PSK as text and as hex; lifetimes, DPD, selectors, BGP. Refuses only what no PSK device can use (sm4/sm3).",
		},
		{
			ID: "frr", Vendor: "FRRouting", Platform: "Linux (FRR bgpd, with strongswan-swanctl, strongswan-ipsec or libreswan)", Software: "FRR 8.x (frr.conf)",
			IKEVersions: both, Aggressive: true, RouteBased: true, BGP: true, needsBGP: true,
			Backup: "both BGP sessions; the master's routes get local preference 200 (slave 100) and the slave's advertisements a twice-prepended AS path",
			Files:  []string{"frr.conf"}, files: []string{"frr.tmpl"},
			IKELife: full, IPsecLife: full, kw1: passKW(), RefusedPSKChars: quoteBS,
			Notes: "The BGP part of a Linux peer: prefix-list of the advertised subnets, in/out route-maps per neighbour, eBGP to PeerBgpIp from " +
				"LocalBgpIp (update-source, disable-connected-check), timers 10/30. Needs BgpConfigs; writes no IKE or IPsec value. " +
				"The IPsec outputs' headers put the BGP addresses on the host.",
		},
		{
			ID: "libreswan", Vendor: "Libreswan", Platform: "Linux", Software: "Libreswan 4.x (ipsec.conf + ipsec.secrets)",
			IKEVersions: both, Aggressive: true, BGP: true,
			Backup:     "without BGP only the master conn starts (the slave is loaded, auto=add: fail over by hand); with BGP both, on XFRM interfaces ipsec1/ipsec2 with overlapip=yes",
			anyOnlyBGP: true,
			anyOnlyWhy: "the route-based conns (ipsec-interface) negotiate 0.0.0.0/0: leftsubnets/rightsubnets would make one SA per subnet pair and none for the BGP addresses",
			Files:      []string{"ipsec.d/vpcvpn.conf", "ipsec.d/vpcvpn.secrets"}, files: []string{"libreswan.conf.tmpl", "libreswan.secrets.tmpl"},
			bypass:  true,
			IKELife: full, IPsecLife: full, kw1: libreswanKW(), RefusedPSKChars: quoteBS,
			ids: func(d Device, t *tunnel) error {
				// A bare host name is looked up in DNS by Libreswan: '@' makes it an FQDN identity.
				if t.LocalID.Kind == "fqdn" {
					t.LocalID.Value = "@" + t.LocalID.Value
				}
				if t.RemoteIDK == "fqdn" {
					t.RemoteID = "@" + t.RemoteID
				}
				return nil
			},
			Notes: "Refuses des, group1, group2 (modp1024 is not built by default in 4.x), group24. Several subnets: leftsubnets={...}/rightsubnets={...} (no fixed reqid: each pair is its own SA). " +
				"With BgpConfigs: ipsec-interface=<tunnel number>, 0.0.0.0/0 selectors, the XFRM interfaces and their TunnelCidr addresses created by the commands in the header; BGP from the frr device.",
		},
		{
			ID: "cisco-ios", Vendor: "Cisco", Platform: "IOS / IOS XE (crypto map, policy-based)", Software: "IOS 15.x, IOS XE 16.x-17.x",
			IKEVersions: both, Aggressive: true, Backup: "one crypto map entry with both peers (set peer master default, then slave)",
			Files: []string{"running-config"}, files: []string{"cisco-ios.tmpl"},
			IKELife: [2]int64{120, 86400}, IPsecLife: [2]int64{120, 86400}, kw1: iosV1, kw2: iosV2, sharedSA: true,
			RefusedPSKChars: quoteBS + "?",
			ids:             ciscoIDs,
			Notes: "Policy-based: an extended ACL with one line per subnet pair. IKEv1 through an ISAKMP profile and keyring, IKEv2 through an IKEv2 profile. " +
				"Refuses '?' (CLI help) and '\"' '\\' in the PSK, user@host identities. For route-based IOS use cisco-ios-vti.",
		},
		{
			ID: "cisco-ios-vti", Vendor: "Cisco", Platform: "IOS / IOS XE (static VTI, route-based)", Software: "IOS 15.x, IOS XE 16.x-17.x",
			IKEVersions: both, Aggressive: true, RouteBased: true, BGP: true, RouteBasedAnyOnly: true,
			Backup: "two tunnel interfaces; static routes with distance 1 (master) and 10 (slave), or BGP",
			Files:  []string{"running-config"}, files: []string{"cisco-ios-vti.tmpl"},
			IKELife: [2]int64{120, 86400}, IPsecLife: [2]int64{120, 86400}, kw1: iosV1, kw2: iosV2,
			RefusedPSKChars: quoteBS + "?",
			ids:             ciscoIDs,
			Notes:           "A static VTI negotiates 0.0.0.0/0 selectors: the connection's subnets must both be 0.0.0.0/0. Same ISAKMP/IKEv2 blocks as cisco-ios.",
		},
		{
			ID: "cisco-asa", Vendor: "Cisco", Platform: "ASA (crypto map, policy-based)", Software: "ASA 9.8-9.12",
			IKEVersions: both, Aggressive: true, Backup: "one crypto map entry with both peers (set peer master slave)",
			Files: []string{"running-config"}, files: []string{"cisco-asa.tmpl"},
			IKELife: [2]int64{120, 86400}, IPsecLife: [2]int64{120, 86400}, kw1: asaV1, kw2: asaV2, sharedSA: true,
			RefusedPSKChars: quoteBS + "?",
			ids: func(d Device, t *tunnel) error {
				if t.LocalID.Kind != "ip" || t.LocalID.Value != t.Local {
					return fmt.Errorf("render: device %s cannot express LocalId %q: the template sends the Local address %s as identity", d.ID, t.LocalID.Value, t.Local)
				}
				if t.RemoteIDK != "ip" || t.RemoteID != t.Remote {
					return fmt.Errorf("render: device %s cannot express RemoteId %q: the tunnel-group is named by the Remote address %s", d.ID, t.RemoteID, t.Remote)
				}
				return nil
			},
			why: func(field, value string, v2 bool) string {
				if v2 || (value != "sha256" && value != "sha384" && value != "sha512") {
					return ""
				}
				switch field {
				case "IkeAuthAlg":
					return "ASA IKEv1 policies hash md5 or sha only; SHA-2 needs IkeVersion ikev2"
				case "IpsecAuthAlg":
					return "ASA IKEv1 transform sets hash with esp-md5-hmac or esp-sha-hmac only; SHA-2 needs IkeVersion ikev2"
				}
				return ""
			},
			Notes: "IKEv1 policies and transform sets: hash md5/sha only (SHA-2 is IKEv2 only). IKEv2 policies name the PRF (it defaults to SHA-1). " +
				"Identities must be the addresses. The protected subnets are exempted from NAT (twice NAT, section 1). Interface names 'outside' and 'inside' are placeholders.",
		},
		{
			ID: "juniper-srx", Vendor: "Juniper", Platform: "SRX (route-based, st0)", Software: "Junos 15.1X49+",
			IKEVersions: both, Aggressive: true, RouteBased: true, BGP: true,
			Backup: "st0.0 and st0.1; static routes via st0.0, qualified-next-hop st0.1 preference 10, or BGP",
			Files:  []string{"set-commands"}, files: []string{"juniper-srx.tmpl"},
			IKELife: [2]int64{180, 86400}, IPsecLife: [2]int64{180, 86400}, kw1: juniperKW(),
			RefusedPSKChars: quoteBS,
			Notes:           "Subnet pairs become traffic-selectors on the VPN. ge-0/0/0.0 is a placeholder external interface.",
		},
		{
			ID: "fortinet-fortios", Vendor: "Fortinet", Platform: "FortiGate (interface mode, route-based)", Software: "FortiOS 6.4-7.x",
			IKEVersions: both, Aggressive: true, RouteBased: true, BGP: true,
			Backup: "two phase1-interfaces; static routes with distance 10 (master) and 20 (slave), or BGP",
			Files:  []string{"cli"}, files: []string{"fortinet-fortios.tmpl"},
			IKELife: [2]int64{120, 86400}, IPsecLife: [2]int64{120, 86400}, kw1: fortinetKW(),
			ids:             addressIDs,
			RefusedPSKChars: quoteBS,
			Notes:           "One phase2-interface per subnet pair. No DH group 24. wan1 and internal are placeholder interfaces.",
		},
		{
			ID: "paloalto-panos", Vendor: "Palo Alto Networks", Platform: "PAN-OS firewall (route-based, tunnel interface)", Software: "PAN-OS 9.1-11.x",
			IKEVersions: both, Aggressive: true, RouteBased: true, BGP: true,
			Backup: "tunnel.1 and tunnel.2; static routes metric 10 and 20 with tunnel monitoring (fail-over profile), or BGP (local preference, AS-path prepend)",
			Files:  []string{"set-commands"}, files: []string{"paloalto-panos.tmpl"},
			IKELife: [2]int64{180, 86400}, IPsecLife: [2]int64{180, 86400}, kw1: paloaltoKW(),
			check: func(d Device, m *model) error {
				for _, t := range m.Tunnels {
					if _, err := panLife(t.IKELife); err != nil {
						return fmt.Errorf("render: device %s cannot express IkeLifetime %d (no exact hours, minutes or seconds <= 65535)", d.ID, t.IKELife)
					}
					if _, err := panLife(t.ESPLife); err != nil {
						return fmt.Errorf("render: device %s cannot express IpsecLifetime %d (no exact hours, minutes or seconds <= 65535)", d.ID, t.ESPLife)
					}
				}
				return nil
			},
			RefusedPSKChars: quoteBS,
			Notes: "Subnet pairs become proxy-ids (plus the BGP addresses' pair with BgpConfigs). Security rules vpcvpn-out/vpcvpn-in (trust<->vpn) allow the subnets. " +
				"Lifetimes are written in the largest exact unit (hours, minutes, seconds <= 65535). No DH group 24. " +
				"Dual tunnel without BGP: tunnel monitoring with a fail-over monitor profile (the VPC host and the tunnel addresses are placeholders to fill in); " +
				"with BGP: install-route, local preference 200/100 and AS-path prepend on the slave.",
		},
		{
			ID: "huawei-usg", Vendor: "Huawei", Platform: "USG6000 series (policy-based)", Software: "USG6000 V500R005+",
			IKEVersions: both, Aggressive: true, noDual: true,
			Backup: "none: an IPsec policy picks its first matching entry, so a second entry for the slave would never carry traffic; render Tunnel \"master\" and \"slave\" separately (e.g. for two devices)",
			Files:  []string{"config"}, files: []string{"huawei-usg.tmpl"},
			IKELife: [2]int64{60, 86400}, IPsecLife: [2]int64{120, 86400}, kw1: hwV1, kw2: hwV2,
			RefusedPSKChars: quoteBS + "?",
			ids: func(d Device, t *tunnel) error {
				if err := localIPMustMatch(d, t); err != nil {
					return err
				}
				if t.RemoteIDK == "ip" && t.RemoteID != t.Remote {
					return fmt.Errorf("render: device %s cannot express RemoteId %q: an IP identity must be the Remote address %s", d.ID, t.RemoteID, t.Remote)
				}
				return nil
			},
			Notes: "ACL 3000+ with one rule per subnet pair. Security policies trust<->untrust for the subnets and local<->untrust for IKE/ESP; " +
				"nat-policy rule vpcvpn-no-nat (action no-nat, moved to the top). No DH group 24. GigabitEthernet1/0/1 is a placeholder (zone untrust).",
		},
		{
			ID: "h3c-secpath", Vendor: "H3C", Platform: "SecPath firewalls / MSR routers (policy-based)", Software: "Comware 7",
			IKEVersions: both, Aggressive: true, noDual: true,
			Backup: "none: an IPsec policy picks its first matching entry, so a second entry for the slave would never carry traffic; render Tunnel \"master\" and \"slave\" separately (e.g. for two devices)",
			Files:  []string{"config"}, files: []string{"h3c-secpath.tmpl"},
			IKELife: [2]int64{60, 86400}, IPsecLife: [2]int64{180, 86400}, kw1: h3cV1, kw2: h3cV2,
			RefusedPSKChars: quoteBS + "?",
			Notes: "IKEv1: ike proposal/keychain/profile; IKEv2: ikev2 proposal/policy/keychain/profile (PRF = integrity). " +
				"Security policy rules trust<->untrust for the subnets and local<->untrust for IKE/ESP; nat global-policy rule vpcvpn-no-nat (snat no-nat). " +
				"GigabitEthernet1/0/1 is a placeholder (zone untrust).",
		},
		{
			ID: "mikrotik-routeros", Vendor: "MikroTik", Platform: "RouterOS (policy-based)", Software: "RouterOS 7.x",
			IKEVersions: both, Aggressive: true, Backup: "slave policies are added disabled (RouterOS refuses two active policies with the same selectors); enable them to fail over",
			Files: []string{"script.rsc"}, files: []string{"mikrotik-routeros.tmpl"},
			IKELife: full, IPsecLife: full, kw1: mikrotikKW(),
			RefusedPSKChars: quoteBS + "$?",
			Notes:           "No modp2048s256 (group24), no sha384 for ESP. '$' would be expanded in RouterOS strings and is refused in the PSK.",
		},
		{
			ID: "vyos", Vendor: "VyOS", Platform: "VyOS", Software: "VyOS 1.4 (sagitta)",
			IKEVersions: both, Aggressive: true, RouteBased: true, BGP: true,
			Backup: "two site-to-site peers with the same selectors, master policy priority 10, slave 20; with BGP, vti1 and vti2 (local preference, AS-path prepend)",
			Files:  []string{"set-commands"}, files: []string{"vyos.tmpl"},
			IKELife: full, IPsecLife: full, kw1: vyosKW(),
			RefusedPSKChars: quoteBS,
			anyOnlyBGP:      true,
			anyOnlyWhy:      "a VyOS 1.4 VTI negotiates 0.0.0.0/0 only: its vti node has bind and esp-group, no traffic selector",
			ikeLife:         vyosIKELife,
			Notes: "Policy-based tunnels (one per subnet pair) without BGP; VTI (0.0.0.0/0 selectors, route autoinstall off) and BGP when BgpConfigs are present. " +
				"The ike-group lifetime is strongSwan's rekey_time and the IKE SA lives 10% longer, so it is written as R with R + R/10 = IkeLifetime " +
				"(IkeLifetime values of the form 11k+10 have no such R and are refused). eth0 is a placeholder. No single DES.",
		},
	}
}
