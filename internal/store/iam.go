package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// ErrLimit: a per-record limit would be exceeded.
var ErrLimit = errors.New("store: limit exceeded")

// LimitError says which limit was hit.
type LimitError struct {
	Rule Rule   // RulePolicyVersions, RuleCustomPoliciesPerIdentity, ...
	ID   string // the record whose limit it is
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("store: limit %s reached for %s", e.Rule, e.ID)
}
func (e *LimitError) Unwrap() error { return ErrLimit }

// IAMStore holds RAM users, custom policies with their versions, roles and
// the policies attached to users and roles. Every method is safe for
// concurrent use; every write is one transaction.
//
// Kinds and rules of the typed errors (kinds.go): NotFoundError KindAccount,
// KindUser, KindPolicy, KindPolicyVersion, KindRole, KindAttachment (ID the
// name, for an attachment "PrincipalType/PrincipalName/PolicyType/PolicyName");
// DuplicateError RuleUserName, RulePolicyName, RuleRoleName, RuleAttachment;
// InUseError KindUser or KindRole (DeletePolicy: ID the name of one
// identity the policy is attached to), KindAccessKey or KindPolicy
// (DeleteUser, DeleteRole: ID one key id or attached policy name);
// LimitError RulePolicyVersions, RuleCustomPoliciesPerIdentity or
// RuleSystemPoliciesPerIdentity (ID "PrincipalType/PrincipalName").
//
// Rules that span rows (a user without keys, a limit of attachments) are
// enforced inside the write's transaction, so concurrent writes cannot
// break them.
//
// System policies are not stored: they are the same everywhere
// (authz.SystemPolicies). Attachments of system policies are stored like
// those of custom ones, with PolicyType "System"; the store does not check
// that a system policy of that name exists.
type IAMStore interface {
	// CreateUser stores u (UserID set by the caller; a zero CreateDate or
	// UpdateDate is set to now). NotFound Account; Duplicate UserName.
	CreateUser(ctx context.Context, u iam.User) error
	// GetUser returns the user; NotFound User.
	GetUser(ctx context.Context, accountID, userName string) (iam.User, error)
	// ListUsers returns up to limit users of the account whose names sort
	// after `after` ("" from the start), ordered by name (byte order), and
	// whether more follow.
	ListUsers(ctx context.Context, accountID, after string, limit int) ([]iam.User, bool, error)
	// UpdateUser replaces the user named userName with u (u.UserName is the
	// new name: a rename carries the user's access keys and attachments
	// along). UpdateDate is set to now when zero. NotFound User; Duplicate
	// UserName when renaming onto a taken name.
	UpdateUser(ctx context.Context, accountID, userName string, u iam.User) error
	// DeleteUser deletes a user that has no access keys and no attached
	// policies. NotFound User; InUse AccessKey or Policy.
	DeleteUser(ctx context.Context, accountID, userName string) error

	// CreatePolicy stores a custom policy with its first version "v1"
	// (p.Document), which is the default. NotFound Account; Duplicate
	// PolicyName.
	CreatePolicy(ctx context.Context, p iam.Policy) error
	// GetPolicy returns a custom policy with Document (the default version's)
	// and AttachmentCount filled. NotFound Policy.
	GetPolicy(ctx context.Context, accountID, policyName string) (iam.Policy, error)
	// ListPolicies returns up to limit custom policies whose names sort after
	// `after`, ordered by name, with AttachmentCount and Document, and
	// whether more follow.
	ListPolicies(ctx context.Context, accountID, after string, limit int) ([]iam.Policy, bool, error)
	// DeletePolicy deletes a custom policy with all its versions. InUse
	// while it is attached to a user or role; NotFound Policy.
	DeletePolicy(ctx context.Context, accountID, policyName string) error
	// ListPolicyVersions returns the versions in creation order; NotFound
	// Policy.
	ListPolicyVersions(ctx context.Context, accountID, policyName string) ([]iam.PolicyVersion, error)
	// CreatePolicyVersion adds version "v{n+1}" (n: the highest number the
	// policy ever had) with document; setDefault makes it the default. When
	// the policy already has iam.MaxPolicyVersions versions, rotate deletes
	// the oldest non-default version first; without rotate it fails with
	// LimitError PolicyVersions. NotFound Policy.
	CreatePolicyVersion(ctx context.Context, accountID, policyName, document string, setDefault, rotate bool) (iam.PolicyVersion, error)

	// CreateRole stores r; role names are unique ignoring case. NotFound
	// Account; Duplicate RoleName.
	CreateRole(ctx context.Context, r iam.Role) error
	// GetRole returns the role, matching the name ignoring case; NotFound
	// Role.
	GetRole(ctx context.Context, accountID, roleName string) (iam.Role, error)
	// DeleteRole deletes a role (name matched ignoring case) that has no
	// attached policies. NotFound Role; InUse Policy.
	DeleteRole(ctx context.Context, accountID, roleName string) error

	// AttachPolicy attaches a policy to a user or role (a.PrincipalName
	// matched like GetUser / GetRole; a role's attachments are kept under
	// its lower-case name, which ListAttachments reports). A zero
	// AttachDate is set to now. NotFound User/Role, or Policy for a missing custom policy;
	// Duplicate Attachment when already attached; LimitError
	// CustomPoliciesPerIdentity (iam.MaxCustomPoliciesPerID) or
	// SystemPoliciesPerIdentity (iam.MaxSystemPoliciesPerID).
	AttachPolicy(ctx context.Context, a iam.Attachment) error
	// DetachPolicy removes an attachment; NotFound Attachment.
	DetachPolicy(ctx context.Context, a iam.Attachment) error
	// ListAttachments returns the policies attached to one user or role in
	// attachment order, with Document set to the default version's document
	// for custom policies (empty for system ones). An identity that does
	// not exist has none.
	ListAttachments(ctx context.Context, accountID, principalType, principalName string) ([]iam.Attachment, error)
}
