package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/jsonkeys"
)

// TrustPolicy is a role's parsed AssumeRolePolicyDocument: who may assume
// the role.
//
//	{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
//	  "Principal":{"RAM":["acs:ram::1234567890123456:root"]},
//	  "Condition":{...}}]}
//
// Principal.RAM entries are ARNs (wildcards '*' and '?' allowed) or bare
// account ids: "acs:ram::{account}:root" (or "{account}") trusts every
// identity of that account, "acs:ram::{account}:user/{name}" one RAM user,
// "acs:ram::{account}:role/{name}" the sessions of one role. Principal.Service
// and Principal.Federated are accepted (RAM has them) but no vpcvpn caller
// matches them. Action and Condition are evaluated by internal/authz, so the
// whole condition language is available (e.g. sts:ExternalId).
//
// A TrustPolicy is immutable and safe for concurrent use.
type TrustPolicy struct {
	doc        string
	statements []trustStatement
}

type trustStatement struct {
	ram []string
	// rule is a one-statement authz policy with the statement's Effect,
	// Action and Condition and Resource "*".
	rule *authz.Policy
}

// ParseNewTrustPolicy is ParseTrustPolicy for a document a client sends
// (CreateRole), checked further: a field given twice (ignoring case, as
// encoding/json matches struct fields: {"Effect":"Deny","effect":"Allow"}
// would keep the last) and a condition key vpcvpn never supplies are
// refused. Stored documents keep being read by ParseTrustPolicy.
func ParseNewTrustPolicy(doc string) (*TrustPolicy, error) {
	var dup *jsonkeys.DuplicateError
	if err := jsonkeys.UniqueFold([]byte(doc)); errors.As(err, &dup) {
		return nil, fmt.Errorf("%v; give each field once", dup)
	}
	t, err := ParseTrustPolicy(doc)
	if err != nil {
		return nil, err
	}
	if err := t.checkConditionKeys(); err != nil {
		return nil, err
	}
	return t, nil
}

// checkConditionKeys refuses a condition key vpcvpn never supplies to a
// trust policy (a new role's: stored ones keep evaluating as they were).
func (t *TrustPolicy) checkConditionKeys() error {
	for i, st := range t.statements {
		if msg := unknownConditionKey(st.rule, true); msg != "" {
			return fmt.Errorf("Statement[%d]: %s", i, strings.TrimPrefix(msg, "Statement[0]: "))
		}
	}
	return nil
}

// Document returns the document as given to ParseTrustPolicy.
func (t *TrustPolicy) Document() string { return t.doc }

// ParseTrustPolicy parses and validates a trust policy. Unknown fields are
// refused (a new role's document is checked further by ParseNewTrustPolicy); the top-level and statement field names are matched as
// encoding/json does (ignoring case), the Condition block by authz.Parse. The error text explains the
// problem to the author (it becomes MalformedPolicyDocument's message).
func ParseTrustPolicy(doc string) (*TrustPolicy, error) {
	var top struct {
		Version   *string
		Statement json.RawMessage
	}
	if err := strictJSON(doc, &top); err != nil {
		return nil, fmt.Errorf("trust policy is not a valid JSON object: %v", err)
	}
	if top.Version == nil || *top.Version != authz.PolicyVersion {
		return nil, errors.New(`Version must be "1"`)
	}
	var list []json.RawMessage
	switch b := bytes.TrimSpace(top.Statement); {
	case len(b) == 0:
		return nil, errors.New("Statement is missing")
	case b[0] == '[':
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, errors.New("Statement must be a list of statement objects")
		}
	case b[0] == '{':
		list = []json.RawMessage{b}
	default:
		return nil, errors.New("Statement must be a list of statement objects")
	}
	if len(list) == 0 {
		return nil, errors.New("Statement must hold at least one statement")
	}
	t := &TrustPolicy{doc: doc, statements: make([]trustStatement, len(list))}
	for i, raw := range list {
		st, err := parseTrustStatement(raw)
		if err != nil {
			return nil, fmt.Errorf("Statement[%d]: %v", i, err)
		}
		t.statements[i] = st
	}
	return t, nil
}

