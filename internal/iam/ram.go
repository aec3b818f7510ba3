package iam

import (
	"crypto/rand"
	"strings"
	"time"
)

// Policy types.
const (
	PolicyTypeSystem = "System" // shipped with vpcvpn (authz.SystemPolicies); read-only
	PolicyTypeCustom = "Custom" // created by an account
)

// Limits of RAM, as Alibaba documents them.
const (
	MaxAccessKeysPerUser   = 2  // LimitExceeded.User.AccessKey
	MaxPolicyVersions      = 5  // LimitExceeded.Policy.Version
	MaxSystemPoliciesPerID = 20 // system policies attached to one user or role
	MaxCustomPoliciesPerID = 5  // custom policies attached to one user or role
	MinSessionDuration     = 900
	DefaultSessionDuration = 3600
	MinMaxSessionDuration  = 3600
	MaxMaxSessionDuration  = 43200
)

// User is a RAM user of an account. UserName is unique in the account
// (case-sensitive); UserID is a 16-digit id that is never reused.
type User struct {
	AccountID   string
	UserName    string
	UserID      string
	DisplayName string
	Email       string
	MobilePhone string
	Comments    string
	CreateDate  time.Time
	UpdateDate  time.Time
}

// ARN of the user: acs:ram::{account}:user/{name}.
func (u *User) ARN() string { return "acs:ram::" + u.AccountID + ":user/" + u.UserName }

// Policy is a named policy: a System policy (AccountID empty, one version
// "v1") or a Custom policy of an account with up to MaxPolicyVersions
// versions, one of which is the default (the one that is evaluated).
type Policy struct {
	AccountID      string // "" for System policies
	PolicyName     string
	PolicyType     string // PolicyTypeSystem or PolicyTypeCustom
	Description    string
	DefaultVersion string // "v1", "v2", ...
	// Document is the default version's document.
	Document        string
	AttachmentCount int
	CreateDate      time.Time
	UpdateDate      time.Time
}

// PolicyVersion is one version of a custom policy. Version ids are "v" + a
// number that grows by one with every CreatePolicyVersion and is never
// reused for the policy.
type PolicyVersion struct {
	VersionID        string
	Document         string
	IsDefaultVersion bool
	CreateDate       time.Time
}

// Role is a RAM role. RoleName is unique in the account ignoring case (RAM
// treats role names case-insensitively and writes the ARN in lower case).
type Role struct {
	AccountID                string
	RoleName                 string
	RoleID                   string // 19 digits, never reused; sessions carry it
	Description              string
	AssumeRolePolicyDocument string // the trust policy (see ParseTrustPolicy)
	MaxSessionDuration       int64  // seconds, 3600-43200
	CreateDate               time.Time
	UpdateDate               time.Time
}

// ARN of the role: acs:ram::{account}:role/{lower-case name}.
func (r *Role) ARN() string { return RoleARN(r.AccountID, r.RoleName) }

// RoleARN is the ARN of role name in account, as RAM writes it (lower case).
func RoleARN(accountID, roleName string) string {
	return "acs:ram::" + accountID + ":role/" + strings.ToLower(roleName)
}

// Kinds of identity a policy is attached to.
const (
	AttachToUser = "User"
	AttachToRole = "Role"
)

// Attachment is one policy attached to a user or a role.
type Attachment struct {
	AccountID     string
	PrincipalType string // AttachToUser or AttachToRole
	PrincipalName string // user name, or role name
	PolicyName    string
	PolicyType    string
	AttachDate    time.Time
	// Document is the default version's document of an attached custom
	// policy, as the store's ListAttachments returns it ("" otherwise).
	Document string
}

// RAMTimeLayout is how RAM and STS write times: UTC, seconds, a literal Z.
const RAMTimeLayout = "2006-01-02T15:04:05Z"

// FormatTime writes t as RAM does (2015-01-23T12:33:18Z); the zero time is
// written as "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(RAMTimeLayout)
}

// NewUserID returns a random 16-digit user id (first digit not 0), like
// RAM's.
func NewUserID() (string, error) { return randomDigits(16) }

// NewRoleID returns a random 19-digit role id (first digit not 0), like
// RAM's.
func NewRoleID() (string, error) { return randomDigits(19) }

func randomDigits(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = '0' + b[i]%10 // bias of 256 mod 10 is irrelevant for ids
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b), nil
}
