package storetest

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// testConcurrentAllocation: 50 concurrent CreateGateway calls on one pool
// never hand out an address twice.
func testConcurrentAllocation(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 50
	for i := 1; i <= n; i++ {
		mkVpc(t, s, i)
	}
	p := pool("10.20.0.0/26") // 62 usable addresses
	var wg sync.WaitGroup
	errs := make([]error, n+1)
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateGateway(ctx, gwFix(i, vpcFix(i, Account, Region).VpcID, false), p, store.Idempotency{})
		}()
	}
	wg.Wait()
	seen := map[string]string{}
	for i := 1; i <= n; i++ {
		if errs[i] != nil {
			t.Fatalf("gateway %d: %v", i, errs[i])
		}
		g, err := s.GetGateway(ctx, scope(), gwFix(i, "", false).VpnGatewayID)
		must(t, err)
		a, err := netip.ParseAddr(g.InternetIP)
		if err != nil || !p[0].Contains(a) || a == p[0].Addr() {
			t.Fatalf("gateway %d got address %q outside the usable pool", i, g.InternetIP)
		}
		if other, dup := seen[g.InternetIP]; dup {
			t.Fatalf("address %s handed to %s and %s", g.InternetIP, other, g.VpnGatewayID)
		}
		seen[g.InternetIP] = g.VpnGatewayID
	}
	if len(seen) != n {
		t.Fatalf("%d distinct addresses, want %d", len(seen), n)
	}
}

// testConcurrentToken: 20 concurrent creates with one ClientToken make one
// record; all answer with its id, exactly one not replayed.
func testConcurrentToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 20
	idem := store.Idempotency{Action: "CreateVpc", Token: "same-token", RequestHash: "h"}
	var wg sync.WaitGroup
	res := make([]store.Created, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = s.CreateVpc(ctx, vpcFix(i+1, Account, Region), idem)
		}()
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if res[i].ID != res[0].ID {
			t.Fatalf("create %d answered %s, create 0 %s", i, res[i].ID, res[0].ID)
		}
		if !res[i].Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d creates not replayed, want 1", fresh)
	}
	list, total, err := s.ListVpcs(ctx, scope(), store.VpcFilter{}, store.Page{})
	must(t, err)
	if total != 1 || len(list) != 1 || list[0].VpcID != res[0].ID {
		t.Fatalf("stored VPCs = %d (%v), want only %s", total, list, res[0].ID)
	}
}

// testConcurrentDeleteCreate: DeleteGateway racing CreateConnection never
// leaves a connection on a deleted gateway; exactly one of them wins.
func testConcurrentDeleteCreate(t *testing.T, s store.Store) {
	ctx := t.Context()
	const rounds = 15
	cg := mkCgw(t, s, 1)
	for r := 1; r <= rounds; r++ {
		g := mkGateway(t, s, r, false)
		connID := fmt.Sprintf("vco-race-%d", r)
		var delErr, createErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			delErr = s.DeleteGateway(ctx, scope(), g.VpnGatewayID)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, createErr = s.CreateConnection(ctx, SingleConnection(connID, g.VpnGatewayID, cg.CustomerGatewayID, "k"), store.Idempotency{})
		}()
		close(start)
		wg.Wait()
		_, getGwErr := s.GetGateway(ctx, scope(), g.VpnGatewayID)
		_, getConnErr := s.GetConnection(ctx, scope(), connID)
		switch {
		case delErr == nil:
			// The gateway went first: the create must have failed, and
			// nothing references the deleted gateway.
			if !errors.Is(createErr, store.ErrNotFound) {
				t.Fatalf("round %d: gateway deleted but CreateConnection err = %v", r, createErr)
			}
			if !errors.Is(getConnErr, store.ErrNotFound) || !errors.Is(getGwErr, store.ErrNotFound) {
				t.Fatalf("round %d: after delete: connection err %v, gateway err %v", r, getConnErr, getGwErr)
			}
		case createErr == nil:
			wantInUse(t, delErr, "VpnConnection", connID)
			if getGwErr != nil || getConnErr != nil {
				t.Fatalf("round %d: after create: gateway err %v, connection err %v", r, getGwErr, getConnErr)
			}
			must(t, s.DeleteConnection(ctx, scope(), connID))
		default:
			t.Fatalf("round %d: both failed: delete %v, create %v", r, delErr, createErr)
		}
		list, _, err := s.ListConnections(ctx, scope(), store.ConnectionFilter{VpnGatewayID: g.VpnGatewayID}, store.Page{})
		must(t, err)
		if delErr == nil && len(list) != 0 {
			t.Fatalf("round %d: connections on deleted gateway: %v", r, list)
		}
	}
}

