package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

var _ store.SessionStore = (*Engine)(nil)

// RevokeSession implements store.SessionStore. Sign-outs are rare, so each
// one also deletes the revocations that have expired.
func (e *Engine) RevokeSession(ctx context.Context, id string, until time.Time) error {
	now := e.now().UnixNano()
	return e.write(ctx, func(q q) error {
		if _, err := q.exec(`DELETE FROM console_revocations WHERE expires_at <= ?`, now); err != nil {
			return err
		}
		_, err := q.exec(`INSERT INTO console_revocations (session_id, expires_at) VALUES (?, ?)
			ON CONFLICT (session_id) DO UPDATE SET expires_at = CASE WHEN excluded.expires_at > console_revocations.expires_at
				THEN excluded.expires_at ELSE console_revocations.expires_at END`, id, until.UnixNano())
		return err
	})
}

// SessionRevoked implements store.SessionStore.
func (e *Engine) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var one int
	err := e.r.QueryRowContext(ctx, e.d.bind(`SELECT 1 FROM console_revocations WHERE session_id = ? AND expires_at > ?`),
		id, e.now().UnixNano()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, e.readErr(err)
	}
	return true, nil
}

// PurgeSessionRevocations implements store.SessionStore.
func (e *Engine) PurgeSessionRevocations(ctx context.Context) (int64, error) {
	var n int64
	err := e.write(ctx, func(q q) error {
		var err error
		n, err = affected(q.exec(`DELETE FROM console_revocations WHERE expires_at <= ?`, e.now().UnixNano()))
		return err
	})
	return n, err
}
