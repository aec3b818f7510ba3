package service

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// RAM (2015-05-01) use cases: users, access keys, policies, roles and their
// attachments. Every action is authorized as "ram:{Action}" on the ARN of
// its target in the caller's account (creates on ".../{type}/*"); list
// actions show only the items the caller may act on. The store must
// implement store.IAMStore.

// systemPolicyDate is the CreateDate shown for system policies.
func systemPolicyDate() time.Time { return time.Date(2016, 4, 28, 0, 0, 0, 0, time.UTC) }

func (s *Service) iamStore() (store.IAMStore, error) {
	is, ok := s.Store.(store.IAMStore)
	if !ok {
		return nil, errors.New("service: the store does not implement store.IAMStore")
	}
	return is, nil
}

// ramARN is the ARN of a RAM resource: acs:ram::{account}:{typ}/{name}.
func ramARN(account, typ, name string) string { return authz.ARN("ram", "", account, typ, name) }

// policyARN is the ARN of a policy; system policies belong to "system".
func policyARN(account, policyType, name string) string {
	if policyType == iam.PolicyTypeSystem {
		return ramARN("system", "policy", name)
	}
	return ramARN(account, "policy", name)
}

// ramErr maps the store's typed errors onto RAM's codes.
func ramErr(err error) error {
	if err == nil {
		return nil
	}
	var nf *store.NotFoundError
	if errors.As(err, &nf) {
		switch nf.Kind {
		case "User":
			return apierror.Newf("EntityNotExist.User", "The user does not exist: %s.", nf.ID)
		case "Policy":
			return apierror.Newf("EntityNotExist.Policy", "The policy does not exist: %s.", nf.ID)
		case "PolicyVersion":
			return apierror.Newf("EntityNotExist.Policy.Version", "The policy version does not exist: %s.", nf.ID)
		case "Role":
			return apierror.Newf("EntityNotExist.Role", "The role does not exist: %s.", nf.ID)
		case "AccessKey":
			return apierror.Newf("EntityNotExist.User.AccessKey", "The user access key does not exist: %s.", nf.ID)
		case "Attachment":
			if strings.HasPrefix(nf.ID, iam.AttachToRole+"/") {
				return apierror.Newf("EntityNotExist.Role.Policy", "The indicate policy of the role does not exist: %s.", nf.ID)
			}
			return apierror.Newf("EntityNotExist.User.Policy", "The indicate policy of the user does not exist: %s.", nf.ID)
		}
	}
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		switch dup.Rule {
		case "UserName":
			return apierror.Newf("EntityAlreadyExists.User", "The user does already EXIST: %s.", dup.ID)
		case "PolicyName":
			return apierror.Newf("EntityAlreadyExists.Policy", "The policy does already EXIST: %s.", dup.ID)
		case "RoleName":
			return apierror.Newf("EntityAlreadyExists.Role", "The role does already EXIST: %s.", dup.ID)
		case "Attachment":
			if strings.HasPrefix(dup.ID, iam.AttachToRole+"/") {
				return apierror.New("EntityAlreadyExists.Role.Policy")
			}
			return apierror.New("EntityAlreadyExists.User.Policy")
		}
	}
	var inUse *store.InUseError
	if errors.As(err, &inUse) {
		if inUse.Kind == "Role" {
			return apierror.Newf("DeleteConflict.Policy.Role", "The policy CAN NOT been attached to any role while deleting the policy: it is attached to role %s.", inUse.ID)
		}
		return apierror.Newf("DeleteConflict.Policy.User", "The policy CAN NOT been attached to any user while deleting the policy: it is attached to user %s.", inUse.ID)
	}
	var lim *store.LimitError
	if errors.As(err, &lim) {
		return apierror.Newf("LimitExceeded.Policy.Version", "The count of policy version beyond the current limits: a policy has at most %d versions; use RotateStrategy=DeleteOldestNonDefaultVersionWhenLimitExceeded.", iam.MaxPolicyVersions)
	}
	return err
}

