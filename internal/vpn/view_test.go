package vpn

import (
	"encoding/json"
	"encoding/xml"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	gwSingle = Gateway{VpnGatewayID: "vpn-gw1", InternetIP: "116.62.1.1", VpnType: "Normal", NetworkType: "public"}
	gwDual   = Gateway{VpnGatewayID: "vpn-gw2", VSwitchID: "vsw-a", DisasterRecoveryVSwitchID: "vsw-b",
		InternetIP: "116.62.2.1", DisasterRecoveryInternetIP: "116.62.2.2", VpnType: "Normal", NetworkType: "public"}
	gwNational = Gateway{VpnGatewayID: "vpn-gw3", InternetIP: "116.62.3.1", VpnType: "NationalStandard"}
	testCgws   = map[string]CustomerGateway{
		"cgw-c1": {CustomerGatewayID: "cgw-c1", IPAddress: "139.196.1.1", Asn: 65010},
		"cgw-c2": {CustomerGatewayID: "cgw-c2", IPAddress: "139.196.2.2", Asn: 65020},
		"cgw-c3": {CustomerGatewayID: "cgw-c3", IPAddress: "139.196.3.3"},
	}
)

func mustCreate(t *testing.T, p Params) Connection {
	t.Helper()
	r, err := ParseCreateVpnConnection(p)
	if err != nil {
		t.Fatal(err)
	}
	return r.Connection
}

func TestApplyConnectionDefaultsSingle(t *testing.T) {
	c := mustCreate(t, with(singleBase, Params{"BgpConfig": `{"EnableBgp":true,"TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.1"}`}))
	if err := ApplyConnectionDefaults(&c, gwSingle, testCgws); err != nil {
		t.Fatal(err)
	}
	if !ValidPsk(c.Ike.Psk) || len(c.Ike.Psk) != 16 {
		t.Fatalf("psk %q", c.Ike.Psk)
	}
	psk := c.Ike.Psk
	want := IkeConfig{Psk: psk, IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "md5", IkePfs: "group2", IkeLifetime: 86400,
		LocalID: "116.62.1.1", RemoteID: "139.196.1.1"}
	if diff := cmp.Diff(want, c.Ike); diff != "" {
		t.Fatal(diff)
	}
	if c.Bgp.LocalAsn != 45104 {
		t.Fatalf("asn %d", c.Bgp.LocalAsn)
	}
	// Idempotent: a second call keeps the generated key.
	if err := ApplyConnectionDefaults(&c, gwSingle, testCgws); err != nil || c.Ike.Psk != psk {
		t.Fatalf("%v %q", err, c.Ike.Psk)
	}
}

func TestApplyConnectionDefaultsKeepsGiven(t *testing.T) {
	c := mustCreate(t, with(singleBase, Params{"IkeConfig": `{"Psk":"given","LocalId":"me","RemoteId":"you"}`}))
	if err := ApplyConnectionDefaults(&c, gwSingle, testCgws); err != nil {
		t.Fatal(err)
	}
	if c.Ike.Psk != "given" || c.Ike.LocalID != "me" || c.Ike.RemoteID != "you" {
		t.Fatalf("%+v", c.Ike)
	}
}

func TestApplyConnectionDefaultsDual(t *testing.T) {
	c := mustCreate(t, dualBase)
	c.Tunnels[0].TunnelID, c.Tunnels[1].TunnelID = "tun-m", "tun-s"
	if err := ApplyConnectionDefaults(&c, gwDual, testCgws); err != nil {
		t.Fatal(err)
	}
	m, s := c.Tunnels[0], c.Tunnels[1]
	if m.Ike.LocalID != "116.62.2.1" || m.Ike.RemoteID != "139.196.1.1" || s.Ike.LocalID != "116.62.2.2" || s.Ike.RemoteID != "139.196.2.2" {
		t.Fatalf("ids: %+v %+v", m.Ike, s.Ike)
	}
	if m.Ike.Psk == s.Ike.Psk || len(m.Ike.Psk) != 16 || len(s.Ike.Psk) != 16 {
		t.Fatalf("psks %q %q", m.Ike.Psk, s.Ike.Psk)
	}
}

