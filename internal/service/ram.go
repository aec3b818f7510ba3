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
// actions show only the items the caller may act on.

// systemPolicyDate is the CreateDate shown for system policies.
func systemPolicyDate() time.Time { return time.Date(2016, 4, 28, 0, 0, 0, 0, time.UTC) }

// ramARN is the ARN of a RAM resource: acs:ram::{account}:{typ}/{name}.
func ramARN(account, typ, name string) string { return authz.ARN("ram", "", account, typ, name) }

// policyARN is the ARN of a policy; system policies belong to "system".
func policyARN(account, policyType, name string) string {
	if policyType == iam.PolicyTypeSystem {
		return ramARN("system", "policy", name)
	}
	return ramARN(account, "policy", name)
}

// ramErr maps the store's typed errors of the RAM use cases onto RAM's
// codes, through the one table (storeerr.go).
func ramErr(err error) error { return ramErrOf(err, anyOp, about{}) }

// ramErrOf is ramErr for use case o (its own rows first).
func ramErrOf(err error, o op, a about) error {
	if err == nil {
		return nil
	}
	if e := tableErr(err, o, a); e != nil {
		return e
	}
	return err
}

// ramOpen is the opening the RAM use cases on one resource share: parse
// the request, name the resource the request's RAM action is decided on
// (resource: its ARN in the caller's account, which r.Resource records) and
// authorize the action on it. It returns what parse read and the caller's
// account; each use case then says only what it does with them.
func ramOpen[T any](ctx context.Context, s *Service, r *Request, parse func(iam.Params) (T, error), resource func(acct string, in T) string) (T, string, error) {
	var zero T
	in, err := parse(r.Params)
	if err != nil {
		return zero, "", err
	}
	acct := r.Principal.AccountID
	r.Resource = resource(acct, in)
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, acct); err != nil {
		return zero, "", err
	}
	return in, acct, nil
}

// Resources of ramOpen.
func userARN(acct, name string) string     { return ramARN(acct, "user", name) }
func policyARNOf(acct, name string) string { return ramARN(acct, "policy", name) }

// anyNew is the resource of a create: every {typ} of the account
// (".../user/*").
func anyNew[T any](typ string) func(string, T) string {
	return func(acct string, _ T) string { return ramARN(acct, typ, "*") }
}

// fillPage builds one page of a RAM list (Marker/MaxItems paging) out of
// the items the caller may see: it reads batches from src (the items after
// a marker, in order, each with the marker that resumes after it, and the
// marker of the next batch or "" at the end), keeps the items visible
// reports, and stops when max are kept. It returns them and the marker of
// the next page ("" when none): a page holds max items unless it is the
// last, however many items the caller may not see lie in between.
func fillPage[T any](ctx context.Context, after string, max int, src func(after string, n int) ([]T, []string, string, error), visible func(*T) (bool, error)) ([]T, string, error) {
	var shown []T
	for {
		batch, markers, next, err := src(after, max)
		if err != nil {
			return nil, "", err
		}
		for i := range batch {
			ok, err := visible(&batch[i])
			if err != nil {
				return nil, "", err
			}
			if !ok {
				continue
			}
			shown = append(shown, batch[i])
			if len(shown) == max {
				if i < len(batch)-1 || next != "" {
					return shown, markers[i], nil
				}
				return shown, "", nil
			}
		}
		if next == "" {
			return shown, "", nil
		}
		after = next
	}
}

// CreateUser creates a RAM user.
func (s *Service) CreateUser(ctx context.Context, r *Request) (any, error) {
	in, acct, err := ramOpen(ctx, s, r, iam.ParseCreateUser, anyNew[iam.CreateUserInput]("user"))
	if err != nil {
		return nil, err
	}
	u := in.User(acct)
	if u.UserID, err = iam.NewUserID(); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	u.CreateDate, u.UpdateDate = now, now
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, ramErr(err)
	}
	r.Resource = u.ARN()
	return &iam.UserAnswer{User: iam.ViewUser(u)}, nil
}

