package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// countingStore counts the writes of agent statuses (the durable part of
// the status path).
type countingStore struct {
	*sqlite.DB
	puts     atomic.Int64
	tunnels  atomic.Int64
	gateways atomic.Int64 // GetGateway calls
	batches  atomic.Int64 // UpdateAgentHeartbeats calls
}

func (c *countingStore) GetGateway(ctx context.Context, s store.Scope, id string) (vpn.Gateway, error) {
	c.gateways.Add(1)
	return c.DB.GetGateway(ctx, s, id)
}

func (c *countingStore) UpdateAgentHeartbeats(ctx context.Context, batch []store.AgentStatus) ([]string, error) {
	c.batches.Add(1)
	return c.DB.UpdateAgentHeartbeats(ctx, batch)
}

func (c *countingStore) PutAgentStatus(ctx context.Context, a store.AgentRecord, ts []store.TunnelStatus) error {
	c.puts.Add(1)
	c.tunnels.Add(int64(len(ts)))
	return c.DB.PutAgentStatus(ctx, a, ts)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// agentWorld is one store with a single-tunnel connection (vco-a on
// vpn-001) and a dual-tunnel one (vco-d on vpn-002), and "nodes": services
// over the same store, each with its own memory, sharing a clock.
type agentWorld struct {
	st     *countingStore
	clock  *clock
	dual   vpn.Connection
	single vpn.Connection
}

func newAgentWorld(t *testing.T) *agentWorld {
	t.Helper()
	ctx := t.Context()
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &agentWorld{st: &countingStore{DB: db}, clock: &clock{t: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sc := store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}
	must(db.CreateAccount(ctx, iam.Account{AccountID: storetest.Account, Name: "a"}))
	pool := store.AddressPool{netip.MustParsePrefix("203.0.113.0/24")}
	for i, dual := range []bool{false, true} {
		vpcID := fmt.Sprintf("vpc-%03d", i+1)
		_, err := db.CreateVpc(ctx, vpn.Vpc{AccountID: sc.AccountID, RegionID: sc.RegionID, VpcID: vpcID, CidrBlock: "192.168.0.0/16", Status: "Available"}, store.Idempotency{})
		must(err)
		g := vpn.Gateway{AccountID: sc.AccountID, RegionID: sc.RegionID, VpnGatewayID: fmt.Sprintf("vpn-%03d", i+1), VpcID: vpcID,
			VSwitchID: "vsw-a", Bandwidth: 10, Status: "active", NetworkType: "public", VpnType: "Normal", InstanceChargeType: "POSTPAY"}
		if dual {
			g.DisasterRecoveryVSwitchID = "vsw-b"
		}
		_, err = db.CreateGateway(ctx, g, pool, store.Idempotency{})
		must(err)
	}
	for i := 1; i <= 3; i++ {
		_, err := db.CreateCustomerGateway(ctx, vpn.CustomerGateway{AccountID: sc.AccountID, RegionID: sc.RegionID,
			CustomerGatewayID: fmt.Sprintf("cgw-%03d", i), IPAddress: fmt.Sprintf("198.51.100.%d", i)}, store.Idempotency{})
		must(err)
	}
	w.single = storetest.SingleConnection("vco-a", "vpn-001", "cgw-001", "psk-a")
	w.dual = storetest.DualConnection("vco-d", "vpn-002", "cgw-002", "cgw-003", "psk-1", "psk-2")
	w.dual.Tunnels[0].TunnelID, w.dual.Tunnels[1].TunnelID = "tun-master1", "tun-slave1"
	for _, c := range []vpn.Connection{w.single, w.dual} {
		_, err := db.CreateConnection(ctx, c, store.Idempotency{})
		must(err)
	}
	return w
}

// node is a service over the world's store (its own memory).
func (w *agentWorld) node() *service.Service {
	s, err := service.New(service.Config{Store: w.st, Now: w.clock.Now})
	if err != nil {
		panic(err) // the Config has its Store
	}
	return s
}

func root() iam.Principal {
	return iam.Principal{Kind: iam.PrincipalRoot, AccountID: storetest.Account, AccessKeyID: "LTAIroot"}
}

func call(t *testing.T, h func(context.Context, *service.Request) (any, error), name string, params map[string]string) (any, error) {
	t.Helper()
	p := map[string]string{"RegionId": storetest.Region}
	for k, v := range params {
		p[k] = v
	}
	return h(t.Context(), &service.Request{Action: name, Meta: metaOf(t, name), Params: p, Principal: root()})
}

// metaOf is the dispatch table's metadata of the VPC action name.
func metaOf(t *testing.T, name string) action.Meta {
	t.Helper()
	for _, a := range api.Actions(nil) {
		if a.Version == api.VersionVPC && a.Name == name {
			return a.Meta
		}
	}
	t.Fatalf("no action %s in the dispatch table", name)
	return action.Meta{}
}

func tunnelsParam(t *testing.T, ts ...vpn.AgentTunnelReport) string {
	t.Helper()
	b, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func report(t *testing.T, s *service.Service, gw, instance string, seq int64, ts ...vpn.AgentTunnelReport) {
	t.Helper()
	if _, err := call(t, s.ReportVpnGatewayAgentStatus, "ReportVpnGatewayAgentStatus", map[string]string{"VpnGatewayId": gw, "AgentInstanceId": instance,
		"Sequence": fmt.Sprint(seq), "AgentVersion": "test", "Tunnels.1": tunnelsParam(t, ts...)}); err != nil {
		t.Fatalf("report %s seq %d: %v", instance, seq, err)
	}
}

func statusOf(t *testing.T, s *service.Service, id string) (string, []string) {
	t.Helper()
	out, err := call(t, s.DescribeVpnConnection, "DescribeVpnConnection", map[string]string{"VpnConnectionId": id})
	if err != nil {
		t.Fatal(err)
	}
	it := out.(vpn.VpnConnectionItem)
	var tunnels []string
	if it.TunnelOptionsSpecification != nil {
		for _, o := range it.TunnelOptionsSpecification.TunnelOptions {
			tunnels = append(tunnels, o.Role+"="+o.Status)
		}
	}
	return it.Status, tunnels
}

func agentStatus(t *testing.T, s *service.Service, gw string) *vpn.GatewayAgentStatus {
	t.Helper()
	out, err := call(t, s.DescribeVpnGatewayAgentStatus, "DescribeVpnGatewayAgentStatus", map[string]string{"VpnGatewayId": gw})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*vpn.GatewayAgentStatus)
}

func up(conn, tunnel string, bytes int64) vpn.AgentTunnelReport {
	return vpn.AgentTunnelReport{VpnConnectionId: conn, TunnelId: tunnel, Status: vpn.StatusIpsecEstablished, IkeSaState: "ESTABLISHED",
		ChildSaState: "INSTALLED", IkeSaUniqueId: "3", EstablishedTime: 1778000000000, BytesIn: bytes, BytesOut: bytes, PacketsIn: 1, PacketsOut: 1}
}

// TestAgentStatusWritesOnlyChanges: a steady agent costs the store one write
// per heartbeat; a state change is written at once; counters are not.
func TestAgentStatusWritesOnlyChanges(t *testing.T) {
	w := newAgentWorld(t)
	s := w.node()
	report(t, s, "vpn-001", "i1", 1, up("vco-a", "", 100))
	if w.st.puts.Load() != 1 {
		t.Fatalf("first report: %d writes, want 1", w.st.puts.Load())
	}
	for seq := int64(2); seq <= 3; seq++ { // 5 s apart, counters moving
		w.clock.Add(5 * time.Second)
		report(t, s, "vpn-001", "i1", seq, up("vco-a", "", 100*seq))
	}
	if w.st.puts.Load() != 1 {
		t.Fatalf("unchanged reports wrote %d times", w.st.puts.Load()-1)
	}
	if st, _ := statusOf(t, s, "vco-a"); st != vpn.StatusIpsecEstablished {
		t.Fatalf("Status = %s", st)
	}
	// This node shows its memory's counters.
	got := agentStatus(t, s, "vpn-001")
	if len(got.Tunnels.Tunnel) != 1 || got.Tunnels.Tunnel[0].BytesIn != 300 || !got.Connected || got.AgentVersion != "test" {
		t.Fatalf("agent status = %+v", got)
	}
	w.clock.Add(5 * time.Second) // 15 s since the write: heartbeat
	report(t, s, "vpn-001", "i1", 4, up("vco-a", "", 400))
	if w.st.puts.Load() != 2 {
		t.Fatalf("heartbeat: %d writes, want 2", w.st.puts.Load())
	}
	w.clock.Add(time.Second)
	down := vpn.AgentTunnelReport{VpnConnectionId: "vco-a", Status: vpn.StatusIkeNotEstablished, LastError: "DPD timeout", LastErrorTime: 1778000001000}
	report(t, s, "vpn-001", "i1", 5, down)
	if w.st.puts.Load() != 3 {
		t.Fatalf("state change: %d writes, want 3", w.st.puts.Load())
	}
	// A new agent instance (restart) is written even with the same state.
	w.clock.Add(time.Second)
	report(t, s, "vpn-001", "i2", 1, down)
	if w.st.puts.Load() != 4 {
		t.Fatalf("new instance: %d writes, want 4", w.st.puts.Load())
	}
	got = agentStatus(t, s, "vpn-001")
	tu := got.Tunnels.Tunnel[0]
	if tu.Status != vpn.StatusIkeNotEstablished || tu.LastError != "DPD timeout" || tu.LastErrorTime != 1778000001000 {
		t.Fatalf("tunnel = %+v", tu)
	}
}

// TestAgentStatusFlushed: with FlushAgentStatus running, a steady agent's
// reports are never written when they are answered: the flush writes them
// (all gateways due in one transaction) once their last write is 10 s old,
// so another node's view lags by at most 15 s; a state change is still
// written before the report is answered; at shutdown everything not
// written is; a gateway deleted meanwhile is not written, and its next
// report is refused.
func TestAgentStatusFlushed(t *testing.T) {
	w := newAgentWorld(t)
	a, b := w.node(), w.node()
	a.BatchAgentStatus()
	m := w.dual.Tunnels[0].TunnelID
	report(t, a, "vpn-001", "i1", 1, up("vco-a", "", 100))
	report(t, a, "vpn-002", "i1", 1, up("vco-d", m, 100))
	if p := w.st.puts.Load(); p != 2 {
		t.Fatalf("first reports: %d writes, want 2", p)
	}
	bytesOn := func(s *service.Service, gw string) int64 {
		t.Helper()
		for _, tu := range agentStatus(t, s, gw).Tunnels.Tunnel {
			if tu.Status == vpn.StatusIpsecEstablished {
				return tu.BytesIn
			}
		}
		return -1
	}
	for seq := int64(2); seq <= 3; seq++ { // 5 s apart, counters moving
		w.clock.Add(5 * time.Second)
		report(t, a, "vpn-001", "i1", seq, up("vco-a", "", 100*seq))
		if seq == 2 {
			a.FlushAgentStatusNow(t.Context(), false) // 5 s after the write: not due
			if n := w.st.batches.Load(); n != 0 {
				t.Fatalf("a flush 5 s after the write wrote %d batches", n)
			}
		}
		report(t, a, "vpn-002", "i1", seq, up("vco-d", m, 100*seq))
	}
	if p := w.st.puts.Load(); p != 2 {
		t.Fatalf("steady reports: %d writes when answered, want none", p-2)
	}
	if got := bytesOn(b, "vpn-001"); got != 100 {
		t.Fatalf("node b before the flush: BytesIn %d, want 100", got)
	}
	a.FlushAgentStatusNow(t.Context(), false) // 10 s after the writes: due
	if n := w.st.batches.Load(); n != 1 {
		t.Fatalf("flush: %d transactions, want 1 for both gateways", n)
	}
	if got1, got2 := bytesOn(b, "vpn-001"), bytesOn(b, "vpn-002"); got1 != 300 || got2 != 300 {
		t.Fatalf("node b after the flush: BytesIn %d and %d, want 300", got1, got2)
	}
	if got := agentStatus(t, b, "vpn-001").Tunnels.Tunnel[0].ReportTime; got != w.clock.Now().UnixMilli() {
		t.Fatalf("node b: ReportTime %d, want %d", got, w.clock.Now().UnixMilli())
	}
	a.FlushAgentStatusNow(t.Context(), true) // nothing new: nothing written
	if n := w.st.batches.Load(); n != 1 {
		t.Fatalf("a flush with nothing new wrote (%d transactions)", n)
	}
	// A state change: written before the answer.
	w.clock.Add(time.Second)
	down := vpn.AgentTunnelReport{VpnConnectionId: "vco-a", Status: vpn.StatusIkeNotEstablished, LastError: "DPD timeout", LastErrorTime: 1778000001000}
	report(t, a, "vpn-001", "i1", 4, down)
	if p := w.st.puts.Load(); p != 3 {
		t.Fatalf("state change: %d writes, want 3", p)
	}
	if st, _ := statusOf(t, b, "vco-a"); st != vpn.StatusIkeNotEstablished {
		t.Fatalf("node b after the state change: %s", st)
	}
	// Shutdown: FlushAgentStatus writes what is not written yet.
	w.clock.Add(time.Second)
	report(t, a, "vpn-002", "i1", 4, up("vco-d", m, 400))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.FlushAgentStatus(ctx)
	}()
	cancel()
	<-done
	if got := bytesOn(b, "vpn-002"); got != 400 {
		t.Fatalf("node b after the shutdown flush: BytesIn %d, want 400", got)
	}
	// A gateway deleted through another node: the flush does not write
	// it, and the next report is refused.
	a.BatchAgentStatus()
	if err := w.st.DeleteConnection(t.Context(), store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}, "vco-d"); err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, b.DeleteVpnGateway, "DeleteVpnGateway", map[string]string{"VpnGatewayId": "vpn-002"}); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(time.Second)
	report(t, a, "vpn-002", "i1", 5, up("vco-d", m, 500)) // a remembers the owner: answered, not written
	a.FlushAgentStatusNow(t.Context(), true)
	recs, err := w.st.GetAgents(t.Context(), []string{"vpn-002"})
	if err != nil || len(recs) != 0 {
		t.Fatalf("agent record of the deleted gateway: %v %v", recs, err)
	}
	_, err = call(t, a.ReportVpnGatewayAgentStatus, "ReportVpnGatewayAgentStatus", map[string]string{"VpnGatewayId": "vpn-002", "AgentInstanceId": "i1",
		"Sequence": "6", "Tunnels.1": tunnelsParam(t, up("vco-d", m, 600))})
	if e, ok := apierror.As(err); !ok || e.Code != "InvalidVpnGatewayInstanceId.NotFound" {
		t.Fatalf("report after the flush found the gateway deleted: %v, want InvalidVpnGatewayInstanceId.NotFound", err)
	}
}