// listVisible reports which of the item ARNs the caller may act on with
// action: a nil slice when it may act on all of listARN (".../type/*"),
// else a mask per item. It fails with the 403 of listARN when the caller
// may act on none of them.
func (s *Service) listVisible(ctx context.Context, r *Request, action, listARN string, items []string) ([]bool, error) {
	owner := r.Principal.AccountID
	all := s.authorize(ctx, r, action, listARN, owner)
	mask := make([]bool, len(items))
	some := false
	for i, a := range items {
		mask[i] = s.authorize(ctx, r, action, a, owner) == nil
		some = some || mask[i]
	}
	if all != nil && !some {
		return nil, all
	}
	return mask, nil
}

// CreateUser creates a RAM user.
func (s *Service) CreateUser(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseCreateUser(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "user", "*")
	if err := s.authorize(ctx, r, "ram:CreateUser", r.Resource, acct); err != nil {
		return nil, err
	}
	u := in.User(acct)
	if u.UserID, err = iam.NewUserID(); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	u.CreateDate, u.UpdateDate = now, now
	if err := is.CreateUser(ctx, u); err != nil {
		return nil, ramErr(err)
	}
	r.Resource = u.ARN()
	return &iam.UserAnswer{User: iam.ViewUser(u)}, nil
}

// GetUser shows a RAM user.
func (s *Service) GetUser(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseUserName(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "user", name)
	if err := s.authorize(ctx, r, "ram:GetUser", r.Resource, acct); err != nil {
		return nil, err
	}
	u, err := is.GetUser(ctx, acct, name)
	if err != nil {
		return nil, ramErr(err)
	}
	return &iam.UserAnswer{User: iam.ViewUser(u)}, nil
}

// ListUsers lists the RAM users the caller may see, by name.
func (s *Service) ListUsers(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseList(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	users, more, err := is.ListUsers(ctx, acct, in.After, in.MaxItems)
	if err != nil {
		return nil, ramErr(err)
	}
	arns := make([]string, len(users))
	for i := range users {
		arns[i] = users[i].ARN()
	}
	mask, err := s.listVisible(ctx, r, "ram:ListUsers", ramARN(acct, "user", "*"), arns)
	if err != nil {
		return nil, err
	}
	next := ""
	if more && len(users) > 0 {
		next = users[len(users)-1].UserName
	}
	shown := users[:0:0]
	for i, u := range users {
		if mask[i] {
			shown = append(shown, u)
		}
	}
	return iam.NewListUsersAnswer(shown, next), nil
}

// UpdateUser changes a RAM user's name or details.
func (s *Service) UpdateUser(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseUpdateUser(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "user", in.UserName)
	if err := s.authorize(ctx, r, "ram:UpdateUser", r.Resource, acct); err != nil {
		return nil, err
	}
	u, err := is.GetUser(ctx, acct, in.UserName)
	if err != nil {
		return nil, ramErr(err)
	}
	if in.Apply(&u) {
		u.UpdateDate = s.now().UTC().Truncate(time.Second)
		if err := is.UpdateUser(ctx, acct, in.UserName, u); err != nil {
			return nil, ramErr(err)
		}
	}
	return &iam.UserAnswer{User: iam.ViewUser(u)}, nil
}

// DeleteUser deletes a RAM user that has no access keys and no policies.
func (s *Service) DeleteUser(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseUserName(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "user", name)
	if err := s.authorize(ctx, r, "ram:DeleteUser", r.Resource, acct); err != nil {
		return nil, err
	}
	if _, err := is.GetUser(ctx, acct, name); err != nil {
		return nil, ramErr(err)
	}
	keys, err := s.Store.ListAccessKeys(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		return nil, apierror.Newf("DeleteConflict.User.AccessKey", "The user CAN NOT has any access key while deleting the user: delete access key %s of %s first.", keys[0].AccessKeyID, name)
	}
	atts, err := is.ListAttachments(ctx, acct, iam.AttachToUser, name)
	if err != nil {
		return nil, err
	}
	if len(atts) > 0 {
		return nil, apierror.Newf("DeleteConflict.User.Policy", "The user CAN NOT has any attached policy while deleting the user: detach policy %s from %s first.", atts[0].PolicyName, name)
	}
	return nil, ramErr(is.DeleteUser(ctx, acct, name))
}

// keyOwner resolves the identity whose access keys an access-key action
// manages: the named RAM user, or without UserName the caller itself (a RAM
// user's own keys, or the root identity's). It authorizes action on it.
func (s *Service) keyOwner(ctx context.Context, r *Request, action, userName string) (string, error) {
	p := r.Principal
	acct := p.AccountID
	if userName == "" {
		switch p.Kind {
		case iam.PrincipalUser:
			userName = p.UserName
		case iam.PrincipalSession:
			// Missing* codes are not table rows (apierror.Newf would panic).
			e := apierror.Missing("UserName")
			e.Message = "UserName is mandatory for this action when called with STS credentials."
			return "", e
		}
	}
	r.Resource = ramARN(acct, "user", userName)
	if userName == "" {
		r.Resource = "acs:ram::" + acct + ":root"
	}
	if err := s.authorize(ctx, r, action, r.Resource, acct); err != nil {
		return "", err
	}
	if userName != "" {
		is, err := s.iamStore()
		if err != nil {
			return "", err
		}
		if _, err := is.GetUser(ctx, acct, userName); err != nil {
			return "", ramErr(err)
		}
	}
	return userName, nil
}

// CreateAccessKey creates an access key for a RAM user (or the caller).
func (s *Service) CreateAccessKey(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseOptionalUserName(r.Params)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, r, "ram:CreateAccessKey", name)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	keys, err := s.Store.ListAccessKeys(ctx, acct, owner)
	if err != nil {
		return nil, err
	}
	if len(keys) >= iam.MaxAccessKeysPerUser {
		return nil, apierror.Newf("LimitExceeded.User.AccessKey", "The access key count of the user access keys beyond the current limits: an identity has at most %d access keys.", iam.MaxAccessKeysPerUser)
	}
	k, err := NewAccessKey(acct, owner, "", "", s.now())
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateAccessKey(ctx, k); err != nil {
		return nil, err
	}
	return iam.NewCreateAccessKeyAnswer(k), nil
}

