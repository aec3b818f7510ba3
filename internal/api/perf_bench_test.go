package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/bench"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// Tests of the hot-path caches (the download answer cache with its gateway
// and customer gateway entries, and the credential cache): whatever they
// keep, an acknowledged write is seen by the next request.

// perfCall sends a V1-signed GET and returns the status and the decoded body.
func perfCall(t *testing.T, c *bench.Client, action string, kv ...string) (int, map[string]any) {
	t.Helper()
	version := bench.APIVersion
	var params []signature.Param
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "Version" {
			version = kv[i+1]
			continue
		}
		params = append(params, signature.Param{Name: kv[i], Value: kv[i+1]})
	}
	ps := append([]signature.Param{{Name: "Action", Value: action}, {Name: "Version", Value: version}}, params...)
	signed := signature.SignV1(http.MethodGet, ps, c.AccessKeyID, c.AccessKeySecret, time.Now(), nonce())
	req, err := http.NewRequest(http.MethodGet, "http://"+c.Endpoint+"/?"+signature.V1Query(signed), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
	} else {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		out = map[string]any{"_raw": b.String()}
	}
	return resp.StatusCode, out
}

func codeOf(m map[string]any) string { s, _ := m["Code"].(string); return s }

func TestDownloadCacheFollowsWrites(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	res, err := bench.Seed{AccountID: env.App.Root.AccountID, Connections: 2, PerGateway: 2, DualEvery: -1}.Run(ctx, env.App.Store)
	if err != nil {
		t.Fatal(err)
	}
	root := &bench.Client{Endpoint: env.Endpoint, AccessKeyID: apptest.AccessKeyID, AccessKeySecret: apptest.AccessKeySecret, HTTP: bench.NewClient(1)}
	id := res.Single[0]
	download := func(format string) string {
		t.Helper()
		kv := []string{"RegionId", "cn-hangzhou", "VpnConnectionId", id}
		if format != "" {
			kv = append(kv, "Format", format)
		}
		st, body := perfCall(t, root, "DownloadVpnConnectionConfig", kv...)
		if st != 200 {
			t.Fatalf("download %s: %d %v", format, st, body)
		}
		if raw, ok := body["_raw"].(string); ok {
			return raw
		}
		b, _ := json.Marshal(body["VpnConnectionConfig"])
		return string(b)
	}
	// Fill the cache in both formats (and with several spellings of Format).
	for _, f := range []string{"", "json", "XML", "xml"} {
		download(f)
	}
	if got := download("JSON"); !strings.Contains(got, `"RemoteSubnet":"10.0.0.0/24"`) {
		t.Fatalf("answer before the change: %s", got)
	}

	// A connection change is seen at once, in both formats.
	st, body := perfCall(t, root, "ModifyVpnConnectionAttribute", "RegionId", "cn-hangzhou", "VpnConnectionId", id, "LocalSubnet", "10.9.0.0/24")
	if st != 200 {
		t.Fatalf("modify connection: %d %v", st, body)
	}
	if got := download(""); !strings.Contains(got, `"RemoteSubnet":"10.9.0.0/24"`) {
		t.Errorf("JSON answer after ModifyVpnConnectionAttribute: %s", got)
	}
	if got := download("XML"); !strings.Contains(got, "<RemoteSubnet>10.9.0.0/24</RemoteSubnet>") {
		t.Errorf("XML answer after ModifyVpnConnectionAttribute: %s", got)
	}

	// A customer gateway's address is the answer's Local. Its modifiable
	// fields (name, description, AuthKey) are not in the answer: after a
	// rename the answer is the same bytes, cached or not. (The service
	// still drops the cached customer gateways on such a change,
	// invalidateDownloads; TestDownloadCacheDependencies tests that
	// eviction directly, as nothing observable here depends on it.)
	c, err := env.App.Store.GetConnection(ctx, storeScope(env), id)
	if err != nil {
		t.Fatal(err)
	}
	cg, err := env.App.Store.GetCustomerGateway(ctx, storeScope(env), c.CustomerGatewayID)
	if err != nil {
		t.Fatal(err)
	}
	before := download("json")
	if !strings.Contains(before, `"Local":"`+cg.IPAddress+`"`) {
		t.Fatalf("answer does not name the customer gateway address %s: %s", cg.IPAddress, before)
	}
	st, body = perfCall(t, root, "ModifyCustomerGatewayAttribute", "RegionId", "cn-hangzhou", "CustomerGatewayId", c.CustomerGatewayID, "Name", "renamed")
	if st != 200 {
		t.Fatalf("modify customer gateway: %d %v", st, body)
	}
	if got, _ := env.App.Store.GetCustomerGateway(ctx, storeScope(env), c.CustomerGatewayID); got.Name != "renamed" {
		t.Fatalf("customer gateway name %q after modify", got.Name)
	}
	if got := download("json"); got != before {
		t.Fatalf("answer after the rename:\n%s\nwant it unchanged:\n%s", got, before)
	}

	// Not found and wrong parameters are answered as without a cache.
	for _, tc := range []struct {
		name string
		kv   []string
		code string
	}{
		{"unknown region", []string{"RegionId", "xx-nowhere", "VpnConnectionId", id}, "InvalidRegionId.NotFound"},
		{"missing region", []string{"VpnConnectionId", id}, "MissingRegionId"},
		{"region with a slash", []string{"RegionId", "cn-hangzhou/" + id, "VpnConnectionId", "j"}, "InvalidRegionId.NotFound"},
		{"deleted connection", nil, "InvalidVpnConnectionInstanceId.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := tc.kv
			if kv == nil {
				if st, body := perfCall(t, root, "DeleteVpnConnection", "RegionId", "cn-hangzhou", "VpnConnectionId", id); st != 200 {
					t.Fatalf("delete: %d %v", st, body)
				}
				kv = []string{"RegionId", "cn-hangzhou", "VpnConnectionId", id}
			}
			st, body := perfCall(t, root, "DownloadVpnConnectionConfig", kv...)
			if st < 400 || codeOf(body) != tc.code {
				t.Errorf("got %d %s, want %s", st, codeOf(body), tc.code)
			}
		})
	}
}

