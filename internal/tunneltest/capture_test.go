package tunneltest

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// Builders for hand-made pcap streams.

func pcapStream(bo binary.ByteOrder, linkType uint32, frames ...[]byte) []byte {
	h := make([]byte, 24)
	bo.PutUint32(h[0:], 0xa1b2c3d4)
	bo.PutUint16(h[4:], 2)
	bo.PutUint16(h[6:], 4)
	bo.PutUint32(h[16:], 65535)
	bo.PutUint32(h[20:], linkType)
	for i, f := range frames {
		r := make([]byte, 16)
		bo.PutUint32(r[0:], uint32(1700000000+i))
		bo.PutUint32(r[8:], uint32(len(f)))
		bo.PutUint32(r[12:], uint32(len(f)))
		h = append(h, r...)
		h = append(h, f...)
	}
	return h
}

func ether(etherType uint16, payload []byte) []byte {
	f := make([]byte, 14)
	copy(f[0:6], []byte{0x02, 0, 0, 0, 0, 1})
	copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 2})
	binary.BigEndian.PutUint16(f[12:], etherType)
	return append(f, payload...)
}

func ipv4(src, dst string, proto byte, fragOff uint16, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[6:], fragOff)
	h[8] = 64
	h[9] = proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(h[12:16], s[:])
	copy(h[16:20], d[:])
	return append(h, payload...)
}

func ipv6(src, dst string, next byte, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6] = next
	h[7] = 255
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(h[8:24], s[:])
	copy(h[24:40], d[:])
	return append(h, payload...)
}

func udp(sport, dport uint16, payload []byte) []byte {
	h := make([]byte, 8)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	return append(h, payload...)
}

// isakmpMainMode1 builds an IKEv1 Main Mode message 1 whose SA payload has one proposal with one transform per
// lifetime; lifetimes below 65536 use the TV attribute form, larger ones the TLV form.
func isakmpMainMode1(version, flags byte, lifetimes ...uint32) []byte {
	var transforms []byte
	for i, life := range lifetimes {
		attrs := []byte{
			0x80, 0x01, 0x00, 0x07, // encryption algorithm: AES-CBC
			0x80, 0x0e, 0x00, 0x80, // key length: 128
			0x80, 0x02, 0x00, 0x02, // hash: SHA
			0x80, 0x03, 0x00, 0x01, // authentication: pre-shared key
			0x80, 0x04, 0x00, 0x02, // group: modp1024
			0x80, 0x0b, 0x00, 0x01, // life type: seconds
		}
		if life < 1<<16 {
			attrs = append(attrs, 0x80, 0x0c, byte(life>>8), byte(life))
		} else {
			attrs = append(attrs, 0x00, 0x0c, 0x00, 0x04, byte(life>>24), byte(life>>16), byte(life>>8), byte(life))
		}
		next := byte(3)
		if i == len(lifetimes)-1 {
			next = 0
		}
		t := []byte{next, 0, 0, 0, byte(i + 1), 1, 0, 0}
		t = append(t, attrs...)
		binary.BigEndian.PutUint16(t[2:], uint16(len(t)))
		transforms = append(transforms, t...)
	}
	prop := []byte{0, 0, 0, 0, 1, 1, 0, byte(len(lifetimes))}
	prop = append(prop, transforms...)
	binary.BigEndian.PutUint16(prop[2:], uint16(len(prop)))
	sa := []byte{13, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1} // next: vendor ID; DOI IPsec; situation identity-only
	sa = append(sa, prop...)
	binary.BigEndian.PutUint16(sa[2:], uint16(len(sa)))
	vid := []byte{0, 0, 0, 8, 0xaf, 0xca, 0xd7, 0x13}
	hdr := make([]byte, 28)
	copy(hdr[0:8], "initspi!")
	hdr[16] = 1 // first payload: SA
	hdr[17] = version
	hdr[18] = 2 // Identity Protection
	hdr[19] = flags
	msg := append(append(hdr, sa...), vid...)
	binary.BigEndian.PutUint32(msg[24:], uint32(len(msg)))
	return msg
}

