package tunneltest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kind classifies a captured packet.
type Kind int

// Packet kinds, from the outer headers (and the UDP/4500 non-ESP marker).
const (
	KindOther        Kind = iota // anything else (ARP is not recorded at all)
	KindIKE                      // UDP/500, or UDP/4500 with the 4-byte non-ESP marker
	KindESP                      // IP protocol 50
	KindESPInUDP                 // UDP/4500 without the non-ESP marker (RFC 3948)
	KindNATKeepalive             // UDP/4500 carrying the single byte 0xff
	KindICMP                     // clear ICMP/ICMPv6 (not IPv6 link control): traffic that escaped the tunnel
	KindFragment                 // non-first IP fragment (cannot be classified)
)

func (k Kind) String() string {
	switch k {
	case KindIKE:
		return "IKE"
	case KindESP:
		return "ESP"
	case KindESPInUDP:
		return "ESP-in-UDP"
	case KindNATKeepalive:
		return "NAT-keepalive"
	case KindICMP:
		return "ICMP"
	case KindFragment:
		return "fragment"
	default:
		return "other"
	}
}

// Packet is one captured IP packet.
type Packet struct {
	Kind     Kind
	Src, Dst netip.Addr
	Proto    uint8  // IP protocol / IPv6 next header
	SrcPort  uint16 // UDP/TCP ports, 0 otherwise
	DstPort  uint16
	Length   int // IP packet length on the wire
	// IKEv1Lifetimes holds, for an unencrypted IKEv1 Main/Aggressive Mode message carrying an SA payload, the
	// Life Duration in seconds of each transform, in order (RFC 2409 attributes 11/12); nil otherwise.
	IKEv1Lifetimes []uint32
}

func (p Packet) String() string {
	if p.SrcPort != 0 || p.DstPort != 0 {
		return fmt.Sprintf("%s %s:%d > %s:%d len %d", p.Kind, p.Src, p.SrcPort, p.Dst, p.DstPort, p.Length)
	}
	return fmt.Sprintf("%s %s > %s proto %d len %d", p.Kind, p.Src, p.Dst, p.Proto, p.Length)
}

// Traffic summarizes a capture.
type Traffic struct {
	Packets []Packet
	Count   map[Kind]int
}

// ESP is the number of ESP packets seen, plain or UDP-encapsulated.
func (t Traffic) ESP() int { return t.Count[KindESP] + t.Count[KindESPInUDP] }

// ClearICMP is the number of unencrypted ICMP packets seen.
func (t Traffic) ClearICMP() int { return t.Count[KindICMP] }

// ClearTCP is the number of unencrypted TCP packets seen from or to port (e.g. 179, BGP).
func (t Traffic) ClearTCP(port uint16) int {
	n := 0
	for _, p := range t.Packets {
		if p.Proto == 6 && (p.SrcPort == port || p.DstPort == port) {
			n++
		}
	}
	return n
}

// Between returns the packets whose source and destination are a and b in either direction.
func (t Traffic) Between(a, b netip.Addr) []Packet {
	var out []Packet
	for _, p := range t.Packets {
		if (p.Src == a && p.Dst == b) || (p.Src == b && p.Dst == a) {
			out = append(out, p)
		}
	}
	return out
}

// IKEv1Lifetimes returns the proposed phase-1 lifetimes (seconds) of every unencrypted IKEv1 SA payload seen,
// in capture order.
func (t Traffic) IKEv1Lifetimes() []uint32 {
	var out []uint32
	for _, p := range t.Packets {
		out = append(out, p.IKEv1Lifetimes...)
	}
	return out
}

func (t Traffic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d packets:", len(t.Packets))
	for k := KindOther; k <= KindFragment; k++ {
		if t.Count[k] > 0 {
			fmt.Fprintf(&b, " %s=%d", k, t.Count[k])
		}
	}
	for _, p := range t.Packets {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Capture is a running tcpdump on one link end.
type Capture struct {
	lab  *Lab
	end  Endpoint
	cmd  *exec.Cmd
	out  bytes.Buffer // pcap stream (tcpdump -w -)
	errb bytes.Buffer
	done chan struct{}
	err  error
	once sync.Once
}

// StartCapture starts tcpdump on the endpoint's interface inside its namespace and returns once tcpdump is
// listening. Stop it with Stop; the lab's cleanup stops forgotten captures. Failures are fatal.
func (l *Lab) StartCapture(e Endpoint) *Capture {
	l.t.Helper()
	c := &Capture{lab: l, end: e, done: make(chan struct{})}
	// -U: write each packet at once; -Z root: no privilege drop; -s 512: enough for IKE SA payloads.
	args := []string{"netns", "exec", e.Side.ns, "tcpdump", "-i", e.Iface, "-nn", "-U", "--immediate-mode", "-Z", "root", "-s", "512",
		"-w", "-"}
	c.cmd = exec.Command("ip", args...)
	c.cmd.Stdout = &c.out
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		l.t.Fatalf("tunneltest: %v", err)
	}
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		l.t.Fatalf("tunneltest: starting tcpdump: %v", err)
	}
	l.mu.Lock()
	l.captures = append(l.captures, c)
	l.mu.Unlock()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			l.mu.Lock()
			c.errb.WriteString(line + "\n")
			l.mu.Unlock()
			if !signalled && strings.Contains(line, "listening on") {
				close(ready)
				signalled = true
			}
		}
		if !signalled {
			close(ready)
		}
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	select {
	case <-ready:
	case <-time.After(l.opts.CommandTimeout):
		c.stopProcess()
		l.t.Fatalf("tunneltest: tcpdump on %s/%s not listening after %v:\n%s", e.Side.name, e.Iface,
			l.opts.CommandTimeout, c.stderr())
	}
	select {
	case <-c.done:
		l.t.Fatalf("tunneltest: tcpdump on %s/%s exited: %v\n%s", e.Side.name, e.Iface, c.err, c.stderr())
	default:
	}
	l.logf("capture on %s/%s started (pid %d): %s", e.Side.name, e.Iface, c.cmd.Process.Pid, c.stderr())
	return c
}

