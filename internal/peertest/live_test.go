package peertest

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Lab addresses. The gateway addresses come from AddressPool; the customer
// gateways are created with the peer's outer addresses.
var (
	gwOuter     = netip.MustParsePrefix("203.0.113.1/28")
	peerOuter   = netip.MustParsePrefix("203.0.113.2/28")
	gwDROuter   = netip.MustParsePrefix("203.0.113.17/28")
	peerDROuter = netip.MustParsePrefix("203.0.113.18/28")
)

// waitTimeout bounds every establishment or failure (a wrong IKEv1 PSK needs
// ~7.5 s with tunneltest.FastRetransmits).
const waitTimeout = 20 * time.Second

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// profile is a single-tunnel connection as created through the API and what
// the SAs must show once up.
type profile struct {
	name         string
	ikeConfig    string // CreateVpnConnection IkeConfig JSON; "" = all defaults
	ipsecConfig  string
	cloudSubnets string // CreateVpnConnection LocalSubnet (the VPC side)
	peerSubnets  string // CreateVpnConnection RemoteSubnet (the customer side)
	peerInner    []netip.Addr
	cloudInner   []netip.Addr
	version      int
	ikeProposal  string
	espProposal  string
	ikeLifetime  uint32 // IKEv1: proposed on the wire
}

func profiles() []profile {
	return []profile{
		{
			// Alibaba's documented defaults: ikev1 main aes/md5/group2, 86400 s; ipsec aes/md5/group2, 86400 s.
			name:         "ikev1-default",
			cloudSubnets: "192.0.2.0/24", peerSubnets: "198.51.100.0/24",
			peerInner: addrs("198.51.100.1"), cloudInner: addrs("192.0.2.1"),
			version:     1,
			ikeProposal: "AES_CBC-128/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",
			espProposal: "AES_CBC-128/HMAC_MD5_96/MODP_1024",
			ikeLifetime: 86400,
		},
		{
			name:         "ikev2-aes256-sha256-group14-two-subnets",
			ikeConfig:    `{"IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":28800,"Psk":"Two-Subnets_Psk.1"}`,
			ipsecConfig:  `{"IpsecEncAlg":"aes256","IpsecAuthAlg":"sha256","IpsecPfs":"group14","IpsecLifetime":3600}`,
			cloudSubnets: "192.0.2.0/26,192.0.2.64/26", peerSubnets: "198.51.100.0/26,198.51.100.64/26",
			peerInner: addrs("198.51.100.1", "198.51.100.65"), cloudInner: addrs("192.0.2.1", "192.0.2.65"),
			version:     2,
			ikeProposal: "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
			// The first CHILD_SA of IKEv2 is created with IKE_AUTH: no key exchange, so no group.
			espProposal: "AES_CBC-256/HMAC_SHA2_256_128",
		},
	}
}

func (p profile) request(cgw string) *vpc.CreateVpnConnectionRequest {
	req := &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(cgw),
		LocalSubnet: dara.String(p.cloudSubnets), RemoteSubnet: dara.String(p.peerSubnets)}
	if p.ikeConfig != "" {
		req.IkeConfig = dara.String(p.ikeConfig)
	}
	if p.ipsecConfig != "" {
		req.IpsecConfig = dara.String(p.ipsecConfig)
	}
	return req
}

// peerFiles renders the customer side from the client code path and checks
// that the extension action answers exactly the same text for the connection.
func peerFiles(t *testing.T, w *World, id, device string, opt render.Options) (vpn.ConnectionConfig, []render.File) {
	t.Helper()
	cfg := w.Fetch(t, id)
	files, err := render.RenderFiles(device, cfg, opt)
	if err != nil {
		t.Fatalf("render %s: %v", device, err)
	}
	want, err := render.Render(device, cfg, render.Options{Tunnel: opt.Tunnel})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.DeviceConfig(t, id, device, opt.Tunnel); got != want {
		t.Errorf("DownloadVpnConnectionDeviceConfig %s differs from render.Render of the download:\n%s\n--- want ---\n%s", device, got, want)
	}
	return cfg, files
}

