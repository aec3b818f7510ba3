package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// maxParsedPolicies bounds PolicyAuthorizer's cache of parsed documents; it
// is emptied when full.
const maxParsedPolicies = 4096

// PolicyAuthorizer is the Authorizer backed by the store's RAM policies: it
// implements iam.Decide with the caller's attached policies (a RAM user's,
// or the assumed role's) and the STS session policy.
//
// The attachments and the default versions' documents are read from the
// store on every decision, so an attach, detach or new default version takes
// effect on the very next request, on every server. Only the parsing is
// cached, keyed by the document text, which makes the cache always correct.
type PolicyAuthorizer struct {
	Store  store.IAMStore
	Logger *slog.Logger
	Now    func() time.Time

	system map[string]*authz.Policy

	mu     sync.Mutex
	parsed map[string]*authz.Policy
}

// NewPolicyAuthorizer returns an authorizer over st.
func NewPolicyAuthorizer(st store.IAMStore, logger *slog.Logger) *PolicyAuthorizer {
	a := &PolicyAuthorizer{Store: st, Logger: logger, system: map[string]*authz.Policy{}, parsed: map[string]*authz.Policy{}}
	for name, sp := range authz.SystemPolicies() {
		if p, err := authz.Parse(sp.Document); err == nil {
			a.system[name] = p
		}
	}
	return a
}

// parse returns the parsed document, from the cache when possible. A
// document that does not parse (never stored by vpcvpn) yields nil, which
// allows nothing.
func (a *PolicyAuthorizer) parse(doc string) *authz.Policy {
	a.mu.Lock()
	p, ok := a.parsed[doc]
	a.mu.Unlock()
	if ok {
		return p
	}
	p, err := authz.Parse(doc)
	if err != nil {
		if a.Logger != nil {
			a.Logger.Error("stored policy document does not parse; it allows nothing", "err", err)
		}
		p = nil
	}
	a.mu.Lock()
	if len(a.parsed) >= maxParsedPolicies {
		clear(a.parsed)
	}
	a.parsed[doc] = p
	a.mu.Unlock()
	return p
}

// policySet is a principal's identity policies (and STS session policy)
// as loaded for one request.
type policySet struct {
	principal iam.Principal
	identity  []iam.NamedPolicy
	session   *authz.Policy
}

// load returns the caller's policies: those of r.policies when they were
// loaded for this principal already during the request, else from the
// store (kept in r.policies).
func (a *PolicyAuthorizer) load(ctx context.Context, r *Request) (*policySet, error) {
	p := r.Principal
	if r.policies != nil && r.policies.principal == p {
		return r.policies, nil
	}
	set := &policySet{principal: p}
	typ := iam.AttachToUser
	if p.Kind == iam.PrincipalSession {
		typ = iam.AttachToRole
	}
	atts, err := a.Store.ListAttachments(ctx, p.AccountID, typ, p.UserName)
	if err != nil {
		return nil, err
	}
	for _, att := range atts {
		np := iam.NamedPolicy{Name: att.PolicyName, Type: att.PolicyType}
		if att.PolicyType == iam.PolicyTypeSystem {
			np.Policy = a.system[att.PolicyName]
		} else {
			np.Policy = a.parse(att.Document)
		}
		if np.Policy != nil {
			set.identity = append(set.identity, np)
		}
	}
	if p.Kind == iam.PrincipalSession && p.SessionPolicy != "" {
		set.session = a.parse(p.SessionPolicy)
		if set.session == nil {
			// An unparsable session policy narrows to nothing.
			set.session = a.parse(`{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
		}
	}
	r.policies = set
	return set, nil
}

// input builds iam.Decide's input for action on resourceARN owned by owner;
// the caller's policies are loaded only for a RAM user or role session of
// owner (Decide needs none for the root identity or another account).
func (a *PolicyAuthorizer) input(ctx context.Context, r *Request, action, resourceARN, owner string) (iam.DecideInput, error) {
	p := r.Principal
	in := iam.DecideInput{Principal: p, Owner: owner}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	in.Request = authz.Request{Action: action, Resource: resourceARN, SourceIP: r.SourceIP,
		SecureTransport: r.SecureTransport, CurrentTime: now().UTC()}
	if p.AccountID == owner && p.Kind != iam.PrincipalRoot {
		set, err := a.load(ctx, r)
		if err != nil {
			return in, err
		}
		in.Identity, in.Session = set.identity, set.session
	}
	return in, nil
}

// Authorize implements Authorizer with iam.Decide.
func (a *PolicyAuthorizer) Authorize(ctx context.Context, r *Request, action, resourceARN, owner string) error {
	in, err := a.input(ctx, r, action, resourceARN, owner)
	if err != nil {
		return err
	}
	if e := iam.Decide(in); e != nil {
		return e
	}
	return nil
}

// AuthorizeAll implements Authorizer with iam.DecideAll.
func (a *PolicyAuthorizer) AuthorizeAll(ctx context.Context, r *Request, action, prefix, owner string) (bool, error) {
	in, err := a.input(ctx, r, action, prefix, owner)
	if err != nil {
		return true, err
	}
	e, uniform := iam.DecideAll(in)
	if e != nil {
		return uniform, e
	}
	return uniform, nil
}
