// Package crashtest runs the real vpcvpn binary as a child process and kills
// it at random moments to prove that acknowledged writes survive and no
// half-written record appears (crash_test.go). The harness here (build the
// binary, start and stop servers, official-SDK clients, a signed raw download)
// is shared with the other tests that need a server process: secret-leak,
// master key rotation and backup tests.
package crashtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// Root credentials the harness gives a new store (through the environment,
// so they are written nowhere).
const (
	RootAccessKeyID     = "LTAIharnessRootKey0001"
	RootAccessKeySecret = "harnessRootSecret-9f8e7d6c5b4a"
	Region              = "cn-hangzhou"
)

// RootEnv is the environment that makes a new store's root key the harness's.
func RootEnv() []string {
	return []string{"VPCVPN_ROOT_ACCESS_KEY_ID=" + RootAccessKeyID, "VPCVPN_ROOT_ACCESS_KEY_SECRET=" + RootAccessKeySecret}
}

// BuildBinary builds cmd/vpcvpn into dir and returns the binary's path. Call
// it once per test binary (from TestMain).
func BuildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "vpcvpn")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/vpcvpn/vpcvpn/cmd/vpcvpn").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Buffer is a bytes.Buffer safe for one writer (the child process's output)
// and concurrent readers.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *Buffer) String() string { return string(b.Bytes()) }

// Proc is a running vpcvpn child process.
type Proc struct {
	Cmd    *exec.Cmd
	Addr   string // host:port it listens on (servers only)
	Stdout *Buffer
	Stderr *Buffer
	done   chan struct{}
}

// FreeAddr returns a loopback address whose port a server process started
// by the test may listen on. The port is drawn below Linux's ephemeral range
// (32768-60999 by default): a port taken from a closed ":0" listener is one
// the kernel hands out again to the next outgoing connection or ":0" listener
// of any test running in parallel, so a server started a moment later found
// it in use now and then. Ports here are only ever taken on purpose.
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(20000+mrand.IntN(12000)))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		ln.Close()
		return addr
	}
	t.Fatal("crashtest: no free port in 20000-31999 after 200 tries")
	return ""
}

// Run starts bin with args and env added to the test's environment. The
// process is killed when the test ends.
func Run(t testing.TB, bin string, env []string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(bin, args...), Stdout: &Buffer{}, Stderr: &Buffer{}, done: make(chan struct{})}
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, p.Stderr
	p.Cmd.Env = append(os.Environ(), env...)
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.Cmd.Process.Kill()
		<-p.done
	})
	return p
}

// NoQuotas are the server flags that lift the per-account quotas: the
// harnesses make more customer gateways and connections than the defaults
// allow.
var NoQuotas = []string{"--quota-vpn-gateways", "0", "--quota-connections-per-gateway", "0", "--quota-customer-gateways", "0"}

// StartServer runs `vpcvpn server --listen <free address> NoQuotas... args...`
// and waits until it answers /healthz.
func StartServer(t testing.TB, bin string, env []string, args ...string) *Proc {
	t.Helper()
	addr := FreeAddr(t)
	p := Run(t, bin, env, append(append([]string{"server", "--listen", addr}, NoQuotas...), args...)...)
	p.Addr = addr
	p.WaitReady(t)
	return p
}

// WaitReady polls /healthz until 200; it fails the test when the process
// exits first or 20 s pass.
func (p *Proc) WaitReady(t testing.TB) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("server exited early (%v)\nstdout:\n%s\nstderr:\n%s", p.Cmd.ProcessState, p.Stdout, p.Stderr)
		default:
		}
		resp, err := client.Get("http://" + p.Addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server not ready after 20 s\nstderr:\n%s", p.Stderr)
}

// Wait waits up to timeout for the process to exit and returns its exit code
// (-1 when killed by a signal).
func (p *Proc) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %s\nstdout:\n%s\nstderr:\n%s", p.Cmd.Path, timeout, p.Stdout, p.Stderr)
	}
	return p.Cmd.ProcessState.ExitCode()
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill(t testing.TB) {
	t.Helper()
	_ = p.Cmd.Process.Signal(syscall.SIGKILL)
	p.Wait(t, 10*time.Second)
}

// Stop sends SIGTERM and fails the test unless the process exits with 0.
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	if code := p.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("server exited with %d after SIGTERM\nstderr:\n%s", code, p.Stderr)
	}
}

