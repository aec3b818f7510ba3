package vpn

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var created = time.Date(2026, 11, 26, 4, 35, 9, 123e6, time.UTC)

func mustJSONT(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDescribeVpnConnectionDualJSON(t *testing.T) {
	c := storedDual(t)
	c.CreatedAt, c.Status, c.State, c.Name = created, "ike_sa_not_established", "active", "dual"
	c.Tunnels[0].Ike.Psk, c.Tunnels[1].Ike.Psk = "k1", "k2"
	c.Tunnels[0].Status, c.Tunnels[0].State = "ike_sa_not_established", "active"
	c.Tunnels[1].Status, c.Tunnels[1].State = "ike_sa_not_established", "active"
	c.EnableTunnelsBgp = true
	c.Tunnels[0].Bgp = BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: "169.254.20.0/30", LocalBgpIP: "169.254.20.1"}
	c.Tunnels[1].Bgp = BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: "169.254.21.0/30", LocalBgpIP: "169.254.21.1"}
	got := mustJSONT(t, NewVpnConnectionItem(c, gwDual, testCgws))
	want := `{"VpnConnectionId":"vco-2","VpnGatewayId":"vpn-gw2","Name":"dual","LocalSubnet":"192.168.0.0/16","RemoteSubnet":"10.0.0.0/8",` +
		`"CreateTime":1795667709123,"EffectImmediately":false,"EnableDpd":false,"EnableNatTraversal":false,"EnableTunnelsBgp":true,` +
		`"Status":"ike_sa_not_established","State":"active","NetworkType":"public","TunnelOptionsSpecification":{"TunnelOptions":[` +
		`{"TunnelId":"tun-m","TunnelIndex":1,"Role":"master","CustomerGatewayId":"cgw-c1","InternetIp":"116.62.2.1","EnableDpd":"true","EnableNatTraversal":"true","State":"active","Status":"ike_sa_not_established",` +
		`"TunnelIkeConfig":{"Psk":"k1","IkeVersion":"ikev1","IkeMode":"main","IkeEncAlg":"aes","IkeAuthAlg":"md5","IkePfs":"group2","IkeLifetime":"86400","LocalId":"116.62.2.1","RemoteId":"139.196.1.1"},` +
		`"TunnelIpsecConfig":{"IpsecEncAlg":"aes","IpsecAuthAlg":"md5","IpsecPfs":"group2","IpsecLifetime":"86400"},` +
		`"TunnelBgpConfig":{"LocalAsn":"45104","PeerAsn":"65010","TunnelCidr":"169.254.20.0/30","LocalBgpIp":"169.254.20.1","PeerBgpIp":"169.254.20.2","BgpStatus":"false"}},` +
		`{"TunnelId":"tun-s","TunnelIndex":2,"Role":"slave","CustomerGatewayId":"cgw-c2","InternetIp":"116.62.2.2","EnableDpd":"true","EnableNatTraversal":"true","State":"active","Status":"ike_sa_not_established",` +
		`"TunnelIkeConfig":{"Psk":"k2","IkeVersion":"ikev1","IkeMode":"main","IkeEncAlg":"aes","IkeAuthAlg":"md5","IkePfs":"group2","IkeLifetime":"86400","LocalId":"116.62.2.2","RemoteId":"139.196.2.2"},` +
		`"TunnelIpsecConfig":{"IpsecEncAlg":"aes","IpsecAuthAlg":"md5","IpsecPfs":"group2","IpsecLifetime":"86400"},` +
		`"TunnelBgpConfig":{"LocalAsn":"45104","PeerAsn":"65020","TunnelCidr":"169.254.21.0/30","LocalBgpIp":"169.254.21.1","PeerBgpIp":"169.254.21.2","BgpStatus":"false"}}]},` +
		`"ResourceGroupId":"","Spec":"0M","AttachType":"VPNGW","CrossAccountAuthorized":false,"Tags":{"Tag":[]}}`
	if got != want {
		t.Fatalf("JSON:\n got %s\nwant %s", got, want)
	}
}

