package tunneltest

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Addresses of the two-side topology (documentation ranges only).
var (
	cloudOuter = netip.MustParsePrefix("203.0.113.1/24")
	peerOuter  = netip.MustParsePrefix("203.0.113.2/24")
	cloudHost  = netip.MustParseAddr("192.0.2.1")
	peerHost   = netip.MustParseAddr("198.51.100.1")
)

// initiateTimeout covers the slowest failure (a wrong IKEv1 PSK needs ~7.5 s of retransmits).
const initiateTimeout = 20 * time.Second

// conn is the hand-written description of one side of a tunnel; swanctl() renders it as swanctl.conf text.
// Lifetimes follow the project rule: to propose exactly IkeLifetime L, rekey_time = 0.9 L and over_time = 0.1 L;
// the CHILD_SA gets life_time = IpsecLifetime.
type conn struct {
	name         string
	version      int
	local        string
	remote       string
	proposals    string
	espProposals string
	localTS      string
	remoteTS     string
	psk          string
	ikeLifetime  int // seconds
	espLifetime  int // seconds
	reqid        int // 0: automatic
	dpd          bool
}

func (c conn) swanctlBlock() string {
	var reqid, dpd string
	if c.reqid != 0 {
		reqid = fmt.Sprintf("\n\t\t\t\treqid = %d", c.reqid)
	}
	if c.dpd {
		dpd = "\n\t\tdpd_delay = 2s"
	}
	return fmt.Sprintf(`	%[1]s {
		version = %[2]d
		local_addrs = %[3]s
		remote_addrs = %[4]s
		proposals = %[5]s
		rekey_time = %[6]ds
		over_time = %[7]ds
		mobike = no%[14]s
		local {
			auth = psk
			id = %[3]s
		}
		remote {
			auth = psk
			id = %[4]s
		}
		children {
			%[1]s {
				local_ts = %[8]s
				remote_ts = %[9]s
				esp_proposals = %[10]s
				life_time = %[11]ds
				rekey_time = %[12]ds
				start_action = none%[13]s
			}
		}
	}
`, c.name, c.version, c.local, c.remote, c.proposals, c.ikeLifetime*9/10, c.ikeLifetime/10,
		c.localTS, c.remoteTS, c.espProposals, c.espLifetime, c.espLifetime*9/10, reqid, dpd)
}

func (c conn) swanctlSecret(i int) string {
	return fmt.Sprintf(`	ike-%d {
		id-1 = %s
		id-2 = %s
		secret = "%s"
	}
`, i, c.local, c.remote, c.psk)
}

// swanctlConf renders connections and their secrets as one swanctl.conf text.
func swanctlConf(conns ...conn) string {
	var b strings.Builder
	b.WriteString("connections {\n")
	for _, c := range conns {
		b.WriteString(c.swanctlBlock())
	}
	b.WriteString("}\nsecrets {\n")
	for i, c := range conns {
		b.WriteString(c.swanctlSecret(i + 1))
	}
	b.WriteString("}\n")
	return b.String()
}

// mirror returns the other side's view of c.
func (c conn) mirror() conn {
	m := c
	m.local, m.remote = c.remote, c.local
	m.localTS, m.remoteTS = c.remoteTS, c.localTS
	return m
}

// expectSA is what list-sas must show on both sides once the tunnel is up.
type expectSA struct {
	version     int
	ikeProposal string
	espProposal string
	localTS     []string // on the peer (initiator) side
	remoteTS    []string
}

