package storetest

import (
	"context"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// generationStore is what a backend keeping cache generations
// (internal/cachegen) implements.
type generationStore interface {
	cachegen.Source
	// ReadGenerations returns every account's counters as committed.
	ReadGenerations(ctx context.Context) (map[string]cachegen.Gens, error)
}

// testGenerations: every write that can change a cached credential, policy
// set or download answer raises its account's counter of that class (and
// only that account's, only that class), as committed (ReadGenerations) and
// as the store's own Source reports it right after the write returns; writes
// that cannot change a cache leave the counters alone.
func testGenerations(t *testing.T, s store.Store) {
	gs, ok := s.(generationStore)
	if !ok {
		t.Fatalf("%T keeps no cache generations", s)
	}
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	cg := mkCgw(t, s, 1)
	must(t, s.CreateUser(ctx, userFix(Account, "alice", 1)))
	must(t, s.CreatePolicy(ctx, policyFix("p", 2, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)))
	must(t, s.CreateRole(ctx, roleFix("r", 3)))
	key := iam.AccessKey{AccessKeyID: "LTAIgen0001", Secret: "s", AccountID: Account, UserName: "alice", Status: iam.KeyActive, CreatedAt: at(4)}

	read := func() (db, own cachegen.Gens, other cachegen.Gens) {
		t.Helper()
		all, err := gs.ReadGenerations(ctx)
		must(t, err)
		own, err = gs.Generations(ctx, Account)
		must(t, err)
		return all[Account], own, all[OtherAccount]
	}
	step := func(name string, class cachegen.Class, write func() error) {
		t.Helper()
		db0, own0, other0 := read()
		must(t, write())
		db1, own1, other1 := read()
		if other1 != other0 {
			t.Errorf("%s: another account's counters moved: %+v -> %+v", name, other0, other1)
		}
		for _, c := range []cachegen.Class{cachegen.Credentials, cachegen.Answers} {
			moved := db1.Of(c) > db0.Of(c)
			ownMoved := own1.Of(c) > own0.Of(c)
			if want := c == class; moved != want || ownMoved != want || db1.Of(c) < db0.Of(c) {
				t.Errorf("%s: class %d committed %d -> %d, as the store reports it %d -> %d; want a rise: %v", name, c,
					db0.Of(c), db1.Of(c), own0.Of(c), own1.Of(c), want)
			}
		}
	}
	const none cachegen.Class = 0
	step("CreateAccessKey", none, func() error { return s.CreateAccessKey(ctx, key) })
	step("SetAccessKeyStatus", cachegen.Credentials, func() error { return s.SetAccessKeyStatus(ctx, key.AccessKeyID, iam.KeyInactive) })
	step("SetAccessKeyStatus back", cachegen.Credentials, func() error { return s.SetAccessKeyStatus(ctx, key.AccessKeyID, iam.KeyActive) })
	step("DeleteAccessKey", cachegen.Credentials, func() error { return s.DeleteAccessKey(ctx, key.AccessKeyID) })
	att := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeCustom, PolicyName: "p", AttachDate: at(5)}
	step("AttachPolicy", cachegen.Credentials, func() error { return s.AttachPolicy(ctx, att) })
	step("CreatePolicyVersion not default", none, func() error {
		_, err := s.CreatePolicyVersion(ctx, Account, "p", `{"Version":"1","Statement":[]}`, false, false)
		return err
	})
	step("CreatePolicyVersion default", cachegen.Credentials, func() error {
		_, err := s.CreatePolicyVersion(ctx, Account, "p", `{"Version":"1","Statement":[]}`, true, false)
		return err
	})
	step("UpdateUser", cachegen.Credentials, func() error {
		u := userFix(Account, "alice2", 1)
		return s.UpdateUser(ctx, Account, "alice", u)
	})
	att.PrincipalName = "alice2"
	step("DetachPolicy", cachegen.Credentials, func() error { return s.DetachPolicy(ctx, att) })
	step("DeleteUser", cachegen.Credentials, func() error { return s.DeleteUser(ctx, Account, "alice2") })
	ratt := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "r", PolicyType: iam.PolicyTypeCustom, PolicyName: "p", AttachDate: at(6)}
	step("AttachPolicy to a role", cachegen.Credentials, func() error { return s.AttachPolicy(ctx, ratt) })
	step("DetachPolicy from a role", cachegen.Credentials, func() error { return s.DetachPolicy(ctx, ratt) })
	step("DeleteRole", cachegen.Credentials, func() error { return s.DeleteRole(ctx, Account, "r") })
	step("DeletePolicy", cachegen.Credentials, func() error { return s.DeletePolicy(ctx, Account, "p") })

	step("CreateConnection", none, func() error {
		_, err := s.CreateConnection(ctx, SingleConnection("vco-gen", g.VpnGatewayID, cg.CustomerGatewayID, "psk"), store.Idempotency{})
		return err
	})
	c, err := s.GetConnection(ctx, scope(), "vco-gen")
	must(t, err)
	step("UpdateConnection", cachegen.Answers, func() error {
		c.Ike.Psk = "psk2"
		return s.UpdateConnection(ctx, c)
	})
	step("UpdateCustomerGateway", cachegen.Answers, func() error {
		cg.IPAddress = "198.51.100.99"
		return s.UpdateCustomerGateway(ctx, cg)
	})
	step("UpdateGateway", cachegen.Answers, func() error {
		g.Name = "renamed"
		return s.UpdateGateway(ctx, g)
	})
	step("DeleteConnection", cachegen.Answers, func() error { return s.DeleteConnection(ctx, scope(), "vco-gen") })

	// A write that fails changes no counter.
	step("failed UpdateConnection", none, func() error {
		if err := s.UpdateConnection(ctx, c); err == nil {
			t.Errorf("UpdateConnection of a deleted connection succeeded")
		}
		return nil
	})
}
