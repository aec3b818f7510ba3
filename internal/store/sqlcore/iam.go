package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// CreateAccount stores a; *store.DuplicateError{Rule: store.RuleAccountID} when the
// id is taken. A zero CreatedAt is set to now.
func (e *Engine) CreateAccount(ctx context.Context, a iam.Account) error {
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT account_id FROM accounts WHERE account_id = ?`, a.AccountID); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleAccountID, ID: a.AccountID}
		}
		_, err := q.exec(`INSERT INTO accounts (account_id, name, created_at) VALUES (?, ?, ?)`,
			a.AccountID, a.Name, e.createdAt(a.CreatedAt))
		return err
	})
}

// GetAccount returns the account; *store.NotFoundError{Kind: store.KindAccount}.
func (e *Engine) GetAccount(ctx context.Context, accountID string) (iam.Account, error) {
	var a iam.Account
	var created int64
	err := e.r.QueryRowContext(ctx, e.d.bind(`SELECT account_id, name, created_at FROM accounts WHERE account_id = ?`), accountID).
		Scan(&a.AccountID, &a.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return iam.Account{}, notFound(store.KindAccount, accountID)
	}
	if err != nil {
		return iam.Account{}, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	a.CreatedAt = fromNanos(created)
	return a, nil
}

// ListAccounts returns all accounts in creation order.
func (e *Engine) ListAccounts(ctx context.Context) ([]iam.Account, error) {
	rows, err := e.r.QueryContext(ctx, `SELECT account_id, name, created_at FROM accounts ORDER BY created_at, account_id`)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	defer rows.Close()
	var out []iam.Account
	for rows.Next() {
		var a iam.Account
		var created int64
		if err := rows.Scan(&a.AccountID, &a.Name, &created); err != nil {
			return nil, fmt.Errorf("%s: %w", e.d.Name, err)
		}
		a.CreatedAt = fromNanos(created)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return out, nil
}

// CreateAccessKey stores k with its secret sealed (additional data: the
// AccessKeyId). *store.NotFoundError{Kind: store.KindAccount} when the account does
// not exist, {Kind: store.KindUser} when k.UserName names no RAM user of it, *store.DuplicateError{Rule: store.RuleAccessKeyID} when the id is taken.
func (e *Engine) CreateAccessKey(ctx context.Context, k iam.AccessKey) error {
	sealed, err := e.keys.Seal(k.Secret, k.AccessKeyID)
	if err != nil {
		return err
	}
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT account_id FROM accounts WHERE account_id = ?`, k.AccountID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindAccount, k.AccountID)
		}
		// A RAM user's key needs its user, read in this transaction: a
		// concurrent DeleteUser either sees the key (and refuses) or
		// removes the user first (and this create fails).
		if k.UserName != "" {
			if _, ok, err := q.first(`SELECT user_name FROM ram_users WHERE account_id = ? AND user_name = ?`, k.AccountID, k.UserName); err != nil {
				return err
			} else if !ok {
				return notFound(store.KindUser, k.UserName)
			}
		}
		if _, ok, err := q.first(`SELECT access_key_id FROM access_keys WHERE access_key_id = ?`, k.AccessKeyID); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleAccessKeyID, ID: k.AccessKeyID}
		}
		qs := e.quota()
		if err := checkQuota(q, qs.AccessKeysPerIdentity, store.KindIdentityAccessKey, k.UserName, `SELECT COUNT(*) FROM access_keys WHERE account_id = ? AND user_name = ?`, k.AccountID, k.UserName); err != nil {
			return err
		}
		if err := checkQuota(q, qs.AccessKeys, store.KindAccessKey, "", `SELECT COUNT(*) FROM access_keys WHERE account_id = ?`, k.AccountID); err != nil {
			return err
		}
		_, err := q.exec(`INSERT INTO access_keys (access_key_id, account_id, user_name, status, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			k.AccessKeyID, k.AccountID, k.UserName, k.Status, sealed, e.createdAt(k.CreatedAt))
		return err
	})
}

const selectAccessKey = `SELECT access_key_id, account_id, user_name, status, secret_sealed, created_at FROM access_keys`

func scanAccessKey(sc interface{ Scan(...any) error }) (iam.AccessKey, string, error) {
	var k iam.AccessKey
	var sealed string
	var created int64
	if err := sc.Scan(&k.AccessKeyID, &k.AccountID, &k.UserName, &k.Status, &sealed, &created); err != nil {
		return iam.AccessKey{}, "", err
	}
	k.CreatedAt = fromNanos(created)
	return k, sealed, nil
}

// GetAccessKey returns the key with its secret opened;
// *store.NotFoundError{Kind: store.KindAccessKey}.
func (e *Engine) GetAccessKey(ctx context.Context, accessKeyID string) (iam.AccessKey, error) {
	k, sealed, err := scanAccessKey(e.stmts.accessKey.QueryRowContext(ctx, accessKeyID))
	if errors.Is(err, sql.ErrNoRows) {
		return iam.AccessKey{}, notFound(store.KindAccessKey, accessKeyID)
	}
	if err != nil {
		return iam.AccessKey{}, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	if k.Secret, err = e.keys.Open(sealed, k.AccessKeyID); err != nil {
		return iam.AccessKey{}, fmt.Errorf("%s: access key %s: %w", e.d.Name, accessKeyID, err)
	}
	return k, nil
}

// ListAccessKeys returns the keys of one identity of the account (userName
// empty: the account root) in creation order. Secrets are left empty: only
// GetAccessKey opens them.
func (e *Engine) ListAccessKeys(ctx context.Context, accountID, userName string) ([]iam.AccessKey, error) {
	rows, err := e.r.QueryContext(ctx, e.d.bind(selectAccessKey+` WHERE account_id = ? AND user_name = ? ORDER BY created_at, access_key_id`), accountID, userName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	defer rows.Close()
	var out []iam.AccessKey
	for rows.Next() {
		k, _, err := scanAccessKey(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.d.Name, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return out, nil
}

// SetAccessKeyStatus sets the status; *store.NotFoundError{Kind: store.KindAccessKey}.
func (e *Engine) SetAccessKeyStatus(ctx context.Context, accessKeyID, status string) error {
	return e.write(ctx, func(q q) error {
		if err := q.bumpKeyAccount(accessKeyID); err != nil {
			return err
		}
		n, err := affected(q.exec(`UPDATE access_keys SET status = ? WHERE access_key_id = ?`, status, accessKeyID))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindAccessKey, accessKeyID)
		}
		return nil
	})
}

// DeleteAccessKey deletes the key; *store.NotFoundError{Kind: store.KindAccessKey}.
func (e *Engine) DeleteAccessKey(ctx context.Context, accessKeyID string) error {
	return e.write(ctx, func(q q) error {
		if err := q.bumpKeyAccount(accessKeyID); err != nil {
			return err
		}
		n, err := affected(q.exec(`DELETE FROM access_keys WHERE access_key_id = ?`, accessKeyID))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindAccessKey, accessKeyID)
		}
		return nil
	})
}
