package iam

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// Sealer seals and opens small secrets bound to additional data;
// *secret.Keyring implements it.
type Sealer interface {
	Seal(plaintext, ad string) (string, error)
	Open(sealed, ad string) (string, error)
}

// Session is an STS role session: the temporary credentials AssumeRole hands
// out. It lives only inside its SecurityToken, which every server sharing the
// master key can open: no server keeps sessions in memory or in the store.
type Session struct {
	AccountID       string
	RoleName        string // as stored in RAM (not lower-cased)
	RoleID          string // the role's id: a deleted and re-created role does not revive old sessions
	SessionName     string
	AccessKeyID     string // "STS." + 24 random characters
	AccessKeySecret string
	Policy          string // the session policy, "" for none
	IssuedAt        time.Time
	Expiration      time.Time
}

// Principal is who a request signed with the session's credentials is made by.
func (s *Session) Principal() Principal {
	return Principal{Kind: PrincipalSession, AccountID: s.AccountID, UserName: s.RoleName, UserID: s.RoleID,
		SessionName: s.SessionName, AccessKeyID: s.AccessKeyID, SessionPolicy: s.Policy}
}

// AssumedRoleID is RAM's AssumedRoleId: {RoleId}:{RoleSessionName}.
func (s *Session) AssumedRoleID() string { return s.RoleID + ":" + s.SessionName }

// ARN of the session: acs:ram::{account}:assumed-role/{role}/{session}.
func (s *Session) ARN() string {
	p := s.Principal()
	return p.ARN()
}

const (
	// tokenPrefix starts every SecurityToken, as Alibaba's do.
	tokenPrefix = "CAIS"
	// tokenAD is the additional data tokens are sealed with, so that no other
	// sealed value of vpcvpn (a PSK, an access-key secret) opens as a token.
	tokenAD = "vpcvpn/sts-session/v1"
	// MaxTokenLength bounds a SecurityToken a client may send.
	MaxTokenLength = 8192
	stsKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// tokenBody is the sealed content of a SecurityToken.
type tokenBody struct {
	A string `json:"a"` // account
	R string `json:"r"` // role name
	I string `json:"i"` // role id
	S string `json:"s"` // session name
	K string `json:"k"` // AccessKeyId
	X string `json:"x"` // AccessKeySecret
	P string `json:"p,omitempty"`
	T int64  `json:"t"` // issued, Unix seconds
	E int64  `json:"e"` // expires, Unix seconds
}

// NewSessionCredentials returns a fresh AccessKeyId ("STS." + 24 letters and
// digits) and a 40-character AccessKeySecret.
func NewSessionCredentials() (accessKeyID, secret string, err error) {
	id, err := randomString(24)
	if err != nil {
		return "", "", err
	}
	secret, err = randomString(40)
	if err != nil {
		return "", "", err
	}
	return "STS." + id, secret, nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(stsKeyAlphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = stsKeyAlphabet[v.Int64()]
	}
	return string(b), nil
}

// IssueToken seals s into a SecurityToken: "CAIS" followed by URL-safe
// base64 of the sealed session (the AccessKeySecret is inside, encrypted, so
// any server can verify a request signed with it). Times are kept to the
// second.
func IssueToken(sealer Sealer, s Session) (string, error) {
	b, err := json.Marshal(tokenBody{A: s.AccountID, R: s.RoleName, I: s.RoleID, S: s.SessionName,
		K: s.AccessKeyID, X: s.AccessKeySecret, P: s.Policy, T: s.IssuedAt.Unix(), E: s.Expiration.Unix()})
	if err != nil {
		return "", err
	}
	sealed, err := sealer.Seal(string(b), tokenAD)
	if err != nil {
		return "", err
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(sealed)), nil
}

// OpenToken verifies a SecurityToken presented with accessKeyID at time now
// and returns its session. Errors, all 400:
//   - InvalidSecurityToken.Malformed: not a token this deployment issued
//     (wrong format, altered, sealed under a key the keyring does not hold);
//   - InvalidSecurityToken.MismatchWithAccessKey: a valid token of another
//     AccessKeyId;
//   - InvalidSecurityToken.Expired: the session is over (now >= Expiration).
//
// OpenToken does not check that the role still exists; the caller must.
func OpenToken(sealer Sealer, accessKeyID, token string, now time.Time) (Session, error) {
	raw, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > MaxTokenLength {
		return Session{}, malformed()
	}
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return Session{}, malformed()
	}
	plain, err := sealer.Open(string(sealed), tokenAD)
	if err != nil {
		return Session{}, malformed()
	}
	var b tokenBody
	if err := json.Unmarshal([]byte(plain), &b); err != nil || b.K == "" || b.A == "" || b.I == "" {
		return Session{}, malformed()
	}
	if b.K != accessKeyID {
		return Session{}, apierror.Newf("InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey: the token was issued with another AccessKeyId.")
	}
	s := Session{AccountID: b.A, RoleName: b.R, RoleID: b.I, SessionName: b.S, AccessKeyID: b.K,
		AccessKeySecret: b.X, Policy: b.P, IssuedAt: time.Unix(b.T, 0).UTC(), Expiration: time.Unix(b.E, 0).UTC()}
	if !now.Before(s.Expiration) {
		return Session{}, apierror.Newf("InvalidSecurityToken.Expired", "Specified SecurityToken is expired: it expired at %s; call AssumeRole again.", FormatTime(s.Expiration))
	}
	return s, nil
}

func malformed() error {
	return apierror.Newf("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed: it is not a SecurityToken issued by this endpoint's AssumeRole.")
}
