package storetest

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

func generation(t *testing.T, s store.Store, gw string) int64 {
	t.Helper()
	g, err := s.GatewayGeneration(t.Context(), gw)
	must(t, err)
	return g
}

// testAgentGenerations: every connection write moves its gateway's
// generation, in the same transaction; other gateways keep theirs.
func testAgentGenerations(t *testing.T, s store.Store) {
	ctx := t.Context()
	g1 := mkGateway(t, s, 1, false)
	g2 := mkGateway(t, s, 2, true)
	mkCgw(t, s, 1)
	mkCgw(t, s, 2)
	mkCgw(t, s, 3)
	if g := generation(t, s, g1.VpnGatewayID); g != 0 {
		t.Fatalf("generation of a new gateway = %d, want 0", g)
	}
	before := time.Now().Add(-time.Second)
	c := SingleConnection("vco-a", g1.VpnGatewayID, "cgw-001", "psk-a")
	_, err := s.CreateConnection(ctx, c, store.Idempotency{})
	must(t, err)
	if g := generation(t, s, g1.VpnGatewayID); g != 1 {
		t.Fatalf("after CreateConnection: generation %d, want 1", g)
	}
	got, err := s.GetConnection(ctx, scope(), "vco-a")
	must(t, err)
	got.Name = "renamed"
	must(t, s.UpdateConnection(ctx, got))
	if g := generation(t, s, g1.VpnGatewayID); g != 2 {
		t.Fatalf("after UpdateConnection: generation %d, want 2", g)
	}
	d := DualConnection("vco-d", g2.VpnGatewayID, "cgw-002", "cgw-003", "p1", "p2")
	_, err = s.CreateConnection(ctx, d, store.Idempotency{})
	must(t, err)
	if g := generation(t, s, g1.VpnGatewayID); g != 2 {
		t.Fatalf("a connection of another gateway moved the generation to %d", g)
	}
	must(t, s.DeleteConnection(ctx, scope(), "vco-a"))
	if g := generation(t, s, g1.VpnGatewayID); g != 3 {
		t.Fatalf("after DeleteConnection: generation %d, want 3", g)
	}
	changed, err := s.ChangedGateways(ctx, before)
	must(t, err)
	sort.Slice(changed, func(i, j int) bool { return changed[i].GatewayID < changed[j].GatewayID })
	diff(t, "ChangedGateways", changed, []store.GatewayGeneration{{GatewayID: g1.VpnGatewayID, Generation: 3}, {GatewayID: g2.VpnGatewayID, Generation: 1}})
	changed, err = s.ChangedGateways(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if len(changed) != 0 {
		t.Fatalf("ChangedGateways in the future = %v, want none", changed)
	}
	// A failed write moves nothing.
	bad := SingleConnection("vco-b", g1.VpnGatewayID, "cgw-none", "psk")
	if _, err := s.CreateConnection(ctx, bad, store.Idempotency{}); err == nil {
		t.Fatal("CreateConnection with a missing customer gateway succeeded")
	}
	if g := generation(t, s, g1.VpnGatewayID); g != 3 {
		t.Fatalf("a failed create moved the generation to %d", g)
	}
}

func agentRec(gw string, seq int64, at time.Time) store.AgentRecord {
	return store.AgentRecord{GatewayID: gw, AccountID: Account, RegionID: Region, InstanceID: "inst-1", Sequence: seq,
		Version: "v1.2.3", Hostname: "gw-host", Generation: 7, LastReport: at}
}

func tunnelStatus(conn, tunnel, status string, at time.Time) store.TunnelStatus {
	return store.TunnelStatus{ConnectionID: conn, TunnelID: tunnel, Status: status, IkeSaState: "ESTABLISHED",
		ChildSaState: "INSTALLED", EstablishedAt: at.Add(-time.Minute), BytesIn: 1 << 40, BytesOut: 2, PacketsIn: 3,
		PacketsOut: 4, LastError: "received AUTHENTICATION_FAILED notify error", LastErrorAt: at.Add(-time.Hour),
		ReportedAt: at, IkeSaUniqueID: "12"}
}

// testAgentStatus: agent records and tunnel statuses round-trip; entries for
// connections of other gateways, unknown tunnels or deleted connections are
// ignored; deletes take the statuses and agent records with them.
func testAgentStatus(t *testing.T, s store.Store) {
	ctx := t.Context()
	g1 := mkGateway(t, s, 1, false)
	g2 := mkGateway(t, s, 2, true)
	for i := 1; i <= 4; i++ {
		mkCgw(t, s, i)
	}
	_, err := s.CreateConnection(ctx, SingleConnection("vco-a", g1.VpnGatewayID, "cgw-001", "psk"), store.Idempotency{})
	must(t, err)
	_, err = s.CreateConnection(ctx, SingleConnection("vco-b", g1.VpnGatewayID, "cgw-004", "psk"), store.Idempotency{})
	must(t, err)
	d := DualConnection("vco-d", g2.VpnGatewayID, "cgw-002", "cgw-003", "p1", "p2")
	_, err = s.CreateConnection(ctx, d, store.Idempotency{})
	must(t, err)
	master, slave := d.Tunnels[0].TunnelID, d.Tunnels[1].TunnelID

	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	a1 := agentRec(g1.VpnGatewayID, 1, at)
	must(t, s.PutAgentStatus(ctx, a1, []store.TunnelStatus{
		tunnelStatus("vco-a", "", "ipsec_sa_established", at),
		tunnelStatus("vco-d", master, "ipsec_sa_established", at),  // another gateway's connection
		tunnelStatus("vco-a", "tun-x", "ipsec_sa_established", at), // a single-tunnel connection has no tunnel ids
		tunnelStatus("vco-none", "", "ipsec_sa_established", at),
	}))
	a2 := agentRec(g2.VpnGatewayID, 9, at)
	must(t, s.PutAgentStatus(ctx, a2, []store.TunnelStatus{
		tunnelStatus("vco-d", master, "ipsec_sa_established", at),
		tunnelStatus("vco-d", slave, "ike_sa_established", at),
		tunnelStatus("vco-d", "", "ipsec_sa_established", at), // a dual-tunnel connection needs a tunnel id
		tunnelStatus("vco-d", "tun-other", "ipsec_sa_established", at),
	}))
	agents, err := s.GetAgents(ctx, []string{g2.VpnGatewayID, g1.VpnGatewayID, "vpn-none"})
	must(t, err)
	sort.Slice(agents, func(i, j int) bool { return agents[i].GatewayID < agents[j].GatewayID })
	diff(t, "GetAgents", agents, []store.AgentRecord{a1, a2})

	sts, err := s.ListTunnelStatus(ctx, []string{"vco-a", "vco-d", "vco-b"})
	must(t, err)
	sortStatus(sts)
	diff(t, "ListTunnelStatus", sts, []store.TunnelStatus{
		tunnelStatus("vco-a", "", "ipsec_sa_established", at),
		tunnelStatus("vco-d", master, "ipsec_sa_established", at),
		tunnelStatus("vco-d", slave, "ike_sa_established", at),
	})

	// A later report overwrites; zero times stay zero.
	later := at.Add(5 * time.Second)
	a1.Sequence, a1.LastReport, a1.InstanceID = 2, later, "inst-2"
	down := store.TunnelStatus{ConnectionID: "vco-a", Status: "ike_sa_not_established", ReportedAt: later}
	must(t, s.PutAgentStatus(ctx, a1, []store.TunnelStatus{down}))
	sts, err = s.ListTunnelStatus(ctx, []string{"vco-a"})
	must(t, err)
	diff(t, "ListTunnelStatus after overwrite", sts, []store.TunnelStatus{down})
	agents, err = s.GetAgents(ctx, []string{g1.VpnGatewayID})
	must(t, err)
	diff(t, "GetAgents after overwrite", agents, []store.AgentRecord{a1})

	// Deleting the connection deletes its statuses; a report still on its
	// way does not bring them back.
	must(t, s.DeleteConnection(ctx, scope(), "vco-d"))
	must(t, s.PutAgentStatus(ctx, a2, []store.TunnelStatus{tunnelStatus("vco-d", master, "ipsec_sa_established", at)}))
	sts, err = s.ListTunnelStatus(ctx, []string{"vco-d"})
	must(t, err)
	if len(sts) != 0 {
		t.Fatalf("statuses of a deleted connection: %v", sts)
	}
	must(t, s.DeleteGateway(ctx, scope(), g2.VpnGatewayID))
	agents, err = s.GetAgents(ctx, []string{g2.VpnGatewayID})
	must(t, err)
	if len(agents) != 0 {
		t.Fatalf("agent record of a deleted gateway: %v", agents)
	}
	if g := generation(t, s, g2.VpnGatewayID); g != 0 {
		t.Fatalf("generation of a deleted gateway = %d", g)
	}
	// Empty lists are fine.
	if _, err := s.GetAgents(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListTunnelStatus(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// testAgentHeartbeats: UpdateAgentHeartbeats updates, for many gateways in
// one call, the agent records' report fields and the stored tunnels'
// counters and report times, and nothing else: no state, no new rows, no
// record of another account or agent instance, nothing reported earlier
// than what is stored; gone names the entries whose record it did not
// update.
func testAgentHeartbeats(t *testing.T, s store.Store) {
	ctx := t.Context()
	g1 := mkGateway(t, s, 1, false)
	g2 := mkGateway(t, s, 2, true)
	g3 := mkGateway(t, s, 3, false)
	for i := 1; i <= 4; i++ {
		mkCgw(t, s, i)
	}
	_, err := s.CreateConnection(ctx, SingleConnection("vco-a", g1.VpnGatewayID, "cgw-001", "psk"), store.Idempotency{})
	must(t, err)
	d := DualConnection("vco-d", g2.VpnGatewayID, "cgw-002", "cgw-003", "p1", "p2")
	_, err = s.CreateConnection(ctx, d, store.Idempotency{})
	must(t, err)
	master, slave := d.Tunnels[0].TunnelID, d.Tunnels[1].TunnelID

	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	a1, a2, a3 := agentRec(g1.VpnGatewayID, 1, at), agentRec(g2.VpnGatewayID, 9, at), agentRec(g3.VpnGatewayID, 2, at)
	must(t, s.PutAgentStatus(ctx, a1, []store.TunnelStatus{tunnelStatus("vco-a", "", "ipsec_sa_established", at)}))
	must(t, s.PutAgentStatus(ctx, a2, []store.TunnelStatus{tunnelStatus("vco-d", master, "ipsec_sa_established", at),
		tunnelStatus("vco-d", slave, "ike_sa_established", at)}))
	must(t, s.PutAgentStatus(ctx, a3, nil))
	must(t, s.DeleteGateway(ctx, scope(), g3.VpnGatewayID))

	later := at.Add(10 * time.Second)
	beat := func(a store.AgentRecord, seq int64) store.AgentRecord {
		a.Sequence, a.LastReport, a.Version, a.Hostname, a.Generation = seq, later, "v2", "gw-host-2", 8
		return a
	}
	counters := func(ts store.TunnelStatus, n int64) store.TunnelStatus {
		ts.BytesIn, ts.BytesOut, ts.PacketsIn, ts.PacketsOut, ts.ReportedAt = n, n+1, n+2, n+3, later
		return ts
	}
	b1, b2, b3 := beat(a1, 3), beat(a2, 11), beat(a3, 4)
	changed := counters(tunnelStatus("vco-a", "", "ike_sa_not_established", at), 100) // a state a heartbeat does not write
	gone, err := s.UpdateAgentHeartbeats(ctx, []store.AgentStatus{
		{Agent: b1, Tunnels: []store.TunnelStatus{changed, counters(tunnelStatus("vco-none", "", "ipsec_sa_established", at), 1),
			counters(tunnelStatus("vco-d", master, "ipsec_sa_established", at), 1)}}, // another gateway's
		{Agent: b2, Tunnels: []store.TunnelStatus{counters(tunnelStatus("vco-d", master, "ipsec_sa_established", at), 200)}},
		{Agent: b3},
	})
	must(t, err)
	diff(t, "gone", gone, []string{g3.VpnGatewayID})
	agents, err := s.GetAgents(ctx, []string{g3.VpnGatewayID, g2.VpnGatewayID, g1.VpnGatewayID})
	must(t, err)
	sort.Slice(agents, func(i, j int) bool { return agents[i].GatewayID < agents[j].GatewayID })
	diff(t, "GetAgents", agents, []store.AgentRecord{b1, b2})
	sts, err := s.ListTunnelStatus(ctx, []string{"vco-a", "vco-d", "vco-none"})
	must(t, err)
	sortStatus(sts)
	diff(t, "ListTunnelStatus", sts, []store.TunnelStatus{
		counters(tunnelStatus("vco-a", "", "ipsec_sa_established", at), 100),
		counters(tunnelStatus("vco-d", master, "ipsec_sa_established", at), 200),
		tunnelStatus("vco-d", slave, "ike_sa_established", at),
	})
	// Not updated: another account's record, another agent instance's, one
	// reported before what is stored; nor a tunnel reported before.
	stranger, other, early, behind := beat(a1, 4), beat(a1, 5), beat(a1, 6), beat(a1, 2)
	stranger.AccountID = "1999999999999999"
	other.InstanceID = "inst-9"
	early.LastReport = at
	gone, err = s.UpdateAgentHeartbeats(ctx, []store.AgentStatus{{Agent: stranger}, {Agent: other}, {Agent: early}, {Agent: behind},
		{Agent: beat(a2, 12), Tunnels: []store.TunnelStatus{counters(tunnelStatus("vco-d", slave, "ike_sa_established", at), 5)}}})
	must(t, err)
	diff(t, "gone (not updated)", gone, []string{g1.VpnGatewayID, g1.VpnGatewayID, g1.VpnGatewayID, g1.VpnGatewayID})
	agents, err = s.GetAgents(ctx, []string{g1.VpnGatewayID})
	must(t, err)
	diff(t, "GetAgents after refused heartbeats", agents, []store.AgentRecord{b1})
	old := counters(tunnelStatus("vco-d", master, "ipsec_sa_established", at), 1)
	old.ReportedAt = at
	gone, err = s.UpdateAgentHeartbeats(ctx, []store.AgentStatus{{Agent: beat(a2, 13), Tunnels: []store.TunnelStatus{old}}})
	must(t, err)
	if len(gone) != 0 {
		t.Fatalf("gone = %v, want none", gone)
	}
	sts, err = s.ListTunnelStatus(ctx, []string{"vco-d"})
	must(t, err)
	sortStatus(sts)
	diff(t, "ListTunnelStatus after an earlier report", sts, []store.TunnelStatus{
		counters(tunnelStatus("vco-d", master, "ipsec_sa_established", at), 200),
		counters(tunnelStatus("vco-d", slave, "ike_sa_established", at), 5),
	})
	if gone, err := s.UpdateAgentHeartbeats(ctx, nil); err != nil || len(gone) != 0 {
		t.Fatalf("empty batch: %v %v", gone, err)
	}
}

func sortStatus(sts []store.TunnelStatus) {
	sort.Slice(sts, func(i, j int) bool {
		if sts[i].ConnectionID != sts[j].ConnectionID {
			return sts[i].ConnectionID < sts[j].ConnectionID
		}
		return sts[i].TunnelID < sts[j].TunnelID
	})
}

// testAgentLogs: log lines are stored per connection and tunnel, listed by
// time range and page, capped per connection, purged by age, refused for
// other gateways' connections, and deleted with their connection.
func testAgentLogs(t *testing.T, s store.Store) {
	ctx := t.Context()
	g1 := mkGateway(t, s, 1, false)
	g2 := mkGateway(t, s, 2, true)
	for i := 1; i <= 3; i++ {
		mkCgw(t, s, i)
	}
	_, err := s.CreateConnection(ctx, SingleConnection("vco-a", g1.VpnGatewayID, "cgw-001", "psk"), store.Idempotency{})
	must(t, err)
	d := DualConnection("vco-d", g2.VpnGatewayID, "cgw-002", "cgw-003", "p1", "p2")
	_, err = s.CreateConnection(ctx, d, store.Idempotency{})
	must(t, err)
	master, slave := d.Tunnels[0].TunnelID, d.Tunnels[1].TunnelID
	base := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)
	line := func(conn, tun string, sec int, text string) store.LogLine {
		return store.LogLine{ConnectionID: conn, TunnelID: tun, Time: base.Add(time.Duration(sec) * time.Second), Text: text}
	}
	n, err := s.AppendConnectionLogs(ctx, g1.VpnGatewayID, []store.LogLine{
		line("vco-a", "", 1, "IKE_SA vco-a[1] established"),
		line("vco-a", "", 0, "initiating Main Mode"),
		line("vco-a", "", 1, "CHILD_SA vco-a{1} established"), // same time: kept in order of arrival
		line("vco-d", master, 1, "not mine"),
	}, 100)
	must(t, err)
	if n != 3 {
		t.Fatalf("stored %d lines, want 3", n)
	}
	n, err = s.AppendConnectionLogs(ctx, g2.VpnGatewayID, []store.LogLine{
		line("vco-d", master, 2, "master up"), line("vco-d", slave, 3, "slave up"), line("vco-d", "", 3, "no tunnel"),
	}, 100)
	must(t, err)
	if n != 2 {
		t.Fatalf("stored %d dual lines, want 2", n)
	}
	list := func(q store.LogQuery) []string {
		t.Helper()
		ls, err := s.ListConnectionLogs(ctx, q)
		must(t, err)
		var out []string
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%s/%s@%d %s", l.ConnectionID, l.TunnelID, l.Time.Sub(base)/time.Second, l.Text))
		}
		return out
	}
	all := store.LogQuery{ConnectionID: "vco-a", From: base, To: base.Add(time.Hour)}
	diff(t, "all lines", list(all), []string{"vco-a/@0 initiating Main Mode", "vco-a/@1 IKE_SA vco-a[1] established", "vco-a/@1 CHILD_SA vco-a{1} established"})
	diff(t, "range", list(store.LogQuery{ConnectionID: "vco-a", From: base.Add(time.Second), To: base.Add(time.Second)}),
		[]string{"vco-a/@1 IKE_SA vco-a[1] established", "vco-a/@1 CHILD_SA vco-a{1} established"})
	diff(t, "page 2 of 2", list(store.LogQuery{ConnectionID: "vco-a", From: base, To: base.Add(time.Hour), Page: store.Page{Number: 2, Size: 2}}),
		[]string{"vco-a/@1 CHILD_SA vco-a{1} established"})
	diff(t, "by tunnel", list(store.LogQuery{ConnectionID: "vco-d", TunnelID: slave, From: base, To: base.Add(time.Hour)}),
		[]string{"vco-d/" + slave + "@3 slave up"})
	if got := list(store.LogQuery{ConnectionID: "vco-d", From: base, To: base.Add(time.Hour)}); len(got) != 2 {
		t.Fatalf("dual lines = %v, want 2", got)
	}

	// The cap keeps the newest lines.
	var many []store.LogLine
	for i := range 10 {
		many = append(many, line("vco-a", "", 10+i, fmt.Sprintf("line %d", i)))
	}
	_, err = s.AppendConnectionLogs(ctx, g1.VpnGatewayID, many, 4)
	must(t, err)
	diff(t, "capped", list(all), []string{"vco-a/@16 line 6", "vco-a/@17 line 7", "vco-a/@18 line 8", "vco-a/@19 line 9"})
	if got := list(store.LogQuery{ConnectionID: "vco-d", From: base, To: base.Add(time.Hour)}); len(got) != 2 {
		t.Fatalf("the cap of one connection touched another: %v", got)
	}

	// Purge by age.
	purged, err := s.PurgeConnectionLogs(ctx, base.Add(18*time.Second))
	must(t, err)
	if purged != 4 { // lines 6, 7 of vco-a and both of vco-d
		t.Fatalf("purged %d, want 4", purged)
	}
	diff(t, "after purge", list(all), []string{"vco-a/@18 line 8", "vco-a/@19 line 9"})

	// Deleted with the connection.
	must(t, s.DeleteConnection(ctx, scope(), "vco-a"))
	if got := list(all); len(got) != 0 {
		t.Fatalf("lines of a deleted connection: %v", got)
	}
}
