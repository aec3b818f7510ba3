package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// RAM users, custom policies with versions, roles and attachments: the
// store.IAMStore part of the engine (tables of migration 0003).

var _ store.IAMStore = (*Engine)(nil)

func (q q) accountExists(accountID string) error {
	if _, ok, err := q.first(`SELECT account_id FROM accounts WHERE account_id = ?`, accountID); err != nil {
		return err
	} else if !ok {
		return notFound(store.KindAccount, accountID)
	}
	return nil
}

const selectUser = `SELECT account_id, user_name, user_id, display_name, email, mobile_phone, comments, created_at, updated_at FROM ram_users`

func scanUser(sc interface{ Scan(...any) error }) (iam.User, error) {
	var u iam.User
	var created, updated int64
	err := sc.Scan(&u.AccountID, &u.UserName, &u.UserID, &u.DisplayName, &u.Email, &u.MobilePhone, &u.Comments, &created, &updated)
	u.CreateDate, u.UpdateDate = fromNanos(created), fromNanos(updated)
	return u, err
}

// CreateUser implements store.IAMStore.
func (e *Engine) CreateUser(ctx context.Context, u iam.User) error {
	created := e.createdAt(u.CreateDate)
	updated := created
	if !u.UpdateDate.IsZero() {
		updated = u.UpdateDate.UnixNano()
	}
	return e.write(ctx, func(q q) error {
		if err := q.accountExists(u.AccountID); err != nil {
			return err
		}
		if _, ok, err := q.first(`SELECT user_name FROM ram_users WHERE account_id = ? AND user_name = ?`, u.AccountID, u.UserName); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleUserName, ID: u.UserName}
		}
		if err := checkQuota(q, e.quota().RAMUsers, store.KindUser, "", `SELECT COUNT(*) FROM ram_users WHERE account_id = ?`, u.AccountID); err != nil {
			return err
		}
		_, err := q.exec(`INSERT INTO ram_users (account_id, user_name, user_id, display_name, email, mobile_phone, comments, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.AccountID, u.UserName, u.UserID, u.DisplayName, u.Email, u.MobilePhone, u.Comments, created, updated)
		return err
	})
}

// GetUser implements store.IAMStore.
func (e *Engine) GetUser(ctx context.Context, accountID, userName string) (iam.User, error) {
	u, err := scanUser(e.r.QueryRowContext(ctx, e.d.bind(selectUser+` WHERE account_id = ? AND user_name = ?`), accountID, userName))
	if errors.Is(err, sql.ErrNoRows) {
		return iam.User{}, notFound(store.KindUser, userName)
	}
	if err != nil {
		return iam.User{}, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return u, nil
}

// ListUsers implements store.IAMStore.
func (e *Engine) ListUsers(ctx context.Context, accountID, after string, limit int) ([]iam.User, bool, error) {
	rows, err := e.r.QueryContext(ctx, e.d.bind(selectUser+` WHERE account_id = ? AND user_name > ? ORDER BY user_name LIMIT `+strconv.Itoa(limit+1)), accountID, after)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	defer rows.Close()
	var out []iam.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", e.d.Name, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// UpdateUser implements store.IAMStore.
func (e *Engine) UpdateUser(ctx context.Context, accountID, userName string, u iam.User) error {
	updated := e.createdAt(u.UpdateDate)
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(accountID, cachegen.Credentials, userName); err != nil {
			return err
		}
		if _, ok, err := q.first(`SELECT user_name FROM ram_users WHERE account_id = ? AND user_name = ?`, accountID, userName); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindUser, userName)
		}
		if u.UserName != userName {
			if _, ok, err := q.first(`SELECT user_name FROM ram_users WHERE account_id = ? AND user_name = ?`, accountID, u.UserName); err != nil {
				return err
			} else if ok {
				return &store.DuplicateError{Rule: store.RuleUserName, ID: u.UserName}
			}
			if _, err := q.exec(`UPDATE access_keys SET user_name = ? WHERE account_id = ? AND user_name = ?`, u.UserName, accountID, userName); err != nil {
				return err
			}
			if _, err := q.exec(`UPDATE ram_attachments SET principal_name = ? WHERE account_id = ? AND principal_type = ? AND principal_name = ?`,
				u.UserName, accountID, iam.AttachToUser, userName); err != nil {
				return err
			}
		}
		_, err := q.exec(`UPDATE ram_users SET user_name = ?, display_name = ?, email = ?, mobile_phone = ?, comments = ?, updated_at = ? WHERE account_id = ? AND user_name = ?`,
			u.UserName, u.DisplayName, u.Email, u.MobilePhone, u.Comments, updated, accountID, userName)
		return err
	})
}

// DeleteUser implements store.IAMStore.
func (e *Engine) DeleteUser(ctx context.Context, accountID, userName string) error {
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(accountID, cachegen.Credentials, userName); err != nil {
			return err
		}
		if _, ok, err := q.first(`SELECT user_name FROM ram_users WHERE account_id = ? AND user_name = ?`, accountID, userName); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindUser, userName)
		}
		// The rules span rows: checked here, in the delete's transaction, a
		// key or attachment created concurrently is never destroyed with
		// the user.
		if id, ok, err := q.first(`SELECT access_key_id FROM access_keys WHERE account_id = ? AND user_name = ? ORDER BY access_key_id LIMIT 1`, accountID, userName); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindAccessKey, ID: id}
		}
		if err := q.noAttachments(accountID, iam.AttachToUser, userName); err != nil {
			return err
		}
		_, err := q.exec(`DELETE FROM ram_users WHERE account_id = ? AND user_name = ?`, accountID, userName)
		return err
	})
}

// noAttachments fails with *store.InUseError{Kind: store.KindPolicy} (ID the policy
// attached first) when the identity has attached policies.
func (q q) noAttachments(accountID, principalType, key string) error {
	name, ok, err := q.first(`SELECT policy_name FROM ram_attachments WHERE account_id = ? AND principal_type = ? AND principal_name = ? ORDER BY attached_at, policy_name LIMIT 1`, accountID, principalType, key)
	if err != nil {
		return err
	}
	if ok {
		return &store.InUseError{Kind: store.KindPolicy, ID: name}
	}
	return nil
}

func versionID(n int64) string { return "v" + strconv.FormatInt(n, 10) }

func versionNum(id string) (int64, bool) {
	s, ok := strings.CutPrefix(id, "v")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// CreatePolicy implements store.IAMStore.
func (e *Engine) CreatePolicy(ctx context.Context, p iam.Policy) error {
	created := e.createdAt(p.CreateDate)
	updated := created
	if !p.UpdateDate.IsZero() {
		updated = p.UpdateDate.UnixNano()
	}
	return e.write(ctx, func(q q) error {
		if err := q.accountExists(p.AccountID); err != nil {
			return err
		}
		if _, ok, err := q.first(`SELECT policy_name FROM ram_policies WHERE account_id = ? AND policy_name = ?`, p.AccountID, p.PolicyName); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RulePolicyName, ID: p.PolicyName}
		}
		if _, err := q.exec(`INSERT INTO ram_policies (account_id, policy_name, description, default_version, last_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.AccountID, p.PolicyName, p.Description, versionID(1), 1, created, updated); err != nil {
			return err
		}
		_, err := q.exec(`INSERT INTO ram_policy_versions (account_id, policy_name, version_num, document, created_at) VALUES (?, ?, ?, ?, ?)`,
			p.AccountID, p.PolicyName, 1, p.Document, created)
		return err
	})
}

