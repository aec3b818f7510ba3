package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// model is what the test sent for one side of a tunnel (gateway view).
type ikeModel struct {
	Psk, IkeVersion, IkeMode, IkeEncAlg, IkeAuthAlg, IkePfs string
	IkeLifetime                                             int64
	LocalId, RemoteId                                       string
}

type ipsecModel struct {
	IpsecEncAlg, IpsecAuthAlg, IpsecPfs string
	IpsecLifetime                       int64
}

func genIke(t *rapid.T, label string) ikeModel {
	return ikeModel{
		Psk:         rapid.StringMatching(`[A-Za-z0-9~!@#%^*()_+=.,-]{1,40}`).Draw(t, label+"psk"),
		IkeVersion:  rapid.SampledFrom([]string{"ikev1", "ikev2"}).Draw(t, label+"ver"),
		IkeMode:     rapid.SampledFrom([]string{"main", "aggressive"}).Draw(t, label+"mode"),
		IkeEncAlg:   rapid.SampledFrom([]string{"aes", "aes192", "aes256", "des", "3des"}).Draw(t, label+"enc"),
		IkeAuthAlg:  rapid.SampledFrom([]string{"md5", "sha1", "sha256", "sha384", "sha512"}).Draw(t, label+"auth"),
		IkePfs:      rapid.SampledFrom([]string{"group1", "group2", "group5", "group14"}).Draw(t, label+"pfs"),
		IkeLifetime: rapid.Int64Range(0, 86400).Draw(t, label+"life"),
		LocalId:     rapid.SampledFrom([]string{"", "gw.example.com", "203.0.113.200"}).Draw(t, label+"lid"),
		RemoteId:    rapid.SampledFrom([]string{"", "dc.example.com", "user@example.com"}).Draw(t, label+"rid"),
	}
}

func genIpsec(t *rapid.T, label string) ipsecModel {
	return ipsecModel{
		IpsecEncAlg:   rapid.SampledFrom([]string{"aes", "aes192", "aes256", "des", "3des"}).Draw(t, label+"enc"),
		IpsecAuthAlg:  rapid.SampledFrom([]string{"md5", "sha1", "sha256", "sha384", "sha512"}).Draw(t, label+"auth"),
		IpsecPfs:      rapid.SampledFrom([]string{"disabled", "group1", "group2", "group5", "group14"}).Draw(t, label+"pfs"),
		IpsecLifetime: rapid.Int64Range(0, 86400).Draw(t, label+"life"),
	}
}

func (m ikeModel) json() string {
	fields := map[string]any{"Psk": m.Psk, "IkeVersion": m.IkeVersion, "IkeMode": m.IkeMode, "IkeEncAlg": m.IkeEncAlg,
		"IkeAuthAlg": m.IkeAuthAlg, "IkePfs": m.IkePfs, "IkeLifetime": m.IkeLifetime}
	if m.LocalId != "" {
		fields["LocalId"] = m.LocalId
	}
	if m.RemoteId != "" {
		fields["RemoteId"] = m.RemoteId
	}
	b, _ := json.Marshal(fields)
	return string(b)
}

func (m ipsecModel) json() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// view is the test's own statement of the customer-side view (API.md's
// table), independent of the production code: Local/Remote, subnets and ids
// swapped, algorithms copied, ids defaulting to the addresses.
func (m ikeModel) view(gwIP, cgwIP string) *vpn.ViewIkeConfig {
	local, remote := m.RemoteId, m.LocalId
	if local == "" {
		local = cgwIP
	}
	if remote == "" {
		remote = gwIP
	}
	return &vpn.ViewIkeConfig{Psk: m.Psk, IkeVersion: m.IkeVersion, IkeMode: m.IkeMode, IkeEncAlg: m.IkeEncAlg, IkeAuthAlg: m.IkeAuthAlg,
		IkePfs: m.IkePfs, IkeLifetime: m.IkeLifetime, LocalId: local, RemoteId: remote}
}

