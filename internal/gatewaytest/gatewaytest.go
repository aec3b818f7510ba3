// Package gatewaytest proves the gateway agent end to end: the real
// `vpcvpn server` and `vpcvpn gateway-agent` binaries as processes, real
// strongSwan charons in network namespaces (internal/tunneltest), the peer
// side configured verbatim by `vpcvpn peer-config`, and the official V2 SDK
// as the client that creates resources and reads their status. The tests in
// this package are the end-to-end scenarios; the helpers here fail
// the calling test on any error.
package gatewaytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/peertest"
	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
)

// Lab addresses: a single-tunnel gateway gets 203.0.113.1, a dual-tunnel one
// 203.0.113.1 and 203.0.113.17 (peertest.AddressPool); the peer (customer
// gateway) sits beside each in its /28.
var (
	GatewayOuter   = netip.MustParsePrefix("203.0.113.1/28")
	PeerOuter      = netip.MustParsePrefix("203.0.113.2/28")
	GatewayDROuter = netip.MustParsePrefix("203.0.113.17/28")
	PeerDROuter    = netip.MustParsePrefix("203.0.113.18/28")
	CloudInner     = netip.MustParseAddr("192.0.2.1")
	PeerInner      = netip.MustParseAddr("198.51.100.1")
)

// Region of every resource.
const Region = peertest.Region

// World is a running server with one VPC, one VPN gateway and a RAM user
// for its agent (least privilege: the gateway's ARN only).
type World struct {
	t       testing.TB
	Bin     string
	DataDir string
	Addr    string
	Server  *crashtest.Proc
	Client  *vpc.Client // root, V2 SDK

	GatewayID, GatewayIP, GatewayDRIP string
	AgentKey, AgentSecret             string

	serverArgs []string
}

// NewWorld starts `vpcvpn server` (gateway address pool peertest.AddressPool)
// and creates the VPC, vSwitch(es), the gateway (dual-tunnel when dual) and
// the agent's RAM user.
func NewWorld(t *testing.T, bin string, dual bool) *World {
	t.Helper()
	return NewWorldWith(t, bin, dual)
}

// NewWorldWith is NewWorld for tests and benchmarks, with more flags for
// the server (e.g. crashtest.NoQuotas).
func NewWorldWith(t testing.TB, bin string, dual bool, serverArgs ...string) *World {
	t.Helper()
	w := &World{t: t, Bin: bin, DataDir: t.TempDir(), serverArgs: serverArgs}
	w.StartServer()
	w.Client = crashtest.Client(t, w.Addr)
	must(t, "CreateVpc", func() error {
		v, err := w.Client.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(Region), CidrBlock: dara.String("192.168.0.0/16")})
		if err != nil {
			return err
		}
		vpcID := v.Body.VpcId
		sw, err := w.Client.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(Region), VpcId: vpcID, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
		if err != nil {
			return err
		}
		req := &vpc.CreateVpnGatewayRequest{RegionId: dara.String(Region), VpcId: vpcID, VSwitchId: sw.Body.VSwitchId, Bandwidth: dara.Int32(10)}
		if dual {
			sw2, err := w.Client.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(Region), VpcId: vpcID, ZoneId: dara.String("cn-hangzhou-i"), CidrBlock: dara.String("192.168.2.0/24")})
			if err != nil {
				return err
			}
			req.DisasterRecoveryVSwitchId = sw2.Body.VSwitchId
		}
		g, err := w.Client.CreateVpnGateway(req)
		if err != nil {
			return err
		}
		w.GatewayID = dara.StringValue(g.Body.VpnGatewayId)
		d, err := w.Client.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: dara.String(Region), VpnGatewayId: g.Body.VpnGatewayId})
		if err != nil {
			return err
		}
		w.GatewayIP, w.GatewayDRIP = dara.StringValue(d.Body.InternetIp), dara.StringValue(d.Body.DisasterRecoveryInternetIp)
		return nil
	})
	if w.GatewayIP != GatewayOuter.Addr().String() || (dual && w.GatewayDRIP != GatewayDROuter.Addr().String()) {
		t.Fatalf("gateway addresses %s / %s", w.GatewayIP, w.GatewayDRIP)
	}
	w.AgentKey, w.AgentSecret = peertest.CreateAgentUser(t, w.Client, "agent-"+w.GatewayID[len(w.GatewayID)-6:], w.GatewayID)
	return w
}