func TestCredentialCacheFollowsRAM(t *testing.T) {
	env := apptest.Start(t)
	root := &bench.Client{Endpoint: env.Endpoint, AccessKeyID: apptest.AccessKeyID, AccessKeySecret: apptest.AccessKeySecret, HTTP: bench.NewClient(1)}
	ram := func(action string, kv ...string) map[string]any {
		t.Helper()
		st, body := perfCall(t, root, action, append([]string{"Version", "2015-05-01"}, kv...)...)
		if st != 200 {
			t.Fatalf("%s: %d %v", action, st, body)
		}
		return body
	}
	ram("CreateUser", "UserName", "alice")
	key, _ := ram("CreateAccessKey", "UserName", "alice")["AccessKey"].(map[string]any)
	akID, _ := key["AccessKeyId"].(string)
	akSecret, _ := key["AccessKeySecret"].(string)
	if akID == "" || akSecret == "" {
		t.Fatalf("CreateAccessKey answer %v", key)
	}
	alice := &bench.Client{Endpoint: env.Endpoint, AccessKeyID: akID, AccessKeySecret: akSecret, HTTP: bench.NewClient(1)}
	aliceCode := func() string {
		t.Helper()
		_, body := perfCall(t, alice, "DescribeVpnConnections", "RegionId", "cn-hangzhou")
		return codeOf(body)
	}
	for _, step := range []struct {
		name   string
		change func()
		want   string // alice's code; "" or an authorization code means she was authenticated
		authed bool
	}{
		{"active", func() {}, "", true},
		{"active again (cached)", func() {}, "", true},
		{"disabled", func() { ram("UpdateAccessKey", "UserName", "alice", "UserAccessKeyId", akID, "Status", "Inactive") }, "InvalidAccessKeyId.Inactive", false},
		{"enabled", func() { ram("UpdateAccessKey", "UserName", "alice", "UserAccessKeyId", akID, "Status", "Active") }, "", true},
		{"deleted", func() { ram("DeleteAccessKey", "UserName", "alice", "UserAccessKeyId", akID) }, "InvalidAccessKeyId.NotFound", false},
	} {
		step.change()
		got := aliceCode()
		authed := !strings.HasPrefix(got, "InvalidAccessKeyId") && got != "SignatureDoesNotMatch"
		if authed != step.authed || (!step.authed && got != step.want) {
			t.Errorf("%s: alice's request answered %q, want authenticated=%v (%s)", step.name, got, step.authed, step.want)
		}
	}
}

func storeScope(env *apptest.Env) store.Scope {
	return store.Scope{AccountID: env.App.Root.AccountID, RegionID: "cn-hangzhou"}
}
