package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// testIAMDeleteRules: DeleteUser refuses while the user has keys or
// attached policies, DeleteRole while the role has attached policies, and
// a key needs its user; the store checks these in the write's transaction.
func testIAMDeleteRules(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, userFix(Account, "dana", 1)))
	must(t, s.CreatePolicy(ctx, policyFix("pol", 2, docA)))
	key := iam.AccessKey{AccessKeyID: "LTAIdana0001", Secret: "dana-secret", AccountID: Account, UserName: "dana", Status: iam.KeyActive, CreatedAt: at(3)}
	must(t, s.CreateAccessKey(ctx, key))
	wantInUse(t, s.DeleteUser(ctx, Account, "dana"), "AccessKey", key.AccessKeyID)
	if _, err := s.GetAccessKey(ctx, key.AccessKeyID); err != nil {
		t.Fatalf("the refused delete took the key: %v", err)
	}
	must(t, s.DeleteAccessKey(ctx, key.AccessKeyID))
	att := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "dana", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol", AttachDate: at(4)}
	must(t, s.AttachPolicy(ctx, att))
	wantInUse(t, s.DeleteUser(ctx, Account, "dana"), "Policy", "pol")
	must(t, s.DetachPolicy(ctx, att))
	must(t, s.DeleteUser(ctx, Account, "dana"))
	wantNotFound(t, s.DeleteUser(ctx, Account, "dana"), "User", "dana")
	wantNotFound(t, s.CreateAccessKey(ctx, key), "User", "dana")

	must(t, s.CreateRole(ctx, roleFix("Ops", 5)))
	ratt := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "Ops", PolicyType: iam.PolicyTypeSystem, PolicyName: "AliyunVPCReadOnlyAccess", AttachDate: at(6)}
	must(t, s.AttachPolicy(ctx, ratt))
	wantInUse(t, s.DeleteRole(ctx, Account, "OPS"), "Policy", "AliyunVPCReadOnlyAccess")
	must(t, s.DetachPolicy(ctx, ratt))
	must(t, s.DeleteRole(ctx, Account, "OPS"))
}

// testIAMAttachmentLimits: at most iam.MaxCustomPoliciesPerID custom and
// iam.MaxSystemPoliciesPerID system policies per identity, also when the
// attaches race.
func testIAMAttachmentLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, userFix(Account, "erin", 1)))
	must(t, s.CreateRole(ctx, roleFix("Ops", 2)))
	const racers = 12
	for i := range racers {
		must(t, s.CreatePolicy(ctx, policyFix(fmt.Sprintf("p%02d", i), 3, docA)))
	}
	race := func(what string, n int, attach func(i int) error) int {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = attach(i) }()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrLimit):
			default:
				t.Fatalf("%s: unexpected error %v", what, err)
			}
		}
		return ok
	}
	if got := race("custom to a user", racers, func(i int) error {
		return s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "erin", PolicyType: iam.PolicyTypeCustom, PolicyName: fmt.Sprintf("p%02d", i), AttachDate: at(i)})
	}); got != iam.MaxCustomPoliciesPerID {
		t.Fatalf("%d custom policies attached to one user by the race, want %d", got, iam.MaxCustomPoliciesPerID)
	}
	over := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "Ops", PolicyType: iam.PolicyTypeCustom, AttachDate: at(20)}
	for i := range iam.MaxCustomPoliciesPerID {
		over.PolicyName = fmt.Sprintf("p%02d", i)
		must(t, s.AttachPolicy(ctx, over))
	}
	over.PolicyName = "p11"
	wantLimit(t, s.AttachPolicy(ctx, over), "CustomPoliciesPerIdentity", "Role/Ops")
	// The system policies count apart from the custom ones.
	sys := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "Ops", PolicyType: iam.PolicyTypeSystem, AttachDate: at(30)}
	for i := range iam.MaxSystemPoliciesPerID {
		sys.PolicyName = fmt.Sprintf("Sys%02d", i)
		must(t, s.AttachPolicy(ctx, sys))
	}
	sys.PolicyName = "SysOver"
	wantLimit(t, s.AttachPolicy(ctx, sys), "SystemPoliciesPerIdentity", "Role/Ops")
	// A role's system policies, racing past their limit.
	must(t, s.CreateRole(ctx, roleFix("SysRace", 4)))
	if got := race("system to a role", iam.MaxSystemPoliciesPerID+6, func(i int) error {
		return s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "SysRace", PolicyType: iam.PolicyTypeSystem, PolicyName: fmt.Sprintf("Race%02d", i), AttachDate: at(40 + i)})
	}); got != iam.MaxSystemPoliciesPerID {
		t.Fatalf("%d system policies attached to one role by the race, want %d", got, iam.MaxSystemPoliciesPerID)
	}
}

