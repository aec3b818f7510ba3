package gatewaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
)

var bin, workDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vpcvpn-gatewaytest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	if bin, err = crashtest.BuildBinary(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitFor is how long an SA or a status may take (generous: the machine is
// shared; a wrong IKEv1 PSK alone takes ~7 s to fail).
const waitFor = 30 * time.Second

// labSettings are the charons' strongswan.conf settings: short retransmits
// (a dead peer is noticed dpd_delay + ~4.4 s after its last packet).
const labSettings = "retransmit_tries = 2\nretransmit_timeout = 1.0\nretransmit_base = 1.4\n"

// singleLab is a peer and a cloud side joined by one link; the cloud side
// runs a charon with no connections.
func singleLab(t *testing.T) (*tunneltest.Lab, *tunneltest.Side, *tunneltest.Side, *tunneltest.Link) {
	t.Helper()
	lab := tunneltest.New(t, tunneltest.Options{CharonSettings: labSettings})
	peer := lab.AddSide("peer", PeerInner)
	cloud := lab.AddSide("cloud", CloudInner)
	link := lab.Connect(peer, PeerOuter, cloud, GatewayOuter)
	cloud.StartCharon()
	return lab, peer, cloud, link
}

func established(st string, _ []string) bool { return st == "ipsec_sa_established" }

// Scenario 1 (and 8): a single tunnel with Alibaba's IKEv1 defaults and with
// IKEv2 aes256/sha256/group14 comes up between the agent's charon and a peer
// configured verbatim by `vpcvpn peer-config`; pings pass in ESP; the
// connection shows ipsec_sa_established through the V2 SDK within 10 s of the
// tunnel coming up; DescribeVpnConnectionLogs returns charon's lines of it.
func TestAgentSingleTunnel(t *testing.T) {
	t.Parallel()
	for _, p := range []struct {
		name, ike, ipsec   string
		ikeProp, espProp   string
		establishedLogLine string
	}{
		{name: "ikev1-defaults", ikeProp: "AES_CBC-128/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024", espProp: "AES_CBC-128/HMAC_MD5_96/MODP_1024",
			establishedLogLine: "IKE_SA vpcvpn."},
		{name: "ikev2-aes256-sha256-group14", ike: `{"IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":28800}`,
			ipsec:   `{"IpsecEncAlg":"aes256","IpsecAuthAlg":"sha256","IpsecPfs":"group14","IpsecLifetime":3600}`,
			ikeProp: "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", espProp: "AES_CBC-256/HMAC_SHA2_256_128",
			establishedLogLine: "IKE_SA vpcvpn."},
	} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			w := NewWorld(t, bin, false)
			req := &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
				LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")}
			if p.ike != "" {
				req.IkeConfig, req.IpsecConfig = dara.String(p.ike), dara.String(p.ipsec)
			}
			id := w.Connection(req)
			lab, peer, cloud, link := singleLab(t)
			ag := w.StartAgent(ViciOf(cloud), "")
			name := "vpcvpn." + w.GatewayID + "." + id
			Eventually(t, waitFor, "the agent loads the connection", func() bool {
				names := LoadedConns(t, cloud)
				return len(names) == 1 && names[0] == name
			})
			capture := lab.StartCapture(link.A)
			peer.StartSwanctl(w.PeerConfig(id)) // the customer side initiates on load
			ike, child, err := cloud.WaitInstalled(name, waitFor)
			if err != nil {
				t.Fatal(err)
			}
			upAt := time.Now()
			if ike.Proposal() != p.ikeProp || child.Proposal() != p.espProp {
				t.Errorf("cloud SAs %s / %s, want %s / %s", ike.Proposal(), child.Proposal(), p.ikeProp, p.espProp)
			}
			if _, _, err := peer.WaitInstalled("vpcvpn", waitFor); err != nil {
				t.Fatal(err)
			}
			took := w.WaitStatus(id, waitFor, "ipsec_sa_established", established)
			if since := time.Since(upAt); since > 10*time.Second {
				t.Errorf("Status ipsec_sa_established %v after the tunnel came up, want within 10 s (polled for %v)", since, took)
			}
			if n, err := lab.Ping(peer, PeerInner, CloudInner, 5); err != nil {
				t.Errorf("ping: %d/5: %v", n, err)
			}
			traffic := capture.Stop()
			if traffic.ESP() < 10 || traffic.ClearICMP() != 0 {
				t.Errorf("on the wire: %d ESP, %d clear ICMP\n%v", traffic.ESP(), traffic.ClearICMP(), traffic)
			}
			// The agent's /metrics.
			Eventually(t, waitFor, "agent metrics", func() bool {
				m := ag.Metrics(t)
				return m["vpcvpn_agent_tunnels_desired"] == 1 && m["vpcvpn_agent_tunnels_up"] == 1 && m["vpcvpn_agent_reconcile_errors_total"] == 0 &&
					m["vpcvpn_agent_last_sync_timestamp_seconds"] > float64(upAt.Add(-time.Minute).Unix()) &&
					m["vpcvpn_agent_last_report_timestamp_seconds"] >= float64(upAt.Unix()) && m["vpcvpn_agent_reconciles_total"] >= 1
			})
			// Scenario 8: the connection's log lines, with the SDK's shapes.
			Eventually(t, waitFor, "DescribeVpnConnectionLogs", func() bool {
				now := time.Now()
				r, err := w.Client.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(Region),
					VpnConnectionId: dara.String(id), From: dara.Int32(int32(now.Add(-5 * time.Minute).Unix())), To: dara.Int32(int32(now.Unix())),
					PageSize: dara.Int32(50)})
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range r.Body.Data.Logs {
					s := dara.StringValue(l)
					if strings.Contains(s, p.establishedLogLine) && strings.Contains(s, "established between "+w.GatewayIP) {
						if dara.Int32Value(r.Body.Count) != int32(len(r.Body.Data.Logs)) || dara.Int32Value(r.Body.PageSize) != 50 {
							t.Fatalf("log answer %s", r.Body)
						}
						return true
					}
				}
				return false
			})
		})
	}
}

