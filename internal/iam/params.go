package iam

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// Params are a request's parameters (query and form merged), as the api
// layer hands them to use cases.
type Params = map[string]string

// The Parse* functions below read and validate the parameters of one RAM or
// STS action. They check only what the parameters alone decide (presence,
// format, ranges, policy grammar) and return the first problem as a wire
// error: Missing{Name} (400) for an absent required parameter, else the RAM
// code of the field (e.g. InvalidParameter.UserName.InvalidChars,
// MalformedPolicyDocument). Existence, uniqueness and limits are checked by
// the service against the store.

// Field limits.
const (
	maxUserNameLen    = 64
	maxRoleNameLen    = 64
	maxPolicyNameLen  = 128
	maxDisplayNameLen = 128
	maxCommentsLen    = 128
	maxEmailLen       = 128
	maxDescriptionLen = 1024 // bytes
	// MaxSessionPolicyBytes bounds AssumeRole's Policy.
	MaxSessionPolicyBytes = 2048
	// DefaultMaxItems and MaxMaxItems are the page sizes of List* actions.
	DefaultMaxItems = 100
	MaxMaxItems     = 1000
)

func isUserNameRune(r rune) bool {
	return r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '.' || r == '@' || r == '-' || r == '_')
}
func isRoleNameRune(r rune) bool {
	return r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '.' || r == '-')
}
func isPolicyNameRune(r rune) bool {
	return r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '-')
}
func isSessionNameRune(r rune) bool { return isUserNameRune(r) }

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// identifier reads a required name parameter: Missing{param} when absent or
// empty, InvalidParameter.{param}.Length when longer than max characters,
// InvalidParameter.{param}.InvalidChars when a character is not allowed.
func identifier(p Params, param string, max int, ok func(rune) bool) (string, error) {
	v := p[param]
	if v == "" {
		return "", apierror.Missing(param)
	}
	return v, checkIdentifier(param, v, max, ok)
}

func checkIdentifier(param, v string, max int, ok func(rune) bool) error {
	if utf8.RuneCountInString(v) > max {
		return apierror.Newf("InvalidParameter."+param+".Length", "The parameter - %q beyond the length limit of %d characters.", param, max)
	}
	for _, r := range v {
		if !ok(r) {
			return apierror.Newf("InvalidParameter."+param+".InvalidChars", "The parameter - %q contains invalid chars: %q is not allowed.", param, r)
		}
	}
	return nil
}

// text checks a free-text parameter: at most max characters, no control
// characters. An empty value is allowed.
func text(param, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return apierror.Newf("InvalidParameter."+param+".Length", "The parameter - %q beyond the length limit of %d characters.", param, max)
	}
	return nil
}

func displayName(param, v string) error {
	if err := text(param, v, maxDisplayNameLen); err != nil {
		return err
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return apierror.Newf("InvalidParameter."+param+".InvalidChars", "The parameter - %q contains invalid chars: control characters are not allowed.", param)
		}
	}
	return nil
}

// email accepts local@domain with a dot in the domain, no spaces.
func email(param, v string) error {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || len(v) > maxEmailLen || strings.ContainsAny(v, " \t\r\n<>(),;:\\\"[]") ||
		strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return apierror.Newf("InvalidParameter."+param+".Format", "The format of the parameter - %q is incorrect; use an address like name@example.com.", param)
	}
	return nil
}

// mobilePhone accepts an international code and a number: 86-18600008888.
func mobilePhone(param, v string) error {
	code, num, ok := strings.Cut(v, "-")
	if !ok || !digits(code, 1, 4) || !digits(num, 4, 20) {
		return apierror.Newf("InvalidParameter."+param+".Format", "The format of the parameter - %q is incorrect; use the country code, a hyphen and the number, like 86-18600008888.", param)
	}
	return nil
}

func digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func description(v string) error {
	if len(v) > maxDescriptionLen {
		return apierror.Newf("InvalidParameter.Description.Length", "The parameter - \"Description\" beyond the length limit of %d bytes.", maxDescriptionLen)
	}
	return nil
}

// CreateUserInput is CreateUser's request.
type CreateUserInput struct {
	UserName    string
	DisplayName string // defaults to UserName
	Email       string
	MobilePhone string
	Comments    string
}