func TestValidateConnectionErrors(t *testing.T) {
	bgp := `{"EnableBgp":true,"TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.1"}`
	tests := []struct {
		name string
		p    Params
		gw   Gateway
		code string
	}{
		{"single on dual gateway", singleBase, gwDual, "InvalidVpnGateway.TunnelMode"},
		{"dual on single gateway", dualBase, gwSingle, "InvalidVpnGateway.TunnelMode"},
		{"unknown cgw", with(singleBase, Params{"CustomerGatewayId": "cgw-zz"}), gwSingle, "InvalidCustomerGatewayInstanceId.NotFound"},
		{"unknown tunnel cgw", with(dualBase, Params{"TunnelOptionsSpecification.2.CustomerGatewayId": "cgw-zz"}), gwDual, "InvalidCustomerGatewayInstanceId.NotFound"},
		{"sm4 on normal", with(singleBase, Params{"IkeConfig": `{"IkeEncAlg":"sm4"}`}), gwSingle, "InvalidIkeConfig.IkeEncAlg"},
		{"sm3 on normal", with(singleBase, Params{"IpsecConfig": `{"IpsecAuthAlg":"sm3"}`}), gwSingle, "InvalidIpsecConfig.IpsecAuthAlg"},
		{"sm4 on national", with(singleBase, Params{"IkeConfig": `{"IkeEncAlg":"sm4","IkeAuthAlg":"sm3"}`, "IpsecConfig": `{"IpsecEncAlg":"sm4"}`}), gwNational, ""},
		{"sm4 in tunnel", with(dualBase, Params{"TunnelOptionsSpecification.2.TunnelIpsecConfig.IpsecEncAlg": "sm4"}), gwDual, "InvalidTunnelIpsecConfig.IpsecEncAlg"},
		{"bgp without cidr", with(singleBase, Params{"BgpConfig": `{"EnableBgp":true,"LocalBgpIp":"169.254.11.1"}`}), gwSingle, "InvalidBgpConfig.TunnelCidr"},
		{"bgp without ip", with(singleBase, Params{"BgpConfig": `{"EnableBgp":true,"TunnelCidr":"169.254.11.0/30"}`}), gwSingle, "InvalidBgpConfig.LocalBgpIp"},
		{"bgp ip outside", with(singleBase, Params{"BgpConfig": `{"EnableBgp":true,"TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.12.1"}`}), gwSingle, "InvalidBgpConfig.LocalBgpIp"},
		{"bgp ip network", with(singleBase, Params{"BgpConfig": `{"EnableBgp":true,"TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.0"}`}), gwSingle, "InvalidBgpConfig.LocalBgpIp"},
		{"bgp ip broadcast", with(singleBase, Params{"BgpConfig": `{"EnableBgp":true,"TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.3"}`}), gwSingle, "InvalidBgpConfig.LocalBgpIp"},
		{"bgp cgw without asn", with(singleBase, Params{"CustomerGatewayId": "cgw-c3", "BgpConfig": bgp}), gwSingle, "InvalidBgpConfig.PeerAsn"},
		{"bgp disabled ignores cidr", with(singleBase, Params{"BgpConfig": `{"EnableBgp":false,"TunnelCidr":"169.254.11.0/30"}`}), gwSingle, ""},
		{"tunnel bgp without cidr", with(dualBase, Params{"EnableTunnelsBgp": "true"}), gwDual, "InvalidTunnelBgpConfig.TunnelCidr"},
		{"tunnels share a cidr", with(dualBase, Params{"EnableTunnelsBgp": "true",
			"TunnelOptionsSpecification.1.TunnelBgpConfig.TunnelCidr": "169.254.20.0/30", "TunnelOptionsSpecification.1.TunnelBgpConfig.LocalBgpIp": "169.254.20.1",
			"TunnelOptionsSpecification.2.TunnelBgpConfig.TunnelCidr": "169.254.20.0/30", "TunnelOptionsSpecification.2.TunnelBgpConfig.LocalBgpIp": "169.254.20.2"}), gwDual, "InvalidTunnelBgpConfig.TunnelCidr"},
		{"tunnels bgp ok", with(dualBase, Params{"EnableTunnelsBgp": "true",
			"TunnelOptionsSpecification.1.TunnelBgpConfig.TunnelCidr": "169.254.20.0/30", "TunnelOptionsSpecification.1.TunnelBgpConfig.LocalBgpIp": "169.254.20.1",
			"TunnelOptionsSpecification.2.TunnelBgpConfig.TunnelCidr": "169.254.21.0/30", "TunnelOptionsSpecification.2.TunnelBgpConfig.LocalBgpIp": "169.254.21.2"}), gwDual, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCreate(t, tt.p)
			wantCode(t, ApplyConnectionDefaults(&c, tt.gw, testCgws), tt.code)
		})
	}
}