func (c *Capture) stderr() string {
	c.lab.mu.Lock()
	defer c.lab.mu.Unlock()
	return c.errb.String()
}

// stopProcess interrupts tcpdump (it flushes and exits) and waits, killing it after 5 s.
func (c *Capture) stopProcess() {
	c.once.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
}

// Stop ends the capture and returns what it saw. A malformed capture is fatal.
func (c *Capture) Stop() Traffic {
	c.lab.t.Helper()
	// Let packets in flight reach the capture.
	time.Sleep(100 * time.Millisecond)
	c.stopProcess()
	tr, err := ParsePcap(c.out.Bytes())
	c.lab.logf("capture on %s/%s stopped: %v\n%s%v", c.end.Side.name, c.end.Iface, c.err, c.stderr(), tr)
	if err != nil {
		c.lab.t.Fatalf("tunneltest: capture on %s/%s: %v", c.end.Side.name, c.end.Iface, err)
	}
	return tr
}

// Link types of pcap files this parser understands.
const (
	linkEthernet = 1
	linkRaw      = 101
	linkLinuxSLL = 113
)

// ParsePcap decodes a classic pcap stream (as written by tcpdump -w) and classifies every IP packet. ARP and
// other non-IP frames are skipped. A truncated last record is ignored (tcpdump was interrupted); any other
// malformation is an error.
func ParsePcap(data []byte) (Traffic, error) {
	tr := Traffic{Count: map[Kind]int{}}
	if len(data) == 0 {
		return tr, errors.New("empty pcap stream (tcpdump wrote no header)")
	}
	if len(data) < 24 {
		return tr, fmt.Errorf("pcap header truncated (%d bytes)", len(data))
	}
	var bo binary.ByteOrder
	switch magic := binary.LittleEndian.Uint32(data); magic {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return tr, fmt.Errorf("not a pcap stream (magic %#08x)", magic)
	}
	linkType := bo.Uint32(data[20:24]) & 0x0fffffff
	if linkType != linkEthernet && linkType != linkRaw && linkType != linkLinuxSLL {
		return tr, fmt.Errorf("unsupported pcap link type %d", linkType)
	}
	rest := data[24:]
	for len(rest) >= 16 {
		incl := int(bo.Uint32(rest[8:12]))
		if incl < 0 || incl > 1<<18 {
			return tr, fmt.Errorf("pcap record length %d out of range", incl)
		}
		if len(rest) < 16+incl {
			break // truncated last record
		}
		frame := rest[16 : 16+incl]
		rest = rest[16+incl:]
		var etherType uint16
		var payload []byte
		switch linkType {
		case linkEthernet:
			if len(frame) < 14 {
				continue
			}
			etherType, payload = binary.BigEndian.Uint16(frame[12:14]), frame[14:]
			if etherType == 0x8100 && len(payload) >= 4 { // 802.1Q
				etherType, payload = binary.BigEndian.Uint16(payload[2:4]), payload[4:]
			}
		case linkLinuxSLL:
			if len(frame) < 16 {
				continue
			}
			etherType, payload = binary.BigEndian.Uint16(frame[14:16]), frame[16:]
		case linkRaw:
			if len(frame) == 0 {
				continue
			}
			etherType, payload = 0x0800, frame
			if frame[0]>>4 == 6 {
				etherType = 0x86dd
			}
		}
		p, ok := parseIP(etherType, payload)
		if !ok {
			continue
		}
		tr.Packets = append(tr.Packets, p)
		tr.Count[p.Kind]++
	}
	return tr, nil
}

