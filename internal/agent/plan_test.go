package agent

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// planUnits is a desired state of three connections: a (EffectImmediately),
// b (trap) and the dual d (master and slave, both in this charon).
func planUnits(t *testing.T) []Unit {
	t.Helper()
	a, ac := singleConn("vco-a", "198.51.100.10", "psk-a", true, 1)
	b, bc := singleConn("vco-b", "198.51.100.11", "psk-b", false, 2)
	d, dc := dualConn("vco-d", 3)
	return BuildUnits(desiredFixture(agentConn(a, ac), agentConn(b, bc), agentConn(d, dc)))
}

func steps(plan []Action) []string {
	var out []string
	for _, a := range plan {
		out = append(out, strings.ReplaceAll(a.String(), "vpcvpn.vpn-gw1.", ""))
	}
	return out
}

// apply runs a plan against the fake charon the way the manager does
// (without its logging).
func apply(t *testing.T, c *fakeCharon, plan []Action) {
	t.Helper()
	m := newManager(New(Config{GatewayID: fixtureGW, Vici: "fake"}), "fake", true, false)
	for _, a := range plan {
		m.execute(context.Background(), c, a, t0)
	}
}

func planFor(c *fakeCharon, units []Unit, failed map[string]Failure, initiated map[string]time.Time, now time.Time) []Action {
	conns, _ := c.Conns(context.Background())
	shared, _ := c.SharedIDs(context.Background())
	sas, _ := c.SAs(context.Background())
	return Plan(PlanInput{Prefix: Prefix(fixtureGW), Units: units, Conns: conns, SharedIDs: shared, SAs: sas,
		Failed: failed, Initiated: initiated, Now: now, InitiateEvery: 10 * time.Second})
}

func TestPlanFromEmptyAndIdempotent(t *testing.T) {
	units := planUnits(t)
	c := newFakeCharon()
	// Connections and keys of others: never touched.
	c.conns["site-b"] = &Section{Name: "site-b"}
	c.conns["vpcvpn.vpn-other.vco-x"] = &Section{Name: "vpcvpn.vpn-other.vco-x"}
	c.shared["site-b-psk"] = Shared{ID: "site-b-psk"}
	c.shared["vpcvpn.vpn-other.vco-x#0123"] = Shared{ID: "vpcvpn.vpn-other.vco-x#0123"}
	plan := planFor(c, units, nil, nil, t0)
	want := []string{"load vco-a", "load vco-b", "load vco-d.master", "load vco-d.slave"}
	if d := cmp.Diff(want, steps(plan)); d != "" {
		t.Fatalf("plan from empty (-want +got):\n%s", d)
	}
	apply(t, c, plan)
	calls := c.Calls()
	// load-shared before load-conn, for every unit.
	for i := 0; i+1 < len(calls); i += 2 {
		if !strings.HasPrefix(calls[i], "load-shared ") || !strings.HasPrefix(calls[i+1], "load-conn ") ||
			!strings.HasPrefix(calls[i], "load-shared "+strings.TrimPrefix(calls[i+1], "load-conn ")+"#") {
			t.Fatalf("calls %v", calls)
		}
	}
	if len(calls) != 8 {
		t.Fatalf("calls %v", calls)
	}
	// Converged: the same state plans nothing, also for a new agent
	// (no memory of initiations) a while later, while the
	// EffectImmediately tunnel is up.
	c.up("vpcvpn.vpn-gw1.vco-a")
	if plan := planFor(c, units, nil, nil, t0.Add(time.Hour)); len(plan) != 0 {
		t.Fatalf("converged state plans %v", steps(plan))
	}
	if _, ok := c.conns["site-b"]; !ok || len(c.conns) != 6 || len(c.shared) != 6 {
		t.Fatalf("foreign connections or keys touched: %d conns, %d keys", len(c.conns), len(c.shared))
	}
}

func TestPlanChangesAndRemovals(t *testing.T) {
	units := planUnits(t)
	c := newFakeCharon()
	apply(t, c, planFor(c, units, nil, nil, t0))
	c.up("vpcvpn.vpn-gw1.vco-b")
	c.up("vpcvpn.vpn-gw1.vco-d.master")
	c.Calls()
	// b's PSK changes, d is deleted, e is new.
	b, bc := singleConn("vco-b", "198.51.100.11", "psk-b2", false, 2)
	a, ac := singleConn("vco-a", "198.51.100.10", "psk-a", true, 1)
	e, ec := singleConn("vco-e", "198.51.100.12", "psk-e", false, 5)
	next := BuildUnits(desiredFixture(agentConn(a, ac), agentConn(b, bc), agentConn(e, ec)))
	oldB := byName(units)["vpcvpn.vpn-gw1.vco-b"]
	newB := byName(next)["vpcvpn.vpn-gw1.vco-b"]
	plan := planFor(c, next, nil, map[string]time.Time{"vpcvpn.vpn-gw1.vco-a": t0}, t0.Add(time.Second))
	want := []string{
		"remove vco-d.master (terminate 3)", "remove vco-d.slave",
		"reload vco-b (terminate 1)", "load vco-e",
		"unload-shared " + strings.TrimPrefix(oldB.Shared.ID, "vpcvpn.vpn-gw1."),
		"unload-shared " + strings.TrimPrefix(byName(units)["vpcvpn.vpn-gw1.vco-d.master"].Shared.ID, "vpcvpn.vpn-gw1."),
		"unload-shared " + strings.TrimPrefix(byName(units)["vpcvpn.vpn-gw1.vco-d.slave"].Shared.ID, "vpcvpn.vpn-gw1."),
	}
	if d := cmp.Diff(want, steps(plan)); d != "" {
		t.Fatalf("plan (-want +got):\n%s", d)
	}
	apply(t, c, plan)
	calls := c.Calls()
	// Unload before terminate, load before terminate: a peer that
	// reconnects at once finds no configuration, or the new one.
	wantCalls := []string{
		"unload-conn vpcvpn.vpn-gw1.vco-d.master", "terminate vpcvpn.vpn-gw1.vco-d.master#3", "unload-conn vpcvpn.vpn-gw1.vco-d.slave",
		"load-shared " + newB.Shared.ID, "load-conn vpcvpn.vpn-gw1.vco-b", "terminate vpcvpn.vpn-gw1.vco-b#1",
		"load-shared " + byName(next)["vpcvpn.vpn-gw1.vco-e"].Shared.ID, "load-conn vpcvpn.vpn-gw1.vco-e",
	}
	if d := cmp.Diff(wantCalls, calls[:len(wantCalls)]); d != "" {
		t.Fatalf("calls (-want +got):\n%s", d)
	}
	if len(c.sas) != 0 {
		t.Fatalf("SAs left: %+v", c.sas)
	}
	if plan := planFor(c, next, nil, map[string]time.Time{"vpcvpn.vpn-gw1.vco-a": t0}, t0.Add(2*time.Second)); len(plan) != 0 {
		t.Fatalf("after the changes: %v", steps(plan))
	}
	// Nothing desired any more: everything owned goes, nothing else.
	c.conns["site-b"] = &Section{Name: "site-b"}
	plan = planFor(c, []Unit{}, nil, nil, t0)
	if got := strings.Join(steps(plan), "; "); !strings.HasPrefix(got, "remove vco-a; remove vco-b; remove vco-e; unload-shared") || len(plan) != 6 {
		t.Fatalf("empty desired state: %s", got)
	}
}