// A tunnel whose algorithm the gateway's charon lacks (3DES, from the
// openssl plugin, which this charon does not load) fails with that reason
// as its last error, while the other tunnel of the gateway converges.
func TestAgentAlgorithmCharonLacks(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	good := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/25"),
		IkeConfig: dara.String(`{"IkeVersion":"ikev2","IkeEncAlg":"aes","IkeAuthAlg":"sha1"}`), IpsecConfig: dara.String(`{"IpsecEncAlg":"aes","IpsecAuthAlg":"sha1"}`)})
	bad := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(peer2Outer.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.128/25"),
		IkeConfig: dara.String(`{"IkeVersion":"ikev2","IkeEncAlg":"3des","IkeAuthAlg":"sha1"}`), IpsecConfig: dara.String(`{"IpsecEncAlg":"3des","IpsecAuthAlg":"sha1"}`)})
	lab := tunneltest.New(t, tunneltest.Options{CharonSettings: labSettings})
	peer := lab.AddSide("peer", PeerInner)
	peer2 := lab.AddSide("peertwo", peer2Inner)
	cloud := lab.AddSide("cloud", CloudInner)
	lab.Connect(peer, PeerOuter, cloud, GatewayOuter)
	lab.Connect(peer2, peer2Outer, cloud, cloudSecondOuter)
	// peer2 reaches the gateway address through the cloud's second link.
	if _, err := peer2.Run("ip", "route", "add", GatewayOuter.Addr().String()+"/32", "via", cloudSecondOuter.Addr().String()); err != nil {
		t.Fatal(err)
	}
	cloud.SetPlugins(strings.Replace(tunneltest.BasePlugins, "openssl ", "", 1))
	cloud.StartCharon()
	ag := w.StartAgent(ViciOf(cloud), "")
	Eventually(t, waitFor, "both connections loaded", func() bool { return len(LoadedConns(t, cloud)) == 2 })
	peer.StartSwanctl(w.PeerConfig(good))
	peer2.StartSwanctl(w.PeerConfig(bad))
	w.WaitStatus(good, waitFor, "the good tunnel", established)
	var last map[string]any
	defer func() {
		if t.Failed() {
			r, err := w.Client.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(Region),
				VpnConnectionId: dara.String(bad), MinutePeriod: dara.Int32(5), PageSize: dara.Int32(50)})
			t.Logf("agent status %v\nlogs of the bad tunnel: %v %v", w.AgentStatus(), r, err)
		}
	}()
	Eventually(t, waitFor, "the bad tunnel's last error", func() bool {
		for _, x := range w.AgentStatus()["Tunnels"].(map[string]any)["Tunnel"].([]any) {
			tu := x.(map[string]any)
			if tu["VpnConnectionId"] == bad && tu["LastError"] != "" {
				last = tu
				return true
			}
		}
		return false
	})
	if msg := last["LastError"].(string); !strings.Contains(msg, "3DES_CBC") || !strings.Contains(msg, "not supported") || last["Status"] != "ike_sa_not_established" {
		t.Fatalf("the tunnel with 3DES: %v (want the algorithm charon lacks as its last error)\nagent:\n%s", last, ag.Stderr)
	}
	if st, _ := w.Status(good); st != "ipsec_sa_established" {
		t.Fatalf("the other tunnel: %s", st)
	}
	if st, _ := w.Status(bad); st != "ike_sa_not_established" {
		t.Fatalf("the tunnel with 3DES: Status %s", st)
	}
	// charon's lines of the failed negotiation, attributed to the
	// connection although its IKE_SA never got a name.
	Eventually(t, waitFor, "the lines of the failure", func() bool {
		r, err := w.Client.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(Region),
			VpnConnectionId: dara.String(bad), MinutePeriod: dara.Int32(5), PageSize: dara.Int32(50)})
		if err != nil {
			t.Fatal(err)
		}
		initiating, unsupported := false, false
		for _, l := range r.Body.Data.Logs {
			initiating = initiating || strings.Contains(dara.StringValue(l), peer2Outer.Addr().String()+" is initiating an IKE_SA")
			unsupported = unsupported || strings.Contains(dara.StringValue(l), "3DES_CBC (key size 0) not supported")
		}
		return initiating && unsupported
	})
}

