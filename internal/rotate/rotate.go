// Package rotate rotates the master key that seals a store's secrets while
// servers keep running: the procedure behind `vpcvpn rotate-master-key`. It
// puts a new key in front of the keyring file the servers read, waits for them
// to pick it up, re-seals every secret under it in passes, and can retire the
// older keys afterwards. Opening the store and checking the flags is the
// command's; the messages written and returned name the command's flags.
package rotate

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// Options say which steps Run takes and how.
type Options struct {
	KeyFile     string        // the keyring file the servers use (and keys was loaded from)
	PrepareOnly bool          // only put a new primary key in front of KeyFile
	ResealOnly  bool          // only re-seal under KeyFile's current primary key
	RetireOld   bool          // afterwards remove the older keys from KeyFile
	Settle      time.Duration // wait after writing the new key, before re-sealing
	Batch       int           // secrets re-sealed per transaction
	MaxPasses   int           // re-seal passes before giving up (at least 1)
	PassWait    time.Duration // pause between passes; 0 means secret.FileCheckInterval
}

// Run rotates the master key of db, which was opened with keys, loaded by
// secret.LoadKeyringFile from o.KeyFile. It reports each step on out. It
// returns nil when every secret is sealed under the primary key (and, with
// PrepareOnly, once the new key is written). It changes nothing and fails
// when the store holds secrets sealed under a key the file does not hold; it
// fails, naming the records, when a secret does not open (those are left as
// they are); it fails when secrets remain under an older key after
// MaxPasses passes, or when ctx ends.
func Run(ctx context.Context, db store.Resealer, keys *secret.Keyring, o Options, out io.Writer) error {
	keyPath := o.KeyFile
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

	if !o.ResealOnly {
		old := keys.PrimaryID()
		if err := prependNewKey(keyPath); err != nil {
			return err
		}
		if _, err := keys.Reload(); err != nil {
			return fmt.Errorf("reload %s after writing the new key: %w", keyPath, err)
		}
		fmt.Fprintf(out, "wrote new primary key %08x in front of %s (old primary %08x kept).\n", keys.PrimaryID(), keyPath, old)
		fmt.Fprintf(out, "BACK UP %s NOW: secrets re-sealed from here on open only with the new key.\n", keyPath)
		if o.PrepareOnly {
			fmt.Fprintln(out, "prepare done: copy the file to every server, then run rotate-master-key --reseal-only.")
			return nil
		}
		fmt.Fprintf(out, "waiting %s for running servers to load the new key...\n", o.Settle)
		if err := sleep(ctx, o.Settle); err != nil {
			return err
		}
	}

	primary := keys.PrimaryID()
	if counts, err = reseal(ctx, db, primary, o, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "secrets by key after: %s\n", describeCounts(counts, primary))

	if o.RetireOld {
		if err := retireOlder(keyPath, primary); err != nil {
			return err
		}
		fmt.Fprintf(out, "retired the older keys: %s now holds only %08x. Backups taken before the rotation need a copy of the old file.\n", keyPath, primary)
	}
	fmt.Fprintln(out, "rotation complete: every secret is sealed under the primary key.")
	return nil
}

// reseal re-seals in passes until no secret is left under a key other than
// primary, and returns the final counts by key.
func reseal(ctx context.Context, db store.Resealer, primary uint32, o Options, out io.Writer) (map[uint32]int, error) {
	wait := o.PassWait
	if wait == 0 {
		wait = secret.FileCheckInterval
	}
	for pass := 1; ; pass++ {
		st, err := db.Reseal(ctx, o.Batch)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "pass %d: scanned %d, re-sealed %d, changed meanwhile %d, unreadable %d\n", pass, st.Scanned, st.Resealed, st.Changed, st.Unreadable)
		if st.Unreadable > 0 {
			return nil, fmt.Errorf("%d secrets do not open with %s and were left as they are (moved, altered or sealed under a lost key): %s", st.Unreadable, o.KeyFile, strings.Join(st.Failed, ", "))
		}
		counts, err := db.SealedKeyCounts(ctx)
		if err != nil {
			return nil, err
		}
		left := 0
		for id, n := range counts {
			if id != primary {
				left += n
			}
		}
		if left == 0 {
			return counts, nil
		}
		if pass >= o.MaxPasses {
			return nil, fmt.Errorf("%d secrets are still sealed under older keys after %d passes: a server keeps sealing under an older key (does every server read %s?); run rotate-master-key --reseal-only again", left, pass, o.KeyFile)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// sleep waits d or until ctx ends, and then returns ctx's error.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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

// retireOlder rewrites the keyring file at path to hold only its primary key,
// which must still be primary: a file changed meanwhile is left alone.
func retireOlder(path string, primary uint32) error {
	p, _, err := secret.ReadKeyringFile(path)
	if err != nil {
		return err
	}
	if secret.KeyID(p) != primary {
		return fmt.Errorf("%s changed during the rotation (primary is no longer %08x); not retiring keys", path, primary)
	}
	if err := secret.WriteKeyringFile(path, p); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
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
