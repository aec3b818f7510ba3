// Package leaktest proves that secrets do not leak: it runs the real vpcvpn
// binary at debug log level through a full scenario (connections with
// pre-shared keys, RAM AccessKeys, STS sessions, downloads, failing requests)
// and looks for every secret in the logs, the audit trail, /metrics, the error
// answers and the raw bytes of every file of the data dir, SQLite WAL
// included.
package leaktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/crashtest"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vpcvpn-leaktest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = crashtest.BuildBinary(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Secrets the scenario sets; each is distinctive enough that finding it
// anywhere is a leak.
const (
	pskSingle   = "LeakPskSingle7Qx9"
	pskMaster   = "LeakPskMaster3Zr1"
	pskSlave    = "LeakPskSlave8Kd2"
	pskModified = "LeakPskModified5Wn"
	pskInvalid  = "LeakPskInvalid6Tb" // sent with a request that fails validation
)

// scenario collects the secrets seen and the answers of failing requests.
type scenario struct {
	t       *testing.T
	addr    string
	secrets map[string]string // secret -> what it is
	errors  [][]byte          // bodies of failing requests
	visible [][]byte          // other answers that must not carry foreign secrets
}

func (s *scenario) secret(what, v string) {
	s.t.Helper()
	if len(v) < 8 {
		s.t.Fatalf("%s %q is too short to look for", what, v)
	}
	s.secrets[v] = what
}

// call performs a raw call and decodes the JSON answer into out (when not
// nil); want is the expected status.
func (s *scenario) call(cred crashtest.Cred, version, action string, want int, out any, params ...string) []byte {
	s.t.Helper()
	code, body, err := crashtest.CallAs(s.addr, cred, version, action, params...)
	if err != nil || code != want {
		s.t.Fatalf("%s: %d %v (want %d)\n%s", action, code, err, want, body)
	}
	if code >= 400 {
		s.errors = append(s.errors, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			s.t.Fatalf("%s: %v\n%s", action, err, body)
		}
	}
	return body
}

func vpcCall(action string, params ...string) (string, []string) {
	return action, append([]string{"RegionId", crashtest.Region}, params...)
}

