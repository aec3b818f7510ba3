package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// iamTest runs a RAM conformance test with both fixture accounts created.
func iamTest(fn func(t *testing.T, s store.Store)) func(t *testing.T, s store.Store) {
	return func(t *testing.T, s store.Store) {
		ctx := t.Context()
		must(t, s.CreateAccount(ctx, iam.Account{AccountID: Account, Name: "a", CreatedAt: at(0)}))
		must(t, s.CreateAccount(ctx, iam.Account{AccountID: OtherAccount, Name: "b", CreatedAt: at(0)}))
		fn(t, s)
	}
}

func userFix(account, name string, n int) iam.User {
	return iam.User{AccountID: account, UserName: name, UserID: "20000000000000" + string(rune('0'+n/10)) + string(rune('0'+n%10)),
		DisplayName: "D " + name, Email: name + "@example.com", MobilePhone: "86-1860000000" + string(rune('0'+n%10)),
		Comments: "c" + name, CreateDate: at(n), UpdateDate: at(n)}
}

func wantLimit(t *testing.T, err error, rule store.Rule, id string) {
	t.Helper()
	var e *store.LimitError
	if !errors.As(err, &e) || !errors.Is(err, store.ErrLimit) {
		t.Fatalf("err = %v, want *store.LimitError{%s %s}", err, rule, id)
	}
	if e.Rule != rule || e.ID != id {
		t.Fatalf("LimitError = {%s %s}, want {%s %s}", e.Rule, e.ID, rule, id)
	}
}

func testIAMUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob, carol := userFix(Account, "alice", 1), userFix(Account, "bob", 2), userFix(Account, "carol", 3)
	for _, u := range []iam.User{carol, alice, bob} {
		must(t, s.CreateUser(ctx, u))
	}
	got, err := s.GetUser(ctx, Account, "alice")
	must(t, err)
	diff(t, "GetUser", got, alice)
	_, err = s.GetUser(ctx, OtherAccount, "alice")
	wantNotFound(t, err, "User", "alice")
	_, err = s.GetUser(ctx, Account, "Alice")
	wantNotFound(t, err, "User", "Alice")
	wantDuplicate(t, s.CreateUser(ctx, userFix(Account, "alice", 9)), "UserName", "alice")
	wantNotFound(t, s.CreateUser(ctx, userFix("nope", "x", 9)), "Account", "nope")

	for _, tc := range []struct {
		name  string
		after string
		limit int
		want  []iam.User
		more  bool
	}{
		{"first page", "", 2, []iam.User{alice, bob}, true},
		{"second page", "bob", 2, []iam.User{carol}, false},
		{"exact fit", "", 3, []iam.User{alice, bob, carol}, false},
		{"after last", "carol", 10, nil, false},
	} {
		t.Run("List/"+tc.name, func(t *testing.T) {
			list, more, err := s.ListUsers(ctx, Account, tc.after, tc.limit)
			must(t, err)
			diff(t, "ListUsers", list, tc.want)
			if more != tc.more {
				t.Fatalf("more = %v, want %v", more, tc.more)
			}
		})
	}
	list, _, err := s.ListUsers(ctx, OtherAccount, "", 10)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("other account sees %v", list)
	}

	// A rename carries keys and attachments along.
	key := iam.AccessKey{AccessKeyID: "LTAIbob0001", Secret: "bob-secret", AccountID: Account, UserName: "bob", Status: iam.KeyActive, CreatedAt: at(4)}
	must(t, s.CreateAccessKey(ctx, key))
	must(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "bob",
		PolicyType: iam.PolicyTypeSystem, PolicyName: "AdministratorAccess", AttachDate: at(5)}))
	renamed := bob
	renamed.UserName, renamed.Email, renamed.UpdateDate = "robert", "", at(6)
	must(t, s.UpdateUser(ctx, Account, "bob", renamed))
	got, err = s.GetUser(ctx, Account, "robert")
	must(t, err)
	diff(t, "renamed user", got, renamed)
	_, err = s.GetUser(ctx, Account, "bob")
	wantNotFound(t, err, "User", "bob")
	k, err := s.GetAccessKey(ctx, key.AccessKeyID)
	must(t, err)
	if k.UserName != "robert" {
		t.Fatalf("key follows rename: UserName = %q", k.UserName)
	}
	atts, err := s.ListAttachments(ctx, Account, iam.AttachToUser, "robert")
	must(t, err)
	if len(atts) != 1 || atts[0].PolicyName != "AdministratorAccess" {
		t.Fatalf("attachments after rename = %+v", atts)
	}
	wantDuplicate(t, s.UpdateUser(ctx, Account, "robert", func() iam.User { u := renamed; u.UserName = "alice"; return u }()), "UserName", "alice")
	wantNotFound(t, s.UpdateUser(ctx, Account, "nobody", renamed), "User", "nobody")

	// Delete once the keys and attachments are gone (iamrules.go).
	must(t, s.DeleteAccessKey(ctx, key.AccessKeyID))
	must(t, s.DetachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "robert",
		PolicyType: iam.PolicyTypeSystem, PolicyName: "AdministratorAccess"}))
	must(t, s.DeleteUser(ctx, Account, "robert"))
	wantNotFound(t, s.DeleteUser(ctx, Account, "robert"), "User", "robert")
	// The name can be used again.
	must(t, s.CreateUser(ctx, userFix(Account, "robert", 7)))
}

