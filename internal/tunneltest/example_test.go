package tunneltest_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
)

// The shape of a tunnel test: two sides joined by a veth pair, a swanctl.conf on the cloud side and an
// ipsec.conf on the customer side, then proof on the wire.
func Example() {
	var t *testing.T // the test's *testing.T
	var cloudConf, peerIpsecConf, peerSecrets string

	lab := tunneltest.New(t, tunneltest.Options{CharonSettings: tunneltest.FastRetransmits})
	cloud := lab.AddSide("cloud", netip.MustParseAddr("192.0.2.1"))
	peer := lab.AddSide("peer", netip.MustParseAddr("198.51.100.1"))
	link := lab.Connect(peer, netip.MustParsePrefix("203.0.113.2/24"), cloud, netip.MustParsePrefix("203.0.113.1/24"))
	cloud.StartSwanctl(cloudConf)
	peer.StartIpsecConf(peerIpsecConf, peerSecrets)

	capture := lab.StartCapture(link.A)
	if err := lab.Establish(peer, "vco-1", cloud, "vco-1", 20*time.Second); err != nil {
		t.Fatal(err) // an *tunneltest.InitiateError carrying charon's log
	}
	ike, child, err := peer.InstalledChild("vco-1")
	if err != nil || ike.Proposal() != "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" {
		t.Errorf("IKE proposal %s: %v", ike.Proposal(), err)
	}
	_ = child.Proposal() // "AES_CBC-128/HMAC_SHA1_96/MODP_1024"
	if _, err := lab.Ping(peer, netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("192.0.2.1"), 5); err != nil {
		t.Error(err)
	}
	traffic := capture.Stop()
	if traffic.ESP() < 10 || traffic.ClearICMP() != 0 {
		t.Errorf("wire: %v", traffic)
	}
}