// GetUser shows a RAM user.
func (s *Service) GetUser(ctx context.Context, r *Request) (any, error) {
	name, acct, err := ramOpen(ctx, s, r, iam.ParseUserName, userARN)
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, acct, name)
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
	is := s.store
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, ramListPrefix(acct, "user"))
	if err != nil {
		return nil, err
	}
	shown, next, err := fillPage(ctx, in.After, in.MaxItems, func(after string, n int) ([]iam.User, []string, string, error) {
		users, more, err := is.ListUsers(ctx, acct, after, n)
		if err != nil {
			return nil, nil, "", ramErr(err)
		}
		markers := make([]string, len(users))
		for i := range users {
			markers[i] = users[i].UserName
		}
		next := ""
		if more && len(users) > 0 {
			next = users[len(users)-1].UserName
		}
		return users, markers, next, nil
	}, func(u *iam.User) (bool, error) { return la.allows(ctx, u.ARN()) })
	if err != nil {
		return nil, err
	}
	if len(shown) == 0 && in.After == "" {
		if err := la.refuseEmpty(ctx); err != nil {
			return nil, err
		}
	}
	return iam.NewListUsersAnswer(shown, next), nil
}

// ramListPrefix is the ARN prefix of the RAM resources of type typ of
// account (".../user/").
func ramListPrefix(account, typ string) string {
	a := ramARN(account, typ, "*")
	return a[:len(a)-1]
}

// UpdateUser changes a RAM user's name or details.
func (s *Service) UpdateUser(ctx context.Context, r *Request) (any, error) {
	in, acct, err := ramOpen(ctx, s, r, iam.ParseUpdateUser, func(acct string, in iam.UpdateUserInput) string { return userARN(acct, in.UserName) })
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, acct, in.UserName)
	if err != nil {
		return nil, ramErr(err)
	}
	if in.Apply(&u) {
		u.UpdateDate = s.now().UTC().Truncate(time.Second)
		if err := s.store.UpdateUser(ctx, acct, in.UserName, u); err != nil {
			return nil, ramErr(err)
		}
	}
	return &iam.UserAnswer{User: iam.ViewUser(u)}, nil
}

// DeleteUser deletes a RAM user that has no access keys and no policies.
func (s *Service) DeleteUser(ctx context.Context, r *Request) (any, error) {
	name, acct, err := ramOpen(ctx, s, r, iam.ParseUserName, userARN)
	if err != nil {
		return nil, err
	}
	// The store refuses a user with keys or policies in the delete's
	// transaction: a key created or a policy attached concurrently is
	// never deleted with the user.
	return nil, ramErrOf(s.store.DeleteUser(ctx, acct, name), opDeleteUser, about{Target: name})
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
			// Missing{Name} with a message of its own.
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
		is := s.store
		if _, err := is.GetUser(ctx, acct, userName); err != nil {
			return "", ramErr(err)
		}
	}
	return userName, nil
}

// keyOpen is the opening of the access-key use cases on an identity's
// keys: the optional UserName, then its owner (keyOwner, which authorizes).
func (s *Service) keyOpen(ctx context.Context, r *Request) (string, error) {
	name, err := iam.ParseOptionalUserName(r.Params)
	if err != nil {
		return "", err
	}
	return s.keyOwner(ctx, r, r.Meta.RAM, name)
}

// ownedKeyOpen is the opening of the access-key use cases on one key:
// parse (UserAccessKeyId, optional UserName), the owner (keyOwner, which
// authorizes), and the key must be the owner's.
func (s *Service) ownedKeyOpen(ctx context.Context, r *Request, parse func(iam.Params) (iam.AccessKeyInput, error)) (iam.AccessKeyInput, error) {
	in, err := parse(r.Params)
	if err != nil {
		return in, err
	}
	owner, err := s.keyOwner(ctx, r, r.Meta.RAM, in.UserName)
	if err != nil {
		return in, err
	}
	_, err = s.ownedKey(ctx, r, owner, in.AccessKeyID)
	return in, err
}

// CreateAccessKey creates an access key for a RAM user (or the caller).
func (s *Service) CreateAccessKey(ctx context.Context, r *Request) (any, error) {
	owner, err := s.keyOpen(ctx, r)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	keys, err := s.store.ListAccessKeys(ctx, acct, owner)
	if err != nil {
		return nil, err
	}
	if len(keys) >= iam.MaxAccessKeysPerUser {
		return nil, ramErr(&store.QuotaError{Kind: store.KindIdentityAccessKey, Limit: iam.MaxAccessKeysPerUser, ID: owner})
	}
	k, err := NewAccessKey(acct, owner, "", "", s.now())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return nil, ramErr(err)
	}
	return iam.NewCreateAccessKeyAnswer(k), nil
}

