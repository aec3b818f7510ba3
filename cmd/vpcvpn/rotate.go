package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/rotate"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

func init() { extraCommands = append(extraCommands, newRotateCmd) }

type rotateOptions struct {
	dataDir       string
	database      string
	masterKeyFile string
	prepareOnly   bool
	resealOnly    bool
	retireOld     bool
	settle        time.Duration
	batch         int
	maxPasses     int
	timeout       time.Duration
}

func newRotateCmd() *cobra.Command {
	o := rotateOptions{}
	cmd := &cobra.Command{
		Use:   "rotate-master-key",
		Short: "Re-seal every secret under a new master key, while servers run",
		Long: `Rotate the master key that seals the store's pre-shared keys and AccessKey secrets (AES-256-GCM).

The master key file (--master-key-file, default <data-dir>/master.key) is a keyring: one key per line as 64
hex characters, the first the primary key (new secrets are sealed under it), the others older keys that still
open what was sealed before. A running server re-reads the file when it meets a secret sealed under a key it
does not hold, and before sealing at most once a second, so rotation needs no restart:

  1. prepare: a new key is generated and written, atomically (mode 0600), in front of the file; the old keys
     stay. BACK THE FILE UP NOW: from here on the store holds secrets only the new key opens.
  2. settle: wait (--settle) until running servers seal new secrets under the new key.
  3. reseal: every secret not sealed under the new key is opened and sealed again, --batch rows per
     transaction, each row only if nobody changed it meanwhile; passes repeat until no secret is left under an
     older key (at most --max-passes).

Downloads keep working during and after the rotation: every server holds the old and the new key.

Several servers on one PostgreSQL database each read their own copy of the file. Run
'rotate-master-key --prepare-only' on one node, copy the new file to every node (they pick it up within a
second), then run 'rotate-master-key --reseal-only' on one node. --reseal-only also resumes an interrupted
rotation.

The old keys stay in the file: backups taken before the rotation and STS SecurityTokens issued before it (valid
up to their DurationSeconds, at most 12 hours) need them. Once those no longer matter, --retire-old-keys
removes them from the file (only when no stored secret is sealed under them).

Exit status: 0 every secret is sealed under the primary key; 1 a secret could not be opened (its record is
named; it is left as it was), the database failed or secrets remain under an older key; 2 bad flags.`,
		Example: `  vpcvpn rotate-master-key --data-dir /var/lib/vpcvpn
  vpcvpn rotate-master-key --prepare-only --master-key-file /etc/vpcvpn/master.key --database postgres://...
  vpcvpn rotate-master-key --reseal-only --master-key-file /etc/vpcvpn/master.key --database postgres://...
  vpcvpn rotate-master-key --reseal-only --retire-old-keys --data-dir /var/lib/vpcvpn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRotate(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "data directory of the embedded database and of master.key")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, sqlite:PATH, or postgres://... (PostgreSQL)")
	f.StringVar(&o.masterKeyFile, "master-key-file", "", "the master key (keyring) file the servers use (default <data-dir>/master.key)")
	f.BoolVar(&o.prepareOnly, "prepare-only", false, "only put a new primary key in front of the key file (step 1)")
	f.BoolVar(&o.resealOnly, "reseal-only", false, "only re-seal under the file's current primary key (step 3)")
	f.BoolVar(&o.retireOld, "retire-old-keys", false, "afterwards remove the older keys from the file when no secret is sealed under them")
	f.DurationVar(&o.settle, "settle", 2*secret.FileCheckInterval, "how long to wait after writing the new key before re-sealing")
	f.IntVar(&o.batch, "batch", 100, "secrets re-sealed per transaction")
	f.IntVar(&o.maxPasses, "max-passes", 10, "re-seal passes before giving up on secrets servers keep sealing under an older key")
	f.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	return cmd
}

// resealStore is a store that can re-seal its secrets.
type resealStore interface {
	store.Resealer
	Close() error
}

func runRotate(ctx context.Context, o rotateOptions, out io.Writer) error {
	switch {
	case o.prepareOnly && o.resealOnly:
		return usageError{errors.New("--prepare-only and --reseal-only exclude each other (give neither to do both)")}
	case o.prepareOnly && o.retireOld:
		return usageError{errors.New("--retire-old-keys needs the re-seal step; it cannot go with --prepare-only")}
	case o.batch < 1 || o.maxPasses < 1 || o.settle < 0 || o.timeout <= 0:
		return usageError{errors.New("--batch and --max-passes must be at least 1, --settle not negative and --timeout positive")}
	}
	t, err := parseMigrateTarget(migrateOptions{dataDir: o.dataDir, database: o.database})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	keyPath := o.masterKeyFile
	if keyPath == "" {
		keyPath = filepath.Join(o.dataDir, "master.key")
	}
	keys, err := secret.LoadKeyringFile(keyPath)
	if err != nil {
		return fmt.Errorf("%w (rotate-master-key works on the key file the servers use: --master-key-file or <data-dir>/master.key)", err)
	}
	if t.kind == "sqlite" {
		if _, err := os.Stat(t.target); err != nil {
			return fmt.Errorf("no database at %s: %w", t.target, err)
		}
	}
	var db resealStore
	switch t.kind {
	case "sqlite":
		db, err = sqlite.Open(ctx, t.target, keys)
	case "postgres":
		db, err = postgres.Open(ctx, t.target, keys)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", t.describe, err)
	}
	defer db.Close()
	fmt.Fprintf(out, "database: %s\nkey file: %s\n", t.describe, keyPath)
	return rotate.Run(ctx, db, keys, rotate.Options{
		KeyFile:     keyPath,
		PrepareOnly: o.prepareOnly,
		ResealOnly:  o.resealOnly,
		RetireOld:   o.retireOld,
		Settle:      o.settle,
		Batch:       o.batch,
		MaxPasses:   o.maxPasses,
	}, out)
}
