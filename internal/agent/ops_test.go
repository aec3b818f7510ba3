package agent

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// runAgentWith is runAgent with changes to the configuration.
func runAgentWith(t *testing.T, api *fakeAPI, c *fakeCharon, change func(*Config)) (a *Agent, stop func() error) {
	t.Helper()
	cfg := Config{API: api, GatewayID: fixtureGW, Vici: "/run/charon.vici", Dial: c.dial, Version: "test",
		Logger: slog.New(slog.DiscardHandler), Wait: time.Second, PollEvery: 50 * time.Millisecond,
		ReconcileEvery: 200 * time.Millisecond, InitiateEvery: 200 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	change(&cfg)
	a = New(cfg)
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

func (f *fakeAPI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reports)
}

// The status is pushed on charon's ike-updown and child-updown events: with
// the periodic report an hour away and the SAs never polled, an event alone
// brings the new status to the API.
func TestAgentReportsOnSAEvents(t *testing.T) {
	st := fixtureState(t)
	st.ReportInterval = 3600
	api := newFakeAPI(st)
	c := newFakeCharon()
	runAgentWith(t, api, c, func(cfg *Config) {
		cfg.PollEvery, cfg.ReconcileEvery, cfg.InitiateEvery = time.Hour, time.Hour, time.Hour
	})
	a := "vpcvpn.vpn-gw1.vco-a"
	eventually(t, "first report", func() bool { _, ok := api.last()[Key{"vco-a", ""}]; return ok })
	eventually(t, "vco-a loaded", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.conns[a] != nil
	})
	if st := statusOf(api, "vco-a", ""); st.Status != vpn.StatusIkeNotEstablished {
		t.Fatalf("before the SA: %+v", st)
	}
	c.up(a)
	c.events <- Event{Name: "ike-updown"}
	c.events <- Event{Name: "child-updown"}
	eventually(t, "ike-updown reported", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished })
	// The CHILD_SA goes (IKE_SA stays): child-updown reports it.
	c.mu.Lock()
	for i := range c.sas {
		if c.sas[i].Name == a {
			c.sas[i].Children = nil
		}
	}
	c.mu.Unlock()
	c.events <- Event{Name: "child-updown"}
	eventually(t, "child-updown reported", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIkeEstablished })
	// The IKE_SA goes: ike-updown reports it.
	c.mu.Lock()
	c.sas = nil
	c.mu.Unlock()
	c.events <- Event{Name: "ike-updown"}
	eventually(t, "IKE down reported", func() bool { return statusOf(api, "vco-a", "").Status == vpn.StatusIkeNotEstablished })
}

// Without events the agent reports every ReportInterval of the desired
// state (5 s from the server; 1 s here), numbered 1, 2, 3, ... by one
// instance.
func TestAgentPeriodicReports(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	ag, _ := runAgentWith(t, api, c, func(cfg *Config) { cfg.PollEvery, cfg.ReconcileEvery = time.Hour, time.Hour })
	eventually(t, "4 reports", func() bool { return api.count() >= 4 })
	api.mu.Lock()
	defer api.mu.Unlock()
	for i, r := range api.reports[:4] {
		if r.Sequence != int64(i+1) || r.InstanceID != ag.InstanceID() || r.Gateway != fixtureGW || len(r.Tunnels) != 4 {
			t.Fatalf("report %d: seq %d instance %s gateway %s, %d tunnels", i, r.Sequence, r.InstanceID, r.Gateway, len(r.Tunnels))
		}
	}
	if vpn.AgentReportInterval != 5*time.Second {
		t.Fatalf("default report interval %v, want 5 s", vpn.AgentReportInterval)
	}
}

// The API unreachable: the desired state is retried with a backoff that
// doubles (each wait at least 7/8 of MinBackoff·2^k), and so is charon's
// socket (from MinBackoff/2).
func TestAgentBackoff(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	api.setDown(true)
	var mu sync.Mutex
	var fetches, dials []time.Time
	api.onFetch = func() { mu.Lock(); fetches = append(fetches, time.Now()); mu.Unlock() }
	c := newFakeCharon()
	c.dialErrs = 5
	c.onDial = func() { mu.Lock(); dials = append(dials, time.Now()); mu.Unlock() }
	runAgentWith(t, api, c, func(cfg *Config) { cfg.MinBackoff, cfg.MaxBackoff = 40*time.Millisecond, time.Hour })
	eventually(t, "5 fetches and 6 dials", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(fetches) >= 5 && len(dials) >= 6
	})
	mu.Lock()
	defer mu.Unlock()
	check := func(what string, ts []time.Time, min time.Duration, n int) {
		for k := range n {
			gap, want := ts[k+1].Sub(ts[k]), min<<k-(min<<k)/8
			if gap < want {
				t.Errorf("%s: retry %d after %v, want at least %v (doubling from %v)", what, k+1, gap, want, min)
			}
		}
	}
	check("desired state", fetches, 40*time.Millisecond, 4)
	check("charon", dials, 20*time.Millisecond, 5)
	// Nothing was done to charon without a desired state.
	for _, call := range c.Calls() {
		if !strings.HasPrefix(call, "list") {
			t.Fatalf("without the API the agent sent %s", call)
		}
	}
}

func TestBackoffSequence(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	for round := range 2 {
		for _, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
			want *= time.Millisecond
			if d := b.next(); d < want-want/8 || d > want+want/8 {
				t.Fatalf("round %d: next() = %v, want %v ± 1/8", round, d, want)
			}
		}
		b.reset()
	}
}

