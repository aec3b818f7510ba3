// Package authz is the RAM policy language: it parses and validates policy
// documents, matches actions and resources against wildcard patterns, and
// decides whether a request is allowed (explicit Deny wins over Allow, and
// anything not allowed is implicitly denied).
//
// Policies are parsed once into a precompiled form and then evaluated many
// times; evaluation does not allocate. The package knows nothing about who
// the caller is or where policies are stored: internal/service gathers the
// caller's policies and builds the Request.
package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxDocumentLength is RAM's limit on a policy document, in characters
// (Unicode code points, whitespace included).
const MaxDocumentLength = 6144

// PolicyVersion is the only policy language version RAM defines.
const PolicyVersion = "1"

// ParseError is why a policy document was refused. Its text is meant for the
// person who wrote the document and holds nothing secret, so it may be sent
// back to the client (e.g. as the message of MalformedPolicyDocument).
type ParseError struct {
	// Path locates the problem: "" for the document as a whole, or
	// "Statement[i]" (0-based) for one statement.
	Path string
	// Msg says what is wrong, naming the field.
	Msg string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Policy is a parsed, validated and precompiled policy document. It is
// immutable and safe for concurrent use.
type Policy struct {
	doc        string
	statements []statement
}

// Document returns the policy document exactly as it was given to Parse.
func (p *Policy) Document() string { return p.doc }

// Statements returns the number of statements in the policy.
func (p *Policy) Statements() int { return len(p.statements) }

// UnknownConditionKey returns the first condition key of the policy that
// known refuses, with the index of its statement; ok is false when known
// accepts every key. Parse accepts any key (a request's Extra may carry
// it); a caller that knows which keys it ever supplies uses this to refuse a
// misspelt key, whose condition would otherwise silently never hold.
func (p *Policy) UnknownConditionKey(known func(key string) bool) (stmt int, key string, ok bool) {
	for i := range p.statements {
		for _, c := range p.statements[i].conditions {
			if !known(c.key) {
				return i, c.key, true
			}
		}
	}
	return 0, "", false
}

type statement struct {
	deny        bool
	notAction   bool // actions lists NotAction
	actions     []pattern
	notResource bool // resources lists NotResource
	resources   []pattern
	conditions  []condition
}

// Parse parses and validates a policy document:
//
//	{"Version":"1","Statement":[{"Effect":"Allow"|"Deny",
//	  "Action"|"NotAction": string|[string...],
//	  "Resource"|"NotResource": string|[string...],
//	  "Condition": {Operator: {Key: value|[value...]}}}]}
//
// Field names are case-sensitive and unknown fields, duplicated fields,
// trailing data and documents over MaxDocumentLength characters are refused.
// Statement may also be a single statement object. Each statement needs
// exactly one of Action/NotAction and one of Resource/NotResource. An action
// is "*" or "product:Name" where both parts are made of letters, digits, '-',
// '_' and the wildcards '*' and '?'; a resource is "*" or starts with "acs:".
// See the Op and Key constants for conditions.
//
// Every error is a *ParseError.
func Parse(doc string) (*Policy, error) {
	if len(doc) > utf8.UTFMax*MaxDocumentLength || utf8.RuneCountInString(doc) > MaxDocumentLength {
		return nil, &ParseError{Msg: fmt.Sprintf("policy document is longer than %d characters", MaxDocumentLength)}
	}
	if !utf8.ValidString(doc) {
		return nil, &ParseError{Msg: "policy document is not valid UTF-8"}
	}
	fields, err := objectFields([]byte(doc), true)
	if err != nil {
		return nil, &ParseError{Msg: "policy document is not a valid JSON object: " + err.Error()}
	}
	p := &Policy{doc: doc}
	var version, stmts json.RawMessage
	for _, f := range fields {
		switch f.key {
		case "Version":
			version = f.val
		case "Statement":
			stmts = f.val
		default:
			return nil, &ParseError{Msg: unknownField(f.key, "Version", "Statement")}
		}
	}
	if version == nil {
		return nil, &ParseError{Msg: `Version is missing; use "Version":"1"`}
	}
	var v string
	if json.Unmarshal(version, &v) != nil || v != PolicyVersion {
		return nil, &ParseError{Msg: fmt.Sprintf(`Version must be "1", got %s`, version)}
	}
	if stmts == nil {
		return nil, &ParseError{Msg: "Statement is missing"}
	}
	var list []json.RawMessage
	switch firstByte(stmts) {
	case '[':
		if err := json.Unmarshal(stmts, &list); err != nil {
			return nil, &ParseError{Msg: "Statement must be a list of statement objects"}
		}
	case '{':
		list = []json.RawMessage{stmts}
	default:
		return nil, &ParseError{Msg: "Statement must be a list of statement objects"}
	}
	if len(list) == 0 {
		return nil, &ParseError{Msg: "Statement must hold at least one statement"}
	}
	p.statements = make([]statement, len(list))
	for i, raw := range list {
		if err := parseStatement(raw, &p.statements[i]); err != nil {
			return nil, &ParseError{Path: fmt.Sprintf("Statement[%d]", i), Msg: err.Error()}
		}
	}
	return p, nil
}

// parseStatement fills st from raw; its errors are the message part of a
// ParseError for that statement.
func parseStatement(raw json.RawMessage, st *statement) error {
	fields, err := objectFields(raw, false)
	if err != nil {
		return fmt.Errorf("a statement must be a JSON object: %v", err)
	}
	var effect, action, notAction, resource, notResource, cond json.RawMessage
	for _, f := range fields {
		switch f.key {
		case "Effect":
			effect = f.val
		case "Action":
			action = f.val
		case "NotAction":
			notAction = f.val
		case "Resource":
			resource = f.val
		case "NotResource":
			notResource = f.val
		case "Condition":
			cond = f.val
		default:
			return errors.New(unknownField(f.key, "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"))
		}
	}

	if effect == nil {
		return errors.New(`Effect is missing; use "Allow" or "Deny"`)
	}
	var eff string
	if json.Unmarshal(effect, &eff) != nil {
		return fmt.Errorf(`Effect must be "Allow" or "Deny", got %s`, effect)
	}
	switch eff {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		return fmt.Errorf(`Effect must be "Allow" or "Deny", got %q`, eff)
	}

	name := "Action"
	switch {
	case action != nil && notAction != nil:
		return errors.New("Action and NotAction cannot both be given")
	case action == nil && notAction == nil:
		return errors.New("Action (or NotAction) is missing")
	case notAction != nil:
		name, action, st.notAction = "NotAction", notAction, true
	}
	acts, err := stringOrList(name, action)
	if err != nil {
		return err
	}
	st.actions = make([]pattern, len(acts))
	for i, a := range acts {
		if !validAction(a) {
			return fmt.Errorf(`%s[%d] %q must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`, name, i, a)
		}
		// Actions are case-insensitive: store them folded once.
		st.actions[i] = compilePattern(strings.ToLower(a))
	}

	name = "Resource"
	switch {
	case resource != nil && notResource != nil:
		return errors.New("Resource and NotResource cannot both be given")
	case resource == nil && notResource == nil:
		return errors.New("Resource (or NotResource) is missing")
	case notResource != nil:
		name, resource, st.notResource = "NotResource", notResource, true
	}
	ress, err := stringOrList(name, resource)
	if err != nil {
		return err
	}
	st.resources = make([]pattern, len(ress))
	for i, r := range ress {
		if !validResource(r) {
			return fmt.Errorf(`%s[%d] %q must be "*" or an ARN starting with "acs:" (e.g. "acs:vpc:*:*:vpnconnection/*")`, name, i, r)
		}
		st.resources[i] = compilePattern(r)
	}

	if cond != nil {
		st.conditions, err = parseConditions(cond)
		if err != nil {
			return fmt.Errorf("Condition: %v", err)
		}
	}
	return nil
}

// validAction reports whether a is "*" or product:Name.
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	product, name, ok := strings.Cut(a, ":")
	return ok && actionPart(product) && actionPart(name)
}