// ListAccessKeys lists the access keys of a RAM user (or the caller),
// without secrets.
func (s *Service) ListAccessKeys(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseOptionalUserName(r.Params)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, r, "ram:ListAccessKeys", name)
	if err != nil {
		return nil, err
	}
	keys, err := s.Store.ListAccessKeys(ctx, r.Principal.AccountID, owner)
	if err != nil {
		return nil, err
	}
	return iam.NewListAccessKeysAnswer(keys), nil
}

// ownedKey returns the key if it belongs to owner in the caller's account.
func (s *Service) ownedKey(ctx context.Context, r *Request, owner, id string) (iam.AccessKey, error) {
	k, err := s.Store.GetAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (k.AccountID != r.Principal.AccountID || k.UserName != owner) {
		return iam.AccessKey{}, apierror.Newf("EntityNotExist.User.AccessKey", "The user access key does not exist: %s.", id)
	}
	return k, err
}

// UpdateAccessKey activates or deactivates an access key; the change
// applies to the next request signed with it.
func (s *Service) UpdateAccessKey(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseUpdateAccessKey(r.Params)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, r, "ram:UpdateAccessKey", in.UserName)
	if err != nil {
		return nil, err
	}
	if _, err := s.ownedKey(ctx, r, owner, in.AccessKeyID); err != nil {
		return nil, err
	}
	return nil, ramErr(s.Store.SetAccessKeyStatus(ctx, in.AccessKeyID, in.Status))
}

// DeleteAccessKey deletes an access key; it stops working at once.
func (s *Service) DeleteAccessKey(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseDeleteAccessKey(r.Params)
	if err != nil {
		return nil, err
	}
	owner, err := s.keyOwner(ctx, r, "ram:DeleteAccessKey", in.UserName)
	if err != nil {
		return nil, err
	}
	if _, err := s.ownedKey(ctx, r, owner, in.AccessKeyID); err != nil {
		return nil, err
	}
	return nil, ramErr(s.Store.DeleteAccessKey(ctx, in.AccessKeyID))
}