func parseTrustStatement(raw json.RawMessage) (trustStatement, error) {
	var s struct {
		Effect    json.RawMessage
		Action    json.RawMessage
		Principal map[string]json.RawMessage
		Condition json.RawMessage
	}
	if err := strictJSON(string(raw), &s); err != nil {
		return trustStatement{}, err
	}
	if s.Effect == nil {
		return trustStatement{}, errors.New("Effect is missing")
	}
	if s.Action == nil {
		return trustStatement{}, errors.New(`Action is missing; use "sts:AssumeRole"`)
	}
	if len(s.Principal) == 0 {
		return trustStatement{}, errors.New(`Principal is missing; use {"RAM":["acs:ram::{AccountId}:root"]}`)
	}
	var st trustStatement
	for key, v := range s.Principal {
		vals, err := stringList(v)
		if err != nil {
			return trustStatement{}, fmt.Errorf("Principal.%s: %v", key, err)
		}
		switch key {
		case "RAM":
			for _, p := range vals {
				if !validTrustedRAM(p) {
					return trustStatement{}, fmt.Errorf("Principal.RAM: %q is neither an account id nor an acs:ram ARN", clip(p))
				}
			}
			st.ram = append(st.ram, vals...)
		case "Service", "Federated":
			// Accepted, never matched by a vpcvpn caller.
		default:
			return trustStatement{}, fmt.Errorf("Principal: unknown field %q; use RAM, Service or Federated", clip(key))
		}
	}
	rule := map[string]json.RawMessage{"Effect": s.Effect, "Action": s.Action, "Resource": json.RawMessage(`"*"`)}
	if s.Condition != nil {
		rule["Condition"] = s.Condition
	}
	stmt, _ := json.Marshal(rule)
	pol, err := authz.Parse(`{"Version":"1","Statement":[` + string(stmt) + `]}`)
	if err != nil {
		var pe *authz.ParseError
		if errors.As(err, &pe) {
			return trustStatement{}, errors.New(pe.Msg)
		}
		return trustStatement{}, err
	}

	st.rule = pol
	return st, nil
}

func validTrustedRAM(p string) bool {
	if p == "*" || digits(p, 1, 32) {
		return true
	}
	return strings.HasPrefix(p, "acs:ram::") && len(p) <= 512
}

func stringList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, errors.New("must be a string or a non-empty list of strings")
	}
	return many, nil
}

// strictJSON decodes one JSON object into v, refusing unknown fields and
// trailing data.
func strictJSON(doc string, v any) error {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the object")
	}
	return nil
}

// Trusts decides whether caller may assume the role this policy belongs to:
// ExplicitDeny when a Deny statement names the caller and its condition
// holds, else Allow when an Allow statement does, else ImplicitDeny. r is the
// request as the policy language sees it (Action "sts:AssumeRole", Resource
// the role's ARN, and condition context such as Extra["sts:ExternalId"]).
func (t *TrustPolicy) Trusts(caller Principal, r authz.Request) authz.Decision {
	if t == nil {
		return authz.ImplicitDeny
	}
	names := callerNames(caller)
	d := authz.ImplicitDeny
	for i := range t.statements {
		st := &t.statements[i]
		if !st.names(names) {
			continue
		}
		switch st.rule.Evaluate(r) {
		case authz.ExplicitDeny:
			return authz.ExplicitDeny
		case authz.Allow:
			d = authz.Allow
		}
	}
	return d
}

func (st *trustStatement) names(names []string) bool {
	for _, pat := range st.ram {
		for _, n := range names {
			// A role's ARN (acs:ram::{account}:role/{name}) is matched
			// ignoring case, as RAM treats role names.
			if authz.MatchResource(pat, n) {
				return true
			}
		}
	}
	return false
}

// callerNames are the names a trust policy may use for the caller: the
// account (as id and root ARN) and the identity's own ARN.
func callerNames(p Principal) []string {
	acct := p.AccountID
	names := []string{acct, "acs:ram::" + acct + ":root"}
	switch p.Kind {
	case PrincipalUser:
		names = append(names, "acs:ram::"+acct+":user/"+p.UserName)
	case PrincipalSession:
		names = append(names, RoleARN(acct, p.UserName))
	}
	return names
}
