package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// tenant signs V1 GETs with one account's root key.
type tenant struct {
	env    *apptest.Env
	ak, sk string
}

func (tn tenant) do(t *testing.T, kv ...string) answer {
	t.Helper()
	q := signature.V1Query(signature.SignV1("GET", p(kv...), tn.ak, tn.sk, time.Now(), nonce()))
	req, _ := http.NewRequest(http.MethodGet, "http://"+tn.env.Endpoint+"/?"+q, nil)
	a := send(t, req)
	checkWellFormed(t, a)
	return a
}

func (tn tenant) ok(t *testing.T, field string, kv ...string) string {
	t.Helper()
	a := tn.do(t, kv...)
	if a.Status != 200 {
		t.Fatalf("%v: %d %s %s", kv[:2], a.Status, a.Code, a.Message)
	}
	var m map[string]any
	_ = json.Unmarshal(a.Body, &m)
	s, _ := m[field].(string)
	return s
}

func newTenant(t *testing.T, env *apptest.Env, name string) tenant {
	t.Helper()
	ctx := context.Background()
	acct, err := service.NewAccount(ctx, env.App.Store, name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := service.NewAccessKey(acct.AccountID, "", "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Store.CreateAccessKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	return tenant{env, k.AccessKeyID, k.Secret}
}

// TestQuotas: every per-account quota answers its code once reached, and a
// tenant cannot take the shared gateway address pool (issue #19: 7 dual
// gateways took a /28).
func TestQuotas(t *testing.T) {
	env := apptest.Start(t, apptest.Options{AddressPool: "198.18.0.0/28", Quotas: &store.Quotas{
		VpnGateways: 3, ConnectionsPerGateway: 1, CustomerGateways: 2, RAMUsers: 1, AccessKeys: 3}})
	a := tenant{env, apptest.AccessKeyID, apptest.AccessKeySecret}
	b := newTenant(t, env, "b")
	gateway := func(tn tenant, i int) answer {
		vpc := tn.ok(t, "VpcId", vpcAct("CreateVpc", "CidrBlock", "192.168.0.0/16")...)
		sw1 := tn.ok(t, "VSwitchId", vpcAct("CreateVSwitch", "VpcId", vpc, "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.1.0/24")...)
		sw2 := tn.ok(t, "VSwitchId", vpcAct("CreateVSwitch", "VpcId", vpc, "ZoneId", "cn-hangzhou-i", "CidrBlock", "192.168.2.0/24")...)
		return tn.do(t, vpcAct("CreateVpnGateway", "VpcId", vpc, "VSwitchId", sw1, "DisasterRecoveryVSwitchId", sw2, "Bandwidth", "10", "Name", fmt.Sprintf("gw%d", i))...)
	}
	// Tenant A: 3 dual-tunnel gateways (6 of the pool's 14 addresses),
	// then the quota.
	var gws []string
	for i := range 3 {
		r := gateway(a, i)
		if r.Status != 200 {
			t.Fatalf("gateway %d: %d %s %s", i, r.Status, r.Code, r.Message)
		}
		var m map[string]any
		_ = json.Unmarshal(r.Body, &m)
		gws = append(gws, m["VpnGatewayId"].(string))
	}
	if r := gateway(a, 3); r.Status != 400 || r.Code != "QuotaExceeded.VpnGateway" || !strings.Contains(r.Message, "3 VPN gateways") || !strings.Contains(r.Message, "--quota-vpn-gateways") {
		t.Fatalf("4th gateway: %d %s %s", r.Status, r.Code, r.Message)
	}
	// Tenant B still gets addresses.
	if r := gateway(b, 0); r.Status != 200 {
		t.Fatalf("tenant B's gateway after tenant A's quota: %d %s %s", r.Status, r.Code, r.Message)
	}

	// Customer gateways: 2.
	c1 := a.ok(t, "CustomerGatewayId", vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.1")...)
	c2 := a.ok(t, "CustomerGatewayId", vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.2")...)
	if r := a.do(t, vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.3")...); r.Status != 400 || r.Code != "QuotaExceeded.CustomerGateway" {
		t.Fatalf("3rd customer gateway: %d %s %s", r.Status, r.Code, r.Message)
	}
	// Connections per gateway: 1 (dual-tunnel connections of gateway 0).
	conn := func(cgw string) answer {
		return a.do(t, vpcAct("CreateVpnConnection", "VpnGatewayId", gws[0], "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.0.0.0/8",
			"TunnelOptionsSpecification.1.Role", "master", "TunnelOptionsSpecification.1.CustomerGatewayId", cgw,
			"TunnelOptionsSpecification.2.Role", "slave", "TunnelOptionsSpecification.2.CustomerGatewayId", cgw)...)
	}
	if r := conn(c1); r.Status != 200 {
		t.Fatalf("1st connection: %d %s %s", r.Status, r.Code, r.Message)
	}
	if r := conn(c2); r.Status != 400 || r.Code != "Resource.QuotaFull" || !strings.Contains(r.Message, gws[0]) {
		t.Fatalf("2nd connection on one gateway: %d %s %s", r.Status, r.Code, r.Message)
	}
	// RAM users: 1; AccessKeys: 3 in the account (root has 1).
	a.ok(t, "RequestId", ramAct("CreateUser", "UserName", "u1")...)
	if r := a.do(t, ramAct("CreateUser", "UserName", "u2")...); r.Status != 409 || r.Code != "LimitExceeded.User" || !strings.Contains(r.Message, "--quota-ram-users") {
		t.Fatalf("2nd user: %d %s %s", r.Status, r.Code, r.Message)
	}
	a.ok(t, "RequestId", ramAct("CreateAccessKey", "UserName", "u1")...)
	a.ok(t, "RequestId", ramAct("CreateAccessKey", "UserName", "u1")...)
	if r := a.do(t, ramAct("CreateAccessKey")...); r.Status != 409 || r.Code != "QuotaExceeded.AccessKey" {
		t.Fatalf("4th key in the account: %d %s %s", r.Status, r.Code, r.Message)
	}
	// Tenant B's RAM is not affected.
	b.ok(t, "RequestId", ramAct("CreateUser", "UserName", "u1")...)
}
