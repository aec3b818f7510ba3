package multinode

import (
	"bytes"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
)

// TestEnsureRootConcurrent: servers that start at the same moment on an
// empty database with the operator's root key create one root account with
// one key; exactly one of them reports it created, and all name the same
// account.
func TestEnsureRootConcurrent(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{3}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	const servers = 8
	dbs := make([]*postgres.DB, servers)
	for i := range dbs {
		if dbs[i], err = postgres.Open(ctx, dsn, keys); err != nil {
			t.Fatal(err)
		}
		defer dbs[i].Close()
	}
	roots := make([]service.RootKey, servers)
	errs := make([]error, servers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, err := service.New(service.Config{Store: db})
			if err != nil {
				errs[i] = err
				return
			}
			roots[i], errs[i] = s.EnsureRoot(ctx, rootAK, rootSecret)
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range roots {
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
		if roots[i].Created {
			created++
		}
		if roots[i].AccountID != roots[0].AccountID {
			t.Errorf("server %d names account %s, server 0 %s", i, roots[i].AccountID, roots[0].AccountID)
		}
	}
	if created != 1 {
		t.Errorf("%d servers report they created the root, want 1", created)
	}
	accounts, err := dbs[0].ListAccounts(ctx)
	if err != nil || len(accounts) != 1 || accounts[0].AccountID != roots[0].AccountID {
		t.Fatalf("accounts = %+v, %v; want just %s", accounts, err, roots[0].AccountID)
	}
	k, err := dbs[1].GetAccessKey(ctx, rootAK)
	if err != nil || k.AccountID != roots[0].AccountID || k.Secret != rootSecret || k.UserName != "" {
		t.Fatalf("root key = %+v, %v", k, err)
	}
	ks, err := dbs[2].ListAccessKeys(ctx, roots[0].AccountID, "")
	if err != nil || len(ks) != 1 {
		t.Fatalf("root account has %d keys (%v), want 1", len(ks), err)
	}
	// A later start finds the root and creates nothing.
	s, err := service.New(service.Config{Store: dbs[3]})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.EnsureRoot(ctx, rootAK, rootSecret)
	if err != nil || again.Created || again.AccountID != roots[0].AccountID {
		t.Fatalf("restart: %+v, %v", again, err)
	}
}
