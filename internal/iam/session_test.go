package iam

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/secret"
)

func keyring(t testing.TB, fill byte) *secret.Keyring {
	t.Helper()
	key := make([]byte, secret.KeySize)
	for i := range key {
		key[i] = fill
	}
	k, err := secret.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testSession(t *testing.T) Session {
	t.Helper()
	id, sec, err := NewSessionCredentials()
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	return Session{AccountID: "1234567890123456", RoleName: "VpnOps", RoleID: "3000000000000000001", SessionName: "alice",
		AccessKeyID: id, AccessKeySecret: sec, Policy: allowAll, IssuedAt: issued, Expiration: issued.Add(time.Hour)}
}

func TestNewSessionCredentials(t *testing.T) {
	id, sec, err := NewSessionCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "STS.") || len(id) != 28 || len(sec) != 40 {
		t.Fatalf("id %q (%d) secret length %d", id, len(id), len(sec))
	}
	id2, sec2, _ := NewSessionCredentials()
	if id == id2 || sec == sec2 {
		t.Fatal("credentials repeat")
	}
}

func TestTokenRoundTrip(t *testing.T) {
	k := keyring(t, 1)
	s := testSession(t)
	tok, err := IssueToken(k, s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "CAIS") {
		t.Fatalf("token %q", tok)
	}
	if strings.Contains(tok, s.AccessKeySecret) || strings.Contains(tok, "VpnOps") {
		t.Fatal("token shows its content in the clear")
	}
	// Another server with the same master key opens it.
	got, err := OpenToken(keyring(t, 1), s.AccessKeyID, tok, s.IssuedAt.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, got); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
	p := got.Principal()
	want := Principal{Kind: PrincipalSession, AccountID: "1234567890123456", UserName: "VpnOps", UserID: "3000000000000000001",
		SessionName: "alice", AccessKeyID: s.AccessKeyID, SessionPolicy: allowAll}
	if d := cmp.Diff(want, p); d != "" {
		t.Fatalf("principal (-want +got)\n%s", d)
	}
	if got.ARN() != "acs:ram::1234567890123456:assumed-role/VpnOps/alice" || got.AssumedRoleID() != "3000000000000000001:alice" {
		t.Fatalf("ARN %s id %s", got.ARN(), got.AssumedRoleID())
	}
}

func TestOpenTokenErrors(t *testing.T) {
	k := keyring(t, 1)
	s := testSession(t)
	tok, err := IssueToken(k, s)
	if err != nil {
		t.Fatal(err)
	}
	psk, err := k.Seal(`{"a":"1","i":"2","k":"STS.x"}`, "vco-1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok[4:])
	flipped := []byte(string(raw))
	flipped[len(flipped)-3] ^= 1
	now := s.IssuedAt.Add(time.Minute)
	tests := []struct {
		name   string
		keys   *secret.Keyring
		ak     string
		token  string
		now    time.Time
		code   string
		expiry bool
	}{
		{name: "empty", keys: k, ak: s.AccessKeyID, token: "", now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "no prefix", keys: k, ak: s.AccessKeyID, token: tok[4:], now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "not base64", keys: k, ak: s.AccessKeyID, token: "CAIS***", now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "truncated", keys: k, ak: s.AccessKeyID, token: tok[:len(tok)-10], now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "altered", keys: k, ak: s.AccessKeyID, token: "CAIS" + base64.RawURLEncoding.EncodeToString(flipped), now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "other master key", keys: keyring(t, 2), ak: s.AccessKeyID, token: tok, now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "other sealed value", keys: k, ak: "STS.x", token: "CAIS" + base64.RawURLEncoding.EncodeToString([]byte(psk)), now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "too long", keys: k, ak: s.AccessKeyID, token: tok + strings.Repeat("A", MaxTokenLength), now: now, code: "InvalidSecurityToken.Malformed"},
		{name: "other access key", keys: k, ak: "STS.someoneelse", token: tok, now: now, code: "InvalidSecurityToken.MismatchWithAccessKey"},
		{name: "expired at expiration", keys: k, ak: s.AccessKeyID, token: tok, now: s.Expiration, code: "InvalidSecurityToken.Expired", expiry: true},
		{name: "expired later", keys: k, ak: s.AccessKeyID, token: tok, now: s.Expiration.Add(time.Hour), code: "InvalidSecurityToken.Expired", expiry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenToken(tt.keys, tt.ak, tt.token, tt.now)
			wantCode(t, err, tt.code, 400)
			if tt.expiry && !strings.Contains(err.Error(), "2026-11-26T07:00:00Z") {
				t.Fatalf("expiry message %q lacks the expiration time", err.Error())
			}
		})
	}
}

func TestTokenSurvivesKeyRotation(t *testing.T) {
	old := make([]byte, secret.KeySize)
	newKey := make([]byte, secret.KeySize)
	newKey[0] = 9
	before, _ := secret.NewKeyring(old)
	after, _ := secret.NewKeyring(newKey, old)
	s := testSession(t)
	tok, err := IssueToken(before, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenToken(after, s.AccessKeyID, tok, s.IssuedAt); err != nil {
		t.Fatalf("token sealed before a rotation must still open: %v", err)
	}
}

func TestIDs(t *testing.T) {
	u, err := NewUserID()
	if err != nil || len(u) != 16 || u[0] == '0' || !digits(u, 16, 16) {
		t.Fatalf("user id %q %v", u, err)
	}
	r, err := NewRoleID()
	if err != nil || len(r) != 19 || r[0] == '0' || !digits(r, 19, 19) {
		t.Fatalf("role id %q %v", r, err)
	}
}
