package iam_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// denyPlainHTTPExample is the policy of docs/SECURITY.md's "deny every call
// over plain HTTP" example, read from the document so that the test keeps
// the document true.
func denyPlainHTTPExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "deny every call over plain HTTP:\n\n```json\n")
	if !ok {
		t.Fatal(`docs/SECURITY.md has no "deny every call over plain HTTP" example`)
	}
	doc, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the example's code block does not end")
	}
	return doc
}

// rawCall sends a V1-signed GET of params with ak/sk and returns the status
// and body.
func rawCall(t *testing.T, env *apptest.Env, ak, sk string, params map[string]string) (int, string) {
	t.Helper()
	var ps []signature.Param
	for k, v := range params {
		ps = append(ps, signature.Param{Name: k, Value: v})
	}
	q := signature.V1Query(signature.SignV1("GET", ps, ak, sk, time.Now(), fmt.Sprintf("n%d", time.Now().UnixNano())))
	resp, err := http.Get("http://" + env.Endpoint + "/?" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDenyPlainHTTPExample: the documented policy refuses, over plain HTTP,
// every action that answers a pre-shared key or an AccessKey secret (found
// by calling every VPC action of the dispatch table with a fixture), and
// refuses none of them over TLS (issue #19: the former example denied only
// DownloadVpnConnectionConfig).
func TestDenyPlainHTTPExample(t *testing.T) {
	doc := denyPlainHTTPExample(t)
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", secure), func(t *testing.T) {
			env := apptest.Start(t, apptest.Options{Secure: secure})
			root := keyClients(t, apptest.AccessKeyID, apptest.AccessKeySecret)
			f := newListFixture(t, env, root)
			psk := f.psks[0]
			// Free pairs for CreateVpnConnection: (gateway 0, customer
			// gateway 1) for the root identity, (1, 0) for the user.
			params := map[string]string{"Version": api.VersionVPC, "RegionId": "cn-hangzhou", "VpnConnectionId": f.conns[0],
				"VpnGatewayId": f.gws[0], "CustomerGatewayId": f.cgws[0], "VpcId": f.vpcs[0],
				"VSwitchId": f.vsws[0], "DeviceType": "strongswan-swanctl", "Name": "renamed"}
			call := func(ak, sk, action string, extra ...string) (int, string) {
				p := map[string]string{"Action": action}
				for k, v := range params {
					p[k] = v
				}
				for i := 0; i+1 < len(extra); i += 2 {
					p[extra[i]] = extra[i+1]
				}
				if action == "CreateVpnConnection" {
					p["LocalSubnet"], p["RemoteSubnet"], p["IkeConfig"] = "192.168.0.0/24", "10.9.0.0/16", `{"Psk":"`+psk+`"}`
				}
				return rawCall(t, env, ak, sk, p)
			}
			// Every action that answers the PSK to the root identity.
			var secretActions []string
			for _, a := range api.Actions(env.App.Service) {
				if a.Version != api.VersionVPC || strings.HasPrefix(a.Name, "Delete") || strings.HasPrefix(a.Name, "Move") ||
					strings.HasPrefix(a.Name, "Create") && a.Name != "CreateVpnConnection" {
					continue
				}
				extra := []string{}
				if a.Name == "CreateVpnConnection" {
					extra = []string{"CustomerGatewayId", f.cgws[1]}
				}
				if code, body := call(apptest.AccessKeyID, apptest.AccessKeySecret, a.Name, extra...); code == 200 && strings.Contains(body, psk) {
					secretActions = append(secretActions, a.Name)
				}
			}
			sort.Strings(secretActions)
			t.Logf("actions answering the PSK: %v", secretActions)
			for _, want := range []string{"DescribeVpnConnection", "DescribeVpnConnections", "DownloadVpnConnectionConfig", "DownloadVpnConnectionDeviceConfig"} {
				if !contains(secretActions, want) {
					t.Fatalf("%s does not answer the PSK (discovery broken?): %v", want, secretActions)
				}
			}
			userWithPolicy(t, env, root, "httpuser", doc)
			ap := at(env, ram.CreateAttachPolicyToUserRequest())
			ap.PolicyType, ap.PolicyName, ap.UserName = "System", "AdministratorAccess", "httpuser"
			_, err := root.ram.AttachPolicyToUser(ap)
			must(t, err, "AttachPolicyToUser")
			cu := at(env, ram.CreateCreateUserRequest())
			cu.UserName = "httpuser2"
			_, err = root.ram.CreateUser(cu)
			must(t, err, "CreateUser")
			// The user's key: list it from the store.
			keys, err := env.App.Store.ListAccessKeys(t.Context(), env.App.Root.AccountID, "httpuser")
			if err != nil || len(keys) != 1 {
				t.Fatalf("keys of httpuser: %v %v", keys, err)
			}
			full, err := env.App.Store.GetAccessKey(t.Context(), keys[0].AccessKeyID)
			must(t, err, "GetAccessKey")
			cr := at(env, ram.CreateCreateRoleRequest())
			cr.RoleName = "plain"
			cr.AssumeRolePolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["` + env.App.Root.AccountID + `"]}}]}`
			_, err = root.ram.CreateRole(cr)
			must(t, err, "CreateRole")
			checks := append([]string(nil), secretActions...)
			for _, action := range checks {
				extra := []string{}
				if action == "CreateVpnConnection" {
					extra = []string{"VpnGatewayId", f.gws[1], "CustomerGatewayId", f.cgws[0]}
				}
				code, body := call(full.AccessKeyID, full.Secret, action, extra...)
				denied := code == 403 && strings.Contains(body, `"NoPermissionType":"ExplicitDeny"`)
				if denied != !secure {
					t.Errorf("%s over TLS=%v: %d %.300s", action, secure, code, body)
				}
				if strings.Contains(body, psk) && !secure {
					t.Errorf("%s answered the PSK over plain HTTP", action)
				}
			}
			// The RAM and STS secrets: CreateAccessKey and AssumeRole.
			for _, rc := range []struct {
				action string
				params map[string]string
			}{
				{"CreateAccessKey", map[string]string{"Action": "CreateAccessKey", "Version": api.VersionRAM, "UserName": "httpuser2"}},
				{"AssumeRole", map[string]string{"Action": "AssumeRole", "Version": api.VersionSTS, "RoleArn": "acs:ram::" + env.App.Root.AccountID + ":role/plain", "RoleSessionName": "s1"}},
			} {
				code, body := rawCall(t, env, full.AccessKeyID, full.Secret, rc.params)
				var a struct {
					AccessKey   struct{ AccessKeySecret string }
					Credentials struct{ AccessKeySecret string }
				}
				_ = json.Unmarshal([]byte(body), &a)
				got := a.AccessKey.AccessKeySecret + a.Credentials.AccessKeySecret
				if denied := code == 403; denied != !secure || (secure != (got != "")) {
					t.Errorf("%s over TLS=%v: %d %.300s", rc.action, secure, code, body)
				}
			}
		})
	}
}
