package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// downloadsServed reads a server's count of successful downloads from
// /metrics.
func downloadsServed(t *testing.T, addr string) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?m)^vpcvpn_api_requests_total\{action="DownloadVpnConnectionConfig",code=""\} ([0-9]+)$`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// totalOf returns the requests and errors of a side's "all" row.
func totalOf(t *testing.T, out, side string) (requests, errors int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+all\s+` + regexp.QuoteMeta(side) + `\s+([0-9]+)\s+([0-9]+)\s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no total row for %s:\n%s", side, out)
	}
	requests, _ = strconv.Atoi(m[1])
	errors, _ = strconv.Atoi(m[2])
	return requests, errors
}

// TestBenchDownloadSideBySide runs the side-by-side and two-node modes of
// bench download against two real servers: a RAM user's key against root's
// on one server, one server against another, and the load split over both.
func TestBenchDownloadSideBySide(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	env := []string{"VPCVPN_ROOT_ACCESS_KEY_ID=LTAIbenchtest0000001", "VPCVPN_ROOT_ACCESS_KEY_SECRET=benchTestSecret0123456789abc",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIbenchtest0000001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=benchTestSecret0123456789abc"}
	ramKey := filepath.Join(dir, "ram.env")
	var conns []string
	var addrs []string
	var pids []string
	for i, extra := range [][]string{{"--ram-user", "dl", "--ram-key-out", ramKey}, nil} {
		data := filepath.Join(dir, "data"+strconv.Itoa(i))
		ids := filepath.Join(dir, "ids"+strconv.Itoa(i))
		seed := start(t, bin, env, append([]string{"bench", "seed", "--data-dir", data, "--connections", "4", "--ids-out", ids}, extra...)...)
		if code := seed.wait(t); code != 0 {
			t.Fatalf("seed exited %d\n%s", code, seed.stderr)
		}
		b, err := os.ReadFile(ids)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, strings.Fields(string(b))[0])
		addr := freeAddr(t)
		srv := start(t, bin, env, "server", "--data-dir", data, "--listen", addr,
			"--throttle-read-rate", "0", "--throttle-write-rate", "0", "--throttle-secret-read-rate", "0")
		srv.waitReady(t, addr)
		addrs = append(addrs, addr)
		pids = append(pids, strconv.Itoa(srv.cmd.Process.Pid))
	}
	keyID := func() string {
		b, err := os.ReadFile(ramKey)
		if err != nil {
			t.Fatal(err)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(string(b), "ALIBABA_CLOUD_ACCESS_KEY_ID="), "\n")
		return id
	}()
	common := []string{"--concurrency", "2", "--duration", "300ms", "--warmup", "0", "--rounds", "2", "-q"}
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		p := start(t, bin, env, append(append([]string{"bench", "download"}, common...), args...)...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("bench download exited %d\nstdout:\n%s\nstderr:\n%s", code, p.stdout, p.stderr)
		}
		return p.stdout.String()
	}
	ratioLine := func(a, b string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^throughput ratio ` + a + `/` + b + `: [0-9]+\.[0-9]{2} \(per round: [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}\)$`)
	}

	t.Run("ram user vs root", func(t *testing.T) {
		out := run(t, "--endpoint", addrs[0], "--connection", conns[0], "--server-pid", pids[0], "--name", "root", "--b-key-file", ramKey, "--b-name", "ram")
		for _, side := range []string{"root", "ram"} {
			if n, errs := totalOf(t, out, side); n == 0 || errs != 0 {
				t.Errorf("%s: %d requests, %d errors\n%s", side, n, errs, out)
			}
		}
		if !strings.Contains(out, "root: "+conns[0]+" on "+addrs[0]+" with AccessKeyId LTAIbenchtest0000001; ram: "+conns[0]+" on "+addrs[0]+" with AccessKeyId "+keyID+"\n") {
			t.Errorf("sides line missing:\n%s", out)
		}
		if !ratioLine("ram", "root").MatchString(out) {
			t.Errorf("ratio line missing:\n%s", out)
		}
		if !regexp.MustCompile(`CPU per request: root turns: generator [0-9.]+us \+ root server [0-9.]+us; ram turns: generator [0-9.]+us \+ ram server [0-9.]+us\n`).MatchString(out) {
			t.Errorf("CPU line missing:\n%s", out)
		}
		if strings.Contains(out, "benchTestSecret") {
			t.Errorf("a secret in the output:\n%s", out)
		}
	})

	t.Run("two servers", func(t *testing.T) {
		out := run(t, "--endpoint", addrs[0], "--connection", conns[0], "--name", "one", "--server-pid", pids[0],
			"--b-endpoint", addrs[1], "--b-connection", conns[1], "--b-name", "other", "--b-server-pid", pids[1])
		for _, side := range []string{"one", "other"} {
			if n, errs := totalOf(t, out, side); n == 0 || errs != 0 {
				t.Errorf("%s: %d requests, %d errors\n%s", side, n, errs, out)
			}
		}
		if !ratioLine("other", "one").MatchString(out) {
			t.Errorf("ratio line missing:\n%s", out)
		}
	})

	t.Run("split", func(t *testing.T) {
		before := downloadsServed(t, addrs[0]) + downloadsServed(t, addrs[1])
		beforeB := downloadsServed(t, addrs[1])
		out := run(t, "--endpoint", addrs[0], "--connection", conns[0], "--server-pid", pids[0],
			"--b-endpoint", addrs[1], "--b-connection", conns[1], "--b-server-pid", pids[1], "--split")
		one, errs1 := totalOf(t, out, "1-node")
		two, errs2 := totalOf(t, out, "2-nodes")
		if one == 0 || two == 0 || errs1 != 0 || errs2 != 0 {
			t.Fatalf("1-node %d (%d errors), 2-nodes %d (%d errors)\n%s", one, errs1, two, errs2, out)
		}
		if !ratioLine("2-nodes", "1-node").MatchString(out) {
			t.Errorf("ratio line missing:\n%s", out)
		}
		if !regexp.MustCompile(`; 2-nodes turns: generator [0-9.]+us \+ 2-nodes server [0-9.]+us\n`).MatchString(out) {
			t.Errorf("CPU line missing:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond) // metrics are counted as answers are written
		// Both first requests, then every measured request (no warm-up),
		// each answered by exactly one of the servers; B got some.
		if got := downloadsServed(t, addrs[0]) + downloadsServed(t, addrs[1]) - before; got != 2+one+two {
			t.Errorf("the servers answered %d downloads, want 2 + %d + %d", got, one, two)
		}
		if b := downloadsServed(t, addrs[1]) - beforeB; b < 2 || b > 1+two {
			t.Errorf("the second node answered %d downloads, want 2 to %d", b, 1+two)
		}
	})

	t.Run("usage", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			msg  string
		}{
			{[]string{"--split"}, "--split needs --b-endpoint"},
			{[]string{"--b-key-file", ramKey, "--baseline"}, "leave out the --b-* flags"},
			{[]string{"--b-key-file", ramKey, "--b-name", "vpcvpn"}, "--name and --b-name must be set and differ"},
			{[]string{"--b-key-file", filepath.Join(dir, "missing.env")}, "--b-key-file: "},
			{[]string{"--key-file", filepath.Join(dir, "ids0")}, "--key-file: "},
		} {
			p := start(t, bin, env, append([]string{"bench", "download", "--endpoint", addrs[0], "--connection", conns[0]}, tc.args...)...)
			if code := p.wait(t); code != 2 || !strings.Contains(p.stderr.String(), tc.msg) {
				t.Errorf("%v: exit %d, stderr %s; want 2 and %q", tc.args, code, p.stderr, tc.msg)
			}
		}
	})
}

