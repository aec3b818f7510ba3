package secret

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fixedKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestParseKeyring(t *testing.T) {
	k1, k2 := hex.EncodeToString(fixedKey(1)), hex.EncodeToString(fixedKey(2))
	for _, tc := range []struct {
		name      string
		in        string
		primary   []byte
		older     int
		wantError string
	}{
		{"classic master.key", k1 + "\n", fixedKey(1), 0, ""},
		{"no newline", k1, fixedKey(1), 0, ""},
		{"primary and older with comments", "# rotated\n" + k2 + "\n\n  " + k1 + "  \n", fixedKey(2), 1, ""},
		{"empty", "\n# nothing\n", nil, 0, "no key in the file"},
		{"not hex", "zz" + k1[2:] + "\n", nil, 0, "line 1 must hold 64 hex characters"},
		{"short key", k1[:62] + "\n", nil, 0, "line 1 must hold 64 hex characters"},
		{"bad second line", k1 + "\nabc\n", nil, 0, "line 2 must hold 64 hex characters"},
		{"repeated key", k1 + "\n" + k1 + "\n", nil, 0, "line 2 repeats key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, o, err := ParseKeyring([]byte(tc.in))
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("err = %v, want %q", err, tc.wantError)
				}
				return
			}
			if err != nil || !bytes.Equal(p, tc.primary) || len(o) != tc.older {
				t.Fatalf("got %x, %d older, %v", p, len(o), err)
			}
		})
	}
}

func TestWriteKeyringFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte("old content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyringFile(path, fixedKey(2), fixedKey(1)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(fixedKey(2)) + "\n" + hex.EncodeToString(fixedKey(1)) + "\n"
	if string(b) != want {
		t.Fatalf("file = %q, want %q", b, want)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o, want 600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if err := WriteKeyringFile(path, []byte("short")); err == nil {
		t.Fatal("short key written")
	}
	// The legacy loader still reads a one-key file written this way.
	if err := WriteKeyringFile(path, fixedKey(3)); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadKeyFile(path); err != nil || !bytes.Equal(k, fixedKey(3)) {
		t.Fatalf("LoadKeyFile: %x %v", k, err)
	}
}

// TestKeyringFollowsFile: a keyring loaded from a file picks up a rotation
// (new primary, old key kept) when it meets a value sealed under the new key
// and, for sealing, once FileCheckInterval has passed; keys never leave a
// running keyring.
func TestKeyringFollowsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	k1, k2, k3 := fixedKey(1), fixedKey(2), fixedKey(3)
	if err := WriteKeyFile(path, k1); err != nil {
		t.Fatal(err)
	}
	ring, err := LoadKeyringFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old, err := ring.Seal("psk-before", "vco-1")
	if err != nil {
		t.Fatal(err)
	}

	// Rotation by another process: new primary first, old key kept.
	if err := WriteKeyringFile(path, k2, k1); err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyring(k2, k1)
	sealedNew, _ := other.Seal("psk-after", "vco-2")
	// Within FileCheckInterval the keyring still seals under k1...
	if s, _ := ring.Seal("x", "a"); mustID(t, s) != KeyID(k1) {
		t.Fatal("sealed under the new key before looking at the file")
	}
	// ...but a value under an unknown key makes it look at once.
	if got, err := ring.Open(sealedNew, "vco-2"); err != nil || got != "psk-after" {
		t.Fatalf("open value under new key: %q %v", got, err)
	}
	if ring.PrimaryID() != KeyID(k2) {
		t.Fatalf("primary %08x, want %08x", ring.PrimaryID(), KeyID(k2))
	}
	if got, err := ring.Open(old, "vco-1"); err != nil || got != "psk-before" {
		t.Fatalf("old value after reload: %q %v", got, err)
	}
	if want := []uint32{KeyID(k2), KeyID(k1)}; !slices.Equal(ring.KeyIDs(), want) {
		t.Fatalf("KeyIDs %08x, want %08x", ring.KeyIDs(), want)
	}

	// A second rotation is seen by Seal once the check interval passed
	// (simulated: no sleeping in tests).
	if err := WriteKeyringFile(path, k3, k2, k1); err != nil {
		t.Fatal(err)
	}
	ring.src.checked.Store(0)
	if s, _ := ring.Seal("x", "a"); mustID(t, s) != KeyID(k3) {
		t.Fatal("Seal did not pick up the new primary")
	}

	// Retiring old keys (primary kept): running keyrings keep them until
	// restart, so nothing they could open stops opening.
	if err := WriteKeyringFile(path, k3); err != nil {
		t.Fatal(err)
	}
	if changed, err := ring.Reload(); err != nil || changed {
		t.Fatalf("Reload after retiring: %v %v", changed, err)
	}
	if got, err := ring.Open(old, "vco-1"); err != nil || got != "psk-before" {
		t.Fatalf("retired key dropped from a running keyring: %q %v", got, err)
	}
	if fresh, _ := LoadKeyringFile(path); len(fresh.KeyIDs()) != 1 {
		t.Fatalf("a new keyring from the retired file holds %08x", fresh.KeyIDs())
	}
	// A file with another primary (say, edited by hand) switches the
	// primary and keeps the rest.
	if err := WriteKeyringFile(path, k1); err != nil {
		t.Fatal(err)
	}
	if changed, err := ring.Reload(); err != nil || !changed || ring.PrimaryID() != KeyID(k1) || len(ring.KeyIDs()) != 3 {
		t.Fatalf("Reload of a file with another primary: %v %v %08x", changed, err, ring.KeyIDs())
	}
	// A file that does not parse is ignored.
	if err := os.WriteFile(path, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Reload(); err == nil || !strings.Contains(err.Error(), "must hold 64 hex characters") {
		t.Fatalf("Reload of garbage: %v", err)
	}
	if ring.PrimaryID() != KeyID(k1) {
		t.Fatal("garbage changed the primary")
	}
	if err := WriteKeyringFile(path, k3); err != nil {
		t.Fatal(err)
	}
	// A missing file keeps the keys.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Reload(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Reload of a missing file: %v", err)
	}
	if s, err := ring.Seal("x", "a"); err != nil || mustID(t, s) != KeyID(k1) {
		t.Fatalf("seal after the file vanished: %v", err)
	}
	if _, err := LoadKeyringFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadKeyringFile of a missing file: %v", err)
	}
	plain, _ := NewKeyring(k1)
	if _, err := plain.Reload(); err == nil {
		t.Fatal("Reload of a keyring without a file succeeded")
	}
}

func mustID(t *testing.T, sealed string) uint32 {
	t.Helper()
	id, ok := SealedKeyID(sealed)
	if !ok {
		t.Fatalf("no key id in %q", sealed)
	}
	return id
}
