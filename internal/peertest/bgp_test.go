package peertest

import (
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

// BGP over the lab's tunnels, proven live (TUNNEL-TESTS.md, "BGP over the lab's tunnels"): a BGP-enabled
// connection created through the V2 SDK, the peer configured verbatim from what peer-config prints
// (strongswan-swanctl, its header's set-up commands, and frr), the gateway from RenderGateway (swanctl.conf,
// Setup, FRR), real charons with kernel-libipsec and FRR (zebra + bgpd) in each namespace.
//
// The kernel here has no XFRM interfaces, so the tunnels are policy-based: each tunnel's BGP addresses are
// traffic selectors of their own (docs/DEVICES.md). BGP carries reachability and the master preference; the
// packets follow the selectors.

// BGP numbers of the lab: the gateway's ASN (Alibaba's default) and the customer gateway's.
const (
	gatewayASN  = "45104"
	customerASN = "65010"
	// bgpTimeout bounds a BGP session's establishment or failure and a route's arrival (measured: 1.7-3.2 s).
	bgpTimeout = 30 * time.Second
)

var (
	cloudNet = netip.MustParsePrefix("192.0.2.0/25")    // CreateVpnConnection LocalSubnet: the VPC
	peerNet  = netip.MustParsePrefix("198.51.100.0/25") // RemoteSubnet: the data center
)

// customerGatewayASN creates a customer gateway with address ip and BGP ASN asn.
func (w *World) customerGatewayASN(t testing.TB, ip, asn string) string {
	t.Helper()
	c, err := w.Client.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(Region),
		IpAddress: dara.String(ip), Asn: dara.String(asn)})
	must(t, err, "CreateCustomerGateway "+ip)
	return dara.StringValue(c.Body.CustomerGatewayId)
}

// bgpPeer is what the peer side runs, all of it peer-config's output for the connection.
type bgpPeer struct {
	cfg     vpn.ConnectionConfig
	swanctl string // --device strongswan-swanctl
	frr     string // --device frr
}

// peerBGPFiles downloads the customer side through peer-config's client code path and renders both devices,
// each checked byte for byte against DownloadVpnConnectionDeviceConfig.
func peerBGPFiles(t *testing.T, w *World, id string, passive bool) bgpPeer {
	t.Helper()
	cfg, sw := peerFiles(t, w, id, "strongswan-swanctl", render.Options{Passive: passive})
	_, fr := peerFiles(t, w, id, "frr", render.Options{})
	return bgpPeer{cfg: cfg, swanctl: sw[0].Text, frr: fr[0].Text}
}

// gatewayBGP renders the gateway side of one tunnel and checks that it has a BGP part.
func gatewayBGP(t *testing.T, cfg vpn.ConnectionConfig, tunnel string) render.StrongSwan {
	t.Helper()
	gw, err := render.RenderGateway(cfg, render.GatewayOptions{Tunnel: tunnel})
	if err != nil {
		t.Fatalf("RenderGateway: %v", err)
	}
	if gw.FRR == "" || len(gw.Setup) != 2 {
		t.Fatalf("gateway render has no BGP part: FRR %d bytes, Setup %q", len(gw.FRR), gw.Setup)
	}
	return gw
}

func established(n tunneltest.BGPNeighbor) bool { return n.State == "Established" }

// waitEstablished waits until side's session with neighbour is Established and checks the ASNs.
func waitEstablished(t *testing.T, side *tunneltest.Side, neighbour string, localAS, remoteAS uint32) {
	t.Helper()
	n, err := side.WaitBGP(netip.MustParseAddr(neighbour), bgpTimeout, established)
	if err != nil {
		t.Fatal(err)
	}
	if n.LocalAS != localAS || n.RemoteAS != remoteAS {
		t.Errorf("%s: session with %s AS %d -> %d, want %d -> %d", side.Name(), neighbour, n.LocalAS, n.RemoteAS, localAS, remoteAS)
	}
}

