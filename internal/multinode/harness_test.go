package multinode

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// Root credentials every node is started with (VPCVPN_ROOT_ACCESS_KEY_*).
const (
	rootAK     = "LTAImultinodeRootKey01"
	rootSecret = "multinodeRootSecret0123456789"
	region     = "cn-hangzhou"
)

const defaultBaseDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// baseDSN is the database the tests connect to to create their own ones.
func baseDSN() string {
	if v := os.Getenv("VPCVPN_TEST_POSTGRES"); v != "" {
		return v
	}
	return defaultBaseDSN
}

// adminConn connects to the base database; an unreachable server fails the
// test with instructions.
func adminConn(t testing.TB, ctx context.Context) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, baseDSN())
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s: these multi-node tests need it. Start it (e.g. `pg_ctlcluster 15 main start`, or run scripts/test.sh, which starts it) or point VPCVPN_TEST_POSTGRES at a server: %v", baseDSN(), err)
	}
	return c
}

// newDatabase creates an empty database with a unique name and returns its
// URL; the database is dropped (with its connections) when the test ends.
func newDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := adminConn(t, ctx)
	defer admin.Close(ctx)
	name := "vpcvpn_multinode_" + randomHex(t, 6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin := adminConn(t, ctx)
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(baseDSN())
	if err != nil {
		t.Fatalf("VPCVPN_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// query runs one statement on the database at dsn and scans its single row.
func query(t testing.TB, dsn, sql string, dest ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer c.Close(ctx)
	if len(dest) == 0 {
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return
	}
	if err := c.QueryRow(ctx, sql).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// binary builds the vpcvpn command once per test binary run; the directory
// is removed by TestMain.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vpcvpn-multinode-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vpcvpn")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/vpcvpn/vpcvpn/cmd/vpcvpn").CombinedOutput()
	if err != nil {
		return bin, fmt.Errorf("go build ./cmd/vpcvpn: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, _ := binary(); bin != "" {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func buildBinary(t testing.TB) string {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// lockedBuffer is a bytes.Buffer a child process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// run runs the binary to completion and returns its exit code and output.
func run(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run vpcvpn %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

// cluster is what the nodes of one test share.
type cluster struct {
	dsn     string
	keyFile string // the one master key every node uses
	pool    string
}

// newCluster creates a database and a master key file.
func newCluster(t testing.TB, pool string) *cluster {
	t.Helper()
	c := &cluster{dsn: newDatabase(t), keyFile: filepath.Join(t.TempDir(), "master.key"), pool: pool}
	if err := os.WriteFile(c.keyFile, []byte(randomHex(t, 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// node is one running server process.
type node struct {
	name   string
	addr   string
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
}

// start starts a server process on the cluster's database (not waiting for
// it to be ready); it is killed when the test ends.
func (c *cluster) start(t testing.TB, name string) *node {
	t.Helper()
	return c.startOn(t, name, c.dsn)
}

// startOn is start with --database database ("": SQLite in the node's data
// dir, a single node of its own) and extra server flags.
func (c *cluster) startOn(t testing.TB, name, database string, extra ...string) *node {
	t.Helper()
	n := &node{name: name, addr: freeAddr(t), done: make(chan struct{})}
	args := []string{"server",
		"--listen", n.addr,
		"--data-dir", filepath.Join(t.TempDir(), name),
		"--master-key-file", c.keyFile,
		"--gateway-address-pool", c.pool,
		// The tests race more gateways than the default quota allows.
		"--quota-vpn-gateways", "0", "--quota-connections-per-gateway", "0", "--quota-customer-gateways", "0",
		"--log-level", "warn"}
	if database != "" {
		args = append(args, "--database", database)
	}
	args = append(args, extra...)
	n.cmd = exec.Command(buildBinary(t), args...)
	n.cmd.Env = append(os.Environ(), "VPCVPN_ROOT_ACCESS_KEY_ID="+rootAK, "VPCVPN_ROOT_ACCESS_KEY_SECRET="+rootSecret)
	n.cmd.Stdout, n.cmd.Stderr = &n.stdout, &n.stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = n.cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node %s stderr:\n%s", n.name, n.stderr.String())
		}
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-n.done:
		case <-time.After(10 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
		}
	})
	return n
}

// startReady starts nodes at once and waits until all are ready.
func (c *cluster) startReady(t testing.TB, names ...string) []*node {
	t.Helper()
	nodes := make([]*node, len(names))
	for i, name := range names {
		nodes[i] = c.start(t, name)
	}
	for _, n := range nodes {
		n.waitReady(t)
	}
	return nodes
}

func freeAddr(t testing.TB) string { return crashtest.FreeAddr(t) }

// waitReady polls /healthz until 200; a process that exits fails the test
// with its output.
func (n *node) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			t.Fatalf("node %s exited before it was ready (%v)\nstdout:\n%s\nstderr:\n%s", n.name, n.cmd.ProcessState, n.stdout.String(), n.stderr.String())
		default:
		}
		resp, err := http.Get("http://" + n.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node %s not ready after 60s\nstderr:\n%s", n.name, n.stderr.String())
}

// v2 is an official V2 SDK client (ACS3-HMAC-SHA256) of the root account
// pointed at the node.
func (n *node) v2(t testing.TB) *vpc.Client {
	t.Helper()
	env := &apptest.Env{Endpoint: n.addr}
	return env.V2(t, "", rootAK, rootSecret)
}

// response is a raw answer.
type response struct {
	status int
	body   []byte
}

// signed builds a V1-signed GET URL for the node with the given nonce ("" =
// a fresh random one). Params are name, value pairs.
func (n *node) signedURL(t testing.TB, nonce, action string, params ...string) string {
	t.Helper()
	return n.signedURLAs(t, rootCred, nonce, vpcVersion, action, params...)
}

// API versions of the raw requests.
const (
	vpcVersion = "2016-04-28"
	ramVersion = "2015-05-01"
	stsVersion = "2015-04-01"
)

// cred is what a raw request is signed with: an AccessKey pair, and an STS
// token for a role session.
type cred struct{ ak, secret, token string }

var rootCred = cred{rootAK, rootSecret, ""}

// signedURLAs is signedURL signed with c for an action of version.
func (n *node) signedURLAs(t testing.TB, c cred, nonce, version, action string, params ...string) string {
	t.Helper()
	if len(params)%2 != 0 {
		t.Fatalf("odd params %v", params)
	}
	if nonce == "" {
		nonce = randomHex(t, 16)
	}
	ps := []signature.Param{{Name: "Action", Value: action}, {Name: "Version", Value: version}}
	for i := 0; i < len(params); i += 2 {
		ps = append(ps, signature.Param{Name: params[i], Value: params[i+1]})
	}
	if c.token != "" {
		ps = append(ps, signature.Param{Name: "SecurityToken", Value: c.token})
	}
	ps = signature.SignV1("GET", ps, c.ak, c.secret, time.Now(), nonce)
	return "http://" + n.addr + "/?" + signature.V1Query(ps)
}

// callAs sends a freshly signed request of version signed with c.
func (n *node) callAs(t testing.TB, c cred, version, action string, params ...string) response {
	t.Helper()
	return n.get(t, n.signedURLAs(t, c, "", version, action, params...))
}

// get sends a GET to url (built by signedURL, possibly for another node:
// only the path and query are used) to the node.
func (n *node) get(t testing.TB, rawURL string) response {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = n.addr
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatalf("node %s: %v", n.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, body: b}
}

// call sends a freshly signed request.
func (n *node) call(t testing.TB, action string, params ...string) response {
	t.Helper()
	return n.get(t, n.signedURL(t, "", action, params...))
}

var (
	jsonRequestID = regexp.MustCompile(`"RequestId":"[^"]*"`)
	xmlRequestID  = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)
)

// withoutRequestID replaces the RequestId's value of a JSON or XML body by a
// fixed one; it fails the test when the body has none.
func withoutRequestID(t testing.TB, body []byte) []byte {
	t.Helper()
	n := len(jsonRequestID.FindAll(body, -1)) + len(xmlRequestID.FindAll(body, -1))
	if n != 1 {
		t.Fatalf("body has %d RequestIds, want 1:\n%s", n, body)
	}
	body = jsonRequestID.ReplaceAll(body, []byte(`"RequestId":"-"`))
	return xmlRequestID.ReplaceAll(body, []byte(`<RequestId>-</RequestId>`))
}

// sdkCode returns the error code and HTTP status of an SDK error.
func sdkCode(err error) (string, int) {
	switch e := err.(type) {
	case *dara.SDKError:
		return dara.StringValue(e.Code), dara.IntValue(e.StatusCode)
	case *tea.SDKError:
		return tea.StringValue(e.Code), tea.IntValue(e.StatusCode)
	}
	var code string
	var status int
	if be, ok := err.(dara.BaseError); ok {
		code = dara.StringValue(be.GetCode())
	}
	if re, ok := err.(dara.ResponseError); ok {
		status = dara.IntValue(re.GetStatusCode())
	}
	return code, status
}

// errorCode extracts "Code" from a JSON error body.
func errorCode(body []byte) string {
	_, after, ok := strings.Cut(string(body), `"Code":"`)
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(after, `"`)
	return code
}
