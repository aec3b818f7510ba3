package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/peerclient"
	"github.com/vpcvpn/vpcvpn/internal/peertest"
	"github.com/vpcvpn/vpcvpn/internal/render"
)

// runCmd runs `vpcvpn peer-config args...` as main would and returns stdout,
// the error main would print on stderr ("" when none) and the exit status.
func runPeerConfigCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := newPeerConfigCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err != nil {
		return out.String(), err.Error(), exitCode(err)
	}
	return out.String(), "", 0
}

// noEnvCredentials clears the credential environment and points the aliyun
// config at a missing file; tests using it cannot run in parallel.
func peerNoEnvCredentials(t *testing.T) string {
	t.Helper()
	for _, k := range []string{peerclient.EnvAccessKeyID, peerclient.EnvAccessKeySecret, peerclient.EnvSecurityToken,
		peerclient.EnvProfile, peerclient.EnvRegion} {
		t.Setenv(k, "")
	}
	return filepath.Join(t.TempDir(), "no-such-config.json")
}

func TestPeerConfigListDevices(t *testing.T) {
	out, errText, code := runPeerConfigCmd(t, "--list-devices")
	if code != 0 || errText != "" {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var want strings.Builder
	for _, d := range render.Devices() {
		fmt.Fprintf(&want, "%s\t%s\t%s\n", d.ID, d.Vendor, d.Platform)
	}
	if out != want.String() {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want.String())
	}
	if !strings.HasPrefix(out, "cisco-asa\tCisco\tASA (crypto map, policy-based)\n") || strings.Count(out, "\n") != 15 {
		t.Errorf("stdout does not start with cisco-asa or has not 15 lines:\n%s", out)
	}
}

