package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBenchDownloadAgainstServer runs the real binary end to end: seed a
// store, serve it, and load it with both clients and all three sides
// (vpcvpn, the in-process baseline, the baseline as a process of its own).
// It checks the machinery, not speed: every side answered, no errors, the
// ratio lines present, the baseline process gone afterwards.
func TestBenchDownloadAgainstServer(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	env := []string{"VPCVPN_ROOT_ACCESS_KEY_ID=LTAIbenchtest0000001", "VPCVPN_ROOT_ACCESS_KEY_SECRET=benchTestSecret0123456789abc",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIbenchtest0000001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=benchTestSecret0123456789abc"}
	ids := filepath.Join(dir, "ids.txt")
	seed := start(t, bin, env, "bench", "seed", "--data-dir", filepath.Join(dir, "data"), "--connections", "8", "--ids-out", ids)
	if code := seed.wait(t); code != 0 {
		t.Fatalf("seed exited %d\n%s", code, seed.stderr)
	}
	b, err := os.ReadFile(ids)
	if err != nil {
		t.Fatal(err)
	}
	conn := strings.Fields(string(b))[0]
	addr := freeAddr(t)
	srv := start(t, bin, env, "server", "--data-dir", filepath.Join(dir, "data"), "--listen", addr,
		"--throttle-read-rate", "0", "--throttle-write-rate", "0", "--throttle-secret-read-rate", "0")
	srv.waitReady(t, addr)
	for _, client := range []string{"net/http", "raw"} {
		t.Run(client, func(t *testing.T) {
			args := []string{"bench", "download", "--endpoint", addr, "--connection", conn, "--client", client,
				"--concurrency", "2", "--duration", "300ms", "--warmup", "0", "--rounds", "2", "--baseline-process", "-q"}
			if client == "raw" {
				args = append(args, "--baseline-process-cpus", "0") // pinned through taskset
			}
			p := start(t, bin, env, args...)
			if code := p.wait(t); code != 0 {
				t.Fatalf("bench download exited %d\nstdout:\n%s\nstderr:\n%s", code, p.stdout, p.stderr)
			}
			out := p.stdout.String()
			if !strings.Contains(out, client+" client, 2 connections, closed loop, 2 x 300ms turns") {
				t.Errorf("header line missing:\n%s", out)
			}
			for _, side := range []string{"vpcvpn", "baseline", "baseline-process"} {
				if !regexp.MustCompile(`(?m)^\s+all\s+` + side + `\s+[1-9][0-9]*\s+0\s`).MatchString(out) {
					t.Errorf("no error-free total for %s:\n%s", side, out)
				}
			}
			for _, line := range []string{"throughput ratio vpcvpn/baseline: ", "throughput ratio vpcvpn/baseline-process: ",
				"throughput ratio baseline-process/baseline: "} {
				if !strings.Contains(out, line) {
					t.Errorf("%q missing:\n%s", line, out)
				}
			}
			if m, _ := filepath.Glob(filepath.Join(os.TempDir(), "vpcvpn-baseline-*.body")); len(m) != 0 {
				t.Errorf("answer files left behind: %v", m)
			}
		})
	}
}

// TestBenchBaselineServer: the standalone minimal server prints its
// address and answers anything with the file's bytes.
func TestBenchBaselineServer(t *testing.T) {
	bin := buildBinary(t)
	body := filepath.Join(t.TempDir(), "answer.json")
	if err := os.WriteFile(body, []byte(`{"RequestId":"R1","VpnConnectionConfig":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, bin, nil, "bench", "baseline-server", "--body-file", body, "--request-id", "R1")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.stdout.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no address\nstderr:\n%s", p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(p.stdout.String()), "listening on ")
	if !ok {
		t.Fatalf("first line %q", p.stdout)
	}
	resp, err := http.Get("http://" + addr + "/anything?x=1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != `{"RequestId":"R1","VpnConnectionConfig":{}}` ||
		resp.Header.Get("X-Acs-Request-Id") != "R1" || resp.Header.Get("Content-Type") != "application/json;charset=utf-8" {
		t.Errorf("answer %d %v %q", resp.StatusCode, resp.Header, got)
	}
	missing := start(t, bin, nil, "bench", "baseline-server")
	if code := missing.wait(t); code != 2 || !strings.Contains(missing.stderr.String(), "--body-file is required") {
		t.Errorf("without --body-file: exit %d, %s", code, missing.stderr)
	}
}