func (m ipsecModel) view() *vpn.ViewIpsecConfig {
	return &vpn.ViewIpsecConfig{IpsecAuthAlg: m.IpsecAuthAlg, IpsecEncAlg: m.IpsecEncAlg, IpsecPfs: m.IpsecPfs, IpsecLifetime: m.IpsecLifetime}
}

// genSubnets draws 1-4 distinct /24s inside base (e.g. "10.%d.%d.0/24").
func genSubnets(t *rapid.T, label string, first int) string {
	n := rapid.IntRange(1, 4).Draw(t, label+"n")
	start := rapid.IntRange(0, 200).Draw(t, label+"start")
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%d.%d.%d.0/24", first, start+i, i))
	}
	return strings.Join(out, ",")
}

// TestPropertyDownloadIsCustomerView creates random valid connections, single
// and dual, through the V2 SDK, modifies them at random, and checks that every
// download equals the customer-side view of what was created and then
// modified.
func TestPropertyDownloadIsCustomerView(t *testing.T) {
	env := apptest.Start(t, apptest.Options{AddressPool: "203.0.113.0/24,198.18.0.0/16"})
	single := newFixture(t, env, false)
	dual := newFixture(t, env, true)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	rapid.Check(t, func(rt *rapid.T) {
		isDual := rapid.Bool().Draw(rt, "dual")
		local := genSubnets(rt, "local", 192)
		remote := genSubnets(rt, "remote", 10)
		var id string
		var want vpn.ConnectionConfig
		if !isDual {
			f := single
			ike, ipsec := genIke(rt, "ike"), genIpsec(rt, "ipsec")
			cgw := rapid.IntRange(0, 1).Draw(rt, "cgw")
			resp, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(f.gw), CustomerGatewayId: dara.String(f.cgws[cgw]),
				LocalSubnet: dara.String(local), RemoteSubnet: dara.String(remote), IkeConfig: dara.String(ike.json()), IpsecConfig: dara.String(ipsec.json())})
			if err != nil {
				rt.Fatalf("create: %v", err)
			}
			id = dara.StringValue(resp.Body.VpnConnectionId)
			want = vpn.ConnectionConfig{Local: f.cgwIPs[cgw], Remote: f.gwIP, LocalSubnet: remote, RemoteSubnet: local, IkeConfig: ike.view(f.gwIP, f.cgwIPs[cgw]), IpsecConfig: ipsec.view()}
			check(rtT{t, rt}, env, id, want)
			if rapid.Bool().Draw(rt, "modify") {
				ike2, ipsec2 := genIke(rt, "ike2"), genIpsec(rt, "ipsec2")
				remote2 := genSubnets(rt, "remote2", 10)
				if _, err := c.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id),
					IkeConfig: dara.String(ike2.json()), IpsecConfig: dara.String(ipsec2.json()), RemoteSubnet: dara.String(remote2)}); err != nil {
					rt.Fatalf("modify: %v", err)
				}
				// An id left out of the modification keeps its value.
				if ike2.LocalId == "" {
					ike2.LocalId = ike.LocalId
				}
				if ike2.RemoteId == "" {
					ike2.RemoteId = ike.RemoteId
				}
				want.LocalSubnet, want.IkeConfig, want.IpsecConfig = remote2, ike2.view(f.gwIP, f.cgwIPs[cgw]), ipsec2.view()
				check(rtT{t, rt}, env, id, want)
			}
		} else {
			f := dual
			var ikes [2]ikeModel
			var ipsecs [2]ipsecModel
			var specs []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification
			for i, role := range []string{"master", "slave"} {
				ikes[i], ipsecs[i] = genIke(rt, role+"ike"), genIpsec(rt, role+"ipsec")
				k, s := ikes[i], ipsecs[i]
				ikeSpec := &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{Psk: dara.String(k.Psk), IkeVersion: dara.String(k.IkeVersion), IkeMode: dara.String(k.IkeMode),
					IkeEncAlg: dara.String(k.IkeEncAlg), IkeAuthAlg: dara.String(k.IkeAuthAlg), IkePfs: dara.String(k.IkePfs), IkeLifetime: dara.Int64(k.IkeLifetime)}
				if k.LocalId != "" {
					ikeSpec.LocalId = dara.String(k.LocalId)
				}
				if k.RemoteId != "" {
					ikeSpec.RemoteId = dara.String(k.RemoteId)
				}
				specs = append(specs, &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{Role: dara.String(role), CustomerGatewayId: dara.String(f.cgws[i]),
					TunnelIkeConfig: ikeSpec,
					TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{IpsecEncAlg: dara.String(s.IpsecEncAlg), IpsecAuthAlg: dara.String(s.IpsecAuthAlg),
						IpsecPfs: dara.String(s.IpsecPfs), IpsecLifetime: dara.Int64(s.IpsecLifetime)}})
			}
			resp, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: region, VpnGatewayId: dara.String(f.gw), LocalSubnet: dara.String(local), RemoteSubnet: dara.String(remote), TunnelOptionsSpecification: specs})
			if err != nil {
				rt.Fatalf("create dual: %v", err)
			}
			id = dara.StringValue(resp.Body.VpnConnectionId)
			_, tunnels := describe(rtT{t, rt}, c, "cn-hangzhou", id)
			gwIPs := []string{f.gwIP, f.gwDRIP}
			want = vpn.ConnectionConfig{LocalSubnet: remote, RemoteSubnet: local, TunnelsConfig: &vpn.TunnelsConfig{}}
			for i := range 2 {
				want.TunnelsConfig.TunnelConfig = append(want.TunnelsConfig.TunnelConfig, vpn.TunnelConfig{TunnelId: tunnels[i], Local: f.cgwIPs[i], Remote: gwIPs[i],
					IkeConfig: ikes[i].view(gwIPs[i], f.cgwIPs[i]), IpsecConfig: ipsecs[i].view()})
			}
			check(rtT{t, rt}, env, id, want)
			if rapid.Bool().Draw(rt, "modify") {
				i := rapid.IntRange(0, 1).Draw(rt, "tunnel")
				psk := rapid.StringMatching(`[A-Za-z0-9]{1,30}`).Draw(rt, "newpsk")
				enc := rapid.SampledFrom([]string{"aes", "aes192", "aes256"}).Draw(rt, "newenc")
				if _, err := c.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: region, VpnConnectionId: dara.String(id),
					TunnelOptionsSpecification: []*vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecification{{TunnelId: dara.String(tunnels[i]),
						TunnelIkeConfig: &vpc.ModifyVpnConnectionAttributeRequestTunnelOptionsSpecificationTunnelIkeConfig{Psk: dara.String(psk), IkeEncAlg: dara.String(enc)}}}}); err != nil {
					rt.Fatalf("modify tunnel: %v", err)
				}
				want.TunnelsConfig.TunnelConfig[i].IkeConfig.Psk = psk
				want.TunnelsConfig.TunnelConfig[i].IkeConfig.IkeEncAlg = enc
				check(rtT{t, rt}, env, id, want)
			}
		}
		if _, err := c.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: region, VpnConnectionId: dara.String(id)}); err != nil {
			rt.Fatalf("delete: %v", err)
		}
	})
}

// check downloads through the V2 SDK (V3 signature) and V1 SDK (XML).
func check(t rtT, env *apptest.Env, id string, want vpn.ConnectionConfig) {
	for _, mode := range []apptest.Mode{apptest.V2Default, apptest.V1XML} {
		got := download(t, env, mode, "cn-hangzhou", id)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%s download (-want +got):\n%s", mode, d)
		}
	}
}

// rtT lets helpers written for testing.TB report through a rapid.T.
type rtT struct {
	*testing.T
	rt *rapid.T
}

func (r rtT) Helper()                      {}
func (r rtT) Fatal(args ...any)            { r.rt.Fatal(args...) }
func (r rtT) Fatalf(f string, args ...any) { r.rt.Fatalf(f, args...) }
func (r rtT) Error(args ...any)            { r.rt.Error(args...) }
func (r rtT) Errorf(f string, args ...any) { r.rt.Errorf(f, args...) }