// TestBenchCreatePrepareConcurrency: bench create prepares with
// --prepare-concurrency workers (a negative count is a usage error) and then
// creates as usual.
func TestBenchCreatePrepareConcurrency(t *testing.T) {
	bin := buildBinary(t)
	env := []string{"VPCVPN_ROOT_ACCESS_KEY_ID=LTAIbenchtest0000001", "VPCVPN_ROOT_ACCESS_KEY_SECRET=benchTestSecret0123456789abc",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIbenchtest0000001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=benchTestSecret0123456789abc"}
	addr := freeAddr(t)
	srv := start(t, bin, env, "server", "--data-dir", t.TempDir(), "--listen", addr,
		"--throttle-read-rate", "0", "--throttle-write-rate", "0", "--throttle-secret-read-rate", "0",
		"--quota-vpn-gateways", "0", "--quota-customer-gateways", "0", "--quota-connections-per-gateway", "0")
	srv.waitReady(t, addr)
	bad := start(t, bin, env, "bench", "create", "--endpoint", addr, "--prepare-concurrency", "-1")
	if code := bad.wait(t); code != 2 || !strings.Contains(bad.stderr.String(), "--prepare-concurrency not negative") {
		t.Errorf("--prepare-concurrency -1: exit %d, %s", code, bad.stderr)
	}
	p := start(t, bin, env, "bench", "create", "--endpoint", addr, "--gateways", "2", "--customer-gateways", "300",
		"--prepare-concurrency", "1", "--concurrency", "2", "--duration", "200ms", "-q")
	if code := p.wait(t); code != 0 {
		t.Fatalf("bench create exited %d\n%s\n%s", code, p.stdout, p.stderr)
	}
	out := p.stdout.String()
	if !strings.Contains(out, "prepared 2 VPN gateways and 300 customer gateways in ") ||
		!regexp.MustCompile(`CreateVpnConnection on \S+: 2 workers for 200ms: [1-9][0-9]* created \([0-9]+/s\), 0 errors`).MatchString(out) {
		t.Errorf("output:\n%s", out)
	}
}