// scrape reads the metrics without labels (and with their label text) as
// name -> value.
func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = f
		}
	}
	return out
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records returns the JSON log records with message msg.
func (s *syncBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	text := s.b.String()
	s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// /metrics: tunnels desired and up, reconcile errors, last sync and report,
// charon connected; and one log line per change (a load, a refusal, a
// removal, a tunnel's status), none with a PSK.
func TestAgentMetricsAndChangeLog(t *testing.T) {
	api := newFakeAPI(fixtureState(t))
	c := newFakeCharon()
	c.autoUp = true
	c.refuse["vpcvpn.vpn-gw1.vco-d.slave"] = "invalid value for: proposals, config discarded"
	m := NewMetrics()
	var logs syncBuffer
	start := time.Now()
	_, stop := runAgentWith(t, api, c, func(cfg *Config) {
		cfg.Metrics = m
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.PollEvery, cfg.ReconcileEvery, cfg.InitiateEvery = time.Hour, time.Hour, time.Hour
	})
	eventually(t, "master loaded", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.conns["vpcvpn.vpn-gw1.vco-d.master"] != nil
	})
	c.up("vpcvpn.vpn-gw1.vco-d.master")
	c.events <- Event{Name: "ike-updown"}
	eventually(t, "two tunnels up in a report", func() bool {
		return statusOf(api, "vco-a", "").Status == vpn.StatusIpsecEstablished &&
			statusOf(api, "vco-d", "tun-vco-dm").Status == vpn.StatusIpsecEstablished &&
			strings.Contains(statusOf(api, "vco-d", "tun-vco-ds").LastError, "charon refused")
	})
	eventually(t, "metrics of the report", func() bool { return scrape(t, m)["vpcvpn_agent_tunnels_up"] == 2 })
	got := scrape(t, m)
	for name, want := range map[string]float64{
		"vpcvpn_agent_tunnels_desired":                                          4,
		"vpcvpn_agent_tunnels_up":                                               2,
		`vpcvpn_agent_tunnels{status="ipsec_sa_established"}`:                   2,
		`vpcvpn_agent_tunnels{status="ike_sa_not_established"}`:                 2,
		"vpcvpn_agent_desired_generation":                                       1,
		"vpcvpn_agent_reconcile_errors_total":                                   1,
		`vpcvpn_agent_charon_connected{vici="/run/charon.vici"}`:                1,
		`vpcvpn_agent_api_errors_total{action="DownloadVpnGatewayAgentConfig"}`: 0,
	} {
		if v, ok := got[name]; (!ok && want != 0) || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if got["vpcvpn_agent_reconciles_total"] < 1 {
		t.Errorf("vpcvpn_agent_reconciles_total = %v", got["vpcvpn_agent_reconciles_total"])
	}
	for _, name := range []string{"vpcvpn_agent_last_sync_timestamp_seconds", "vpcvpn_agent_last_report_timestamp_seconds"} {
		if v := got[name]; v < float64(start.Unix()) || v > float64(time.Now().Unix()+1) {
			t.Errorf("%s = %v, want between %d and now", name, v, start.Unix())
		}
	}

	// One log line per change.
	names := func(msg string) []string {
		var out []string
		for _, r := range logs.records(t, msg) {
			out = append(out, r["conn"].(string))
		}
		return out
	}
	if got := strings.Join(names("loaded connection"), " "); got != "vpcvpn.vpn-gw1.vco-a vpcvpn.vpn-gw1.vco-b vpcvpn.vpn-gw1.vco-d.master" {
		t.Errorf("loaded connection lines: %s", got)
	}
	if got := strings.Join(names("charon refused the connection; the other tunnels are not affected"), " "); got != "vpcvpn.vpn-gw1.vco-d.slave" {
		t.Errorf("refusal lines: %s", got)
	}
	// b is deleted: one removal line; a's status change: one line.
	a, ac := singleConn("vco-a", "198.51.100.10", "psk-a", true, 1)
	api.set(desiredFixture(agentConn(a, ac)))
	// (the slave was never loaded: nothing to remove).
	eventually(t, "b and d removed", func() bool { return len(logs.records(t, "removed connection: no longer desired")) >= 2 })
	removed := names("removed connection: no longer desired")
	sort.Strings(removed)
	if got := strings.Join(removed, " "); got != "vpcvpn.vpn-gw1.vco-b vpcvpn.vpn-gw1.vco-d.master" {
		t.Errorf("removal lines: %s", got)
	}
	statusLines := func(conn string) int {
		n := 0
		for _, r := range logs.records(t, "tunnel status") {
			if r["connection"] == conn {
				n++
			}
		}
		return n
	}
	na := statusLines("vco-a")
	c.mu.Lock()
	c.sas = nil
	c.mu.Unlock()
	c.events <- Event{Name: "ike-updown"}
	eventually(t, "a's status change logged", func() bool { return statusLines("vco-a") == na+1 })
	eventually(t, "metrics after the change", func() bool {
		g := scrape(t, m)
		return g["vpcvpn_agent_tunnels_desired"] == 1 && g["vpcvpn_agent_tunnels_up"] == 0 && g["vpcvpn_agent_desired_generation"] == 2
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"psk-a", "psk-b", "dual-master", "dual-slave"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the agent's log holds the PSK %q", secret)
		}
	}
	if n := len(logs.records(t, "tunnel status")); n < 4 {
		t.Errorf("%d tunnel status lines", n)
	}
}
