package main

import (
	"context"
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

	// Refuse to start when the file cannot open what the store holds: a
	// rotation would then leave those secrets behind for good.
	counts, err := db.SealedKeyCounts(ctx)
	if err != nil {
		return err
	}
	held := keys.KeyIDs()
	for id, n := range counts {
		if !slices.Contains(held, id) {
			return fmt.Errorf("%d stored secrets are sealed under key %08x, which %s does not hold (wrong key file?); nothing changed", n, id, keyPath)
		}
	}
	fmt.Fprintf(out, "secrets by key before: %s\n", describeCounts(counts, keys.PrimaryID()))

	if !o.resealOnly {
		old := keys.PrimaryID()
		if err := prependNewKey(keyPath); err != nil {
			return err
		}
		if _, err := keys.Reload(); err != nil {
			return fmt.Errorf("reload %s after writing the new key: %w", keyPath, err)
		}
		fmt.Fprintf(out, "wrote new primary key %08x in front of %s (old primary %08x kept).\n", keys.PrimaryID(), keyPath, old)
		fmt.Fprintf(out, "BACK UP %s NOW: secrets re-sealed from here on open only with the new key.\n", keyPath)
		if o.prepareOnly {
			fmt.Fprintln(out, "prepare done: copy the file to every server, then run rotate-master-key --reseal-only.")
			return nil
		}
		fmt.Fprintf(out, "waiting %s for running servers to load the new key...\n", o.settle)
		select {
		case <-time.After(o.settle):
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	primary := keys.PrimaryID()
	for pass := 1; ; pass++ {
		st, err := db.Reseal(ctx, o.batch)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "pass %d: scanned %d, re-sealed %d, changed meanwhile %d, unreadable %d\n", pass, st.Scanned, st.Resealed, st.Changed, st.Unreadable)
		if st.Unreadable > 0 {
			return fmt.Errorf("%d secrets do not open with %s and were left as they are (moved, altered or sealed under a lost key): %s", st.Unreadable, keyPath, strings.Join(st.Failed, ", "))
		}
		if counts, err = db.SealedKeyCounts(ctx); err != nil {
			return err
		}
		left := 0
		for id, n := range counts {
			if id != primary {
				left += n
			}
		}
		if left == 0 {
			break
		}
		if pass >= o.maxPasses {
			return fmt.Errorf("%d secrets are still sealed under older keys after %d passes: a server keeps sealing under an older key (does every server read %s?); run rotate-master-key --reseal-only again", left, pass, keyPath)
		}
		select {
		case <-time.After(secret.FileCheckInterval):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fmt.Fprintf(out, "secrets by key after: %s\n", describeCounts(counts, primary))

	if o.retireOld {
		p, _, err := secret.ReadKeyringFile(keyPath)
		if err != nil {
			return err
		}
		if secret.KeyID(p) != primary {
			return fmt.Errorf("%s changed during the rotation (primary is no longer %08x); not retiring keys", keyPath, primary)
		}
		if err := secret.WriteKeyringFile(keyPath, p); err != nil {
			return fmt.Errorf("rewrite %s: %w", keyPath, err)
		}
		fmt.Fprintf(out, "retired the older keys: %s now holds only %08x. Backups taken before the rotation need a copy of the old file.\n", keyPath, primary)
	}
	fmt.Fprintln(out, "rotation complete: every secret is sealed under the primary key.")
	return nil
}

// prependNewKey puts a new random key in front of the keyring file at path,
// keeping the keys it holds.
func prependNewKey(path string) error {
	primary, older, err := secret.ReadKeyringFile(path)
	if err != nil {
		return err
	}
	key, err := secret.GenerateKey()
	if err != nil {
		return err
	}
	if err := secret.WriteKeyringFile(path, key, append([][]byte{primary}, older...)...); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// describeCounts renders sealed-value counts by key id, e.g.
// "1a2b3c4d=12 (primary), 5e6f7a8b=3"; "none" when empty.
func describeCounts(counts map[uint32]int, primary uint32) string {
	if len(counts) == 0 {
		return "none"
	}
	ids := make([]uint32, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		s := fmt.Sprintf("%08x=%d", id, counts[id])
		if id == primary {
			s += " (primary)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