func TestPlanRefusedAndUnloadable(t *testing.T) {
	units := planUnits(t)
	c := newFakeCharon()
	c.refuse["vpcvpn.vpn-gw1.vco-b"] = "invalid value for: esp_proposals, config discarded"
	m := newManager(New(Config{GatewayID: fixtureGW, Vici: "fake"}), "fake", true, false)
	for _, a := range planFor(c, units, nil, nil, t0) {
		m.execute(context.Background(), c, a, t0)
	}
	if len(c.conns) != 3 || c.conns["vpcvpn.vpn-gw1.vco-b"] != nil {
		t.Fatalf("loaded %v", c.conns)
	}
	for id := range c.shared {
		if ownerOf(id) == "vpcvpn.vpn-gw1.vco-b" {
			t.Fatalf("the key of a refused connection stays loaded: %s", id)
		}
	}
	f := m.failed["vpcvpn.vpn-gw1.vco-b"]
	if f.Attempts != 1 || f.Until != t0.Add(5*time.Second) || !strings.Contains(f.Err, "esp_proposals") {
		t.Fatalf("failure %+v", f)
	}
	if e := m.a.errs["vpcvpn.vpn-gw1.vco-b"]; !strings.Contains(e.Msg, "charon refused the connection (load-conn)") {
		t.Fatalf("unit error %+v", e)
	}
	// Not retried before Until, retried after.
	if plan := planFor(c, units, m.failed, m.initiated, t0.Add(4*time.Second)); len(plan) != 0 {
		t.Fatalf("within the backoff: %v", steps(plan))
	}
	if got := steps(planFor(c, units, m.failed, m.initiated, t0.Add(5*time.Second))); fmt.Sprint(got) != "[load vco-b]" {
		t.Fatalf("after the backoff: %v", got)
	}
	// A unit that cannot even be rendered is removed if an old
	// configuration of it is loaded.
	c.refuse = map[string]string{}
	apply(t, c, planFor(c, units, nil, nil, t0))
	units[0].Err, units[0].Conn = "cannot load the tunnel: render: device strongswan-swanctl cannot express IkeEncAlg \"sm4\"", nil
	if got := steps(planFor(c, units, nil, nil, t0)); len(got) != 2 || got[0] != "remove vco-a" || !strings.HasPrefix(got[1], "unload-shared vco-a#") {
		t.Fatalf("unloadable unit: %v", got)
	}
}

func TestPlanInitiate(t *testing.T) {
	units := planUnits(t)
	c := newFakeCharon()
	apply(t, c, planFor(c, units, nil, nil, t0))
	a := "vpcvpn.vpn-gw1.vco-a"
	// Loaded with start_action = start just now: no initiation.
	if plan := planFor(c, units, nil, map[string]time.Time{a: t0}, t0.Add(time.Second)); len(plan) != 0 {
		t.Fatalf("right after the load: %v", steps(plan))
	}
	// Down for InitiateEvery: initiated. The trap tunnels are not.
	if got := steps(planFor(c, units, nil, map[string]time.Time{a: t0}, t0.Add(10*time.Second))); fmt.Sprint(got) != "[initiate vco-a]" {
		t.Fatalf("down: %v", got)
	}
	// Up (IKE_SA and CHILD_SA): nothing.
	c.up(a)
	if plan := planFor(c, units, nil, map[string]time.Time{a: t0}, t0.Add(time.Hour)); len(plan) != 0 {
		t.Fatalf("up: %v", steps(plan))
	}
	// An IKE_SA on its way counts as alive for the IKE_SA but not for a
	// missing CHILD_SA.
	c.sas[0].Children = nil
	c.sas[0].State = "CONNECTING"
	if got := steps(planFor(c, units, nil, nil, t0)); fmt.Sprint(got) != "[initiate vco-a]" {
		t.Fatalf("child missing: %v", got)
	}
	c.sas[0].State = "DELETING"
	if got := steps(planFor(c, units, nil, nil, t0)); fmt.Sprint(got) != "[initiate vco-a]" {
		t.Fatalf("deleting: %v", got)
	}
}
