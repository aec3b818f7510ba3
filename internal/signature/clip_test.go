package signature

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestV3ErrorsClipOnRuneBoundaries: a long field name quoted in an
// Authorization error is cut before a character that would cross the
// bound, not inside it (it was cut at byte 32, leaving half of "é").
func TestV3ErrorsClipOnRuneBoundaries(t *testing.T) {
	name := strings.Repeat("a", 31) + "é" + "zz"
	_, err := ParseV3Authorization(V3Algorithm + " " + name + "=x")
	if err == nil {
		t.Fatal("unknown field accepted")
	}
	want := `Authorization: unknown field "` + strings.Repeat("a", 31) + `..."`
	if msg := err.Error(); !strings.HasSuffix(msg, want) || !utf8.ValidString(msg) {
		t.Fatalf("error %q, want it to end with %q", msg, want)
	}
}
