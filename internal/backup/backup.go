// Package backup snapshots the embedded SQLite store while servers run and
// restores a snapshot into place: the procedures behind `vpcvpn backup` and
// `vpcvpn restore`. Secrets stay sealed in a snapshot; restore checks the
// master key file against the keys the snapshot's secrets are sealed under.
// Resolving the flags to file paths is the command's; the messages written
// and returned name the command's flags.
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite" // also registers the database/sql driver "sqlite"
)

// dsn is a database/sql DSN (driver "sqlite") of the SQLite file path with
// pragmas (each as "name(value)") and a busy timeout of ten seconds.
func dsn(path string, pragmas ...string) string {
	q := []string{"_pragma=busy_timeout(10000)"}
	for _, p := range pragmas {
		q = append(q, "_pragma="+p)
	}
	return sqlite.URI(path, strings.Join(q, "&"))
}

// Backup writes a consistent snapshot of the SQLite store at src to the file
// to (VACUUM INTO: one read transaction, so servers keep reading and writing),
// written next to it, synced, given mode 0600, checked and renamed into place,
// and reports it on out. It fails without writing to when to exists and force
// is false, when src does not exist, or when the snapshot fails its check.
func Backup(ctx context.Context, src, to string, force bool, out io.Writer) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no store at %s: %w", src, err)
	}
	if _, err := os.Stat(to); err == nil && !force {
		return fmt.Errorf("%s exists; choose another --to or add --force to replace it", to)
	}
	tmp, err := tempPath(to)
	if err != nil {
		return err
	}
	defer removeSQLiteFiles(tmp)

	db, err := sql.Open("sqlite", dsn(src))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	if err := syncFile(tmp, 0o600); err != nil {
		return err
	}
	sum, err := checkSnapshot(ctx, tmp)
	if err != nil {
		return fmt.Errorf("the snapshot failed its check (nothing written to %s): %w", to, err)
	}
	if err := os.Rename(tmp, to); err != nil {
		return err
	}
	syncDir(filepath.Dir(to))
	fmt.Fprintf(out, "backed up %s to %s in %s: %s\n", src, to, time.Since(start).Round(time.Millisecond), sum)
	fmt.Fprintln(out, "Secrets in the snapshot are sealed; keep a copy of the master key file apart from it (the snapshot is useless without it).")
	return nil
}

// Restore says what to restore where.
type Restore struct {
	From    string // snapshot written by Backup
	Target  string // the SQLite store file to restore into
	KeyFile string // the master key file the servers will use (it need not exist)
	Force   bool   // replace a store that holds data (kept beside as <Target>.replaced-<time>)
}