// selectPolicy reads a policy with its default document and attachment count.
const selectPolicy = `SELECT p.account_id, p.policy_name, p.description, p.default_version, p.created_at, p.updated_at,
	COALESCE((SELECT v.document FROM ram_policy_versions v WHERE v.account_id = p.account_id AND v.policy_name = p.policy_name
		AND 'v' || CAST(v.version_num AS TEXT) = p.default_version), ''),
	(SELECT COUNT(*) FROM ram_attachments a WHERE a.account_id = p.account_id AND a.policy_type = 'Custom' AND a.policy_name = p.policy_name)
	FROM ram_policies p`

func scanPolicy(sc interface{ Scan(...any) error }) (iam.Policy, error) {
	p := iam.Policy{PolicyType: iam.PolicyTypeCustom}
	var created, updated int64
	err := sc.Scan(&p.AccountID, &p.PolicyName, &p.Description, &p.DefaultVersion, &created, &updated, &p.Document, &p.AttachmentCount)
	p.CreateDate, p.UpdateDate = fromNanos(created), fromNanos(updated)
	return p, err
}

// GetPolicy implements store.IAMStore.
func (e *Engine) GetPolicy(ctx context.Context, accountID, policyName string) (iam.Policy, error) {
	p, err := scanPolicy(e.r.QueryRowContext(ctx, e.d.bind(selectPolicy+` WHERE p.account_id = ? AND p.policy_name = ?`), accountID, policyName))
	if errors.Is(err, sql.ErrNoRows) {
		return iam.Policy{}, notFound(store.KindPolicy, policyName)
	}
	if err != nil {
		return iam.Policy{}, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return p, nil
}

// ListPolicies implements store.IAMStore.
func (e *Engine) ListPolicies(ctx context.Context, accountID, after string, limit int) ([]iam.Policy, bool, error) {
	rows, err := e.r.QueryContext(ctx, e.d.bind(selectPolicy+` WHERE p.account_id = ? AND p.policy_name > ? ORDER BY p.policy_name LIMIT `+strconv.Itoa(limit+1)), accountID, after)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	defer rows.Close()
	var out []iam.Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", e.d.Name, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// DeletePolicy implements store.IAMStore.
func (e *Engine) DeletePolicy(ctx context.Context, accountID, policyName string) error {
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(accountID, cachegen.Credentials, policyName); err != nil {
			return err
		}
		var typ, name string
		err := q.row(`SELECT principal_type, principal_name FROM ram_attachments WHERE account_id = ? AND policy_type = ? AND policy_name = ? ORDER BY attached_at, principal_type, principal_name LIMIT 1`,
			accountID, iam.PolicyTypeCustom, policyName).Scan(&typ, &name)
		switch {
		case err == nil:
			kind := store.KindUser
			if typ == iam.AttachToRole {
				kind = store.KindRole
			}
			return &store.InUseError{Kind: kind, ID: name}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := q.exec(`DELETE FROM ram_policy_versions WHERE account_id = ? AND policy_name = ?`, accountID, policyName); err != nil {
			return err
		}
		n, err := affected(q.exec(`DELETE FROM ram_policies WHERE account_id = ? AND policy_name = ?`, accountID, policyName))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindPolicy, policyName)
		}
		return nil
	})
}