// TestSecretsDoNotLeak is the scenario; see the package comment.
func TestSecretsDoNotLeak(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv := crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir, "--log-level", "debug")
	s := &scenario{t: t, addr: srv.Addr, secrets: map[string]string{}}
	root := crashtest.Root()
	s.secret("root AccessKey secret", root.Secret)
	for _, p := range []string{pskSingle, pskMaster, pskSlave, pskModified, pskInvalid} {
		s.secret("PSK", p)
	}
	const vpcV, ramV, stsV = "2016-04-28", "2015-05-01", "2015-04-01"

	// Connections: explicit PSKs (single, dual), a generated one, a
	// modification, downloads in JSON and XML and a device configuration.
	c := crashtest.Client(t, srv.Addr)
	f := crashtest.NewFixture(t, c, 4)
	single, err := f.CreateConnection(c, 0, pskSingle)
	if err != nil {
		t.Fatal(err)
	}
	gw := crashtest.DualGateway(t, c, "172.16.0.0/16")
	dual, err := crashtest.CreateDualConnection(c, gw, f.CustomerGateways[1], f.CustomerGateways[2], pskMaster, pskSlave)
	if err != nil {
		t.Fatal(err)
	}
	var gen struct{ VpnConnectionId string }
	a, p := vpcCall("CreateVpnConnection", "VpnGatewayId", f.GatewayID, "CustomerGatewayId", f.CustomerGateways[3], "LocalSubnet", "192.168.1.0/24", "RemoteSubnet", "10.3.0.0/16")
	s.call(root, vpcV, a, 200, &gen, p...)
	var dl struct {
		VpnConnectionConfig struct{ IkeConfig struct{ Psk string } }
	}
	a, p = vpcCall("DownloadVpnConnectionConfig", "VpnConnectionId", gen.VpnConnectionId)
	s.call(root, vpcV, a, 200, &dl, p...)
	s.secret("generated PSK", dl.VpnConnectionConfig.IkeConfig.Psk)
	if err := crashtest.ModifyPsk(c, single, "renamed", pskModified); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{single, dual, gen.VpnConnectionId} {
		a, p = vpcCall("DownloadVpnConnectionConfig", "VpnConnectionId", id)
		s.call(root, vpcV, a, 200, nil, p...)
		a, p = vpcCall("DownloadVpnConnectionConfig", "VpnConnectionId", id, "Format", "XML")
		s.call(root, vpcV, a, 200, nil, p...)
		a, p = vpcCall("DescribeVpnConnection", "VpnConnectionId", id)
		s.call(root, vpcV, a, 200, nil, p...)
	}
	a, p = vpcCall("DownloadVpnConnectionDeviceConfig", "VpnConnectionId", single, "DeviceType", "strongswan-swanctl")
	if body := s.call(root, vpcV, a, 200, nil, p...); !bytes.Contains(body, []byte(pskModified)) {
		t.Fatalf("the device configuration lacks the PSK (is the scenario right?):\n%s", body)
	}

	// Failing requests that carry a secret: a rejected IkeConfig, an
	// invalid PSK, a wrong signature.
	a, p = vpcCall("ModifyVpnConnectionAttribute", "VpnConnectionId", single, "IkeConfig", `{"IkeLifetime":-5,"Psk":"`+pskInvalid+`"}`)
	s.call(root, vpcV, a, 400, nil, p...)
	a, p = vpcCall("ModifyVpnConnectionAttribute", "VpnConnectionId", single, "IkeConfig", `{"Psk":"`+pskInvalid+strings.Repeat("x", 200)+`"}`)
	s.call(root, vpcV, a, 400, nil, p...)
	a, p = vpcCall("CreateVpnConnection", "VpnGatewayId", f.GatewayID, "CustomerGatewayId", "vcg-doesnotexist", "LocalSubnet", "192.168.1.0/24", "RemoteSubnet", "10.3.0.0/16", "IkeConfig", `{"Psk":"`+pskInvalid+`"}`)
	s.call(root, vpcV, a, 404, nil, p...)
	s.call(crashtest.Cred{AccessKeyID: root.AccessKeyID, Secret: "wrong-" + root.Secret}, vpcV, "DescribeRegions", 400, nil)

	// RAM: a user with an AccessKey of its own.
	var ident struct{ AccountId string }
	s.call(root, stsV, "GetCallerIdentity", 200, &ident)
	s.call(root, ramV, "CreateUser", 200, nil, "UserName", "leak-user")
	var ak struct {
		AccessKey struct{ AccessKeyId, AccessKeySecret string }
	}
	s.call(root, ramV, "CreateAccessKey", 200, &ak, "UserName", "leak-user")
	s.secret("RAM user AccessKey secret", ak.AccessKey.AccessKeySecret)
	user := crashtest.Cred{AccessKeyID: ak.AccessKey.AccessKeyId, Secret: ak.AccessKey.AccessKeySecret}
	s.call(user, vpcV, "DescribeRegions", 403, nil) // no policy yet
	s.call(root, ramV, "AttachPolicyToUser", 200, nil, "PolicyType", "System", "PolicyName", "AliyunVPCFullAccess", "UserName", "leak-user")
	s.call(user, vpcV, "DescribeRegions", 200, nil)
	s.call(root, ramV, "ListAccessKeys", 200, nil, "UserName", "leak-user")

	// STS: a role session, used for a call.
	trust := fmt.Sprintf(`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::%s:root"]}}],"Version":"1"}`, ident.AccountId)
	s.call(root, ramV, "CreateRole", 200, nil, "RoleName", "leak-role", "AssumeRolePolicyDocument", trust)
	s.call(root, ramV, "AttachPolicyToRole", 200, nil, "PolicyType", "System", "PolicyName", "AliyunVPNGatewayFullAccess", "RoleName", "leak-role")
	var cred struct {
		Credentials struct{ AccessKeyId, AccessKeySecret, SecurityToken string }
	}
	s.call(root, stsV, "AssumeRole", 200, &cred, "RoleArn", fmt.Sprintf("acs:ram::%s:role/leak-role", ident.AccountId), "RoleSessionName", "leak-session")
	s.secret("STS AccessKey secret", cred.Credentials.AccessKeySecret)
	s.secret("STS SecurityToken", cred.Credentials.SecurityToken)
	sts := crashtest.Cred{AccessKeyID: cred.Credentials.AccessKeyId, Secret: cred.Credentials.AccessKeySecret, Token: cred.Credentials.SecurityToken}
	a, p = vpcCall("DownloadVpnConnectionConfig", "VpnConnectionId", dual)
	s.call(sts, vpcV, a, 200, nil, p...)
	s.call(crashtest.Cred{AccessKeyID: sts.AccessKeyID, Secret: sts.Secret, Token: sts.Token + "x"}, vpcV, "DescribeRegions", 400, nil)
	s.call(crashtest.Cred{AccessKeyID: sts.AccessKeyID, Secret: "wrong-" + sts.Secret, Token: sts.Token}, vpcV, "DescribeRegions", 400, nil)

	metrics := get(t, "http://"+srv.Addr+"/metrics")
	if !bytes.Contains(metrics, []byte("DownloadVpnConnectionConfig")) {
		t.Fatalf("/metrics does not count the downloads (is it the right page?):\n%.2000s", metrics)
	}

	// Look while the server runs (the WAL holds the recent pages), then
	// after a clean stop, and in the audit trail as `vpcvpn audit` prints it.
	places := map[string][]byte{"/metrics": metrics}
	for i, b := range s.errors {
		places[fmt.Sprintf("error answer %d", i)] = b
	}
	readDir(t, dir, "running", places)
	srv.Stop(t)
	readDir(t, dir, "stopped", places)
	places["server stdout"] = srv.Stdout.Bytes()
	places["server stderr (debug log)"] = srv.Stderr.Bytes()
	// Every request is logged (at debug level as at info); make sure the
	// log looked at is that one.
	if log := places["server stderr (debug log)"]; !bytes.Contains(log, []byte("action=AssumeRole")) || !bytes.Contains(log, []byte("action=DownloadVpnConnectionConfig")) {
		t.Errorf("the log lacks the scenario's requests:\n%.3000s", log)
	}
	audit := crashtest.Run(t, bin, nil, "audit", "--data-dir", dir)
	if code := audit.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("vpcvpn audit: exit %d\n%s", code, audit.Stderr)
	}
	places["vpcvpn audit"] = audit.Stdout.Bytes()
	if !bytes.Contains(places["vpcvpn audit"], []byte("AssumeRole")) {
		t.Errorf("the audit trail lacks the AssumeRole call:\n%.2000s", places["vpcvpn audit"])
	}

	if len(s.secrets) < 10 || len(s.errors) < 7 {
		t.Fatalf("only %d secrets and %d error answers collected", len(s.secrets), len(s.errors))
	}
	for place, b := range places {
		for secret, what := range s.secrets {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s (%s) appears in %s", what, secret, place)
			}
		}
	}
}

// readDir adds the raw bytes of every file under dir to places.
func readDir(t *testing.T, dir, when string, places map[string][]byte) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		places[fmt.Sprintf("data dir file %s (%s)", rel, when)] = b
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if when == "running" {
		if _, err := os.Stat(filepath.Join(dir, "vpcvpn.db-wal")); err != nil {
			t.Errorf("no WAL file while the server runs: %v", err)
		}
	}
	if n < 2 {
		t.Fatalf("only %d files in the data dir", n)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}
