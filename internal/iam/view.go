package iam

import "time"

// Wire shapes of the RAM (2015-05-01) and STS (2015-04-01) answers. Field
// names, nesting and list wrapping (Users.User[], Policies.Policy[],
// AccessKeys.AccessKey[]) match the V1 SDK's services/ram and services/sts
// response structs; RequestId is added by the api layer. Times are written as
// RAM does: 2015-01-23T12:33:18Z.

// UserView is a User on the wire.
type UserView struct {
	UserId      string `json:"UserId" xml:"UserId"`
	UserName    string `json:"UserName" xml:"UserName"`
	DisplayName string `json:"DisplayName" xml:"DisplayName"`
	MobilePhone string `json:"MobilePhone,omitempty" xml:"MobilePhone,omitempty"`
	Email       string `json:"Email,omitempty" xml:"Email,omitempty"`
	Comments    string `json:"Comments,omitempty" xml:"Comments,omitempty"`
	CreateDate  string `json:"CreateDate" xml:"CreateDate"`
	UpdateDate  string `json:"UpdateDate" xml:"UpdateDate"`
}

// ViewUser converts u.
func ViewUser(u User) UserView {
	return UserView{UserId: u.UserID, UserName: u.UserName, DisplayName: u.DisplayName, MobilePhone: u.MobilePhone,
		Email: u.Email, Comments: u.Comments, CreateDate: FormatTime(u.CreateDate), UpdateDate: FormatTime(u.UpdateDate)}
}

// UserAnswer answers CreateUser, GetUser and UpdateUser.
type UserAnswer struct {
	User UserView `json:"User" xml:"User"`
}

// ListUsersAnswer answers ListUsers.
type ListUsersAnswer struct {
	IsTruncated bool   `json:"IsTruncated" xml:"IsTruncated"`
	Marker      string `json:"Marker,omitempty" xml:"Marker,omitempty"`
	Users       struct {
		User []UserView `json:"User" xml:"User"`
	} `json:"Users" xml:"Users"`
}

// NewListUsersAnswer wraps a page; next is the name to continue after ("" on
// the last page).
func NewListUsersAnswer(users []User, next string) *ListUsersAnswer {
	a := &ListUsersAnswer{IsTruncated: next != ""}
	if next != "" {
		a.Marker = EncodeMarker(next)
	}
	a.Users.User = make([]UserView, 0, len(users))
	for _, u := range users {
		a.Users.User = append(a.Users.User, ViewUser(u))
	}
	return a
}

// AccessKeyView is an access key on the wire; AccessKeySecret only in
// CreateAccessKey's answer.
type AccessKeyView struct {
	AccessKeyId     string `json:"AccessKeyId" xml:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret,omitempty" xml:"AccessKeySecret,omitempty"`
	Status          string `json:"Status" xml:"Status"`
	CreateDate      string `json:"CreateDate" xml:"CreateDate"`
}

// CreateAccessKeyAnswer answers CreateAccessKey; it is the only answer that
// carries a secret.
type CreateAccessKeyAnswer struct {
	AccessKey AccessKeyView `json:"AccessKey" xml:"AccessKey"`
}

// NewCreateAccessKeyAnswer shows k with its secret.
func NewCreateAccessKeyAnswer(k AccessKey) *CreateAccessKeyAnswer {
	return &CreateAccessKeyAnswer{AccessKey: AccessKeyView{AccessKeyId: k.AccessKeyID, AccessKeySecret: k.Secret,
		Status: k.Status, CreateDate: FormatTime(k.CreatedAt)}}
}

// ListAccessKeysAnswer answers ListAccessKeys (no secrets).
type ListAccessKeysAnswer struct {
	AccessKeys struct {
		AccessKey []AccessKeyView `json:"AccessKey" xml:"AccessKey"`
	} `json:"AccessKeys" xml:"AccessKeys"`
}

// NewListAccessKeysAnswer shows keys without their secrets.
func NewListAccessKeysAnswer(keys []AccessKey) *ListAccessKeysAnswer {
	a := &ListAccessKeysAnswer{}
	a.AccessKeys.AccessKey = make([]AccessKeyView, 0, len(keys))
	for _, k := range keys {
		a.AccessKeys.AccessKey = append(a.AccessKeys.AccessKey, AccessKeyView{AccessKeyId: k.AccessKeyID,
			Status: k.Status, CreateDate: FormatTime(k.CreatedAt)})
	}
	return a
}

