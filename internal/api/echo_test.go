package api_test

import (
	"strings"
	"testing"
)

// TestSecretsNotEchoed: a refused parameter that carries a pre-shared key
// (IkeConfig, the tunnels' JSON or flattened TunnelIkeConfig) or a BGP
// AuthKey is never repeated in the error (issue #19: a malformed IkeConfig
// echoed the whole value, Psk included).
func TestSecretsNotEchoed(t *testing.T) {
	h := newHarness(t)
	const secret = "Zq9SecretPskValue77"
	create := func(kv ...string) []string {
		return append(vpcAct("CreateVpnConnection", "VpnGatewayId", h.fx.gw, "CustomerGatewayId", h.fx.cgw2, "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.1.0.0/16"), kv...)
	}
	modify := func(kv ...string) []string {
		return append(vpcAct("ModifyVpnConnectionAttribute", "VpnConnectionId", h.fx.conn), kv...)
	}
	for _, tc := range []struct {
		name string
		kv   []string
		code string
	}{
		{"IkeConfig cut short", create("IkeConfig", `{"Psk":"`+secret+`"`), "InvalidIkeConfig.Malformed"},
		{"IkeConfig with trailing data", create("IkeConfig", `{"Psk":"`+secret+`"} x`), "InvalidIkeConfig.Malformed"},
		{"IkeConfig as a list", modify("IkeConfig", `[{"Psk":"`+secret+`"}]`), "InvalidIkeConfig.Malformed"},
		{"IkeConfig Psk a number", create("IkeConfig", `{"Psk":9`+strings.Repeat("7", 18)+`}`), "InvalidIkeConfig.Psk"},
		{"IkeConfig Psk with a space", create("IkeConfig", `{"Psk":"`+secret+` x"}`), "InvalidIkeConfig.Psk"},
		{"IkeConfig Psk twice", modify("IkeConfig", `{"Psk":"`+secret+`","Psk":"other1"}`), "InvalidIkeConfig.DuplicateKey"},
		{"IkeConfig bad enum after the Psk", create("IkeConfig", `{"Psk":"`+secret+`","IkeEncAlg":"rot13"}`), "InvalidIkeConfig.IkeEncAlg"},
		{"IpsecConfig not JSON", create("IpsecConfig", `{"Psk":"`+secret), "InvalidIpsecConfig.Malformed"},
		{"tunnels JSON cut short", create("TunnelOptionsSpecification", `[{"Role":"master","TunnelIkeConfig":{"Psk":"`+secret+`"}}`), "InvalidTunnelOptionsSpecification.Malformed"},
		{"IkeConfig Psk too long", modify("IkeConfig", `{"Psk":"`+strings.Repeat(secret, 6)+`"}`), "InvalidIkeConfig.Psk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := sget(tc.kv...)(h)
			a := send(t, req)
			checkWellFormed(t, a)
			if a.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %s", a.Status, a.Code, a.Message, tc.code)
			}
			for _, s := range []string{secret, "97777777", "other1"} {
				if strings.Contains(string(a.Body), s) {
					t.Fatalf("the answer repeats the secret %q: %s", s, a.Body)
				}
			}
		})
	}
}
