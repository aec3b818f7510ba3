package agent

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/strongswan/govici/vici"
)

// appendEvent appends a VICI event packet named name whose message is body.
func appendEvent(b []byte, name string, body []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(2+len(name)+len(body)))
	b = append(b, pktEvent, byte(len(name)))
	b = append(b, name...)
	return append(b, body...)
}

func kv(b []byte, k, v string) []byte {
	b = append(b, elKeyValue, byte(len(k)))
	b = append(b, k...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// TestDialEventsEventBeforeConfirm: charon sends an event between a
// registration and its confirmation (a busy charon's log line). govici
// v0.8.0's Subscribe deadlocks on that for ever; dialEvents must return and
// deliver the event, then the events after the confirmations, and close its
// channel when charon goes away.
func TestDialEventsEventBeforeConfirm(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "charon.vici")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	names := []string{"ike-updown", "log"}
	logBody := kv(kv(nil, "group", "IKE"), "msg", "establishing CHILD_SA")
	sa := append([]byte{elSectionStart, 3}, "gw1"...)
	sa = kv(sa, "uniqueid", "7")
	sa = append(sa, elListStart, 5)
	sa = append(sa, "local"...)
	sa = append(sa, elListItem, 0, 2)
	sa = append(sa, "a1"...)
	sa = append(sa, elListItem, 0, 2)
	sa = append(sa, "a2"...)
	sa = append(sa, elListEnd, elSectionEnd)
	updown := append(kv(nil, "up", "yes"), sa...)
	served := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		for range names {
			var hdr [4]byte
			if _, err := io.ReadFull(c, hdr[:]); err != nil {
				served <- err
				return
			}
			req := make([]byte, binary.BigEndian.Uint32(hdr[:]))
			if _, err := io.ReadFull(c, req); err != nil {
				served <- err
				return
			}
			// An event first, then the confirmation.
			out := appendEvent(nil, "log", logBody)
			out = binary.BigEndian.AppendUint32(out, 1)
			out = append(out, pktEventConfirm)
			if _, err := c.Write(out); err != nil {
				served <- err
				return
			}
		}
		_, err = c.Write(appendEvent(nil, "ike-updown", updown))
		served <- err
	}()
	out := make(chan vici.Event, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := dialEvents(ctx, sock, names, out)
	if err != nil {
		t.Fatalf("dialEvents: %v", err)
	}
	defer conn.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	var got []vici.Event
	for e := range out { // closed when the fake charon hangs up
		got = append(got, e)
	}
	if len(got) != 3 {
		t.Fatalf("got %d events, want 3 (two log lines, one ike-updown): %v", len(got), got)
	}
	for _, e := range got[:2] {
		if e.Name != "log" || e.Message.Get("msg") != "establishing CHILD_SA" || e.Message.Get("group") != "IKE" {
			t.Fatalf("log event: %s %v", e.Name, e.Message)
		}
	}
	u := got[2]
	if u.Name != "ike-updown" || u.Message.Get("up") != "yes" {
		t.Fatalf("ike-updown event: %v", u.Message)
	}
	sec, ok := u.Message.Get("gw1").(*vici.Message)
	if !ok || sec.Get("uniqueid") != "7" {
		t.Fatalf("section gw1: %#v", u.Message.Get("gw1"))
	}
	if l, ok := sec.Get("local").([]string); !ok || len(l) != 2 || l[0] != "a1" || l[1] != "a2" {
		t.Fatalf("list local: %#v", sec.Get("local"))
	}
}

// TestDialEventsUnknownEvent: charon refusing a registration is an error
// that names the event.
func TestDialEventsUnknownEvent(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "charon.vici")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		_, _ = io.ReadFull(c, make([]byte, binary.BigEndian.Uint32(hdr[:])))
		_, _ = c.Write([]byte{0, 0, 0, 1, pktEventUnknown})
		_, _ = io.Copy(io.Discard, c)
	}()
	_, err = dialEvents(context.Background(), sock, []string{"no-such-event"}, make(chan vici.Event, 1))
	if err == nil || err.Error() != `registering for charon's events: charon does not know event "no-such-event"` {
		t.Fatalf("err = %v", err)
	}
}

// TestDecodeMessageRefusesMalformed: truncated or unbalanced bodies are
// errors, not panics.
func TestDecodeMessageRefusesMalformed(t *testing.T) {
	for _, b := range [][]byte{
		{elKeyValue, 5, 'a'},
		{elKeyValue, 1, 'a', 0, 9, 'x'},
		{elSectionStart, 1, 's'},
		{elSectionEnd},
		{elListStart, 1, 'l', elKeyValue, 1, 'a', 0, 0},
		{elListItem, 0, 0},
		{9},
	} {
		if _, err := decodeMessage(b); err == nil {
			t.Errorf("decodeMessage(%v): no error", b)
		}
	}
}

// FuzzDecodeMessage: whatever charon's socket carries, decoding returns a
// message or an error, never a panic.
func FuzzDecodeMessage(f *testing.F) {
	f.Add(kv(kv(nil, "group", "IKE"), "msg", "hello"))
	f.Add([]byte{elSectionStart, 1, 's', elListStart, 1, 'l', elListItem, 0, 1, 'x', elListEnd, elSectionEnd})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeMessage(b)
	})
}
