package vpn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{PrefixVpc, PrefixVSwitch, PrefixVpnGateway, PrefixCustomerGateway, PrefixVpnConnection, PrefixTunnel} {
		for range 200 {
			id := NewID(prefix)
			if len(id) != len(prefix)+1+21 || !strings.HasPrefix(id, prefix+"-") {
				t.Fatalf("NewID(%q) = %q", prefix, id)
			}
			if !ValidID(prefix, id) {
				t.Fatalf("ValidID(%q, %q) = false", prefix, id)
			}
			if seen[id] {
				t.Fatalf("duplicate id %q", id)
			}
			seen[id] = true
		}
	}
}

func TestRequiredID(t *testing.T) {
	tests := []struct {
		name, value, prefix, want, code string
	}{
		{"ok", "vco-bp1bbi27hojx80nck1234", PrefixVpnConnection, "vco-bp1bbi27hojx80nck1234", ""},
		{"absent", del, PrefixVpnConnection, "", "MissingVpnConnectionId"},
		{"empty", "", PrefixVpnConnection, "", "MissingVpnConnectionId"},
		{"masked doc example", "vco-bp1bbi27hojx80nck****", PrefixVpnConnection, "", "InvalidVpnConnectionInstanceId.NotFound"},
		{"wrong prefix", "vpn-bp1bbi27hojx80nck1234", PrefixVpnConnection, "", "InvalidVpnConnectionInstanceId.NotFound"},
		{"upper case", "vco-BP1", PrefixVpnConnection, "", "InvalidVpnConnectionInstanceId.NotFound"},
		{"prefix only", "vco-", PrefixVpnConnection, "", "InvalidVpnConnectionInstanceId.NotFound"},
		{"too long", "vco-" + strings.Repeat("a", 61), PrefixVpnConnection, "", "InvalidVpnConnectionInstanceId.NotFound"},
		{"gateway", "vpn-x", PrefixVpnGateway, "vpn-x", ""},
		{"gateway bad", "vpn_x", PrefixVpnGateway, "", "InvalidVpnGatewayInstanceId.NotFound"},
		{"cgw bad", "cgw-", PrefixCustomerGateway, "", "InvalidCustomerGatewayInstanceId.NotFound"},
		{"vpc bad", "vpc-a b", PrefixVpc, "", "InvalidVpcId.NotFound"},
		{"vsw bad", "vsw-A", PrefixVSwitch, "", "InvalidVSwitchId.NotFound"},
		{"tunnel bad", "tun-?", PrefixTunnel, "", "InvalidTunnelId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := map[string]string{PrefixVpnConnection: "VpnConnectionId", PrefixVpnGateway: "VpnGatewayId",
				PrefixCustomerGateway: "CustomerGatewayId", PrefixVpc: "VpcId", PrefixVSwitch: "VSwitchId", PrefixTunnel: "TunnelId"}[tt.prefix]
			p := with(Params{name: tt.value}, nil)
			if tt.value == del {
				p = Params{}
			}
			got, err := RequiredID(p, name, tt.prefix)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePage(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want Page
		code string
	}{
		{"defaults", Params{}, Page{1, 10}, ""},
		{"explicit", Params{"PageNumber": "3", "PageSize": "50"}, Page{3, 50}, ""},
		{"size 1", Params{"PageSize": "1"}, Page{1, 1}, ""},
		{"number 0", Params{"PageNumber": "0"}, Page{}, "InvalidPageNumber.Malformed"},
		{"number negative", Params{"PageNumber": "-1"}, Page{}, "InvalidPageNumber.Malformed"},
		{"number text", Params{"PageNumber": "one"}, Page{}, "InvalidPageNumber.Malformed"},
		{"number empty", Params{"PageNumber": ""}, Page{}, "InvalidPageNumber.Malformed"},
		{"size 0", Params{"PageSize": "0"}, Page{}, "InvalidPageSize.Malformed"},
		{"size 51", Params{"PageSize": "51"}, Page{}, "InvalidPageSize.Malformed"},
		{"size float", Params{"PageSize": "10.5"}, Page{}, "InvalidPageSize.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePage(tt.p)
			wantCode(t, err, tt.code)
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := (Page{Number: 3, Size: 20}).Offset(); got != 40 {
		t.Fatalf("Offset = %d", got)
	}
}

func TestBooleansAreStrict(t *testing.T) {
	for _, v := range []string{"True", "TRUE", "1", "0", "yes", "", " true"} {
		t.Run(v, func(t *testing.T) {
			_, err := Params{"EnableDpd": v}.boolParam("EnableDpd", true)
			e := wantCode(t, err, "InvalidEnableDpd.Malformed")
			if !strings.Contains(e.Message, "EnableDpd") {
				t.Fatalf("message %q does not name the field", e.Message)
			}
		})
	}
	for v, want := range map[string]bool{"true": true, "false": false} {
		got, err := Params{"X": v}.boolParam("X", !want)
		if err != nil || got != want {
			t.Fatalf("%s: %v %v", v, got, err)
		}
	}
}

func TestShownTruncates(t *testing.T) {
	long := strings.Repeat("x", 500)
	_, err := Params{"EnableDpd": long}.boolParam("EnableDpd", true)
	e := wantCode(t, err, "InvalidEnableDpd.Malformed")
	if strings.Contains(e.Message, strings.Repeat("x", 65)) || !strings.Contains(e.Message, strings.Repeat("x", 64)+"...") {
		t.Fatalf("message not truncated to 64 characters: %q", e.Message)
	}
}

func TestTags(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want []Tag
		code string
	}{
		{"none", Params{}, nil, ""},
		{"ordered by index", Params{"Tags.2.Key": "b", "Tags.2.Value": "2", "Tags.1.Key": "a", "Tags.10.Key": "c"},
			[]Tag{{"a", ""}, {"b", "2"}, {"c", ""}}, ""},
		{"value without key", Params{"Tags.1.Value": "v"}, nil, "InvalidTagKey.Malformed"},
		{"aliyun prefix", Params{"Tags.1.Key": "aliyun:x"}, nil, "InvalidTagKey.Malformed"},
		{"acs value", Params{"Tags.1.Key": "k", "Tags.1.Value": "acs:x"}, nil, "InvalidTagValue.Malformed"},
		{"key too long", Params{"Tags.1.Key": strings.Repeat("k", 129)}, nil, "InvalidTagKey.Malformed"},
		{"duplicate key", Params{"Tags.1.Key": "k", "Tags.2.Key": "k"}, nil, "InvalidTagKey.Duplicate"},
		{"index 0", Params{"Tags.0.Key": "k"}, nil, "InvalidParameter"},
		{"index 21", Params{"Tags.21.Key": "k"}, nil, "InvalidParameter"},
		{"leading zero", Params{"Tags.01.Key": "k"}, nil, "InvalidParameter"},
		{"bad field", Params{"Tags.1.Name": "k"}, nil, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.tags("Tags")
			wantCode(t, err, tt.code)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

func TestRegions(t *testing.T) {
	rs := Regions()
	if len(rs) < 20 {
		t.Fatalf("%d regions", len(rs))
	}
	ids := map[string]bool{}
	for _, r := range rs {
		if ids[r.ID] || r.NameZh == "" || r.NameEn == "" || r.Endpoint == "" || len(r.Zones) == 0 {
			t.Fatalf("bad region %+v", r)
		}
		ids[r.ID] = true
		for _, z := range r.Zones {
			if !strings.HasPrefix(z, r.ID+"-") || !ValidZone(r.ID, z) {
				t.Fatalf("zone %s of %s", z, r.ID)
			}
		}
	}
	for _, id := range []string{"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-hongkong", "ap-southeast-1", "us-west-1", "eu-central-1"} {
		if !ids[id] {
			t.Errorf("missing region %s", id)
		}
	}
	hz, _ := LookupRegion("cn-hangzhou")
	if hz.LocalName("zh-CN") != "华东1（杭州）" || hz.LocalName("en-US") != "China (Hangzhou)" || hz.Endpoint != "vpc.aliyuncs.com" {
		t.Fatalf("%+v", hz)
	}
	for _, z := range []string{"cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"} {
		if !ValidZone("cn-hangzhou", z) {
			t.Errorf("zone %s", z)
		}
	}
	if ValidZone("cn-hangzhou", "cn-shanghai-a") || ValidZone("nowhere", "nowhere-a") {
		t.Fatal("ValidZone accepts a foreign zone")
	}
	rs[0].Zones[0] = "mutated"
	if Regions()[0].Zones[0] == "mutated" {
		t.Fatal("Regions shares its table")
	}
}

func TestParseRegion(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		code string
	}{
		{"ok", Params{"RegionId": "cn-hangzhou"}, ""},
		{"missing", Params{}, "MissingRegionId"},
		{"empty", Params{"RegionId": ""}, "MissingRegionId"},
		{"unknown", Params{"RegionId": "cn-atlantis"}, "InvalidRegionId.NotFound"},
		{"case", Params{"RegionId": "CN-HANGZHOU"}, "InvalidRegionId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRegion(tt.p)
			e := wantCode(t, err, tt.code)
			if tt.code == "MissingRegionId" && e.Message != "RegionId is mandatory for this action." {
				t.Fatalf("message %q", e.Message)
			}
		})
	}
	for in, want := range map[string]string{"": "zh-CN", "zh-CN": "zh-CN", "en-US": "en-US"} {
		got, err := ParseAcceptLanguage(Params{"AcceptLanguage": in})
		if err != nil || got != want {
			t.Fatalf("%q: %q %v", in, got, err)
		}
	}
	_, err := ParseAcceptLanguage(Params{"AcceptLanguage": "fr-FR"})
	wantCode(t, err, "InvalidAcceptLanguage.Malformed")
}