func (q q) policyVersions(accountID, policyName string) ([]iam.PolicyVersion, error) {
	def, ok, err := q.first(`SELECT default_version FROM ram_policies WHERE account_id = ? AND policy_name = ?`, accountID, policyName)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(store.KindPolicy, policyName)
	}
	rows, err := q.query(`SELECT version_num, document, created_at FROM ram_policy_versions WHERE account_id = ? AND policy_name = ? ORDER BY version_num`, accountID, policyName)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []iam.PolicyVersion
	for rows.Next() {
		var v iam.PolicyVersion
		var num, created int64
		if err := rows.Scan(&num, &v.Document, &created); err != nil {
			return nil, err
		}
		v.VersionID, v.CreateDate = versionID(num), fromNanos(created)
		v.IsDefaultVersion = v.VersionID == def
		out = append(out, v)
	}
	return out, rows.Err()
}

// ListPolicyVersions implements store.IAMStore.
func (e *Engine) ListPolicyVersions(ctx context.Context, accountID, policyName string) ([]iam.PolicyVersion, error) {
	var out []iam.PolicyVersion
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		out, err = q.policyVersions(accountID, policyName)
		return err
	})
	return out, err
}

// CreatePolicyVersion implements store.IAMStore.
func (e *Engine) CreatePolicyVersion(ctx context.Context, accountID, policyName, document string, setDefault, rotate bool) (iam.PolicyVersion, error) {
	var res iam.PolicyVersion
	err := e.write(ctx, func(q q) error {
		versions, err := q.policyVersions(accountID, policyName)
		if err != nil {
			return err
		}
		if len(versions) >= iam.MaxPolicyVersions {
			if !rotate {
				return &store.LimitError{Rule: store.RulePolicyVersions, ID: policyName}
			}
			oldest := ""
			for _, v := range versions {
				if !v.IsDefaultVersion {
					oldest = v.VersionID
					break
				}
			}
			num, _ := versionNum(oldest)
			if _, err := q.exec(`DELETE FROM ram_policy_versions WHERE account_id = ? AND policy_name = ? AND version_num = ?`, accountID, policyName, num); err != nil {
				return err
			}
		}
		var last int64
		if err := q.row(`SELECT last_version FROM ram_policies WHERE account_id = ? AND policy_name = ?`, accountID, policyName).Scan(&last); err != nil {
			return err
		}
		now := e.now()
		num := last + 1
		if _, err := q.exec(`INSERT INTO ram_policy_versions (account_id, policy_name, version_num, document, created_at) VALUES (?, ?, ?, ?, ?)`,
			accountID, policyName, num, document, now.UnixNano()); err != nil {
			return err
		}
		set := `UPDATE ram_policies SET last_version = ?, updated_at = ? WHERE account_id = ? AND policy_name = ?`
		args := []any{num, now.UnixNano(), accountID, policyName}
		if setDefault {
			if err := q.bumpCache(accountID, cachegen.Credentials, policyName); err != nil {
				return err
			}
			set = `UPDATE ram_policies SET last_version = ?, updated_at = ?, default_version = ? WHERE account_id = ? AND policy_name = ?`
			args = []any{num, now.UnixNano(), versionID(num), accountID, policyName}
		}
		if _, err := q.exec(set, args...); err != nil {
			return err
		}
		res = iam.PolicyVersion{VersionID: versionID(num), Document: document, IsDefaultVersion: setDefault, CreateDate: fromNanos(now.UnixNano())}
		return nil
	})
	return res, err
}

