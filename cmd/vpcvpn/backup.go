package main

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

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

func init() { extraCommands = append(extraCommands, newBackupCmd, newRestoreCmd) }

type backupOptions struct {
	dataDir  string
	database string
	to       string
	force    bool
	timeout  time.Duration
}

func newBackupCmd() *cobra.Command {
	o := backupOptions{}
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Write a consistent snapshot of the SQLite store, while the server runs",
		Long: `Write a consistent snapshot of the embedded SQLite store to FILE (SQLite's VACUUM INTO: one read
transaction, so servers keep reading and writing meanwhile and the snapshot holds every transaction committed
before it began and none after). The file is written next to FILE, synced, given mode 0600 and renamed into
place, then checked (PRAGMA integrity_check).

Secrets stay sealed: the snapshot holds pre-shared keys and AccessKey secrets only as the AES-256-GCM values
the store keeps, and never the master key. Back the master key file up separately (and again after every
rotate-master-key): without it a backup cannot be used.

PostgreSQL stores are backed up with PostgreSQL's own tools (pg_dump, or continuous archiving); their secrets
are sealed the same way.

Exit status: 0 written and checked; 1 the store could not be read or FILE written; 2 bad flags.`,
		Example: `  vpcvpn backup --data-dir /var/lib/vpcvpn --to /backup/vpcvpn-$(date +%F).db
  vpcvpn backup --database sqlite:/srv/vpcvpn.db --to /backup/vpcvpn.db --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBackup(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "data directory of the embedded database")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, or sqlite:PATH")
	f.StringVar(&o.to, "to", "", "file to write the snapshot to (required)")
	f.BoolVar(&o.force, "force", false, "replace FILE when it exists")
	f.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	return cmd
}

type restoreOptions struct {
	dataDir       string
	database      string
	from          string
	masterKeyFile string
	force         bool
	timeout       time.Duration
}

func newRestoreCmd() *cobra.Command {
	o := restoreOptions{}
	cmd := &cobra.Command{
		Use:   "restore --from FILE --data-dir DIR",
		Short: "Restore a snapshot made by vpcvpn backup into a data dir",
		Long: `Restore a snapshot made by 'vpcvpn backup' as the SQLite store of DIR (<data-dir>/vpcvpn.db, or
--database sqlite:PATH). Stop the servers of that store first.

The snapshot is checked (PRAGMA integrity_check, vpcvpn schema), copied next to the store, upgraded to this
binary's schema, synced, given mode 0600 and renamed into place: a crash leaves the old store or the restored
one, never a mix. A store that already holds data is not replaced unless --force is given; it is then kept
beside the restored one as vpcvpn.db.replaced-<time>.

The servers need the master key the snapshot was sealed with. When the key file (--master-key-file, default
<data-dir>/master.key) exists, restore checks that it holds every key the snapshot's secrets are sealed under
and refuses otherwise; when it does not exist, restore names the keys the file must hold.

Exit status: 0 restored; 1 the snapshot is damaged or not a vpcvpn store, the store holds data (without
--force), the master key does not fit, or a file could not be written; 2 bad flags.`,
		Example: `  vpcvpn restore --from /backup/vpcvpn-2026-11-26.db --data-dir /var/lib/vpcvpn
  vpcvpn restore --from /backup/vpcvpn.db --data-dir /var/lib/vpcvpn --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRestore(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "data directory to restore into")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, or sqlite:PATH")
	f.StringVar(&o.from, "from", "", "snapshot written by vpcvpn backup (required)")
	f.StringVar(&o.masterKeyFile, "master-key-file", "", "master key file the servers will use (default <data-dir>/master.key)")
	f.BoolVar(&o.force, "force", false, "replace a store that holds data")
	f.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	return cmd
}

// sqliteTarget resolves --data-dir/--database to a SQLite file; PostgreSQL is
// refused with the advice to use its own tools.
func sqliteTarget(dataDir, database, command string) (string, error) {
	t, err := parseMigrateTarget(migrateOptions{dataDir: dataDir, database: database})
	if err != nil {
		return "", err
	}
	if t.kind != "sqlite" {
		return "", usageError{fmt.Errorf("%s works on the embedded SQLite store; back up and restore PostgreSQL with pg_dump/pg_restore (secrets stay sealed there too)", command)}
	}
	return t.target, nil
}