// TestAgentStatusStale: 30 s without a report and the tunnels are not
// established, the agent not connected.
func TestAgentStatusStale(t *testing.T) {
	w := newAgentWorld(t)
	s := w.node()
	m, sl := w.dual.Tunnels[0].TunnelID, w.dual.Tunnels[1].TunnelID
	slaveUp := up("vco-d", sl, 1)
	slaveUp.Status = vpn.StatusIkeEstablished
	report(t, s, "vpn-002", "i1", 1, up("vco-d", m, 1), slaveUp)
	st, tunnels := statusOf(t, s, "vco-d")
	if st != vpn.StatusIpsecEstablished || fmt.Sprint(tunnels) != "[master=ipsec_sa_established slave=ike_sa_established]" {
		t.Fatalf("dual status %s %v", st, tunnels)
	}
	w.clock.Add(vpn.AgentStaleAfter)
	if st, _ := statusOf(t, s, "vco-d"); st != vpn.StatusIpsecEstablished {
		t.Fatalf("at exactly 30 s: %s", st)
	}
	w.clock.Add(time.Millisecond)
	st, tunnels = statusOf(t, s, "vco-d")
	if st != vpn.StatusIkeNotEstablished || fmt.Sprint(tunnels) != "[master=ike_sa_not_established slave=ike_sa_not_established]" {
		t.Fatalf("stale dual status %s %v", st, tunnels)
	}
	out, err := call(t, s.DescribeVpnGateway, "DescribeVpnGateway", map[string]string{"VpnGatewayId": "vpn-002"})
	if err != nil {
		t.Fatal(err)
	}
	ga := out.(vpn.VpnGatewayItem).GatewayAgent
	if ga == nil || ga.Connected || ga.LastReportTime != w.clock.Now().Add(-vpn.AgentStaleAfter-time.Millisecond).UnixMilli() {
		t.Fatalf("GatewayAgent = %+v", ga)
	}
	// A gateway that never had an agent.
	out, err = call(t, s.DescribeVpnGateway, "DescribeVpnGateway", map[string]string{"VpnGatewayId": "vpn-001"})
	if err != nil {
		t.Fatal(err)
	}
	if ga := out.(vpn.VpnGatewayItem).GatewayAgent; ga == nil || ga.Connected || ga.LastReportTime != 0 {
		t.Fatalf("GatewayAgent without agent = %+v", ga)
	}
}

