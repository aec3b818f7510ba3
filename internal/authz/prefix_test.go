package authz

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// names a list item may have after its prefix (no ':' or '/').
var prefixNames = []string{"a", "vco-1", "vco-12", "x", "AdminRole", "adminrole", "*", "?", "vpn-9", "ñ", "user0001", "u1", "0", "vco-1a"}

// TestPrefixMatchAgainstMatch: what prefixMatch says of a pattern over a
// prefix holds for every name: covers implies a match, !may implies none.
func TestPrefixMatchAgainstMatch(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alphabet := rapid.SampledFrom([]string{"*", "?", "a", "v", "c", "o", "-", "1", ":", "/", "x", "A"})
		p := strings.Join(rapid.SliceOfN(alphabet, 0, 10).Draw(t, "pattern"), "")
		prefix := strings.Join(rapid.SliceOfN(rapid.SampledFrom([]string{"a", "v", "c", "o", "-", "1", ":", "/", "x"}), 0, 8).Draw(t, "prefix"), "")
		fold := rapid.Bool().Draw(t, "fold")
		covers, may := prefixMatch(p, prefix, fold)
		if covers && !may {
			t.Fatalf("prefixMatch(%q, %q): covers without may", p, prefix)
		}
		for _, n := range prefixNames {
			got := match(p, prefix+n, fold)
			if covers && !got {
				t.Fatalf("pattern %q covers prefix %q but does not match %q", p, prefix, prefix+n)
			}
			if !may && got {
				t.Fatalf("pattern %q may not match under prefix %q but matches %q", p, prefix, prefix+n)
			}
		}
	})
}

// TestEvaluatePrefixAgainstEvaluate: when EvaluatePrefix calls a policy's
// decision uniform over a prefix, Evaluate gives that decision for every
// item under it.
func TestEvaluatePrefixAgainstEvaluate(t *testing.T) {
	prefixes := []string{"acs:vpc:cn-hangzhou:123:vpnconnection/", "acs:ram::123:role/", "acs:ram::123:user/"}
	resources := []string{"*", "acs:vpc:*:*:vpnconnection/*", "acs:vpc:*:*:vpnconnection/vco-1", "acs:vpc:cn-hangzhou:123:*",
		"acs:vpc:*:*:vpngateway/*", "acs:ram::*:role/AdminRole", "acs:ram::123:role/admin*", "acs:ram::*:user/u1?",
		"acs:*:*:*:*/vco-1", "acs:vpc:*:*:vpnconnection/vco-1*", "acs:vpc:*:*:*/?"}
	actions := []string{"*", "vpc:Describe*", "vpc:DescribeVpnConnections", "ram:*", "sts:AssumeRole", "vpc:Create*"}
	rapid.Check(t, func(t *rapid.T) {
		type stmt struct {
			Effect      string
			Action      []string `json:",omitempty"`
			Resource    []string `json:",omitempty"`
			NotResource []string `json:",omitempty"`
		}
		var sts []stmt
		for range rapid.IntRange(1, 4).Draw(t, "statements") {
			st := stmt{Effect: rapid.SampledFrom([]string{"Allow", "Deny"}).Draw(t, "effect"),
				Action: rapid.SliceOfN(rapid.SampledFrom(actions), 1, 2).Draw(t, "action")}
			res := rapid.SliceOfN(rapid.SampledFrom(resources), 1, 2).Draw(t, "resource")
			if rapid.IntRange(0, 4).Draw(t, "not") == 0 {
				st.NotResource = res
			} else {
				st.Resource = res
			}
			sts = append(sts, st)
		}
		b, _ := json.Marshal(map[string]any{"Version": "1", "Statement": sts})
		p, err := Parse(string(b))
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		r := Request{Action: rapid.SampledFrom([]string{"vpc:DescribeVpnConnections", "sts:AssumeRole", "ram:ListUsers"}).Draw(t, "req"),
			Resource: rapid.SampledFrom(prefixes).Draw(t, "prefix")}
		d, uniform := p.EvaluatePrefix(r)
		set, setUniform := EvaluatePrefixSet([]*Policy{p, nil}, r)
		if set != d || setUniform != uniform {
			t.Fatalf("EvaluatePrefixSet of one policy %v/%v, EvaluatePrefix %v/%v", set, setUniform, d, uniform)
		}
		if !uniform {
			return
		}
		prefix := r.Resource
		for _, n := range prefixNames {
			r.Resource = prefix + n
			if got := p.Evaluate(r); got != d {
				t.Fatalf("%s\nuniform %v over %q, but %q is %v", b, d, prefix, r.Resource, got)
			}
		}
	})
}