var (
	peer2Outer       = netip.MustParsePrefix("203.0.113.34/28")
	cloudSecondOuter = netip.MustParsePrefix("203.0.113.33/28")
	peer2Inner       = netip.MustParseAddr("198.51.100.129")
)

// dualTunnel creates a dual-tunnel connection (IKEv2, EffectImmediately) on
// w's dual-tunnel gateway to customer gateways at the peer's two addresses.
func dualTunnel(w *World) string {
	tunnel := func(role, cgw, psk string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
		return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			Role: dara.String(role), CustomerGatewayId: dara.String(cgw), EnableDpd: dara.Bool(true), EnableNatTraversal: dara.Bool(true),
			TunnelIkeConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{
				IkeVersion: dara.String("ikev2"), IkeEncAlg: dara.String("aes"), IkeAuthAlg: dara.String("sha1"),
				IkePfs: dara.String("group2"), IkeLifetime: dara.Int64(86400), Psk: dara.String(psk)},
			TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{
				IpsecEncAlg: dara.String("aes"), IpsecAuthAlg: dara.String("sha1"), IpsecPfs: dara.String("group2"), IpsecLifetime: dara.Int64(86400)},
		}
	}
	return w.Connection(&vpc.CreateVpnConnectionRequest{
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"), EffectImmediately: dara.Bool(true),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			tunnel("master", w.CustomerGateway(PeerOuter.Addr().String()), "Master-Psk_1"),
			tunnel("slave", w.CustomerGateway(PeerDROuter.Addr().String()), "Slave-Psk_2"),
		},
	})
}

