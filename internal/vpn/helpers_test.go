package vpn

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// wantCode fails unless err is a wire error with code. Every code must be in
// the one table (Missing{Name} codes are built by apierror.Missing), and a
// message must be a sentence of bounded length.
func wantCode(t *testing.T, err error, code string) *apierror.Error {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return nil
	}
	e, ok := apierror.As(err)
	if !ok {
		t.Fatalf("got error %v, want wire error %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("got %s (%s), want %s", e.Code, e.Message, code)
	}
	if !strings.HasPrefix(code, "Missing") {
		ent, ok := apierror.Table[code]
		if !ok {
			t.Fatalf("code %s is not in the apierror table", code)
		}
		if e.Status != ent.Status {
			t.Fatalf("%s: status %d, table says %d", code, e.Status, ent.Status)
		}
	}
	if e.Message == "" || len(e.Message) > 600 || !strings.HasSuffix(e.Message, ".") {
		t.Fatalf("%s: message %q", code, e.Message)
	}
	return e
}

// with returns a copy of base with changes applied; a value of "\x00" deletes
// the key.
func with(base Params, changes Params) Params {
	out := Params{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		if v == "\x00" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

const del = "\x00"

func jsonNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
