package service_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// countingIAM counts the reads of a caller's policies.
type countingIAM struct {
	store.IAMStore
	attachments atomic.Int64
}

func (c *countingIAM) ListAttachments(ctx context.Context, accountID, principalType, principalName string) ([]iam.Attachment, error) {
	c.attachments.Add(1)
	return c.IAMStore.ListAttachments(ctx, accountID, principalType, principalName)
}

// listWorld is a server with n RAM users besides a "reader" user whose
// policy is doc, and a signer for the reader's key.
type listWorld struct {
	env     *apptest.Env
	counter *countingIAM
	ak, sk  string
}

func newListWorld(t testing.TB, n int, doc string) *listWorld {
	t.Helper()
	env := apptest.Start(t)
	ctx := context.Background()
	is := env.App.Store.(store.IAMStore)
	acct := env.App.Root.AccountID
	for i := range n {
		id, err := iam.NewUserID()
		if err != nil {
			t.Fatal(err)
		}
		if err := is.CreateUser(ctx, iam.User{AccountID: acct, UserName: fmt.Sprintf("user%05d", i), UserID: id}); err != nil {
			t.Fatal(err)
		}
	}
	id, _ := iam.NewUserID()
	if err := is.CreateUser(ctx, iam.User{AccountID: acct, UserName: "reader", UserID: id}); err != nil {
		t.Fatal(err)
	}
	if err := is.CreatePolicy(ctx, iam.Policy{AccountID: acct, PolicyName: "reader-policy", PolicyType: iam.PolicyTypeCustom, DefaultVersion: "v1", Document: doc}); err != nil {
		t.Fatal(err)
	}
	if err := is.AttachPolicy(ctx, iam.Attachment{AccountID: acct, PrincipalType: iam.AttachToUser, PrincipalName: "reader", PolicyName: "reader-policy", PolicyType: iam.PolicyTypeCustom}); err != nil {
		t.Fatal(err)
	}
	key, err := service.NewAccessKey(acct, "reader", "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Store.CreateAccessKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	pa := env.App.Service.Authorizer().(*service.PolicyAuthorizer)
	w := &listWorld{env: env, counter: &countingIAM{IAMStore: pa.Store}, ak: key.AccessKeyID, sk: key.Secret}
	pa.Store = w.counter
	return w
}

func (w *listWorld) listUsers(t testing.TB, ak, sk string, max int) int {
	t.Helper()
	q := signature.V1Query(signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "ListUsers"}, {Name: "Version", Value: "2015-05-01"},
		{Name: "MaxItems", Value: fmt.Sprint(max)}}, ak, sk, time.Now(), fmt.Sprintf("n%d", time.Now().UnixNano())))
	resp, err := http.Get("http://" + w.env.Endpoint + "/?" + q)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPolicySetReadOncePerRequest: a RAM user's ListUsers decides every
// user of the page but reads (and parses) its policies at most once per
// request, not once per item (issue #19: 1 006 users took 125-250 ms for a
// RAM user against 8 ms for the root identity); with the compiled-policy
// cache (issue #17), only the first request reads them at all.
func TestPolicySetReadOncePerRequest(t *testing.T) {
	// A policy that decides item by item: users user0* only.
	w := newListWorld(t, 300, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:ListUsers","Resource":"acs:ram::*:user/user000*"}]}`)
	first := w.counter.attachments.Load()
	for i := range 3 {
		before := w.counter.attachments.Load()
		if code := w.listUsers(t, w.ak, w.sk, 1000); code != 200 {
			t.Fatalf("ListUsers: %d", code)
		}
		if n := w.counter.attachments.Load() - before; n > 1 {
			t.Fatalf("ListUsers over 300 users read the caller's policies %d times, want at most once", n)
		} else if i > 0 && n != 0 {
			t.Fatalf("request %d read the caller's policies again (no write changed them): the compiled set is not cached", i+1)
		}
	}
	if n := w.counter.attachments.Load() - first; n != 1 {
		t.Fatalf("3 requests read the caller's policies %d times, want once", n)
	}
	// Root reads none.
	before := w.counter.attachments.Load()
	if code := w.listUsers(t, apptest.AccessKeyID, apptest.AccessKeySecret, 1000); code != 200 {
		t.Fatalf("root ListUsers: %d", code)
	}
	if n := w.counter.attachments.Load() - before; n != 0 {
		t.Fatalf("root's ListUsers read policies %d times", n)
	}
}

// BenchmarkListUsers1006 lists 1 006 users (MaxItems 1000) as the root
// identity, as a RAM user allowed all of them (decided once for the whole
// list) and as one whose policy names some (decided per item, in memory).
func BenchmarkListUsers1006(b *testing.B) {
	for _, c := range []struct{ name, doc string }{
		{"root", ""},
		{"ram-user-allowed-all", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:List*","Resource":"*"}]}`},
		{"ram-user-per-item", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:List*","Resource":"*"},{"Effect":"Deny","Action":"ram:ListUsers","Resource":"acs:ram::*:user/user0000*"}]}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			doc := c.doc
			if doc == "" {
				doc = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:List*","Resource":"*"}]}`
			}
			w := newListWorld(b, 1005, doc)
			ak, sk := w.ak, w.sk
			if c.doc == "" {
				ak, sk = apptest.AccessKeyID, apptest.AccessKeySecret
			}
			b.ResetTimer()
			for range b.N {
				if code := w.listUsers(b, ak, sk, 1000); code != 200 {
					b.Fatalf("ListUsers: %d", code)
				}
			}
		})
	}
}