func TestDescribeVpnConnectionsSingleJSON(t *testing.T) {
	c := storedSingle(t)
	c.CreatedAt, c.Status, c.State = created, "ipsec_sa_established", "active"
	c.Ike.Psk = "k"
	c.Tags = []Tag{{"env", "prod"}}
	resp := NewDescribeVpnConnectionsResponse([]VpnConnectionItem{NewVpnConnectionItem(c, gwSingle, testCgws)}, Page{1, 10}, 1)
	got := mustJSONT(t, resp)
	want := `{"TotalCount":1,"PageNumber":1,"PageSize":10,"VpnConnections":{"VpnConnection":[{"VpnConnectionId":"vco-1","VpnGatewayId":"vpn-gw1","CustomerGatewayId":"cgw-c1",` +
		`"Name":"n","LocalSubnet":"192.168.0.0/16","RemoteSubnet":"10.0.0.0/8","CreateTime":1795667709123,"EffectImmediately":false,"EnableDpd":true,"EnableNatTraversal":true,` +
		`"EnableTunnelsBgp":false,"Status":"ipsec_sa_established","State":"active","NetworkType":"public","InternetIp":"116.62.1.1",` +
		`"IkeConfig":{"Psk":"k","IkeVersion":"ikev1","IkeMode":"main","IkeEncAlg":"aes256","IkeAuthAlg":"md5","IkePfs":"group2","IkeLifetime":86400,"LocalId":"116.62.1.1","RemoteId":"139.196.1.1"},` +
		`"IpsecConfig":{"IpsecEncAlg":"aes","IpsecAuthAlg":"md5","IpsecPfs":"group2","IpsecLifetime":86400},` +
		`"VpnBgpConfig":{"LocalAsn":45104,"TunnelCidr":"","LocalBgpIp":"","PeerBgpIp":"","Status":""},"ResourceGroupId":"","Spec":"0M","AttachType":"VPNGW","CrossAccountAuthorized":false,"Tag":{"Tag":[{"Key":"env","Value":"prod"}]}}]}}`
	if got != want {
		t.Fatalf("JSON:\n got %s\nwant %s", got, want)
	}
}

func TestModifyVpnConnectionAttributeResponse(t *testing.T) {
	c := storedDual(t)
	c.CreatedAt = created
	r := NewModifyVpnConnectionAttributeResponse(c, gwDual, testCgws)
	if r.TunnelOptionsSpecification == nil || len(r.TunnelOptionsSpecification.TunnelOptions) != 2 {
		t.Fatalf("%+v", r)
	}
	m := r.TunnelOptionsSpecification.TunnelOptions[0]
	if m.TunnelId != "tun-m" || m.InternetIp != "116.62.2.1" || !m.EnableDpd || m.TunnelIkeConfig.IkeLifetime != 86400 || m.TunnelBgpConfig != nil {
		t.Fatalf("%+v", m)
	}
	if r.CreateTime != 1795667709123 || r.IkeConfig != nil || r.VpnBgpConfig != nil {
		t.Fatalf("%+v", r)
	}
}

func TestVpcAndVSwitchAnswers(t *testing.T) {
	v := Vpc{AccountID: "1234567890", RegionID: "cn-hangzhou", VpcID: "vpc-1", VpcName: "v", CidrBlock: "172.16.0.0/12", Status: "Available",
		VRouterID: "vrt-1", RouteTableID: "vtb-1", ResourceGroupID: "rg-1", Tags: []Tag{{"k", "v"}}, CreatedAt: created}
	got := mustJSONT(t, NewDescribeVpcsResponse([]Vpc{v}, map[string][]string{"vpc-1": {"vsw-1"}}, Page{2, 1}, 3))
	want := `{"TotalCount":3,"PageNumber":2,"PageSize":1,"Vpcs":{"Vpc":[{"VpcId":"vpc-1","RegionId":"cn-hangzhou","Status":"Available","VpcName":"v",` +
		`"CreationTime":"2026-11-26T04:35:09Z","CidrBlock":"172.16.0.0/12","Description":"","IsDefault":false,"OwnerId":1234567890,` +
		`"VRouterId":"vrt-1","ResourceGroupId":"rg-1","VSwitchIds":{"VSwitchId":["vsw-1"]},"RouterTableIds":{"RouterTableIds":["vtb-1"]},"DnsHostnameStatus":"DISABLED",` +
		`"Tags":{"Tag":[{"Key":"k","Value":"v"}]}}]}}`
	if got != want {
		t.Fatalf("JSON:\n got %s\nwant %s", got, want)
	}
	sw := VSwitch{VSwitchID: "vsw-1", VpcID: "vpc-1", ZoneID: "cn-hangzhou-h", CidrBlock: "172.16.1.0/24", Status: "Available", ResourceGroupID: "rg-1", CreatedAt: created}
	r := NewDescribeVSwitchesResponse([]VSwitch{sw}, map[string]string{"vpc-1": "vtb-1"}, Page{1, 10}, 1)
	if it := r.VSwitches.VSwitch[0]; it.AvailableIpAddressCount != 252 || it.CreationTime != "2026-11-26T04:35:09Z" || it.ZoneId != "cn-hangzhou-h" ||
		it.RouteTable != (RouteTableRef{"vtb-1", "System"}) || it.ResourceGroupId != "rg-1" || len(it.Tags.Tag) != 0 {
		t.Fatalf("%+v", it)
	}
	if got := mustJSONT(t, NewCreateVSwitchResponse(sw)); got != `{"VSwitchId":"vsw-1"}` {
		t.Fatal(got)
	}
	if got := mustJSONT(t, NewCreateVpcResponse(v)); got != `{"VpcId":"vpc-1","VRouterId":"vrt-1","RouteTableId":"vtb-1","ResourceGroupId":"rg-1"}` {
		t.Fatal(got)
	}
}

