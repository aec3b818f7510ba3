package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGatewayAgentUsage: --help documents the flags; wrong usage exits 2
// with a message that says what to do; missing credentials exit 1.
func TestGatewayAgentUsage(t *testing.T) {
	bin := buildBinary(t)
	run := func(env []string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"gateway-agent"}, args...)...)
		cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}, env...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}
	code, out, _ := run(nil, "--help")
	for _, want := range []string{"--endpoint", "--insecure", "--ca-file", "--region", "--vpn-gateway", "--vici", "/var/run/charon.vici",
		"--dr-vici", "--metrics-listen", "ALIBABA_CLOUD_ACCESS_KEY_ID", "SIGTERM", "docs/GATEWAY.md", "Exit status"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--help (exit %d) lacks %q", code, want)
		}
	}
	creds := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIx", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=y"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--vpn-gateway", "vpn-abc"}, "--endpoint HOST:PORT is required"},
		{[]string{"--endpoint", "127.0.0.1:1"}, "--vpn-gateway is required"},
		{[]string{"--endpoint", "127.0.0.1:1", "--vpn-gateway", "vco-abc"}, "is not a VPN gateway id"},
		{[]string{"--endpoint", "localhost", "--vpn-gateway", "vpn-abc", "--region", "cn-hangzhou"}, "want HOST:PORT"},
		{[]string{"--endpoint", "127.0.0.1:1", "--vpn-gateway", "vpn-abc", "--insecure", "--ca-file", "x.pem", "--region", "cn-hangzhou"}, "--ca-file is for HTTPS"},
		{[]string{"--endpoint", "127.0.0.1:1", "--vpn-gateway", "vpn-abc"}, "--region is required"},
		{[]string{"--endpoint", "127.0.0.1:1", "--vpn-gateway", "vpn-abc", "--log-format", "xml"}, "--log-format \"xml\""},
		{[]string{"--nope"}, "unknown flag: --nope"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		code, _, stderr := run(creds, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	code, _, stderr := run(nil, "--endpoint", "127.0.0.1:1", "--vpn-gateway", "vpn-abc", "--region", "cn-hangzhou")
	if code != 1 || !strings.Contains(stderr, "ALIBABA_CLOUD_ACCESS_KEY_ID") {
		t.Errorf("no credentials: exit %d, %q", code, stderr)
	}
}
