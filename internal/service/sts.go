package service

import (
	"context"
	"errors"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// STS (2015-04-01) use cases and the STS half of Resolve.

// AssumeRole hands out temporary credentials of a role. The caller must be
// allowed "sts:AssumeRole" on the role's ARN by its own policies (the root
// identity always is), and the role's trust policy must name it (403
// NoPermission otherwise). DurationSeconds defaults to 3600 capped at the
// role's MaxSessionDuration; more than that maximum is
// InvalidParameter.DurationSeconds.
func (s *Service) AssumeRole(ctx context.Context, r *Request) (any, error) {
	in, err := iam.ParseAssumeRole(r.Params)
	if err != nil {
		return nil, err
	}
	if s.sealer == nil {
		return nil, errors.New("service: AssumeRole needs a Sealer (the master keyring)")
	}
	is := s.store
	roleARN := iam.RoleARN(in.AccountID, in.RoleName)
	r.Resource = roleARN
	if err := s.authorize(ctx, r, r.Meta.RAM, roleARN, in.AccountID); err != nil {
		return nil, err
	}
	role, err := is.GetRole(ctx, in.AccountID, in.RoleName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.Newf("EntityNotExist.Role", "The specified Role not exists: %s.", in.RoleArn)
	}
	if err != nil {
		return nil, err
	}
	dur := in.DurationSeconds
	if dur == 0 {
		dur = min(iam.DefaultSessionDuration, role.MaxSessionDuration)
	}
	if dur > role.MaxSessionDuration {
		return nil, apierror.Newf("InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is %d/%d seconds for role %s.", iam.MinSessionDuration, role.MaxSessionDuration, role.RoleName)
	}
	trust, err := iam.ParseTrustPolicy(role.AssumeRolePolicyDocument)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	req := authz.Request{Action: r.Meta.RAM, Resource: roleARN, SourceIP: r.SourceIP,
		SecureTransport: r.SecureTransport, CurrentTime: now}
	if in.ExternalID != "" {
		req.Extra = map[string]string{"sts:ExternalId": in.ExternalID}
	}
	if d := trust.Trusts(r.Principal, req); d != authz.Allow {
		return nil, iam.TrustDenied(r.Principal, roleARN, d)
	}
	id, secret, err := iam.NewSessionCredentials()
	if err != nil {
		return nil, err
	}
	issued := now.Truncate(time.Second)
	sess := iam.Session{AccountID: role.AccountID, RoleName: role.RoleName, RoleID: role.RoleID, SessionName: in.RoleSessionName,
		AccessKeyID: id, AccessKeySecret: secret, Policy: in.Policy, IssuedAt: issued,
		Expiration: issued.Add(time.Duration(dur) * time.Second)}
	token, err := iam.IssueToken(s.sealer, sess)
	if err != nil {
		return nil, err
	}
	return iam.NewAssumeRoleAnswer(sess, token), nil
}

// GetCallerIdentity tells the caller who it is; every identity may call it.
func (s *Service) GetCallerIdentity(ctx context.Context, r *Request) (any, error) {
	p := r.Principal
	if p.Kind == iam.PrincipalUser && p.UserID == "" {
		if u, err := s.store.GetUser(ctx, p.AccountID, p.UserName); err == nil {
			p.UserID = u.UserID
		}
	}
	r.Resource = p.ARN()
	return iam.NewGetCallerIdentityAnswer(p), nil
}

// resolveSession is Resolve for STS credentials: it opens the SecurityToken
// (any server with the master key can), checks that it belongs to
// accessKeyID and has not expired, and that its role still exists (a deleted
// or re-created role ends its sessions).
func (s *Service) resolveSession(ctx context.Context, accessKeyID, token string) (iam.Principal, string, error) {
	if token == "" {
		return iam.Principal{}, "", apierror.Newf("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed: an STS AccessKeyId must be sent with its SecurityToken.")
	}
	if s.sealer == nil {
		return iam.Principal{}, "", apierror.Newf("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed: this endpoint issues no STS credentials.")
	}
	sess, err := iam.OpenToken(s.sealer, accessKeyID, token, s.now())
	if err != nil {
		return iam.Principal{}, "", err
	}
	is := s.store
	role, err := is.GetRole(ctx, sess.AccountID, sess.RoleName)
	if errors.Is(err, store.ErrNotFound) || err == nil && role.RoleID != sess.RoleID {
		return iam.Principal{}, "", apierror.Newf("InvalidSecurityToken.Expired", "Specified SecurityToken is expired: role %s of this session was deleted.", sess.RoleName)
	}
	if err != nil {
		return iam.Principal{}, "", err
	}
	return sess.Principal(), sess.AccessKeySecret, nil
}