// start runs charon on side with the device's files (swanctl.conf, or
// ipsec.conf + ipsec.secrets).
func start(t *testing.T, side *tunneltest.Side, device string, files []render.File) {
	t.Helper()
	switch device {
	case "strongswan-swanctl":
		side.StartSwanctl(files[0].Text)
	case "strongswan-ipsec":
		side.StartIpsecConf(files[0].Text, files[1].Text)
	default:
		t.Fatalf("no live runner for device %s", device)
	}
}

// gatewayFiles renders the gateway side in the device's format.
func gatewayFiles(t *testing.T, cfg vpn.ConnectionConfig, device, tunnel string) ([]render.File, render.StrongSwan) {
	t.Helper()
	gw, err := render.RenderGateway(cfg, render.GatewayOptions{Tunnel: tunnel})
	if err != nil {
		t.Fatalf("RenderGateway: %v", err)
	}
	if device == "strongswan-ipsec" {
		return []render.File{{Name: "ipsec.conf", Text: gw.IpsecConf}, {Name: "ipsec.secrets", Text: gw.IpsecSecrets}}, gw
	}
	return []render.File{{Name: "swanctl.conf", Text: gw.SwanctlConf}}, gw
}

// childNames are the CHILD_SA (or ipsec.conf conn) names of a rendering.
func childNames(ss render.StrongSwan, device string) []string {
	if device == "strongswan-ipsec" {
		return ss.IpsecConns
	}
	var out []string
	for _, c := range ss.Conns {
		out = append(out, c.Children...)
	}
	return out
}

// checkChild asserts one established CHILD_SA and its IKE_SA.
func checkChild(t *testing.T, side *tunneltest.Side, child string, version int, ikeProp, espProp string, localTS, remoteTS []string, initiator bool) tunneltest.ChildSA {
	t.Helper()
	ike, c, err := side.WaitInstalled(child, waitTimeout)
	if err != nil {
		t.Fatalf("%s: %v", side.Name(), err)
	}
	if ike.State != "ESTABLISHED" || ike.Version != version || ike.Initiator != initiator {
		t.Errorf("%s: IKE_SA %s state %s version %d initiator %v, want ESTABLISHED %d %v", side.Name(), ike.Name, ike.State, ike.Version, ike.Initiator, version, initiator)
	}
	if got := ike.Proposal(); got != ikeProp {
		t.Errorf("%s: IKE proposal = %s, want %s", side.Name(), got, ikeProp)
	}
	if got := c.Proposal(); got != espProp {
		t.Errorf("%s: ESP proposal of %s = %s, want %s", side.Name(), child, got, espProp)
	}
	if c.Mode != "TUNNEL" || c.Protocol != "ESP" {
		t.Errorf("%s: CHILD_SA %s mode %s protocol %s, want TUNNEL ESP", side.Name(), child, c.Mode, c.Protocol)
	}
	if strings.Join(c.LocalTS, ",") != strings.Join(localTS, ",") || strings.Join(c.RemoteTS, ",") != strings.Join(remoteTS, ",") {
		t.Errorf("%s: CHILD_SA %s selectors %v === %v, want %v === %v", side.Name(), child, c.LocalTS, c.RemoteTS, localTS, remoteTS)
	}
	return c
}

func split(s string) []string { return strings.Split(s, ",") }

