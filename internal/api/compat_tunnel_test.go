package api_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestCompatModifyTunnel drives ModifyTunnelAttribute and the dual-tunnel
// ModifyVpnConnectionAttribute without TunnelId through the V2 SDK, and
// checks that the download shows the change.
func TestCompatModifyTunnel(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	f := newFixture(t, env, true)
	cr, err := c.CreateVpnConnection(dualRequest(f, true))
	if err != nil {
		t.Fatal(err)
	}
	id := dara.StringValue(cr.Body.VpnConnectionId)
	d, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: region, VpnConnectionId: dara.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	master, slave := d.Body.TunnelOptionsSpecification.TunnelOptions[0], d.Body.TunnelOptionsSpecification.TunnelOptions[1]

	m, err := c.ModifyTunnelAttribute(&vpc.ModifyTunnelAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id), TunnelId: slave.TunnelId,
		TunnelOptionsSpecification: &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecification{
			EnableDpd:         dara.Bool(false),
			TunnelIkeConfig:   &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecificationTunnelIkeConfig{Psk: dara.String("new-slave-PSK"), IkeLifetime: dara.Int64(3600)},
			TunnelIpsecConfig: &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecificationTunnelIpsecConfig{IpsecPfs: dara.String("disabled")},
			TunnelBgpConfig:   &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecificationTunnelBgpConfig{TunnelCidr: dara.String("169.254.30.0/30"), LocalBgpIp: dara.String("169.254.30.1")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	b := m.Body
	if dara.StringValue(b.TunnelId) != dara.StringValue(slave.TunnelId) || dara.StringValue(b.Role) != "slave" || dara.BoolValue(b.EnableDpd) ||
		!dara.BoolValue(b.EnableNatTraversal) || dara.StringValue(b.CustomerGatewayId) != f.cgws[1] || dara.StringValue(b.InternetIp) != f.gwDRIP ||
		dara.StringValue(b.TunnelIkeConfig.Psk) != "new-slave-PSK" || dara.Int64Value(b.TunnelIkeConfig.IkeLifetime) != 3600 ||
		dara.StringValue(b.TunnelIkeConfig.IkeEncAlg) != "aes256" || dara.StringValue(b.TunnelIpsecConfig.IpsecPfs) != "disabled" ||
		!dara.BoolValue(b.TunnelBgpConfig.EnableBgp) || dara.StringValue(b.TunnelBgpConfig.TunnelCidr) != "169.254.30.0/30" ||
		dara.StringValue(b.TunnelBgpConfig.PeerBgpIp) != "169.254.30.2" || dara.Int64Value(b.TunnelBgpConfig.LocalAsn) != 65100 {
		t.Fatalf("ModifyTunnelAttribute = %s", b)
	}
	cfg := download(t, env, apptest.V2Default, f.region, id)
	if len(cfg.TunnelsConfig.TunnelConfig) != 2 || cfg.TunnelsConfig.TunnelConfig[1].IkeConfig.Psk != "new-slave-PSK" || cfg.TunnelsConfig.TunnelConfig[0].IkeConfig.Psk != "master-PSK_1" {
		t.Fatalf("download after ModifyTunnelAttribute = %+v", cfg.TunnelsConfig)
	}
	for _, tc := range []struct {
		req    *vpc.ModifyTunnelAttributeRequest
		code   string
		status int
	}{
		{&vpc.ModifyTunnelAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id), TunnelId: dara.String("tun-nonexistent"),
			TunnelOptionsSpecification: &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecification{EnableDpd: dara.Bool(true)}}, "InvalidTunnelId.NotFound", 404},
		{&vpc.ModifyTunnelAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id), TunnelId: master.TunnelId,
			TunnelOptionsSpecification: &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecification{TunnelIkeConfig: &vpc.ModifyTunnelAttributeRequestTunnelOptionsSpecificationTunnelIkeConfig{IkeEncAlg: dara.String("rc4")}}},
			"InvalidTunnelIkeConfig.IkeEncAlg", 400},
		{&vpc.ModifyTunnelAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id)}, "MissingTunnelId", 400},
	} {
		if _, err := c.ModifyTunnelAttribute(tc.req); !hasCode(err, tc.code, tc.status) {
			t.Fatalf("%s: %v, want %s", tc.req, err, tc.code)
		}
	}

	// Dual-tunnel ModifyVpnConnectionAttribute without TunnelId: matched by
	// Role (here given in reverse order), as Terraform sends it.
	_, err = c.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id),
		TunnelOptionsSpecification: []*vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecification{
			{Role: dara.String("slave"), EnableNatTraversal: dara.Bool(false)},
			{Role: dara.String("master"), TunnelIkeConfig: &vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecificationTunnelIkeConfig{Psk: dara.String("new-master-PSK")}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: region, VpnConnectionId: dara.String(id)})
	tm, ts := d.Body.TunnelOptionsSpecification.TunnelOptions[0], d.Body.TunnelOptionsSpecification.TunnelOptions[1]
	if dara.StringValue(tm.TunnelIkeConfig.Psk) != "new-master-PSK" || dara.StringValue(tm.EnableNatTraversal) != "true" ||
		dara.StringValue(ts.EnableNatTraversal) != "false" || dara.StringValue(ts.TunnelIkeConfig.Psk) != "new-slave-PSK" {
		t.Fatalf("after the modify without TunnelId: %s", d.Body.TunnelOptionsSpecification)
	}

	// Single-tunnel: ModifyTunnelAttribute does not apply; EnableTunnelsBgp
	// false is accepted (Terraform sends it), true refused.
	sf := newFixture(t, env, false)
	sc, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(sf.gw), CustomerGatewayId: dara.String(sf.cgws[0]),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8"), EnableTunnelsBgp: dara.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	sid := sc.Body.VpnConnectionId
	if _, err := c.ModifyTunnelAttribute(&vpc.ModifyTunnelAttributeRequest{RegionId: region, VpnConnectionId: sid, TunnelId: master.TunnelId}); !hasCode(err, "InvalidParameter.TunnelMode", 400) {
		t.Fatalf("ModifyTunnelAttribute on a single-tunnel connection: %v", err)
	}
	if _, err := c.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: region, VpnConnectionId: sid, EnableTunnelsBgp: dara.Bool(true)}); !hasCode(err, "InvalidParameter.TunnelMode", 400) {
		t.Fatalf("EnableTunnelsBgp=true on a single tunnel: %v", err)
	}
}