const selectRole = `SELECT account_id, role_name, role_id, description, trust_document, max_session_duration, created_at, updated_at FROM ram_roles`

func scanRole(sc interface{ Scan(...any) error }) (iam.Role, error) {
	var r iam.Role
	var created, updated int64
	err := sc.Scan(&r.AccountID, &r.RoleName, &r.RoleID, &r.Description, &r.AssumeRolePolicyDocument, &r.MaxSessionDuration, &created, &updated)
	r.CreateDate, r.UpdateDate = fromNanos(created), fromNanos(updated)
	return r, err
}

// CreateRole implements store.IAMStore.
func (e *Engine) CreateRole(ctx context.Context, r iam.Role) error {
	created := e.createdAt(r.CreateDate)
	updated := created
	if !r.UpdateDate.IsZero() {
		updated = r.UpdateDate.UnixNano()
	}
	key := strings.ToLower(r.RoleName)
	return e.write(ctx, func(q q) error {
		if err := q.accountExists(r.AccountID); err != nil {
			return err
		}
		if name, ok, err := q.first(`SELECT role_name FROM ram_roles WHERE account_id = ? AND role_key = ?`, r.AccountID, key); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleRoleName, ID: name}
		}
		_, err := q.exec(`INSERT INTO ram_roles (account_id, role_key, role_name, role_id, description, trust_document, max_session_duration, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.AccountID, key, r.RoleName, r.RoleID, r.Description, r.AssumeRolePolicyDocument, r.MaxSessionDuration, created, updated)
		return err
	})
}

// GetRole implements store.IAMStore.
func (e *Engine) GetRole(ctx context.Context, accountID, roleName string) (iam.Role, error) {
	r, err := scanRole(e.r.QueryRowContext(ctx, e.d.bind(selectRole+` WHERE account_id = ? AND role_key = ?`), accountID, strings.ToLower(roleName)))
	if errors.Is(err, sql.ErrNoRows) {
		return iam.Role{}, notFound(store.KindRole, roleName)
	}
	if err != nil {
		return iam.Role{}, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return r, nil
}

// DeleteRole implements store.IAMStore.
func (e *Engine) DeleteRole(ctx context.Context, accountID, roleName string) error {
	key := strings.ToLower(roleName)
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(accountID, cachegen.Credentials, key); err != nil {
			return err
		}
		if _, ok, err := q.first(`SELECT role_key FROM ram_roles WHERE account_id = ? AND role_key = ?`, accountID, key); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindRole, roleName)
		}
		if err := q.noAttachments(accountID, iam.AttachToRole, key); err != nil {
			return err
		}
		_, err := q.exec(`DELETE FROM ram_roles WHERE account_id = ? AND role_key = ?`, accountID, key)
		return err
	})
}

// principalKey is how an attachment's identity is stored.
func principalKey(principalType, name string) string {
	if principalType == iam.AttachToRole {
		return strings.ToLower(name)
	}
	return name
}

func attachmentID(a iam.Attachment) string {
	return a.PrincipalType + "/" + a.PrincipalName + "/" + a.PolicyType + "/" + a.PolicyName
}

// AttachPolicy implements store.IAMStore.
func (e *Engine) AttachPolicy(ctx context.Context, a iam.Attachment) error {
	key := principalKey(a.PrincipalType, a.PrincipalName)
	attached := e.createdAt(a.AttachDate)
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(a.AccountID, cachegen.Credentials, key); err != nil {
			return err
		}
		switch a.PrincipalType {
		case iam.AttachToUser:
			if _, ok, err := q.first(`SELECT user_name FROM ram_users WHERE account_id = ? AND user_name = ?`, a.AccountID, key); err != nil {
				return err
			} else if !ok {
				return notFound(store.KindUser, a.PrincipalName)
			}
		case iam.AttachToRole:
			if _, ok, err := q.first(`SELECT role_key FROM ram_roles WHERE account_id = ? AND role_key = ?`, a.AccountID, key); err != nil {
				return err
			} else if !ok {
				return notFound(store.KindRole, a.PrincipalName)
			}
		default:
			return fmt.Errorf("sqlcore: unknown principal type %q", a.PrincipalType)
		}
		if a.PolicyType == iam.PolicyTypeCustom {
			if _, ok, err := q.first(`SELECT policy_name FROM ram_policies WHERE account_id = ? AND policy_name = ?`, a.AccountID, a.PolicyName); err != nil {
				return err
			} else if !ok {
				return notFound(store.KindPolicy, a.PolicyName)
			}
		}
		if _, ok, err := q.first(`SELECT policy_name FROM ram_attachments WHERE account_id = ? AND principal_type = ? AND principal_name = ? AND policy_type = ? AND policy_name = ?`,
			a.AccountID, a.PrincipalType, key, a.PolicyType, a.PolicyName); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleAttachment, ID: attachmentID(a)}
		}
		rule, max := store.RuleCustomPoliciesPerIdentity, iam.MaxCustomPoliciesPerID
		if a.PolicyType == iam.PolicyTypeSystem {
			rule, max = store.RuleSystemPoliciesPerIdentity, iam.MaxSystemPoliciesPerID
		}
		var n int
		if err := q.row(`SELECT COUNT(*) FROM ram_attachments WHERE account_id = ? AND principal_type = ? AND principal_name = ? AND policy_type = ?`,
			a.AccountID, a.PrincipalType, key, a.PolicyType).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return &store.LimitError{Rule: rule, ID: a.PrincipalType + "/" + a.PrincipalName}
		}
		_, err := q.exec(`INSERT INTO ram_attachments (account_id, principal_type, principal_name, policy_type, policy_name, attached_at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.AccountID, a.PrincipalType, key, a.PolicyType, a.PolicyName, attached)
		return err
	})
}