// testConcurrentDeleteCgwCreate races DeleteCustomerGateway against a
// CreateConnection using that customer gateway: exactly one succeeds, with
// the other's typed error, and no connection references a deleted customer
// gateway.
func testConcurrentDeleteCgwCreate(t *testing.T, s store.Store) {
	ctx := t.Context()
	const rounds = 15
	g := mkGateway(t, s, 1, false)
	for r := 1; r <= rounds; r++ {
		cg := mkCgw(t, s, r)
		connID := fmt.Sprintf("vco-cgrace-%d", r)
		var delErr, createErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			delErr = s.DeleteCustomerGateway(ctx, scope(), cg.CustomerGatewayID)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, createErr = s.CreateConnection(ctx, SingleConnection(connID, g.VpnGatewayID, cg.CustomerGatewayID, "k"), store.Idempotency{})
		}()
		close(start)
		wg.Wait()
		_, getConnErr := s.GetConnection(ctx, scope(), connID)
		switch {
		case delErr == nil:
			wantNotFound(t, createErr, "CustomerGateway", cg.CustomerGatewayID)
			if !errors.Is(getConnErr, store.ErrNotFound) {
				t.Fatalf("round %d: customer gateway deleted, but the connection reads back: %v", r, getConnErr)
			}
		case createErr == nil:
			wantInUse(t, delErr, "VpnConnection", connID)
			must(t, getConnErr)
			must(t, s.DeleteConnection(ctx, scope(), connID))
		default:
			t.Fatalf("round %d: both failed: delete %v, create %v", r, delErr, createErr)
		}
	}
}

// CheckSealed stores an access key and single- and dual-tunnel connections
// whose secrets are distinctive strings, then calls dump for the raw bytes
// of everything the backend stored (all tables, as text) and fails if a
// secret appears in it. It also checks the secrets read back intact. s must
// be a new, empty store.
func CheckSealed(t *testing.T, s store.Store, dump func(t *testing.T) []byte) {
	ctx := t.Context()
	const (
		akSecret = "PLAINTEXT-ACCESS-KEY-SECRET-7f3a"
		pskOne   = "PLAINTEXT-PSK-SINGLE-91bc"
		pskM     = "PLAINTEXT-PSK-MASTER-22de"
		pskS     = "PLAINTEXT-PSK-SLAVE-33ef"
	)
	must(t, s.CreateAccount(ctx, accountFix()))
	must(t, s.CreateAccessKey(ctx, accessKeyFix(akSecret)))
	g := mkGateway(t, s, 1, false)
	gd := mkGateway(t, s, 2, true)
	a, b := mkCgw(t, s, 1), mkCgw(t, s, 2)
	_, err := s.CreateConnection(ctx, SingleConnection("vco-s", g.VpnGatewayID, a.CustomerGatewayID, pskOne), store.Idempotency{})
	must(t, err)
	_, err = s.CreateConnection(ctx, DualConnection("vco-d", gd.VpnGatewayID, a.CustomerGatewayID, b.CustomerGatewayID, pskM, pskS), store.Idempotency{})
	must(t, err)

	raw := string(dump(t))
	if len(raw) == 0 {
		t.Fatal("dump returned nothing")
	}
	for _, sec := range []string{akSecret, pskOne, pskM, pskS} {
		if containsAny(raw, sec) {
			t.Errorf("secret %q stored in the clear", sec)
		}
	}
	k, err := s.GetAccessKey(ctx, accessKeyFix("").AccessKeyID)
	must(t, err)
	if k.Secret != akSecret {
		t.Errorf("access key secret = %q", k.Secret)
	}
	c, err := s.GetConnection(ctx, scope(), "vco-s")
	must(t, err)
	d, err := s.GetConnection(ctx, scope(), "vco-d")
	must(t, err)
	if c.Ike.Psk != pskOne || d.Tunnels[0].Ike.Psk != pskM || d.Tunnels[1].Ike.Psk != pskS {
		t.Errorf("PSKs read back = %q, %q, %q", c.Ike.Psk, d.Tunnels[0].Ike.Psk, d.Tunnels[1].Ike.Psk)
	}
}

