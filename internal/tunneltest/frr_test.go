package tunneltest

import (
	"encoding/binary"
	"net/netip"
	"os"
	"reflect"
	"testing"
)

// The JSON fixtures are vtysh's answers of FRR 8.4.4 (Debian 12) in a lab like this package's: an established
// session, the same session after the peer's AS changed, and a prefix learned with a prepended AS path.

func TestParseBGPNeighbor(t *testing.T) {
	peer := netip.MustParseAddr("169.254.10.1")
	for _, c := range []struct {
		file string
		want BGPNeighbor
	}{
		{"bgp-neighbor-established.json", BGPNeighbor{Address: peer, RemoteAS: 45104, LocalAS: 65010, State: "Established",
			PrefixesReceived: 1, LastReset: "No AFI/SAFI activated for peer"}},
		{"bgp-neighbor-bad-peer-as.json", BGPNeighbor{Address: peer, RemoteAS: 45104, LocalAS: 65010, State: "Idle",
			LastNotification: "OPEN Message Error/Bad Peer AS", LastReset: "BGP Notification received"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseBGPNeighbor(peer, data)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("parseBGPNeighbor = %+v, %v; want %+v", got, err, c.want)
			}
			if _, err := parseBGPNeighbor(netip.MustParseAddr("169.254.99.1"), data); err == nil {
				t.Errorf("an absent neighbour parsed")
			}
		})
	}
	if _, err := parseBGPNeighbor(peer, []byte("% Unknown command")); err == nil {
		t.Errorf("non-JSON parsed")
	}
}

func TestParseBGPPaths(t *testing.T) {
	data, err := os.ReadFile("testdata/bgp-paths.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseBGPPaths(data)
	want := []BGPPath{{Peer: netip.MustParseAddr("169.254.10.2"), NextHop: netip.MustParseAddr("169.254.10.2"),
		ASPath: "65010 65010 65010", LocalPref: 200, Best: true, Valid: true}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("parseBGPPaths = %+v, %v; want %+v", got, err, want)
	}
	if got, err := parseBGPPaths([]byte("{\n}\n")); err != nil || len(got) != 0 {
		t.Errorf("unknown prefix: %+v, %v; want no paths", got, err)
	}
}

func TestCheckSetup(t *testing.T) {
	for _, ok := range []string{"ip addr add 169.254.10.2/32 dev lo", "ip route add 169.254.10.1/32 dev lo src 169.254.10.2"} {
		if err := checkSetup(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"ip addr add 10.0.0.1/32 dev lo",                       // not link-local
		"ip addr add 169.254.10.2/30 dev lo",                   // not a /32
		"ip addr add 169.254.10.2/32 dev eth0",                 // not lo
		"ip route add 0.0.0.0/0 dev lo src 169.254.10.2",       // a default route
		"ip route add 169.254.10.1/32 via 203.0.113.1",         // another form
		"ip link set eth0 down",                                // anything else
		"ip addr add 169.254.10.2/32 dev lo; reboot",           // extra words
		"ip route add 169.254.10.1/32 dev lo src 192.0.2.1",    // a source outside the range
		"sh -c 'ip addr add 169.254.10.2/32 dev lo'",           // not ip
		"ip addr add 169.254.10.2/32 dev lo label lo:vpcvpn x", // too long
	} {
		if err := checkSetup(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func tcp(sport, dport uint16) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	h[12] = 5 << 4
	return h
}

func TestClearTCP(t *testing.T) {
	data := pcapStream(binary.LittleEndian, linkEthernet,
		ether(0x0800, ipv4("169.254.10.2", "169.254.10.1", 6, 0, tcp(40000, 179))),
		ether(0x0800, ipv4("169.254.10.1", "169.254.10.2", 6, 0, tcp(179, 40000))),
		ether(0x0800, ipv4("203.0.113.2", "203.0.113.1", 6, 0, tcp(40001, 443))),
		ether(0x0800, ipv4("203.0.113.2", "203.0.113.1", 17, 0, udp(179, 179, nil))),
	)
	tr, err := ParsePcap(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.ClearTCP(179); got != 2 {
		t.Errorf("ClearTCP(179) = %d, want 2 (UDP/179 is not BGP)", got)
	}
	if got := tr.ClearTCP(443); got != 1 {
		t.Errorf("ClearTCP(443) = %d, want 1", got)
	}
}