// Scenario 2: a dual-tunnel connection, its two tunnels on two charons
// (one per gateway address) driven by one agent: both tunnels established;
// the master path down -> the traffic continues over the slave and the
// master's status drops within DPD time + 10 s; back up -> the master is
// established again (EffectImmediately: the agent initiates it).
func TestAgentDualTunnel(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, true)
	id := dualTunnel(w)
	lab := tunneltest.New(t, tunneltest.Options{CharonSettings: labSettings})
	peer := lab.AddSide("peer", PeerInner)
	master := lab.AddSide("master", CloudInner)
	slave := lab.AddSide("slave", CloudInner)
	mlink := lab.Connect(peer, PeerOuter, master, GatewayOuter)
	lab.Connect(peer, PeerDROuter, slave, GatewayDROuter)
	master.StartCharon()
	slave.StartCharon()
	peer.StartSwanctl(w.PeerConfig(id, "--passive")) // the gateway initiates
	w.StartAgent(ViciOf(master), ViciOf(slave))
	base := "vpcvpn." + w.GatewayID + "." + id
	if _, _, err := master.WaitInstalled(base+".master", waitFor); err != nil {
		t.Fatal(err)
	}
	if _, _, err := slave.WaitInstalled(base+".slave", waitFor); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"vpcvpn-master", "vpcvpn-slave"} {
		if _, _, err := peer.WaitInstalled(c, waitFor); err != nil {
			t.Fatal(err)
		}
	}
	bothUp := func(st string, ts []string) bool {
		return st == "ipsec_sa_established" && len(ts) == 2 && ts[0] == "ipsec_sa_established" && ts[1] == "ipsec_sa_established"
	}
	w.WaitStatus(id, waitFor, "both tunnels established", bothUp)
	if n, err := lab.Ping(peer, PeerInner, CloudInner, 3); err != nil {
		t.Fatalf("ping with both tunnels: %d/3: %v", n, err)
	}
	slaveIn := func() uint64 {
		_, c, err := slave.InstalledChild(base + ".slave")
		if err != nil {
			return 0
		}
		return c.PacketsIn
	}

	// The master path goes down.
	if _, err := master.Run("ip", "link", "set", mlink.B.Iface, "down"); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	// DPD time: dpd_delay 10 s + the lab's retransmits (~4.4 s).
	const dpdTime = 15 * time.Second
	before := slaveIn()
	Eventually(t, dpdTime+10*time.Second, "traffic over the slave", func() bool {
		_, err := lab.PingWithin(peer, PeerInner, CloudInner, 2, 2*time.Second)
		return err == nil && slaveIn() > before
	})
	w.WaitStatus(id, dpdTime+10*time.Second-time.Since(down), "the master's status drops", func(_ string, ts []string) bool {
		return len(ts) == 2 && ts[0] == "ike_sa_not_established" && ts[1] == "ipsec_sa_established"
	})
	if st, _ := w.Status(id); st != "ipsec_sa_established" {
		t.Fatalf("connection Status with the slave up: %s", st)
	}
	// Back up: the agent initiates the master again.
	if _, err := master.Run("ip", "link", "set", mlink.B.Iface, "up"); err != nil {
		t.Fatal(err)
	}
	w.WaitStatus(id, waitFor+10*time.Second, "the master re-established", bothUp)
	if _, _, err := master.WaitInstalled(base+".master", waitFor); err != nil {
		t.Fatal(err)
	}
}

// Scenario 3: EffectImmediately=false installs a trap: no SA until traffic
// from the VPC side, then established.
func TestAgentTrap(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	id := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"), EffectImmediately: dara.Bool(false)})
	lab, peer, cloud, _ := singleLab(t)
	peer.StartSwanctl(w.PeerConfig(id, "--passive")) // the customer side waits too
	w.StartAgent(ViciOf(cloud), "")
	name := "vpcvpn." + w.GatewayID + "." + id
	Eventually(t, waitFor, "loaded", func() bool { return len(LoadedConns(t, cloud)) == 1 })
	// The trap policy is installed (swanctl --list-pols lists trap
	// policies) and no SA comes up without traffic.
	time.Sleep(3 * time.Second)
	if out, err := cloud.Swanctl("--list-pols"); err != nil || !strings.Contains(out, name+"/"+name+", TUNNEL") {
		t.Fatalf("trap policy: %v\n%s", err, out)
	}
	for _, s := range []*tunneltest.Side{cloud, peer} {
		if sas, err := s.ListSAs(); err != nil || len(sas) != 0 {
			t.Fatalf("%s: SAs without traffic: %v %v", s.Name(), sas, err)
		}
	}
	if st, _ := w.Status(id); st != "ike_sa_not_established" {
		t.Fatalf("Status without traffic: %s", st)
	}
	// Traffic from the VPC side: the trap negotiates.
	Eventually(t, waitFor, "traffic through the trap", func() bool {
		_, err := lab.PingWithin(cloud, CloudInner, PeerInner, 1, 2*time.Second)
		return err == nil
	})
	if _, _, err := cloud.WaitInstalled(name, waitFor); err != nil {
		t.Fatal(err)
	}
	w.WaitStatus(id, 10*time.Second, "established after traffic", established)
}

