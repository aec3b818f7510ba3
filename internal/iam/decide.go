package iam

import (
	"encoding/base64"
	"encoding/json"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
)

// PolicyType values of AccessDeniedDetail: which layer of policy refused.
const (
	DeniedByIdentityPolicy = "AccountLevelIdentityBasedPolicy" // the user's or role's attached policies
	DeniedBySessionPolicy  = "SessionPolicy"                   // the Policy passed to AssumeRole
	DeniedByTrustPolicy    = "AssumeRolePolicy"                // the role's trust policy (AssumeRole only)
)

// NamedPolicy is one policy attached to the caller, parsed.
type NamedPolicy struct {
	Name   string
	Type   string // PolicyTypeSystem or PolicyTypeCustom
	Policy *authz.Policy
}

// DecideInput is everything Decide needs; it does no I/O.
type DecideInput struct {
	Principal Principal
	// Owner is the account that owns the resource acted on (for a create,
	// the account it would be created in).
	Owner string
	// Identity are the caller's identity policies: the RAM user's attached
	// policies, or the assumed role's. Ignored for the root identity.
	Identity []NamedPolicy
	// Session is the STS session policy (nil: none).
	Session *authz.Policy
	// Request is the action and resource ARN with the condition context.
	Request authz.Request
}

// Decide is RAM's authorization decision, pure:
//
//   - a caller of another account than Owner: 403 Forbidden (no cross-account
//     access in vpcvpn);
//   - the root identity of Owner: allowed (nil);
//   - a RAM user of Owner: allowed when its policies allow (explicit Deny
//     wins), else 403 Forbbiden.SubUser;
//   - an STS session of a role of Owner: allowed when the role's policies
//     allow and the session policy (if any) allows too, else 403 Forbidden.
//
// Every 403 carries an AccessDeniedDetail: AuthAction, AuthPrincipalType
// (Principal.Kind), AuthPrincipalDisplayName, AuthPrincipalOwnerId,
// PolicyType (DeniedByIdentityPolicy or DeniedBySessionPolicy),
// NoPermissionType (ImplicitDeny or ExplicitDeny) and
// EncodedDiagnosticMessage: base64 (standard, padded) of a JSON Diagnostic.
func Decide(in DecideInput) *apierror.Error {
	p := &in.Principal
	if p.AccountID != in.Owner {
		return denied("Forbidden", in, DeniedByIdentityPolicy, authz.ImplicitDeny, Diagnostic{
			Reason: "the resource belongs to another account; vpcvpn grants no cross-account access"})
	}
	switch p.Kind {
	case PrincipalRoot:
		return nil
	case PrincipalUser:
		d, by := evaluateNamed(in.Identity, in.Request)
		if d == authz.Allow {
			return nil
		}
		return denied("Forbbiden.SubUser", in, DeniedByIdentityPolicy, d, identityDiagnostic(d, by, in.Identity))
	case PrincipalSession:
		d, by := evaluateNamed(in.Identity, in.Request)
		if d == authz.ExplicitDeny {
			return denied("Forbidden", in, DeniedByIdentityPolicy, d, identityDiagnostic(d, by, in.Identity))
		}
		if in.Session != nil {
			if sd := in.Session.Evaluate(in.Request); sd != authz.Allow {
				reason := "no statement of the session policy allows the action on the resource"
				if sd == authz.ExplicitDeny {
					reason = "a Deny statement of the session policy applies"
				}
				return denied("Forbidden", in, DeniedBySessionPolicy, sd, Diagnostic{Reason: reason})
			}
		}
		if d == authz.Allow {
			return nil
		}
		return denied("Forbidden", in, DeniedByIdentityPolicy, d, identityDiagnostic(d, by, in.Identity))
	}
	return denied("Forbidden", in, DeniedByIdentityPolicy, authz.ImplicitDeny, Diagnostic{Reason: "unknown kind of principal"})
}

// DecideAll is Decide for every resource under a list prefix at once
// (in.Request.Resource is the prefix, e.g.
// "acs:vpc:cn-hangzhou:123:vpnconnection/"; see authz.EvaluatePrefix).
// uniform is true when every resource under the prefix gets the same
// answer, which is then e (nil: all allowed; the 403 otherwise, computed for
// the prefix followed by "*"); when uniform is false the caller decides
// item by item with Decide. The root identity of Owner is always uniformly
// allowed, at no cost.
func DecideAll(in DecideInput) (e *apierror.Error, uniform bool) {
	p := &in.Principal
	if p.AccountID != in.Owner || p.Kind == PrincipalRoot {
		return whole(in), true
	}
	if p.Kind != PrincipalUser && p.Kind != PrincipalSession {
		return whole(in), true
	}
	ps := make([]*authz.Policy, len(in.Identity))
	for i := range in.Identity {
		ps[i] = in.Identity[i].Policy
	}
	d, u := authz.EvaluatePrefixSet(ps, in.Request)
	if !u {
		return nil, false
	}
	if p.Kind == PrincipalSession && in.Session != nil && d != authz.ExplicitDeny {
		sd, su := in.Session.EvaluatePrefix(in.Request)
		if !su {
			return nil, false
		}
		if sd != authz.Allow {
			return refusedAll(in)
		}
	}
	if d == authz.Allow {
		return nil, true
	}
	return refusedAll(in)
}