// PolicyView is a policy on the wire. PolicyDocument is filled only where
// RAM fills it (none of the answers here: GetPolicy carries the document in
// DefaultPolicyVersion).
type PolicyView struct {
	PolicyName      string `json:"PolicyName" xml:"PolicyName"`
	PolicyType      string `json:"PolicyType" xml:"PolicyType"`
	Description     string `json:"Description" xml:"Description"`
	DefaultVersion  string `json:"DefaultVersion" xml:"DefaultVersion"`
	CreateDate      string `json:"CreateDate" xml:"CreateDate"`
	UpdateDate      string `json:"UpdateDate,omitempty" xml:"UpdateDate,omitempty"`
	AttachmentCount int    `json:"AttachmentCount" xml:"AttachmentCount"`
	AttachDate      string `json:"AttachDate,omitempty" xml:"AttachDate,omitempty"`
}

// ViewPolicy converts p (AttachDate left empty).
func ViewPolicy(p Policy) PolicyView {
	return PolicyView{PolicyName: p.PolicyName, PolicyType: p.PolicyType, Description: p.Description,
		DefaultVersion: p.DefaultVersion, CreateDate: FormatTime(p.CreateDate), UpdateDate: FormatTime(p.UpdateDate),
		AttachmentCount: p.AttachmentCount}
}

// CreatePolicyAnswer answers CreatePolicy.
type CreatePolicyAnswer struct {
	Policy PolicyView `json:"Policy" xml:"Policy"`
}

// PolicyVersionView is a policy version on the wire.
type PolicyVersionView struct {
	VersionId        string `json:"VersionId" xml:"VersionId"`
	IsDefaultVersion bool   `json:"IsDefaultVersion" xml:"IsDefaultVersion"`
	PolicyDocument   string `json:"PolicyDocument" xml:"PolicyDocument"`
	CreateDate       string `json:"CreateDate" xml:"CreateDate"`
}

// ViewPolicyVersion converts v.
func ViewPolicyVersion(v PolicyVersion) PolicyVersionView {
	return PolicyVersionView{VersionId: v.VersionID, IsDefaultVersion: v.IsDefaultVersion,
		PolicyDocument: v.Document, CreateDate: FormatTime(v.CreateDate)}
}

// GetPolicyAnswer answers GetPolicy: the policy and its default version.
type GetPolicyAnswer struct {
	Policy               PolicyView        `json:"Policy" xml:"Policy"`
	DefaultPolicyVersion PolicyVersionView `json:"DefaultPolicyVersion" xml:"DefaultPolicyVersion"`
}

// NewGetPolicyAnswer shows p with its default version v.
func NewGetPolicyAnswer(p Policy, v PolicyVersion) *GetPolicyAnswer {
	return &GetPolicyAnswer{Policy: ViewPolicy(p), DefaultPolicyVersion: ViewPolicyVersion(v)}
}

// CreatePolicyVersionAnswer answers CreatePolicyVersion.
type CreatePolicyVersionAnswer struct {
	PolicyVersion PolicyVersionView `json:"PolicyVersion" xml:"PolicyVersion"`
}

// ListPoliciesAnswer answers ListPolicies.
type ListPoliciesAnswer struct {
	IsTruncated bool   `json:"IsTruncated" xml:"IsTruncated"`
	Marker      string `json:"Marker,omitempty" xml:"Marker,omitempty"`
	Policies    struct {
		Policy []PolicyView `json:"Policy" xml:"Policy"`
	} `json:"Policies" xml:"Policies"`
}

// NewListPoliciesAnswer wraps a page; next is the name to continue after
// ("" on the last page).
func NewListPoliciesAnswer(ps []Policy, next string) *ListPoliciesAnswer {
	a := &ListPoliciesAnswer{IsTruncated: next != ""}
	if next != "" {
		a.Marker = EncodeMarker(next)
	}
	a.Policies.Policy = make([]PolicyView, 0, len(ps))
	for _, p := range ps {
		a.Policies.Policy = append(a.Policies.Policy, ViewPolicy(p))
	}
	return a
}

// AttachedPolicy is a policy with the date it was attached.
type AttachedPolicy struct {
	Policy     Policy
	AttachDate time.Time
}

// ListPoliciesForUserAnswer answers ListPoliciesForUser.
type ListPoliciesForUserAnswer struct {
	Policies struct {
		Policy []PolicyView `json:"Policy" xml:"Policy"`
	} `json:"Policies" xml:"Policies"`
}

// NewListPoliciesForUserAnswer shows the attached policies with AttachDate.
func NewListPoliciesForUserAnswer(ps []AttachedPolicy) *ListPoliciesForUserAnswer {
	a := &ListPoliciesForUserAnswer{}
	a.Policies.Policy = make([]PolicyView, 0, len(ps))
	for _, p := range ps {
		v := ViewPolicy(p.Policy)
		v.AttachDate = FormatTime(p.AttachDate)
		a.Policies.Policy = append(a.Policies.Policy, v)
	}
	return a
}

