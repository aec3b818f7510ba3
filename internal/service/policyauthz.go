package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/cachegen"
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
// Each policy document is parsed (compiled) once, cached by its text (a
// version's text never changes). With a generation source (Gens), each
// principal's compiled set is cached too, with the credentials generation
// of its account (internal/cachegen) as read before its attachments were:
// a request uses the set only when its own reading of that generation,
// taken after it arrived, is the same. Every write that can change a set
// (a policy's default version, a policy's deletion, an attach or detach, a
// user's or role's rename or deletion) raises that generation in its
// transaction, so it takes effect on the very next request, on this server
// and on every server sharing the database. Without Gens the attachments
// are read from the store at every request.
type PolicyAuthorizer struct {
	Store  store.IAMStore
	Logger *slog.Logger
	Now    func() time.Time
	// Gens reads credentials generations for requests that carry none
	// (Request.Fresh); nil disables the cache of principals' sets.
	Gens cachegen.Source

	system map[string]*authz.Policy

	mu     sync.Mutex
	parsed map[string]*authz.Policy

	smu  sync.RWMutex
	sets map[iam.Principal]cachedSet
}

// maxCachedSets bounds the cache of principals' compiled sets; an arbitrary
// entry makes room for a new one.
const maxCachedSets = 4096

// cachedSet is a principal's compiled set with the credentials generation
// of its account read before the set was loaded.
type cachedSet struct {
	set *policySet
	gen uint64
}

// NewPolicyAuthorizer returns an authorizer over st.
func NewPolicyAuthorizer(st store.IAMStore, logger *slog.Logger) *PolicyAuthorizer {
	a := &PolicyAuthorizer{Store: st, Logger: logger, system: map[string]*authz.Policy{}, parsed: map[string]*authz.Policy{},
		sets: map[iam.Principal]cachedSet{}}
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

// policySet is a principal's identity policies (and STS session policy),
// compiled. It is never changed once loaded: requests share it.
type policySet struct {
	principal iam.Principal
	identity  []iam.NamedPolicy
	session   *authz.Policy
}

// load returns the caller's policies: those of r.policies when they were
// loaded for this principal already during the request, else the cached
// set when its generation is current, else from the store (kept in
// r.policies and, with Gens, in the cache).
func (a *PolicyAuthorizer) load(ctx context.Context, r *Request) (*policySet, error) {
	p := r.Principal
	if r.policies != nil && r.policies.principal == p {
		return r.policies, nil
	}
	gen, cached, err := a.generation(ctx, r, p.AccountID)
	if err != nil {
		return nil, err
	}
	if cached {
		a.smu.RLock()
		e, ok := a.sets[p]
		a.smu.RUnlock()
		if ok && e.gen == gen {
			r.policies = e.set
			return e.set, nil
		}
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
	if cached {
		a.smu.Lock()
		if e, ok := a.sets[p]; !ok || e.gen < gen {
			putBounded(a.sets, p, cachedSet{set: set, gen: gen}, maxCachedSets)
		}
		a.smu.Unlock()
	}
	r.policies = set
	return set, nil
}

// generation returns account's credentials generation as the request read
// it (Request.Fresh) or, when it read none, as Gens reads it now (and keeps
// it in r.Fresh). cached is false without Gens.
func (a *PolicyAuthorizer) generation(ctx context.Context, r *Request, account string) (gen uint64, cached bool, err error) {
	if a.Gens == nil {
		return 0, false, nil
	}
	if g, ok := r.Fresh.For(account); ok {
		return g.Credentials, true, nil
	}
	g, err := a.Gens.Generations(ctx, account)
	if err != nil {
		return 0, false, err
	}
	if !r.Fresh.OK {
		r.Fresh = cachegen.Snapshot{Account: account, Gens: g, OK: true}
	}
	return g.Credentials, true, nil
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
