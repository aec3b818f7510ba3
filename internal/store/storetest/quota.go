package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// testQuotas: every quota of store.Quotas holds under concurrent creates:
// 12 creates racing for the last 3 places of a quota make exactly 3
// records, the others fail with *store.QuotaError naming the quota; other
// accounts are not affected.
func testQuotas(t *testing.T, s store.Store) {
	qs, ok := s.(store.QuotaSetter)
	if !ok {
		t.Fatalf("%T does not implement store.QuotaSetter", s)
	}
	ctx := t.Context()
	must(t, s.CreateAccount(ctx, iam.Account{AccountID: Account, Name: "a", CreatedAt: at(0)}))
	must(t, s.CreateAccount(ctx, iam.Account{AccountID: OtherAccount, Name: "b", CreatedAt: at(0)}))
	qs.SetQuotas(store.Quotas{VpnGateways: 4, ConnectionsPerGateway: 3, CustomerGateways: 5, RAMUsers: 3, AccessKeys: 5, AccessKeysPerIdentity: 2})

	// race runs n creates at once and returns how many succeeded; the
	// others must be quota errors of one of kinds (comma-separated).
	race := func(what string, n int, kinds string, create func(i int) error) int {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = create(i)
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			var qe *store.QuotaError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &qe) && errors.Is(err, store.ErrQuota) && strings.Contains(","+kinds+",", ","+string(qe.Kind)+","):
			default:
				t.Fatalf("%s %d: %v, want nil or a %s QuotaError", what, i, err, kinds)
			}
		}
		return ok
	}

	// VPN gateways: 4 per account; one exists, 12 race for 3 places.
	for i := 1; i <= 13; i++ {
		mkVpc(t, s, i)
	}
	mkGatewayIn := func(n int) error {
		_, err := s.CreateGateway(ctx, gwFix(n, vpcFix(n, Account, Region).VpcID, false), pool("10.30.0.0/24"), store.Idempotency{})
		return err
	}
	must(t, mkGatewayIn(1))
	if got := race("CreateGateway", 12, "VpnGateway", func(i int) error { return mkGatewayIn(i + 2) }); got != 3 {
		t.Fatalf("%d gateways created by the race, want 3", got)
	}
	// Another account still has room.
	ov := vpcFix(1, OtherAccount, Region)
	_, err := s.CreateVpc(ctx, ov, store.Idempotency{})
	must(t, err)
	og := gwFix(99, ov.VpcID, false)
	og.AccountID = OtherAccount
	_, err = s.CreateGateway(ctx, og, pool("10.30.0.0/24"), store.Idempotency{})
	must(t, err)

	// Customer gateways: 5 per account (all regions): 2 exist (one in
	// another region), 12 race for 3.
	mkCgw(t, s, 1)
	c2 := cgwFix(2)
	c2.RegionID = OtherRegion
	_, err = s.CreateCustomerGateway(ctx, c2, store.Idempotency{})
	must(t, err)
	if got := race("CreateCustomerGateway", 12, "CustomerGateway", func(i int) error {
		_, err := s.CreateCustomerGateway(ctx, cgwFix(i+10), store.Idempotency{})
		return err
	}); got != 3 {
		t.Fatalf("%d customer gateways created by the race, want 3", got)
	}

	// Connections: 3 per gateway; gateway 1 races 12 connections over
	// distinct customer gateways (quota lifted to make them).
	qs.SetQuotas(store.Quotas{ConnectionsPerGateway: 3})
	for i := 30; i < 42; i++ {
		mkCgw(t, s, i)
	}
	gw1 := gwFix(1, "", false).VpnGatewayID
	if got := race("CreateConnection", 12, "VpnConnection", func(i int) error {
		_, err := s.CreateConnection(ctx, SingleConnection(fmt.Sprintf("vco-q%02d", i), gw1, cgwFix(i+30).CustomerGatewayID, "psk"), store.Idempotency{})
		return err
	}); got != 3 {
		t.Fatalf("%d connections created on one gateway by the race, want 3", got)
	}

	// RAM users: 3 per account, 12 race.
	qs.SetQuotas(store.Quotas{RAMUsers: 3, AccessKeys: 5, AccessKeysPerIdentity: 2})
	if got := race("CreateUser", 12, "User", func(i int) error {
		u := userFix(Account, fmt.Sprintf("quota%02d", i), i)
		u.UserID = fmt.Sprintf("2800000000000%03d", i)
		return s.CreateUser(ctx, u)
	}); got != 3 {
		t.Fatalf("%d users created by the race, want 3", got)
	}
	users, _, err := s.ListUsers(ctx, Account, "", 10)
	must(t, err)

	// AccessKeys: 2 per identity, 12 race for one user's keys.
	key := func(user string, i int) iam.AccessKey {
		return iam.AccessKey{AccessKeyID: fmt.Sprintf("LTAIquota%s%03d", user, i), Secret: "s", AccountID: Account, UserName: user, Status: iam.KeyActive, CreatedAt: at(i)}
	}
	if got := race("CreateAccessKey per identity", 12, "IdentityAccessKey", func(i int) error {
		return s.CreateAccessKey(ctx, key(users[0].UserName, i))
	}); got != 2 {
		t.Fatalf("%d keys of one user created by the race, want 2", got)
	}
	// 5 per account: 2 exist; the root identity and the two other users
	// race for the 3 places left.
	if got := race("CreateAccessKey per account", 12, "AccessKey,IdentityAccessKey", func(i int) error {
		owners := []string{"", users[1].UserName, users[2].UserName}
		return s.CreateAccessKey(ctx, key(owners[i%3], 100+i))
	}); got != 3 {
		t.Fatalf("%d keys created in the account by the race, want 3", got)
	}
	// Quotas off: creates pass again.
	qs.SetQuotas(store.Quotas{})
	must(t, s.CreateAccessKey(ctx, key(users[1].UserName, 200)))
	_, err = s.CreateCustomerGateway(ctx, vpn.CustomerGateway{AccountID: Account, RegionID: Region, CustomerGatewayID: "cgw-free", IPAddress: "198.51.100.250", CreatedAt: at(1)}, store.Idempotency{})
	must(t, err)
}
