package multinode

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// testAgentAcrossNodes: a gateway agent's long-poll on one node wakes when a
// connection of its gateway is created on the other (through the store's
// generations, polled every 2 s), and a status reported to either node shows
// on both at once.
func testAgentAcrossNodes(t *testing.T, a, b *node) {
	decode := func(r response) map[string]any {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("HTTP %d: %s", r.status, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	vpcID := decode(a.call(t, "CreateVpc", "RegionId", region, "CidrBlock", "172.20.0.0/16"))["VpcId"].(string)
	sw := decode(a.call(t, "CreateVSwitch", "RegionId", region, "VpcId", vpcID, "ZoneId", "cn-hangzhou-h", "CidrBlock", "172.20.1.0/24"))["VSwitchId"].(string)
	gw := decode(a.call(t, "CreateVpnGateway", "RegionId", region, "VpcId", vpcID, "VSwitchId", sw, "Bandwidth", "10"))["VpnGatewayId"].(string)
	cgw := decode(a.call(t, "CreateCustomerGateway", "RegionId", region, "IpAddress", "198.51.100.77"))["CustomerGatewayId"].(string)

	type result struct {
		body  map[string]any
		after time.Duration
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		r := a.call(t, "DownloadVpnGatewayAgentConfig", "RegionId", region, "VpnGatewayId", gw, "Generation", "0", "WaitSeconds", "25")
		var m map[string]any
		_ = json.Unmarshal(r.body, &m)
		done <- result{m, time.Since(start)}
	}()
	time.Sleep(500 * time.Millisecond)
	conn := decode(b.call(t, "CreateVpnConnection", "RegionId", region, "VpnGatewayId", gw, "CustomerGatewayId", cgw,
		"LocalSubnet", "172.20.0.0/16", "RemoteSubnet", "10.77.0.0/16"))["VpnConnectionId"].(string)
	var r result
	select {
	case r = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("the long-poll on node a did not answer")
	}
	if r.body["NotModified"] != false || r.body["Generation"] != float64(1) || r.after > 20*time.Second {
		t.Fatalf("long-poll on a after a create on b: %v after %v (a wait of 25 s without a wake-up)", r.body, r.after)
	}
	conns := r.body["VpnConnections"].(map[string]any)["VpnConnection"].([]any)
	if len(conns) != 1 || conns[0].(map[string]any)["VpnConnectionId"] != conn {
		t.Fatalf("desired state: %v", r.body)
	}

	report := func(n *node, seq int, status string) {
		t.Helper()
		ts := fmt.Sprintf(`[{"VpnConnectionId":%q,"Status":%q}]`, conn, status)
		decode(n.call(t, "ReportVpnGatewayAgentStatus", "RegionId", region, "VpnGatewayId", gw, "AgentInstanceId", "mn",
			"Sequence", fmt.Sprint(seq), "Tunnels.1", ts))
	}
	status := func(n *node) string {
		t.Helper()
		return decode(n.call(t, "DescribeVpnConnection", "RegionId", region, "VpnConnectionId", conn))["Status"].(string)
	}
	report(a, 1, "ipsec_sa_established")
	if sa, sb := status(a), status(b); sa != "ipsec_sa_established" || sb != "ipsec_sa_established" {
		t.Fatalf("after a report to a: a %s, b %s", sa, sb)
	}
	report(b, 2, "ike_sa_not_established")
	if sa, sb := status(a), status(b); sa != "ike_sa_not_established" || sb != "ike_sa_not_established" {
		t.Fatalf("after a report to b: a %s, b %s", sa, sb)
	}
	report(a, 3, "ipsec_sa_established") // a's memory says established: the gap in the sequence makes it write
	if sb := status(b); sb != "ipsec_sa_established" {
		t.Fatalf("after the agent came back to a: b %s", sb)
	}
	ga := decode(b.call(t, "DescribeVpnGateway", "RegionId", region, "VpnGatewayId", gw))["GatewayAgent"].(map[string]any)
	if ga["Connected"] != true {
		t.Fatalf("GatewayAgent on b = %v", ga)
	}
}
