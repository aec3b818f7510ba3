package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// fakeCreds resolves keys from a map, counting the calls.
type fakeCreds struct {
	mu    sync.Mutex
	keys  map[string]fakeKey
	calls int
}

type fakeKey struct {
	p      iam.Principal
	secret string
	err    error
}

func (f *fakeCreds) Resolve(_ context.Context, ak, _ string) (iam.Principal, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	k, ok := f.keys[ak]
	if !ok {
		return iam.Principal{}, "", apierror.Newf("InvalidAccessKeyId.NotFound", "not found")
	}
	return k.p, k.secret, k.err
}

// fakeClaimer is a GenerationClaimer with settable generations.
type fakeClaimer struct {
	mu   sync.Mutex
	used map[string]bool
	gens map[string]cachegen.Gens
	err  error
}

func (f *fakeClaimer) UseNonce(ctx context.Context, key string, expires time.Time) (bool, error) {
	fresh, _, err := f.ClaimNonce(ctx, key, expires, "")
	return fresh, err
}

func (f *fakeClaimer) ClaimNonce(_ context.Context, key string, _ time.Time, account string) (bool, cachegen.Gens, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return false, cachegen.Gens{}, f.err
	}
	if f.used[key] {
		return false, cachegen.Gens{}, nil
	}
	f.used[key] = true
	return true, f.gens[account], nil
}

func (f *fakeClaimer) bump(account string) {
	f.mu.Lock()
	g := f.gens[account]
	g.Credentials++
	f.gens[account] = g
	f.mu.Unlock()
}

var _ store.NonceStore = (*fakeClaimer)(nil)

// TestCheckedCredentials: with a nonce store that reads generations, a
// resolved key is cached only under a generation read before it, used while
// the request's reading is the same, and resolved again (with the signature
// checked against what that finds) as soon as the account's credentials
// generation moved: a key deactivated through any server is refused by the
// next request.
func TestCheckedCredentials(t *testing.T) {
	const ak, secret, account = "LTAIcheckedkey000001", "checked-secret", "1234567890"
	creds := &fakeCreds{keys: map[string]fakeKey{ak: {p: iam.Principal{Kind: iam.PrincipalUser, AccountID: account, UserName: "dl", AccessKeyID: ak}, secret: secret}}}
	claims := &fakeClaimer{used: map[string]bool{}, gens: map[string]cachegen.Gens{account: {Credentials: 7, Answers: 3}}}
	a := NewAuthenticator(creds, claims)
	a.CacheCheckedCredentials(10, time.Hour)
	n := 0
	call := func(sec string) (iam.Principal, cachegen.Snapshot, error) {
		t.Helper()
		n++
		ps := signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "DescribeRegions"}, {Name: "Version", Value: "2016-04-28"}},
			ak, sec, time.Now(), fmt.Sprintf("nonce-%d", n))
		m := map[string]string{}
		for _, p := range ps {
			m[p.Name] = p.Value
		}
		r := httptest.NewRequest("GET", "/?"+signature.V1Query(ps), nil)
		return a.Authenticate(context.Background(), r, m, ps, nil, nil)
	}
	expect := func(what string, wantCalls int, wantGen uint64) {
		t.Helper()
		p, fresh, err := call(secret)
		if err != nil || p.UserName != "dl" || !fresh.OK || fresh.Account != account || fresh.Gens.Credentials != wantGen || fresh.Gens.Answers != 3 {
			t.Fatalf("%s: %+v %+v %v", what, p, fresh, err)
		}
		if creds.calls != wantCalls {
			t.Fatalf("%s: %d resolutions, want %d", what, creds.calls, wantCalls)
		}
	}
	// The first request learns the key's account (nothing cached: no
	// generation was read before it); the second caches it under the
	// first one's reading; the next ones use it.
	expect("first request", 1, 7)
	expect("second request", 2, 7)
	expect("third request", 2, 7)
	expect("fourth request", 2, 7)
	// A credentials change elsewhere: the next request resolves again.
	claims.bump(account)
	expect("after a change", 3, 8)
	expect("cached again", 3, 8)
	// The key deactivated elsewhere: refused by the very next request.
	creds.mu.Lock()
	creds.keys[ak] = fakeKey{p: creds.keys[ak].p, secret: secret, err: apierror.Newf("InvalidAccessKeyId.Inactive", "inactive")}
	creds.mu.Unlock()
	claims.bump(account)
	if _, _, err := call(secret); !apierror.HasCode(err, "InvalidAccessKeyId.Inactive") {
		t.Fatalf("after deactivation: %v; want InvalidAccessKeyId.Inactive", err)
	}
	// A wrong secret is refused whether or not the key is cached.
	creds.mu.Lock()
	creds.keys[ak] = fakeKey{p: creds.keys[ak].p, secret: secret}
	creds.mu.Unlock()
	claims.bump(account)
	expect("reactivated", 5, 10)
	expect("cached", 6, 10)
	if _, _, err := call("wrong"); !apierror.HasCode(err, "SignatureDoesNotMatch") {
		t.Fatalf("wrong secret: %v", err)
	}
	// The key's secret changed elsewhere (a new key under the same id is
	// not possible; a deleted key is): the re-resolution's answer decides.
	delete(creds.keys, ak)
	claims.bump(account)
	if _, _, err := call(secret); !apierror.HasCode(err, "InvalidAccessKeyId.NotFound") {
		t.Fatalf("after deletion: %v; want InvalidAccessKeyId.NotFound", err)
	}
	// A request signed before the shared store's epoch.
	creds.keys[ak] = fakeKey{p: iam.Principal{Kind: iam.PrincipalUser, AccountID: account, UserName: "dl", AccessKeyID: ak}, secret: secret}
	claims.err = store.ErrSignedBeforeRestart
	if _, _, err := call(secret); !apierror.HasCode(err, "InvalidTimeStamp.Expired") {
		t.Fatalf("signed before the epoch: %v; want InvalidTimeStamp.Expired", err)
	}
}