// TestAgentStatusNodes: with several nodes on one store, every node shows a
// state change at once, and a node whose memory is older than the store
// (the agent went to another node and came back) neither shows nor keeps
// its stale belief.
func TestAgentStatusNodes(t *testing.T) {
	w := newAgentWorld(t)
	a, b := w.node(), w.node()
	report(t, a, "vpn-001", "i1", 1, up("vco-a", "", 1))
	if st, _ := statusOf(t, b, "vco-a"); st != vpn.StatusIpsecEstablished {
		t.Fatalf("node b: %s", st)
	}
	// The agent's next report lands on b: the tunnel went down.
	w.clock.Add(time.Second)
	down := vpn.AgentTunnelReport{VpnConnectionId: "vco-a", Status: vpn.StatusIkeNotEstablished}
	report(t, b, "vpn-001", "i1", 2, down)
	for _, n := range []*service.Service{a, b} {
		if st, _ := statusOf(t, n, "vco-a"); st != vpn.StatusIkeNotEstablished {
			t.Fatalf("after the report to b: %s", st)
		}
	}
	// Then a again with the same state as a's memory (up): seq 3 does not
	// follow a's seq 1, so a writes it although its memory says "up".
	w.clock.Add(time.Second)
	report(t, a, "vpn-001", "i1", 3, up("vco-a", "", 1))
	if st, _ := statusOf(t, b, "vco-a"); st != vpn.StatusIpsecEstablished {
		t.Fatalf("node b after the report to a: %s", st)
	}
	// Counters lag on the other node by at most the heartbeat.
	for seq := int64(4); seq <= 7; seq++ {
		w.clock.Add(5 * time.Second)
		report(t, a, "vpn-001", "i1", seq, up("vco-a", "", 1000*seq))
	}
	if got := agentStatus(t, a, "vpn-001").Tunnels.Tunnel[0].BytesIn; got != 7000 {
		t.Fatalf("node a BytesIn = %d, want 7000", got)
	}
	if got := agentStatus(t, b, "vpn-001").Tunnels.Tunnel[0].BytesIn; got != 6000 {
		t.Fatalf("node b BytesIn = %d, want 6000 (the heartbeat write at seq 6)", got)
	}
}

