package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// fixture is a VPC with two vSwitches, a VPN gateway and customer gateways,
// created through the V2 SDK.
type fixture struct {
	region   string
	vpcID    string
	gw       string
	gwIP     string
	gwDRIP   string
	cgws     []string
	cgwIPs   []string
	cgwAsns  []string
	v2       *vpc.Client
	t        *testing.T
	env      *apptest.Env
	dualMode bool
}

// fixtures counts the fixtures of each server, so that addresses depend only
// on the order within one test (golden files stay stable).
var (
	fixturesMu sync.Mutex
	fixtures   = map[*apptest.Env]int{}
)

// newFixture creates the resources; dual selects a dual-tunnel gateway.
func newFixture(t *testing.T, env *apptest.Env, dual bool) *fixture {
	t.Helper()
	fixturesMu.Lock()
	fixtures[env]++
	n := fixtures[env]
	fixturesMu.Unlock()
	f := &fixture{region: "cn-hangzhou", v2: env.RootV2(t), t: t, env: env, dualMode: dual}
	must := func(err error, what string) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	v, err := f.v2.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(f.region), CidrBlock: dara.String("192.168.0.0/16")})
	must(err, "CreateVpc")
	f.vpcID = dara.StringValue(v.Body.VpcId)
	sw1, err := f.v2.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(f.region), VpcId: dara.String(f.vpcID), ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
	must(err, "CreateVSwitch 1")
	sw2, err := f.v2.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(f.region), VpcId: dara.String(f.vpcID), ZoneId: dara.String("cn-hangzhou-i"), CidrBlock: dara.String("192.168.2.0/24")})
	must(err, "CreateVSwitch 2")
	req := &vpc.CreateVpnGatewayRequest{RegionId: dara.String(f.region), VpcId: dara.String(f.vpcID), Bandwidth: dara.Int32(10), VSwitchId: sw1.Body.VSwitchId}
	if dual {
		req.DisasterRecoveryVSwitchId = sw2.Body.VSwitchId
	}
	g, err := f.v2.CreateVpnGateway(req)
	must(err, "CreateVpnGateway")
	f.gw = dara.StringValue(g.Body.VpnGatewayId)
	d, err := f.v2.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw)})
	must(err, "DescribeVpnGateway")
	f.gwIP, f.gwDRIP = dara.StringValue(d.Body.InternetIp), dara.StringValue(d.Body.DisasterRecoveryInternetIp)
	if f.gwIP == "" || (dual && f.gwDRIP == "") || (!dual && f.gwDRIP != "") {
		t.Fatalf("gateway addresses %q %q (dual %v)", f.gwIP, f.gwDRIP, dual)
	}
	for i := range 2 {
		ip := fmt.Sprintf("198.51.%d.%d", n, 10+i)
		asn := fmt.Sprintf("%d", 65000+10*n+i)
		c, err := f.v2.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(f.region), IpAddress: dara.String(ip), Asn: dara.String(asn), Name: dara.String(fmt.Sprintf("dc-%d", i))})
		must(err, "CreateCustomerGateway")
		f.cgws = append(f.cgws, dara.StringValue(c.Body.CustomerGatewayId))
		f.cgwIPs = append(f.cgwIPs, ip)
		f.cgwAsns = append(f.cgwAsns, asn)
	}
	return f
}