// parseIP classifies one IPv4/IPv6 packet; ok is false for non-IP or unparseable packets.
func parseIP(etherType uint16, b []byte) (p Packet, ok bool) {
	var l4 []byte
	switch etherType {
	case 0x0800:
		if len(b) < 20 || b[0]>>4 != 4 {
			return p, false
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < ihl {
			return p, false
		}
		p.Length = int(binary.BigEndian.Uint16(b[2:4]))
		p.Proto = b[9]
		p.Src = netip.AddrFrom4([4]byte(b[12:16]))
		p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
			p.Kind = KindFragment
			return p, true
		}
		l4 = b[ihl:]
	case 0x86dd:
		if len(b) < 40 || b[0]>>4 != 6 {
			return p, false
		}
		p.Length = 40 + int(binary.BigEndian.Uint16(b[4:6]))
		p.Proto = b[6]
		p.Src = netip.AddrFrom16([16]byte(b[8:24]))
		p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		l4 = b[40:]
	default:
		return p, false
	}
	switch p.Proto {
	case 1:
		p.Kind = KindICMP
	case 58:
		// Neighbour discovery and MLD (link-local, unspecified or multicast) are link control, not traffic.
		p.Kind = KindICMP
		if !p.Src.IsGlobalUnicast() || !p.Dst.IsGlobalUnicast() {
			p.Kind = KindOther
		}
	case 50:
		p.Kind = KindESP
	case 17:
		if len(l4) < 8 {
			p.Kind = KindOther
			return p, true
		}
		p.SrcPort = binary.BigEndian.Uint16(l4[0:2])
		p.DstPort = binary.BigEndian.Uint16(l4[2:4])
		udp := l4[8:]
		switch {
		case p.SrcPort == 500 || p.DstPort == 500:
			p.Kind = KindIKE
			p.IKEv1Lifetimes = ikev1Lifetimes(udp)
		case p.SrcPort == 4500 || p.DstPort == 4500:
			switch {
			case len(udp) == 1 && udp[0] == 0xff:
				p.Kind = KindNATKeepalive
			case len(udp) >= 4 && binary.BigEndian.Uint32(udp[0:4]) == 0:
				p.Kind = KindIKE
				p.IKEv1Lifetimes = ikev1Lifetimes(udp[4:])
			default:
				p.Kind = KindESPInUDP
			}
		default:
			p.Kind = KindOther
		}
	case 6:
		if len(l4) >= 4 {
			p.SrcPort = binary.BigEndian.Uint16(l4[0:2])
			p.DstPort = binary.BigEndian.Uint16(l4[2:4])
		}
		p.Kind = KindOther
	default:
		p.Kind = KindOther
	}
	return p, true
}

// ikev1Lifetimes extracts the Life Duration (seconds) of each ISAKMP transform in an unencrypted IKEv1 message
// whose first payload is an SA payload (RFC 2408 3.4-3.6, RFC 2409 Appendix A). It returns nil for anything else,
// including truncated input.
func ikev1Lifetimes(m []byte) []uint32 {
	const hdr = 28
	if len(m) < hdr || m[17] != 0x10 || m[16] != 1 || m[19]&0x01 != 0 {
		return nil // not IKEv1, first payload not SA, or encrypted
	}
	if et := m[18]; et != 2 && et != 4 { // Identity Protection (Main) or Aggressive
		return nil
	}
	sa := m[hdr:]
	if len(sa) < 12 {
		return nil
	}
	saLen := int(binary.BigEndian.Uint16(sa[2:4]))
	if saLen < 12 || saLen > len(sa) {
		return nil
	}
	props := sa[12:saLen] // after generic header, DOI, situation
	var out []uint32
	for len(props) >= 8 {
		next := props[0]
		pLen := int(binary.BigEndian.Uint16(props[2:4]))
		if pLen < 8 || pLen > len(props) {
			return out
		}
		spiSize := int(props[6])
		if 8+spiSize > pLen {
			return out
		}
		trans := props[8+spiSize : pLen]
		for len(trans) >= 8 {
			tNext := trans[0]
			tLen := int(binary.BigEndian.Uint16(trans[2:4]))
			if tLen < 8 || tLen > len(trans) {
				return out
			}
			if life, ok := transformLifetime(trans[8:tLen]); ok {
				out = append(out, life)
			}
			trans = trans[tLen:]
			if tNext == 0 {
				break
			}
		}
		props = props[pLen:]
		if next == 0 {
			break
		}
	}
	return out
}

// transformLifetime walks ISAKMP data attributes and returns the life duration whose life type is seconds.
func transformLifetime(attrs []byte) (uint32, bool) {
	lifeType := uint32(0)
	for len(attrs) >= 4 {
		typ := binary.BigEndian.Uint16(attrs[0:2])
		var val []byte
		if typ&0x8000 != 0 { // TV
			val, attrs = attrs[2:4], attrs[4:]
		} else { // TLV
			l := int(binary.BigEndian.Uint16(attrs[2:4]))
			if 4+l > len(attrs) {
				return 0, false
			}
			val, attrs = attrs[4:4+l], attrs[4+l:]
		}
		if len(val) > 4 {
			continue
		}
		v := uint32(0)
		for _, b := range val {
			v = v<<8 | uint32(b)
		}
		switch typ & 0x7fff {
		case 11:
			lifeType = v
		case 12:
			if lifeType == 1 {
				return v, true
			}
		}
	}
	return 0, false
}