// TestCheckedCredentialsUseClock: an entry refilled after a credentials
// change (Authenticator.claim's re-resolution) expires by the
// Authenticator's clock, like every other entry. With the wall clock, an
// Authenticator whose clock runs a year ahead found the refilled entry
// already expired and resolved the key again on the next request.
func TestCheckedCredentialsUseClock(t *testing.T) {
	const ak, secret, account = "LTAIcheckedclock0001", "checked-secret", "1234567890"
	clock := &fakeClock{now: time.Now().AddDate(1, 0, 0)}
	creds := &fakeCreds{keys: map[string]fakeKey{ak: {p: iam.Principal{Kind: iam.PrincipalUser, AccountID: account, UserName: "dl", AccessKeyID: ak}, secret: secret}}}
	claims := &fakeClaimer{used: map[string]bool{}, gens: map[string]cachegen.Gens{account: {Credentials: 1}}}
	a := NewAuthenticator(creds, claims)
	a.Now = clock.Now
	a.CacheCheckedCredentials(10, time.Hour)
	n := 0
	expect := func(what string, wantCalls int) {
		t.Helper()
		n++
		ps := signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "DescribeRegions"}, {Name: "Version", Value: "2016-04-28"}},
			ak, secret, clock.Now(), fmt.Sprintf("clock-%d", n))
		m := map[string]string{}
		for _, p := range ps {
			m[p.Name] = p.Value
		}
		r := httptest.NewRequest("GET", "/?"+signature.V1Query(ps), nil)
		if p, _, err := a.Authenticate(context.Background(), r, m, ps, nil, nil); err != nil || p.UserName != "dl" {
			t.Fatalf("%s: %+v %v", what, p, err)
		}
		if creds.calls != wantCalls {
			t.Fatalf("%s: %d resolutions, want %d", what, creds.calls, wantCalls)
		}
	}
	expect("first request", 1)
	expect("second request", 2)
	expect("cached", 2)
	claims.bump(account)
	expect("after a change", 3)
	expect("refilled entry used", 3)
	clock.Add(time.Hour)
	expect("refilled entry expired on the Authenticator's clock", 4)
}