// download fetches the configuration in one client mode and normalizes it to
// vpn.ConnectionConfig. The V1 SDK's model has no BgpConfigs.
func download(t testing.TB, env *apptest.Env, mode apptest.Mode, region, id string) vpn.ConnectionConfig {
	t.Helper()
	var out vpn.ConnectionConfig
	switch mode {
	case apptest.V2Default, apptest.V2HMAC:
		sig := ""
		if mode == apptest.V2HMAC {
			sig = "v2"
		}
		c := env.V2(t, sig, apptest.AccessKeyID, apptest.AccessKeySecret)
		resp, err := c.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)})
		if err != nil {
			t.Fatalf("%s download: %v", mode, err)
		}
		// The SDK model's json tags are the wire names: re-marshal into ours.
		b, _ := json.Marshal(resp.Body.VpnConnectionConfig)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	c := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateDownloadVpnConnectionConfigRequest()
	env.PrepareV1(req, &req.AcceptFormat, mode == apptest.V1XML)
	req.RegionId, req.VpnConnectionId = region, id
	resp, err := c.DownloadVpnConnectionConfig(req)
	if err != nil {
		t.Fatalf("%s download: %v", mode, err)
	}
	cfg := resp.VpnConnectionConfig
	out.Local, out.Remote, out.LocalSubnet, out.RemoteSubnet = cfg.Local, cfg.Remote, cfg.LocalSubnet, cfg.RemoteSubnet
	ike := func(k vpcv1.IkeConfig) *vpn.ViewIkeConfig {
		if k == (vpcv1.IkeConfig{}) {
			return nil
		}
		return &vpn.ViewIkeConfig{Psk: k.Psk, IkeVersion: k.IkeVersion, IkeMode: k.IkeMode, IkeEncAlg: k.IkeEncAlg, IkeAuthAlg: k.IkeAuthAlg, IkePfs: k.IkePfs, IkeLifetime: k.IkeLifetime, LocalId: k.LocalId, RemoteId: k.RemoteId}
	}
	ipsec := func(k vpcv1.IpsecConfig) *vpn.ViewIpsecConfig {
		if k == (vpcv1.IpsecConfig{}) {
			return nil
		}
		return &vpn.ViewIpsecConfig{IpsecAuthAlg: k.IpsecAuthAlg, IpsecEncAlg: k.IpsecEncAlg, IpsecPfs: k.IpsecPfs, IpsecLifetime: k.IpsecLifetime}
	}
	out.IkeConfig, out.IpsecConfig = ike(cfg.IkeConfig), ipsec(cfg.IpsecConfig)
	if len(cfg.TunnelsConfig.TunnelConfig) > 0 {
		out.TunnelsConfig = &vpn.TunnelsConfig{}
		for _, tc := range cfg.TunnelsConfig.TunnelConfig {
			out.TunnelsConfig.TunnelConfig = append(out.TunnelsConfig.TunnelConfig, vpn.TunnelConfig{TunnelId: tc.TunnelId, Local: tc.Local, Remote: tc.Remote, IkeConfig: ike(tc.IkeConfig), IpsecConfig: ipsec(tc.IpsecConfig)})
		}
	}
	return out
}

// describePsk returns the connection's PSK(s) as DescribeVpnConnection shows
// them (tunnel order for dual-tunnel) and the tunnel ids.
func describe(t testing.TB, c *vpc.Client, region, id string) (psks, tunnels []string) {
	t.Helper()
	d, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)})
	if err != nil {
		t.Fatalf("DescribeVpnConnection: %v", err)
	}
	if d.Body.TunnelOptionsSpecification != nil && len(d.Body.TunnelOptionsSpecification.TunnelOptions) > 0 {
		for _, to := range d.Body.TunnelOptionsSpecification.TunnelOptions {
			psks = append(psks, dara.StringValue(to.TunnelIkeConfig.Psk))
			tunnels = append(tunnels, dara.StringValue(to.TunnelId))
		}
		return psks, tunnels
	}
	return []string{dara.StringValue(d.Body.IkeConfig.Psk)}, nil
}

