package authz

// Deciding a list at once: a list action returns many resources, each of
// which the caller must be allowed to see. EvaluatePrefix decides for every
// resource whose ARN starts with a prefix in one pass over the policy, so
// that a caller allowed the whole list (or refused it) does not pay one
// evaluation per item; only a policy whose outcome depends on the resource
// (a Deny or an Allow naming some resources of the list) leaves the caller
// to decide item by item.

// EvaluatePrefix decides r for every resource whose ARN is r.Resource (a
// list prefix such as "acs:vpc:cn-hangzhou:123:vpnconnection/") followed by
// a name: one or more characters other than ':' and '/' (resource ids and
// RAM names never hold them). uniform is true
// when the decision is the same for all of them, and d is that decision;
// when uniform is false the outcome depends on the resource and d is
// meaningless. It is conservative: a false uniform only costs the caller
// per-item evaluations, a true one is always exact.
func (p *Policy) EvaluatePrefix(r Request) (d Decision, uniform bool) {
	if p == nil {
		return ImplicitDeny, true
	}
	fold := IsRoleARN(r.Resource + "x")
	allowAll, allowSome, denySome := false, false, false
	for i := range p.statements {
		st := &p.statements[i]
		switch st.appliesPrefix(&r, fold) {
		case appliesAll:
			if st.deny {
				return ExplicitDeny, true
			}
			allowAll = true
		case appliesSome:
			if st.deny {
				denySome = true
			} else {
				allowSome = true
			}
		}
	}
	switch {
	case denySome:
		return ImplicitDeny, false
	case allowAll:
		return Allow, true
	case allowSome:
		return ImplicitDeny, false
	}
	return ImplicitDeny, true
}

// EvaluatePrefixSet is EvaluatePrefix over a set of policies attached to one
// identity (as Evaluate): an explicit Deny for all in any policy decides;
// any policy whose outcome depends on the resource makes the set's depend on
// it too.
func EvaluatePrefixSet(policies []*Policy, r Request) (Decision, bool) {
	d := ImplicitDeny
	uniform := true
	for _, p := range policies {
		if p == nil {
			continue
		}
		switch pd, u := p.EvaluatePrefix(r); {
		case u && pd == ExplicitDeny:
			return ExplicitDeny, true
		case !u:
			uniform = false
		case pd == Allow:
			d = Allow
		}
	}
	if !uniform {
		return ImplicitDeny, false
	}
	return d, true
}

type prefixApplies int

const (
	appliesNone prefixApplies = iota
	appliesSome
	appliesAll
)

// appliesPrefix says to which resources under the prefix r.Resource the
// statement applies. The action and the conditions do not depend on the
// resource; the resource patterns are run over the prefix.
func (st *statement) appliesPrefix(r *Request, fold bool) prefixApplies {
	if anyMatch(st.actions, r.Action, true) == st.notAction {
		return appliesNone
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(r) {
			return appliesNone
		}
	}
	covers, may := false, false
	for i := range st.resources {
		c, m := prefixMatch(st.resources[i].text, r.Resource, fold)
		covers = covers || c
		may = may || m
	}
	if st.notResource {
		// Applies to an item no pattern matches.
		switch {
		case covers:
			return appliesNone
		case may:
			return appliesSome
		}
		return appliesAll
	}
	switch {
	case covers:
		return appliesAll
	case may:
		return appliesSome
	}
	return appliesNone
}

// prefixMatch runs the wildcard pattern over prefix and reports whether it
// matches prefix+x for every name x (covers: some way of matching prefix
// leaves only '*' of the pattern) and whether it may match prefix+x for
// some name x (may: some way leaves pattern to match without a literal ':'
// or '/', which no name holds). It is the nondeterministic automaton of the
// pattern (one state per position), O(len(pattern)*len(prefix)).
func prefixMatch(p, prefix string, fold bool) (covers, may bool) {
	cur := make([]bool, len(p)+1)
	next := make([]bool, len(p)+1)
	closure := func(set []bool) {
		for i := 0; i < len(p); i++ {
			if set[i] && p[i] == '*' {
				set[i+1] = true
			}
		}
	}
	cur[0] = true
	closure(cur)
	for si := 0; si < len(prefix); {
		sw := charWidth(prefix, si)
		clear(next)
		any := false
		for i := 0; i < len(p); i++ {
			if !cur[i] {
				continue
			}
			switch p[i] {
			case '*':
				next[i] = true
			case '?':
				next[i+1] = true
			default:
				if pw, w, ok := charEqual(p, i, prefix, si, fold); ok && w == sw {
					next[i+pw] = true
				}
			}
			any = true
		}
		if !any {
			return false, false
		}
		closure(next)
		cur, next = next, cur
		si += sw
	}
	for i := 0; i < len(p); i++ {
		if !cur[i] {
			continue
		}
		stars, sep := true, false
		for j := i; j < len(p); j++ {
			stars = stars && p[j] == '*'
			sep = sep || p[j] == ':' || p[j] == '/'
		}
		covers = covers || stars
		may = may || !sep
	}
	return covers, may
}