// TestCustomerViewSingle is the golden single-tunnel view, checked as Go
// values and as the exact JSON and XML the api layer will write.
func TestCustomerViewSingle(t *testing.T) {
	c := Connection{
		CustomerGatewayID: "cgw-c1", LocalSubnet: "192.168.0.0/16", RemoteSubnet: "10.0.0.0/8",
		Ike: IkeConfig{Psk: "pgw6dy7d1i8i1234", IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha1",
			IkePfs: "group2", IkeLifetime: 86400, LocalID: "116.62.1.1", RemoteID: "139.196.1.1"},
		Ipsec: IpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "sha1", IpsecPfs: "group2", IpsecLifetime: 86400},
		Bgp:   BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: "169.254.11.0/30", LocalBgpIP: "169.254.11.1"},
	}
	got := CustomerView(c, gwSingle, testCgws)
	want := ConnectionConfig{
		Remote: "116.62.1.1", Local: "139.196.1.1", RemoteSubnet: "192.168.0.0/16", LocalSubnet: "10.0.0.0/8",
		IkeConfig: &ViewIkeConfig{Psk: "pgw6dy7d1i8i1234", IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha1",
			IkePfs: "group2", IkeLifetime: 86400, LocalId: "139.196.1.1", RemoteId: "116.62.1.1"},
		IpsecConfig: &ViewIpsecConfig{IpsecAuthAlg: "sha1", IpsecEncAlg: "aes", IpsecPfs: "group2", IpsecLifetime: 86400},
		BgpConfigs: &BgpConfigs{BgpConfig: []ViewBgpConfig{{LocalAsn: "65010", PeerAsn: "45104", TunnelCidr: "169.254.11.0/30",
			LocalBgpIp: "169.254.11.2", PeerBgpIp: "169.254.11.1"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	js, _ := json.Marshal(got)
	wantJSON := `{"Remote":"116.62.1.1","Local":"139.196.1.1","RemoteSubnet":"192.168.0.0/16","LocalSubnet":"10.0.0.0/8",` +
		`"IkeConfig":{"Psk":"pgw6dy7d1i8i1234","IkeVersion":"ikev1","IkeMode":"main","IkeEncAlg":"aes","IkeAuthAlg":"sha1","IkePfs":"group2","IkeLifetime":86400,"LocalId":"139.196.1.1","RemoteId":"116.62.1.1"},` +
		`"IpsecConfig":{"IpsecAuthAlg":"sha1","IpsecEncAlg":"aes","IpsecPfs":"group2","IpsecLifetime":86400},` +
		`"BgpConfigs":{"BgpConfig":[{"LocalAsn":"65010","PeerAsn":"45104","TunnelCidr":"169.254.11.0/30","LocalBgpIp":"169.254.11.2","PeerBgpIp":"169.254.11.1"}]}}`
	if string(js) != wantJSON {
		t.Fatalf("JSON:\n got %s\nwant %s", js, wantJSON)
	}
	// Without BGP the list is absent.
	c.Bgp.EnableBgp = false
	if v := CustomerView(c, gwSingle, testCgws); v.BgpConfigs != nil {
		t.Fatalf("BgpConfigs %+v", v.BgpConfigs)
	}
}

func TestCustomerViewDual(t *testing.T) {
	ike := func(psk, local, remote string) IkeConfig {
		return IkeConfig{Psk: psk, IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14",
			IkeLifetime: 3600, LocalID: local, RemoteID: remote}
	}
	ipsec := IpsecConfig{IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "disabled", IpsecLifetime: 1800}
	c := Connection{
		LocalSubnet: "192.168.0.0/16", RemoteSubnet: "10.0.0.0/8,172.16.0.0/12", EnableTunnelsBgp: true,
		Tunnels: []Tunnel{ // slave stored first on purpose: the view puts the master first
			{TunnelID: "tun-s", Role: "slave", CustomerGatewayID: "cgw-c2", Ike: ike("k2", "116.62.2.2", "139.196.2.2"), Ipsec: ipsec,
				Bgp: BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: "169.254.21.0/30", LocalBgpIP: "169.254.21.2"}},
			{TunnelID: "tun-m", Role: "master", CustomerGatewayID: "cgw-c1", Ike: ike("k1", "116.62.2.1", "139.196.1.1"), Ipsec: ipsec,
				Bgp: BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: "169.254.20.0/30", LocalBgpIP: "169.254.20.1"}},
		},
	}
	got := CustomerView(c, gwDual, testCgws)
	vike := func(psk, local, remote string) *ViewIkeConfig {
		return &ViewIkeConfig{Psk: psk, IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14",
			IkeLifetime: 3600, LocalId: local, RemoteId: remote}
	}
	vipsec := &ViewIpsecConfig{IpsecAuthAlg: "sha256", IpsecEncAlg: "aes256", IpsecPfs: "disabled", IpsecLifetime: 1800}
	want := ConnectionConfig{
		RemoteSubnet: "192.168.0.0/16", LocalSubnet: "10.0.0.0/8,172.16.0.0/12",
		TunnelsConfig: &TunnelsConfig{TunnelConfig: []TunnelConfig{
			{TunnelId: "tun-m", Local: "139.196.1.1", Remote: "116.62.2.1", IkeConfig: vike("k1", "139.196.1.1", "116.62.2.1"), IpsecConfig: vipsec},
			{TunnelId: "tun-s", Local: "139.196.2.2", Remote: "116.62.2.2", IkeConfig: vike("k2", "139.196.2.2", "116.62.2.2"), IpsecConfig: vipsec},
		}},
		BgpConfigs: &BgpConfigs{BgpConfig: []ViewBgpConfig{
			{TunnelId: "tun-m", LocalAsn: "65010", PeerAsn: "45104", TunnelCidr: "169.254.20.0/30", LocalBgpIp: "169.254.20.2", PeerBgpIp: "169.254.20.1"},
			{TunnelId: "tun-s", LocalAsn: "65020", PeerAsn: "45104", TunnelCidr: "169.254.21.0/30", LocalBgpIp: "169.254.21.1", PeerBgpIp: "169.254.21.2"},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	x, err := xml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	wantXML := `<VpnConnectionConfig><RemoteSubnet>192.168.0.0/16</RemoteSubnet><LocalSubnet>10.0.0.0/8,172.16.0.0/12</LocalSubnet>` +
		`<TunnelsConfig><TunnelConfig><TunnelId>tun-m</TunnelId><Local>139.196.1.1</Local><Remote>116.62.2.1</Remote>` +
		`<IkeConfig><Psk>k1</Psk><IkeVersion>ikev2</IkeVersion><IkeMode>main</IkeMode><IkeEncAlg>aes256</IkeEncAlg><IkeAuthAlg>sha256</IkeAuthAlg><IkePfs>group14</IkePfs><IkeLifetime>3600</IkeLifetime><LocalId>139.196.1.1</LocalId><RemoteId>116.62.2.1</RemoteId></IkeConfig>` +
		`<IpsecConfig><IpsecAuthAlg>sha256</IpsecAuthAlg><IpsecEncAlg>aes256</IpsecEncAlg><IpsecPfs>disabled</IpsecPfs><IpsecLifetime>1800</IpsecLifetime></IpsecConfig></TunnelConfig>` +
		`<TunnelConfig><TunnelId>tun-s</TunnelId><Local>139.196.2.2</Local><Remote>116.62.2.2</Remote>` +
		`<IkeConfig><Psk>k2</Psk><IkeVersion>ikev2</IkeVersion><IkeMode>main</IkeMode><IkeEncAlg>aes256</IkeEncAlg><IkeAuthAlg>sha256</IkeAuthAlg><IkePfs>group14</IkePfs><IkeLifetime>3600</IkeLifetime><LocalId>139.196.2.2</LocalId><RemoteId>116.62.2.2</RemoteId></IkeConfig>` +
		`<IpsecConfig><IpsecAuthAlg>sha256</IpsecAuthAlg><IpsecEncAlg>aes256</IpsecEncAlg><IpsecPfs>disabled</IpsecPfs><IpsecLifetime>1800</IpsecLifetime></IpsecConfig></TunnelConfig></TunnelsConfig>` +
		`<BgpConfigs><BgpConfig><TunnelId>tun-m</TunnelId><LocalAsn>65010</LocalAsn><PeerAsn>45104</PeerAsn><TunnelCidr>169.254.20.0/30</TunnelCidr><LocalBgpIp>169.254.20.2</LocalBgpIp><PeerBgpIp>169.254.20.1</PeerBgpIp></BgpConfig>` +
		`<BgpConfig><TunnelId>tun-s</TunnelId><LocalAsn>65020</LocalAsn><PeerAsn>45104</PeerAsn><TunnelCidr>169.254.21.0/30</TunnelCidr><LocalBgpIp>169.254.21.1</LocalBgpIp><PeerBgpIp>169.254.21.2</PeerBgpIp></BgpConfig></BgpConfigs></VpnConnectionConfig>`
	if string(x) != wantXML {
		t.Fatalf("XML:\n got %s\nwant %s", x, wantXML)
	}
}
