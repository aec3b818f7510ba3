// Package iam holds identities: accounts, RAM users, roles, access keys,
// policies and STS sessions, and the principal a request is made by.
//
// The package is pure types and rules; persistence lives in internal/store,
// orchestration in internal/service.
package iam

import "time"

// Account is a tenant: the root identity that owns resources.
type Account struct {
	AccountID string // 16 digits
	Name      string
	CreatedAt time.Time
}

// Key statuses.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// AccessKey is a long-term credential of an account's root identity (UserName
// empty) or of a RAM user. Secret is plaintext above the store; the store
// seals it.
type AccessKey struct {
	AccessKeyID string
	Secret      string
	AccountID   string
	UserName    string // empty for the account root
	Status      string // Active, Inactive
	CreatedAt   time.Time
}

// Principal kinds.
const (
	PrincipalRoot    = "Account"     // the account's root identity
	PrincipalUser    = "SubUser"     // a RAM user
	PrincipalSession = "AssumedRole" // an STS role session
)

// Principal is who a request is made by, after authentication.
type Principal struct {
	Kind        string // PrincipalRoot, PrincipalUser, PrincipalSession
	AccountID   string
	UserName    string // RAM user name, or the role name for a session
	UserID      string
	SessionName string // STS role session name
	AccessKeyID string
	// SessionPolicy is the STS session's narrowing policy document, if any.
	SessionPolicy string
}

// ARN of the principal, as RAM writes it.
func (p *Principal) ARN() string {
	var buf [128]byte
	return string(p.AppendARN(buf[:0]))
}

// IdentityARN is the ARN of the identity behind the principal, which all
// its AccessKeys and sessions share: the role's ARN for an STS session
// (RoleARN: all sessions of a role share it), else ARN.
func (p *Principal) IdentityARN() string {
	if p.Kind == PrincipalSession {
		return RoleARN(p.AccountID, p.UserName)
	}
	return p.ARN()
}

// AppendARN appends the principal's ARN (see ARN) to dst.
func (p *Principal) AppendARN(dst []byte) []byte {
	dst = append(dst, "acs:ram::"...)
	dst = append(dst, p.AccountID...)
	switch p.Kind {
	case PrincipalUser:
		dst = append(dst, ":user/"...)
		return append(dst, p.UserName...)
	case PrincipalSession:
		dst = append(dst, ":assumed-role/"...)
		dst = append(dst, p.UserName...)
		dst = append(dst, '/')
		return append(dst, p.SessionName...)
	default:
		return append(dst, ":root"...)
	}
}

// DisplayName is what AccessDeniedDetail shows.
func (p *Principal) DisplayName() string {
	switch p.Kind {
	case PrincipalUser:
		return p.UserName
	case PrincipalSession:
		return p.UserName + ":" + p.SessionName
	default:
		return p.AccountID
	}
}