// Scenario 4: ModifyVpnConnectionAttribute changing the proposals and the PSK
// -> the agent reloads; the peer's old settings no longer come up; the peer
// re-rendered from a new download does, with the new settings.
func TestAgentModify(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	id := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"),
		IkeConfig:   dara.String(`{"IkeVersion":"ikev2","IkeEncAlg":"aes","IkeAuthAlg":"sha1","IkePfs":"group2","Psk":"Old-Psk_1"}`),
		IpsecConfig: dara.String(`{"IpsecEncAlg":"aes","IpsecAuthAlg":"sha1","IpsecPfs":"group2"}`)})
	lab, peer, cloud, _ := singleLab(t)
	ag := w.StartAgent(ViciOf(cloud), "")
	name := "vpcvpn." + w.GatewayID + "." + id
	Eventually(t, waitFor, "loaded", func() bool { return len(LoadedConns(t, cloud)) == 1 })
	peer.StartSwanctl(w.PeerConfig(id))
	ike, _, err := cloud.WaitInstalled(name, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	if ike.Proposal() != "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" {
		t.Fatalf("before: %s", ike.Proposal())
	}
	w.WaitStatus(id, waitFor, "established", established)
	if _, err := w.Client.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: dara.String(Region),
		VpnConnectionId: dara.String(id),
		IkeConfig:       dara.String(`{"IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","Psk":"New-Psk_2"}`),
		IpsecConfig:     dara.String(`{"IpsecEncAlg":"aes256","IpsecAuthAlg":"sha256","IpsecPfs":"group14"}`)}); err != nil {
		t.Fatal(err)
	}
	// The agent reloads: the old IKE_SA is gone from the gateway.
	Eventually(t, waitFor, "the old SA terminated", func() bool {
		sas, err := cloud.ListSAs()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sas {
			if s.UniqueID == ike.UniqueID {
				return false
			}
		}
		return true
	})
	// The agent terminates the old SA before it logs the reload, so the
	// line can follow the SA's end by a moment: wait for it.
	Eventually(t, waitFor, "the reload in the agent's log", func() bool {
		return strings.Contains(ag.Stderr.String(), "reloaded connection: configuration changed")
	})
	// The old settings no longer come up.
	err = peer.Initiate("vpcvpn", 20*time.Second)
	var ie *tunneltest.InitiateError
	if err == nil || !errors.As(err, &ie) || !(ie.HasNotify("NO_PROPOSAL_CHOSEN") || ie.HasNotify("AUTHENTICATION_FAILED")) {
		t.Fatalf("the old settings: %v", err)
	}
	// The agent reports the ended SA on its next look at charon: the
	// failed initiation can come back before that (the status was read
	// once here and the race failed now and then, on main too).
	w.WaitStatus(id, waitFor, "Status no longer established with the old settings", func(st string, _ []string) bool { return st != "ipsec_sa_established" })
	// The peer re-rendered from a new download comes up with the new ones.
	if err := peer.LoadSwanctl(w.PeerConfig(id, "--passive")); err != nil {
		t.Fatal(err)
	}
	if err := lab.Establish(peer, "vpcvpn", cloud, name, waitFor); err != nil {
		t.Fatal(err)
	}
	ike, child, err := cloud.WaitInstalled(name, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	if ike.Proposal() != "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" || child.Proposal() != "AES_CBC-256/HMAC_SHA2_256_128" {
		t.Fatalf("after the change: %s / %s", ike.Proposal(), child.Proposal())
	}
	w.WaitStatus(id, waitFor, "established with the new settings", established)
}