// containsAny reports whether raw holds sec or its distinctive tail (the
// part after "PLAINTEXT-"), so a secret stored without its prefix is still
// caught.
func containsAny(raw, sec string) bool {
	return strings.Contains(raw, sec) || strings.Contains(raw, strings.TrimPrefix(sec, "PLAINTEXT-"))
}

// testConcurrentReadUpdate: GetConnection racing UpdateConnection always
// returns one consistent version of the connection (row, tunnels and tags
// of the same write).
func testConcurrentReadUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	a, b := mkCgw(t, s, 1), mkCgw(t, s, 2)
	_, err := s.CreateConnection(ctx, SingleConnection("vco-1", g.VpnGatewayID, a.CustomerGatewayID, "k"), store.Idempotency{})
	must(t, err)
	const updates = 40
	done := make(chan struct{})
	var wg sync.WaitGroup
	readErr := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				c, err := s.GetConnection(ctx, scope(), "vco-1")
				if err != nil {
					readErr <- err
					return
				}
				// Version v was written with name "v<v>"; odd versions are
				// dual-tunnel, even ones single-tunnel; the one tag repeats
				// the name.
				wantTunnels := 0
				if c.Version > 1 && c.Version%2 == 1 {
					wantTunnels = 2
				}
				wantName := fmt.Sprintf("v%d", c.Version)
				if c.Version == 1 {
					wantName = "conn vco-1"
				}
				if c.Name != wantName || len(c.Tunnels) != wantTunnels || (c.Version > 1 && (len(c.Tags) != 1 || c.Tags[0].Value != c.Name)) {
					readErr <- fmt.Errorf("torn read: version %d name %q, %d tunnels, tags %v", c.Version, c.Name, len(c.Tunnels), c.Tags)
					return
				}
			}
		}()
	}
	for v := int64(1); v <= updates; v++ {
		var c vpn.Connection
		if (v+1)%2 == 1 {
			c = DualConnection("vco-1", g.VpnGatewayID, a.CustomerGatewayID, b.CustomerGatewayID, "m", "s")
		} else {
			c = SingleConnection("vco-1", g.VpnGatewayID, a.CustomerGatewayID, "k")
		}
		c.Version, c.Name = v, fmt.Sprintf("v%d", v+1)
		c.Tags = []vpn.Tag{{Key: "name", Value: c.Name}}
		if err := s.UpdateConnection(ctx, c); err != nil {
			close(done)
			wg.Wait()
			t.Fatalf("update to version %d: %v", v+1, err)
		}
	}
	close(done)
	wg.Wait()
	close(readErr)
	for err := range readErr {
		t.Fatal(err)
	}
	c, err := s.GetConnection(ctx, scope(), "vco-1")
	must(t, err)
	if c.Version != updates+1 {
		t.Fatalf("final version = %d, want %d", c.Version, updates+1)
	}
}

