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

// TestUnknownCode: a code in neither Table nor Families does not panic: it
// is an InternalError (500) that As refuses, so the api layer logs it and
// answers InternalError, and its text names the code asked for.
func TestUnknownCode(t *testing.T) {
	for _, e := range []*Error{New("NoSuchCode"), Newf("NoSuch.Code", "m %d", 1), Invalid("Forbidden.Typo", "m")} {
		if e.Code != "InternalError" || e.Status != 500 {
			t.Errorf("%v: code %s status %d, want InternalError 500", e, e.Code, e.Status)
		}
		if _, ok := As(e); ok {
			t.Errorf("As(%v) accepted an unknown code", e)
		}
		if !strings.Contains(e.Error(), "is not in the table") {
			t.Errorf("Error() = %q, want the unknown code named", e.Error())
		}
	}
}

// TestFamilies: codes of a family are answered with its status; others
// are not family codes.
func TestFamilies(t *testing.T) {
	for code, want := range map[string]bool{
		"InvalidIkeConfig.IkeEncAlg":          true,
		"InvalidParameter.NewUserName.Length": true,
		"InvalidTunnelOptions.1.Malformed":    true,
		"MissingTag.1.Key":                    true,
		"MissingRegionId":                     true,
		"Invalid":                             false,
		"InvalidFoo":                          false,
		"Invalid.Foo":                         false,
		"InvalidFoo.":                         false,
		"InvalidFoo.Bar Baz":                  false,
		"Missing":                             false,
		"Forbidden.Foo":                       false,
	} {
		_, got := lookup(code)
		if got != want {
			t.Errorf("lookup(%q) = %v, want %v", code, got, want)
		}
		if e := Invalid(code, "m"); want && (e.Code != code || e.Status != 400 || e.Message != "m") {
			t.Errorf("Invalid(%q) = %+v", code, e)
		}
	}
}