// TestLiveSingleTunnel: for each device and profile, a connection created
// through the API, the peer configuration exactly as peer-config prints it
// (start on load), the gateway rendered from the same download; the SAs use
// the connection's algorithms, every inner pair pings through ESP and no clear
// ICMP is on the wire.
func TestLiveSingleTunnel(t *testing.T) {
	t.Parallel()
	for _, device := range []string{"strongswan-swanctl", "strongswan-ipsec"} {
		for _, p := range profiles() {
			t.Run(device+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				w := NewWorld(t, false)
				id := w.Connection(t, p.request(w.CustomerGateway(t, peerOuter.Addr().String())))
				cfg, files := peerFiles(t, w, id, device, render.Options{})
				gwFiles, gw := gatewayFiles(t, cfg, device, "")
				peerSS, err := render.RenderStrongSwan(cfg, render.Options{})
				if err != nil {
					t.Fatal(err)
				}
				children, gwChildren := childNames(peerSS, device), childNames(gw, device)
				if len(children) != 1 || len(gwChildren) != 1 {
					t.Fatalf("children %v / gateway %v, want one each", children, gwChildren)
				}

				lab := tunneltest.New(t, tunneltest.Options{})
				peer := lab.AddSide("peer", p.peerInner...)
				cloud := lab.AddSide("cloud", p.cloudInner...)
				link := lab.Connect(peer, peerOuter, cloud, gwOuter)
				start(t, cloud, device, gwFiles)
				capture := lab.StartCapture(link.A)
				start(t, peer, device, files) // initiates on load (start_action = start / auto = start)

				peerTS, cloudTS := split(p.peerSubnets), split(p.cloudSubnets)
				checkChild(t, cloud, gwChildren[0], p.version, p.ikeProposal, p.espProposal, cloudTS, peerTS, false)
				checkChild(t, peer, children[0], p.version, p.ikeProposal, p.espProposal, peerTS, cloudTS, true)
				pings := 0
				for _, src := range p.peerInner {
					for _, dst := range p.cloudInner {
						if n, err := lab.Ping(peer, src, dst, 5); err != nil {
							t.Errorf("ping %s -> %s: %d/5: %v", src, dst, n, err)
						}
						pings++
					}
				}
				traffic := capture.Stop()
				if got, want := traffic.ESP(), 10*pings; got < want {
					t.Errorf("ESP packets on the wire = %d, want >= %d\n%v", got, want, traffic)
				}
				if got := traffic.ClearICMP(); got != 0 {
					t.Errorf("clear ICMP packets on the wire = %d, want 0\n%v", got, traffic)
				}
				if p.version == 1 {
					if got := traffic.IKEv1Lifetimes(); len(got) != 2 || got[0] != p.ikeLifetime || got[1] != p.ikeLifetime {
						t.Errorf("IKEv1 lifetimes on the wire = %v, want [%d %d]", got, p.ikeLifetime, p.ikeLifetime)
					}
				}
				_, c, err := peer.InstalledChild(children[0])
				if err != nil {
					t.Fatal(err)
				}
				if n := uint64(5 * pings); c.PacketsOut < n || c.PacketsIn < n {
					t.Errorf("peer CHILD_SA counters in %d out %d, want >= %d each", c.PacketsIn, c.PacketsOut, n)
				}
			})
		}
	}
}

