package secret

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k1, _ := GenerateKey()
	k2, _ := GenerateKey()
	ring, err := NewKeyring(k1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ring.Seal("pgw6dy7d1i8iABCD", "vco-1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "pgw6dy7d1i8iABCD") || !strings.HasPrefix(s, "v1:") {
		t.Fatalf("sealed value %q", s)
	}
	if got, err := ring.Open(s, "vco-1"); err != nil || got != "pgw6dy7d1i8iABCD" {
		t.Fatalf("open: %q %v", got, err)
	}
	// Moved to another row: fails.
	if _, err := ring.Open(s, "vco-2"); !errors.Is(err, ErrOpen) {
		t.Fatalf("moved value opened: %v", err)
	}
	// Tampered: fails.
	b := []byte(s)
	b[len(b)-3] ^= 1
	if _, err := ring.Open(string(b), "vco-1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("tampered value opened: %v", err)
	}
	// Other key: fails with a clear error.
	other, _ := NewKeyring(k2)
	if _, err := other.Open(s, "vco-1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("other key opened: %v", err)
	}
	// Rotation: new primary, old key still opens old values.
	rotated, _ := NewKeyring(k2, k1)
	if got, err := rotated.Open(s, "vco-1"); err != nil || got != "pgw6dy7d1i8iABCD" {
		t.Fatalf("rotated open: %q %v", got, err)
	}
	s2, _ := rotated.Seal("x", "a")
	if id, _ := SealedKeyID(s2); id != KeyID(k2) {
		t.Fatalf("sealed under %08x, want %08x", id, KeyID(k2))
	}
	if id, _ := SealedKeyID(s); id != KeyID(k1) {
		t.Fatalf("old value key id %08x", id)
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	k, _ := GenerateKey()
	p := filepath.Join(dir, "master.key")
	if err := WriteKeyFile(p, k); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(p, k); err == nil {
		t.Fatal("overwrote key file")
	}
	got, err := LoadKeyFile(p)
	if err != nil || string(got) != string(k) {
		t.Fatalf("%v", err)
	}
	if _, err := NewKeyring([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}