// TestAgentReportScope: entries for connections of other gateways are
// ignored; malformed reports are refused with the field named.
func TestAgentReportScope(t *testing.T) {
	w := newAgentWorld(t)
	s := w.node()
	report(t, s, "vpn-001", "i1", 1, up("vco-a", "", 1), up("vco-d", w.dual.Tunnels[0].TunnelID, 1))
	if st, _ := statusOf(t, s, "vco-d"); st != vpn.StatusIkeNotEstablished {
		t.Fatalf("a report of vpn-001 set the status of vpn-002's connection: %s", st)
	}
	if got := agentStatus(t, s, "vpn-002"); got.Connected {
		t.Fatalf("vpn-002 connected by vpn-001's report: %+v", got)
	}
	for _, c := range []struct {
		params map[string]string
		code   string
	}{
		{map[string]string{"Tunnels.1": `[{"VpnConnectionId":"vco-a","Status":"up"}]`}, "InvalidTunnels.Malformed"},
		{map[string]string{"Tunnels.1": `[{"VpnConnectionId":"vco-a","Status":"ipsec_sa_established","Extra":1}]`}, "InvalidTunnels.Malformed"},
		{map[string]string{"Tunnels.1": `{"VpnConnectionId":"vco-a"}`}, "InvalidTunnels.Malformed"},
		{map[string]string{"Tunnels.x": `[]`}, "InvalidParameter"},
		{map[string]string{"LogLines.1": `[{"VpnConnectionId":"vco-a","Time":0,"Line":"x"}]`}, "InvalidLogLines.Malformed"},
		{map[string]string{"Sequence": "0"}, "InvalidSequence.Malformed"},
		{map[string]string{"AgentInstanceId": "a b"}, "InvalidAgentInstanceId.Malformed"},
		{map[string]string{"AgentInstanceId": ""}, "MissingAgentInstanceId"},
	} {
		p := map[string]string{"VpnGatewayId": "vpn-001", "AgentInstanceId": "i1", "Sequence": "9"}
		for k, v := range c.params {
			p[k] = v
		}
		_, err := call(t, s.ReportVpnGatewayAgentStatus, "ReportVpnGatewayAgentStatus", p)
		if e, ok := apierror.As(err); !ok || e.Code != c.code {
			t.Errorf("%v: err = %v, want %s", c.params, err, c.code)
		}
	}
}