// TestEvaluatePrefixCases are the decisions a list relies on.
func TestEvaluatePrefixCases(t *testing.T) {
	const conns = "acs:vpc:cn-hangzhou:123:vpnconnection/"
	for _, tc := range []struct {
		name      string
		doc       string
		prefix    string
		d         Decision
		uniform   bool
		anyResult bool // d is not checked (not uniform)
	}{
		{"allow all", `{"Effect":"Allow","Action":"vpc:*","Resource":"*"}`, conns, Allow, true, false},
		{"allow the type", `{"Effect":"Allow","Action":"vpc:Describe*","Resource":"acs:vpc:*:*:vpnconnection/*"}`, conns, Allow, true, false},
		{"allow another type", `{"Effect":"Allow","Action":"vpc:*","Resource":"acs:vpc:*:*:vpngateway/*"}`, conns, ImplicitDeny, true, false},
		{"allow another region", `{"Effect":"Allow","Action":"vpc:*","Resource":"acs:vpc:cn-shanghai:*:*"}`, conns, ImplicitDeny, true, false},
		{"allow one item", `{"Effect":"Allow","Action":"vpc:*","Resource":"acs:vpc:*:*:vpnconnection/vco-1"}`, conns, 0, false, true},
		{"allow, deny one item", `{"Effect":"Allow","Action":"vpc:*","Resource":"*"},{"Effect":"Deny","Action":"vpc:*","Resource":"acs:vpc:*:*:vpnconnection/vco-1"}`, conns, 0, false, true},
		{"deny the type", `{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"vpc:Describe*","Resource":"acs:vpc:*:*:vpnconnection/*"}`, conns, ExplicitDeny, true, false},
		{"deny other action", `{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"vpc:Create*","Resource":"acs:vpc:*:*:vpnconnection/vco-1"}`, conns, Allow, true, false},
		{"deny pattern with a colon cannot name an item", `{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"acs:vpc:*:*:vpngateway/*"}`, conns, Allow, true, false},
		{"NotResource excluding the type", `{"Effect":"Allow","Action":"*","NotResource":"acs:vpc:*:*:vpnconnection/*"}`, conns, ImplicitDeny, true, false},
		{"NotResource excluding one item", `{"Effect":"Allow","Action":"*","NotResource":"acs:vpc:*:*:vpnconnection/vco-1"}`, conns, 0, false, true},
		{"role prefix ignores case", `{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"acs:ram::123:ROLE/*"}`, "acs:ram::123:role/", ExplicitDeny, true, false},
		{"role name pattern ignores case", `{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"acs:ram::123:role/Admin*"}`, "acs:ram::123:role/", 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(`{"Version":"1","Statement":[` + tc.doc + `]}`)
			if err != nil {
				t.Fatal(err)
			}
			d, u := p.EvaluatePrefix(Request{Action: "vpc:DescribeVpnConnections", Resource: tc.prefix})
			if u != tc.uniform || !tc.anyResult && d != tc.d {
				t.Fatalf("got %v uniform=%v, want %v uniform=%v", d, u, tc.d, tc.uniform)
			}
		})
	}
}