func TestPeerConfigAgainstServer(t *testing.T) {
	missing := peerNoEnvCredentials(t)
	w := peertest.NewWorld(t, true)
	id := w.Connection(t, &vpc.CreateVpnConnectionRequest{LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			{Role: dara.String("master"), CustomerGatewayId: dara.String(w.CustomerGateway(t, "203.0.113.2"))},
			{Role: dara.String("slave"), CustomerGatewayId: dara.String(w.CustomerGateway(t, "203.0.113.18"))},
		}})
	cfg := w.Fetch(t, id)
	render1 := func(device, tunnel string, passive bool) string {
		t.Helper()
		s, err := render.Render(device, cfg, render.Options{Tunnel: tunnel, Passive: passive})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The saved answer, as `aliyun vpc DownloadVpnConnectionConfig` prints it.
	resp, err := w.Client.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(peertest.Region), VpnConnectionId: dara.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	full, _ := json.MarshalIndent(resp.Body, "", "\t")
	innerOnly, _ := json.Marshal(resp.Body.VpnConnectionConfig)
	fullPath, innerPath, junkPath := filepath.Join(dir, "download.json"), filepath.Join(dir, "inner.json"), filepath.Join(dir, "junk.json")
	for p, b := range map[string][]byte{fullPath: full, innerPath: innerOnly, junkPath: []byte("<xml/>")} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	profilePath := filepath.Join(dir, "config.json")
	profiles := fmt.Sprintf(`{"current":"other","profiles":[{"name":"other","mode":"AK","access_key_id":"LTAInobody","access_key_secret":"x"},
		{"name":"lab","mode":"AK","access_key_id":%q,"access_key_secret":%q,"region_id":%q}]}`, apptest.AccessKeyID, apptest.AccessKeySecret, peertest.Region)
	if err := os.WriteFile(profilePath, []byte(profiles), 0o600); err != nil {
		t.Fatal(err)
	}
	server := []string{"--endpoint", w.Env.Endpoint, "--insecure", "--region", peertest.Region, "--connection", id}

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadEndpoint := l.Addr().String()
	l.Close()

	type result struct {
		stdout string
		code   int
		stderr []string // substrings, in any order
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want result
	}{
		{name: "server, environment credentials, both tunnels", env: peerRootEnv(),
			args: append(append([]string{}, server...), "--device", "strongswan-swanctl"),
			want: result{stdout: render1("strongswan-swanctl", "", false)}},
		{name: "server, slave tunnel, multi-file device", env: peerRootEnv(),
			args: append(append([]string{}, server...), "--device", "strongswan-ipsec", "--tunnel", "slave"),
			want: result{stdout: render1("strongswan-ipsec", "slave", false)}},
		{name: "server, passive", env: peerRootEnv(),
			args: append(append([]string{}, server...), "--device", "strongswan-swanctl", "--passive"),
			want: result{stdout: render1("strongswan-swanctl", "", true)}},
		{name: "server, aliyun profile with its region",
			args: []string{"--endpoint", w.Env.Endpoint, "--insecure", "--connection", id, "--device", "juniper-srx", "--profile", "lab", "--aliyun-config", profilePath},
			want: result{stdout: render1("juniper-srx", "", false)}},
		{name: "from file, full answer", args: []string{"--from-file", fullPath, "--device", "huawei-usg", "--tunnel", "master"},
			want: result{stdout: render1("huawei-usg", "master", false)}},
		{name: "from file, inner object", args: []string{"--from-file", innerPath, "--device", "vyos"},
			want: result{stdout: render1("vyos", "", false)}},

		// Usage errors: exit 2.
		{name: "no device", args: []string{"--from-file", fullPath},
			want: result{code: 2, stderr: []string{"--device is required (vpcvpn peer-config --list-devices lists them)"}}},
		{name: "unknown device", args: []string{"--from-file", fullPath, "--device", "cisco-pix"},
			want: result{code: 2, stderr: []string{`--device "cisco-pix" is not a known device; known: cisco-asa, cisco-ios,`}}},
		{name: "bad tunnel", args: []string{"--from-file", fullPath, "--device", "vyos", "--tunnel", "backup"},
			want: result{code: 2, stderr: []string{`--tunnel "backup": use master or slave`}}},
		{name: "unknown flag", args: []string{"--device", "vyos", "--verbose"},
			want: result{code: 2, stderr: []string{"unknown flag: --verbose", "see vpcvpn peer-config --help"}}},
		{name: "positional argument", args: []string{"vyos"},
			want: result{code: 2, stderr: []string{`unexpected argument "vyos"`}}},
		{name: "from file with connection", args: []string{"--from-file", fullPath, "--device", "vyos", "--connection", id},
			want: result{code: 2, stderr: []string{"--from-file renders offline"}}},
		{name: "no connection", env: peerRootEnv(), args: []string{"--device", "vyos", "--region", peertest.Region},
			want: result{code: 2, stderr: []string{"--connection is required"}}},
		{name: "no region", env: peerRootEnv(), args: []string{"--device", "vyos", "--connection", id, "--endpoint", w.Env.Endpoint, "--insecure"},
			want: result{code: 2, stderr: []string{"--region is required"}}},
		{name: "insecure without endpoint", env: peerRootEnv(), args: []string{"--device", "vyos", "--connection", id, "--region", peertest.Region, "--insecure"},
			want: result{code: 2, stderr: []string{"--insecure needs --endpoint"}}},
		{name: "list devices with other flags", args: []string{"--list-devices", "--device", "vyos"},
			want: result{code: 2, stderr: []string{"--list-devices takes no other flags"}}},

		// Failures: exit 1.
		{name: "device refuses the connection", args: []string{"--from-file", fullPath, "--device", "libreswan"},
			want: result{code: 1, stderr: []string{"device libreswan cannot express IkePfs \"group2\"", "next: pick another --device"}}},
		{name: "device refuses both tunnels", args: []string{"--from-file", fullPath, "--device", "h3c-secpath"},
			want: result{code: 1, stderr: []string{"device h3c-secpath cannot express both tunnels in one configuration"}}},
		{name: "missing file", args: []string{"--from-file", filepath.Join(dir, "nope.json"), "--device", "vyos"},
			want: result{code: 1, stderr: []string{"--from-file: open", "no such file or directory"}}},
		{name: "not JSON", args: []string{"--from-file", junkPath, "--device", "vyos"},
			want: result{code: 1, stderr: []string{"--from-file " + junkPath + ": not a JSON object"}}},
		{name: "no credentials", args: append(append([]string{}, server...), "--device", "vyos", "--aliyun-config", missing),
			want: result{code: 1, stderr: []string{"no Alibaba Cloud credentials found"}}},
		{name: "wrong secret", env: map[string]string{peerclient.EnvAccessKeyID: apptest.AccessKeyID, peerclient.EnvAccessKeySecret: "wrong"},
			args: append(append([]string{}, server...), "--device", "vyos"),
			want: result{code: 1, stderr: []string{"SignatureDoesNotMatch (HTTP 400)", "next: check ALIBABA_CLOUD_ACCESS_KEY_SECRET"}}},
		{name: "unknown key (current profile)", args: append(append([]string{}, server...), "--device", "vyos", "--aliyun-config", profilePath),
			want: result{code: 1, stderr: []string{"InvalidAccessKeyId.NotFound (HTTP 404)", "next: check ALIBABA_CLOUD_ACCESS_KEY_ID"}}},
		{name: "unknown connection", env: peerRootEnv(),
			args: []string{"--endpoint", w.Env.Endpoint, "--insecure", "--region", peertest.Region, "--connection", "vco-doesnotexist0000000", "--device", "vyos"},
			want: result{code: 1, stderr: []string{"InvalidVpnConnectionInstanceId.NotFound (HTTP 404)", "RequestId", "next: check --connection and --region"}}},
		{name: "server down", env: peerRootEnv(),
			args: []string{"--endpoint", deadEndpoint, "--insecure", "--region", peertest.Region, "--connection", id, "--device", "vyos"},
			want: result{code: 1, stderr: []string{"DownloadVpnConnectionConfig at http://" + deadEndpoint + " failed", "next: check --endpoint HOST:PORT and that the server is running"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := tc.args
			if !peerArgsHave(args, "--aliyun-config") && !peerArgsHave(args, "--list-devices") {
				args = append(append([]string{}, args...), "--aliyun-config", missing)
			}
			stdout, stderr, code := runPeerConfigCmd(t, args...)
			if code != tc.want.code || stdout != tc.want.stdout {
				t.Fatalf("exit %d, stderr %q, stdout:\n%s\nwant exit %d, stdout:\n%s", code, stderr, stdout, tc.want.code, tc.want.stdout)
			}
			for _, s := range tc.want.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q does not contain %q", stderr, s)
				}
			}
			if tc.want.code == 0 && stderr != "" {
				t.Errorf("stderr %q on success", stderr)
			}
			for _, secret := range []string{apptest.AccessKeySecret, cfg.TunnelsConfig.TunnelConfig[0].IkeConfig.Psk} {
				if strings.Contains(stderr, secret) {
					t.Errorf("stderr carries a secret: %q", stderr)
				}
			}
		})
	}
}

func peerRootEnv() map[string]string {
	return map[string]string{peerclient.EnvAccessKeyID: apptest.AccessKeyID, peerclient.EnvAccessKeySecret: apptest.AccessKeySecret}
}

func peerArgsHave(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestPeerConfigHelp(t *testing.T) {
	out, errText, code := runPeerConfigCmd(t, "--help")
	if code != 0 || errText != "" {
		t.Fatalf("exit %d: %s", code, errText)
	}
	for _, want := range []string{"vpcvpn peer-config --list-devices", "--from-file download.json", "--endpoint 127.0.0.1:8080 --insecure",
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "~/.aliyun/config.json", "Exit status: 0 done,\n1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not contain %q", want)
		}
	}
}