func TestParsePcap(t *testing.T) {
	peer, cloud := "203.0.113.2", "203.0.113.1"
	mm1 := isakmpMainMode1(0x10, 0, 86400, 28800)
	espPayload := append([]byte{0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1}, make([]byte, 64)...)
	cases := []struct {
		name      string
		stream    []byte
		wantKinds []Kind
		wantLife  []uint32
		wantCount map[Kind]int
	}{
		{
			name: "ikev1 main mode 1 on udp 500 carries both lifetimes",
			stream: pcapStream(binary.LittleEndian, linkEthernet,
				ether(0x0800, ipv4(peer, cloud, 17, 0, udp(500, 500, mm1)))),
			wantKinds: []Kind{KindIKE},
			wantLife:  []uint32{86400, 28800},
			wantCount: map[Kind]int{KindIKE: 1},
		},
		{
			name: "ike behind the non-esp marker on udp 4500",
			stream: pcapStream(binary.BigEndian, linkEthernet,
				ether(0x0800, ipv4(peer, cloud, 17, 0, udp(4500, 4500, append([]byte{0, 0, 0, 0}, mm1...))))),
			wantKinds: []Kind{KindIKE},
			wantLife:  []uint32{86400, 28800},
			wantCount: map[Kind]int{KindIKE: 1},
		},
		{
			name: "encrypted and ikev2 messages carry no lifetimes",
			stream: pcapStream(binary.LittleEndian, linkEthernet,
				ether(0x0800, ipv4(peer, cloud, 17, 0, udp(500, 500, isakmpMainMode1(0x10, 1, 3600)))),
				ether(0x0800, ipv4(peer, cloud, 17, 0, udp(500, 500, isakmpMainMode1(0x20, 0, 3600))))),
			wantKinds: []Kind{KindIKE, KindIKE},
			wantCount: map[Kind]int{KindIKE: 2},
		},
		{
			name: "esp, esp-in-udp, keepalive, icmp, fragment, tcp; arp skipped",
			stream: pcapStream(binary.LittleEndian, linkEthernet,
				ether(0x0806, make([]byte, 28)),
				ether(0x0800, ipv4(peer, cloud, 17, 0, udp(4500, 4500, espPayload))),
				ether(0x0800, ipv4(cloud, peer, 50, 0, espPayload)),
				ether(0x0800, ipv4(peer, cloud, 17, 0, udp(4500, 4500, []byte{0xff}))),
				ether(0x0800, ipv4("198.51.100.1", "192.0.2.1", 1, 0, []byte{8, 0, 0, 0, 0, 1, 0, 1})),
				ether(0x0800, ipv4(peer, cloud, 17, 185, []byte{1, 2, 3})),
				ether(0x0800, ipv4(peer, cloud, 6, 0, []byte{0, 22, 0x1f, 0x90, 0, 0, 0, 0}))),
			wantKinds: []Kind{KindESPInUDP, KindESP, KindNATKeepalive, KindICMP, KindFragment, KindOther},
			wantCount: map[Kind]int{KindESPInUDP: 1, KindESP: 1, KindNATKeepalive: 1, KindICMP: 1,
				KindFragment: 1, KindOther: 1},
		},
		{
			name: "ipv6 neighbour discovery is link control, global icmpv6 is traffic",
			stream: pcapStream(binary.LittleEndian, linkEthernet,
				ether(0x86dd, ipv6("::", "ff02::1:ff00:1", 58, []byte{135, 0, 0, 0})),
				ether(0x86dd, ipv6("fe80::1", "fe80::2", 58, []byte{136, 0, 0, 0})),
				ether(0x86dd, ipv6("2001:db8::1", "2001:db8::2", 58, []byte{128, 0, 0, 0}))),
			wantKinds: []Kind{KindOther, KindOther, KindICMP},
			wantCount: map[Kind]int{KindOther: 2, KindICMP: 1},
		},
		{
			name: "linux cooked link type",
			stream: pcapStream(binary.LittleEndian, linkLinuxSLL,
				append([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00},
					ipv4(peer, cloud, 50, 0, espPayload)...)),
			wantKinds: []Kind{KindESP},
			wantCount: map[Kind]int{KindESP: 1},
		},
		{
			name: "raw link type, ipv4 and ipv6",
			stream: pcapStream(binary.LittleEndian, linkRaw,
				ipv4(peer, cloud, 50, 0, espPayload),
				ipv6("2001:db8::1", "2001:db8::2", 17, udp(4500, 4500, espPayload))),
			wantKinds: []Kind{KindESP, KindESPInUDP},
			wantCount: map[Kind]int{KindESP: 1, KindESPInUDP: 1},
		},
		{
			name: "truncated last record is ignored",
			stream: func() []byte {
				s := pcapStream(binary.LittleEndian, linkEthernet,
					ether(0x0800, ipv4(peer, cloud, 50, 0, espPayload)),
					ether(0x0800, ipv4(cloud, peer, 50, 0, espPayload)))
				return s[:len(s)-10]
			}(),
			wantKinds: []Kind{KindESP},
			wantCount: map[Kind]int{KindESP: 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ParsePcap(tc.stream)
			if err != nil {
				t.Fatalf("ParsePcap: %v", err)
			}
			var kinds []Kind
			for _, p := range tr.Packets {
				kinds = append(kinds, p.Kind)
			}
			if !reflect.DeepEqual(kinds, tc.wantKinds) {
				t.Errorf("kinds = %v, want %v", kinds, tc.wantKinds)
			}
			if got := tr.IKEv1Lifetimes(); !reflect.DeepEqual(got, tc.wantLife) {
				t.Errorf("IKEv1Lifetimes = %v, want %v", got, tc.wantLife)
			}
			if !reflect.DeepEqual(tr.Count, tc.wantCount) {
				t.Errorf("Count = %v, want %v", tr.Count, tc.wantCount)
			}
		})
	}
}

