package vpn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestParseIkeConfig(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want IkePatch
		code string
	}{
		{"empty string", "", IkePatch{}, ""},
		{"empty object", "{}", IkePatch{}, ""},
		{"all keys", `{"Psk":"a1!~","IkeVersion":"ikev2","IkeMode":"aggressive","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":3600,"LocalId":"gw.example.com","RemoteId":"1.2.3.4"}`,
			IkePatch{Psk: ptr("a1!~"), IkeVersion: ptr("ikev2"), IkeMode: ptr("aggressive"), IkeEncAlg: ptr("aes256"), IkeAuthAlg: ptr("sha256"),
				IkePfs: ptr("group14"), IkeLifetime: ptr(int64(3600)), LocalID: ptr("gw.example.com"), RemoteID: ptr("1.2.3.4")}, ""},
		{"lifetime as string", `{"IkeLifetime":"86400"}`, IkePatch{IkeLifetime: ptr(int64(86400))}, ""},
		{"lifetime zero", `{"IkeLifetime":0}`, IkePatch{IkeLifetime: ptr(int64(0))}, ""},
		// Numeric strings are canonical decimal, as every other number.
		{"lifetime string with plus", `{"IkeLifetime":"+86400"}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime string with leading zero", `{"IkeLifetime":"086400"}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime string with space", `{"IkeLifetime":" 86400"}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime string hex", `{"IkeLifetime":"0x10"}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"null is absent", `{"IkeEncAlg":null}`, IkePatch{}, ""},
		{"group24 accepted", `{"IkePfs":"group24"}`, IkePatch{IkePfs: ptr("group24")}, ""},
		{"sm4 passes syntax", `{"IkeEncAlg":"sm4","IkeAuthAlg":"sm3"}`, IkePatch{IkeEncAlg: ptr("sm4"), IkeAuthAlg: ptr("sm3")}, ""},
		{"all psk specials", `{"Psk":"~!` + "`" + `@#$%^&*()_-+={}[]\\|;:\",.<>/?"}`, IkePatch{Psk: ptr(pskSpecials)}, ""},
		{"psk 100", `{"Psk":"` + strings.Repeat("a", 100) + `"}`, IkePatch{Psk: ptr(strings.Repeat("a", 100))}, ""},
		{"not json", `{IkeEncAlg:aes}`, IkePatch{}, "InvalidIkeConfig.Malformed"},
		{"array", `[]`, IkePatch{}, "InvalidIkeConfig.Malformed"},
		{"null", `null`, IkePatch{}, "InvalidIkeConfig.Malformed"},
		{"trailing data", `{} {}`, IkePatch{}, "InvalidIkeConfig.Malformed"},
		{"unknown key", `{"IkeEncAlgo":"aes"}`, IkePatch{}, "InvalidIkeConfig.UnknownKey"},
		{"key case", `{"ikeencalg":"aes"}`, IkePatch{}, "InvalidIkeConfig.UnknownKey"},
		{"bad version", `{"IkeVersion":"ikev3"}`, IkePatch{}, "InvalidIkeConfig.IkeVersion"},
		{"bad mode", `{"IkeMode":"quick"}`, IkePatch{}, "InvalidIkeConfig.IkeMode"},
		{"bad enc", `{"IkeEncAlg":"aes128"}`, IkePatch{}, "InvalidIkeConfig.IkeEncAlg"},
		{"enc upper", `{"IkeEncAlg":"AES"}`, IkePatch{}, "InvalidIkeConfig.IkeEncAlg"},
		{"enc number", `{"IkeEncAlg":3}`, IkePatch{}, "InvalidIkeConfig.IkeEncAlg"},
		{"bad auth", `{"IkeAuthAlg":"sha224"}`, IkePatch{}, "InvalidIkeConfig.IkeAuthAlg"},
		{"disabled not for ike", `{"IkePfs":"disabled"}`, IkePatch{}, "InvalidIkeConfig.IkePfs"},
		{"bad pfs", `{"IkePfs":"group19"}`, IkePatch{}, "InvalidIkeConfig.IkePfs"},
		{"lifetime high", `{"IkeLifetime":86401}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime negative", `{"IkeLifetime":-1}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime float", `{"IkeLifetime":1.5}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime bool", `{"IkeLifetime":true}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"lifetime text", `{"IkeLifetime":"1h"}`, IkePatch{}, "InvalidIkeConfig.IkeLifetime"},
		{"psk empty", `{"Psk":""}`, IkePatch{}, "InvalidIkeConfig.Psk"},
		{"psk space", `{"Psk":"a b"}`, IkePatch{}, "InvalidIkeConfig.Psk"},
		{"psk quote", `{"Psk":"a'b"}`, IkePatch{}, "InvalidIkeConfig.Psk"},
		{"psk unicode", `{"Psk":"pässword"}`, IkePatch{}, "InvalidIkeConfig.Psk"},
		{"psk 101", `{"Psk":"` + strings.Repeat("a", 101) + `"}`, IkePatch{}, "InvalidIkeConfig.Psk"},
		{"local id space", `{"LocalId":"a b"}`, IkePatch{}, "InvalidIkeConfig.LocalId"},
		{"remote id empty", `{"RemoteId":""}`, IkePatch{}, "InvalidIkeConfig.RemoteId"},
		{"remote id 101", `{"RemoteId":"` + strings.Repeat("r", 101) + `"}`, IkePatch{}, "InvalidIkeConfig.RemoteId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIkeConfig(tt.in)
			wantCode(t, err, tt.code)
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatal(diff)
				}
			}
		})
	}
}

func TestPskNeverInMessage(t *testing.T) {
	_, err := ParseIkeConfig(`{"Psk":"secret value"}`)
	e := wantCode(t, err, "InvalidIkeConfig.Psk")
	if strings.Contains(e.Message, "secret") {
		t.Fatalf("message leaks the key: %q", e.Message)
	}
}

func TestParseIpsecConfig(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want IpsecPatch
		code string
	}{
		{"all", `{"IpsecEncAlg":"3des","IpsecAuthAlg":"sha512","IpsecPfs":"disabled","IpsecLifetime":"600"}`,
			IpsecPatch{IpsecEncAlg: ptr("3des"), IpsecAuthAlg: ptr("sha512"), IpsecPfs: ptr("disabled"), IpsecLifetime: ptr(int64(600))}, ""},
		{"group24", `{"IpsecPfs":"group24"}`, IpsecPatch{IpsecPfs: ptr("group24")}, ""},
		{"bad enc", `{"IpsecEncAlg":"chacha20"}`, IpsecPatch{}, "InvalidIpsecConfig.IpsecEncAlg"},
		{"bad auth", `{"IpsecAuthAlg":"md4"}`, IpsecPatch{}, "InvalidIpsecConfig.IpsecAuthAlg"},
		{"bad pfs", `{"IpsecPfs":"none"}`, IpsecPatch{}, "InvalidIpsecConfig.IpsecPfs"},
		{"bad lifetime", `{"IpsecLifetime":100000}`, IpsecPatch{}, "InvalidIpsecConfig.IpsecLifetime"},
		{"ike key in ipsec", `{"IkeEncAlg":"aes"}`, IpsecPatch{}, "InvalidIpsecConfig.UnknownKey"},
		{"malformed", `"aes"`, IpsecPatch{}, "InvalidIpsecConfig.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIpsecConfig(tt.in)
			wantCode(t, err, tt.code)
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatal(diff)
				}
			}
		})
	}
}

func TestParseBgpConfig(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want BgpPatch
		code string
	}{
		{"all", `{"EnableBgp":true,"LocalAsn":65000,"TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.1"}`,
			BgpPatch{EnableBgp: ptr(true), LocalAsn: ptr(int64(65000)), TunnelCidr: ptr("169.254.11.0/30"), LocalBgpIP: ptr("169.254.11.1")}, ""},
		{"strings", `{"EnableBgp":"false","LocalAsn":"4294967295"}`, BgpPatch{EnableBgp: ptr(false), LocalAsn: ptr(int64(4294967295))}, ""},
		{"enable bad", `{"EnableBgp":"yes"}`, BgpPatch{}, "InvalidBgpConfig.EnableBgp"},
		{"enable number", `{"EnableBgp":1}`, BgpPatch{}, "InvalidBgpConfig.EnableBgp"},
		{"asn zero", `{"LocalAsn":0}`, BgpPatch{}, "InvalidBgpConfig.LocalAsn"},
		{"asn too big", `{"LocalAsn":4294967296}`, BgpPatch{}, "InvalidBgpConfig.LocalAsn"},
		{"cidr /29", `{"TunnelCidr":"169.254.11.0/29"}`, BgpPatch{}, "InvalidBgpConfig.TunnelCidr"},
		{"cidr outside", `{"TunnelCidr":"10.0.0.0/30"}`, BgpPatch{}, "InvalidBgpConfig.TunnelCidr"},
		{"ip bad", `{"LocalBgpIp":"169.254.11.300"}`, BgpPatch{}, "InvalidBgpConfig.LocalBgpIp"},
		{"unknown", `{"PeerAsn":1}`, BgpPatch{}, "InvalidBgpConfig.UnknownKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBgpConfig(tt.in)
			wantCode(t, err, tt.code)
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatal(diff)
				}
			}
		})
	}
}

func TestParseHealthCheckConfig(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want HealthCheckPatch
		code string
	}{
		{"all", `{"enable":"true","sip":"192.168.1.1","dip":"10.0.0.1","interval":"5","retry":4,"policy":"reserve_route"}`,
			HealthCheckPatch{Enable: ptr(true), Sip: ptr("192.168.1.1"), Dip: ptr("10.0.0.1"), Interval: ptr(int64(5)), Retry: ptr(int64(4)), Policy: ptr("reserve_route")}, ""},
		{"sip bad", `{"sip":"x"}`, HealthCheckPatch{}, "InvalidHealthCheckConfig.sip"},
		{"interval 0", `{"interval":0}`, HealthCheckPatch{}, "InvalidHealthCheckConfig.interval"},
		{"retry 101", `{"retry":101}`, HealthCheckPatch{}, "InvalidHealthCheckConfig.retry"},
		{"policy", `{"policy":"drop"}`, HealthCheckPatch{}, "InvalidHealthCheckConfig.policy"},
		{"capitalised keys (Terraform's modify)", `{"Enable":true,"Dip":"10.0.0.1","Sip":"192.168.1.1","Interval":5,"Retry":4}`,
			HealthCheckPatch{Enable: ptr(true), Sip: ptr("192.168.1.1"), Dip: ptr("10.0.0.1"), Interval: ptr(int64(5)), Retry: ptr(int64(4))}, ""},
		{"one key twice", `{"enable":true,"Enable":false}`, HealthCheckPatch{}, "InvalidHealthCheckConfig.DuplicateKey"},
		{"unknown key", `{"Enabled":true}`, HealthCheckPatch{}, "InvalidHealthCheckConfig.UnknownKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHealthCheckConfig(tt.in)
			wantCode(t, err, tt.code)
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatal(diff)
				}
			}
		})
	}
}

func TestRandomPsk(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := RandomPsk()
		if len(k) != 16 || !ValidPsk(k) || seen[k] {
			t.Fatalf("RandomPsk() = %q", k)
		}
		for i := 0; i < len(k); i++ {
			if !isAlnum(k[i]) {
				t.Fatalf("RandomPsk() = %q has a non-alphanumeric", k)
			}
		}
		seen[k] = true
	}
}