func isAlnum16(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// checkAllModes downloads in all four modes and compares with want (BgpConfigs
// only for the V2 SDK, whose model has them).
func checkAllModes(t *testing.T, env *apptest.Env, region, id string, want vpn.ConnectionConfig) {
	t.Helper()
	for _, mode := range apptest.Modes {
		got := download(t, env, mode, region, id)
		w := want
		if mode == apptest.V1JSON || mode == apptest.V1XML {
			w.BgpConfigs = nil
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s: download (-want +got):\n%s", mode, d)
		}
	}
}

// TestCompatDownloadSingleTunnelDefaults: a single-tunnel connection created
// with only the required parameters gets every documented default, and the
// download shows the customer side (swapped) in all four client modes.
func TestCompatDownloadSingleTunnelDefaults(t *testing.T) {
	env := apptest.Start(t)
	f := newFixture(t, env, false)
	resp, err := f.v2.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
		RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw), CustomerGatewayId: dara.String(f.cgws[0]),
		LocalSubnet: dara.String("192.168.1.0/24,192.168.2.0/24"), RemoteSubnet: dara.String("10.10.0.0/16"),
	})
	if err != nil {
		t.Fatalf("CreateVpnConnection: %v", err)
	}
	id := dara.StringValue(resp.Body.VpnConnectionId)
	psks, _ := describe(t, f.v2, f.region, id)
	if !isAlnum16(psks[0]) {
		t.Fatalf("generated PSK %q is not 16 letters/digits", psks[0])
	}
	want := vpn.ConnectionConfig{
		Local: f.cgwIPs[0], Remote: f.gwIP,
		LocalSubnet: "10.10.0.0/16", RemoteSubnet: "192.168.1.0/24,192.168.2.0/24",
		IkeConfig: &vpn.ViewIkeConfig{Psk: psks[0], IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "md5", IkePfs: "group2", IkeLifetime: 86400,
			LocalId: f.cgwIPs[0], RemoteId: f.gwIP},
		IpsecConfig: &vpn.ViewIpsecConfig{IpsecAuthAlg: "md5", IpsecEncAlg: "aes", IpsecPfs: "group2", IpsecLifetime: 86400},
	}
	checkAllModes(t, env, f.region, id, want)

	// A modification shows up in the next download.
	_, err = f.v2.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{
		RegionId: dara.String(f.region), VpnConnectionId: dara.String(id),
		IkeConfig:    dara.String(`{"IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":3600,"Psk":"new-Secret_1","LocalId":"gw.example.com","RemoteId":"dc.example.com"}`),
		IpsecConfig:  dara.String(`{"IpsecEncAlg":"aes192","IpsecAuthAlg":"sha1","IpsecPfs":"disabled","IpsecLifetime":1800}`),
		RemoteSubnet: dara.String("10.10.0.0/16,10.20.0.0/16"),
	})
	if err != nil {
		t.Fatalf("ModifyVpnConnectionAttribute: %v", err)
	}
	want.LocalSubnet = "10.10.0.0/16,10.20.0.0/16"
	want.IkeConfig = &vpn.ViewIkeConfig{Psk: "new-Secret_1", IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14", IkeLifetime: 3600,
		LocalId: "dc.example.com", RemoteId: "gw.example.com"}
	want.IpsecConfig = &vpn.ViewIpsecConfig{IpsecAuthAlg: "sha1", IpsecEncAlg: "aes192", IpsecPfs: "disabled", IpsecLifetime: 1800}
	checkAllModes(t, env, f.region, id, want)

	// Invisible from another region; gone after delete.
	if _, err := f.v2.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String("cn-beijing"), VpnConnectionId: dara.String(id)}); !hasCode(err, "InvalidVpnConnectionInstanceId.NotFound", 404) {
		t.Fatalf("other region: %v", err)
	}
	if _, err := f.v2.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.v2.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(id)}); !hasCode(err, "InvalidVpnConnectionInstanceId.NotFound", 404) {
		t.Fatalf("after delete: %v", err)
	}
}

// hasCode reports whether err is a V2 SDK error with the code and status.
func hasCode(err error, code string, status int) bool {
	code2, status2 := sdkCode(err)
	return code2 == code && status2 == status
}