func TestParsePcapFields(t *testing.T) {
	stream := pcapStream(binary.LittleEndian, linkEthernet,
		ether(0x0800, ipv4("203.0.113.2", "203.0.113.1", 17, 0, udp(4500, 4501, []byte{1, 2, 3, 4, 5}))),
		ether(0x0800, ipv4("198.51.100.1", "192.0.2.1", 1, 0, []byte{8, 0, 0, 0})))
	tr, err := ParsePcap(stream)
	if err != nil {
		t.Fatal(err)
	}
	want := []Packet{
		{Kind: KindESPInUDP, Src: netip.MustParseAddr("203.0.113.2"), Dst: netip.MustParseAddr("203.0.113.1"),
			Proto: 17, SrcPort: 4500, DstPort: 4501, Length: 33},
		{Kind: KindICMP, Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("192.0.2.1"),
			Proto: 1, Length: 24},
	}
	if !reflect.DeepEqual(tr.Packets, want) {
		t.Errorf("Packets = %#v\nwant %#v", tr.Packets, want)
	}
	if tr.ESP() != 1 || tr.ClearICMP() != 1 {
		t.Errorf("ESP() = %d, ClearICMP() = %d, want 1 and 1", tr.ESP(), tr.ClearICMP())
	}
	between := tr.Between(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1"))
	if len(between) != 1 || between[0].Kind != KindICMP {
		t.Errorf("Between = %v, want the one ICMP packet", between)
	}
	wantStr := "2 packets: ESP-in-UDP=1 ICMP=1\n  ESP-in-UDP 203.0.113.2:4500 > 203.0.113.1:4501 len 33\n" +
		"  ICMP 198.51.100.1 > 192.0.2.1 proto 1 len 24"
	if got := tr.String(); got != wantStr {
		t.Errorf("String() = %q, want %q", got, wantStr)
	}
}

func TestParsePcapErrors(t *testing.T) {
	cases := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"empty", nil, "empty pcap stream"},
		{"short header", make([]byte, 10), "pcap header truncated (10 bytes)"},
		{"bad magic", make([]byte, 24), "not a pcap stream (magic 0x00000000)"},
		{"unsupported link type", pcapStream(binary.LittleEndian, 147), "unsupported pcap link type 147"},
		{"huge record", func() []byte {
			s := pcapStream(binary.LittleEndian, linkEthernet, []byte{1})
			binary.LittleEndian.PutUint32(s[24+8:], 1<<20)
			return s
		}(), "pcap record length 1048576 out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePcap(tc.stream)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParsePcap error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func FuzzParsePcap(f *testing.F) {
	f.Add(pcapStream(binary.LittleEndian, linkEthernet,
		ether(0x0800, ipv4("203.0.113.2", "203.0.113.1", 17, 0, udp(500, 500, isakmpMainMode1(0x10, 0, 86400))))))
	f.Add(pcapStream(binary.BigEndian, linkRaw, ipv6("2001:db8::1", "2001:db8::2", 17, udp(4500, 4500, []byte{0xff}))))
	f.Add(pcapStream(binary.LittleEndian, linkLinuxSLL, make([]byte, 40)))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParsePcap(data)
		if err != nil {
			return
		}
		total := 0
		for _, n := range tr.Count {
			total += n
		}
		if total != len(tr.Packets) {
			t.Fatalf("counts sum to %d, %d packets", total, len(tr.Packets))
		}
	})
}
