package store

import "context"

// Resealer is implemented by stores that can re-seal their secrets under the
// current primary key of their keyring: the second half of a master key
// rotation (the first is putting the new key in front of the keyring file).
// Both SQL backends implement it. It is safe to run while servers use the
// same database: every row is rewritten in a short transaction, only if its
// sealed value is still the one that was read.
type Resealer interface {
	// Reseal re-seals, in transactions of at most batch rows (batch < 1
	// means 100), every stored secret (pre-shared keys, access-key secrets)
	// that is not sealed under the keyring's primary key. The plaintext and
	// the record it is bound to do not change. A value that does not open
	// is left as it is and counted in Unreadable; an error is returned only
	// when the database fails (the rows re-sealed until then stay re-sealed:
	// running Reseal again continues).
	Reseal(ctx context.Context, batch int) (ResealStats, error)
	// SealedKeyCounts returns how many stored secrets are sealed under each
	// key id (secret.SealedKeyID); values that carry no key id are counted
	// under id 0.
	SealedKeyCounts(ctx context.Context) (map[uint32]int, error)
}

// ResealStats reports what one Reseal did.
type ResealStats struct {
	Scanned    int      // sealed values looked at
	Resealed   int      // values rewritten under the primary key
	Changed    int      // values another writer replaced between read and rewrite (left to it)
	Unreadable int      // values that do not open with the keyring (left as they are)
	Failed     []string // ids of the unreadable records (at most 20), as "table/id"
}
