package apierror

import (
	"net/http"
	"strings"
	"testing"
)

// TestTable walks every code: each must have a 4xx/5xx status, a message that
// reads as a sentence, and New must return exactly that row.
func TestTable(t *testing.T) {
	if len(Table) < 40 {
		t.Fatalf("table has %d codes, want the full set", len(Table))
	}
	for _, code := range Codes() {
		ent := Table[code]
		if ent.Status < 400 || ent.Status > 599 || http.StatusText(ent.Status) == "" {
			t.Errorf("%s: status %d", code, ent.Status)
		}
		if ent.Message == "" || !strings.HasSuffix(ent.Message, ".") {
			t.Errorf("%s: message %q must be a sentence", code, ent.Message)
		}
		e := New(code)
		if e.Code != code || e.Status != ent.Status || e.Message != ent.Message {
			t.Errorf("New(%s) = %+v", code, e)
		}
	}
}

func TestMissing(t *testing.T) {
	e := Missing("RegionId")
	if e.Code != "MissingRegionId" || e.Status != 400 || e.Message != "RegionId is mandatory for this action." {
		t.Fatalf("%+v", e)
	}
}

func TestSpellingOfSeedCodes(t *testing.T) {
	// The seed page spells the first 403 code with a double b; keep it byte for byte.
	for code, status := range map[string]int{"Forbbiden.SubUser": 403, "Forbidden": 403, "InvalidVpnConnectionInstanceId.NotFound": 404} {
		if Table[code].Status != status {
			t.Errorf("%s: %d", code, Table[code].Status)
		}
	}
}

// TestClip: at most max bytes, cut on a rune boundary, "..." when cut,
// invalid UTF-8 replaced.
func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 8, "short"},
		{"exactly8", 8, "exactly8"},
		{"nine char", 8, "nine cha..."},
		{"ab\u00e9cd", 3, "ab..."}, // é is 2 bytes: not cut in half
		{"\u4e16\u754c\u4f60", 4, "\u4e16..."},
		{"a\xffb", 8, "a\ufffdb"},
	} {
		if got := Clip(tc.in, tc.max); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