// RoleView is a role on the wire.
type RoleView struct {
	RoleId                   string `json:"RoleId" xml:"RoleId"`
	RoleName                 string `json:"RoleName" xml:"RoleName"`
	Arn                      string `json:"Arn" xml:"Arn"`
	Description              string `json:"Description" xml:"Description"`
	AssumeRolePolicyDocument string `json:"AssumeRolePolicyDocument" xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int64  `json:"MaxSessionDuration" xml:"MaxSessionDuration"`
	CreateDate               string `json:"CreateDate" xml:"CreateDate"`
	UpdateDate               string `json:"UpdateDate,omitempty" xml:"UpdateDate,omitempty"`
}

// ViewRole converts r.
func ViewRole(r Role) RoleView {
	return RoleView{RoleId: r.RoleID, RoleName: r.RoleName, Arn: r.ARN(), Description: r.Description,
		AssumeRolePolicyDocument: r.AssumeRolePolicyDocument, MaxSessionDuration: r.MaxSessionDuration,
		CreateDate: FormatTime(r.CreateDate), UpdateDate: FormatTime(r.UpdateDate)}
}

// RoleAnswer answers CreateRole and GetRole.
type RoleAnswer struct {
	Role RoleView `json:"Role" xml:"Role"`
}

// AssumedRoleUserView is STS's AssumedRoleUser.
type AssumedRoleUserView struct {
	AssumedRoleId string `json:"AssumedRoleId" xml:"AssumedRoleId"`
	Arn           string `json:"Arn" xml:"Arn"`
}

// CredentialsView is STS's Credentials.
type CredentialsView struct {
	AccessKeyId     string `json:"AccessKeyId" xml:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret" xml:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken" xml:"SecurityToken"`
	Expiration      string `json:"Expiration" xml:"Expiration"`
}

// AssumeRoleAnswer answers AssumeRole.
type AssumeRoleAnswer struct {
	AssumedRoleUser AssumedRoleUserView `json:"AssumedRoleUser" xml:"AssumedRoleUser"`
	Credentials     CredentialsView     `json:"Credentials" xml:"Credentials"`
}

// NewAssumeRoleAnswer shows session s with its token.
func NewAssumeRoleAnswer(s Session, token string) *AssumeRoleAnswer {
	return &AssumeRoleAnswer{
		AssumedRoleUser: AssumedRoleUserView{AssumedRoleId: s.AssumedRoleID(), Arn: s.ARN()},
		Credentials: CredentialsView{AccessKeyId: s.AccessKeyID, AccessKeySecret: s.AccessKeySecret,
			SecurityToken: token, Expiration: FormatTime(s.Expiration)},
	}
}

// Identity types of GetCallerIdentity.
const (
	IdentityAccount     = "Account"
	IdentityRAMUser     = "RAMUser"
	IdentityAssumedRole = "AssumedRoleUser"
)

// GetCallerIdentityAnswer answers GetCallerIdentity.
type GetCallerIdentityAnswer struct {
	IdentityType string `json:"IdentityType" xml:"IdentityType"`
	AccountId    string `json:"AccountId" xml:"AccountId"`
	PrincipalId  string `json:"PrincipalId" xml:"PrincipalId"`
	UserId       string `json:"UserId" xml:"UserId"`
	Arn          string `json:"Arn" xml:"Arn"`
	RoleId       string `json:"RoleId,omitempty" xml:"RoleId,omitempty"`
}

// NewGetCallerIdentityAnswer describes p. For the root identity UserId and
// PrincipalId are the account id; for a RAM user its UserId (p.UserID); for a
// session they are {RoleId}:{RoleSessionName} and RoleId is set.
func NewGetCallerIdentityAnswer(p Principal) *GetCallerIdentityAnswer {
	a := &GetCallerIdentityAnswer{AccountId: p.AccountID, Arn: p.ARN()}
	switch p.Kind {
	case PrincipalUser:
		a.IdentityType, a.UserId, a.PrincipalId = IdentityRAMUser, p.UserID, p.UserID
	case PrincipalSession:
		id := p.UserID + ":" + p.SessionName
		a.IdentityType, a.UserId, a.PrincipalId, a.RoleId = IdentityAssumedRole, id, id, p.UserID
	default:
		a.IdentityType, a.UserId, a.PrincipalId = IdentityAccount, p.AccountID, p.AccountID
	}
	return a
}