// ListAccessKeys lists the access keys of a RAM user (or the caller),
// without secrets.
func (s *Service) ListAccessKeys(ctx context.Context, r *Request) (any, error) {
	owner, err := s.keyOpen(ctx, r)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListAccessKeys(ctx, r.Principal.AccountID, owner)
	if err != nil {
		return nil, err
	}
	return iam.NewListAccessKeysAnswer(keys), nil
}

// ownedKey returns the key if it belongs to owner in the caller's account.
func (s *Service) ownedKey(ctx context.Context, r *Request, owner, id string) (iam.AccessKey, error) {
	k, err := s.store.GetAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (k.AccountID != r.Principal.AccountID || k.UserName != owner) {
		return iam.AccessKey{}, ramErr(&store.NotFoundError{Kind: store.KindAccessKey, ID: id})
	}
	return k, err
}

// UpdateAccessKey activates or deactivates an access key; the change
// applies to the next request signed with it.
func (s *Service) UpdateAccessKey(ctx context.Context, r *Request) (any, error) {
	in, err := s.ownedKeyOpen(ctx, r, iam.ParseUpdateAccessKey)
	if err != nil {
		return nil, err
	}
	return nil, ramErr(s.store.SetAccessKeyStatus(ctx, in.AccessKeyID, in.Status))
}

// DeleteAccessKey deletes an access key; it stops working at once.
func (s *Service) DeleteAccessKey(ctx context.Context, r *Request) (any, error) {
	in, err := s.ownedKeyOpen(ctx, r, iam.ParseDeleteAccessKey)
	if err != nil {
		return nil, err
	}
	return nil, ramErr(s.store.DeleteAccessKey(ctx, in.AccessKeyID))
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
	in, acct, err := ramOpen(ctx, s, r, iam.ParseCreatePolicy, anyNew[iam.CreatePolicyInput]("policy"))
	if err != nil {
		return nil, err
	}
	if _, ok := systemPolicy(in.PolicyName); ok {
		return nil, apierror.Newf("EntityAlreadyExists.Policy", "The policy does already EXIST: %s is a system policy.", in.PolicyName)
	}
	now := s.now().UTC().Truncate(time.Second)
	p := iam.Policy{AccountID: acct, PolicyName: in.PolicyName, PolicyType: iam.PolicyTypeCustom, Description: in.Description,
		DefaultVersion: "v1", Document: in.Document, CreateDate: now, UpdateDate: now}
	if err := s.store.CreatePolicy(ctx, p); err != nil {
		return nil, ramErr(err)
	}
	r.Resource = policyARNOf(acct, p.PolicyName)
	return &iam.CreatePolicyAnswer{Policy: iam.ViewPolicy(p)}, nil
}