// Scenario 5: DeleteVpnConnection -> the SAs, the connection and its key
// are gone from charon, and no status is left behind.
func TestAgentDelete(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	id := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")})
	_, peer, cloud, _ := singleLab(t)
	w.StartAgent(ViciOf(cloud), "")
	Eventually(t, waitFor, "loaded", func() bool { return len(LoadedConns(t, cloud)) == 1 })
	peer.StartSwanctl(w.PeerConfig(id))
	w.WaitStatus(id, waitFor, "established", established)
	if _, err := w.Client.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: dara.String(Region), VpnConnectionId: dara.String(id)}); err != nil {
		t.Fatal(err)
	}
	Eventually(t, waitFor, "gone from charon", func() bool {
		sas, err := cloud.ListSAs()
		return err == nil && len(sas) == 0 && len(LoadedConns(t, cloud)) == 0 && len(sharedKeys(t, cloud)) == 0
	})
	if got := w.AgentStatus(); fmt.Sprint(got["TotalCount"]) != "0" {
		t.Fatalf("agent status after the delete: %v", got)
	}
	// Nothing of the connection in the store (the server's SQLite file).
	for _, table := range []string{"vpn_tunnel_status", "vpn_connection_logs"} {
		if n := countRows(t, w, table, id); n != 0 {
			t.Errorf("%d rows of %s in %s", n, id, table)
		}
	}
}

// Scenario 6: charon killed (SIGKILL) and restarted -> the agent loads the
// connection again and the tunnel is back, with no call to the API; the
// agent restarted while the tunnel is up -> no SA rekeyed or reloaded.
func TestAgentRestarts(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	id := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"), EffectImmediately: dara.Bool(true)})
	lab, peer, cloud, _ := singleLab(t)
	peer.StartSwanctl(w.PeerConfig(id, "--passive"))
	ag := w.StartAgent(ViciOf(cloud), "")
	name := "vpcvpn." + w.GatewayID + "." + id
	if _, _, err := cloud.WaitInstalled(name, waitFor); err != nil {
		t.Fatal(err)
	}
	w.WaitStatus(id, waitFor, "established", established)
	fetches := strings.Count(ag.Stderr.String(), `msg="desired state"`)

	cloud.Kill()
	cloud.StartCharon()
	if _, _, err := cloud.WaitInstalled(name, waitFor); err != nil {
		t.Fatal(err)
	}
	Eventually(t, waitFor, "traffic after the charon restart", func() bool {
		_, err := lab.PingWithin(peer, PeerInner, CloudInner, 2, 2*time.Second)
		return err == nil
	})
	if n := strings.Count(ag.Stderr.String(), `msg="desired state"`); n != fetches {
		t.Fatalf("the agent applied %d new desired states across the charon restart (it must reload from what it has)", n-fetches)
	}
	if !strings.Contains(ag.Stderr.String(), "lost the connection to charon") {
		t.Fatalf("agent log:\n%s", ag.Stderr)
	}

	// The agent restarted: the SAs stay as they are.
	w.WaitStatus(id, waitFor, "established", established)
	before := SAIDs(t, cloud)
	loads := strings.Count(cloud.Log(), "vici connection")
	ag.Stop(t) // SIGTERM: exit 0
	if after := SAIDs(t, cloud); after != before {
		t.Fatalf("SAs changed when the agent stopped:\n%s\n%s", before, after)
	}
	ag2 := w.StartAgent(ViciOf(cloud), "")
	Eventually(t, waitFor, "the new agent reports", func() bool { return strings.Contains(ag2.Stderr.String(), `msg="tunnel status"`) })
	time.Sleep(6 * time.Second) // a poll and a report later
	if after := SAIDs(t, cloud); after != before {
		t.Fatalf("SAs changed across the agent restart:\n%s\n%s", before, after)
	}
	if n := strings.Count(cloud.Log(), "vici connection"); n != loads {
		t.Fatalf("charon logged %d connection loads across the agent restart", n-loads)
	}
	w.WaitStatus(id, waitFor, "established", established)
}