func TestGatewayAnswers(t *testing.T) {
	g := gwDual
	g.Bandwidth, g.Status, g.BusinessStatus, g.EnableIpsec, g.InstanceChargeType, g.CreatedAt, g.Name = 10, "active", "Normal", true, "POSTPAY", created, "gw"
	got := NewVpnGatewayItem(g, true)
	want := VpnGatewayItem{VpnGatewayId: "vpn-gw2", VSwitchId: "vsw-a", DisasterRecoveryVSwitchId: "vsw-b", InternetIp: "116.62.2.1",
		DisasterRecoveryInternetIp: "116.62.2.2", CreateTime: 1795667709123, Spec: "10M", Name: "gw", Status: "active", BusinessStatus: "Normal",
		ChargeType: "PostpayByFlow", IpsecVpn: "enable", SslVpn: "disable", NetworkType: "public", VpnType: "Normal", EnableBgp: true, Tags: &TagList{Tag: []TagItem{}}, Tag: gatewayFeatures}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	cg := CustomerGateway{CustomerGatewayID: "cgw-1", IPAddress: "47.1.2.3", Asn: 4294967295, ResourceGroupID: "rg-2", CreatedAt: created}
	if got := mustJSONT(t, NewCustomerGatewayItem(cg)); got != `{"CustomerGatewayId":"cgw-1","IpAddress":"47.1.2.3","Name":"","Description":"","CreateTime":1795667709123,"Asn":4294967295,"ResourceGroupId":"rg-2","Tags":{"Tag":[]}}` {
		t.Fatal(got)
	}
	if got := mustJSONT(t, NewCreateCustomerGatewayResponse(cg)); got != `{"CustomerGatewayId":"cgw-1","IpAddress":"47.1.2.3","Name":"","Description":"","CreateTime":1795667709123}` {
		t.Fatal(got)
	}
	x, err := xml.Marshal(NewDescribeVpnGatewaysResponse([]VpnGatewayItem{got}, Page{1, 10}, 1))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(x); !strings.Contains(s, "<VpnGateways><VpnGateway><VpnGatewayId>vpn-gw2</VpnGatewayId>") || !strings.Contains(s, "<TotalCount>1</TotalCount>") {
		t.Fatal(s)
	}
}

func TestDescribeRegionsAnswer(t *testing.T) {
	zh := NewDescribeRegionsResponse("zh-CN")
	en := NewDescribeRegionsResponse("en-US")
	if len(zh.Regions.Region) != len(Regions()) {
		t.Fatal(len(zh.Regions.Region))
	}
	for i, r := range zh.Regions.Region {
		if r.RegionId == "cn-hangzhou" {
			if r.LocalName != "华东1（杭州）" || en.Regions.Region[i].LocalName != "China (Hangzhou)" || r.RegionEndpoint != "vpc.aliyuncs.com" {
				t.Fatalf("%+v", r)
			}
			return
		}
	}
	t.Fatal("cn-hangzhou missing")
}