// GetPolicy shows a policy with its default version.
func (s *Service) GetPolicy(ctx context.Context, r *Request) (any, error) {
	in, acct, err := ramOpen(ctx, s, r, iam.ParsePolicyRef, func(acct string, in iam.PolicyRef) string { return policyARN(acct, in.PolicyType, in.PolicyName) })
	if err != nil {
		return nil, err
	}
	if in.PolicyType == iam.PolicyTypeSystem {
		p, ok := systemPolicy(in.PolicyName)
		if !ok {
			return nil, apierror.Newf("EntityNotExist.Policy", "The policy does not exist: %s is not a system policy.", in.PolicyName)
		}
		return iam.NewGetPolicyAnswer(p, iam.PolicyVersion{VersionID: "v1", Document: p.Document, IsDefaultVersion: true, CreateDate: p.CreateDate}), nil
	}
	p, err := s.store.GetPolicy(ctx, acct, in.PolicyName)
	if err != nil {
		return nil, ramErr(err)
	}
	versions, err := s.store.ListPolicyVersions(ctx, acct, in.PolicyName)
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
	is := s.store
	acct := r.Principal.AccountID
	if kind, _, _ := strings.Cut(in.After, ":"); in.After != "" && kind != "S" && kind != "C" {
		return nil, apierror.Newf("InvalidParameter.Marker", "The parameter - \"Marker\" is incorrect; pass the Marker of the previous page unchanged.")
	}
	// System policies belong to "system", custom ones to the account: two
	// lists, refused only when the caller may see neither.
	sys, errSys := s.listAccess(ctx, r, r.Meta.RAM, ramListPrefix("system", "policy"))
	custom, errCustom := s.listAccess(ctx, r, r.Meta.RAM, ramListPrefix(acct, "policy"))
	switch {
	case errSys != nil && errCustom != nil:
		if _, denied := apierror.As(errSys); !denied {
			return nil, errSys
		}
		return nil, errCustom
	case errSys != nil:
		if _, denied := apierror.As(errSys); !denied {
			return nil, errSys
		}
	case errCustom != nil:
		if _, denied := apierror.As(errCustom); !denied {
			return nil, errCustom
		}
	}
	shown, next, err := fillPage(ctx, in.After, in.MaxItems, func(after string, n int) ([]iam.Policy, []string, string, error) {
		return s.policyBatch(ctx, is, acct, in.PolicyType, after, n)
	}, func(p *iam.Policy) (bool, error) {
		la := custom
		if p.PolicyType == iam.PolicyTypeSystem {
			la = sys
		}
		if la == nil {
			return false, nil
		}
		return la.allows(ctx, policyARN(acct, p.PolicyType, p.PolicyName))
	})
	if err != nil {
		return nil, err
	}
	if len(shown) == 0 && in.After == "" {
		// Nothing to see: refused unless the caller may list one of the
		// two kinds.
		errSys, errCustom = refuseEmpty(ctx, sys, errSys), refuseEmpty(ctx, custom, errCustom)
		if errSys != nil && errCustom != nil {
			return nil, errCustom
		}
	}
	return iam.NewListPoliciesAnswer(shown, next), nil
}

// refuseEmpty is la.refuseEmpty, or err when la could not be had.
func refuseEmpty(ctx context.Context, la *listAccess, err error) error {
	if la == nil {
		return err
	}
	return la.refuseEmpty(ctx)
}

// policyBatch returns up to n policies after the marker after ("" = from
// the start, "S:name" = after that system policy, "C:name" = after that
// custom policy): system policies by name, then the account's custom ones
// by name, of policyType ("" = both), each with the marker that resumes
// after it, and the marker of the next batch ("" when none follows).
func (s *Service) policyBatch(ctx context.Context, is store.IAMStore, acct, policyType, after string, n int) ([]iam.Policy, []string, string, error) {
	kind, name, _ := strings.Cut(after, ":")
	var page []iam.Policy
	var markers []string
	next := ""
	if policyType != iam.PolicyTypeCustom && kind != "C" {
		var names []string
		for sn := range authz.SystemPolicies() {
			if sn > name {
				names = append(names, sn)
			}
		}
		sort.Strings(names)
		for _, sn := range names {
			if len(page) == n {
				next = markers[len(markers)-1]
				break
			}
			p, _ := systemPolicy(sn)
			page = append(page, p)
			markers = append(markers, "S:"+sn)
		}
		name = ""
	}
	if next == "" && policyType != iam.PolicyTypeSystem {
		if room := n - len(page); room > 0 {
			custom, more, err := is.ListPolicies(ctx, acct, name, room)
			if err != nil {
				return nil, nil, "", ramErr(err)
			}
			for _, p := range custom {
				page = append(page, p)
				markers = append(markers, "C:"+p.PolicyName)
			}
			if more {
				next = markers[len(markers)-1]
			}
		} else if custom, _, err := is.ListPolicies(ctx, acct, "", 1); err != nil {
			return nil, nil, "", ramErr(err)
		} else if len(custom) > 0 {
			// The batch is full of system policies; custom ones follow.
			next = "C:"
		}
	}
	return page, markers, next, nil
}

// DeletePolicy deletes a custom policy that is attached to nobody.
func (s *Service) DeletePolicy(ctx context.Context, r *Request) (any, error) {
	name, acct, err := ramOpen(ctx, s, r, iam.ParseDeletePolicy, policyARNOf)
	if err != nil {
		return nil, err
	}
	return nil, ramErrOf(s.store.DeletePolicy(ctx, acct, name), opDeletePolicy, about{})
}