// ConcurrentCustomerGateways races CreateCustomerGateway calls in one
// account: 32 at once over 16 addresses (each address twice) make exactly
// 16 customer gateways, the 16 others failing with *store.DuplicateError
// {CustomerGatewayIp} naming the winner; then, with a quota of 24 customer
// gateways, 32 at once over new addresses make exactly 8, the others
// failing with *store.QuotaError{CustomerGateway}. No call fails otherwise
// (a backend must not give up on its own contention). Exported so that a
// backend can run it on a wider pool than the suite's.
func ConcurrentCustomerGateways(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 32
	race := func(ip func(i int) string) []error {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := cgwFix(i + 1)
				c.CustomerGatewayID = fmt.Sprintf("cgw-race-%s-%02d", strings.ReplaceAll(ip(i), ".", "-"), i)
				c.IPAddress = ip(i)
				<-start
				_, errs[i] = s.CreateCustomerGateway(ctx, c, store.Idempotency{})
			}()
		}
		close(start)
		wg.Wait()
		return errs
	}

	// Each address twice: one of the two creates wins.
	errs := race(func(i int) string { return fmt.Sprintf("203.0.113.%d", i/2+1) })
	for a := range n / 2 {
		e1, e2 := errs[2*a], errs[2*a+1]
		ip := fmt.Sprintf("203.0.113.%d", a+1)
		id := func(i int) string { return fmt.Sprintf("cgw-race-%s-%02d", strings.ReplaceAll(ip, ".", "-"), i) }
		switch {
		case e1 == nil && e2 != nil:
			wantDuplicate(t, e2, "CustomerGatewayIp", id(2*a))
		case e2 == nil && e1 != nil:
			wantDuplicate(t, e1, "CustomerGatewayIp", id(2*a+1))
		default:
			t.Fatalf("address %s: creates answered %v and %v, want exactly one success and one DuplicateError", ip, e1, e2)
		}
	}
	_, total, err := s.ListCustomerGateways(ctx, scope(), store.CustomerGatewayFilter{}, store.Page{Number: 1, Size: 100})
	must(t, err)
	if total != n/2 {
		t.Fatalf("%d customer gateways stored after the duplicate race, want %d", total, n/2)
	}

	// Quota: 16 exist, 24 allowed, 32 race for the last 8 places.
	qs, ok := s.(store.QuotaSetter)
	if !ok {
		t.Fatalf("%T does not implement store.QuotaSetter", s)
	}
	qs.SetQuotas(store.Quotas{CustomerGateways: n/2 + 8})
	defer qs.SetQuotas(store.Quotas{})
	errs = race(func(i int) string { return fmt.Sprintf("203.0.114.%d", i+1) })
	created := 0
	for i, err := range errs {
		var qe *store.QuotaError
		switch {
		case err == nil:
			created++
		case errors.As(err, &qe) && errors.Is(err, store.ErrQuota) && qe.Kind == store.KindCustomerGateway && qe.Limit == n/2+8:
		default:
			t.Fatalf("quota race, create %d: %v, want nil or QuotaError{CustomerGateway %d}", i, err, n/2+8)
		}
	}
	if created != 8 {
		t.Fatalf("%d customer gateways created by the quota race, want 8", created)
	}
	_, total, err = s.ListCustomerGateways(ctx, scope(), store.CustomerGatewayFilter{}, store.Page{Number: 1, Size: 100})
	must(t, err)
	if total != n/2+8 {
		t.Fatalf("%d customer gateways stored after the quota race, want %d", total, n/2+8)
	}

	// Sustained: 16 workers create 25 each (400 in all, quota off), as a
	// client preparing a load test does; every one succeeds.
	qs.SetQuotas(store.Quotas{})
	const workers, each = 16, 25
	var wg sync.WaitGroup
	werrs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				c := cgwFix(1)
				c.CustomerGatewayID = fmt.Sprintf("cgw-load-%02d-%02d", w, k)
				c.IPAddress = fmt.Sprintf("198.18.%d.%d", w, k+1)
				c.Tags = []vpn.Tag{{Key: "load", Value: c.CustomerGatewayID}}
				if _, err := s.CreateCustomerGateway(ctx, c, store.Idempotency{Action: "CreateCustomerGateway", Token: c.CustomerGatewayID, RequestHash: "h"}); err != nil {
					werrs[w] = fmt.Errorf("create %s: %w", c.CustomerGatewayID, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range werrs {
		must(t, err)
	}
	_, total, err = s.ListCustomerGateways(ctx, scope(), store.CustomerGatewayFilter{}, store.Page{Number: 1, Size: 100})
	must(t, err)
	if total != n/2+8+workers*each {
		t.Fatalf("%d customer gateways stored after the sustained creates, want %d", total, n/2+8+workers*each)
	}
}