// Client returns a V2 SDK client (V3 signature) of the harness's root key
// pointed at addr. Requests time out after 5 s, so a killed server fails them
// promptly.
func Client(t testing.TB, addr string) *vpc.Client {
	t.Helper()
	return ClientWithKey(t, addr, RootAccessKeyID, RootAccessKeySecret, "")
}

// ClientWithKey is Client with other credentials (token: an STS
// SecurityToken, or "").
func ClientWithKey(t testing.TB, addr, ak, secret, token string) *vpc.Client {
	t.Helper()
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(ak),
		AccessKeySecret: dara.String(secret),
		Endpoint:        dara.String(addr),
		Protocol:        dara.String("HTTP"),
		RegionId:        dara.String(Region),
		ConnectTimeout:  dara.Int(2000),
		ReadTimeout:     dara.Int(5000),
	}
	if token != "" {
		cfg.SecurityToken = dara.String(token)
	}
	// The SDK shares one http.Client per endpoint between all its clients
	// and writes its Timeout on every request, a data race when clients
	// call concurrently; each harness client brings its own.
	cfg.HttpClient = sdkHTTP{&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}}
	c, err := vpc.NewClient(cfg)
	if err != nil {
		t.Fatalf("V2 SDK client: %v", err)
	}
	return c
}

// sdkHTTP is a dara.HttpClient of one SDK client.
type sdkHTTP struct{ c *http.Client }

func (h sdkHTTP) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	return h.c.Do(req)
}

var (
	requestID    = regexp.MustCompile(`"RequestId":"[^"]*"`)
	xmlRequestID = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)
)

// Cred is what a raw call is signed with; Token is an STS SecurityToken or "".
type Cred struct{ AccessKeyID, Secret, Token string }

// Root is the harness's root credential.
func Root() Cred { return Cred{AccessKeyID: RootAccessKeyID, Secret: RootAccessKeySecret} }

// Call sends a V1-signed GET of action with params (Version 2016-04-28,
// RegionId added) to addr with the given key and returns the status and the
// JSON body with its RequestId value blanked, so that two answers can be
// compared byte for byte.
func Call(addr, ak, secret, action string, params ...string) (int, []byte, error) {
	return CallAs(addr, Cred{AccessKeyID: ak, Secret: secret}, "2016-04-28", action, append([]string{"RegionId", Region}, params...)...)
}

// CallAs sends a V1-signed GET of (version, action) with params (name, value
// pairs) signed with cred, as the V1 SDK does (a SecurityToken travels as a
// parameter), and returns the status and the body with its RequestId value
// blanked.
func CallAs(addr string, cred Cred, version, action string, params ...string) (int, []byte, error) {
	ps := []signature.Param{{Name: "Action", Value: action}, {Name: "Version", Value: version}}
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, signature.Param{Name: params[i], Value: params[i+1]})
	}
	if cred.Token != "" {
		ps = append(ps, signature.Param{Name: "SecurityToken", Value: cred.Token})
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	signed := signature.SignV1("GET", ps, cred.AccessKeyID, cred.Secret, time.Now(), hex.EncodeToString(nonce[:]))
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/?" + signature.V1Query(signed))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	body = requestID.ReplaceAll(body, []byte(`"RequestId":""`))
	return resp.StatusCode, xmlRequestID.ReplaceAll(body, []byte(`<RequestId></RequestId>`)), nil
}

// Download is Call of DownloadVpnConnectionConfig with the root key.
func Download(addr, connectionID string) (int, []byte, error) {
	return Call(addr, RootAccessKeyID, RootAccessKeySecret, "DownloadVpnConnectionConfig", "VpnConnectionId", connectionID)
}

// Fixture is a VPC with a vSwitch, a single-tunnel VPN gateway and customer
// gateways, made through the V2 SDK.
type Fixture struct {
	VpcID            string
	GatewayID        string
	CustomerGateways []string
}

