package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary builds vpcvpn once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vpcvpn-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "vpcvpn")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(floodEnv); spec != "" {
		os.Exit(runAttacker(spec))
	}
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

func freeAddr(t *testing.T) string { return crashtest.FreeAddr(t) }

type proc struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan error
}

// syncBuffer is a bytes.Buffer safe to read while the child process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

// waitReady polls /healthz until 200 or the process exits.
func (p *proc) waitReady(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("server exited early: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not ready\nstderr:\n%s", p.stderr)
}

// wait returns the exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not exit\nstderr:\n%s", p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

func describeRegions(t *testing.T, addr, ak, secret string) int {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	params := signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "DescribeRegions"}, {Name: "Version", Value: "2016-04-28"}}, ak, secret, time.Now(), hex.EncodeToString(b[:]))
	resp, err := http.Get("http://" + addr + "/?" + signature.V1Query(params))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestServerLifecycle runs the real binary: first start creates the root key
// (printed once, kept 0600), SIGTERM exits cleanly, a restart keeps the store
// and prints no key, and a wrong or missing master key stops the start with a
// clear message.
func TestServerLifecycle(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)

	p := start(t, bin, nil, "server", "--data-dir", dir, "--listen", addr)
	p.waitReady(t, addr)
	out := p.stdout.String()
	if !strings.Contains(out, "AccessKeyId:") || !strings.Contains(out, "AccessKeySecret:") {
		t.Fatalf("first start printed no key:\n%s", out)
	}
	keyFile, err := os.ReadFile(filepath.Join(dir, "root-access-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var ak, secret string
	for _, line := range strings.Split(string(keyFile), "\n") {
		if v, ok := strings.CutPrefix(line, "AccessKeyId="); ok {
			ak = v
		}
		if v, ok := strings.CutPrefix(line, "AccessKeySecret="); ok {
			secret = v
		}
	}
	if !strings.Contains(out, secret) || len(secret) != 30 || !strings.HasPrefix(ak, "LTAI") {
		t.Fatalf("key file %q does not match what was printed", keyFile)
	}
	for _, f := range []string{"root-access-key.txt", "master.key", "vpcvpn.db"} {
		if m := mode(t, filepath.Join(dir, f)); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, m)
		}
	}
	if strings.Contains(p.stderr.String(), secret) {
		t.Fatal("the secret appears in the log")
	}
	if code := describeRegions(t, addr, ak, secret); code != 200 {
		t.Fatalf("DescribeRegions with the printed key: %d", code)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code after SIGTERM %d\n%s", code, p.stderr)
	}

	// Restart: same store, no new key.
	p = start(t, bin, nil, "server", "--data-dir", dir, "--listen", addr)
	p.waitReady(t, addr)
	if strings.Contains(p.stdout.String(), "AccessKeySecret") {
		t.Fatalf("restart printed a key:\n%s", p.stdout)
	}
	if code := describeRegions(t, addr, ak, secret); code != 200 {
		t.Fatalf("DescribeRegions after restart: %d", code)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)

	// A wrong master key stops the start.
	wrong := filepath.Join(t.TempDir(), "wrong.key")
	if err := os.WriteFile(wrong, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = start(t, bin, nil, "server", "--data-dir", dir, "--listen", addr, "--master-key-file", wrong)
	if code := p.wait(t); code != 1 || !strings.Contains(p.stderr.String(), "master key does not open") {
		t.Fatalf("wrong master key: exit %d\n%s", code, p.stderr)
	}
	// A missing master key stops the start.
	if err := os.Rename(filepath.Join(dir, "master.key"), filepath.Join(dir, "master.key.bak")); err != nil {
		t.Fatal(err)
	}
	p = start(t, bin, nil, "server", "--data-dir", dir, "--listen", addr)
	if code := p.wait(t); code != 1 || !strings.Contains(p.stderr.String(), "master key") || !strings.Contains(p.stderr.String(), "restore") {
		t.Fatalf("missing master key: exit %d\n%s", code, p.stderr)
	}
	// A bad flag value is a usage error.
	p = start(t, bin, nil, "server", "--data-dir", dir, "--gateway-address-pool", "not-a-cidr")
	if code := p.wait(t); code != 2 || !strings.Contains(p.stderr.String(), "--gateway-address-pool") {
		t.Fatalf("bad pool: exit %d\n%s", code, p.stderr)
	}
	// An unknown HTTP front is refused before a data directory is created.
	fresh := filepath.Join(t.TempDir(), "never-created")
	p = start(t, bin, nil, "server", "--data-dir", fresh, "--listen", addr, "--http-front", "h2")
	if code := p.wait(t); code != 2 || !strings.Contains(p.stderr.String(), `--http-front "h2": use lean or net/http`) {
		t.Fatalf("bad --http-front: exit %d\n%s", code, p.stderr)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Fatalf("data directory created for a refused --http-front: %v", err)
	}
}

