package service

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestStoreErrUnnamedDuplicate: a unique violation the store could not name
// (store.ErrDuplicate without a *store.DuplicateError) reaches the client as
// 503 ServiceUnavailable with a retry hint, never as a 500 InternalError;
// the named duplicates stay with their use case's own codes.
func TestStoreErrUnnamedDuplicate(t *testing.T) {
	err := storeErr(fmt.Errorf("%w: UNIQUE constraint failed: vpn_connections.id", store.ErrDuplicate))
	e, ok := apierror.As(err)
	if !ok {
		t.Fatalf("storeErr(unnamed duplicate) = %v: not an API error (would answer 500 InternalError)", err)
	}
	if e.Code != "ServiceUnavailable" || e.Status != http.StatusServiceUnavailable || e.Headers["Retry-After"] != "1" {
		t.Fatalf("storeErr(unnamed duplicate) = %s %d %v, want ServiceUnavailable 503 Retry-After 1", e.Code, e.Status, e.Headers)
	}
	named := &store.DuplicateError{Rule: "CustomerGatewayIp", ID: "cgw-x"}
	if got := storeErr(named); !errors.As(got, new(*store.DuplicateError)) {
		t.Fatalf("storeErr(named duplicate) = %v, want the DuplicateError kept for its use case", got)
	}
}

// TestStoreErrorTable: every kind and rule the store can name has a row of
// the one table (a new store.Kind or store.Rule fails here until it is
// given one), every row answers a code of apierror.Table, and every message
// formats cleanly.
func TestStoreErrorTable(t *testing.T) {
	kinds := map[store.Kind]bool{}
	for _, k := range store.Kinds() {
		kinds[k] = true
		row, ok := kindTable[k]
		if !ok {
			t.Errorf("store.%s has no row in kindTable", k)
			continue
		}
		checkRows(t, string(k), row.internal, row.notFound, row.inUse, row.quota)
	}
	for k := range kindTable {
		if !kinds[k] {
			t.Errorf("kindTable row %q is not in store.Kinds()", k)
		}
	}
	rules := map[store.Rule]bool{}
	for _, r := range store.Rules() {
		rules[r] = true
		row, ok := ruleTable[r]
		if !ok {
			t.Errorf("store.%s has no row in ruleTable", r)
			continue
		}
		checkRows(t, string(r), row.internal, row.duplicate, row.limit)
	}
	for r := range ruleTable {
		if !rules[r] {
			t.Errorf("ruleTable row %q is not in store.Rules()", r)
		}
	}
}

func checkRows(t *testing.T, name, internal string, rows ...byOp) {
	t.Helper()
	n := 0
	for _, b := range rows {
		for o, w := range b {
			n++
			for _, code := range []string{w.code, w.roleCode} {
				if _, ok := apierror.Table[code]; code != "" && !ok || code == "" && code == w.code {
					t.Errorf("%s (%q): code %q is not in apierror.Table", name, o, code)
				}
			}
			if w.msg != nil {
				for _, id := range []string{"x-1", "Role/r1", "User/u1"} {
					if m := w.msg(id, about{Target: "t-1", Detail: " d.", limit: 3}); strings.Contains(m, "%!") || !strings.HasSuffix(m, ".") {
						t.Errorf("%s (%q): message %q", name, o, m)
					}
				}
			}
		}
	}
	if (n == 0) == (internal == "") {
		t.Errorf("%s: a row has answers or says why it has none (internal), not both or neither", name)
	}
}

// TestTagTypesAreStoreKinds: vpn names the taggable kinds as strings (it
// sits below store); each must be a store.Kind.
func TestTagTypesAreStoreKinds(t *testing.T) {
	for _, tt := range vpn.TagTypes() {
		if _, ok := kindTable[storeKind(tt)]; !ok {
			t.Errorf("tag type %s: kind %q is not a store.Kind", tt.Name, tt.Kind)
		}
	}
}

// TestStoreErrorAnswers: some rows, answer for answer as the use cases gave
// them before the table (the compatibility tests cover the rest on the wire).
func TestStoreErrorAnswers(t *testing.T) {
	for _, tc := range []struct {
		err       error
		o         op
		a         about
		code, msg string
	}{
		{&store.NotFoundError{Kind: store.KindVpc, ID: "vpc-1"}, anyOp, about{}, "InvalidVpcId.NotFound", "The specified VpcId vpc-1 does not exist."},
		{&store.InUseError{Kind: store.KindVSwitch, ID: "vsw-1"}, opModifyVpcAttribute, about{Target: "vpc-1", Detail: "10.0.0.0/24"}, "InvalidCidrBlock.VSwitchOutside", "The CidrBlock 10.0.0.0/24 of VPC vpc-1 would not contain vSwitch vsw-1; a VPC's block must hold all its vSwitches."},
		{&store.InUseError{Kind: store.KindVSwitch, ID: "vsw-1"}, opDeleteVpc, about{Target: "vpc-1"}, "DependencyViolation.VSwitch", "The VPC vpc-1 still has vSwitch vsw-1; delete its vSwitches first."},
		{&store.NotFoundError{Kind: store.KindAttachment, ID: "Role/r/Custom/p"}, anyOp, about{}, "EntityNotExist.Role.Policy", "The indicate policy of the role does not exist: Role/r/Custom/p."},
		{&store.DuplicateError{Rule: store.RuleAttachment, ID: "User/u/System/p"}, anyOp, about{}, "EntityAlreadyExists.User.Policy", apierror.Table["EntityAlreadyExists.User.Policy"].Message},
		{&store.LimitError{Rule: store.RuleSystemPoliciesPerIdentity, ID: "Role/r1"}, opAttachPolicyToIdentity, about{}, "LimitExceeded.Role.Policy", "The policy count of r1 beyond the current limits: at most 20 system policies."},
		{&store.NotFoundError{Kind: store.KindAccessKey, ID: "LTAI1"}, anyOp, about{}, "EntityNotExist.User.AccessKey", "The user access key does not exist: LTAI1."},
		{&store.QuotaError{Kind: store.KindIdentityAccessKey, Limit: 2, ID: "u1"}, anyOp, about{}, "LimitExceeded.User.AccessKey", "The access key count of the user access keys beyond the current limits: an identity has at most 2 access keys."},
		{&store.QuotaError{Kind: store.KindVpnConnection, Limit: 7, ID: "vpn-1"}, anyOp, about{}, "Resource.QuotaFull", "The VPN gateway vpn-1 already carries 7 IPsec-VPN connections, the quota per gateway; delete unused connections or ask the operator to raise --quota-connections-per-gateway."},
	} {
		e := tableErr(tc.err, tc.o, tc.a)
		if e == nil || e.Code != tc.code || e.Message != tc.msg {
			t.Errorf("%v (%q) = %+v, want %s %q", tc.err, tc.o, e, tc.code, tc.msg)
		}
	}
	// A use case's own row is not answered for another one.
	if e := tableErr(&store.InUseError{Kind: store.KindVpnConnection, ID: "vco-1"}, anyOp, about{}); e != nil {
		t.Errorf("InUse VpnConnection outside its use cases = %+v, want nil", e)
	}
}