// NewFixture creates the fixture with n customer gateways (198.51.100.1...).
func NewFixture(t testing.TB, c *vpc.Client, n int) *Fixture {
	t.Helper()
	r := dara.String(Region)
	v, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: r, CidrBlock: dara.String("192.168.0.0/16")})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	f := &Fixture{VpcID: dara.StringValue(v.Body.VpcId)}
	sw, err := c.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: r, VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
	if err != nil {
		t.Fatalf("CreateVSwitch: %v", err)
	}
	g, err := c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: r, VpcId: v.Body.VpcId, VSwitchId: sw.Body.VSwitchId, Bandwidth: dara.Int32(10)})
	if err != nil {
		t.Fatalf("CreateVpnGateway: %v", err)
	}
	f.GatewayID = dara.StringValue(g.Body.VpnGatewayId)
	for i := range n {
		cg, err := c.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: r,
			IpAddress: dara.String(fmt.Sprintf("198.51.%d.%d", 100+i/250, 1+i%250)), Name: dara.String(fmt.Sprintf("dc-%d", i))})
		if err != nil {
			t.Fatalf("CreateCustomerGateway %d: %v", i, err)
		}
		f.CustomerGateways = append(f.CustomerGateways, dara.StringValue(cg.Body.CustomerGatewayId))
	}
	return f
}

// IkeConfig is an IkeConfig JSON parameter with the given PSK.
func IkeConfig(psk string) string {
	return `{"IkeVersion":"ikev2","IkeEncAlg":"aes256","IkeAuthAlg":"sha256","IkePfs":"group14","IkeLifetime":28800,"Psk":"` + psk + `"}`
}

// CreateConnection creates a single-tunnel connection from the fixture's
// gateway to customer gateway i with the given PSK and returns its id.
func (f *Fixture) CreateConnection(c *vpc.Client, i int, psk string) (string, error) {
	resp, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
		RegionId: dara.String(Region), VpnGatewayId: dara.String(f.GatewayID), CustomerGatewayId: dara.String(f.CustomerGateways[i]),
		LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String(fmt.Sprintf("10.%d.0.0/16", i%250)),
		Name: dara.String(fmt.Sprintf("conn-%d", i)), IkeConfig: dara.String(IkeConfig(psk)),
	})
	if err != nil {
		return "", err
	}
	return dara.StringValue(resp.Body.VpnConnectionId), nil
}

// CreateDualConnection creates a dual-tunnel connection on gateway gw
// (which must have a disaster-recovery vSwitch) to customer gateways a and b.
func CreateDualConnection(c *vpc.Client, gw, a, b, pskA, pskB string) (string, error) {
	tunnel := func(role, cgw, psk string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
		return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			Role: dara.String(role), CustomerGatewayId: dara.String(cgw),
			TunnelIkeConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{IkeVersion: dara.String("ikev2"), IkeEncAlg: dara.String("aes256"),
				IkeAuthAlg: dara.String("sha256"), IkePfs: dara.String("group14"), IkeLifetime: dara.Int64(28800), Psk: dara.String(psk)},
			TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{IpsecEncAlg: dara.String("aes256"), IpsecAuthAlg: dara.String("sha256"), IpsecPfs: dara.String("group14"), IpsecLifetime: dara.Int64(3600)},
		}
	}
	resp, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
		RegionId: dara.String(Region), VpnGatewayId: dara.String(gw),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8"),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{tunnel("master", a, pskA), tunnel("slave", b, pskB)},
	})
	if err != nil {
		return "", err
	}
	return dara.StringValue(resp.Body.VpnConnectionId), nil
}

// DualGateway creates a VPC with two vSwitches and a dual-tunnel gateway and
// returns the gateway id.
func DualGateway(t testing.TB, c *vpc.Client, cidr string) string {
	t.Helper()
	r := dara.String(Region)
	v, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: r, CidrBlock: dara.String(cidr)})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	p := cidr[:len(cidr)-len("0.0/16")]
	sw1, err := c.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: r, VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String(p + "1.0/24")})
	if err != nil {
		t.Fatalf("CreateVSwitch: %v", err)
	}
	sw2, err := c.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: r, VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-i"), CidrBlock: dara.String(p + "2.0/24")})
	if err != nil {
		t.Fatalf("CreateVSwitch: %v", err)
	}
	g, err := c.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: r, VpcId: v.Body.VpcId, VSwitchId: sw1.Body.VSwitchId, DisasterRecoveryVSwitchId: sw2.Body.VSwitchId, Bandwidth: dara.Int32(10)})
	if err != nil {
		t.Fatalf("CreateVpnGateway: %v", err)
	}
	return dara.StringValue(g.Body.VpnGatewayId)
}

// ModifyPsk sets the PSK (and name) of a single-tunnel connection.
func ModifyPsk(c *vpc.Client, id, name, psk string) error {
	_, err := c.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{
		RegionId: dara.String(Region), VpnConnectionId: dara.String(id), Name: dara.String(name), IkeConfig: dara.String(IkeConfig(psk)),
	})
	return err
}
