package peertest

import (
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestBypassShuntsInstalled: with RemoteSubnet 0.0.0.0/0 the strongSwan outputs carry pass policies for the local
// subnets and for the host's own address; a real charon loads each output (swanctl.conf through vici, ipsec.conf
// through starter) and lists both bypass policies as installed shunts, ahead of (besides) the tunnel's.
func TestBypassShuntsInstalled(t *testing.T) {
	t.Parallel()
	cfg := vpn.ConnectionConfig{
		Local: "203.0.113.10", Remote: "192.0.2.1",
		LocalSubnet: "198.51.100.0/25,203.0.113.0/24", RemoteSubnet: "0.0.0.0/0",
		IkeConfig: &vpn.ViewIkeConfig{IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha256", IkePfs: "group14",
			IkeLifetime: 86400, LocalId: "203.0.113.10", RemoteId: "192.0.2.1", Psk: "Bypass-Psk_1"},
		IpsecConfig: &vpn.ViewIpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "sha256", IpsecPfs: "group14", IpsecLifetime: 86400},
	}
	for _, device := range []string{"strongswan-swanctl", "strongswan-ipsec"} {
		t.Run(device, func(t *testing.T) {
			files, err := render.RenderFiles(device, cfg, render.Options{Passive: true})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(files[0].Text, "# WARNING: the remote subnets include 0.0.0.0/0") {
				t.Fatalf("no warning in the header:\n%s", files[0].Text)
			}
			lab := tunneltest.New(t, tunneltest.Options{})
			side := lab.AddSide("peer", addrs("198.51.100.1", "203.0.113.10")...)
			// kernel-libipsec installs a route beside each pass policy and needs one to copy: the lab's side has
			// no link, so a default route on lo stands in for the host's uplink.
			if _, err := side.Run("ip", "route", "add", "0.0.0.0/0", "dev", "lo"); err != nil {
				t.Fatal(err)
			}
			start(t, side, device, files)
			out, err := side.Swanctl("--list-pols", "--pass")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"bypass-lan, PASS", "local:  198.51.100.0/25 203.0.113.0/24", "remote: 198.51.100.0/25 203.0.113.0/24",
				"bypass-host, PASS", "local:  203.0.113.10/32", "remote: 0.0.0.0/0"} {
				if !strings.Contains(out, want) {
					t.Errorf("swanctl --list-pols lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
