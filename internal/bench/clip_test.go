package bench

import (
	"strings"
	"testing"
)

// TestClipOnRuneBoundary: an answer quoted in a bench error is cut before a
// character crossing the bound (it was cut inside "é").
func TestClipOnRuneBoundary(t *testing.T) {
	if got, want := clip(strings.Repeat("a", 299)+"é tail", 300), strings.Repeat("a", 299)+"..."; got != want {
		t.Fatalf("clip = %q, want %q", got, want)
	}
}