// sqliteDSN is a database/sql DSN of the SQLite file path with pragmas.
func sqliteDSN(path string, pragmas ...string) string {
	// SQLite decodes %XX in a file: URI and ends the path at '?' or '#'.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := []string{"_pragma=busy_timeout(10000)"}
	for _, p := range pragmas {
		q = append(q, "_pragma="+p)
	}
	return "file:" + escaped + "?" + strings.Join(q, "&")
}

func runBackup(ctx context.Context, o backupOptions, out io.Writer) error {
	if o.to == "" {
		return usageError{errors.New("--to FILE is required")}
	}
	src, err := sqliteTarget(o.dataDir, o.database, "backup")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no store at %s: %w", src, err)
	}
	if _, err := os.Stat(o.to); err == nil && !o.force {
		return fmt.Errorf("%s exists; choose another --to or add --force to replace it", o.to)
	}
	tmp, err := tempPath(o.to)
	if err != nil {
		return err
	}
	defer removeSQLiteFiles(tmp)

	db, err := sql.Open("sqlite", sqliteDSN(src))
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
		return fmt.Errorf("the snapshot failed its check (nothing written to %s): %w", o.to, err)
	}
	if err := os.Rename(tmp, o.to); err != nil {
		return err
	}
	syncDir(filepath.Dir(o.to))
	fmt.Fprintf(out, "backed up %s to %s in %s: %s\n", src, o.to, time.Since(start).Round(time.Millisecond), sum)
	fmt.Fprintln(out, "Secrets in the snapshot are sealed; keep a copy of the master key file apart from it (the snapshot is useless without it).")
	return nil
}

func runRestore(ctx context.Context, o restoreOptions, out io.Writer) error {
	if o.from == "" {
		return usageError{errors.New("--from FILE is required")}
	}
	target, err := sqliteTarget(o.dataDir, o.database, "restore")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if _, err := checkSnapshot(ctx, o.from); err != nil {
		return fmt.Errorf("%s is not a usable vpcvpn backup: %w", o.from, err)
	}
	held, err := storeHoldsData(ctx, target)
	if err != nil {
		return err
	}
	if held && !o.force {
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
	if err := copyFile(o.from, tmp); err != nil {
		return err
	}
	keyPath := o.masterKeyFile
	if keyPath == "" {
		keyPath = filepath.Join(o.dataDir, "master.key")
	}
	keys, keyErr := secret.LoadKeyringFile(keyPath)
	probe := keys
	if keyErr != nil {
		if !errors.Is(keyErr, os.ErrNotExist) {
			return keyErr
		}
		// Listing key ids opens nothing: any key serves.
		k, _ := secret.GenerateKey()
		probe, _ = secret.NewKeyring(k)
	}
	db, err := sqlite.Open(ctx, tmp, probe)
	if err != nil {
		return fmt.Errorf("upgrade the restored store: %w", err)
	}
	counts, err := db.SealedKeyCounts(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	var need []uint32
	for id := range counts {
		need = append(need, id)
	}
	slices.Sort(need)
	needText := make([]string, len(need))
	for i, id := range need {
		needText[i] = fmt.Sprintf("%08x", id)
	}
	if keyErr == nil {
		for _, id := range need {
			if !slices.Contains(keys.KeyIDs(), id) {
				return fmt.Errorf("%s does not hold key %08x, under which secrets of the backup are sealed (it needs %s): restore the key file that was in use when the backup was taken; nothing changed", keyPath, id, strings.Join(needText, ", "))
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
	fmt.Fprintf(out, "restored %s into %s: %s\n", o.from, target, sum)
	if keyErr != nil {
		fmt.Fprintf(out, "NOTE: no master key at %s. Put the key file that was in use when the backup was taken there (or pass --master-key-file to the server); it must hold key(s) %s.\n", keyPath, strings.Join(needText, ", "))
	} else {
		fmt.Fprintf(out, "%s holds every key the restored secrets need (%s).\n", keyPath, strings.Join(needText, ", "))
	}
	return nil
}

// checkSnapshot checks that path is an intact vpcvpn SQLite store and
// summarises it.
func checkSnapshot(ctx context.Context, path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, "query_only(1)"))
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
// account (every store that served has its root account).
func storeHoldsData(ctx context.Context, path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, "query_only(1)"))
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