// TestRootKeyFromEnvironment: a key given in the environment is used and not
// written to disk.
func TestRootKeyFromEnvironment(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	p := start(t, bin, []string{"VPCVPN_ROOT_ACCESS_KEY_ID=LTAIenvKey0000000001", "VPCVPN_ROOT_ACCESS_KEY_SECRET=envSecret123"}, "server", "--data-dir", dir, "--listen", addr)
	p.waitReady(t, addr)
	if code := describeRegions(t, addr, "LTAIenvKey0000000001", "envSecret123"); code != 200 {
		t.Fatalf("env key: %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "root-access-key.txt")); !os.IsNotExist(err) {
		t.Fatalf("root key file written for an environment key: %v", err)
	}
	if strings.Contains(p.stdout.String()+p.stderr.String(), "envSecret123") {
		t.Fatal("environment secret printed")
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
}

// TestBenchServerProfiles: 'bench server' serves like 'server' and writes
// its CPU profile, heap profile and execution trace when interrupted.
func TestBenchServerProfiles(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cpu, heap, tr := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "heap.pprof"), filepath.Join(dir, "run.trace")
	p := start(t, bin, nil, "bench", "server", "--data-dir", filepath.Join(dir, "data"), "--listen", addr,
		"--cpuprofile", cpu, "--memprofile", heap, "--trace", tr)
	p.waitReady(t, addr)
	if code := describeRegions(t, addr, "LTAIwrong000000000000", "wrong"); code != 404 {
		t.Fatalf("unknown key answered %d, want 404", code)
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.stderr)
	}
	for _, f := range []struct{ path, magic string }{
		{cpu, "\x1f\x8b"}, // gzipped profile.proto
		{heap, "\x1f\x8b"},
		{tr, "go 1."}, // "go 1.NN trace"
	} {
		b, err := os.ReadFile(f.path)
		if err != nil || !strings.HasPrefix(string(b), f.magic) {
			t.Errorf("%s: %d bytes starting %q, err %v; want them to start with %q", f.path, len(b), b[:min(len(b), 16)], err, f.magic)
		}
	}
}

// TestServerConsoleFlag: the console is served at /console/ by default,
// --console=false turns it off, and a session lifetime out of range is a
// usage error.
func TestServerConsoleFlag(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	get := func(addr string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/console/signin")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{nil, 200, `name="AccessKeySecret"`},
		{[]string{"--console=false"}, 404, "InvalidPath"},
	} {
		addr := freeAddr(t)
		p := start(t, bin, nil, append([]string{"server", "--data-dir", dir, "--listen", addr}, c.args...)...)
		p.waitReady(t, addr)
		if status, body := get(addr); status != c.status || !strings.Contains(body, c.want) {
			t.Fatalf("%v: GET /console/signin: %d\n%s", c.args, status, body)
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(t)
	}
	p := start(t, bin, nil, "server", "--data-dir", dir, "--console-session-lifetime", "1m")
	if code := p.wait(t); code != 2 || !strings.Contains(p.stderr.String(), "--console-session-lifetime 1m0s: use a duration from 5m to 24h") {
		t.Fatalf("bad lifetime: exit %d\n%s", code, p.stderr)
	}
}
