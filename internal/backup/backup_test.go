package backup

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

const (
	testAccount = "1234567890123456"
	testKeyID   = "LTAIbackuptest0001"
	testSecret  = "backup-test-secret-in-the-clear"
)

// newStore creates a SQLite store at dir/vpcvpn.db with one account and one
// sealed AccessKey secret, sealed under a new key written to dir/master.key.
// It returns the store's path, the key file and the key's id.
func newStore(t *testing.T, dir string) (path, keyFile string, keyID uint32) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path, keyFile = filepath.Join(dir, "vpcvpn.db"), filepath.Join(dir, "master.key")
	k, _ := secret.GenerateKey()
	if err := secret.WriteKeyringFile(keyFile, k); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.LoadKeyringFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(t.Context(), path, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	if err := db.CreateAccount(t.Context(), iam.Account{AccountID: testAccount, Name: "backup", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccessKey(t.Context(), iam.AccessKey{AccessKeyID: testKeyID, Secret: testSecret, AccountID: testAccount, Status: iam.KeyActive, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return path, keyFile, keys.PrimaryID()
}

// schemaVersion reads the newest migration of a SQLite store.
func schemaVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, "query_only(1)"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestBackupRestore: a backup holds the secret sealed only, restores into an
// empty data dir whose key file fits, and the restored store opens the
// secret; the reports are exact.
func TestBackupRestore(t *testing.T) {
	src, keyFile, keyID := newStore(t, filepath.Join(t.TempDir(), "data"))
	sum := fmt.Sprintf("schema version %d, 1 accounts, 0 VPN connections", schemaVersion(t, src))
	snap := filepath.Join(t.TempDir(), "snap.db")
	var out bytes.Buffer
	if err := Backup(t.Context(), src, snap, false, &out); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("^backed up " + regexp.QuoteMeta(src) + " to " + regexp.QuoteMeta(snap) + ` in [0-9.]+m?s: ` + sum + "\n" +
		regexp.QuoteMeta("Secrets in the snapshot are sealed; keep a copy of the master key file apart from it (the snapshot is useless without it).") + "\n$")
	if !re.MatchString(out.String()) {
		t.Fatalf("backup output:\n%s", out.String())
	}
	if m := mode(t, snap); m != 0o600 {
		t.Fatalf("snapshot mode %o", m)
	}
	raw, _ := os.ReadFile(snap)
	if !bytes.Contains(raw, []byte(testKeyID)) || bytes.Contains(raw, []byte(testSecret)) {
		t.Fatal("the snapshot lacks the key's id or holds its secret in the clear")
	}
	if entries, _ := os.ReadDir(filepath.Dir(snap)); len(entries) != 1 {
		t.Fatalf("backup left %d files beside the snapshot", len(entries)-1)
	}

	dir2 := filepath.Join(t.TempDir(), "restored")
	if err := os.MkdirAll(dir2, 0o700); err != nil {
		t.Fatal(err)
	}
	key2 := filepath.Join(dir2, "master.key")
	b, _ := os.ReadFile(keyFile)
	if err := os.WriteFile(key2, b, 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir2, "vpcvpn.db")
	out.Reset()
	if err := (Restore{From: snap, Target: target, KeyFile: key2}).Run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("restored %s into %s: %s\n%s holds every key the restored secrets need (%08x).\n", snap, target, sum, key2, keyID)
	if out.String() != want {
		t.Fatalf("restore output:\n%s\nwant:\n%s", out.String(), want)
	}
	if m := mode(t, target); m != 0o600 {
		t.Fatalf("restored store mode %o", m)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 2 {
		t.Fatalf("data dir after restore holds %d files, want master.key and vpcvpn.db", len(entries))
	}
	keys, _ := secret.LoadKeyringFile(key2)
	db, err := sqlite.Open(t.Context(), target, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if k, err := db.GetAccessKey(t.Context(), testKeyID); err != nil || k.Secret != testSecret {
		t.Fatalf("restored key: %+v, %v", k, err)
	}
}

func TestBackupRefuses(t *testing.T) {
	src, _, _ := newStore(t, filepath.Join(t.TempDir(), "data"))
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := os.WriteFile(snap, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Backup(t.Context(), src, snap, false, new(bytes.Buffer))
	if want := snap + " exists; choose another --to or add --force to replace it"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if b, _ := os.ReadFile(snap); string(b) != "keep me" {
		t.Fatal("the refused backup changed the file")
	}
	if err := Backup(t.Context(), src, snap, true, new(bytes.Buffer)); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if _, err := checkSnapshot(t.Context(), snap); err != nil {
		t.Fatalf("the forced snapshot: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "none.db")
	err = Backup(t.Context(), missing, filepath.Join(t.TempDir(), "x.db"), false, new(bytes.Buffer))
	if err == nil || !strings.HasPrefix(err.Error(), "no store at "+missing+": ") {
		t.Fatalf("error %v, want no store at %s", err, missing)
	}
}

// TestRestoreRefuses: each refusal names its cause and leaves the target as
// it was.
func TestRestoreRefuses(t *testing.T) {
	src, keyFile, keyID := newStore(t, filepath.Join(t.TempDir(), "data"))
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := Backup(t.Context(), src, snap, false, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := newStore(t, filepath.Join(t.TempDir(), "other"))
	for _, tc := range []struct {
		name   string
		r      func(dir string) Restore
		want   string // {dir}: the target's dir
		prefix bool
	}{
		{"store with data", func(string) Restore { return Restore{From: snap, Target: src, KeyFile: keyFile} },
			src + " already holds a store with data; stop its servers and add --force to replace it (it is kept beside as vpcvpn.db.replaced-<time>)", false},
		{"key file lacks the key", func(dir string) Restore {
			return Restore{From: snap, Target: filepath.Join(dir, "vpcvpn.db"), KeyFile: otherKey}
		}, fmt.Sprintf("%s does not hold key %08x, under which secrets of the backup are sealed (it needs %08x): restore the key file that was in use when the backup was taken; nothing changed", otherKey, keyID, keyID), false},
		{"not a backup", func(dir string) Restore {
			return Restore{From: keyFile, Target: filepath.Join(dir, "vpcvpn.db"), KeyFile: keyFile}
		},
			keyFile + " is not a usable vpcvpn backup: not a SQLite database: ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := tc.r(dir)
			before, _ := os.ReadFile(r.Target)
			err := r.Run(t.Context(), new(bytes.Buffer))
			if err == nil || (tc.prefix && !strings.HasPrefix(err.Error(), tc.want)) || (!tc.prefix && err.Error() != tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if after, _ := os.ReadFile(r.Target); !bytes.Equal(before, after) {
				t.Fatal("the refused restore changed the target")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("the refused restore left %d files in the target's dir", len(entries))
			}
		})
	}
}

// TestRestoreForceWithoutKeyFile: --force keeps the replaced store beside the
// restored one; without a key file restore names the keys it must hold.
func TestRestoreForceWithoutKeyFile(t *testing.T) {
	src, _, keyID := newStore(t, filepath.Join(t.TempDir(), "data"))
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := Backup(t.Context(), src, snap, false, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	target, _, _ := newStore(t, filepath.Join(t.TempDir(), "target"))
	old, _ := os.ReadFile(target)
	noKey := filepath.Join(t.TempDir(), "master.key")
	var out bytes.Buffer
	if err := (Restore{From: snap, Target: target, KeyFile: noKey, Force: true}).Run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(target + ".replaced-*")
	if len(aside) != 1 {
		t.Fatalf("replaced stores kept: %v", aside)
	}
	if b, _ := os.ReadFile(aside[0]); !bytes.Equal(b, old) {
		t.Fatal("the kept store is not the replaced one")
	}
	want := fmt.Sprintf("kept the replaced store as %s\nrestored %s into %s: schema version %d, 1 accounts, 0 VPN connections\n"+
		"NOTE: no master key at %s. Put the key file that was in use when the backup was taken there (or pass --master-key-file to the server); it must hold key(s) %08x.\n",
		aside[0], snap, target, schemaVersion(t, target), noKey, keyID)
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if _, err := os.Stat(noKey); !os.IsNotExist(err) {
		t.Fatalf("restore created the key file: %v", err)
	}
}

func TestStoreHoldsData(t *testing.T) {
	dir := t.TempDir()
	withData, _, _ := newStore(t, filepath.Join(dir, "data"))
	file := func(name string, content []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sqlFile := func(name string, stmts ...string) string {
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite", dsn(p))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	for _, tc := range []struct {
		name string
		path string
		want bool
	}{
		{"missing", filepath.Join(dir, "none.db"), false},
		{"empty file", file("empty.db", nil), false},
		{"not a database", file("garbage.db", bytes.Repeat([]byte("not sqlite "), 100)), true},
		{"no accounts table", sqlFile("other.db", `CREATE TABLE t (x INTEGER)`), false},
		{"no account", sqlFile("noacct.db", `CREATE TABLE accounts (id TEXT)`), false},
		{"an account", withData, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := storeHoldsData(context.Background(), tc.path)
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestDSN(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/var/lib/vpcvpn/vpcvpn.db", "file:/var/lib/vpcvpn/vpcvpn.db?_pragma=busy_timeout(10000)&_pragma=query_only(1)"},
		{"/tmp/a%b?c#d.db", "file:/tmp/a%25b%3fc%23d.db?_pragma=busy_timeout(10000)&_pragma=query_only(1)"},
	} {
		if got := dsn(tc.path, "query_only(1)"); got != tc.want {
			t.Errorf("dsn(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
