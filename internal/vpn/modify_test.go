package vpn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func storedSingle(t *testing.T) Connection {
	c := mustCreate(t, with(singleBase, Params{"Name": "n", "IkeConfig": `{"Psk":"old","IkeEncAlg":"aes256"}`}))
	c.VpnConnectionID = "vco-1"
	if err := ApplyConnectionDefaults(&c, gwSingle, testCgws); err != nil {
		t.Fatal(err)
	}
	return c
}

func storedDual(t *testing.T) Connection {
	c := mustCreate(t, dualBase)
	c.VpnConnectionID = "vco-2"
	c.Tunnels[0].TunnelID, c.Tunnels[1].TunnelID = "tun-m", "tun-s"
	if err := ApplyConnectionDefaults(&c, gwDual, testCgws); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseModifySingle(t *testing.T) {
	cur := storedSingle(t)
	got, opts, err := ParseModifyVpnConnection(Params{
		"RegionId": "cn-hangzhou", "VpnConnectionId": "vco-1", "ClientToken": "t",
		"RemoteSubnet": "172.16.0.0/12", "EnableDpd": "false",
		"IkeConfig": `{"IkeLifetime":"100"}`, "IpsecConfig": `{"IpsecPfs":"group24"}`,
	}, cur)
	if err != nil {
		t.Fatal(err)
	}
	want := cur
	want.RemoteSubnet = "172.16.0.0/12"
	want.EnableDpd = false
	want.Ike.IkeLifetime = 100
	want.Ipsec.IpsecPfs = "group24"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	if opts.ClientToken != "t" {
		t.Fatalf("%+v", opts)
	}
	// Untouched: the key, the other algorithms, the name (no defaults re-applied).
	if got.Ike.Psk != "old" || got.Ike.IkeEncAlg != "aes256" || got.Name != "n" {
		t.Fatalf("%+v", got)
	}
	// Nothing given: nothing changes.
	same, _, err := ParseModifyVpnConnection(Params{"RegionId": "cn-hangzhou", "VpnConnectionId": "vco-1"}, cur)
	if err != nil || !cmp.Equal(same, cur) {
		t.Fatalf("%v %s", err, cmp.Diff(cur, same))
	}
}

func TestParseModifyDual(t *testing.T) {
	cur := storedDual(t)
	got, _, err := ParseModifyVpnConnection(Params{
		"TunnelOptionsSpecification.1.TunnelId":                   "tun-s",
		"TunnelOptionsSpecification.1.TunnelIkeConfig.IkeEncAlg":  "3des",
		"TunnelOptionsSpecification.1.CustomerGatewayId":          "cgw-c3",
		"TunnelOptionsSpecification.1.Role":                       "slave",
		"TunnelOptionsSpecification.1.EnableNatTraversal":         "false",
		"TunnelOptionsSpecification.1.TunnelIpsecConfig.IpsecPfs": "group1",
	}, cur)
	if err != nil {
		t.Fatal(err)
	}
	want := cloneConnection(cur)
	want.Tunnels[1].Ike.IkeEncAlg = "3des"
	want.Tunnels[1].CustomerGatewayID = "cgw-c3"
	want.Tunnels[1].EnableNatTraversal = false
	want.Tunnels[1].Ipsec.IpsecPfs = "group1"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	if cur.Tunnels[1].Ike.IkeEncAlg != "aes" {
		t.Fatal("ParseModifyVpnConnection changed its input")
	}
}

func TestParseModifyErrors(t *testing.T) {
	tests := []struct {
		name string
		dual bool
		p    Params
		code string
	}{
		{"single: tunnel options", false, Params{"TunnelOptionsSpecification.1.TunnelId": "tun-m"}, "InvalidParameter.TunnelMode"},
		{"single: tunnels bgp", false, Params{"EnableTunnelsBgp": "true"}, "InvalidParameter.TunnelMode"},
		{"single: tunnels bgp off", false, Params{"EnableTunnelsBgp": "false"}, ""},
		{"single: change cgw", false, Params{"CustomerGatewayId": "cgw-c2"}, "InvalidParameter"},
		{"single: bad ike", false, Params{"IkeConfig": `{"IkeVersion":"v2"}`}, "InvalidIkeConfig.IkeVersion"},
		{"single: overlap with stored side", false, Params{"LocalSubnet": "10.0.0.0/16"}, "InvalidSubnet.Overlapped"},
		{"single: bad bool", false, Params{"AutoConfigRoute": "nope"}, "InvalidAutoConfigRoute.Malformed"},
		{"dual: ike config", true, Params{"IkeConfig": "{}"}, "InvalidParameter.TunnelMode"},
		{"dual: unknown role", true, Params{"TunnelOptionsSpecification.1.Role": "backup"}, "InvalidTunnelOptionsSpecification.Role"},
		{"dual: one tunnel twice by role", true, Params{"TunnelOptionsSpecification.1.Role": "slave", "TunnelOptionsSpecification.2.Role": "slave"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual: one tunnel twice by id and position", true, Params{"TunnelOptionsSpecification.2.TunnelId": "tun-m", "TunnelOptionsSpecification.1.EnableDpd": "false"}, "InvalidTunnelOptionsSpecification.Malformed"},
		{"dual: unknown tunnel id", true, Params{"TunnelOptionsSpecification.1.TunnelId": "tun-x"}, "InvalidTunnelId.NotFound"},
		{"dual: role change", true, Params{"TunnelOptionsSpecification.1.TunnelId": "tun-m", "TunnelOptionsSpecification.1.Role": "slave"}, "InvalidTunnelOptionsSpecification.Role"},
		{"dual: bad value", true, Params{"TunnelOptionsSpecification.2.TunnelId": "tun-m", "TunnelOptionsSpecification.2.TunnelIkeConfig.IkeMode": "fast"}, "InvalidTunnelIkeConfig.IkeMode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := storedSingle(t)
			if tt.dual {
				cur = storedDual(t)
			}
			got, _, err := ParseModifyVpnConnection(tt.p, cur)
			wantCode(t, err, tt.code)
			if !cmp.Equal(got, cur) {
				t.Fatal("a failed modify must return the connection unchanged")
			}
		})
	}
}

func TestModifyThenValidate(t *testing.T) {
	cur := storedDual(t)
	got, _, err := ParseModifyVpnConnection(Params{"EnableTunnelsBgp": "true"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	// Turning BGP on without tunnel CIDRs is caught by the context check.
	wantCode(t, ValidateConnection(got, gwDual, testCgws), "InvalidTunnelBgpConfig.TunnelCidr")
}

// TestParseModifyDualWithoutTunnelId: Terraform sends the tunnels' options
// without TunnelId, in DescribeVpnConnection's order, with their Role; an
// entry without either is matched by position.
func TestParseModifyDualWithoutTunnelId(t *testing.T) {
	cur := storedDual(t)
	for name, p := range map[string]Params{
		"by role, reversed": {"TunnelOptionsSpecification.1.Role": "slave", "TunnelOptionsSpecification.1.TunnelIkeConfig.Psk": "slavekey",
			"TunnelOptionsSpecification.2.Role": "master", "TunnelOptionsSpecification.2.EnableDpd": "false"},
		"by position": {"TunnelOptionsSpecification.2.TunnelIkeConfig.Psk": "slavekey", "TunnelOptionsSpecification.1.EnableDpd": "false"},
	} {
		t.Run(name, func(t *testing.T) {
			got, _, err := ParseModifyVpnConnection(p, cur)
			if err != nil {
				t.Fatal(err)
			}
			want := cloneConnection(cur)
			want.Tunnels[0].EnableDpd = false
			want.Tunnels[1].Ike.Psk = "slavekey"
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}