func must(t testing.TB, what string, fn func() error) {
	t.Helper()
	if err := fn(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// StartServer starts `vpcvpn server` on the world's data dir (and, after a
// StopServer, on the same address).
func (w *World) StartServer() {
	w.t.Helper()
	if w.Addr == "" {
		w.Addr = crashtest.FreeAddr(w.t)
	}
	w.Server = crashtest.Run(w.t, w.Bin, crashtest.RootEnv(), append([]string{"server", "--listen", w.Addr, "--data-dir", w.DataDir,
		"--gateway-address-pool", peertest.AddressPool, "--log-level", "warn"}, w.serverArgs...)...)
	w.Server.Addr = w.Addr
	w.Server.WaitReady(w.t)
}

// StopServer stops the server with SIGTERM (exit 0 required).
func (w *World) StopServer() {
	w.t.Helper()
	w.Server.Stop(w.t)
}

// CustomerGateway creates a customer gateway with address ip.
func (w *World) CustomerGateway(ip string) string {
	w.t.Helper()
	c, err := w.Client.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(Region), IpAddress: dara.String(ip)})
	if err != nil {
		w.t.Fatalf("CreateCustomerGateway %s: %v", ip, err)
	}
	return dara.StringValue(c.Body.CustomerGatewayId)
}

// Connection creates a connection on the world's gateway.
func (w *World) Connection(req *vpc.CreateVpnConnectionRequest) string {
	w.t.Helper()
	req.RegionId, req.VpnGatewayId = dara.String(Region), dara.String(w.GatewayID)
	r, err := w.Client.CreateVpnConnection(req)
	if err != nil {
		w.t.Fatalf("CreateVpnConnection: %v", err)
	}
	return dara.StringValue(r.Body.VpnConnectionId)
}

// PeerConfig runs `vpcvpn peer-config` for the connection (root
// credentials, strongswan-swanctl) and returns its output verbatim.
func (w *World) PeerConfig(id string, args ...string) string {
	w.t.Helper()
	cmd := exec.Command(w.Bin, append([]string{"peer-config", "--endpoint", w.Addr, "--insecure", "--region", Region,
		"--connection", id, "--device", "strongswan-swanctl"}, args...)...)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+crashtest.RootAccessKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+crashtest.RootAccessKeySecret, "HOME="+w.t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("vpcvpn peer-config: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// Agent is a running `vpcvpn gateway-agent`.
type Agent struct {
	*crashtest.Proc
}

// StartAgent runs `vpcvpn gateway-agent` for the world's gateway with its
// RAM user's key, against the charon(s) at vici (and drVici, "" for none).
func (w *World) StartAgent(vici, drVici string, extra ...string) *Agent {
	w.t.Helper()
	args := []string{"gateway-agent", "--endpoint", w.Addr, "--insecure", "--region", Region, "--vpn-gateway", w.GatewayID,
		"--vici", vici, "--metrics-listen", "127.0.0.1:0", "--log-level", "debug"}
	if drVici != "" {
		args = append(args, "--dr-vici", drVici)
	}
	p := crashtest.Run(w.t, w.Bin, []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + w.AgentKey, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + w.AgentSecret,
		"HOME=" + w.t.TempDir()}, append(args, extra...)...)
	a := &Agent{Proc: p}
	w.t.Cleanup(func() {
		if w.t.Failed() {
			w.t.Logf("gateway-agent stderr:\n%s", p.Stderr)
		}
	})
	return a
}

// Metrics reads the agent's /metrics (the address it logged) and returns
// the samples without labels by name.
func (a *Agent) Metrics(t *testing.T) map[string]float64 {
	t.Helper()
	m := regexp.MustCompile(`msg=metrics listen=(\S+)`).FindStringSubmatch(a.Stderr.String())
	if m == nil {
		t.Fatalf("the agent logged no metrics address:\n%s", a.Stderr)
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = f
		}
	}
	return out
}