// waitLearned waits until side's BGP table holds prefix as a valid path from neighbour and returns the paths.
func waitLearned(t *testing.T, side *tunneltest.Side, prefix netip.Prefix, neighbour string) []tunneltest.BGPPath {
	t.Helper()
	from := netip.MustParseAddr(neighbour)
	ps, err := side.WaitBGPPaths(prefix, bgpTimeout, func(ps []tunneltest.BGPPath) bool {
		// Learned, and bgpd's best-path selection has run over it (it marks one path best).
		learned, best := false, false
		for _, p := range ps {
			learned = learned || (p.Peer == from && p.Valid)
			best = best || p.Best
		}
		return learned && best
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// pathFrom returns the path of ps learned from neighbour.
func pathFrom(ps []tunneltest.BGPPath, neighbour string) (tunneltest.BGPPath, bool) {
	for _, p := range ps {
		if p.Peer.String() == neighbour {
			return p, true
		}
	}
	return tunneltest.BGPPath{}, false
}

func singleBGPRequest(cgw string) *vpc.CreateVpnConnectionRequest {
	return &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(cgw),
		LocalSubnet: dara.String(cloudNet.String()), RemoteSubnet: dara.String(peerNet.String()),
		IkeConfig:   dara.String(`{"IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":28800,"Psk":"Bgp-Tunnel_Psk.1"}`),
		IpsecConfig: dara.String(`{"IpsecEncAlg":"aes256","IpsecAuthAlg":"sha256","IpsecPfs":"group14","IpsecLifetime":3600}`),
		BgpConfig:   dara.String(`{"EnableBgp":true,"LocalAsn":` + gatewayASN + `,"TunnelCidr":"169.254.10.0/30","LocalBgpIp":"169.254.10.1"}`),
	}
}

// stepper logs the seconds since its creation with each step (go test -v shows where a run spends its time).
func stepper(t *testing.T) func(string) {
	start := time.Now()
	return func(what string) { t.Logf("%6.2fs %s", time.Since(start).Seconds(), what) }
}

// bgpChild is one CHILD_SA a single BGP tunnel must install, with its selectors from the peer's side.
type bgpChild struct {
	name            string
	peerTS, cloudTS []string
}

// TestLiveBGPSingle: one tunnel with BGP, IKEv2 (one CHILD_SA with the BGP addresses in front of the subnets)
// and Alibaba's default IKEv1 proposal (a CHILD_SA per pair: the subnets', and vpcvpn-bgp for the BGP
// addresses). The session reaches Established through the tunnel (ESP on the veth, no clear TCP 179 there), each
// side learns the other's subnet with the right AS path, and a ping between the learned subnets passes.
func TestLiveBGPSingle(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, ike, ipsec string
		version          int
		ikeProp, espProp string
		children         []bgpChild
	}{
		{name: "ikev2", version: 2,
			ike:     `{"IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":28800,"Psk":"Bgp-Tunnel_Psk.1"}`,
			ipsec:   `{"IpsecEncAlg":"aes256","IpsecAuthAlg":"sha256","IpsecPfs":"group14","IpsecLifetime":3600}`,
			ikeProp: "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", espProp: "AES_CBC-256/HMAC_SHA2_256_128",
			children: []bgpChild{{"vpcvpn", []string{"169.254.10.2/32", peerNet.String()}, []string{"169.254.10.1/32", cloudNet.String()}}}},
		{name: "ikev1-default", version: 1, // no IkeConfig/IpsecConfig: aes/md5/group2, 86400 s
			ikeProp: "AES_CBC-128/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024", espProp: "AES_CBC-128/HMAC_MD5_96/MODP_1024",
			children: []bgpChild{{"vpcvpn", []string{peerNet.String()}, []string{cloudNet.String()}},
				{"vpcvpn-bgp", []string{"169.254.10.2/32"}, []string{"169.254.10.1/32"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			step := stepper(t)
			defer step("done")
			w := NewWorld(t, false)
			req := singleBGPRequest(w.customerGatewayASN(t, peerOuter.Addr().String(), customerASN))
			req.IkeConfig, req.IpsecConfig = nil, nil
			if c.ike != "" {
				req.IkeConfig, req.IpsecConfig = dara.String(c.ike), dara.String(c.ipsec)
			}
			id := w.Connection(t, req)
			p := peerBGPFiles(t, w, id, false)
			if b := p.cfg.BgpConfigs; b == nil || len(b.BgpConfig) != 1 || b.BgpConfig[0].LocalBgpIp != "169.254.10.2" ||
				b.BgpConfig[0].PeerBgpIp != "169.254.10.1" || b.BgpConfig[0].LocalAsn != customerASN || b.BgpConfig[0].PeerAsn != gatewayASN {
				t.Fatalf("download BgpConfigs %+v", p.cfg.BgpConfigs)
			}
			gw := gatewayBGP(t, p.cfg, "")
			step("rendered")

			lab := tunneltest.New(t, tunneltest.Options{})
			peer := lab.AddSide("peer", addrs("198.51.100.1")...)
			cloud := lab.AddSide("cloud", addrs("192.0.2.1")...)
			link := lab.Connect(peer, peerOuter, cloud, gwOuter)
			capture := lab.StartCapture(link.A) // before FRR: no BGP packet may ever leave in clear
			// The set-up commands first: kernel-libipsec installs no route (and so no CHILD_SA) for a selector
			// without a local address in it. FRR after the tunnel, so that bgpd's first connection finds it (TCP's
			// backoff would otherwise add seconds).
			peer.RunSetup(render.SetupCommands(p.swanctl))
			cloud.RunSetup(gw.Setup)
			cloud.StartSwanctl(gw.SwanctlConf)
			peer.StartSwanctl(p.swanctl) // initiates on load
			for _, ch := range c.children {
				checkChild(t, cloud, ch.name, c.version, c.ikeProp, c.espProp, ch.cloudTS, ch.peerTS, false)
				checkChild(t, peer, ch.name, c.version, c.ikeProp, c.espProp, ch.peerTS, ch.cloudTS, true)
			}
			step("tunnel up")
			cloud.StartFRR(gw.FRR)
			peer.StartFRR(p.frr)
			step("FRR started")

			waitEstablished(t, peer, "169.254.10.1", 65010, 45104)
			waitEstablished(t, cloud, "169.254.10.2", 45104, 65010)
			step("BGP established")
			if pp, ok := pathFrom(waitLearned(t, peer, cloudNet, "169.254.10.1"), "169.254.10.1"); !ok || pp.ASPath != gatewayASN || !pp.Best {
				t.Errorf("peer's path to %s: %+v, want the best, AS path %s", cloudNet, pp, gatewayASN)
			}
			if cp, ok := pathFrom(waitLearned(t, cloud, peerNet, "169.254.10.2"), "169.254.10.2"); !ok || cp.ASPath != customerASN || !cp.Best {
				t.Errorf("gateway's path to %s: %+v, want the best, AS path %s", peerNet, cp, customerASN)
			}
			if n, err := lab.Ping(peer, addrs("198.51.100.1")[0], addrs("192.0.2.1")[0], 5); err != nil {
				t.Errorf("ping between the learned subnets: %d/5: %v", n, err)
			}
			traffic := capture.Stop()
			if got := traffic.ESP(); got < 10 {
				t.Errorf("ESP packets on the wire = %d, want >= 10\n%v", got, traffic)
			}
			if got := traffic.ClearTCP(179); got != 0 {
				t.Errorf("clear BGP (TCP 179) packets on the wire = %d, want 0\n%v", got, traffic)
			}
			if got := traffic.ClearICMP(); got != 0 {
				t.Errorf("clear ICMP packets on the wire = %d, want 0\n%v", got, traffic)
			}
			// BGP's packets crossed the BGP selectors' SA (the only one that carries the BGP addresses).
			if len(c.children) > 1 {
				if _, bc, err := peer.InstalledChild("vpcvpn-bgp"); err != nil || bc.PacketsOut == 0 || bc.PacketsIn == 0 {
					t.Errorf("CHILD_SA vpcvpn-bgp: %+v (%v), want packets both ways", bc, err)
				}
			}
		})
	}
}

// TestLiveBGPWrongPeerASN: the gateway's ASN changes on the server after the peer downloaded its configuration;
// the tunnel comes up but the BGP session must not: the peer refuses the gateway's OPEN (Bad Peer AS) and no
// route is learned.
func TestLiveBGPWrongPeerASN(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, false)
	id := w.Connection(t, singleBGPRequest(w.customerGatewayASN(t, peerOuter.Addr().String(), customerASN)))
	p := peerBGPFiles(t, w, id, false)
	w.Modify(t, &vpc.ModifyVpnConnectionAttributeRequest{VpnConnectionId: dara.String(id), BgpConfig: dara.String(`{"LocalAsn":45105}`)})
	fresh := w.Fetch(t, id)
	if b := fresh.BgpConfigs; b == nil || b.BgpConfig[0].PeerAsn != "45105" || p.cfg.BgpConfigs.BgpConfig[0].PeerAsn != gatewayASN {
		t.Fatalf("the fresh download does not show the new ASN: %+v", fresh.BgpConfigs)
	}
	if !strings.Contains(p.frr, " neighbor 169.254.10.1 remote-as 45104\n") {
		t.Fatalf("peer FRR does not expect AS 45104:\n%s", p.frr)
	}
	gw := gatewayBGP(t, fresh, "")

	lab := tunneltest.New(t, tunneltest.Options{})
	peer := lab.AddSide("peer", addrs("198.51.100.1")...)
	cloud := lab.AddSide("cloud", addrs("192.0.2.1")...)
	link := lab.Connect(peer, peerOuter, cloud, gwOuter)
	capture := lab.StartCapture(link.A)
	peer.RunSetup(render.SetupCommands(p.swanctl))
	cloud.RunSetup(gw.Setup)
	cloud.StartSwanctl(gw.SwanctlConf)
	peer.StartSwanctl(p.swanctl)
	if _, _, err := peer.WaitInstalled("vpcvpn", waitTimeout); err != nil {
		t.Fatalf("the tunnel must come up (only BGP is wrong): %v", err)
	}
	if _, _, err := cloud.WaitInstalled("vpcvpn", waitTimeout); err != nil {
		t.Fatalf("the gateway's CHILD_SA: %v", err)
	}
	cloud.StartFRR(gw.FRR)
	peer.StartFRR(p.frr)

	gwPeer := netip.MustParseAddr("169.254.10.1")
	n, err := peer.WaitBGP(gwPeer, bgpTimeout, func(n tunneltest.BGPNeighbor) bool {
		return strings.Contains(n.LastNotification, "Bad Peer AS")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.State == "Established" || n.PrefixesReceived != 0 {
		t.Errorf("peer's session with a wrong ASN: %+v, want not Established and no prefix", n)
	}
	c, err := cloud.BGPNeighbor(netip.MustParseAddr("169.254.10.2"))
	if err != nil || c.State == "Established" || c.LocalAS != 45105 {
		t.Errorf("gateway's session: %+v (%v), want AS 45105, not Established", c, err)
	}
	if ps, err := peer.BGPPaths(cloudNet); err != nil || len(ps) != 0 {
		t.Errorf("peer learned %s through a refused session: %+v (%v)", cloudNet, ps, err)
	}
	traffic := capture.Stop()
	if got := traffic.ClearTCP(179); got != 0 {
		t.Errorf("clear BGP packets on the wire = %d, want 0\n%v", got, traffic)
	}
	if traffic.ESP() == 0 {
		t.Errorf("no ESP on the wire: the refused BGP attempts must have crossed the tunnel\n%v", traffic)
	}
}

// TestLiveBGPDual: a dual-tunnel connection with EnableTunnelsBgp. Both sessions come up, the peer prefers the
// master's route (local preference 200 over 100) and the slave gateway sees the peer's subnet with the
// prepended AS path; traffic takes the master tunnel; with the master path down (its link cut, dead-peer
// detection) the traffic moves to the slave.
func TestLiveBGPDual(t *testing.T) {
	t.Parallel()
	step := stepper(t)
	defer step("done")
	w := NewWorld(t, true)
	tunnel := func(role, cgw, psk, cidr, ip string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
		return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			Role: dara.String(role), CustomerGatewayId: dara.String(cgw), EnableDpd: dara.Bool(true), EnableNatTraversal: dara.Bool(true),
			TunnelIkeConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{
				IkeVersion: dara.String("ikev2"), IkeMode: dara.String("main"), IkeEncAlg: dara.String("aes"), IkeAuthAlg: dara.String("sha256"),
				IkePfs: dara.String("group14"), IkeLifetime: dara.Int64(86400), Psk: dara.String(psk)},
			TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{
				IpsecEncAlg: dara.String("aes"), IpsecAuthAlg: dara.String("sha256"), IpsecPfs: dara.String("group14"), IpsecLifetime: dara.Int64(86400)},
			TunnelBgpConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelBgpConfig{
				LocalAsn: dara.Int64(45104), TunnelCidr: dara.String(cidr), LocalBgpIp: dara.String(ip)},
		}
	}
	id := w.Connection(t, &vpc.CreateVpnConnectionRequest{
		LocalSubnet: dara.String(cloudNet.String()), RemoteSubnet: dara.String(peerNet.String()), EnableTunnelsBgp: dara.Bool(true),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			tunnel("master", w.customerGatewayASN(t, peerOuter.Addr().String(), customerASN), "Master-Bgp_Psk.1", "169.254.10.0/30", "169.254.10.1"),
			tunnel("slave", w.customerGatewayASN(t, peerDROuter.Addr().String(), customerASN), "Slave-Bgp_Psk.2", "169.254.20.0/30", "169.254.20.1"),
		},
	})
	// --passive: the harness brings the slave up first, so that kernel-libipsec (which ignores policy
	// priorities: the tunnel installed last carries the traffic) sends through the master as a kernel would.
	p := peerBGPFiles(t, w, id, true)
	mgw, sgw := gatewayBGP(t, p.cfg, "master"), gatewayBGP(t, p.cfg, "slave")

	// FastRetransmits: dead-peer detection gives up on the cut master after ~7 s of retransmits instead of ~165 s.
	lab := tunneltest.New(t, tunneltest.Options{CharonSettings: tunneltest.FastRetransmits})
	peer := lab.AddSide("peer", addrs("198.51.100.1")...)
	master := lab.AddSide("master", addrs("192.0.2.1")...)
	slave := lab.AddSide("slave", addrs("192.0.2.1")...)
	mlink := lab.Connect(peer, peerOuter, master, gwOuter)
	slink := lab.Connect(peer, peerDROuter, slave, gwDROuter)
	mcap, scap := lab.StartCapture(mlink.A), lab.StartCapture(slink.A)
	peer.RunSetup(render.SetupCommands(p.swanctl))
	master.RunSetup(mgw.Setup)
	slave.RunSetup(sgw.Setup)
	master.StartSwanctl(mgw.SwanctlConf)
	slave.StartSwanctl(sgw.SwanctlConf)
	peer.StartSwanctl(p.swanctl)
	if err := lab.Establish(peer, "vpcvpn-slave", slave, "vpcvpn-slave", waitTimeout); err != nil {
		t.Fatalf("slave tunnel: %v", err)
	}
	if err := lab.Establish(peer, "vpcvpn-master", master, "vpcvpn-master", waitTimeout); err != nil {
		t.Fatalf("master tunnel: %v", err)
	}
	step("tunnels up")
	master.StartFRR(mgw.FRR)
	slave.StartFRR(sgw.FRR)
	peer.StartFRR(p.frr)
	step("FRR started")

	waitEstablished(t, peer, "169.254.10.1", 65010, 45104)
	waitEstablished(t, peer, "169.254.20.1", 65010, 45104)
	waitEstablished(t, master, "169.254.10.2", 45104, 65010)
	waitEstablished(t, slave, "169.254.20.2", 45104, 65010)
	step("BGP established")
	// Both paths learned; the master's becomes best by local preference. Polled until bgpd shows that state
	// (or bgpTimeout): the two sessions come up in either order and best-path selection runs again after each
	// path arrives, so a single read right after both are learned could still see the slave's path best.
	if _, err := peer.WaitBGPPaths(cloudNet, bgpTimeout, func(ps []tunneltest.BGPPath) bool {
		mp, mok := pathFrom(ps, "169.254.10.1")
		sp, sok := pathFrom(ps, "169.254.20.1")
		return mok && sok && mp.Valid && sp.Valid && mp.Best && mp.LocalPref == 200 && !sp.Best && sp.LocalPref == 100
	}); err != nil {
		t.Errorf("peer's paths to %s: want the master's (169.254.10.1) best with local preference 200, the slave's 100: %v", cloudNet, err)
	}
	// The gateways see the peer's subnet, through the slave with the AS path prepended twice.
	for _, g := range []struct {
		side           *tunneltest.Side
		neighbour, asp string
	}{{master, "169.254.10.2", "65010"}, {slave, "169.254.20.2", "65010 65010 65010"}} {
		if _, err := g.side.WaitBGPPaths(peerNet, bgpTimeout, func(ps []tunneltest.BGPPath) bool {
			p, ok := pathFrom(ps, g.neighbour)
			return ok && p.Valid && p.ASPath == g.asp
		}); err != nil {
			t.Errorf("%s gateway's path to %s from %s: want AS path %q: %v", g.side.Name(), peerNet, g.neighbour, g.asp, err)
		}
	}

	// Traffic goes through the master: the gateways' decrypted side (kernel-libipsec's TUN device) shows where.
	src, dst := addrs("198.51.100.1")[0], addrs("192.0.2.1")[0]
	pingVia := func(what string, via, other *tunneltest.Side) {
		vcap := lab.StartCapture(tunneltest.Endpoint{Side: via, Iface: "ipsec0"})
		ocap := lab.StartCapture(tunneltest.Endpoint{Side: other, Iface: "ipsec0"})
		if n, err := lab.Ping(peer, src, dst, 5); err != nil {
			t.Errorf("%s: ping between the learned subnets: %d/5: %v", what, n, err)
		}
		vt, ot := vcap.Stop(), ocap.Stop()
		if vt.ClearICMP() < 10 || ot.ClearICMP() != 0 {
			t.Errorf("%s: ICMP decrypted by %s = %d (want >= 10), by %s = %d (want 0)\n%v\n%v", what, via.Name(), vt.ClearICMP(),
				other.Name(), ot.ClearICMP(), vt, ot)
		}
	}
	pingVia("both tunnels up", master, slave)
	step("pinged through the master")

	// The master path goes down: its link is cut. Dead-peer detection (10 s, then retransmits) deletes the
	// master's SAs on the peer and the slave's carry the traffic.
	if _, err := peer.Run("ip", "link", "set", mlink.A.Iface, "down"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, _, err := peer.InstalledChild("vpcvpn-master"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer still has the master's CHILD_SA 60 s after its link went down")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if _, _, err := peer.InstalledChild("vpcvpn-slave"); err != nil {
		t.Fatalf("slave tunnel after the master failed: %v", err)
	}
	step("master's SAs gone (dead-peer detection)")
	pingVia("master path down", slave, master)
	if n, err := slave.BGPNeighbor(netip.MustParseAddr("169.254.20.2")); err != nil || !established(n) {
		t.Errorf("slave session after the failover: %+v (%v), want Established", n, err)
	}

	for name, tr := range map[string]tunneltest.Traffic{"master": mcap.Stop(), "slave": scap.Stop()} {
		if tr.ClearTCP(179) != 0 || tr.ClearICMP() != 0 {
			t.Errorf("%s link: clear BGP %d, clear ICMP %d, want 0 and 0\n%v", name, tr.ClearTCP(179), tr.ClearICMP(), tr)
		}
		if tr.ESP() == 0 {
			t.Errorf("%s link: no ESP\n%v", name, tr)
		}
	}
}
