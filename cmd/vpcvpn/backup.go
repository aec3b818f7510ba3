package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/backup"
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
	return backup.Backup(ctx, src, o.to, o.force, out)
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
	keyPath := o.masterKeyFile
	if keyPath == "" {
		keyPath = filepath.Join(o.dataDir, "master.key")
	}
	return backup.Restore{From: o.from, Target: target, KeyFile: keyPath, Force: o.force}.Run(ctx, out)
}