// Status returns DescribeVpnConnection's Status and its tunnels' statuses
// (master first), through the V2 SDK.
func (w *World) Status(id string) (string, []string) {
	w.t.Helper()
	d, err := w.Client.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(Region), VpnConnectionId: dara.String(id)})
	if err != nil {
		w.t.Fatalf("DescribeVpnConnection %s: %v", id, err)
	}
	var ts []string
	if d.Body.TunnelOptionsSpecification != nil {
		for _, o := range d.Body.TunnelOptionsSpecification.TunnelOptions {
			ts = append(ts, dara.StringValue(o.Status))
		}
	}
	return dara.StringValue(d.Body.Status), ts
}

// WaitStatus polls DescribeVpnConnection (every 100 ms) until ok accepts
// the statuses, and returns how long it took; it fails after timeout.
func (w *World) WaitStatus(id string, timeout time.Duration, what string, ok func(status string, tunnels []string) bool) time.Duration {
	w.t.Helper()
	start := time.Now()
	for {
		st, ts := w.Status(id)
		if ok(st, ts) {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			w.t.Fatalf("%s: not within %v (Status %s, tunnels %v)", what, timeout, st, ts)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AgentStatus calls DescribeVpnGatewayAgentStatus as root.
func (w *World) AgentStatus() map[string]any {
	w.t.Helper()
	body, err := peertest.CallAction(w.Client, "DescribeVpnGatewayAgentStatus", map[string]string{"RegionId": Region, "VpnGatewayId": w.GatewayID})
	if err != nil {
		w.t.Fatalf("DescribeVpnGatewayAgentStatus: %v", err)
	}
	return body
}

// GatewayAgent returns DescribeVpnGateway's GatewayAgent field.
func (w *World) GatewayAgent() map[string]any {
	w.t.Helper()
	body, err := peertest.CallAction(w.Client, "DescribeVpnGateway", map[string]string{"RegionId": Region, "VpnGatewayId": w.GatewayID})
	if err != nil {
		w.t.Fatalf("DescribeVpnGateway: %v", err)
	}
	ga, _ := body["GatewayAgent"].(map[string]any)
	return ga
}

// Eventually polls cond every 100 ms for up to timeout.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SAIDs returns the unique ids of the side's IKE_SAs and CHILD_SAs, for
// comparing before and after something that must not rekey or reload.
func SAIDs(t *testing.T, s *tunneltest.Side) string {
	t.Helper()
	sas, err := s.ListSAs()
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, ike := range sas {
		p := ike.Name + "#" + ike.UniqueID + "(" + ike.State + ")"
		for _, c := range ike.Children {
			p += fmt.Sprintf(" %s{%s %s spi %s/%s}", c.Name, c.UniqueID, c.State, c.SPIIn, c.SPIOut)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// LoadedConns returns the names of the side's connections loaded over VICI
// (swanctl --list-conns --raw is not needed: get-conns through swanctl's
// output parser is fragile, so the agent's own VICI driver is not used
// either: this is swanctl's --list-conns, one name per line).
func LoadedConns(t *testing.T, s *tunneltest.Side) []string {
	t.Helper()
	out, err := s.Swanctl("--list-conns")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, " ") {
			continue
		}
		name, _, ok := strings.Cut(line, ":")
		if ok {
			names = append(names, name)
		}
	}
	return names
}

// ViciOf returns the side's VICI socket path.
func ViciOf(s *tunneltest.Side) string { return filepath.Clean(s.ViciSocket()) }

// DecodeJSON is json.Unmarshal for tests.
func DecodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
