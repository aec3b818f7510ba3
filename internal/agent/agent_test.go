package agent

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// runAgent starts an agent with fast timings on the fakes; stop cancels it
// and returns Run's result.
func runAgent(t *testing.T, api *fakeAPI, c *fakeCharon) (a *Agent, stop func() error) {
	t.Helper()
	a = New(Config{API: api, GatewayID: fixtureGW, Vici: "/run/charon.vici", Dial: c.dial, Version: "test",
		Logger: slog.New(slog.DiscardHandler), Wait: time.Second, PollEvery: 50 * time.Millisecond,
		ReconcileEvery: 200 * time.Millisecond, InitiateEvery: 200 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return a, stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func statusOf(api *fakeAPI, conn, tunnel string) vpn.AgentTunnelReport {
	return api.last()[Key{conn, tunnel}]
}

func fixtureState(t *testing.T) *vpn.AgentConfig {
	t.Helper()
	a, ac := singleConn("vco-a", "198.51.100.10", "psk-a", true, 1)
	b, bc := singleConn("vco-b", "198.51.100.11", "psk-b", false, 2)
	d, dc := dualConn("vco-d", 3)
	return desiredFixture(agentConn(a, ac), agentConn(b, bc), agentConn(d, dc))
}

func TestAgentConvergesReportsAndShipsLogs(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	c.autoUp = true
	c.refuse["vpcvpn.vpn-gw1.vco-d.slave"] = "invalid value for: proposals, config discarded"
	_, stop := runAgent(t, api, c)
	eventually(t, "vco-a established", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished })
	st := statusOf(api, "vco-a", "")
	if st.IkeSaState != "ESTABLISHED" || st.ChildSaState != "INSTALLED" || st.BytesIn != 100 || st.BytesOut != 200 || st.EstablishedTime == 0 || st.IkeSaUniqueId == "" {
		t.Fatalf("vco-a status %+v", st)
	}
	// The trap tunnel waits for traffic; the refused tunnel carries the
	// reason; the master beside it converged.
	if b := statusOf(api, "vco-b", ""); b.Status != vpn.StatusIkeNotEstablished || b.LastError != "" {
		t.Fatalf("vco-b %+v", b)
	}
	eventually(t, "slave error", func() bool {
		return strings.Contains(statusOf(api, "vco-d", "tun-vco-ds").LastError, "charon refused the connection (load-conn)")
	})
	if _, ok := c.conns["vpcvpn.vpn-gw1.vco-d.master"]; !ok {
		t.Fatal("the master was not loaded beside the refused slave")
	}
	// Log lines: a responder's first lines have no name yet; they are
	// kept until the SA is named, then shipped with it (also when the
	// SAs were read meanwhile, listing it "(unnamed)").
	c.mu.Lock()
	c.sas = append(c.sas, IKESA{Name: "(unnamed)", UniqueID: "77", State: "CONNECTING"})
	c.mu.Unlock()
	time.Sleep(150 * time.Millisecond) // a poll of the SAs
	c.events <- Event{Name: "log", Group: "IKE", IKEName: "(unnamed)", IKEUniqueID: "77", Msg: "203.0.113.250 is initiating an IKE_SA"}
	c.events <- Event{Name: "log", Group: "CFG", IKEName: "(unnamed)", IKEUniqueID: "77", Msg: "looking for peer configs matching 203.0.113.1...203.0.113.250"}
	c.events <- Event{Name: "log", Group: "IKE", IKEName: "vpcvpn.vpn-gw1.vco-b", IKEUniqueID: "77", Msg: "IKE_SA vpcvpn.vpn-gw1.vco-b[77] established"}
	c.events <- Event{Name: "log", Group: "IKE", IKEName: "site-b", IKEUniqueID: "78", Msg: "not ours"}
	c.events <- Event{Name: "log", Group: "IKE", IKEName: "vpcvpn.vpn-gw1.vco-b", IKEUniqueID: "77", Msg: "received AUTHENTICATION_FAILED notify error"}
	eventually(t, "log lines", func() bool { return len(api.logLines()) >= 4 })
	want := []string{
		"vco-b/ [IKE] <vpcvpn.vpn-gw1.vco-b|77> 203.0.113.250 is initiating an IKE_SA",
		"vco-b/ [CFG] <vpcvpn.vpn-gw1.vco-b|77> looking for peer configs matching 203.0.113.1...203.0.113.250",
		"vco-b/ [IKE] <vpcvpn.vpn-gw1.vco-b|77> IKE_SA vpcvpn.vpn-gw1.vco-b[77] established",
		"vco-b/ [IKE] <vpcvpn.vpn-gw1.vco-b|77> received AUTHENTICATION_FAILED notify error",
	}
	if got := api.logLines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log lines:\n%s", strings.Join(got, "\n"))
	}
	eventually(t, "last error from the log", func() bool {
		return statusOf(api, "vco-b", "").LastError == "received AUTHENTICATION_FAILED notify error"
	})
	// SIGTERM: Run returns nil and nothing is unloaded.
	c.Calls()
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	for _, call := range c.Calls() {
		if hasPrefixAny(call, "unload", "terminate") {
			t.Fatalf("stopping the agent sent %s", call)
		}
	}
}

// An agent restarted while the tunnels are up changes nothing in charon.
func TestAgentRestartTouchesNothing(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	c.autoUp = true
	_, stop := runAgent(t, api, c)
	eventually(t, "converged", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	c.up("vpcvpn.vpn-gw1.vco-b")
	api.mu.Lock()
	before := len(api.reports)
	api.mu.Unlock()
	c.Calls()
	a2, stop2 := runAgent(t, api, c)
	eventually(t, "second agent reports", func() bool {
		api.mu.Lock()
		defer api.mu.Unlock()
		return len(api.reports) > before && api.reports[len(api.reports)-1].InstanceID == a2.InstanceID()
	})
	time.Sleep(300 * time.Millisecond) // a periodic reconcile or two
	if calls := c.Calls(); len(calls) != 0 {
		t.Fatalf("a restarted agent sent %v", calls)
	}
	if st := statusOf(api, "vco-b", ""); st.Status != vpn.StatusIpsecEstablished {
		t.Fatalf("vco-b after the restart %+v", st)
	}
	_ = stop2()
}

// Charon restarted (or its socket lost): the agent reconnects with backoff
// and loads everything again.
func TestAgentCharonRestart(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	c.autoUp = true
	runAgent(t, api, c)
	eventually(t, "converged", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished })
	c.Calls()
	c.dialErrs = 3
	c.restart()
	eventually(t, "reloaded", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.conns) == 4
	})
	eventually(t, "up again", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished })
	loads := 0
	for _, call := range c.Calls() {
		if strings.HasPrefix(call, "load-conn ") {
			loads++
		}
	}
	if loads != 4 {
		t.Fatalf("%d load-conn after the restart, want 4", loads)
	}
}