func TestTunnelUp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		peer conn // the customer side; it initiates. The cloud side is its mirror.
		want expectSA
		// pings are (src on peer, dst on cloud) pairs; each must get 5/5 answers through ESP.
		pings [][2]netip.Addr
		inner [2][]netip.Addr // inner addresses of peer and cloud
	}{
		{
			name: "ikev1-main-aes128-sha1-modp1024",
			peer: conn{name: "vco-ikev1", version: 1, local: "203.0.113.2", remote: "203.0.113.1",
				proposals: "aes128-sha1-modp1024", espProposals: "aes128-sha1-modp1024",
				localTS: "198.51.100.0/24", remoteTS: "192.0.2.0/24", psk: "Tunnel-Test-Key-1",
				ikeLifetime: 86400, espLifetime: 86400},
			want: expectSA{version: 1, ikeProposal: "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
				espProposal: "AES_CBC-128/HMAC_SHA1_96/MODP_1024",
				localTS:     []string{"198.51.100.0/24"}, remoteTS: []string{"192.0.2.0/24"}},
			inner: [2][]netip.Addr{{peerHost}, {cloudHost}},
			pings: [][2]netip.Addr{{peerHost, cloudHost}},
		},
		{
			name: "ikev1-main-aes128-md5-modp1024",
			peer: conn{name: "vco-md5", version: 1, local: "203.0.113.2", remote: "203.0.113.1",
				proposals: "aes128-md5-modp1024", espProposals: "aes128-md5-modp1024",
				localTS: "198.51.100.0/24", remoteTS: "192.0.2.0/24", psk: "Tunnel-Test-Key-md5",
				ikeLifetime: 28800, espLifetime: 3600},
			want: expectSA{version: 1, ikeProposal: "AES_CBC-128/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",
				espProposal: "AES_CBC-128/HMAC_MD5_96/MODP_1024",
				localTS:     []string{"198.51.100.0/24"}, remoteTS: []string{"192.0.2.0/24"}},
			inner: [2][]netip.Addr{{peerHost}, {cloudHost}},
			pings: [][2]netip.Addr{{peerHost, cloudHost}},
		},
		{
			name: "ikev2-aes256-sha256-modp2048-two-subnets",
			peer: conn{name: "vco-ikev2", version: 2, local: "203.0.113.2", remote: "203.0.113.1",
				proposals: "aes256-sha256-modp2048", espProposals: "aes256-sha256-modp2048",
				localTS: "198.51.100.0/26,198.51.100.64/26", remoteTS: "192.0.2.0/26,192.0.2.64/26",
				psk: "Tunnel-Test-Key-2", ikeLifetime: 86400, espLifetime: 43200},
			want: expectSA{version: 2, ikeProposal: "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
				// The first CHILD_SA of IKEv2 is created with IKE_AUTH: no separate key exchange, so no group.
				espProposal: "AES_CBC-256/HMAC_SHA2_256_128",
				localTS:     []string{"198.51.100.0/26", "198.51.100.64/26"},
				remoteTS:    []string{"192.0.2.0/26", "192.0.2.64/26"}},
			inner: [2][]netip.Addr{
				{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.65")},
				{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.65")}},
			pings: [][2]netip.Addr{
				{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("192.0.2.1")},
				{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("192.0.2.65")},
				{netip.MustParseAddr("198.51.100.65"), netip.MustParseAddr("192.0.2.1")},
				{netip.MustParseAddr("198.51.100.65"), netip.MustParseAddr("192.0.2.65")},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lab := New(t, Options{})
			peer := lab.AddSide("peer", tc.inner[0]...)
			cloud := lab.AddSide("cloud", tc.inner[1]...)
			link := lab.Connect(peer, peerOuter, cloud, cloudOuter)
			cloud.StartSwanctl(swanctlConf(tc.peer.mirror()))
			peer.StartSwanctl(swanctlConf(tc.peer))

			capture := lab.StartCapture(link.A)
			if err := lab.Establish(peer, tc.peer.name, cloud, tc.peer.name, initiateTimeout); err != nil {
				t.Fatal(err)
			}
			checkSAs(t, peer, tc.peer.name, tc.want, true)
			checkSAs(t, cloud, tc.peer.name, expectSA{version: tc.want.version, ikeProposal: tc.want.ikeProposal,
				espProposal: tc.want.espProposal, localTS: tc.want.remoteTS, remoteTS: tc.want.localTS}, false)
			for _, p := range tc.pings {
				if n, err := lab.Ping(peer, p[0], p[1], 5); err != nil || n < 5 {
					t.Errorf("ping %s -> %s: %d/5 answered: %v", p[0], p[1], n, err)
				}
			}
			traffic := capture.Stop()
			wantESP := 10 * len(tc.pings) // every request and reply, UDP-encapsulated by kernel-libipsec
			if got := traffic.Count[KindESPInUDP]; got < wantESP {
				t.Errorf("ESP-in-UDP packets on %s/%s = %d, want >= %d\n%v", peer.Name(), link.A.Iface, got,
					wantESP, traffic)
			}
			if got := traffic.ClearICMP(); got != 0 {
				t.Errorf("clear ICMP packets on the wire = %d, want 0\n%v", got, traffic)
			}
			if traffic.Count[KindIKE] == 0 {
				t.Errorf("no IKE packets captured\n%v", traffic)
			}
			if tc.want.version == 1 {
				// Main Mode message 1 (our proposal) and 2 (the accepted transform), both in the clear.
				want := []uint32{uint32(tc.peer.ikeLifetime), uint32(tc.peer.ikeLifetime)}
				if got := traffic.IKEv1Lifetimes(); !equalU32(got, want) {
					t.Errorf("IKEv1 proposed lifetimes on the wire = %v, want %v", got, want)
				}
			}
			checkLifetimes(t, peer, tc.peer)
			checkCounters(t, peer, tc.peer.name, uint64(5*len(tc.pings)))
			checkCounters(t, cloud, tc.peer.name, uint64(5*len(tc.pings)))
		})
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// checkSAs asserts the established IKE_SA and the installed CHILD_SA named name on side.
func checkSAs(t *testing.T, side *Side, name string, want expectSA, initiator bool) {
	t.Helper()
	ike, child, err := side.InstalledChild(name)
	if err != nil {
		t.Fatal(err)
	}
	if ike.State != "ESTABLISHED" || ike.Version != want.version || ike.Initiator != initiator {
		t.Errorf("%s: IKE_SA state %s version %d initiator %v, want ESTABLISHED %d %v", side.Name(), ike.State,
			ike.Version, ike.Initiator, want.version, initiator)
	}
	if got := ike.Proposal(); got != want.ikeProposal {
		t.Errorf("%s: IKE proposal = %s, want %s", side.Name(), got, want.ikeProposal)
	}
	if got := child.Proposal(); got != want.espProposal {
		t.Errorf("%s: ESP proposal = %s, want %s", side.Name(), got, want.espProposal)
	}
	if child.Mode != "TUNNEL" || child.Protocol != "ESP" || !child.Encap {
		t.Errorf("%s: CHILD_SA mode %s protocol %s encap %v, want TUNNEL ESP true", side.Name(), child.Mode,
			child.Protocol, child.Encap)
	}
	if !equalStrings(child.LocalTS, want.localTS) || !equalStrings(child.RemoteTS, want.remoteTS) {
		t.Errorf("%s: traffic selectors %v === %v, want %v === %v", side.Name(), child.LocalTS, child.RemoteTS,
			want.localTS, want.remoteTS)
	}
}

// checkCounters asserts the CHILD_SA name on side carried at least n packets each way.
func checkCounters(t *testing.T, side *Side, name string, n uint64) {
	t.Helper()
	_, child, err := side.InstalledChild(name)
	if err != nil {
		t.Fatal(err)
	}
	if child.PacketsIn < n || child.PacketsOut < n || child.BytesIn < 84*n || child.BytesOut < 84*n {
		t.Errorf("%s: CHILD_SA %s counters in %d pkts/%d B, out %d pkts/%d B; want >= %d pkts and %d B each way",
			side.Name(), name, child.PacketsIn, child.BytesIn, child.PacketsOut, child.BytesOut, n, 84*n)
	}
}

// checkLifetimes asserts, on the initiator, the lifetimes derived from IkeLifetime L and IpsecLifetime:
// the CHILD_SA expires after exactly life_time (minus the seconds elapsed) and the IKE_SA is rekeyed (IKEv2) or
// reauthenticated (IKEv1) between 0.8 L and 0.9 L (rekey_time minus strongSwan's random jitter of up to over_time).
func checkLifetimes(t *testing.T, side *Side, c conn) {
	t.Helper()
	ike, child, err := side.InstalledChild(c.name)
	if err != nil {
		t.Fatal(err)
	}
	const slack = 30 // seconds a slow run may have elapsed
	if child.LifeTime > c.espLifetime || child.LifeTime < c.espLifetime-slack {
		t.Errorf("%s: CHILD_SA life-time = %d s, want %d s (minus elapsed)", side.Name(), child.LifeTime,
			c.espLifetime)
	}
	ikeRekey := ike.RekeyTime
	if c.version == 1 && ike.ReauthTime != 0 {
		// IKEv1 has no IKE rekeying: strongSwan reports its reauthentication as rekey-time.
		t.Errorf("%s: IKEv1 reauth-time = %d, want 0 (rekey-time carries it)", side.Name(), ike.ReauthTime)
	}
	lo, hi := c.ikeLifetime*8/10-slack, c.ikeLifetime*9/10
	if ikeRekey < lo || ikeRekey > hi {
		t.Errorf("%s: IKE_SA rekey/reauth in %d s, want within [%d, %d]", side.Name(), ikeRekey, lo, hi)
	}
}

func TestTunnelFailures(t *testing.T) {
	t.Parallel()
	base := conn{name: "vco-neg", local: "203.0.113.2", remote: "203.0.113.1",
		localTS: "198.51.100.0/24", remoteTS: "192.0.2.0/24", psk: "Right-Key",
		ikeLifetime: 86400, espLifetime: 86400}
	with := func(version int, ike, esp string) conn {
		c := base
		c.version, c.proposals, c.espProposals = version, ike, esp
		return c
	}
	cases := []struct {
		name  string
		peer  conn
		cloud conn
		// wantPeer must appear in the initiator's log of the attempt, wantCloud in the responder's charon log.
		wantPeer, wantCloud string
	}{
		{
			name: "ikev2-wrong-psk",
			peer: with(2, "aes128-sha1-modp1024", "aes128-sha1"),
			cloud: func() conn {
				c := with(2, "aes128-sha1-modp1024", "aes128-sha1").mirror()
				c.psk = "Wrong-Key"
				return c
			}(),
			wantPeer:  "received AUTHENTICATION_FAILED notify error",
			wantCloud: "generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]",
		},
		{
			// IKEv1 Main Mode encrypts messages 5 and 6 with a key derived from the PSK: a wrong key shows as
			// undecryptable payloads (PAYLOAD_MALFORMED), never as AUTHENTICATION_FAILED, and the initiator gives
			// up only after its retransmits (~7 s with FastRetransmits).
			name: "ikev1-wrong-psk",
			peer: with(1, "aes128-sha1-modp1024", "aes128-sha1-modp1024"),
			cloud: func() conn {
				c := with(1, "aes128-sha1-modp1024", "aes128-sha1-modp1024").mirror()
				c.psk = "Wrong-Key"
				return c
			}(),
			wantPeer:  "giving up after 3 retransmits",
			wantCloud: "[ HASH N(PLD_MAL) ]",
		},
		{
			name:      "ikev2-ike-proposal-mismatch",
			peer:      with(2, "aes128-sha1-modp1024", "aes128-sha1"),
			cloud:     with(2, "aes256-sha256-modp2048", "aes128-sha1").mirror(),
			wantPeer:  "received NO_PROPOSAL_CHOSEN notify error",
			wantCloud: "generating IKE_SA_INIT response 0 [ N(NO_PROP) ]",
		},
		{
			name:      "ikev1-ike-proposal-mismatch",
			peer:      with(1, "aes128-sha1-modp1024", "aes128-sha1-modp1024"),
			cloud:     with(1, "3des-md5-modp1536", "aes128-sha1-modp1024").mirror(),
			wantPeer:  "received NO_PROPOSAL_CHOSEN error notify",
			wantCloud: "[ N(NO_PROP) ]",
		},
		{
			name:      "ikev1-esp-pfs-mismatch",
			peer:      with(1, "aes128-sha1-modp1024", "aes128-sha1-modp1024"),
			cloud:     with(1, "aes128-sha1-modp1024", "aes128-sha1-modp2048").mirror(),
			wantPeer:  "received NO_PROPOSAL_CHOSEN error notify",
			wantCloud: "no matching proposal found, sending NO_PROPOSAL_CHOSEN",
		},
		{
			name:      "ikev2-esp-proposal-mismatch",
			peer:      with(2, "aes128-sha1-modp1024", "aes128-sha1"),
			cloud:     with(2, "aes128-sha1-modp1024", "aes256-sha256").mirror(),
			wantPeer:  "received NO_PROPOSAL_CHOSEN notify",
			wantCloud: "no acceptable proposal found",
		},
		{
			name: "ikev2-wrong-subnet",
			peer: func() conn {
				c := with(2, "aes128-sha1-modp1024", "aes128-sha1")
				c.localTS = "198.51.100.0/25"
				return c
			}(),
			cloud: func() conn {
				c := with(2, "aes128-sha1-modp1024", "aes128-sha1").mirror()
				c.remoteTS = "198.51.100.128/25"
				return c
			}(),
			wantPeer:  "received TS_UNACCEPTABLE notify",
			wantCloud: "[ IDr AUTH N(TS_UNACCEPT) ]",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lab := New(t, Options{CharonSettings: FastRetransmits})
			peer := lab.AddSide("peer", peerHost)
			cloud := lab.AddSide("cloud", cloudHost)
			link := lab.Connect(peer, peerOuter, cloud, cloudOuter)
			cloud.StartSwanctl(swanctlConf(tc.cloud))
			peer.StartSwanctl(swanctlConf(tc.peer))
			capture := lab.StartCapture(link.A)
			start := time.Now()
			err := peer.Initiate(tc.peer.name, initiateTimeout)
			elapsed := time.Since(start)
			var ierr *InitiateError
			if !errors.As(err, &ierr) {
				t.Fatalf("Initiate = %v, want an *InitiateError", err)
			}
			if !ierr.HasNotify(tc.wantPeer) {
				t.Errorf("initiator's log does not contain %q:\n%v", tc.wantPeer, err)
			}
			if !strings.Contains(cloud.Log(), tc.wantCloud) {
				t.Errorf("responder's log does not contain %q", tc.wantCloud)
			}
			t.Logf("%s failed after %v", tc.name, elapsed.Round(time.Millisecond))
			if _, _, err := peer.InstalledChild(tc.peer.name); err == nil {
				t.Errorf("peer has an INSTALLED CHILD_SA after a failed negotiation")
			}
			if n, err := lab.PingWithin(peer, peerHost, cloudHost, 2, time.Second); n != 0 || err == nil {
				t.Errorf("ping through a failed tunnel: %d answered, err %v; want 0 and an error", n, err)
			}
			traffic := capture.Stop()
			if traffic.ESP() != 0 || traffic.ClearICMP() != 0 {
				t.Errorf("failed tunnel put ESP=%d clear ICMP=%d on the wire, want 0 and 0\n%v", traffic.ESP(),
					traffic.ClearICMP(), traffic)
			}
		})
	}
}

// TestIpsecConf proves the ipsec.conf path: the customer side runs strongSwan's starter on hand-written
// ipsec.conf/ipsec.secrets (Alibaba's default IKEv1 proposal), the cloud side swanctl.
func TestIpsecConf(t *testing.T) {
	t.Parallel()
	const psk = "Ipsec-Conf-Key-1"
	ipsecConf := `# customer gateway, hand-written like the rendered strongSwan ipsec.conf
config setup
	uniqueids = no

conn %default
	authby = secret
	keyexchange = ikev1
	auto = add

conn vco-starter
	left = 203.0.113.2
	leftid = 203.0.113.2
	leftsubnet = 198.51.100.0/24
	right = 203.0.113.1
	rightid = 203.0.113.1
	rightsubnet = 192.0.2.0/24
	ike = aes128-sha1-modp1024!
	esp = aes128-sha1-modp1024!
	ikelifetime = 86400s
	lifetime = 86400s
	keyingtries = 1

conn unused-ignored
	left = 203.0.113.2
	right = 203.0.113.9
	auto = ignore
`
	ipsecSecrets := "203.0.113.2 203.0.113.1 : PSK \"" + psk + "\"\n"
	cloudConn := conn{name: "vco-starter", version: 1, local: "203.0.113.1", remote: "203.0.113.2",
		proposals: "aes128-sha1-modp1024", espProposals: "aes128-sha1-modp1024",
		localTS: "192.0.2.0/24", remoteTS: "198.51.100.0/24", psk: psk, ikeLifetime: 86400, espLifetime: 86400}

	lab := New(t, Options{})
	peer := lab.AddSide("peer", peerHost)
	cloud := lab.AddSide("cloud", cloudHost)
	link := lab.Connect(peer, peerOuter, cloud, cloudOuter)
	cloud.StartSwanctl(swanctlConf(cloudConn))
	peer.StartIpsecConf(ipsecConf, ipsecSecrets)

	capture := lab.StartCapture(link.A)
	if err := lab.Establish(peer, "vco-starter", cloud, "vco-starter", initiateTimeout); err != nil {
		t.Fatal(err)
	}
	want := expectSA{version: 1, ikeProposal: "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
		espProposal: "AES_CBC-128/HMAC_SHA1_96/MODP_1024",
		localTS:     []string{"198.51.100.0/24"}, remoteTS: []string{"192.0.2.0/24"}}
	checkSAs(t, peer, "vco-starter", want, true)
	if n, err := lab.Ping(peer, peerHost, cloudHost, 5); err != nil || n < 5 {
		t.Errorf("ping: %d/5 answered: %v", n, err)
	}
	traffic := capture.Stop()
	if got := traffic.Count[KindESPInUDP]; got < 10 {
		t.Errorf("ESP-in-UDP packets = %d, want >= 10\n%v", got, traffic)
	}
	if got := traffic.ClearICMP(); got != 0 {
		t.Errorf("clear ICMP packets = %d, want 0\n%v", got, traffic)
	}
	// starter turns ikelifetime into rekey_time = ikelifetime - margintime and over_time = margintime, so the
	// proposal on the wire carries ikelifetime exactly.
	if got, want := traffic.IKEv1Lifetimes(), []uint32{86400, 86400}; !equalU32(got, want) {
		t.Errorf("IKEv1 proposed lifetimes on the wire = %v, want %v", got, want)
	}
	checkCounters(t, peer, "vco-starter", 5)
	checkCounters(t, cloud, "vco-starter", 5)
	// The stroke socket lives in the side's private /run: the ipsec tool works through Run.
	out, err := peer.Run("ipsec", "status")
	if err != nil || !strings.Contains(out, "vco-starter{1}:  INSTALLED, TUNNEL") {
		t.Errorf("ipsec status inside the side: err %v, output:\n%s", err, out)
	}
	// Terminate deletes the SAs on both ends.
	if err := peer.Terminate("vco-starter", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitGone(t, peer, "vco-starter", time.Second)
	waitGone(t, cloud, "vco-starter", 5*time.Second)
}

// dualLab is the dual-tunnel topology: one customer side with two outer addresses, each linked to one cloud side
// (master and slave) that stands in for one of the gateway's two addresses.
type dualLab struct {
	lab                    *Lab
	peer, master, slave    *Side
	mlink, slink           *Link
	mconn, sconn           conn // the peer's two connections
	mcloudConn, scloudConn conn
}

// newDualLab starts the three daemons and establishes both tunnels, the slave first: kernel-libipsec ignores
// policy priorities and the tunnel installed last carries the traffic.
func newDualLab(t *testing.T, opts Options) *dualLab {
	t.Helper()
	d := &dualLab{lab: New(t, opts)}
	d.mconn = conn{name: "vco-master", version: 2, local: "203.0.113.2", remote: "203.0.113.1",
		proposals: "aes128-sha1-modp1024", espProposals: "aes128-sha1-modp1024",
		localTS: "198.51.100.0/24", remoteTS: "192.0.2.0/24", psk: "Master-Key", ikeLifetime: 86400,
		espLifetime: 86400, reqid: 1, dpd: true}
	d.sconn = d.mconn
	d.sconn.name, d.sconn.local, d.sconn.remote, d.sconn.psk, d.sconn.reqid = "vco-slave", "203.0.113.18",
		"203.0.113.17", "Slave-Key", 2
	d.peer = d.lab.AddSide("peer", peerHost)
	d.master = d.lab.AddSide("master", cloudHost)
	d.slave = d.lab.AddSide("slave", cloudHost)
	d.mlink = d.lab.Connect(d.peer, netip.MustParsePrefix("203.0.113.2/28"), d.master,
		netip.MustParsePrefix("203.0.113.1/28"))
	d.slink = d.lab.Connect(d.peer, netip.MustParsePrefix("203.0.113.18/28"), d.slave,
		netip.MustParsePrefix("203.0.113.17/28"))
	d.mcloudConn, d.scloudConn = d.mconn.mirror(), d.sconn.mirror()
	d.mcloudConn.reqid, d.scloudConn.reqid = 0, 0
	d.master.StartSwanctl(swanctlConf(d.mcloudConn))
	d.slave.StartSwanctl(swanctlConf(d.scloudConn))
	d.peer.StartSwanctl(swanctlConf(d.mconn, d.sconn))
	if err := d.lab.Establish(d.peer, "vco-slave", d.slave, "vco-slave", initiateTimeout); err != nil {
		t.Fatal(err)
	}
	if err := d.lab.Establish(d.peer, "vco-master", d.master, "vco-master", initiateTimeout); err != nil {
		t.Fatal(err)
	}
	return d
}

// pingVia pings the cloud host from the peer and asserts that the ESP went over the link of the wanted tunnel
// and none over the other one.
func (d *dualLab) pingVia(t *testing.T, via, other *Link, what string) {
	t.Helper()
	vcap, ocap := d.lab.StartCapture(via.A), d.lab.StartCapture(other.A)
	if n, err := d.lab.Ping(d.peer, peerHost, cloudHost, 5); err != nil {
		t.Errorf("%s: ping: %d/5: %v", what, n, err)
	}
	vt, ot := vcap.Stop(), ocap.Stop()
	if vt.ESP() < 10 || vt.ClearICMP() != 0 {
		t.Errorf("%s: %s link: ESP %d (want >= 10), clear ICMP %d (want 0)\n%v", what, via.B.Side.Name(), vt.ESP(),
			vt.ClearICMP(), vt)
	}
	if ot.ESP() != 0 || ot.ClearICMP() != 0 {
		t.Errorf("%s: %s link: ESP %d, clear ICMP %d, want 0 and 0\n%v", what, other.B.Side.Name(), ot.ESP(),
			ot.ClearICMP(), ot)
	}
}

// waitGone polls until side has no INSTALLED CHILD_SA named child and returns how long that took.
func waitGone(t *testing.T, side *Side, child string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if _, _, err := side.InstalledChild(child); err != nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: CHILD_SA %s still installed after %v", side.Name(), child, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDualTunnel proves a dual-tunnel connection: one customer charon with two IKE connections (one per cloud
// address, distinct reqids, the same traffic selectors) to two cloud charons standing in for the gateway's
// InternetIp (master) and DisasterRecoveryInternetIp (slave). Both CHILD_SAs are installed at once and traffic
// takes the master; a clean shutdown of the master (IKE DELETE) moves the traffic to the slave.
func TestDualTunnel(t *testing.T) {
	t.Parallel()
	d := newDualLab(t, Options{})
	want := expectSA{version: 2, ikeProposal: "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
		espProposal: "AES_CBC-128/HMAC_SHA1_96",
		localTS:     []string{"198.51.100.0/24"}, remoteTS: []string{"192.0.2.0/24"}}
	checkSAs(t, d.peer, "vco-master", want, true)
	checkSAs(t, d.peer, "vco-slave", want, true)
	_, mc, _ := d.peer.InstalledChild("vco-master")
	_, sc, _ := d.peer.InstalledChild("vco-slave")
	if mc.ReqID != "1" || sc.ReqID != "2" {
		t.Errorf("reqids master %q slave %q, want 1 and 2", mc.ReqID, sc.ReqID)
	}

	d.pingVia(t, d.mlink, d.slink, "both tunnels up")
	checkCounters(t, d.master, "vco-master", 5)

	d.master.Stop()
	took := waitGone(t, d.peer, "vco-master", 5*time.Second)
	t.Logf("master CHILD_SA removed on the peer %v after a clean shutdown", took.Round(time.Millisecond))
	d.pingVia(t, d.slink, d.mlink, "after the master's clean shutdown")
	checkCounters(t, d.slave, "vco-slave", 5)
	checkCounters(t, d.peer, "vco-slave", 5)
}

// TestDualTunnelDPDFailover kills the master cloud charon (SIGKILL: no IKE DELETE). The peer notices through DPD
// (dpd_delay = 2s, 2 retransmits of 1.0 s base 1.4: about 6 s), clears the master tunnel and traffic moves to the
// slave.
func TestDualTunnelDPDFailover(t *testing.T) {
	t.Parallel()
	d := newDualLab(t, Options{CharonSettings: "retransmit_tries = 2\nretransmit_timeout = 1.0\n" +
		"retransmit_base = 1.4\n"})
	d.pingVia(t, d.mlink, d.slink, "both tunnels up")
	d.master.Kill()
	took := waitGone(t, d.peer, "vco-master", 20*time.Second)
	t.Logf("master CHILD_SA removed on the peer %v after SIGKILL", took.Round(time.Millisecond))
	if took < 2*time.Second || took > 12*time.Second {
		t.Errorf("DPD failover took %v, want between 2 s (dpd_delay) and 12 s", took)
	}
	if !strings.Contains(d.peer.Log(), "giving up after 2 retransmits") {
		t.Errorf("peer log does not show DPD giving up after 2 retransmits")
	}
	d.pingVia(t, d.slink, d.mlink, "after the master was killed")
}