func actionPart(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '*', c == '?':
		default:
			return false
		}
	}
	return true
}

// validResource reports whether r is "*" or looks like an ARN pattern.
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	if !strings.HasPrefix(r, "acs:") {
		return false
	}
	for _, c := range r {
		if c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// stringOrList decodes a JSON string or a non-empty list of strings.
func stringOrList(name string, raw json.RawMessage) ([]string, error) {
	switch firstByte(raw) {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s must be a string or a list of strings", name)
		}
		return []string{s}, nil
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s must be a string or a list of strings", name)
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("%s must not be an empty list", name)
		}
		out := make([]string, len(list))
		for i, item := range list {
			if firstByte(item) != '"' || json.Unmarshal(item, &out[i]) != nil {
				return nil, fmt.Errorf("%s[%d] must be a string, got %s", name, i, item)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s must be a string or a list of strings, got %s", name, raw)
}

func firstByte(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

type field struct {
	key string
	val json.RawMessage
}

// objectFields decodes one JSON object into its fields in document order,
// refusing duplicated keys (encoding/json would silently keep the last one,
// and "Effect":"Allow","Effect":"Deny" must not be ambiguous). With whole set,
// anything after the object is refused too.
func objectFields(data []byte, whole bool) ([]field, error) {
	fields, err := decodeObject(data, whole)
	if err == io.EOF {
		err = errors.New("unexpected end of JSON input")
	}
	return fields, err
}

func decodeObject(data []byte, whole bool) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	var out []field
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		if seen[key] {
			return nil, fmt.Errorf("field %q appears more than once", key)
		}
		seen[key] = true
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		out = append(out, field{key, val})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, err
	}
	if whole {
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("unexpected data after the object")
		}
	}
	return out, nil
}

func unknownField(key string, known ...string) string {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("unknown field %q (field names are case-sensitive: did you mean %q?)", key, k)
		}
	}
	return fmt.Sprintf("unknown field %q (known: %s)", key, strings.Join(known, ", "))
}