// TestLiveDualTunnel: a dual-tunnel connection (two customer gateways, the
// gateway's two addresses); one peer charon with both tunnels, two gateway
// charons rendered per tunnel; both tunnels come up with their own reqids and
// the traffic crosses in ESP.
func TestLiveDualTunnel(t *testing.T) {
	t.Parallel()
	for _, device := range []string{"strongswan-swanctl", "strongswan-ipsec"} {
		t.Run(device, func(t *testing.T) {
			t.Parallel()
			w := NewWorld(t, true)
			tunnel := func(role, cgw, psk string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
				return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
					Role: dara.String(role), CustomerGatewayId: dara.String(cgw), EnableDpd: dara.Bool(true), EnableNatTraversal: dara.Bool(true),
					TunnelIkeConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{
						IkeVersion: dara.String("ikev2"), IkeMode: dara.String("main"), IkeEncAlg: dara.String("aes"), IkeAuthAlg: dara.String("sha1"),
						IkePfs: dara.String("group2"), IkeLifetime: dara.Int64(86400), Psk: dara.String(psk)},
					TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{
						IpsecEncAlg: dara.String("aes"), IpsecAuthAlg: dara.String("sha1"), IpsecPfs: dara.String("group2"), IpsecLifetime: dara.Int64(86400)},
				}
			}
			id := w.Connection(t, &vpc.CreateVpnConnectionRequest{
				LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"),
				TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
					tunnel("master", w.CustomerGateway(t, peerOuter.Addr().String()), "Master-Psk_1"),
					tunnel("slave", w.CustomerGateway(t, peerDROuter.Addr().String()), "Slave-Psk_2"),
				},
			})
			cfg, files := peerFiles(t, w, id, device, render.Options{})
			if cfg.TunnelsConfig == nil || len(cfg.TunnelsConfig.TunnelConfig) != 2 ||
				cfg.TunnelsConfig.TunnelConfig[0].Remote != "203.0.113.1" || cfg.TunnelsConfig.TunnelConfig[1].Remote != "203.0.113.17" {
				t.Fatalf("download tunnels %+v", cfg.TunnelsConfig)
			}
			mFiles, mGW := gatewayFiles(t, cfg, device, "master")
			sFiles, sGW := gatewayFiles(t, cfg, device, "slave")
			peerSS, err := render.RenderStrongSwan(cfg, render.Options{})
			if err != nil {
				t.Fatal(err)
			}
			children := childNames(peerSS, device)
			mChild, sChild := childNames(mGW, device), childNames(sGW, device)
			if len(children) != 2 || len(mChild) != 1 || len(sChild) != 1 {
				t.Fatalf("children %v, gateway master %v slave %v", children, mChild, sChild)
			}

			lab := tunneltest.New(t, tunneltest.Options{})
			peer := lab.AddSide("peer", addrs("198.51.100.1")...)
			master := lab.AddSide("master", addrs("192.0.2.1")...)
			slave := lab.AddSide("slave", addrs("192.0.2.1")...)
			mlink := lab.Connect(peer, peerOuter, master, gwOuter)
			slink := lab.Connect(peer, peerDROuter, slave, gwDROuter)
			start(t, master, device, mFiles)
			start(t, slave, device, sFiles)
			start(t, peer, device, files)

			const ikeProp, espProp = "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", "AES_CBC-128/HMAC_SHA1_96"
			peerTS, cloudTS := []string{"198.51.100.0/24"}, []string{"192.0.2.0/24"}
			checkChild(t, master, mChild[0], 2, ikeProp, espProp, cloudTS, peerTS, false)
			checkChild(t, slave, sChild[0], 2, ikeProp, espProp, cloudTS, peerTS, false)
			mc := checkChild(t, peer, children[0], 2, ikeProp, espProp, peerTS, cloudTS, true)
			sc := checkChild(t, peer, children[1], 2, ikeProp, espProp, peerTS, cloudTS, true)
			if mc.ReqID != "101" || sc.ReqID != "201" {
				t.Errorf("peer reqids master %q slave %q, want 101 and 201", mc.ReqID, sc.ReqID)
			}

			mcap, scap := lab.StartCapture(mlink.A), lab.StartCapture(slink.A)
			if n, err := lab.Ping(peer, addrs("198.51.100.1")[0], addrs("192.0.2.1")[0], 5); err != nil {
				t.Errorf("ping: %d/5: %v", n, err)
			}
			mt, st := mcap.Stop(), scap.Stop()
			// kernel-libipsec ignores policy priorities (the tunnel installed last carries the traffic), so
			// the packets may take either tunnel: count both links.
			if got := mt.ESP() + st.ESP(); got < 10 {
				t.Errorf("ESP packets on both links = %d, want >= 10\nmaster: %v\nslave: %v", got, mt, st)
			}
			if mt.ClearICMP() != 0 || st.ClearICMP() != 0 {
				t.Errorf("clear ICMP on the links: master %d slave %d, want 0\nmaster: %v\nslave: %v", mt.ClearICMP(), st.ClearICMP(), mt, st)
			}
		})
	}
}