// sdkCode returns the Code and HTTP status of a V2 SDK error.
func sdkCode(err error) (string, int) {
	if se, ok := err.(*dara.SDKError); ok {
		return dara.StringValue(se.Code), dara.IntValue(se.StatusCode)
	}
	if se, ok := err.(*tea.SDKError); ok {
		return tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
	}
	var code string
	var status int
	if be, ok := err.(dara.BaseError); ok {
		code = dara.StringValue(be.GetCode())
	}
	if re, ok := err.(dara.ResponseError); ok {
		status = dara.IntValue(re.GetStatusCode())
	}
	return code, status
}

func dualRequest(f *fixture, bgp bool) *vpc.CreateVpnConnectionRequest {
	tunnel := func(role, cgw, psk string, ike *vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig, cidr, bgpIP string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
		t := &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			Role: dara.String(role), CustomerGatewayId: dara.String(cgw), EnableDpd: dara.Bool(true), EnableNatTraversal: dara.Bool(true),
			TunnelIkeConfig:   ike,
			TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{IpsecEncAlg: dara.String("aes256"), IpsecAuthAlg: dara.String("sha256"), IpsecPfs: dara.String("group14"), IpsecLifetime: dara.Int64(3600)},
		}
		if bgp {
			t.TunnelBgpConfig = &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelBgpConfig{LocalAsn: dara.Int64(65100), TunnelCidr: dara.String(cidr), LocalBgpIp: dara.String(bgpIP)}
		}
		return t
	}
	ike := func(psk string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig {
		return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{IkeVersion: dara.String("ikev2"), IkeMode: dara.String("main"), IkeEncAlg: dara.String("aes256"), IkeAuthAlg: dara.String("sha256"), IkePfs: dara.String("group14"), IkeLifetime: dara.Int64(28800), Psk: dara.String(psk)}
	}
	req := &vpc.CreateVpnConnectionRequest{
		RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8,172.16.0.0/12"),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			tunnel("master", f.cgws[0], "", ike("master-PSK_1"), "169.254.10.0/30", "169.254.10.1"),
			tunnel("slave", f.cgws[1], "", ike("slave-PSK_2"), "169.254.20.0/30", "169.254.20.1"),
		},
	}
	if bgp {
		req.EnableTunnelsBgp = dara.Bool(true)
	}
	return req
}