// Scenario 7: the control plane stopped for 60 s -> the tunnels stay up;
// started again -> the reports resume.
func TestAgentControlPlaneDown(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	id := w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(PeerOuter.Addr().String())),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")})
	lab, peer, cloud, _ := singleLab(t)
	ag := w.StartAgent(ViciOf(cloud), "")
	Eventually(t, waitFor, "loaded", func() bool { return len(LoadedConns(t, cloud)) == 1 })
	peer.StartSwanctl(w.PeerConfig(id))
	w.WaitStatus(id, waitFor, "established", established)
	before := SAIDs(t, cloud)
	w.StopServer()
	stopped := time.Now()
	for time.Since(stopped) < 60*time.Second {
		if _, err := lab.Ping(peer, PeerInner, CloudInner, 3); err != nil {
			t.Fatalf("%v into the outage: %v", time.Since(stopped).Round(time.Second), err)
		}
		time.Sleep(10 * time.Second)
	}
	if after := SAIDs(t, cloud); after != before {
		t.Fatalf("SAs changed during the outage:\n%s\n%s", before, after)
	}
	if !strings.Contains(ag.Stderr.String(), "fail static") {
		t.Fatalf("agent log:\n%s", ag.Stderr)
	}
	restarted := time.Now()
	w.StartServer()
	Eventually(t, waitFor, "reports resume", func() bool {
		ga := w.GatewayAgent()
		last, _ := ga["LastReportTime"].(json.Number)
		ms, _ := last.Int64()
		return ga["Connected"] == true && ms >= restarted.UnixMilli()
	})
	w.WaitStatus(id, waitFor, "established", established)
}

// Scenario 9: an agent key scoped to gateway A cannot read or report for
// gateway B: the agent stops at start with 403 Forbbiden.SubUser and
// touches nothing; a direct call answers 403 without B's secrets.
func TestAgentScopedKey(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, bin, false)
	// Gateway B in another VPC of the same account, with a connection.
	v, err := w.Client.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(Region), CidrBlock: dara.String("172.16.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := w.Client.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(Region), VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("172.16.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := w.Client.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: dara.String(Region), VpcId: v.Body.VpcId, VSwitchId: sw.Body.VSwitchId, Bandwidth: dara.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	b := dara.StringValue(gb.Body.VpnGatewayId)
	cgw := w.CustomerGateway(PeerOuter.Addr().String())
	r, err := w.Client.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(Region), VpnGatewayId: dara.String(b),
		CustomerGatewayId: dara.String(cgw), LocalSubnet: dara.String("172.16.0.0/16"), RemoteSubnet: dara.String("198.51.100.0/24"),
		IkeConfig: dara.String(`{"Psk":"Secret-Of-B_1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	bConn := dara.StringValue(r.Body.VpnConnectionId)
	lab := tunneltest.New(t, tunneltest.Options{})
	cloud := lab.AddSide("cloud", CloudInner)
	cloud.StartCharon()
	// The agent of A, pointed at B.
	p := crashtest.Run(t, bin, []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + w.AgentKey, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + w.AgentSecret, "HOME=" + t.TempDir()},
		"gateway-agent", "--endpoint", w.Addr, "--insecure", "--region", Region, "--vpn-gateway", b, "--vici", ViciOf(cloud), "--metrics-listen", "")
	if code := p.Wait(t, waitFor); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, p.Stderr)
	}
	if s := p.Stderr.String(); !strings.Contains(s, "Forbbiden.SubUser") || !strings.Contains(s, "HTTP 403") || strings.Contains(s, "Secret-Of-B_1") {
		t.Fatalf("stderr:\n%s", s)
	}
	if names := LoadedConns(t, cloud); len(names) != 0 {
		t.Fatalf("charon touched: %v", names)
	}
	// The same key, by hand, for both actions.
	c := &agentClient{addr: w.Addr, ak: w.AgentKey, secret: w.AgentSecret}
	for _, call := range [][]string{
		{"DownloadVpnGatewayAgentConfig", "VpnGatewayId", b},
		{"ReportVpnGatewayAgentStatus", "VpnGatewayId", b, "AgentInstanceId", "x", "Sequence", "1",
			"Tunnels.1", `[{"VpnConnectionId":"` + bConn + `","Status":"ipsec_sa_established"}]`},
	} {
		status, body := c.call(t, call...)
		if status != 403 || !strings.Contains(body, `"Code":"Forbbiden.SubUser"`) || strings.Contains(body, "Secret-Of-B_1") || strings.Contains(body, bConn) {
			t.Errorf("%s for B: HTTP %d %s", call[0], status, body)
		}
	}
	if st, _ := w.Status(bConn); st != "ike_sa_not_established" {
		t.Fatalf("B's connection after the refused report: %s", st)
	}
	// A's own gateway works with the same key.
	if status, body := c.call(t, "DownloadVpnGatewayAgentConfig", "VpnGatewayId", w.GatewayID); status != 200 {
		t.Fatalf("A's gateway: HTTP %d %s", status, body)
	}
}
