package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRootKeyFileNeverFollowed: the generated root key is written to a new
// 0600 file only; a symlink planted under its name is not followed (the
// target stays untouched) and an existing file is not overwritten: the key
// is then printed only, with a warning (issue #19: os.WriteFile followed
// the symlink and kept an existing file's mode).
func TestRootKeyFileNeverFollowed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, dir, target string)
	}{
		{"symlink", func(t *testing.T, dir, target string) {
			if err := os.Symlink(target, filepath.Join(dir, RootKeyFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{"existing file 0644", func(t *testing.T, dir, _ string) {
			if err := os.WriteFile(filepath.Join(dir, RootKeyFile), []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"none", func(*testing.T, string, string) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(t.TempDir(), "stolen.txt")
			tc.plant(t, dir, target)
			var out, log bytes.Buffer
			a, err := Open(context.Background(), Options{DataDir: dir, RootKeyOut: &out, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			secret := a.Root.Key.Secret
			if secret == "" || !strings.Contains(out.String(), secret) {
				t.Fatalf("the generated key is not printed: %q", out.String())
			}
			if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the symlink's target was written (%v)", err)
			}
			path := filepath.Join(dir, RootKeyFile)
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			switch tc.name {
			case "symlink":
				if fi.Mode()&os.ModeSymlink == 0 || !strings.Contains(out.String(), "NOT written") || !strings.Contains(log.String(), "root key file not written") {
					t.Fatalf("mode %v, stdout %q, log %q", fi.Mode(), out.String(), log.String())
				}
			case "existing file 0644":
				if string(b) != "old\n" || fi.Mode().Perm() != 0o644 || !strings.Contains(out.String(), "exists already") {
					t.Fatalf("existing file changed: %q %v; stdout %q", b, fi.Mode(), out.String())
				}
			default:
				if fi.Mode().Perm() != 0o600 || !strings.Contains(string(b), secret) {
					t.Fatalf("key file mode %v content %q", fi.Mode(), b)
				}
			}
		})
	}
}

// TestDataDirWritableByOthers: a data dir any user may write is refused,
// one its group may write is accepted with a warning.
func TestDataDirWritableByOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{DataDir: dir, RootKeyOut: io.Discard})
	var ue UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "writable by every user") || !strings.Contains(err.Error(), "chmod") {
		t.Fatalf("0777 data dir: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files created in a refused data dir: %v", ents)
	}
	if err := os.Chmod(dir, 0o770); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	a, err := Open(context.Background(), Options{DataDir: dir, RootKeyOut: io.Discard, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if !strings.Contains(log.String(), "writable by its group") {
		t.Fatalf("no warning for a group-writable data dir: %q", log.String())
	}
}
