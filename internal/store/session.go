package store

import (
	"context"
	"time"
)

// SessionStore records revoked web console sessions (internal/web), so that
// a console session signed out on one server is refused by every server on
// the same database. It is an optional ability of a store (both SQL backends
// have it).
//
// A revocation lasts until the session would have expired; after that the
// session is refused for its age anyway, and its row may be purged.
type SessionStore interface {
	// RevokeSession records that the session id is revoked until until.
	// Revoking a revoked session keeps the later of the two times. It also
	// deletes revocations that have expired.
	RevokeSession(ctx context.Context, id string, until time.Time) error
	// SessionRevoked reports whether the session id is revoked now (a
	// revocation whose time has passed no longer counts).
	SessionRevoked(ctx context.Context, id string) (bool, error)
	// PurgeSessionRevocations deletes the revocations whose time has
	// passed and returns how many it deleted.
	PurgeSessionRevocations(ctx context.Context) (int64, error)
}