// TestAgentReportOwnerCache: a steady agent's reports that are not written
// take the gateway's owner from the node's memory (no store read), and are
// still authorised one by one; every written report (change, heartbeat,
// new instance) reads the gateway again, so a gateway deleted on another
// node is refused within the heartbeat, and at once on the node that
// deleted it.
func TestAgentReportOwnerCache(t *testing.T) {
	w := newAgentWorld(t)
	a, b := w.node(), w.node()
	reads := func() int64 { return w.st.gateways.Load() }
	report(t, a, "vpn-001", "i1", 1, up("vco-a", "", 100))
	report(t, b, "vpn-001", "i1", 2, up("vco-a", "", 100)) // b: not consecutive on b, written
	if got := reads(); got != 2 {
		t.Fatalf("first reports on two nodes read the gateway %d times, want 2", got)
	}
	w.clock.Add(5 * time.Second)
	report(t, b, "vpn-001", "i1", 3, up("vco-a", "", 200))
	w.clock.Add(5 * time.Second)
	report(t, b, "vpn-001", "i1", 4, up("vco-a", "", 300))
	if got, puts := reads(), w.st.puts.Load(); got != 2 || puts != 2 {
		t.Fatalf("steady reports: %d gateway reads (want 2), %d writes (want 2)", got, puts)
	}
	// Another account's caller is refused on the cached path as on the
	// store's (the same answer).
	other := iam.Principal{Kind: iam.PrincipalRoot, AccountID: "1999999999999999", AccessKeyID: "LTAIother"}
	params := map[string]string{"RegionId": storetest.Region, "VpnGatewayId": "vpn-001", "AgentInstanceId": "i1", "Sequence": "5",
		"Tunnels.1": tunnelsParam(t, up("vco-a", "", 400))}
	_, errCached := b.ReportVpnGatewayAgentStatus(t.Context(), &service.Request{Meta: metaOf(t, "ReportVpnGatewayAgentStatus"), Params: params, Principal: other})
	_, errStore := w.node().ReportVpnGatewayAgentStatus(t.Context(), &service.Request{Meta: metaOf(t, "ReportVpnGatewayAgentStatus"), Params: params, Principal: other})
	ec, ok1 := apierror.As(errCached)
	es, ok2 := apierror.As(errStore)
	if !ok1 || !ok2 || ec.Code != "Forbidden" || es.Code != ec.Code {
		t.Fatalf("another account's report: cached path %v, store path %v", errCached, errStore)
	}
	if reads() != 3 { // the fresh node's read
		t.Fatalf("%d gateway reads", reads())
	}

	// Deleted (connection first) through node a: a forgets at once.
	if err := w.st.DeleteConnection(t.Context(), store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}, "vco-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, a.DeleteVpnGateway, "DeleteVpnGateway", map[string]string{"VpnGatewayId": "vpn-001"}); err != nil {
		t.Fatal(err)
	}
	notFound := func(s *service.Service, seq int64) {
		t.Helper()
		_, err := call(t, s.ReportVpnGatewayAgentStatus, "ReportVpnGatewayAgentStatus", map[string]string{"VpnGatewayId": "vpn-001", "AgentInstanceId": "i1",
			"Sequence": fmt.Sprint(seq), "Tunnels.1": tunnelsParam(t, up("vco-a", "", 100*seq))})
		if e, ok := apierror.As(err); !ok || e.Code != "InvalidVpnGatewayInstanceId.NotFound" {
			t.Fatalf("report %d after the delete: %v, want InvalidVpnGatewayInstanceId.NotFound", seq, err)
		}
	}
	notFound(a, 5)
	// Node b, which remembers the owner: an unwritten report is taken
	// (nothing is stored for it), the heartbeat's is refused.
	w.clock.Add(time.Second)
	report(t, b, "vpn-001", "i1", 5, up("vco-a", "", 500))
	puts := w.st.puts.Load()
	w.clock.Add(5 * time.Second) // 16 s after b's last write
	notFound(b, 6)
	notFound(b, 7) // and forgotten: read again
	if w.st.puts.Load() != puts {
		t.Fatalf("a report of the deleted gateway was written")
	}
}