// CreatePolicyVersion adds a version to a custom policy; with SetAsDefault it
// takes effect on the next request of every identity it is attached to.
func (s *Service) CreatePolicyVersion(ctx context.Context, r *Request) (any, error) {
	in, acct, err := ramOpen(ctx, s, r, iam.ParseCreatePolicyVersion, func(acct string, in iam.CreatePolicyVersionInput) string { return policyARNOf(acct, in.PolicyName) })
	if err != nil {
		return nil, err
	}
	v, err := s.store.CreatePolicyVersion(ctx, acct, in.PolicyName, in.Document, in.SetAsDefault, in.RotateStrategy == iam.RotateDeleteOldest)
	if err != nil {
		return nil, ramErr(err)
	}
	return &iam.CreatePolicyVersionAnswer{PolicyVersion: iam.ViewPolicyVersion(v)}, nil
}

// attach attaches or detaches a policy; the caller must be allowed the
// action on both the identity and the policy.
func (s *Service) attach(ctx context.Context, r *Request, action string, in iam.AttachInput, detach bool) error {
	is := s.store
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
	// The store counts the identity's policies in the attach's
	// transaction (LimitError), so concurrent attaches cannot pass the
	// limit.
	return ramErrOf(is.AttachPolicy(ctx, a), opAttachPolicyToIdentity, about{})
}

// attachWith parses an attach or detach request with parse and runs it.
func (s *Service) attachWith(ctx context.Context, r *Request, parse func(iam.Params) (iam.AttachInput, error), detach bool) error {
	in, err := parse(r.Params)
	if err != nil {
		return err
	}
	return s.attach(ctx, r, r.Meta.RAM, in, detach)
}

// AttachPolicyToUser attaches a policy to a RAM user.
func (s *Service) AttachPolicyToUser(ctx context.Context, r *Request) (any, error) {
	return nil, s.attachWith(ctx, r, iam.ParseAttachUser, false)
}

// DetachPolicyFromUser detaches a policy from a RAM user.
func (s *Service) DetachPolicyFromUser(ctx context.Context, r *Request) (any, error) {
	return nil, s.attachWith(ctx, r, iam.ParseAttachUser, true)
}

// AttachPolicyToRole attaches a policy to a role.
func (s *Service) AttachPolicyToRole(ctx context.Context, r *Request) (any, error) {
	return nil, s.attachWith(ctx, r, iam.ParseAttachRole, false)
}

// DetachPolicyFromRole detaches a policy from a role.
func (s *Service) DetachPolicyFromRole(ctx context.Context, r *Request) (any, error) {
	return nil, s.attachWith(ctx, r, iam.ParseAttachRole, true)
}

// ListPoliciesForUser lists the policies attached to a RAM user.
func (s *Service) ListPoliciesForUser(ctx context.Context, r *Request) (any, error) {
	name, acct, err := ramOpen(ctx, s, r, iam.ParseUserName, userARN)
	if err != nil {
		return nil, err
	}
	is := s.store
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
	in, acct, err := ramOpen(ctx, s, r, iam.ParseCreateRole, anyNew[iam.CreateRoleInput]("role"))
	if err != nil {
		return nil, err
	}
	role := in.Role(acct)
	if role.RoleID, err = iam.NewRoleID(); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	role.CreateDate, role.UpdateDate = now, now
	if err := s.store.CreateRole(ctx, role); err != nil {
		return nil, ramErr(err)
	}
	r.Resource = role.ARN()
	return &iam.RoleAnswer{Role: iam.ViewRole(role)}, nil
}

// GetRole shows a role.
func (s *Service) GetRole(ctx context.Context, r *Request) (any, error) {
	name, acct, err := ramOpen(ctx, s, r, iam.ParseRoleName, iam.RoleARN)
	if err != nil {
		return nil, err
	}
	role, err := s.store.GetRole(ctx, acct, name)
	if err != nil {
		return nil, ramErr(err)
	}
	return &iam.RoleAnswer{Role: iam.ViewRole(role)}, nil
}

// DeleteRole deletes a role without attached policies; its sessions stop
// working at once.
func (s *Service) DeleteRole(ctx context.Context, r *Request) (any, error) {
	name, acct, err := ramOpen(ctx, s, r, iam.ParseRoleName, iam.RoleARN)
	if err != nil {
		return nil, err
	}
	return nil, ramErrOf(s.store.DeleteRole(ctx, acct, name), opDeleteRole, about{})
}
