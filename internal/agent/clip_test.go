package agent

import (
	"strings"
	"testing"
)

// TestClipTextOnRuneBoundary: the server's text quoted in an APIError is cut
// before a character crossing the bound (it was cut inside "é").
func TestClipTextOnRuneBoundary(t *testing.T) {
	if got, want := clipText(strings.Repeat("a", 199)+"é tail", 200), strings.Repeat("a", 199)+"..."; got != want {
		t.Fatalf("clipText = %q, want %q", got, want)
	}
	if got := clipText("short", 200); got != "short" {
		t.Fatalf("clipText(short) = %q", got)
	}
}