// systemPolicy returns a system policy as a RAM policy.
func systemPolicy(name string) (iam.Policy, bool) {
	sp, ok := authz.SystemPolicies()[name]
	if !ok {
		return iam.Policy{}, false
	}
	return iam.Policy{PolicyName: sp.Name, PolicyType: iam.PolicyTypeSystem, Description: sp.Description,
		DefaultVersion: "v1", Document: sp.Document, CreateDate: systemPolicyDate(), UpdateDate: systemPolicyDate()}, true
}

// CreatePolicy creates a custom policy.
func (s *Service) CreatePolicy(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseCreatePolicy(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "policy", "*")
	if err := s.authorize(ctx, r, "ram:CreatePolicy", r.Resource, acct); err != nil {
		return nil, err
	}
	if _, ok := systemPolicy(in.PolicyName); ok {
		return nil, apierror.Newf("EntityAlreadyExists.Policy", "The policy does already EXIST: %s is a system policy.", in.PolicyName)
	}
	now := s.now().UTC().Truncate(time.Second)
	p := iam.Policy{AccountID: acct, PolicyName: in.PolicyName, PolicyType: iam.PolicyTypeCustom, Description: in.Description,
		DefaultVersion: "v1", Document: in.Document, CreateDate: now, UpdateDate: now}
	if err := is.CreatePolicy(ctx, p); err != nil {
		return nil, ramErr(err)
	}
	r.Resource = ramARN(acct, "policy", p.PolicyName)
	return &iam.CreatePolicyAnswer{Policy: iam.ViewPolicy(p)}, nil
}