// ParseCreateUser reads CreateUser: UserName (1-64 of letters, digits . @ - _),
// DisplayName (up to 128 characters; default the UserName), Email,
// MobilePhone (86-18600008888), Comments (up to 128 characters).
func ParseCreateUser(p Params) (CreateUserInput, error) {
	var in CreateUserInput
	var err error
	if in.UserName, err = identifier(p, "UserName", maxUserNameLen, isUserNameRune); err != nil {
		return in, err
	}
	in.DisplayName, in.Email, in.MobilePhone, in.Comments = p["DisplayName"], p["Email"], p["MobilePhone"], p["Comments"]
	if err := displayName("DisplayName", in.DisplayName); err != nil {
		return in, err
	}
	if in.DisplayName == "" {
		in.DisplayName = in.UserName
	}
	if in.Email != "" {
		if err := email("Email", in.Email); err != nil {
			return in, err
		}
	}
	if in.MobilePhone != "" {
		if err := mobilePhone("MobilePhone", in.MobilePhone); err != nil {
			return in, err
		}
	}
	if err := text("Comments", in.Comments, maxCommentsLen); err != nil {
		return in, err
	}
	return in, nil
}

// User returns the user the input describes (ids and dates left to the
// caller).
func (in CreateUserInput) User(accountID string) User {
	return User{AccountID: accountID, UserName: in.UserName, DisplayName: in.DisplayName,
		Email: in.Email, MobilePhone: in.MobilePhone, Comments: in.Comments}
}

// ParseUserName reads the required UserName of GetUser, DeleteUser and
// ListPoliciesForUser.
func ParseUserName(p Params) (string, error) {
	return identifier(p, "UserName", maxUserNameLen, isUserNameRune)
}

// ParseOptionalUserName reads the UserName of the access-key actions, where
// an absent UserName means the caller's own identity ("" is returned).
func ParseOptionalUserName(p Params) (string, error) {
	v := p["UserName"]
	if v == "" {
		return "", nil
	}
	return v, checkIdentifier("UserName", v, maxUserNameLen, isUserNameRune)
}

// UpdateUserInput is UpdateUser's request; a nil field is left unchanged.
type UpdateUserInput struct {
	UserName       string
	NewUserName    *string
	NewDisplayName *string
	NewEmail       *string // "" clears
	NewMobilePhone *string // "" clears
	NewComments    *string // "" clears
}

// ParseUpdateUser reads UpdateUser. An empty NewUserName or NewDisplayName
// means no change; an empty NewEmail, NewMobilePhone or NewComments that is
// present clears the field.
func ParseUpdateUser(p Params) (UpdateUserInput, error) {
	var in UpdateUserInput
	var err error
	if in.UserName, err = identifier(p, "UserName", maxUserNameLen, isUserNameRune); err != nil {
		return in, err
	}
	if v := p["NewUserName"]; v != "" {
		if err := checkIdentifier("NewUserName", v, maxUserNameLen, isUserNameRune); err != nil {
			return in, err
		}
		in.NewUserName = &v
	}
	if v := p["NewDisplayName"]; v != "" {
		if err := displayName("NewDisplayName", v); err != nil {
			return in, err
		}
		in.NewDisplayName = &v
	}
	if v, ok := p["NewEmail"]; ok {
		if v != "" {
			if err := email("NewEmail", v); err != nil {
				return in, err
			}
		}
		in.NewEmail = &v
	}
	if v, ok := p["NewMobilePhone"]; ok {
		if v != "" {
			if err := mobilePhone("NewMobilePhone", v); err != nil {
				return in, err
			}
		}
		in.NewMobilePhone = &v
	}
	if v, ok := p["NewComments"]; ok {
		if err := text("NewComments", v, maxCommentsLen); err != nil {
			return in, err
		}
		in.NewComments = &v
	}
	return in, nil
}

// Apply writes the changes onto u and reports whether anything changed.
func (in UpdateUserInput) Apply(u *User) bool {
	changed := false
	set := func(dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst, changed = *v, true
		}
	}
	set(&u.UserName, in.NewUserName)
	set(&u.DisplayName, in.NewDisplayName)
	set(&u.Email, in.NewEmail)
	set(&u.MobilePhone, in.NewMobilePhone)
	set(&u.Comments, in.NewComments)
	return changed
}

// ListInput is the paging of a List* action: continue after the item named
// After (decoded from Marker; "" for the first page), at most MaxItems items.
type ListInput struct {
	After    string
	MaxItems int
}