// Run restores r.From as the store r.Target and reports it on out. The
// snapshot is checked, copied next to the target, upgraded to this binary's
// schema, synced, given mode 0600 and renamed into place, so that a crash
// leaves the old store or the restored one. It changes nothing and fails when
// the snapshot is damaged or not a vpcvpn store, when the target holds data
// and Force is false, or when the key file exists and lacks a key the
// snapshot's secrets are sealed under. A missing key file is no error: the
// keys it must hold are named on out.
func (r Restore) Run(ctx context.Context, out io.Writer) error {
	target := r.Target
	if _, err := checkSnapshot(ctx, r.From); err != nil {
		return fmt.Errorf("%s is not a usable vpcvpn backup: %w", r.From, err)
	}
	held, err := storeHoldsData(ctx, target)
	if err != nil {
		return err
	}
	if held && !r.Force {
		return fmt.Errorf("%s already holds a store with data; stop its servers and add --force to replace it (it is kept beside as %s.replaced-<time>)", target, filepath.Base(target))
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}

	// Copy next to the store, upgrade the schema there, and only then
	// rename into place.
	tmp, err := tempPath(target)
	if err != nil {
		return err
	}
	defer removeSQLiteFiles(tmp)
	if err := copyFile(r.From, tmp); err != nil {
		return err
	}
	keys, keyErr := secret.LoadKeyringFile(r.KeyFile)
	if keyErr != nil && !errors.Is(keyErr, os.ErrNotExist) {
		return keyErr
	}
	var probe *secret.Keyring
	if keyErr == nil {
		probe = keys
	}
	need, err := upgradeAndListKeys(ctx, tmp, probe)
	if err != nil {
		return err
	}
	needText := make([]string, len(need))
	for i, id := range need {
		needText[i] = fmt.Sprintf("%08x", id)
	}
	if keyErr == nil {
		for _, id := range need {
			if !slices.Contains(keys.KeyIDs(), id) {
				return fmt.Errorf("%s does not hold key %08x, under which secrets of the backup are sealed (it needs %s): restore the key file that was in use when the backup was taken; nothing changed", r.KeyFile, id, strings.Join(needText, ", "))
			}
		}
	}
	if err := syncFile(tmp, 0o600); err != nil {
		return err
	}

	if held {
		aside := fmt.Sprintf("%s.replaced-%s", target, time.Now().UTC().Format("20060102T150405Z"))
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(target+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		fmt.Fprintf(out, "kept the replaced store as %s\n", aside)
	}
	// A -wal left by the previous store would be replayed into the
	// restored one.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	sum, err := checkSnapshot(ctx, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s into %s: %s\n", r.From, target, sum)
	if keyErr != nil {
		fmt.Fprintf(out, "NOTE: no master key at %s. Put the key file that was in use when the backup was taken there (or pass --master-key-file to the server); it must hold key(s) %s.\n", r.KeyFile, strings.Join(needText, ", "))
	} else {
		fmt.Fprintf(out, "%s holds every key the restored secrets need (%s).\n", r.KeyFile, strings.Join(needText, ", "))
	}
	return nil
}

// upgradeAndListKeys opens the SQLite store at path, which applies the
// migrations it lacks, and returns the ids of the keys its secrets are sealed
// under, in order. keys may be nil: listing key ids opens nothing, so any key
// serves.
func upgradeAndListKeys(ctx context.Context, path string, keys *secret.Keyring) ([]uint32, error) {
	if keys == nil {
		k, _ := secret.GenerateKey()
		keys, _ = secret.NewKeyring(k)
	}
	db, err := sqlite.Open(ctx, path, keys)
	if err != nil {
		return nil, fmt.Errorf("upgrade the restored store: %w", err)
	}
	counts, err := db.SealedKeyCounts(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	var need []uint32
	for id := range counts {
		need = append(need, id)
	}
	slices.Sort(need)
	return need, nil
}

// checkSnapshot checks that path is an intact vpcvpn SQLite store and
// summarises it, e.g. "schema version 12, 1 accounts, 3 VPN connections".
func checkSnapshot(ctx context.Context, path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	db, err := sql.Open("sqlite", dsn(path, "query_only(1)"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil {
		return "", fmt.Errorf("not a SQLite database: %w", err)
	}
	if ok != "ok" {
		return "", fmt.Errorf("integrity check: %s", ok)
	}
	var version, accounts, connections int
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil {
		return "", fmt.Errorf("no vpcvpn schema: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil {
		return "", fmt.Errorf("no vpcvpn schema: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM vpn_connections`).Scan(&connections); err != nil {
		return "", fmt.Errorf("no vpcvpn schema: %w", err)
	}
	return fmt.Sprintf("schema version %d, %d accounts, %d VPN connections", version, accounts, connections), nil
}

// storeHoldsData reports whether a SQLite store at path exists and has an
// account (every store that served has its root account). A file that is not
// a readable database counts as data: it is never overwritten silently.
func storeHoldsData(ctx context.Context, path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	db, err := sql.Open("sqlite", dsn(path, "query_only(1)"))
	if err != nil {
		return false, err
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'accounts'`).Scan(&tables); err != nil {
		// Not a database we can read: treat as data, never overwrite it
		// silently.
		return true, nil
	}
	if tables == 0 {
		return false, nil
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return true, nil
	}
	return n > 0, nil
}

// tempPath returns an unused path next to path.
func tempPath(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	// VACUUM INTO wants a file that does not exist (or is empty); an empty
	// one is fine, but remove it so both commands start alike.
	return name, os.Remove(name)
}

// removeSQLiteFiles removes a database file and its -wal and -shm files.
func removeSQLiteFiles(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}

// copyFile copies src to a new file dst with mode 0600.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	outF, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(outF, in); err != nil {
		outF.Close()
		return err
	}
	return outF.Close()
}

// syncFile sets the mode of path and flushes it to disk.
func syncFile(path string, mode os.FileMode) error {
	if err := os.Chmod(path, mode); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir flushes a directory entry change (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