// TestLiveFailures: the peer keeps a configuration downloaded before the
// connection was changed on the server, the gateway runs the configuration
// of a fresh download; the tunnel must not come up, for the reason the
// change implies.
func TestLiveFailures(t *testing.T) {
	t.Parallel()
	v2 := profiles()[1]
	cases := []struct {
		name   string
		create profile
		modify *vpc.ModifyVpnConnectionAttributeRequest
		// check asserts the fresh download shows the change.
		check func(old, fresh vpn.ConnectionConfig) bool
		// wantPeer must be in the initiator's log of the attempt, wantCloud in the gateway's charon log.
		wantPeer, wantCloud string
	}{
		{
			name:   "ikev2-psk-changed",
			create: v2,
			modify: &vpc.ModifyVpnConnectionAttributeRequest{IkeConfig: dara.String(`{"Psk":"Rotated-Psk_2"}`)},
			check: func(old, fresh vpn.ConnectionConfig) bool {
				return old.IkeConfig.Psk == "Two-Subnets_Psk.1" && fresh.IkeConfig.Psk == "Rotated-Psk_2"
			},
			wantPeer:  "received AUTHENTICATION_FAILED notify error",
			wantCloud: "N(AUTH_FAILED)",
		},
		{
			// IKEv1 Main Mode: a wrong PSK shows as undecryptable payloads on the responder, the initiator
			// gives up after its retransmits.
			name:   "ikev1-default-psk-changed",
			create: profiles()[0],
			modify: &vpc.ModifyVpnConnectionAttributeRequest{IkeConfig: dara.String(`{"Psk":"Rotated-Psk_3"}`)},
			check: func(old, fresh vpn.ConnectionConfig) bool {
				return len(old.IkeConfig.Psk) == 16 && fresh.IkeConfig.Psk == "Rotated-Psk_3"
			},
			wantPeer:  "giving up after 3 retransmits",
			wantCloud: "N(PLD_MAL)",
		},
		{
			name:   "ikev2-ike-proposal-changed",
			create: v2,
			modify: &vpc.ModifyVpnConnectionAttributeRequest{IkeConfig: dara.String(`{"IkeEncAlg":"aes"}`)},
			check: func(old, fresh vpn.ConnectionConfig) bool {
				return old.IkeConfig.IkeEncAlg == "aes256" && fresh.IkeConfig.IkeEncAlg == "aes" && fresh.IkeConfig.Psk == old.IkeConfig.Psk
			},
			wantPeer:  "received NO_PROPOSAL_CHOSEN notify error",
			wantCloud: "N(NO_PROP)",
		},
		{
			name:   "ikev1-default-esp-pfs-changed",
			create: profiles()[0],
			modify: &vpc.ModifyVpnConnectionAttributeRequest{IpsecConfig: dara.String(`{"IpsecPfs":"group5"}`)},
			check: func(old, fresh vpn.ConnectionConfig) bool {
				return old.IpsecConfig.IpsecPfs == "group2" && fresh.IpsecConfig.IpsecPfs == "group5"
			},
			wantPeer:  "received NO_PROPOSAL_CHOSEN error notify",
			wantCloud: "no matching proposal found, sending NO_PROPOSAL_CHOSEN",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const device = "strongswan-swanctl"
			w := NewWorld(t, false)
			id := w.Connection(t, tc.create.request(w.CustomerGateway(t, peerOuter.Addr().String())))
			old, files := peerFiles(t, w, id, device, render.Options{Passive: true})
			tc.modify.VpnConnectionId = dara.String(id)
			w.Modify(t, tc.modify)
			fresh := w.Fetch(t, id)
			if !tc.check(old, fresh) {
				t.Fatalf("the fresh download does not show the change:\nold   %+v %+v\nfresh %+v %+v", old.IkeConfig, old.IpsecConfig, fresh.IkeConfig, fresh.IpsecConfig)
			}
			gwFiles, _ := gatewayFiles(t, fresh, device, "")

			lab := tunneltest.New(t, tunneltest.Options{CharonSettings: tunneltest.FastRetransmits})
			peer := lab.AddSide("peer", tc.create.peerInner...)
			cloud := lab.AddSide("cloud", tc.create.cloudInner...)
			link := lab.Connect(peer, peerOuter, cloud, gwOuter)
			start(t, cloud, device, gwFiles)
			start(t, peer, device, files)
			capture := lab.StartCapture(link.A)
			err := peer.Initiate("vpcvpn", waitTimeout)
			var ierr *tunneltest.InitiateError
			if !errors.As(err, &ierr) {
				t.Fatalf("Initiate = %v, want an *InitiateError", err)
			}
			if !ierr.HasNotify(tc.wantPeer) {
				t.Errorf("initiator's log does not contain %q:\n%v", tc.wantPeer, err)
			}
			if log := cloud.Log(); !strings.Contains(log, tc.wantCloud) {
				t.Errorf("gateway's log does not contain %q:\n%s", tc.wantCloud, log)
			}
			if _, _, err := peer.InstalledChild("vpcvpn"); err == nil {
				t.Errorf("peer has an INSTALLED CHILD_SA after a failed negotiation")
			}
			src, dst := tc.create.peerInner[0], tc.create.cloudInner[0]
			if n, err := lab.PingWithin(peer, src, dst, 2, time.Second); n != 0 || err == nil {
				t.Errorf("ping through a failed tunnel: %d answered, err %v; want 0 and an error", n, err)
			}
			traffic := capture.Stop()
			if traffic.ESP() != 0 || traffic.ClearICMP() != 0 {
				t.Errorf("failed tunnel put ESP=%d clear ICMP=%d on the wire, want 0 and 0\n%v", traffic.ESP(), traffic.ClearICMP(), traffic)
			}
		})
	}
}