// GetPolicy shows a policy with its default version.
func (s *Service) GetPolicy(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParsePolicyRef(r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = policyARN(acct, in.PolicyType, in.PolicyName)
	if err := s.authorize(ctx, r, "ram:GetPolicy", r.Resource, acct); err != nil {
		return nil, err
	}
	if in.PolicyType == iam.PolicyTypeSystem {
		p, ok := systemPolicy(in.PolicyName)
		if !ok {
			return nil, apierror.Newf("EntityNotExist.Policy", "The policy does not exist: %s is not a system policy.", in.PolicyName)
		}
		return iam.NewGetPolicyAnswer(p, iam.PolicyVersion{VersionID: "v1", Document: p.Document, IsDefaultVersion: true, CreateDate: p.CreateDate}), nil
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	p, err := is.GetPolicy(ctx, acct, in.PolicyName)
	if err != nil {
		return nil, ramErr(err)
	}
	versions, err := is.ListPolicyVersions(ctx, acct, in.PolicyName)
	if err != nil {
		return nil, ramErr(err)
	}
	def := iam.PolicyVersion{VersionID: p.DefaultVersion, Document: p.Document, IsDefaultVersion: true}
	for _, v := range versions {
		if v.IsDefaultVersion {
			def = v
		}
	}
	return iam.NewGetPolicyAnswer(p, def), nil
}

// ListPolicies lists system policies (by name), then the account's custom
// policies (by name), that the caller may see. The Marker is "S:name" or
// "C:name", encoded.
func (s *Service) ListPolicies(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseListPolicies(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	kind, after, _ := strings.Cut(in.After, ":")
	if in.After != "" && kind != "S" && kind != "C" {
		return nil, apierror.Newf("InvalidParameter.Marker", "The parameter - \"Marker\" is incorrect; pass the Marker of the previous page unchanged.")
	}
	var page []iam.Policy
	next := ""
	if in.PolicyType != iam.PolicyTypeCustom && kind != "C" {
		var names []string
		for name := range authz.SystemPolicies() {
			if name > after {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			if len(page) == in.MaxItems {
				next = "S:" + page[len(page)-1].PolicyName
				break
			}
			p, _ := systemPolicy(name)
			page = append(page, p)
		}
		after = ""
	}
	if next == "" && in.PolicyType != iam.PolicyTypeSystem {
		if room := in.MaxItems - len(page); room > 0 {
			custom, more, err := is.ListPolicies(ctx, acct, after, room)
			if err != nil {
				return nil, ramErr(err)
			}
			page = append(page, custom...)
			if more {
				next = "C:" + custom[len(custom)-1].PolicyName
			}
		} else if custom, _, err := is.ListPolicies(ctx, acct, "", 1); err != nil {
			return nil, ramErr(err)
		} else if len(custom) > 0 {
			// The page is full of system policies; custom ones follow.
			next = "C:"
		}
	}
	arns := make([]string, len(page))
	for i, p := range page {
		arns[i] = policyARN(acct, p.PolicyType, p.PolicyName)
	}
	mask, err := s.listVisible(ctx, r, "ram:ListPolicies", ramARN(acct, "policy", "*"), arns)
	if err != nil {
		return nil, err
	}
	shown := page[:0:0]
	for i, p := range page {
		if mask[i] {
			shown = append(shown, p)
		}
	}
	return iam.NewListPoliciesAnswer(shown, next), nil
}

// DeletePolicy deletes a custom policy that is attached to nobody.
func (s *Service) DeletePolicy(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseDeletePolicy(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "policy", name)
	if err := s.authorize(ctx, r, "ram:DeletePolicy", r.Resource, acct); err != nil {
		return nil, err
	}
	return nil, ramErr(is.DeletePolicy(ctx, acct, name))
}

// CreatePolicyVersion adds a version to a custom policy; with SetAsDefault it
// takes effect on the next request of every identity it is attached to.
func (s *Service) CreatePolicyVersion(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseCreatePolicyVersion(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "policy", in.PolicyName)
	if err := s.authorize(ctx, r, "ram:CreatePolicyVersion", r.Resource, acct); err != nil {
		return nil, err
	}
	v, err := is.CreatePolicyVersion(ctx, acct, in.PolicyName, in.Document, in.SetAsDefault, in.RotateStrategy == iam.RotateDeleteOldest)
	if err != nil {
		return nil, ramErr(err)
	}
	return &iam.CreatePolicyVersionAnswer{PolicyVersion: iam.ViewPolicyVersion(v)}, nil
}

// attach attaches or detaches a policy; the caller must be allowed the
// action on both the identity and the policy.
func (s *Service) attach(ctx context.Context, r *Request, action string, in iam.AttachInput, detach bool) error {
	is, err := s.iamStore()
	if err != nil {
		return err
	}
	acct := r.Principal.AccountID
	target := ramARN(acct, "user", in.PrincipalName)
	if in.PrincipalType == iam.AttachToRole {
		target = iam.RoleARN(acct, in.PrincipalName)
	}
	r.Resource = target
	for _, res := range []string{target, policyARN(acct, in.PolicyType, in.PolicyName)} {
		if err := s.authorize(ctx, r, action, res, acct); err != nil {
			return err
		}
	}
	a := iam.Attachment{AccountID: acct, PrincipalType: in.PrincipalType, PrincipalName: in.PrincipalName,
		PolicyType: in.PolicyType, PolicyName: in.PolicyName, AttachDate: s.now().UTC().Truncate(time.Second)}
	if detach {
		return ramErr(is.DetachPolicy(ctx, a))
	}
	if in.PolicyType == iam.PolicyTypeSystem {
		if _, ok := systemPolicy(in.PolicyName); !ok {
			return apierror.Newf("EntityNotExist.Policy", "The policy does not exist: %s is not a system policy.", in.PolicyName)
		}
	}
	atts, err := is.ListAttachments(ctx, acct, in.PrincipalType, in.PrincipalName)
	if err != nil {
		return err
	}
	n, max := 0, iam.MaxCustomPoliciesPerID
	if in.PolicyType == iam.PolicyTypeSystem {
		max = iam.MaxSystemPoliciesPerID
	}
	for _, x := range atts {
		if x.PolicyType == in.PolicyType {
			n++
		}
	}
	if n >= max {
		code := "LimitExceeded.User.Policy"
		if in.PrincipalType == iam.AttachToRole {
			code = "LimitExceeded.Role.Policy"
		}
		return apierror.Newf(code, "The policy count of %s beyond the current limits: at most %d %s policies.", in.PrincipalName, max, strings.ToLower(in.PolicyType))
	}
	return ramErr(is.AttachPolicy(ctx, a))
}

// AttachPolicyToUser attaches a policy to a RAM user.
func (s *Service) AttachPolicyToUser(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseAttachUser(r.Params)
	if err != nil {
		return nil, err
	}
	return nil, s.attach(ctx, r, "ram:AttachPolicyToUser", in, false)
}

// DetachPolicyFromUser detaches a policy from a RAM user.
func (s *Service) DetachPolicyFromUser(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseAttachUser(r.Params)
	if err != nil {
		return nil, err
	}
	return nil, s.attach(ctx, r, "ram:DetachPolicyFromUser", in, true)
}

// AttachPolicyToRole attaches a policy to a role.
func (s *Service) AttachPolicyToRole(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseAttachRole(r.Params)
	if err != nil {
		return nil, err
	}
	return nil, s.attach(ctx, r, "ram:AttachPolicyToRole", in, false)
}

// DetachPolicyFromRole detaches a policy from a role.
func (s *Service) DetachPolicyFromRole(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseAttachRole(r.Params)
	if err != nil {
		return nil, err
	}
	return nil, s.attach(ctx, r, "ram:DetachPolicyFromRole", in, true)
}

// ListPoliciesForUser lists the policies attached to a RAM user.
func (s *Service) ListPoliciesForUser(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseUserName(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "user", name)
	if err := s.authorize(ctx, r, "ram:ListPoliciesForUser", r.Resource, acct); err != nil {
		return nil, err
	}
	if _, err := is.GetUser(ctx, acct, name); err != nil {
		return nil, ramErr(err)
	}
	atts, err := is.ListAttachments(ctx, acct, iam.AttachToUser, name)
	if err != nil {
		return nil, err
	}
	out := make([]iam.AttachedPolicy, 0, len(atts))
	for _, a := range atts {
		var p iam.Policy
		if a.PolicyType == iam.PolicyTypeSystem {
			var ok bool
			if p, ok = systemPolicy(a.PolicyName); !ok {
				continue
			}
		} else if p, err = is.GetPolicy(ctx, acct, a.PolicyName); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			return nil, err
		}
		out = append(out, iam.AttachedPolicy{Policy: p, AttachDate: a.AttachDate})
	}
	return iam.NewListPoliciesForUserAnswer(out), nil
}

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseCreateRole(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = ramARN(acct, "role", "*")
	if err := s.authorize(ctx, r, "ram:CreateRole", r.Resource, acct); err != nil {
		return nil, err
	}
	role := in.Role(acct)
	if role.RoleID, err = iam.NewRoleID(); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	role.CreateDate, role.UpdateDate = now, now
	if err := is.CreateRole(ctx, role); err != nil {
		return nil, ramErr(err)
	}
	r.Resource = role.ARN()
	return &iam.RoleAnswer{Role: iam.ViewRole(role)}, nil
}

// GetRole shows a role.
func (s *Service) GetRole(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseRoleName(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = iam.RoleARN(acct, name)
	if err := s.authorize(ctx, r, "ram:GetRole", r.Resource, acct); err != nil {
		return nil, err
	}
	role, err := is.GetRole(ctx, acct, name)
	if err != nil {
		return nil, ramErr(err)
	}
	return &iam.RoleAnswer{Role: iam.ViewRole(role)}, nil
}

// DeleteRole deletes a role without attached policies; its sessions stop
// working at once.
func (s *Service) DeleteRole(ctx context.Context, r *Request) (any, error) {
	name, err := iam.ParseRoleName(r.Params)
	if err != nil {
		return nil, err
	}
	is, err := s.iamStore()
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	r.Resource = iam.RoleARN(acct, name)
	if err := s.authorize(ctx, r, "ram:DeleteRole", r.Resource, acct); err != nil {
		return nil, err
	}
	if _, err := is.GetRole(ctx, acct, name); err != nil {
		return nil, ramErr(err)
	}
	atts, err := is.ListAttachments(ctx, acct, iam.AttachToRole, name)
	if err != nil {
		return nil, err
	}
	if len(atts) > 0 {
		return nil, apierror.Newf("DeleteConflict.Role.Policy", "The role CAN NOT has any attached policy while deleting the role: detach policy %s first.", atts[0].PolicyName)
	}
	return nil, ramErr(is.DeleteRole(ctx, acct, name))
}
