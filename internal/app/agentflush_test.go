package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/bench"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestAgentCountersWrittenAtStop: a steady agent's report is answered from
// the server's memory (its counters are written by the periodic flush); a
// server that stops writes them, so a restarted server shows the counters of
// the last report answered.
func TestAgentCountersWrittenAtStop(t *testing.T) {
	dir := t.TempDir()
	const ak, sk = "LTAIagentFlushRoot001", "agentFlushRootSecret0123456789ab"
	ctx := context.Background()
	open := func() (*App, *httptest.Server, *bench.Client) {
		a, srv := openServed(t, dir, ak, sk)
		return a, srv, &bench.Client{Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKeyID: ak, AccessKeySecret: sk, HTTP: srv.Client()}
	}
	a, srv, c := open()
	rg := signature.Param{Name: "RegionId", Value: "cn-hangzhou"}
	call := func(c *bench.Client, action string, out any, ps ...signature.Param) {
		t.Helper()
		if err := c.Call(ctx, action, append([]signature.Param{rg}, ps...), out); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	var v struct{ VpcId string }
	call(c, "CreateVpc", &v)
	var g struct{ VpnGatewayId string }
	call(c, "CreateVpnGateway", &g, signature.Param{Name: "VpcId", Value: v.VpcId}, signature.Param{Name: "Bandwidth", Value: "10"})
	var cg struct{ CustomerGatewayId string }
	call(c, "CreateCustomerGateway", &cg, signature.Param{Name: "IpAddress", Value: "198.51.100.7"})
	var conn struct{ VpnConnectionId string }
	call(c, "CreateVpnConnection", &conn, signature.Param{Name: "VpnGatewayId", Value: g.VpnGatewayId},
		signature.Param{Name: "CustomerGatewayId", Value: cg.CustomerGatewayId}, signature.Param{Name: "LocalSubnet", Value: "10.0.0.0/24"},
		signature.Param{Name: "RemoteSubnet", Value: "172.16.0.0/24"})
	report := func(seq int, bytes int64) {
		t.Helper()
		tj, _ := json.Marshal([]vpn.AgentTunnelReport{{VpnConnectionId: conn.VpnConnectionId, Status: vpn.StatusIpsecEstablished,
			IkeSaState: "ESTABLISHED", ChildSaState: "INSTALLED", IkeSaUniqueId: "1", EstablishedTime: 1765000000000, BytesIn: bytes}})
		var out struct{ Sequence int }
		call(c, "ReportVpnGatewayAgentStatus", &out, signature.Param{Name: "VpnGatewayId", Value: g.VpnGatewayId},
			signature.Param{Name: "AgentInstanceId", Value: "i1"}, signature.Param{Name: "Sequence", Value: strconv.Itoa(seq)},
			signature.Param{Name: "Tunnels.1", Value: string(tj)})
		if out.Sequence != seq {
			t.Fatalf("report %d answered Sequence %d", seq, out.Sequence)
		}
	}
	report(1, 100) // a new agent instance: written at once
	report(2, 200) // steady: memory only until the flush
	bytesIn := func(c *bench.Client) int64 {
		t.Helper()
		var out vpn.GatewayAgentStatus
		call(c, "DescribeVpnGatewayAgentStatus", &out, signature.Param{Name: "VpnGatewayId", Value: g.VpnGatewayId})
		if len(out.Tunnels.Tunnel) != 1 {
			t.Fatalf("tunnels %+v", out.Tunnels.Tunnel)
		}
		return out.Tunnels.Tunnel[0].BytesIn
	}
	if got := bytesIn(c); got != 200 {
		t.Fatalf("before the stop: BytesIn %d, want 200", got)
	}
	srv.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a, srv, c = open()
	defer func() { srv.Close(); a.Close() }()
	time.Sleep(time.Until(a.ReplayFloor)) // requests signed from the restart on
	if got := bytesIn(c); got != 200 {
		t.Fatalf("after a stop and a start: BytesIn %d, want 200 (the last report answered)", got)
	}
}