// DetachPolicy implements store.IAMStore.
func (e *Engine) DetachPolicy(ctx context.Context, a iam.Attachment) error {
	key := principalKey(a.PrincipalType, a.PrincipalName)
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(a.AccountID, cachegen.Credentials, key); err != nil {
			return err
		}
		n, err := affected(q.exec(`DELETE FROM ram_attachments WHERE account_id = ? AND principal_type = ? AND principal_name = ? AND policy_type = ? AND policy_name = ?`,
			a.AccountID, a.PrincipalType, key, a.PolicyType, a.PolicyName))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindAttachment, attachmentID(a))
		}
		return nil
	})
}

// ListAttachments implements store.IAMStore.
func (e *Engine) ListAttachments(ctx context.Context, accountID, principalType, principalName string) ([]iam.Attachment, error) {
	rows, err := e.r.QueryContext(ctx, e.d.bind(`SELECT a.account_id, a.principal_type, a.principal_name, a.policy_type, a.policy_name, a.attached_at,
		COALESCE((SELECT v.document FROM ram_policies p JOIN ram_policy_versions v ON v.account_id = p.account_id AND v.policy_name = p.policy_name
			AND 'v' || CAST(v.version_num AS TEXT) = p.default_version
			WHERE a.policy_type = 'Custom' AND p.account_id = a.account_id AND p.policy_name = a.policy_name), '')
		FROM ram_attachments a WHERE a.account_id = ? AND a.principal_type = ? AND a.principal_name = ?
		ORDER BY a.attached_at, a.policy_type, a.policy_name`), accountID, principalType, principalKey(principalType, principalName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	defer rows.Close()
	var out []iam.Attachment
	for rows.Next() {
		var a iam.Attachment
		var attached int64
		if err := rows.Scan(&a.AccountID, &a.PrincipalType, &a.PrincipalName, &a.PolicyType, &a.PolicyName, &attached, &a.Document); err != nil {
			return nil, fmt.Errorf("%s: %w", e.d.Name, err)
		}
		a.AttachDate = fromNanos(attached)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return out, nil
}
