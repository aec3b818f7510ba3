package sqlite

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Two stores on one file (as two processes would be) serialise their
// writers on the database lock: concurrent allocations from one pool never
// hand out an address twice and nobody fails with "database is locked".
func TestTwoOpenersShareOneFile(t *testing.T) {
	ctx := t.Context()
	a, path := openTemp(t)
	b, err := Open(ctx, path, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const n = 40
	scope := store.Scope{AccountID: "1000000000000001", RegionID: "cn-hangzhou"}
	for i := range n {
		if _, err := a.CreateVpc(ctx, vpn.Vpc{AccountID: scope.AccountID, RegionID: scope.RegionID, VpcID: fmt.Sprintf("vpc-%d", i)}, store.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	pool := store.AddressPool{netip.MustParsePrefix("10.1.0.0/24")}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateGateway(ctx, vpn.Gateway{AccountID: scope.AccountID, RegionID: scope.RegionID,
				VpnGatewayID: fmt.Sprintf("vpn-%d", i), VpcID: fmt.Sprintf("vpc-%d", i)}, pool, store.Idempotency{})
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		g, err := b.GetGateway(ctx, scope, fmt.Sprintf("vpn-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if seen[g.InternetIP] {
			t.Fatalf("address %s handed out twice", g.InternetIP)
		}
		seen[g.InternetIP] = true
	}
}