// testIAMConcurrentDeleteUser: a key created concurrently with the delete of
// its user is never destroyed with it: either the create fails (the user is
// gone) or the delete does (the user has a key).
func testIAMConcurrentDeleteUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 20 {
		name := fmt.Sprintf("racer%02d", i)
		u := userFix(Account, name, i)
		must(t, s.CreateUser(ctx, u))
		key := iam.AccessKey{AccessKeyID: fmt.Sprintf("LTAIrace%04d", i), Secret: "s", AccountID: Account, UserName: name, Status: iam.KeyActive, CreatedAt: at(i)}
		att := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: name, PolicyType: iam.PolicyTypeSystem, PolicyName: "AliyunVPCReadOnlyAccess", AttachDate: at(i)}
		var wg sync.WaitGroup
		var errKey, errAtt, errDel error
		wg.Add(3)
		go func() { defer wg.Done(); errKey = s.CreateAccessKey(ctx, key) }()
		go func() { defer wg.Done(); errAtt = s.AttachPolicy(ctx, att) }()
		go func() { defer wg.Done(); errDel = s.DeleteUser(ctx, Account, name) }()
		wg.Wait()
		for what, err := range map[string]error{"CreateAccessKey": errKey, "AttachPolicy": errAtt} {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s %s: %v", what, name, err)
			}
		}
		if errDel != nil && !errors.Is(errDel, store.ErrInUse) {
			t.Fatalf("DeleteUser %s: %v", name, errDel)
		}
		if errKey == nil {
			if _, err := s.GetAccessKey(ctx, key.AccessKeyID); err != nil {
				t.Fatalf("round %d: CreateAccessKey succeeded, then the key is gone: %v (DeleteUser: %v)", i, err, errDel)
			}
		}
		if errAtt == nil {
			atts, err := s.ListAttachments(ctx, Account, iam.AttachToUser, name)
			must(t, err)
			if len(atts) != 1 {
				t.Fatalf("round %d: AttachPolicy succeeded, then the attachment is gone (DeleteUser: %v)", i, errDel)
			}
		}
		if _, err := s.GetUser(ctx, Account, name); (err == nil) != (errDel != nil) {
			t.Fatalf("round %d: DeleteUser = %v, GetUser = %v", i, errDel, err)
		}
	}
}

// testIAMConcurrentDeleteRole: a policy attached concurrently with the
// delete of its role is never destroyed with it: either the attach fails
// (the role is gone) or the delete does (the role has a policy).
func testIAMConcurrentDeleteRole(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 20 {
		name := fmt.Sprintf("RaceRole%02d", i)
		r := roleFix(name, i)
		r.RoleID = fmt.Sprintf("31000000000000%04d", i)
		must(t, s.CreateRole(ctx, r))
		att := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: name, PolicyType: iam.PolicyTypeSystem, PolicyName: "AliyunVPCReadOnlyAccess", AttachDate: at(i)}
		var wg sync.WaitGroup
		var errAtt, errDel error
		wg.Add(2)
		go func() { defer wg.Done(); errAtt = s.AttachPolicy(ctx, att) }()
		go func() { defer wg.Done(); errDel = s.DeleteRole(ctx, Account, name) }()
		wg.Wait()
		if errAtt != nil && !errors.Is(errAtt, store.ErrNotFound) {
			t.Fatalf("AttachPolicy %s: %v", name, errAtt)
		}
		if errDel != nil && !errors.Is(errDel, store.ErrInUse) {
			t.Fatalf("DeleteRole %s: %v", name, errDel)
		}
		if (errAtt == nil) != (errDel != nil) {
			t.Fatalf("round %d: AttachPolicy = %v and DeleteRole = %v: exactly one must succeed", i, errAtt, errDel)
		}
		if errAtt == nil {
			atts, err := s.ListAttachments(ctx, Account, iam.AttachToRole, name)
			must(t, err)
			if len(atts) != 1 {
				t.Fatalf("round %d: AttachPolicy succeeded, then the attachment is gone (DeleteRole: %v)", i, errDel)
			}
		}
		if _, err := s.GetRole(ctx, Account, name); (err == nil) != (errDel != nil) {
			t.Fatalf("round %d: DeleteRole = %v, GetRole = %v", i, errDel, err)
		}
	}
}