const (
	docA = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:Describe*","Resource":"*"}]}`
	docB = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:*","Resource":"*"}]}`
	docC = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"vpc:Delete*","Resource":"*"}]}`
)

func policyFix(name string, n int, doc string) iam.Policy {
	return iam.Policy{AccountID: Account, PolicyName: name, PolicyType: iam.PolicyTypeCustom, Description: "about " + name,
		DefaultVersion: "v1", Document: doc, CreateDate: at(n), UpdateDate: at(n)}
}

func testIAMPolicies(t *testing.T, s store.Store) {
	ctx := t.Context()
	pa, pb := policyFix("pol-a", 1, docA), policyFix("pol-b", 2, docB)
	must(t, s.CreatePolicy(ctx, pb))
	must(t, s.CreatePolicy(ctx, pa))
	got, err := s.GetPolicy(ctx, Account, "pol-a")
	must(t, err)
	diff(t, "GetPolicy", got, pa)
	wantDuplicate(t, s.CreatePolicy(ctx, pa), "PolicyName", "pol-a")
	wantNotFound(t, s.CreatePolicy(ctx, func() iam.Policy { p := pa; p.AccountID = "nope"; return p }()), "Account", "nope")
	_, err = s.GetPolicy(ctx, OtherAccount, "pol-a")
	wantNotFound(t, err, "Policy", "pol-a")

	list, more, err := s.ListPolicies(ctx, Account, "", 1)
	must(t, err)
	diff(t, "ListPolicies page 1", list, []iam.Policy{pa})
	if !more {
		t.Fatal("more = false on page 1")
	}
	list, more, err = s.ListPolicies(ctx, Account, "pol-a", 1)
	must(t, err)
	diff(t, "ListPolicies page 2", list, []iam.Policy{pb})
	if more {
		t.Fatal("more = true on the last page")
	}

	// Attachments count, and block deletion.
	must(t, s.CreateUser(ctx, userFix(Account, "alice", 3)))
	must(t, s.CreateRole(ctx, roleFix("Ops", 4)))
	must(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol-a", AttachDate: at(5)}))
	must(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "OPS", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol-a", AttachDate: at(6)}))
	got, err = s.GetPolicy(ctx, Account, "pol-a")
	must(t, err)
	if got.AttachmentCount != 2 {
		t.Fatalf("AttachmentCount = %d, want 2", got.AttachmentCount)
	}
	wantInUse(t, s.DeletePolicy(ctx, Account, "pol-a"), "User", "alice")
	must(t, s.DetachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol-a"}))
	wantInUse(t, s.DeletePolicy(ctx, Account, "pol-a"), "Role", "ops")
	must(t, s.DetachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "Ops", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol-a"}))
	must(t, s.DeletePolicy(ctx, Account, "pol-a"))
	_, err = s.GetPolicy(ctx, Account, "pol-a")
	wantNotFound(t, err, "Policy", "pol-a")
	_, err = s.ListPolicyVersions(ctx, Account, "pol-a")
	wantNotFound(t, err, "Policy", "pol-a")
	wantNotFound(t, s.DeletePolicy(ctx, Account, "pol-a"), "Policy", "pol-a")
	// The name can be used again and starts at v1.
	must(t, s.CreatePolicy(ctx, policyFix("pol-a", 7, docC)))
	vs, err := s.ListPolicyVersions(ctx, Account, "pol-a")
	must(t, err)
	diff(t, "versions of re-created policy", vs, []iam.PolicyVersion{{VersionID: "v1", Document: docC, IsDefaultVersion: true, CreateDate: at(7)}})
}

func testIAMPolicyVersions(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, s.CreatePolicy(ctx, policyFix("p", 1, docA)))
	v2, err := s.CreatePolicyVersion(ctx, Account, "p", docB, false, false)
	must(t, err)
	if v2.VersionID != "v2" || v2.IsDefaultVersion || v2.Document != docB || v2.CreateDate.IsZero() {
		t.Fatalf("v2 = %+v", v2)
	}
	got, err := s.GetPolicy(ctx, Account, "p")
	must(t, err)
	if got.DefaultVersion != "v1" || got.Document != docA {
		t.Fatalf("default after non-default version: %s %s", got.DefaultVersion, got.Document)
	}
	v3, err := s.CreatePolicyVersion(ctx, Account, "p", docC, true, false)
	must(t, err)
	if v3.VersionID != "v3" || !v3.IsDefaultVersion {
		t.Fatalf("v3 = %+v", v3)
	}
	got, err = s.GetPolicy(ctx, Account, "p")
	must(t, err)
	if got.DefaultVersion != "v3" || got.Document != docC {
		t.Fatalf("default after SetAsDefault: %s %s", got.DefaultVersion, got.Document)
	}
	_, err = s.CreatePolicyVersion(ctx, Account, "p", docA, false, false) // v4
	must(t, err)
	_, err = s.CreatePolicyVersion(ctx, Account, "p", docA, false, false) // v5
	must(t, err)
	_, err = s.CreatePolicyVersion(ctx, Account, "p", docA, false, false)
	wantLimit(t, err, "PolicyVersions", "p")
	v6, err := s.CreatePolicyVersion(ctx, Account, "p", docB, false, true)
	must(t, err)
	if v6.VersionID != "v6" {
		t.Fatalf("rotated version id %s, want v6", v6.VersionID)
	}
	vs, err := s.ListPolicyVersions(ctx, Account, "p")
	must(t, err)
	var ids []string
	def := ""
	for _, v := range vs {
		ids = append(ids, v.VersionID)
		if v.IsDefaultVersion {
			def = v.VersionID
		}
	}
	diff(t, "version ids after rotation (oldest non-default v1 deleted)", ids, []string{"v2", "v3", "v4", "v5", "v6"})
	if def != "v3" {
		t.Fatalf("default = %s, want v3", def)
	}
	// Rotation deletes the oldest non-default version and never the
	// default: v2 goes first, then v4 (the default v3 is skipped).
	for _, want := range [][]string{{"v3", "v4", "v5", "v6", "v7"}, {"v3", "v5", "v6", "v7", "v8"}} {
		_, err = s.CreatePolicyVersion(ctx, Account, "p", docB, false, true)
		must(t, err)
		vs, err = s.ListPolicyVersions(ctx, Account, "p")
		must(t, err)
		ids = ids[:0]
		for _, v := range vs {
			ids = append(ids, v.VersionID)
		}
		diff(t, "version ids after rotation", ids, want)
	}
	_, err = s.CreatePolicyVersion(ctx, Account, "missing", docA, false, false)
	wantNotFound(t, err, "Policy", "missing")
}

func roleFix(name string, n int) iam.Role {
	return iam.Role{AccountID: Account, RoleName: name, RoleID: "300000000000000000" + string(rune('0'+n%10)), Description: "role " + name,
		AssumeRolePolicyDocument: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"` + Account + `"}}]}`,
		MaxSessionDuration:       7200, CreateDate: at(n), UpdateDate: at(n)}
}

func testIAMRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := roleFix("VpnOps", 1)
	must(t, s.CreateRole(ctx, r))
	for _, name := range []string{"VpnOps", "vpnops", "VPNOPS"} {
		got, err := s.GetRole(ctx, Account, name)
		must(t, err)
		diff(t, "GetRole "+name, got, r)
	}
	_, err := s.GetRole(ctx, OtherAccount, "VpnOps")
	wantNotFound(t, err, "Role", "VpnOps")
	wantDuplicate(t, s.CreateRole(ctx, roleFix("VPNOPS", 2)), "RoleName", "VpnOps")
	wantNotFound(t, s.CreateRole(ctx, func() iam.Role { x := roleFix("x", 3); x.AccountID = "nope"; return x }()), "Account", "nope")

	ratt := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "vpnops", PolicyType: iam.PolicyTypeSystem, PolicyName: "AdministratorAccess", AttachDate: at(4)}
	must(t, s.AttachPolicy(ctx, ratt))
	wantInUse(t, s.DeleteRole(ctx, Account, "VPNOPS"), "Policy", "AdministratorAccess")
	must(t, s.DetachPolicy(ctx, ratt))
	must(t, s.DeleteRole(ctx, Account, "VPNOPS"))
	_, err = s.GetRole(ctx, Account, "VpnOps")
	wantNotFound(t, err, "Role", "VpnOps")
	wantNotFound(t, s.DeleteRole(ctx, Account, "VpnOps"), "Role", "VpnOps")
	// A re-created role has a new id and no attachments.
	r2 := roleFix("VpnOps", 5)
	must(t, s.CreateRole(ctx, r2))
	atts, err := s.ListAttachments(ctx, Account, iam.AttachToRole, "VpnOps")
	must(t, err)
	if len(atts) != 0 {
		t.Fatalf("attachments survived the role: %+v", atts)
	}
}

