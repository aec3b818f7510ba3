package render

import (
	"fmt"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Conn names one IKE connection of a swanctl.conf and its CHILD_SAs, as
// `swanctl --initiate --ike IKE` / `--child CHILD` take them.
type Conn struct {
	IKE      string
	Children []string
}

// StrongSwan is one side's strongSwan configuration in both formats. Each text
// is complete: SwanctlConf has its connections and secrets sections and loads
// with `swanctl --load-all --file`; IpsecConf and IpsecSecrets are whole
// ipsec.conf and ipsec.secrets files.
type StrongSwan struct {
	SwanctlConf string
	// Conns lists the swanctl connections, one per rendered tunnel (master
	// first), each with its CHILD_SA names.
	Conns        []Conn
	IpsecConf    string
	IpsecSecrets string
	// IpsecConns lists the ipsec.conf conn names (`ipsec up NAME`), in file
	// order.
	IpsecConns []string
	// Settings lists strongswan.conf settings the configuration needs beyond
	// the defaults (aggressive mode PSK responders).
	Settings []string
	// FRR is the side's FRR configuration (frr.conf, device frr) when the
	// connection has BgpConfigs, "" otherwise.
	FRR string
	// Setup lists the commands the host must run before the configuration is
	// loaded, in order: with BgpConfigs, "ip addr add <LocalBgpIp>/32 dev lo"
	// and "ip route add <PeerBgpIp>/32 dev lo src <LocalBgpIp>" per tunnel
	// (SetupCommands of SwanctlConf); nil without BGP.
	Setup []string
}

// SetupCommands returns the host set-up commands that a rendered Linux
// output (strongswan-swanctl, strongswan-ipsec, libreswan) prints in its
// header as "#   ip ..." lines, in order, without the comment prefix; nil when
// there are none. They are the commands to run before loading the file.
func SetupCommands(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "#   ip ") {
			out = append(out, strings.TrimPrefix(l, "#   "))
		}
	}
	return out
}

// GatewayOptions select the tunnel of RenderGateway.
type GatewayOptions struct {
	// Tunnel is "" for a single-tunnel connection, "master" or "slave" for a
	// dual-tunnel connection (each gateway address is its own charon).
	Tunnel string
}

// RenderStrongSwan renders the customer side in both strongSwan formats (the
// same texts as Render with strongswan-swanctl and strongswan-ipsec), with the
// names a test harness initiates.
func RenderStrongSwan(cfg vpn.ConnectionConfig, opt Options) (StrongSwan, error) {
	return renderStrongSwan(cfg, opt.Tunnel, false, opt.Passive)
}

// RenderGateway renders the VPN gateway's own strongSwan configuration for
// the connection: the answer seen from the cloud side (addresses, subnets,
// identities and BGP values swapped back), one tunnel, mobike = no, explicit
// reqid, IKE rekey_time 0.9 L + over_time 0.1 L (so the IKE SA lives, and
// IKEv1 proposes, exactly IkeLifetime L), CHILD life_time L and rekey_time
// 0.9 L, dpd_delay 10 s (IKEv1: dpd_timeout 30 s), dpd_action = clear, and
// start_action = none (the gateway answers; a harness may still initiate).
// The PRF is the one strongSwan derives from the integrity algorithm, as
// every customer-side device writes or derives it.
// With BgpConfigs the tunnel is policy-based BGP: the CHILD_SA's selectors
// are the BGP addresses (/32) in front of the subnets (IKEv1: an extra
// CHILD_SA <name>-bgp), FRR holds the gateway's frr.conf and Setup the host
// commands that put the gateway's BGP address on lo and route the customer's
// BGP address (run them before loading).
// A dual-tunnel connection needs opt.Tunnel "master" or "slave".
func RenderGateway(cfg vpn.ConnectionConfig, opt GatewayOptions) (StrongSwan, error) {
	dual := cfg.TunnelsConfig != nil && len(cfg.TunnelsConfig.TunnelConfig) > 0
	if dual && opt.Tunnel == "" {
		return StrongSwan{}, fmt.Errorf("render: RenderGateway of a dual-tunnel connection needs Tunnel \"master\" or \"slave\"")
	}
	return renderStrongSwan(swapToCloud(cfg), opt.Tunnel, true, true)
}

func renderStrongSwan(cfg vpn.ConnectionConfig, which string, cloud, passive bool) (StrongSwan, error) {
	var out StrongSwan
	sw, err := lookup("strongswan-swanctl")
	if err != nil {
		return out, err
	}
	m, err := build(sw, cfg, which, cloud)
	if err != nil {
		return out, err
	}
	fs, err := execute(sw, m, passive)
	if err != nil {
		return out, err
	}
	out.SwanctlConf = fs[0].Text
	for _, t := range m.Tunnels {
		c := Conn{IKE: t.Name}
		for _, ch := range t.Children {
			c.Children = append(c.Children, ch.Name)
			out.IpsecConns = append(out.IpsecConns, ch.Name)
		}
		out.Conns = append(out.Conns, c)
		if t.Aggressive && len(out.Settings) == 0 {
			out.Settings = append(out.Settings, "charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
		}
	}
	ip, err := lookup("strongswan-ipsec")
	if err != nil {
		return out, err
	}
	m, err = build(ip, cfg, which, cloud)
	if err != nil {
		return out, err
	}
	fs, err = execute(ip, m, passive)
	if err != nil {
		return out, err
	}
	out.IpsecConf, out.IpsecSecrets = fs[0].Text, fs[1].Text
	if m.BGP {
		fr, err := lookup("frr")
		if err != nil {
			return out, err
		}
		if m, err = build(fr, cfg, which, cloud); err != nil {
			return out, err
		}
		if fs, err = execute(fr, m, passive); err != nil {
			return out, err
		}
		out.FRR = fs[0].Text
		out.Setup = SetupCommands(out.SwanctlConf)
	}
	return out, nil
}
