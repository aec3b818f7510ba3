package main

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/tlsconf"
)

func TestParseAge(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"90d", 90 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"0", 0, false},
		{"15m", 15 * time.Minute, false},
		{"-1d", 0, true},
		{"-5h", 0, true},
		{"soon", 0, true},
		{"d", 0, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseAge(c.in)
			if (err != nil) != c.err || got != c.want {
				t.Errorf("parseAge(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.err)
			}
		})
	}
	var v ageValue
	for in, want := range map[string]string{"90d": "90d", "36h": "36h0m0s", "0": "0s"} {
		if err := v.Set(in); err != nil || v.String() != want {
			t.Errorf("ageValue %q: %q, %v; want %q", in, v.String(), err, want)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2026-03-01T08:00:00Z", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)},
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"24h", now.Add(-24 * time.Hour)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
	}
	for _, c := range cases {
		got, err := parseWhen(c.in, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := parseWhen("last week", now); err == nil {
		t.Error("parseWhen accepted \"last week\"")
	}
}

// TestServerTLSAndAuditCommand runs the binary with --tls-self-signed: it
// prints the certificate's fingerprint, serves HTTPS to a client trusting
// the file, audits the calls, and 'vpcvpn audit' prints them as JSON lines.
func TestServerTLSAndAuditCommand(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	const ak, secret = "LTAIcliAuditTest01", "cliAuditTestSecret0123456789"
	env := []string{"VPCVPN_ROOT_ACCESS_KEY_ID=" + ak, "VPCVPN_ROOT_ACCESS_KEY_SECRET=" + secret}
	p := start(t, bin, env, "server", "--data-dir", dir, "--listen", addr, "--tls-self-signed", "--audit-retention", "30d")

	certFile := filepath.Join(dir, tlsconf.SelfSignedCert)
	var client *http.Client
	deadline := time.Now().Add(20 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-p.done:
			t.Fatalf("server exited: %v\n%s\n%s", err, p.stdout, p.stderr) // safe: the process is gone
		default:
		}
		if client == nil {
			pemBytes, err := os.ReadFile(certFile)
			if err != nil {
				continue
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pemBytes)
			client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		}
		resp, err := client.Get("https://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
	}
	_, info, err := tlsconf.Load(certFile, filepath.Join(dir, tlsconf.SelfSignedKey))
	if err != nil {
		t.Fatal(err)
	}

	call := func(action string) int {
		var b [8]byte
		_, _ = rand.Read(b[:])
		params := signature.SignV1("GET", []signature.Param{{Name: "Action", Value: action}, {Name: "Version", Value: "2016-04-28"}, {Name: "RegionId", Value: "cn-hangzhou"}},
			ak, secret, time.Now(), hex.EncodeToString(b[:]))
		resp, err := client.Get("https://" + addr + "/?" + signature.V1Query(params))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := call("DescribeRegions"); st != 200 {
		t.Fatalf("DescribeRegions over HTTPS: %d", st)
	}
	if st := call("DescribeVpcs"); st != 200 {
		t.Fatalf("DescribeVpcs over HTTPS: %d", st)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.stderr)
	}
	if !strings.Contains(p.stdout.String(), "SHA-256 fingerprint: "+info.Fingerprint+"\n") {
		t.Errorf("stdout lacks the fingerprint %s:\n%s", info.Fingerprint, p.stdout)
	}

	out, err := exec.Command(bin, "audit", "--data-dir", dir, "--since", "1h", "--action", "DescribeRegions").Output()
	if err != nil {
		t.Fatalf("vpcvpn audit: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("vpcvpn audit printed %d lines:\n%s", len(lines), out)
	}
	var e audit.Event
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatal(err)
	}
	if e.EventName != "DescribeRegions" || !e.SecureTransport || e.HTTPStatus != 200 || e.UserIdentity.AccessKeyID != ak ||
		e.UserIdentity.Type != "root-account" || e.SourceIP != "127.0.0.1" || e.RequestID == "" {
		t.Errorf("event %+v", e)
	}
	if strings.Contains(string(out), secret) {
		t.Error("the AccessKey secret is in the audit output")
	}
	out, _ = exec.Command(bin, "audit", "--data-dir", dir, "--until", "1h").Output()
	if len(out) != 0 {
		t.Errorf("--until 1h (an hour ago) printed:\n%s", out)
	}
	out, _ = exec.Command(bin, "audit", "--data-dir", dir, "--rw", "Read").Output()
	if n := strings.Count(string(out), "\n"); n != 2 {
		t.Errorf("--rw Read printed %d events, want 2", n)
	}

	cmd := exec.Command(bin, "audit", "--data-dir", dir, "--since", "yesterday-ish")
	stderr, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !regexp.MustCompile(`--since "yesterday-ish": use an RFC 3339 time`).Match(stderr) {
		t.Errorf("bad --since: exit %d, %s", cmd.ProcessState.ExitCode(), stderr)
	}
	for _, c := range []struct {
		args []string
		msg  string
		exit int // flag parse errors exit 1, as for every flag (main.go)
	}{
		{[]string{"--tls-self-signed", "--tls-cert", certFile}, "--tls-self-signed and --tls-cert/--tls-key exclude each other", 2},
		{[]string{"--tls-cert", certFile}, "give both --tls-cert and --tls-key", 2},
		{[]string{"--tls-cert", certFile, "--tls-key", filepath.Join(dir, "missing.key")}, "load TLS certificate " + certFile, 2},
		{[]string{"--audit-retention", "-3d"}, `invalid argument "-3d" for "--audit-retention" flag: "-3d": must not be negative`, 1},
	} {
		cmd := exec.Command(bin, append([]string{"server", "--data-dir", t.TempDir(), "--listen", freeAddr(t)}, c.args...)...)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != c.exit || !strings.Contains(string(out), c.msg) {
			t.Errorf("server %v: exit %d, %s; want %d and %q", c.args, cmd.ProcessState.ExitCode(), out, c.exit, c.msg)
		}
	}
	help, _ := exec.Command(bin, "server", "--help").Output()
	for _, flag := range []string{"--tls-cert", "--tls-key", "--tls-self-signed", "--audit-retention duration", "(default 90d)",
		"--throttle-secret-read-rate", "--throttle-read-burst", "--max-in-flight int", "(default 4096)"} {
		if !strings.Contains(string(help), flag) {
			t.Errorf("server --help lacks %q", flag)
		}
	}
}