func testIAMAttachments(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, userFix(Account, "alice", 1)))
	must(t, s.CreateRole(ctx, roleFix("Ops", 2)))
	must(t, s.CreatePolicy(ctx, policyFix("pol", 3, docA)))
	sysAtt := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeSystem, PolicyName: "AliyunVPCReadOnlyAccess", AttachDate: at(5)}
	custAtt := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol", AttachDate: at(4)}
	must(t, s.AttachPolicy(ctx, sysAtt))
	must(t, s.AttachPolicy(ctx, custAtt))
	atts, err := s.ListAttachments(ctx, Account, iam.AttachToUser, "alice")
	must(t, err)
	withDoc := custAtt
	withDoc.Document = docA
	diff(t, "ListAttachments alice", atts, []iam.Attachment{withDoc, sysAtt})

	// The document follows the default version at once.
	_, err = s.CreatePolicyVersion(ctx, Account, "pol", docB, true, false)
	must(t, err)
	atts, err = s.ListAttachments(ctx, Account, iam.AttachToUser, "alice")
	must(t, err)
	if atts[0].Document != docB {
		t.Fatalf("attachment document %s, want the new default", atts[0].Document)
	}

	wantDuplicate(t, s.AttachPolicy(ctx, custAtt), "Attachment", "User/alice/Custom/pol")
	wantNotFound(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "bob", PolicyType: iam.PolicyTypeSystem, PolicyName: "x"}), "User", "bob")
	wantNotFound(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "nobody", PolicyType: iam.PolicyTypeSystem, PolicyName: "x"}), "Role", "nobody")
	wantNotFound(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeCustom, PolicyName: "missing"}), "Policy", "missing")
	wantNotFound(t, s.AttachPolicy(ctx, iam.Attachment{AccountID: OtherAccount, PrincipalType: iam.AttachToUser, PrincipalName: "alice", PolicyType: iam.PolicyTypeSystem, PolicyName: "x"}), "User", "alice")

	roleAtt := iam.Attachment{AccountID: Account, PrincipalType: iam.AttachToRole, PrincipalName: "OPS", PolicyType: iam.PolicyTypeCustom, PolicyName: "pol", AttachDate: at(6)}
	must(t, s.AttachPolicy(ctx, roleAtt))
	atts, err = s.ListAttachments(ctx, Account, iam.AttachToRole, "Ops")
	must(t, err)
	want := roleAtt
	want.PrincipalName, want.Document = "ops", docB
	diff(t, "ListAttachments role", atts, []iam.Attachment{want})

	must(t, s.DetachPolicy(ctx, sysAtt))
	wantNotFound(t, s.DetachPolicy(ctx, sysAtt), "Attachment", "User/alice/System/AliyunVPCReadOnlyAccess")
	atts, err = s.ListAttachments(ctx, Account, iam.AttachToUser, "alice")
	must(t, err)
	if len(atts) != 1 || atts[0].PolicyName != "pol" {
		t.Fatalf("after detach: %+v", atts)
	}
	atts, err = s.ListAttachments(ctx, Account, iam.AttachToUser, "nobody")
	must(t, err)
	if len(atts) != 0 {
		t.Fatalf("unknown identity has %+v", atts)
	}
}

func testIAMConcurrentCreateUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := userFix(Account, "racer", i)
			u.UserID = "29000000000000" + string(rune('0'+i/10)) + string(rune('0'+i%10))
			errs[i] = s.CreateUser(ctx, u)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrDuplicate):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates of one name succeeded, want 1", ok)
	}
}