// TestCompatDownloadDualTunnel: each tunnel carries its own customer gateway,
// gateway address, proposals and ids; the top level carries only the subnets.
func TestCompatDownloadDualTunnel(t *testing.T) {
	for _, bgp := range []bool{false, true} {
		t.Run(fmt.Sprintf("bgp=%v", bgp), func(t *testing.T) {
			env := apptest.Start(t)
			f := newFixture(t, env, true)
			resp, err := f.v2.CreateVpnConnection(dualRequest(f, bgp))
			if err != nil {
				t.Fatalf("CreateVpnConnection: %v", err)
			}
			id := dara.StringValue(resp.Body.VpnConnectionId)
			_, tunnels := describe(t, f.v2, f.region, id)
			if len(tunnels) != 2 || !vpn.ValidID(vpn.PrefixTunnel, tunnels[0]) || !vpn.ValidID(vpn.PrefixTunnel, tunnels[1]) {
				t.Fatalf("tunnels %v", tunnels)
			}
			ike := func(psk, local, remote string) *vpn.ViewIkeConfig {
				return &vpn.ViewIkeConfig{Psk: psk, IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14", IkeLifetime: 28800, LocalId: local, RemoteId: remote}
			}
			ipsec := &vpn.ViewIpsecConfig{IpsecAuthAlg: "sha256", IpsecEncAlg: "aes256", IpsecPfs: "group14", IpsecLifetime: 3600}
			want := vpn.ConnectionConfig{
				LocalSubnet: "10.0.0.0/8,172.16.0.0/12", RemoteSubnet: "192.168.0.0/16",
				TunnelsConfig: &vpn.TunnelsConfig{TunnelConfig: []vpn.TunnelConfig{
					{TunnelId: tunnels[0], Local: f.cgwIPs[0], Remote: f.gwIP, IkeConfig: ike("master-PSK_1", f.cgwIPs[0], f.gwIP), IpsecConfig: ipsec},
					{TunnelId: tunnels[1], Local: f.cgwIPs[1], Remote: f.gwDRIP, IkeConfig: ike("slave-PSK_2", f.cgwIPs[1], f.gwDRIP), IpsecConfig: ipsec},
				}},
			}
			if bgp {
				want.BgpConfigs = &vpn.BgpConfigs{BgpConfig: []vpn.ViewBgpConfig{
					{TunnelId: tunnels[0], LocalAsn: f.cgwAsns[0], PeerAsn: "65100", TunnelCidr: "169.254.10.0/30", LocalBgpIp: "169.254.10.2", PeerBgpIp: "169.254.10.1"},
					{TunnelId: tunnels[1], LocalAsn: f.cgwAsns[1], PeerAsn: "65100", TunnelCidr: "169.254.20.0/30", LocalBgpIp: "169.254.20.2", PeerBgpIp: "169.254.20.1"},
				}}
			}
			checkAllModes(t, env, f.region, id, want)

			// Per-tunnel modification by TunnelId.
			_, err = f.v2.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{
				RegionId: dara.String(f.region), VpnConnectionId: dara.String(id),
				TunnelOptionsSpecification: []*vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecification{{
					TunnelId:        dara.String(tunnels[1]),
					TunnelIkeConfig: &vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecificationTunnelIkeConfig{Psk: dara.String("rotated-PSK_3"), IkeLifetime: dara.Int64(7200)},
				}},
			})
			if err != nil {
				t.Fatalf("ModifyVpnConnectionAttribute: %v", err)
			}
			want.TunnelsConfig.TunnelConfig[1].IkeConfig.Psk = "rotated-PSK_3"
			want.TunnelsConfig.TunnelConfig[1].IkeConfig.IkeLifetime = 7200
			checkAllModes(t, env, f.region, id, want)
		})
	}
}

// TestCompatDownloadSingleTunnelBgp: BgpConfigs from the customer side.
func TestCompatDownloadSingleTunnelBgp(t *testing.T) {
	env := apptest.Start(t)
	f := newFixture(t, env, false)
	resp, err := f.v2.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
		RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw), CustomerGatewayId: dara.String(f.cgws[1]),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.1.0.0/16"),
		IkeConfig: dara.String(`{"Psk":"bgp-Key.1"}`),
		BgpConfig: dara.String(`{"EnableBgp":true,"LocalAsn":65200,"TunnelCidr":"169.254.30.0/30","LocalBgpIp":"169.254.30.2"}`),
	})
	if err != nil {
		t.Fatalf("CreateVpnConnection: %v", err)
	}
	id := dara.StringValue(resp.Body.VpnConnectionId)
	got := download(t, env, apptest.V2Default, f.region, id)
	wantBgp := &vpn.BgpConfigs{BgpConfig: []vpn.ViewBgpConfig{{LocalAsn: f.cgwAsns[1], PeerAsn: "65200", TunnelCidr: "169.254.30.0/30", LocalBgpIp: "169.254.30.1", PeerBgpIp: "169.254.30.2"}}}
	if d := cmp.Diff(wantBgp, got.BgpConfigs); d != "" {
		t.Fatalf("BgpConfigs (-want +got):\n%s", d)
	}
	if got.IkeConfig == nil || got.IkeConfig.Psk != "bgp-Key.1" || got.Local != f.cgwIPs[1] || got.Remote != f.gwIP || !strings.Contains(got.RemoteSubnet, "192.168.0.0/16") {
		t.Fatalf("download %+v", got)
	}
}