// refusedAll is the answer when every resource under the prefix is refused:
// the 403 of the wildcard ARN (which is one of them, so it is refused too;
// should it not be, the caller decides item by item).
func refusedAll(in DecideInput) (*apierror.Error, bool) {
	if e := whole(in); e != nil {
		return e, true
	}
	return nil, false
}

// whole is Decide of the list's wildcard ARN (prefix + "*"), whose 403
// describes a refusal of the whole list.
func whole(in DecideInput) *apierror.Error {
	in.Request.Resource += "*"
	return Decide(in)
}

// evaluateNamed evaluates the policies like authz.Evaluate and also returns
// the index of the policy that decided: the first one with an explicit Deny,
// or the first that allows; -1 for an implicit deny.
func evaluateNamed(ps []NamedPolicy, r authz.Request) (authz.Decision, int) {
	d, by := authz.ImplicitDeny, -1
	for i := range ps {
		switch ps[i].Policy.Evaluate(r) {
		case authz.ExplicitDeny:
			return authz.ExplicitDeny, i
		case authz.Allow:
			if by < 0 {
				d, by = authz.Allow, i
			}
		}
	}
	return d, by
}

// Diagnostic is the decoded EncodedDiagnosticMessage of a 403.
type Diagnostic struct {
	// Reason says in words why the request was refused.
	Reason string `json:"Reason"`
	// DecidingPolicy names the policy with the Deny statement that applied
	// (ExplicitDeny only), as "Type:Name".
	DecidingPolicy string `json:"DecidingPolicy,omitempty"`
	// EvaluatedPolicies are the identity policies that were evaluated, as
	// "Type:Name", in order.
	EvaluatedPolicies []string `json:"EvaluatedPolicies,omitempty"`
}

func identityDiagnostic(d authz.Decision, by int, ps []NamedPolicy) Diagnostic {
	diag := Diagnostic{}
	for _, p := range ps {
		diag.EvaluatedPolicies = append(diag.EvaluatedPolicies, p.Type+":"+p.Name)
	}
	switch {
	case d == authz.ExplicitDeny:
		diag.Reason = "a Deny statement of an attached policy applies"
		diag.DecidingPolicy = ps[by].Type + ":" + ps[by].Name
	case len(ps) == 0:
		diag.Reason = "no policy is attached to the identity"
	default:
		diag.Reason = "no statement of the attached policies allows the action on the resource"
	}
	return diag
}

// DecodeDiagnostic reverses the encoding of EncodedDiagnosticMessage.
func DecodeDiagnostic(s string) (Diagnostic, error) {
	var d Diagnostic
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return d, err
	}
	err = json.Unmarshal(b, &d)
	return d, err
}

func denied(code string, in DecideInput, policyType string, d authz.Decision, diag Diagnostic) *apierror.Error {
	e := apierror.New(code)
	e.AccessDenied = accessDenied(in.Principal, in.Request.Action, policyType, d, diag)
	return e
}

func accessDenied(p Principal, action, policyType string, d authz.Decision, diag Diagnostic) *apierror.AccessDeniedDetail {
	b, _ := json.Marshal(diag)
	return &apierror.AccessDeniedDetail{
		AuthAction:               action,
		AuthPrincipalType:        p.Kind,
		AuthPrincipalDisplayName: p.DisplayName(),
		AuthPrincipalOwnerId:     p.AccountID,
		PolicyType:               policyType,
		NoPermissionType:         d.String(),
		EncodedDiagnosticMessage: base64.StdEncoding.EncodeToString(b),
	}
}

// TrustDenied is AssumeRole's answer when the role's trust policy does not
// let the caller assume it (d is ImplicitDeny or ExplicitDeny): 403
// NoPermission with an AccessDeniedDetail whose PolicyType is
// DeniedByTrustPolicy.
func TrustDenied(caller Principal, roleARN string, d authz.Decision) *apierror.Error {
	e := apierror.Newf("NoPermission", "You are not authorized to do this action: the trust policy of role %s does not let %s assume it.", roleARN, caller.ARN())
	reason := "no statement of the role's trust policy names the caller"
	if d == authz.ExplicitDeny {
		reason = "a Deny statement of the role's trust policy applies"
	}
	e.AccessDenied = accessDenied(caller, "sts:AssumeRole", DeniedByTrustPolicy, d, Diagnostic{Reason: reason})
	return e
}