// ParseList reads Marker and MaxItems (1-1000, default 100).
func ParseList(p Params) (ListInput, error) {
	in := ListInput{MaxItems: DefaultMaxItems}
	if v, ok := p["MaxItems"]; ok && v != "" {
		n, ok := wirenum.Int(v)
		if !ok || n < 1 || n > MaxMaxItems {
			return in, apierror.Newf("InvalidParameter.MaxItems", "The parameter - \"MaxItems\" MUST be a number in the range of 1 and %d.", MaxMaxItems)
		}
		in.MaxItems = int(n)
	}
	if m := p["Marker"]; m != "" {
		after, ok := DecodeMarker(m)
		if !ok {
			return in, apierror.Newf("InvalidParameter.Marker", "The parameter - \"Marker\" is incorrect; pass the Marker of the previous page unchanged.")
		}
		in.After = after
	}
	return in, nil
}

// EncodeMarker makes the opaque Marker that continues a list after name.
func EncodeMarker(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

// DecodeMarker reverses EncodeMarker.
func DecodeMarker(m string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) == 0 || len(b) > 256 || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// ListPoliciesInput is ListPolicies' request.
type ListPoliciesInput struct {
	ListInput
	PolicyType string // "" for both
}

// ParseListPolicies reads ListPolicies: optional PolicyType, Marker, MaxItems.
func ParseListPolicies(p Params) (ListPoliciesInput, error) {
	l, err := ParseList(p)
	if err != nil {
		return ListPoliciesInput{}, err
	}
	in := ListPoliciesInput{ListInput: l}
	if v := p["PolicyType"]; v != "" {
		if in.PolicyType, err = policyType(v); err != nil {
			return in, err
		}
	}
	return in, nil
}

func policyType(v string) (string, error) {
	switch v {
	case PolicyTypeSystem, PolicyTypeCustom:
		return v, nil
	}
	return "", apierror.Newf("InvalidParameter.PolicyType", "The parameter - \"PolicyType\" is incorrect: %q; use System or Custom.", clip(v))
}

// AccessKeyInput is the request of UpdateAccessKey and DeleteAccessKey.
type AccessKeyInput struct {
	UserName    string // "" = the caller's own identity
	AccessKeyID string
	Status      string // UpdateAccessKey only: KeyActive or KeyInactive
}

// ParseUpdateAccessKey reads UpdateAccessKey: UserAccessKeyId, Status
// (Active or Inactive), optional UserName.
func ParseUpdateAccessKey(p Params) (AccessKeyInput, error) {
	in, err := parseAccessKey(p)
	if err != nil {
		return in, err
	}
	switch s := p["Status"]; s {
	case KeyActive, KeyInactive:
		in.Status = s
	case "":
		return in, apierror.Missing("Status")
	default:
		return in, apierror.Newf("InvalidParameter.Status", "The parameter - \"Status\" MUST be Active or Inactive, not %q.", clip(s))
	}
	return in, nil
}

// ParseDeleteAccessKey reads DeleteAccessKey: UserAccessKeyId, optional
// UserName.
func ParseDeleteAccessKey(p Params) (AccessKeyInput, error) { return parseAccessKey(p) }

func parseAccessKey(p Params) (AccessKeyInput, error) {
	var in AccessKeyInput
	var err error
	if in.UserName, err = ParseOptionalUserName(p); err != nil {
		return in, err
	}
	in.AccessKeyID = p["UserAccessKeyId"]
	if in.AccessKeyID == "" {
		return in, apierror.Missing("UserAccessKeyId")
	}
	if len(in.AccessKeyID) > 128 || strings.HasPrefix(in.AccessKeyID, "STS.") {
		return in, apierror.Newf("InvalidParameter.UserAccessKeyId", "The parameter - \"UserAccessKeyId\" is incorrect: it is not a long-term AccessKeyId.")
	}
	return in, nil
}

// CreatePolicyInput is CreatePolicy's request.
type CreatePolicyInput struct {
	PolicyName  string
	Description string
	Document    string
	Parsed      *authz.Policy
}

// ParseCreatePolicy reads CreatePolicy: PolicyName (1-128 of letters, digits
// and -), PolicyDocument (parsed by authz.Parse: MalformedPolicyDocument with
// the parser's explanation), Description (up to 1024 bytes).
func ParseCreatePolicy(p Params) (CreatePolicyInput, error) {
	var in CreatePolicyInput
	var err error
	if in.PolicyName, err = identifier(p, "PolicyName", maxPolicyNameLen, isPolicyNameRune); err != nil {
		return in, err
	}
	if in.Document, in.Parsed, err = policyDocument(p); err != nil {
		return in, err
	}
	in.Description = p["Description"]
	return in, description(in.Description)
}

func policyDocument(p Params) (string, *authz.Policy, error) {
	doc := p["PolicyDocument"]
	if doc == "" {
		return "", nil, apierror.Missing("PolicyDocument")
	}
	if utf8.RuneCountInString(doc) > authz.MaxDocumentLength {
		return "", nil, apierror.Newf("InvalidParameter.PolicyDocument.Length", "The parameter - \"PolicyDocument\" beyond the length limit of %d characters.", authz.MaxDocumentLength)
	}
	pol, err := authz.Parse(doc)
	if err != nil {
		return "", nil, apierror.Newf("MalformedPolicyDocument", "The policy document is malformed: %s.", strings.TrimSuffix(err.Error(), "."))
	}
	if msg := unknownConditionKey(pol, false); msg != "" {
		return "", nil, apierror.Newf("MalformedPolicyDocument", "The policy document is malformed: %s.", msg)
	}
	return doc, pol, nil
}

// Condition keys vpcvpn supplies: every request's acs:SourceIp,
// acs:SecureTransport and acs:CurrentTime; AssumeRole's sts:ExternalId for
// trust policies.
var (
	requestConditionKeys = []string{authz.KeySourceIP, authz.KeySecureTransport, authz.KeyCurrentTime}
	trustConditionKeys   = append(append([]string(nil), requestConditionKeys...), "sts:ExternalId")
)

// unknownConditionKey explains the first condition key of pol that vpcvpn
// never supplies ("" when there is none): a condition on it would silently
// never hold (a misspelt acs:SourceIpAddress would leave a Deny without
// effect).
func unknownConditionKey(pol *authz.Policy, trust bool) string {
	keys := requestConditionKeys
	if trust {
		keys = trustConditionKeys
	}
	stmt, key, ok := pol.UnknownConditionKey(func(k string) bool {
		for _, known := range keys {
			if strings.EqualFold(k, known) {
				return true
			}
		}
		return false
	})
	if !ok {
		return ""
	}
	return fmt.Sprintf("Statement[%d]: condition key %q is not supported; vpcvpn evaluates %s (ignoring case)", stmt, clip(key), strings.Join(keys, ", "))
}

// PolicyRef names a policy: GetPolicy and the attach/detach actions.
type PolicyRef struct {
	PolicyName string
	PolicyType string
}

// ParsePolicyRef reads GetPolicy: PolicyName and PolicyType (both required).
func ParsePolicyRef(p Params) (PolicyRef, error) {
	var in PolicyRef
	var err error
	if in.PolicyName, err = identifier(p, "PolicyName", maxPolicyNameLen, isPolicyNameRune); err != nil {
		return in, err
	}
	if p["PolicyType"] == "" {
		return in, apierror.Missing("PolicyType")
	}
	in.PolicyType, err = policyType(p["PolicyType"])
	return in, err
}

// ParseDeletePolicy reads DeletePolicy: PolicyName (a custom policy).
func ParseDeletePolicy(p Params) (string, error) {
	return identifier(p, "PolicyName", maxPolicyNameLen, isPolicyNameRune)
}

// Rotate strategies of CreatePolicyVersion.
const (
	RotateNone         = "None"
	RotateDeleteOldest = "DeleteOldestNonDefaultVersionWhenLimitExceeded"
)

// CreatePolicyVersionInput is CreatePolicyVersion's request.
type CreatePolicyVersionInput struct {
	PolicyName     string
	Document       string
	Parsed         *authz.Policy
	SetAsDefault   bool
	RotateStrategy string // RotateNone (default) or RotateDeleteOldest
}

// ParseCreatePolicyVersion reads CreatePolicyVersion: PolicyName,
// PolicyDocument, SetAsDefault (true/false, default false), RotateStrategy.
func ParseCreatePolicyVersion(p Params) (CreatePolicyVersionInput, error) {
	var in CreatePolicyVersionInput
	var err error
	if in.PolicyName, err = identifier(p, "PolicyName", maxPolicyNameLen, isPolicyNameRune); err != nil {
		return in, err
	}
	if in.Document, in.Parsed, err = policyDocument(p); err != nil {
		return in, err
	}
	switch v := p["SetAsDefault"]; strings.ToLower(v) {
	case "", "false":
	case "true":
		in.SetAsDefault = true
	default:
		return in, apierror.Newf("InvalidParameter.SetAsDefault", "The parameter - \"SetAsDefault\" MUST be true or false, not %q.", clip(v))
	}
	switch v := p["RotateStrategy"]; v {
	case "", RotateNone:
		in.RotateStrategy = RotateNone
	case RotateDeleteOldest:
		in.RotateStrategy = v
	default:
		return in, apierror.Newf("InvalidParameter.RotateStrategy", "The parameter - \"RotateStrategy\" MUST be None or DeleteOldestNonDefaultVersionWhenLimitExceeded, not %q.", clip(v))
	}
	return in, nil
}

// AttachInput is the request of AttachPolicyToUser/Role and
// DetachPolicyFromUser/Role.
type AttachInput struct {
	PolicyRef
	PrincipalType string // AttachToUser or AttachToRole
	PrincipalName string // UserName or RoleName
}

// ParseAttachUser reads Attach/DetachPolicy(To|From)User: PolicyType,
// PolicyName, UserName (all required).
func ParseAttachUser(p Params) (AttachInput, error) {
	in := AttachInput{PrincipalType: AttachToUser}
	var err error
	if in.PolicyRef, err = ParsePolicyRef(p); err != nil {
		return in, err
	}
	in.PrincipalName, err = ParseUserName(p)
	return in, err
}

// ParseAttachRole reads Attach/DetachPolicy(To|From)Role: PolicyType,
// PolicyName, RoleName (all required).
func ParseAttachRole(p Params) (AttachInput, error) {
	in := AttachInput{PrincipalType: AttachToRole}
	var err error
	if in.PolicyRef, err = ParsePolicyRef(p); err != nil {
		return in, err
	}
	in.PrincipalName, err = ParseRoleName(p)
	return in, err
}

// ParseRoleName reads the required RoleName (1-64 of letters, digits . -).
func ParseRoleName(p Params) (string, error) {
	return identifier(p, "RoleName", maxRoleNameLen, isRoleNameRune)
}

// CreateRoleInput is CreateRole's request.
type CreateRoleInput struct {
	RoleName           string
	Description        string
	TrustDocument      string
	Trust              *TrustPolicy
	MaxSessionDuration int64
}

// ParseCreateRole reads CreateRole: RoleName, AssumeRolePolicyDocument (a
// trust policy, see ParseTrustPolicy; MalformedPolicyDocument when it does
// not parse), Description (up to 1024 bytes), MaxSessionDuration (3600-43200,
// default 3600).
func ParseCreateRole(p Params) (CreateRoleInput, error) {
	in := CreateRoleInput{MaxSessionDuration: DefaultSessionDuration}
	var err error
	if in.RoleName, err = ParseRoleName(p); err != nil {
		return in, err
	}
	in.TrustDocument = p["AssumeRolePolicyDocument"]
	if in.TrustDocument == "" {
		return in, apierror.Missing("AssumeRolePolicyDocument")
	}
	if utf8.RuneCountInString(in.TrustDocument) > authz.MaxDocumentLength {
		return in, apierror.Newf("InvalidParameter.PolicyDocument.Length", "The parameter - \"AssumeRolePolicyDocument\" beyond the length limit of %d characters.", authz.MaxDocumentLength)
	}
	if in.Trust, err = ParseNewTrustPolicy(in.TrustDocument); err != nil {
		return in, apierror.Newf("MalformedPolicyDocument", "The trust policy (AssumeRolePolicyDocument) is malformed: %s.", strings.TrimSuffix(err.Error(), "."))
	}
	in.Description = p["Description"]
	if err := description(in.Description); err != nil {
		return in, err
	}
	if v := p["MaxSessionDuration"]; v != "" {
		n, ok := wirenum.Int(v)
		if !ok || n < MinMaxSessionDuration || n > MaxMaxSessionDuration {
			return in, apierror.Newf("InvalidParameter.MaxSessionDuration", "The parameter - \"MaxSessionDuration\" MUST be a number of seconds in the range of %d and %d.", MinMaxSessionDuration, MaxMaxSessionDuration)
		}
		in.MaxSessionDuration = n
	}
	return in, nil
}

// Role returns the role the input describes (ids and dates left to the
// caller).
func (in CreateRoleInput) Role(accountID string) Role {
	return Role{AccountID: accountID, RoleName: in.RoleName, Description: in.Description,
		AssumeRolePolicyDocument: in.TrustDocument, MaxSessionDuration: in.MaxSessionDuration}
}

// AssumeRoleInput is STS AssumeRole's request.
type AssumeRoleInput struct {
	RoleArn         string
	AccountID       string // from RoleArn
	RoleName        string // from RoleArn, lower case as in the ARN
	RoleSessionName string
	// Policy narrows the session ("" for none); Parsed is its parsed form.
	Policy string
	Parsed *authz.Policy
	// DurationSeconds is 0 when not given: the service uses
	// DefaultSessionDuration capped at the role's maximum.
	DurationSeconds int64
	ExternalID      string
}

// ParseAssumeRole reads AssumeRole: RoleArn (acs:ram::{account}:role/{name}),
// RoleSessionName (2-32 of letters, digits . @ - _), Policy (up to 2048
// bytes, parsed by authz.Parse: InvalidParameter.PolicyGrammar), and
// DurationSeconds (at least 900 and at most 43200; the role's own maximum is
// checked by the service), ExternalId (2-1224 of letters, digits and
// =,.@:/-_).
func ParseAssumeRole(p Params) (AssumeRoleInput, error) {
	var in AssumeRoleInput
	in.RoleArn = p["RoleArn"]
	if in.RoleArn == "" {
		return in, apierror.Missing("RoleArn")
	}
	acct, name, ok := ParseRoleARN(in.RoleArn)
	if !ok {
		return in, apierror.Newf("InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed: use acs:ram::{AccountId}:role/{RoleName}.")
	}
	in.AccountID, in.RoleName = acct, name
	in.RoleSessionName = p["RoleSessionName"]
	if in.RoleSessionName == "" {
		return in, apierror.Missing("RoleSessionName")
	}
	if n := len(in.RoleSessionName); n < 2 || n > 32 || strings.IndexFunc(in.RoleSessionName, func(r rune) bool { return !isSessionNameRune(r) }) >= 0 {
		return in, apierror.Newf("InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed: use 2 to 32 letters, digits, periods (.), at signs (@), hyphens (-) and underscores (_).")
	}
	if v := p["DurationSeconds"]; v != "" {
		n, ok := wirenum.Int(v)
		if !ok || n < MinSessionDuration || n > MaxMaxSessionDuration {
			return in, apierror.Newf("InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is %d seconds/the role's MaxSessionDuration (at most %d).", MinSessionDuration, MaxMaxSessionDuration)
		}
		in.DurationSeconds = n
	}
	if pol := p["Policy"]; pol != "" {
		if len(pol) > MaxSessionPolicyBytes {
			return in, apierror.Newf("InvalidParameter.PolicySize", "The max size of policy string is %d bytes.", MaxSessionPolicyBytes)
		}
		parsed, err := authz.Parse(pol)
		if err != nil {
			return in, apierror.Newf("InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check: %s.", strings.TrimSuffix(err.Error(), "."))
		}
		if msg := unknownConditionKey(parsed, false); msg != "" {
			return in, apierror.Newf("InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check: %s.", msg)
		}
		in.Policy, in.Parsed = pol, parsed
	}
	if v, ok := p["ExternalId"]; ok && v != "" {
		if n := len(v); n < 2 || n > 1224 || strings.IndexFunc(v, func(r rune) bool {
			return r >= utf8.RuneSelf || !(isAlnum(byte(r)) || strings.ContainsRune("=,.@:/-_", r))
		}) >= 0 {
			return in, apierror.Newf("InvalidParameter.ExternalId", "The parameter ExternalId is wrongly formed: use 2 to 1224 letters, digits and =,.@:/-_ characters.")
		}
		in.ExternalID = v
	}
	return in, nil
}

// ParseRoleARN splits acs:ram::{account}:role/{name} (account: digits; name a
// valid role name). The name is returned in lower case, as RAM compares role
// names without case.
func ParseRoleARN(arn string) (accountID, roleName string, ok bool) {
	rest, found := strings.CutPrefix(arn, "acs:ram::")
	if !found {
		return "", "", false
	}
	acct, rel, found := strings.Cut(rest, ":")
	if !found || !digits(acct, 1, 32) {
		return "", "", false
	}
	name, found := strings.CutPrefix(rel, "role/")
	if !found || name == "" || checkIdentifier("RoleName", name, maxRoleNameLen, isRoleNameRune) != nil {
		return "", "", false
	}
	return acct, strings.ToLower(name), true
}

// clip shortens a client value quoted in a message (apierror.Clip).
func clip(s string) string { return apierror.Clip(s, 64) }
