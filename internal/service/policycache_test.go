package service

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// attachmentsStore is an IAMStore whose only method used is ListAttachments:
// it answers atts and counts the calls.
type attachmentsStore struct {
	store.IAMStore
	atts  []iam.Attachment
	calls atomic.Int32
}

func (s *attachmentsStore) ListAttachments(context.Context, string, string, string) ([]iam.Attachment, error) {
	s.calls.Add(1)
	return s.atts, nil
}

// fixedGens is a cachegen.Source answering g.
type fixedGens struct{ g atomic.Uint64 }

func (f *fixedGens) Generations(context.Context, string) (cachegen.Gens, error) {
	return cachegen.Gens{Credentials: f.g.Load()}, nil
}

// TestPolicySetCache: a principal's compiled set is read from the store once
// per credentials generation, shared by the requests that read that
// generation, and read again (with the documents compiled once, by text)
// when the generation moves; a request carrying its own reading
// (Request.Fresh) is judged by it.
func TestPolicySetCache(t *testing.T) {
	const acct = "1234567890123456"
	allow := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:DownloadVpnConnectionConfig","Resource":"*"}]}`
	st := &attachmentsStore{atts: []iam.Attachment{{PolicyName: "dl", PolicyType: iam.PolicyTypeCustom, Document: allow}}}
	gens := &fixedGens{}
	a := NewPolicyAuthorizer(st, nil)
	a.Gens = gens
	user := iam.Principal{Kind: iam.PrincipalUser, AccountID: acct, UserName: "dl", AccessKeyID: "LTAIdl"}
	arn := "acs:vpc:cn-hangzhou:" + acct + ":vpnconnection/vco-1"
	decide := func(r *Request) error {
		t.Helper()
		return a.Authorize(t.Context(), r, "vpc:DownloadVpnConnectionConfig", arn, acct)
	}
	for i := range 5 {
		if err := decide(&Request{Principal: user}); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := st.calls.Load(); n != 1 {
		t.Fatalf("ListAttachments called %d times for 5 requests of one generation, want 1", n)
	}
	first := a.sets[user].set

	gens.g.Add(1)
	st.atts = nil // detached
	if err := decide(&Request{Principal: user}); err == nil {
		t.Fatalf("request after the generation moved (policy detached): allowed")
	}
	if n := st.calls.Load(); n != 2 {
		t.Fatalf("ListAttachments called %d times after the generation moved, want 2", n)
	}
	// A request that read the older generation (it arrived before the
	// write) does not replace the newer set, nor use it.
	old := &Request{Principal: user, Fresh: cachegen.Snapshot{Account: acct, Gens: cachegen.Gens{Credentials: 0}, OK: true}}
	if err := decide(old); err == nil {
		t.Fatalf("request that read generation 0: its own store read (detached) must decide")
	}
	if a.sets[user].gen != 1 {
		t.Fatalf("cached set has generation %d, want 1 (an older reading must not replace it)", a.sets[user].gen)
	}

	gens.g.Add(1)
	st.atts = []iam.Attachment{{PolicyName: "dl", PolicyType: iam.PolicyTypeCustom, Document: allow}}
	if err := decide(&Request{Principal: user}); err != nil {
		t.Fatalf("request after attaching again: %v", err)
	}
	if got := a.sets[user].set.identity[0].Policy; got != first.identity[0].Policy {
		t.Fatalf("the same document was compiled again")
	}
	if len(a.parsed) != 1 {
		t.Fatalf("%d documents compiled, want 1", len(a.parsed))
	}

	// Without a generation source nothing is cached.
	b := NewPolicyAuthorizer(st, nil)
	before := st.calls.Load()
	for range 3 {
		if err := b.Authorize(t.Context(), &Request{Principal: user}, "vpc:DownloadVpnConnectionConfig", arn, acct); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.calls.Load() - before; n != 3 {
		t.Fatalf("without Gens: %d store reads for 3 requests, want 3", n)
	}
}
