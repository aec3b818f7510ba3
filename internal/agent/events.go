package agent

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/strongswan/govici/vici"
)

// charon's event stream is read here, on a connection of its own, rather
// than through govici's Session.Subscribe: govici v0.8.0 holds its event lock
// while it waits for each registration's confirmation, and its reader takes
// the same lock to hand over an event, so an event charon sends between a
// registration and its confirmation (a log line of a busy charon, the
// likeliest) deadlocks the session for ever, and with it the agent's
// DialVICI. Here the reader is ours: events that arrive before the
// confirmations are queued like any other.

// VICI packet types (strongSwan's libcharon/plugins/vici/vici_socket.h).
const (
	pktEventRegister = 3
	pktEventConfirm  = 5
	pktEventUnknown  = 6
	pktEvent         = 7
)

// VICI message element types (vici_message.h).
const (
	elSectionStart = 1
	elSectionEnd   = 2
	elKeyValue     = 3
	elListStart    = 4
	elListItem     = 5
	elListEnd      = 6
)

// maxPacket bounds one VICI packet (charon's own limit is 512 KiB).
const maxPacket = 512 * 1024

// dialEvents connects to charon's VICI socket at path, registers for names
// and returns the connection once charon confirmed every registration
// (events that came meanwhile are already on out). A goroutine then goes on
// reading events to out and closes out when the connection ends.
func dialEvents(ctx context.Context, path string, names []string, out chan<- vici.Event) (net.Conn, error) {
	network, addr := "unix", path
	if strings.HasPrefix(path, "tcp://") {
		network, addr = "tcp", strings.TrimPrefix(path, "tcp://")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (net.Conn, error) {
		conn.Close()
		close(out)
		return nil, err
	}
	var req []byte
	for _, n := range names {
		req = binary.BigEndian.AppendUint32(req, uint32(2+len(n)))
		req = append(req, pktEventRegister, byte(len(n)))
		req = append(req, n...)
	}
	deadline := time.Now().Add(commandTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(req); err != nil {
		return fail(err)
	}
	r := bufio.NewReader(conn)
	for confirmed := 0; confirmed < len(names); {
		typ, name, msg, err := readPacket(r)
		if err != nil {
			return fail(fmt.Errorf("registering for charon's events: %w", err))
		}
		switch typ {
		case pktEventConfirm:
			confirmed++
		case pktEventUnknown:
			return fail(fmt.Errorf("registering for charon's events: charon does not know event %q", names[confirmed]))
		case pktEvent:
			deliver(out, name, msg)
		}
	}
	_ = conn.SetDeadline(time.Time{})
	go func() {
		defer close(out)
		for {
			typ, name, msg, err := readPacket(r)
			if err != nil {
				return
			}
			if typ == pktEvent {
				deliver(out, name, msg)
			}
		}
	}()
	return conn, nil
}

func deliver(out chan<- vici.Event, name string, msg *vici.Message) {
	select {
	case out <- vici.Event{Name: name, Message: msg, Timestamp: time.Now()}:
	default: // the agent is behind: drop (SAs are polled anyway)
	}
}

// readPacket reads one VICI packet: its type, and for an event its name and
// message.
func readPacket(r *bufio.Reader) (typ byte, name string, msg *vici.Message, err error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, "", nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > maxPacket {
		return 0, "", nil, fmt.Errorf("vici: packet of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, "", nil, err
	}
	typ, buf = buf[0], buf[1:]
	if typ != pktEvent {
		return typ, "", nil, nil
	}
	if len(buf) < 1 || len(buf) < 1+int(buf[0]) {
		return 0, "", nil, errors.New("vici: event packet without a name")
	}
	name, buf = string(buf[1:1+int(buf[0])]), buf[1+int(buf[0]):]
	msg, err = decodeMessage(buf)
	return typ, name, msg, err
}

// decodeMessage decodes a VICI message body into a govici Message (sections
// as *vici.Message, lists as []string, values as strings).
func decodeMessage(b []byte) (*vici.Message, error) {
	errShort := errors.New("vici: truncated message")
	stack := []*vici.Message{vici.NewMessage()}
	var listKey string
	var list []string
	inList := false
	name8 := func() (string, error) {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return "", errShort
		}
		s := string(b[1 : 1+int(b[0])])
		b = b[1+int(b[0]):]
		return s, nil
	}
	value16 := func() (string, error) {
		if len(b) < 2 {
			return "", errShort
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return "", errShort
		}
		s := string(b[2 : 2+l])
		b = b[2+l:]
		return s, nil
	}
	for len(b) > 0 {
		el := b[0]
		b = b[1:]
		cur := stack[len(stack)-1]
		if inList && el != elListItem && el != elListEnd {
			return nil, fmt.Errorf("vici: element %d inside a list", el)
		}
		switch el {
		case elSectionStart:
			k, err := name8()
			if err != nil {
				return nil, err
			}
			sec := vici.NewMessage()
			if err := cur.Set(k, sec); err != nil {
				return nil, err
			}
			stack = append(stack, sec)
		case elSectionEnd:
			if len(stack) == 1 {
				return nil, errors.New("vici: section end without a start")
			}
			stack = stack[:len(stack)-1]
		case elKeyValue:
			k, err := name8()
			if err != nil {
				return nil, err
			}
			v, err := value16()
			if err != nil {
				return nil, err
			}
			if err := cur.Set(k, v); err != nil {
				return nil, err
			}
		case elListStart:
			k, err := name8()
			if err != nil {
				return nil, err
			}
			listKey, list, inList = k, []string{}, true
		case elListItem:
			if !inList {
				return nil, errors.New("vici: list item outside a list")
			}
			v, err := value16()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		case elListEnd:
			if !inList {
				return nil, errors.New("vici: list end without a start")
			}
			if err := cur.Set(listKey, list); err != nil {
				return nil, err
			}
			inList = false
		default:
			return nil, fmt.Errorf("vici: unknown element type %d", el)
		}
	}
	if len(stack) != 1 || inList {
		return nil, errShort
	}
	return stack[0], nil
}
