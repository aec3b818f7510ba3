package api

import (
	"bytes"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// TestEncodeOKFormat: a handler's pre-encoded answer is written as it is
// when it is in the request's format, and refused (InternalError, logged)
// when it is not: the server never sends JSON bytes as XML.
func TestEncodeOKFormat(t *testing.T) {
	pre := &wire.Encoded{Format: wire.XML, Body: []byte(wire.XMLHeader + "<AResponse></AResponse>")}
	var buf bytes.Buffer
	got, err := encodeOK(&buf, wire.XML, "AResponse", pre)
	if err != nil || string(got) != string(pre.Body) || buf.Len() != 0 {
		t.Fatalf("XML for XML: %q, %v (buffer %d bytes)", got, err, buf.Len())
	}
	if got, err := encodeOK(&buf, wire.JSON, "AResponse", pre); err == nil || got != nil {
		t.Fatalf("XML bytes for a JSON request: %q, %v; want an error", got, err)
	} else if want := "handler answered XML bytes to a request for JSON"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	got, err = encodeOK(&buf, wire.JSON, "AResponse", nil)
	if err != nil || string(got) != "{}" {
		t.Fatalf("nil body: %q, %v", got, err)
	}
}
