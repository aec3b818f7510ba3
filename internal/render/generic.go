package render

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// The generic device is a parameter sheet for devices without a template:
// every value in its IANA name (IKEv2 transform IDs, RFC 7296 and the IANA
// "IKEv2 Parameters" registry; IKEv1 attribute values, RFC 2409 and RFC 4868)
// and in the spellings of the templated devices, taken from their keyword
// tables so that the sheet and the templates never disagree.

// genericKW is the sheet's own short name for each value (the first column).
func genericKW() keywords {
	enc := map[string]string{"aes": "AES-CBC-128", "aes192": "AES-CBC-192", "aes256": "AES-CBC-256", "des": "DES-CBC", "3des": "3DES-CBC"}
	auth := map[string]string{"md5": "HMAC-MD5-96", "sha1": "HMAC-SHA1-96", "sha256": "HMAC-SHA2-256-128", "sha384": "HMAC-SHA2-384-192", "sha512": "HMAC-SHA2-512-256"}
	dh := map[string]string{"group1": "MODP-768 (group 1)", "group2": "MODP-1024 (group 2)", "group5": "MODP-1536 (group 5)",
		"group14": "MODP-2048 (group 14)", "group24": "MODP-2048-256 (group 24)"}
	prf := map[string]string{"md5": "HMAC-MD5", "sha1": "HMAC-SHA1", "sha256": "HMAC-SHA2-256", "sha384": "HMAC-SHA2-384", "sha512": "HMAC-SHA2-512"}
	return keywords{IKEEnc: enc, IKEAuth: auth, DH: dh, ESPEnc: enc, ESPAuth: auth, PFS: dh, PRF: prf}
}

// ianaNames gives, per field and value, the IKEv2 name (transform ID) and the
// IKEv1 name (attribute value) of a value.
func ianaName(field, value string, v2 bool) string {
	ikev2 := map[string]map[string]string{
		"enc": {"aes": "ENCR_AES_CBC (12), key length 128", "aes192": "ENCR_AES_CBC (12), key length 192", "aes256": "ENCR_AES_CBC (12), key length 256",
			"des": "ENCR_DES (2)", "3des": "ENCR_3DES (3)"},
		"integ": {"md5": "AUTH_HMAC_MD5_96 (1)", "sha1": "AUTH_HMAC_SHA1_96 (2)", "sha256": "AUTH_HMAC_SHA2_256_128 (12)",
			"sha384": "AUTH_HMAC_SHA2_384_192 (13)", "sha512": "AUTH_HMAC_SHA2_512_256 (14)"},
		"prf": {"md5": "PRF_HMAC_MD5 (1)", "sha1": "PRF_HMAC_SHA1 (2)", "sha256": "PRF_HMAC_SHA2_256 (5)", "sha384": "PRF_HMAC_SHA2_384 (6)", "sha512": "PRF_HMAC_SHA2_512 (7)"},
		"dh": {"group1": "768-bit MODP Group (1)", "group2": "1024-bit MODP Group (2)", "group5": "1536-bit MODP Group (5)", "group14": "2048-bit MODP Group (14)",
			"group24": "2048-bit MODP Group with 256-bit Prime Order Subgroup (24)"},
	}
	ikev1 := map[string]map[string]string{
		"enc":   {"aes": "AES-CBC (7), key length 128", "aes192": "AES-CBC (7), key length 192", "aes256": "AES-CBC (7), key length 256", "des": "DES-CBC (1)", "3des": "3DES-CBC (5)"},
		"integ": {"md5": "MD5 (1)", "sha1": "SHA (2)", "sha256": "SHA2-256 (4)", "sha384": "SHA2-384 (5)", "sha512": "SHA2-512 (6)"},
		"dh":    ikev2["dh"],
		"esp": {"aes": "ESP_AES (12), key length 128", "aes192": "ESP_AES (12), key length 192", "aes256": "ESP_AES (12), key length 256",
			"des": "ESP_DES (2)", "3des": "ESP_3DES (3)"},
		"espauth": {"md5": "HMAC-MD5 (1)", "sha1": "HMAC-SHA (2)", "sha256": "HMAC-SHA2-256 (5)", "sha384": "HMAC-SHA2-384 (6)", "sha512": "HMAC-SHA2-512 (7)"},
	}
	key := map[string]string{"IkeEncAlg": "enc", "IkeAuthAlg": "integ", "IkePrf": "prf", "IkePfs": "dh", "IpsecPfs": "dh",
		"IpsecEncAlg": "enc", "IpsecAuthAlg": "integ"}[field]
	if v2 {
		return ikev2[key][value]
	}
	switch field {
	case "IpsecEncAlg":
		key = "esp"
	case "IpsecAuthAlg":
		key = "espauth"
	}
	return ikev1[key][value]
}

// sheetDevices are the templated devices whose spellings the sheet lists,
// with the label it shows.
var sheetDevices = []struct{ id, label string }{
	{"strongswan-swanctl", "strongSwan"}, {"libreswan", "Libreswan"}, {"cisco-ios", "Cisco IOS"}, {"cisco-asa", "Cisco ASA"},
	{"juniper-srx", "Junos"}, {"fortinet-fortios", "FortiOS"}, {"paloalto-panos", "PAN-OS"}, {"huawei-usg", "Huawei"},
	{"h3c-secpath", "H3C"}, {"mikrotik-routeros", "RouterOS"}, {"vyos", "VyOS"},
}

// spellings lists how the templated devices write value of field under IKE
// version v2 ("Cisco IOS aes-cbc-128; Junos aes-128-cbc; ..."), then the
// devices that cannot express it ("(not available on Libreswan)").
func spellings(field, value string, v2 bool) string {
	ver := "ikev1"
	if v2 {
		ver = "ikev2"
	}
	_, byID := devices()
	var parts, cannot []string
	for _, sd := range sheetDevices {
		d, found := byID[sd.id]
		if !found {
			continue
		}
		var k string
		var ok bool
		if field == "IkePrf" {
			prf := d.kw(v2).PRF
			if prf == nil {
				continue // the device derives the PRF from the integrity algorithm
			}
			k, ok = prf[value]
		} else {
			k, ok = d.Keywords(ver, field, value)
		}
		if ok {
			parts = append(parts, sd.label+" "+k)
		} else {
			cannot = append(cannot, sd.label)
		}
	}
	out := strings.Join(parts, "; ")
	if field == "IkePrf" {
		out += " (the others derive it from the integrity algorithm)"
	}
	if len(cannot) > 0 {
		out += " (not available on " + strings.Join(cannot, ", ") + ")"
	}
	return out
}

// sheetPSKHex is the PSK as hex, for devices that take a key that way.
func sheetPSKHex(psk string) string { return "0x" + hex.EncodeToString([]byte(psk)) }

// hms writes seconds with their hours and minutes ("86400 s (24 h)").
func hms(s int64) string {
	switch {
	case s >= 3600 && s%3600 == 0:
		return fmt.Sprintf("%d s (%d h)", s, s/3600)
	case s >= 60 && s%60 == 0:
		return fmt.Sprintf("%d s (%d min)", s, s/60)
	}
	return fmt.Sprintf("%d s", s)
}
