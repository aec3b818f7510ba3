package vpn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

var singleBase = Params{
	"RegionId":          "cn-hangzhou",
	"VpnGatewayId":      "vpn-gw1",
	"CustomerGatewayId": "cgw-c1",
	"LocalSubnet":       "192.168.0.0/16",
	"RemoteSubnet":      "10.0.0.0/8",
}

var dualBase = Params{
	"RegionId":     "cn-hangzhou",
	"VpnGatewayId": "vpn-gw2",
	"LocalSubnet":  "192.168.0.0/16",
	"RemoteSubnet": "10.0.0.0/8",
	"TunnelOptionsSpecification.1.CustomerGatewayId": "cgw-c1",
	"TunnelOptionsSpecification.2.CustomerGatewayId": "cgw-c2",
}

func TestParseCreateVpnConnectionSingleDefaults(t *testing.T) {
	got, err := ParseCreateVpnConnection(singleBase)
	if err != nil {
		t.Fatal(err)
	}
	want := CreateVpnConnectionRequest{Connection: Connection{
		RegionID: "cn-hangzhou", VpnGatewayID: "vpn-gw1", CustomerGatewayID: "cgw-c1",
		LocalSubnet: "192.168.0.0/16", RemoteSubnet: "10.0.0.0/8",
		EnableDpd: true, EnableNatTraversal: true, AutoConfigRoute: true,
		Ike:   IkeConfig{IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "md5", IkePfs: "group2", IkeLifetime: 86400},
		Ipsec: IpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "md5", IpsecPfs: "group2", IpsecLifetime: 86400},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

func TestParseCreateVpnConnectionSingleFull(t *testing.T) {
	p := with(singleBase, Params{
		"Name": "to-dc", "EnableDpd": "false", "EnableNatTraversal": "false", "AutoConfigRoute": "false",
		"EffectImmediately": "true", "ClientToken": "tok-1", "DryRun": "true",
		"IkeConfig":         `{"Psk":"k1","IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeLifetime":"28800","RemoteId":"dc.example.com"}`,
		"IpsecConfig":       `{"IpsecPfs":"disabled","IpsecLifetime":3600}`,
		"BgpConfig":         `{"EnableBgp":"true","TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.1"}`,
		"HealthCheckConfig": `{"enable":true,"sip":"192.168.1.1","dip":"10.0.0.1"}`,
		"Tags.1.Key":        "env", "Tags.1.Value": "prod",
		"LocalSubnet": "192.168.1.0/24,192.168.2.0/24",
	})
	got, err := ParseCreateVpnConnection(p)
	if err != nil {
		t.Fatal(err)
	}
	want := CreateVpnConnectionRequest{
		Options: Options{ClientToken: "tok-1", DryRun: true},
		Connection: Connection{
			RegionID: "cn-hangzhou", VpnGatewayID: "vpn-gw1", CustomerGatewayID: "cgw-c1", Name: "to-dc",
			LocalSubnet: "192.168.1.0/24,192.168.2.0/24", RemoteSubnet: "10.0.0.0/8", EffectImmediately: true,
			Ike:         IkeConfig{Psk: "k1", IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "md5", IkePfs: "group2", IkeLifetime: 28800, RemoteID: "dc.example.com"},
			Ipsec:       IpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "md5", IpsecPfs: "disabled", IpsecLifetime: 3600},
			Bgp:         BgpConfig{EnableBgp: true, TunnelCidr: "169.254.11.0/30", LocalBgpIP: "169.254.11.1"},
			HealthCheck: HealthCheckConfig{Enable: true, Sip: "192.168.1.1", Dip: "10.0.0.1", Interval: 3, Retry: 3, Policy: "revoke_route"},
			Tags:        []Tag{{"env", "prod"}},
			ClientToken: "tok-1",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

func TestParseCreateVpnConnectionDual(t *testing.T) {
	p := with(dualBase, Params{
		"EnableTunnelsBgp":                                             "true",
		"TunnelOptionsSpecification.1.Role":                            "slave",
		"TunnelOptionsSpecification.2.Role":                            "master",
		"TunnelOptionsSpecification.1.EnableDpd":                       "false",
		"TunnelOptionsSpecification.1.TunnelIkeConfig.IkeEncAlg":       "aes192",
		"TunnelOptionsSpecification.1.TunnelIkeConfig.IkeLifetime":     "600",
		"TunnelOptionsSpecification.1.TunnelIkeConfig.Psk":             "slavekey",
		"TunnelOptionsSpecification.1.TunnelIpsecConfig.IpsecPfs":      "group5",
		"TunnelOptionsSpecification.1.TunnelBgpConfig.TunnelCidr":      "169.254.20.0/30",
		"TunnelOptionsSpecification.1.TunnelBgpConfig.LocalBgpIp":      "169.254.20.1",
		"TunnelOptionsSpecification.2.TunnelBgpConfig.TunnelCidr":      "169.254.21.0/30",
		"TunnelOptionsSpecification.2.TunnelBgpConfig.LocalBgpIp":      "169.254.21.2",
		"TunnelOptionsSpecification.2.TunnelBgpConfig.LocalAsn":        "65001",
		"TunnelOptionsSpecification.2.EnableNatTraversal":              "false",
		"TunnelOptionsSpecification.2.TunnelIpsecConfig.IpsecLifetime": "1200",
	})
	got, err := ParseCreateVpnConnection(p)
	if err != nil {
		t.Fatal(err)
	}
	ike, ipsec := DefaultIke(), DefaultIpsec()
	slaveIke := ike
	slaveIke.IkeEncAlg, slaveIke.IkeLifetime, slaveIke.Psk = "aes192", 600, "slavekey"
	slaveIpsec := ipsec
	slaveIpsec.IpsecPfs = "group5"
	masterIpsec := ipsec
	masterIpsec.IpsecLifetime = 1200
	want := Connection{
		RegionID: "cn-hangzhou", VpnGatewayID: "vpn-gw2", LocalSubnet: "192.168.0.0/16", RemoteSubnet: "10.0.0.0/8",
		AutoConfigRoute: true, EnableTunnelsBgp: true,
		Tunnels: []Tunnel{
			{Role: "master", CustomerGatewayID: "cgw-c2", EnableDpd: true, EnableNatTraversal: false, Ike: ike, Ipsec: masterIpsec,
				Bgp: BgpConfig{EnableBgp: true, LocalAsn: 65001, TunnelCidr: "169.254.21.0/30", LocalBgpIP: "169.254.21.2"}},
			{Role: "slave", CustomerGatewayID: "cgw-c1", EnableDpd: false, EnableNatTraversal: true, Ike: slaveIke, Ipsec: slaveIpsec,
				Bgp: BgpConfig{EnableBgp: true, TunnelCidr: "169.254.20.0/30", LocalBgpIP: "169.254.20.1"}},
		},
	}
	if diff := cmp.Diff(want, got.Connection); diff != "" {
		t.Fatal(diff)
	}
}

func TestParseCreateVpnConnectionDualJSONForm(t *testing.T) {
	p := with(dualBase, Params{
		"TunnelOptionsSpecification.1.CustomerGatewayId": del,
		"TunnelOptionsSpecification.2.CustomerGatewayId": del,
		"TunnelOptionsSpecification": `[{"CustomerGatewayId":"cgw-c1","Role":"master","EnableDpd":false,"TunnelIkeConfig":{"IkeLifetime":600,"IkeEncAlg":"aes256"}},
			{"CustomerGatewayId":"cgw-c2","Role":"slave"}]`,
	})
	got, err := ParseCreateVpnConnection(p)
	if err != nil {
		t.Fatal(err)
	}
	ts := got.Connection.Tunnels
	if len(ts) != 2 || ts[0].CustomerGatewayID != "cgw-c1" || ts[0].EnableDpd || ts[0].Ike.IkeLifetime != 600 || ts[0].Ike.IkeEncAlg != "aes256" ||
		ts[1].Role != "slave" || ts[1].Ike != DefaultIke() {
		t.Fatalf("%+v", ts)
	}
}

func TestParseCreateVpnConnectionErrors(t *testing.T) {
	tests := []struct {
		name string
		base Params
		ch   Params
		code string
	}{
		{"missing region", singleBase, Params{"RegionId": del}, "MissingRegionId"},
		{"missing gateway", singleBase, Params{"VpnGatewayId": del}, "MissingVpnGatewayId"},
		{"bad gateway id", singleBase, Params{"VpnGatewayId": "vpn-GW"}, "InvalidVpnGatewayInstanceId.NotFound"},
		{"missing local", singleBase, Params{"LocalSubnet": del}, "MissingLocalSubnet"},
		{"missing remote", singleBase, Params{"RemoteSubnet": ""}, "MissingRemoteSubnet"},
		{"missing cgw", singleBase, Params{"CustomerGatewayId": del}, "MissingCustomerGatewayId"},
		{"bad cgw", singleBase, Params{"CustomerGatewayId": "cgw-C"}, "InvalidCustomerGatewayInstanceId.NotFound"},
		{"overlap", singleBase, Params{"LocalSubnet": "10.1.0.0/16"}, "InvalidSubnet.Overlapped"},
		{"bad bool", singleBase, Params{"EnableDpd": "yes"}, "InvalidEnableDpd.Malformed"},
		{"bad bool auto", singleBase, Params{"AutoConfigRoute": "1"}, "InvalidAutoConfigRoute.Malformed"},
		{"bad bool effect", singleBase, Params{"EffectImmediately": "False"}, "InvalidEffectImmediately.Malformed"},
		{"bad dry run", singleBase, Params{"DryRun": "on"}, "InvalidDryRun.Malformed"},
		{"bad ike", singleBase, Params{"IkeConfig": `{"IkeMode":"x"}`}, "InvalidIkeConfig.IkeMode"},
		{"bad ipsec", singleBase, Params{"IpsecConfig": `{`}, "InvalidIpsecConfig.Malformed"},
		{"bad bgp", singleBase, Params{"BgpConfig": `{"LocalAsn":-5}`}, "InvalidBgpConfig.LocalAsn"},
		{"bad health", singleBase, Params{"HealthCheckConfig": `{"dip":"a"}`}, "InvalidHealthCheckConfig.dip"},
		{"health without sip", singleBase, Params{"HealthCheckConfig": `{"enable":true,"dip":"10.0.0.1"}`}, "InvalidHealthCheckConfig.sip"},
		{"health without dip", singleBase, Params{"HealthCheckConfig": `{"enable":true,"sip":"192.168.0.1"}`}, "InvalidHealthCheckConfig.dip"},
		{"health disabled needs nothing", singleBase, Params{"HealthCheckConfig": `{"enable":false}`}, ""},
		{"name url", singleBase, Params{"Name": "http://x"}, "InvalidName.Malformed"},
		{"client token long", singleBase, Params{"ClientToken": string(make([]byte, 65))}, "InvalidClientToken.Malformed"},
		{"remote ca", singleBase, Params{"RemoteCaCertificate": "-----BEGIN"}, "InvalidParameter"},
		{"tunnels bgp on single", singleBase, Params{"EnableTunnelsBgp": "true"}, "InvalidParameter.TunnelMode"},
		{"tunnels bgp off on single (Terraform sends it)", singleBase, Params{"EnableTunnelsBgp": "false"}, ""},
		{"bad tag", singleBase, Params{"Tags.1.Value": "x"}, "InvalidTagKey.Malformed"},

		{"dual with cgw", dualBase, Params{"CustomerGatewayId": "cgw-c1"}, "InvalidParameter.TunnelMode"},
		{"dual with ike", dualBase, Params{"IkeConfig": "{}"}, "InvalidParameter.TunnelMode"},
		{"dual with ipsec", dualBase, Params{"IpsecConfig": "{}"}, "InvalidParameter.TunnelMode"},
		{"dual with bgp", dualBase, Params{"BgpConfig": "{}"}, "InvalidParameter.TunnelMode"},
		{"dual with dpd", dualBase, Params{"EnableDpd": "true"}, "InvalidParameter.TunnelMode"},
		{"dual one tunnel", dualBase, Params{"TunnelOptionsSpecification.2.CustomerGatewayId": del}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual third tunnel", dualBase, Params{"TunnelOptionsSpecification.3.CustomerGatewayId": "cgw-c3"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual index 0", dualBase, Params{"TunnelOptionsSpecification.0.Role": "master"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual unknown field", dualBase, Params{"TunnelOptionsSpecification.1.Colour": "red"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual unknown ike key", dualBase, Params{"TunnelOptionsSpecification.1.TunnelIkeConfig.Foo": "x"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual tunnel bgp EnableBgp", dualBase, Params{"TunnelOptionsSpecification.1.TunnelBgpConfig.EnableBgp": "true"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual bare array index", dualBase, Params{"TunnelOptionsSpecification.x": "1"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual missing cgw", dualBase, Params{"TunnelOptionsSpecification.2.CustomerGatewayId": del, "TunnelOptionsSpecification.2.Role": "slave"}, "MissingTunnelOptionsSpecification.2.CustomerGatewayId"},
		{"dual bad cgw", dualBase, Params{"TunnelOptionsSpecification.2.CustomerGatewayId": "cgw"}, "InvalidCustomerGatewayInstanceId.NotFound"},
		{"dual two masters", dualBase, Params{"TunnelOptionsSpecification.2.Role": "master"}, "InvalidTunnelOptionsSpecification.Role"},
		{"dual two slaves", dualBase, Params{"TunnelOptionsSpecification.1.Role": "slave"}, "InvalidTunnelOptionsSpecification.Role"},
		{"dual bad role", dualBase, Params{"TunnelOptionsSpecification.1.Role": "Master"}, "InvalidTunnelOptionsSpecification.Role"},
		{"dual bad dpd", dualBase, Params{"TunnelOptionsSpecification.1.EnableDpd": "yes"}, "InvalidEnableDpd.Malformed"},
		{"dual bad nat", dualBase, Params{"TunnelOptionsSpecification.2.EnableNatTraversal": "no"}, "InvalidEnableNatTraversal.Malformed"},
		{"dual bad ike", dualBase, Params{"TunnelOptionsSpecification.1.TunnelIkeConfig.IkePfs": "group3"}, "InvalidTunnelIkeConfig.IkePfs"},
		{"dual bad lifetime", dualBase, Params{"TunnelOptionsSpecification.2.TunnelIkeConfig.IkeLifetime": "99999"}, "InvalidTunnelIkeConfig.IkeLifetime"},
		{"dual bad ipsec", dualBase, Params{"TunnelOptionsSpecification.2.TunnelIpsecConfig.IpsecAuthAlg": "sha"}, "InvalidTunnelIpsecConfig.IpsecAuthAlg"},
		{"dual bad bgp cidr", dualBase, Params{"TunnelOptionsSpecification.2.TunnelBgpConfig.TunnelCidr": "169.254.0.0/24"}, "InvalidTunnelBgpConfig.TunnelCidr"},
		{"dual bad bgp asn", dualBase, Params{"TunnelOptionsSpecification.2.TunnelBgpConfig.LocalAsn": "x"}, "InvalidTunnelBgpConfig.LocalAsn"},
		{"dual tunnel id on create", dualBase, Params{"TunnelOptionsSpecification.1.TunnelId": "tun-a"}, "InvalidParameter"},
		{"dual bad tunnels bgp", dualBase, Params{"EnableTunnelsBgp": "TRUE"}, "InvalidEnableTunnelsBgp.Malformed"},
		{"dual both forms", dualBase, Params{"TunnelOptionsSpecification": "[]"}, "InvalidParameter"},
		{"dual bad json", Params{"RegionId": "cn-hangzhou", "VpnGatewayId": "vpn-gw2", "LocalSubnet": "192.168.0.0/16", "RemoteSubnet": "10.0.0.0/8"},
			Params{"TunnelOptionsSpecification": "{"}, "InvalidTunnelOptionsSpecification.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCreateVpnConnection(with(tt.base, tt.ch))
			wantCode(t, err, tt.code)
		})
	}
}