// The control plane unreachable: charon is left alone, reports resume when
// it is back; a desired change then applies.
func TestAgentFailStatic(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	c.autoUp = true
	runAgent(t, api, c)
	eventually(t, "converged", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished })
	api.setDown(true)
	c.Calls()
	time.Sleep(500 * time.Millisecond)
	if calls := c.Calls(); len(calls) != 0 {
		t.Fatalf("with the API down the agent sent %v", calls)
	}
	api.mu.Lock()
	n := len(api.reports)
	api.mu.Unlock()
	api.setDown(false)
	eventually(t, "reports resume", func() bool {
		api.mu.Lock()
		defer api.mu.Unlock()
		return len(api.reports) > n
	})
	// A change after the outage applies.
	b, bc := singleConn("vco-b", "198.51.100.11", "psk-b", false, 2)
	api.set(desiredFixture(agentConn(b, bc)))
	eventually(t, "removed", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.conns) == 1 && c.conns["vpcvpn.vpn-gw1.vco-b"] != nil
	})
}

// A misconfigured agent (no permission) stops at once and touches nothing.
func TestAgentStartupDenied(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	api.deny = true
	c := newFakeCharon()
	_, stop := runAgent(t, api, c)
	eventually(t, "stopped", func() bool {
		api.mu.Lock()
		defer api.mu.Unlock()
		return api.fetches > 0
	})
	err := stop()
	if !errors.Is(err, ErrStartup) || !strings.Contains(err.Error(), "Forbbiden.SubUser") {
		t.Fatalf("Run = %v", err)
	}
	for _, call := range c.Calls() {
		if !strings.HasPrefix(call, "list") {
			t.Fatalf("a refused agent sent %s", call)
		}
	}
}

// kernel-libipsec sends no acquire for a trap: its "no outbound SA for
// reqid N" line makes the agent initiate the child with that reqid (once per
// InitiateEvery).
func TestAgentLibipsecAcquire(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	runAgent(t, api, c)
	b := "vpcvpn.vpn-gw1.vco-b"
	eventually(t, "loaded", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.conns[b] != nil
	})
	c.mu.Lock()
	reqid, _ := c.conns[b].Child("children").Children()[0].Get("reqid")
	c.mu.Unlock()
	c.Calls()
	for range 3 {
		c.events <- Event{Name: "log", Group: "ESP", Msg: "could not find an outbound IPsec SA for reqid {" + reqid + "}, dropping packet"}
	}
	eventually(t, "initiated", func() bool {
		for _, call := range c.Calls() {
			if call == "initiate "+b {
				return true
			}
		}
		return false
	})
	time.Sleep(100 * time.Millisecond)
	for _, call := range c.Calls() {
		if strings.HasPrefix(call, "initiate") {
			t.Fatalf("initiated again within InitiateEvery: %s", call)
		}
	}
}
