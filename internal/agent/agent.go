// Package agent is vpcvpn's gateway agent: one process per VPN gateway, on
// the host that holds the gateway's public address(es), that makes every
// IPsec-VPN connection of the gateway a live tunnel of strongSwan's charon.
//
// It pulls the gateway-side desired state from the API
// (DownloadVpnGatewayAgentConfig, a long-poll), renders each tunnel with
// internal/render's gateway view (BuildUnits), and reconciles charon over
// VICI (Plan: load-shared + load-conn for new and changed tunnels,
// terminate + unload-conn for the ones no longer desired, initiate for
// EffectImmediately tunnels that are down). It owns only the connections
// whose names start with Prefix(gateway) and never touches others; an
// unchanged connection is never reloaded, so a restart of the agent does not
// disturb a tunnel. It reports every tunnel's status and charon's log lines
// (ReportVpnGatewayAgentStatus) on every IKE/CHILD_SA up or down event and
// at least every ReportInterval.
//
// Failures: charon restarted or its VICI socket lost -> reconnect with
// backoff and reconcile (everything is loaded again); the API unreachable ->
// the tunnels stay as they are ("fail static") and the agent retries with
// backoff; a tunnel charon refuses -> that tunnel's last error, the others
// converge; SIGTERM (context cancelled) -> Run returns nil and leaves the
// tunnels up.
package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// API is the agent's side of the vpcvpn API (*Client).
type API interface {
	DesiredState(ctx context.Context, gateway string, gen int64, has bool, wait time.Duration) (*vpn.AgentConfig, error)
	Send(ctx context.Context, r *Report) error
}

// Config configures an Agent. Zero durations take the defaults.
type Config struct {
	API       API
	GatewayID string
	// Vici is the VICI socket of the charon that holds the gateway's
	// InternetIp; DRVici the one that holds DisasterRecoveryInternetIp
	// (slave tunnels), "" for the same charon.
	Vici, DRVici string
	// Dial connects to a charon; nil means DialVICI.
	Dial     func(ctx context.Context, path string) (Charon, error)
	Logger   *slog.Logger
	Metrics  *Metrics // nil: none
	Version  string
	Hostname string
	// Wait is the long-poll of the desired state (default and at most 25 s).
	Wait time.Duration
	// ReconcileEvery re-checks charon against the desired state even
	// without a change (default 30 s): someone unloaded a connection.
	ReconcileEvery time.Duration
	// PollEvery reads the SAs (default 5 s; events read them at once).
	PollEvery time.Duration
	// InitiateEvery is how long an EffectImmediately tunnel that is down
	// waits before it is initiated again (default 10 s).
	InitiateEvery time.Duration
	// MinBackoff and MaxBackoff bound the retries of the API and of
	// charon connections (defaults 500 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	Now                    func() time.Time
}

func (c *Config) defaults() {
	if c.Wait <= 0 || c.Wait > vpn.MaxAgentWait {
		c.Wait = vpn.MaxAgentWait
	}
	if c.ReconcileEvery <= 0 {
		c.ReconcileEvery = 30 * time.Second
	}
	if c.PollEvery <= 0 {
		c.PollEvery = 5 * time.Second
	}
	if c.InitiateEvery <= 0 {
		c.InitiateEvery = 10 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Dial == nil {
		c.Dial = DialVICI
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.DRVici == "" {
		c.DRVici = c.Vici
	}
}

// Limits of what the agent buffers while the API cannot be reached.
const (
	maxBufferedLines = 20000
	maxPendingUIDs   = 1000
	maxPendingLines  = 100
	pendingTTL       = time.Minute
)

// Agent is a running gateway agent.
type Agent struct {
	cfg      Config
	log      *slog.Logger
	instance string
	managers []*manager
	report   chan struct{} // a report is due

	mu        sync.Mutex
	desired   *desiredState // nil until the first desired state arrived
	errs      map[string]UnitError
	logs      []vpn.AgentLogLine
	dropped   int
	seq       int64
	statusFP  map[Key]string // last reported status per tunnel (change log lines)
	reportGap bool           // the last report failed
}

type desiredState struct {
	gen      int64
	interval time.Duration
	units    []Unit
	byName   map[string]*Unit
	at       time.Time
}

// New returns an agent for cfg.
func New(cfg Config) *Agent {
	cfg.defaults()
	var b [8]byte
	_, _ = rand.Read(b[:])
	a := &Agent{cfg: cfg, log: cfg.Logger, instance: hex.EncodeToString(b[:]), report: make(chan struct{}, 1),
		errs: map[string]UnitError{}, statusFP: map[Key]string{}}
	a.managers = append(a.managers, newManager(a, cfg.Vici, cfg.Vici == cfg.DRVici, false))
	if cfg.DRVici != cfg.Vici {
		a.managers = append(a.managers, newManager(a, cfg.DRVici, false, true))
	}
	return a
}

// InstanceID is the agent process's id in its reports.
func (a *Agent) InstanceID() string { return a.instance }

// ErrStartup wraps a permanent API error of the first desired-state fetch
// (unknown key, no permission, unknown gateway): Run returns it so that a
// misconfigured agent stops with a clear message. Charon is not touched.
var ErrStartup = errors.New("cannot start")

// Run runs the agent until ctx ends (nil: SIGTERM; the tunnels stay up) or
// the first desired-state fetch fails permanently (ErrStartup).
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range a.managers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.run(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.reporter(ctx)
	}()
	a.log.Info("gateway agent started", "gateway", a.cfg.GatewayID, "instance", a.instance, "vici", a.cfg.Vici, "dr_vici", a.cfg.DRVici)
	err := a.fetch(ctx)
	cancel()
	wg.Wait()
	if err != nil {
		return err
	}
	a.log.Info("gateway agent stopped; the tunnels stay as they are")
	return nil
}

// backoff doubles from MinBackoff to MaxBackoff, with jitter.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur < b.min {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	j, _ := rand.Int(rand.Reader, big.NewInt(int64(b.cur/4)+1))
	return b.cur - b.cur/8 + time.Duration(j.Int64())
}

func (b *backoff) reset() { b.cur = 0 }

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fetch long-polls the desired state until ctx ends.
func (a *Agent) fetch(ctx context.Context) error {
	bo := backoff{min: a.cfg.MinBackoff, max: a.cfg.MaxBackoff}
	var gen int64
	has, failing := false, false
	for ctx.Err() == nil {
		cfg, err := a.cfg.API.DesiredState(ctx, a.cfg.GatewayID, gen, has, a.cfg.Wait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ae *APIError
			if !has && errors.As(err, &ae) && ae.Permanent() {
				return fmt.Errorf("%w: %v", ErrStartup, err)
			}
			a.cfg.Metrics.apiError("DownloadVpnGatewayAgentConfig")
			d := bo.next()
			if !failing {
				a.log.Warn("cannot fetch the desired state; the tunnels stay as they are (fail static), retrying", "err", err, "retry_in", d.Round(time.Millisecond))
			} else {
				a.log.Debug("desired state still unreachable", "err", err, "retry_in", d.Round(time.Millisecond))
			}
			failing = true
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		if failing {
			a.log.Info("desired state reachable again")
		}
		failing = false
		bo.reset()
		a.cfg.Metrics.synced(a.cfg.Now())
		if cfg.NotModified {
			continue
		}
		a.apply(cfg)
		gen, has = cfg.Generation, true
	}
	return nil
}

// apply installs a new desired state and wakes the charons.
func (a *Agent) apply(cfg *vpn.AgentConfig) {
	units := BuildUnits(cfg)
	d := &desiredState{gen: cfg.Generation, units: units, byName: map[string]*Unit{}, at: a.cfg.Now(),
		interval: time.Duration(cfg.ReportInterval) * time.Second}
	if d.interval <= 0 {
		d.interval = vpn.AgentReportInterval
	}
	a.mu.Lock()
	old := a.desired
	for i := range d.units {
		u := &d.units[i]
		d.byName[u.Name] = u
		if u.Err != "" {
			a.errs[u.Name] = UnitError{Msg: u.Err, At: d.at}
		} else if prev, ok := a.errs[u.Name]; ok && old != nil {
			if o := old.byName[u.Name]; o != nil && o.Err != "" && prev.Msg == o.Err {
				delete(a.errs, u.Name) // the render error is gone
			}
		}
	}
	a.desired = d
	a.mu.Unlock()
	bad := 0
	for _, u := range units {
		if u.Err != "" {
			bad++
			a.log.Warn("tunnel cannot be loaded", "connection", u.ConnectionID, "tunnel", u.TunnelID, "err", u.Err)
		}
	}
	a.log.Info("desired state", "generation", cfg.Generation, "connections", len(cfg.VpnConnections.VpnConnection), "tunnels", len(units), "unloadable", bad)
	a.cfg.Metrics.desired(cfg.Generation, len(units))
	for _, m := range a.managers {
		m.poke()
	}
	a.triggerReport()
}

// unitsFor returns the desired units of a manager (nil: none known yet).
func (a *Agent) unitsFor(m *manager) []Unit {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.desired == nil {
		return nil
	}
	out := []Unit{}
	for _, u := range a.desired.units {
		if m.owns(&u) {
			out = append(out, u)
		}
	}
	return out
}

func (a *Agent) unit(name string) *Unit {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.desired == nil {
		return nil
	}
	return a.desired.byName[name]
}

func (a *Agent) setError(name, msg string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.errs[name] = UnitError{Msg: msg, At: at}
}

func (a *Agent) clearError(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.errs, name)
}

// addLog buffers one of charon's lines for the next report.
func (a *Agent) addLog(u *Unit, at time.Time, line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.logs) >= maxBufferedLines {
		a.logs = a.logs[1:]
		a.dropped++
		a.cfg.Metrics.droppedLine()
	}
	a.logs = append(a.logs, vpn.AgentLogLine{VpnConnectionId: u.ConnectionID, TunnelId: u.TunnelID, Time: at.UnixMilli(), Line: line})
}

func (a *Agent) triggerReport() {
	select {
	case a.report <- struct{}{}:
	default:
	}
}

// manager keeps one charon reconciled.
type manager struct {
	a        *Agent
	path     string
	main, dr bool // which tunnels: main (single, master), dr (slave)
	wake     chan struct{}

	mu        sync.Mutex
	connected bool
	connErr   string
	sas       []IKESA
	failed    map[string]Failure
	initiated map[string]time.Time
	uidName   map[string]string
	pending   map[string]*pendingLines
}

type pendingLines struct {
	since time.Time
	lines []Event
}

func newManager(a *Agent, path string, both, dr bool) *manager {
	return &manager{a: a, path: path, main: !dr, dr: both || dr, wake: make(chan struct{}, 1),
		failed: map[string]Failure{}, initiated: map[string]time.Time{}, uidName: map[string]string{}, pending: map[string]*pendingLines{}}
}

func (m *manager) owns(u *Unit) bool {
	if u.DR {
		return m.dr
	}
	return m.main
}

func (m *manager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *manager) run(ctx context.Context) {
	bo := backoff{min: m.a.cfg.MinBackoff / 2, max: min(m.a.cfg.MaxBackoff, 5*time.Second)}
	reported := false
	for ctx.Err() == nil {
		c, err := m.a.cfg.Dial(ctx, m.path)
		if err != nil {
			m.setDown(err.Error())
			if !reported {
				m.a.log.Warn("cannot connect to charon; retrying", "vici", m.path, "err", err)
				reported = true
			}
			m.a.cfg.Metrics.charon(m.path, false)
			if !sleep(ctx, bo.next()) {
				return
			}
			continue
		}
		bo.reset()
		reported = false
		m.a.log.Info("connected to charon", "vici", m.path)
		m.a.cfg.Metrics.charon(m.path, true)
		m.session(ctx, c)
		c.Close()
		m.a.cfg.Metrics.charon(m.path, false)
		if ctx.Err() != nil {
			return
		}
		m.a.log.Warn("lost the connection to charon; reconnecting and reloading", "vici", m.path)
		m.setDown("lost the connection to charon at " + m.path)
		m.a.triggerReport()
	}
}

func (m *manager) setDown(why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.connected, m.connErr, m.sas = false, why, nil
	// A new charon has none of the old unique ids or initiations.
	m.uidName, m.pending, m.initiated = map[string]string{}, map[string]*pendingLines{}, map[string]time.Time{}
}

// session serves one connection to charon until it is lost or ctx ends.
func (m *manager) session(ctx context.Context, c Charon) {
	m.mu.Lock()
	m.connected, m.connErr = true, ""
	m.mu.Unlock()
	if err := m.reconcile(ctx, c); err != nil && ctx.Err() == nil {
		m.a.log.Warn("reconcile failed", "vici", m.path, "err", err)
	}
	poll := time.NewTicker(m.a.cfg.PollEvery)
	defer poll.Stop()
	recon := time.NewTicker(m.a.cfg.ReconcileEvery)
	defer recon.Stop()
	var soon <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
			if err := m.reconcile(ctx, c); err != nil && ctx.Err() == nil {
				m.a.log.Warn("reconcile failed", "vici", m.path, "err", err)
			}
		case <-recon.C:
			if err := m.reconcile(ctx, c); err != nil && ctx.Err() == nil {
				m.a.log.Warn("reconcile failed", "vici", m.path, "err", err)
			}
		case ev, ok := <-c.Events():
			if !ok {
				return
			}
			if m.acquire(ctx, c, ev) {
				continue
			}
			if m.event(ev) && soon == nil {
				soon = time.After(50 * time.Millisecond) // several events come at once
			}
		case <-soon:
			soon = nil
			if err := m.refresh(ctx, c); err != nil {
				return
			}
			m.a.triggerReport()
		case <-poll.C:
			if err := m.refresh(ctx, c); err != nil {
				return
			}
			if m.a.unitsFor(m) != nil {
				// Initiations of EffectImmediately tunnels that went down.
				if err := m.reconcile(ctx, c); err != nil && ctx.Err() == nil {
					m.a.log.Warn("reconcile failed", "vici", m.path, "err", err)
				}
			}
		}
	}
}

// refresh reads the SAs; an error means the connection is broken.
func (m *manager) refresh(ctx context.Context, c Charon) error {
	sas, err := c.SAs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.a.log.Warn("list-sas failed", "vici", m.path, "err", err)
		}
		return err
	}
	m.mu.Lock()
	m.sas = sas
	for _, sa := range sas {
		// A responder's IKE_SA is "(unnamed)" until its configuration is
		// found: the name comes later (from an event or the next read).
		if sa.Name != "" && sa.Name != unnamed {
			m.uidName[sa.UniqueID] = sa.Name
		}
	}
	m.mu.Unlock()
	return nil
}

// reconcile plans and executes the steps that bring charon to the desired
// state of its units.
func (m *manager) reconcile(ctx context.Context, c Charon) error {
	units := m.a.unitsFor(m)
	if units == nil {
		return m.refresh(ctx, c) // nothing desired yet: touch nothing
	}
	conns, err := c.Conns(ctx)
	if err != nil {
		return fmt.Errorf("get-conns: %w", err)
	}
	shared, err := c.SharedIDs(ctx)
	if err != nil {
		return fmt.Errorf("get-shared: %w", err)
	}
	sas, err := c.SAs(ctx)
	if err != nil {
		return fmt.Errorf("list-sas: %w", err)
	}
	now := m.a.cfg.Now()
	m.mu.Lock()
	in := PlanInput{Prefix: Prefix(m.a.cfg.GatewayID), Units: units, Conns: conns, SharedIDs: shared, SAs: sas,
		Failed: copyMap(m.failed), Initiated: copyMap(m.initiated), Now: now, InitiateEvery: m.a.cfg.InitiateEvery}
	m.mu.Unlock()
	plan := Plan(in)
	m.a.cfg.Metrics.reconciled()
	changed := false
	for _, act := range plan {
		if m.execute(ctx, c, act, now) {
			changed = true
		}
	}
	if changed {
		if err := m.refresh(ctx, c); err != nil {
			return err
		}
		m.a.triggerReport()
	} else {
		m.mu.Lock()
		m.sas = sas
		m.mu.Unlock()
	}
	return nil
}

func copyMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// execute runs one step and reports whether charon changed.
func (m *manager) execute(ctx context.Context, c Charon, act Action, now time.Time) bool {
	log := m.a.log.With("vici", m.path, "conn", act.Name)
	if u := act.Unit; u != nil {
		log = log.With("connection", u.ConnectionID)
		if u.TunnelID != "" {
			log = log.With("tunnel", u.TunnelID, "role", u.Role)
		}
	}
	switch act.Kind {
	case Remove:
		if err := c.UnloadConn(ctx, act.Name); err != nil {
			m.a.cfg.Metrics.reconcileError()
			log.Warn("unload-conn failed", "err", err)
			return false
		}
		m.terminate(ctx, c, log, act.Terminate)
		m.a.clearError(act.Name)
		m.mu.Lock()
		delete(m.failed, act.Name)
		delete(m.initiated, act.Name)
		m.mu.Unlock()
		log.Info("removed connection: no longer desired", "terminated", len(act.Terminate))
		return true
	case Load, Reload:
		u := act.Unit
		if err := c.LoadShared(ctx, u.Shared); err != nil {
			m.refused(log, u, "load-shared", err, now)
			return false
		}
		if err := c.LoadConn(ctx, u.Conn); err != nil {
			_ = c.UnloadShared(ctx, u.Shared.ID) // not current: retried later
			m.refused(log, u, "load-conn", err, now)
			return false
		}
		m.terminate(ctx, c, log, act.Terminate)
		m.mu.Lock()
		delete(m.failed, u.Name)
		if u.Immediate {
			m.initiated[u.Name] = now // start_action = start initiates
		}
		m.mu.Unlock()
		m.a.clearError(u.Name)
		verb := "loaded connection"
		if act.Kind == Reload {
			verb = "reloaded connection: configuration changed"
		}
		log.Info(verb, "local", u.Local, "remote", u.Remote, "children", len(u.Children), "effect_immediately", u.Immediate, "hash", u.Hash,
			"terminated", len(act.Terminate))
		return true
	case UnloadShared:
		if err := c.UnloadShared(ctx, act.SharedID); err != nil {
			log.Warn("unload-shared failed", "key", act.SharedID, "err", err)
			return false
		}
		log.Debug("unloaded shared key", "key", act.SharedID)
		return true
	case Initiate:
		u := act.Unit
		m.mu.Lock()
		m.initiated[u.Name] = now
		m.mu.Unlock()
		for _, ch := range act.Children {
			if err := c.Initiate(ctx, u.Name, ch); err != nil {
				m.a.setError(u.Name, "initiate "+ch+": "+err.Error(), now)
				log.Warn("initiate failed", "child", ch, "err", err)
			}
		}
		log.Info("initiating tunnel (EffectImmediately, down)", "children", strings.Join(act.Children, ","))
		return true
	}
	return false
}

// terminate deletes IKE_SAs by unique id (errors are logged: an SA that is
// already gone is fine).
func (m *manager) terminate(ctx context.Context, c Charon, log *slog.Logger, ids []string) {
	for _, id := range ids {
		if err := c.Terminate(ctx, id); err != nil {
			log.Warn("terminate failed", "ike_sa", id, "err", err)
		}
	}
}

// refused records that charon refused a unit.
func (m *manager) refused(log *slog.Logger, u *Unit, step string, err error, now time.Time) {
	m.mu.Lock()
	f := m.failed[u.Name]
	if f.Hash != u.Hash {
		f = Failure{Hash: u.Hash}
	}
	f.Attempts++
	d := 5 * time.Second << min(f.Attempts-1, 6)
	f.Until, f.Err = now.Add(min(d, 5*time.Minute)), err.Error()
	m.failed[u.Name] = f
	m.mu.Unlock()
	m.a.setError(u.Name, "charon refused the connection ("+step+"): "+err.Error(), now)
	m.a.cfg.Metrics.reconcileError()
	log.Warn("charon refused the connection; the other tunnels are not affected", "step", step, "err", err, "retry_after", f.Until.Sub(now))
}

// noSA is kernel-libipsec's log line for a packet that matched a policy
// without an SA. Unlike the kernel, libipsec sends charon no acquire for a
// trap policy (a TODO in its ipsec_processor.c), so on such hosts a trap
// never negotiates: the agent initiates the tunnel itself on this line.
var noSA = regexp.MustCompile(`could not find an outbound IPsec SA for reqid \{(\d+)\}`)

// acquire handles libipsec's "no outbound SA" line for a trap tunnel of
// this charon: it initiates the CHILD_SA with that reqid (at most every
// InitiateEvery). It reports whether ev was such a line.
func (m *manager) acquire(ctx context.Context, c Charon, ev Event) bool {
	if ev.Name != "log" || ev.Group != "ESP" {
		return false
	}
	mt := noSA.FindStringSubmatch(ev.Msg)
	if mt == nil {
		return false
	}
	for _, u := range m.a.unitsFor(m) {
		if u.Conn == nil {
			continue
		}
		for _, ch := range u.Conn.Child("children").Children() {
			if r, _ := ch.Get("reqid"); r != mt[1] {
				continue
			}
			now := m.a.cfg.Now()
			m.mu.Lock()
			last, ok := m.initiated[u.Name]
			recent := ok && now.Sub(last) < m.a.cfg.InitiateEvery
			if !recent {
				m.initiated[u.Name] = now
			}
			m.mu.Unlock()
			if recent {
				return true
			}
			m.a.log.Info("traffic for a trap tunnel: initiating it (kernel-libipsec sends no acquire)", "vici", m.path,
				"conn", u.Name, "connection", u.ConnectionID, "child", ch.Name)
			if err := c.Initiate(ctx, u.Name, ch.Name); err != nil {
				m.a.setError(u.Name, "initiate "+ch.Name+": "+err.Error(), now)
			}
			return true
		}
	}
	return true
}

// unnamed is charon's name of an IKE_SA without configuration yet.
const unnamed = "(unnamed)"

var addrInLog = regexp.MustCompile(`(?:received packet: from |^)(\d{1,3}(?:\.\d{1,3}){3})(?:\[\d+\]| is initiating)`)

// event handles one charon event and reports whether the SAs should be read
// again.
func (m *manager) event(ev Event) bool {
	if ev.Name != "log" {
		return true
	}
	if ev.Time.IsZero() {
		ev.Time = m.a.cfg.Now()
	}
	prefix := Prefix(m.a.cfg.GatewayID)
	m.mu.Lock()
	name := ev.IKEName
	if name == unnamed {
		name = ""
	}
	if name == "" && ev.IKEUniqueID != "" {
		name = m.uidName[ev.IKEUniqueID]
	}
	if name == "" && ev.IKEUniqueID != "" {
		// A responder learns the connection only during the exchange:
		// attribute by the peer address, or keep the line until the
		// SA is named.
		if mt := addrInLog.FindStringSubmatch(ev.Msg); mt != nil {
			name = m.byRemote(mt[1])
		}
		if name == "" {
			m.keepPending(ev)
			m.mu.Unlock()
			return false
		}
	}
	if name == "" || !strings.HasPrefix(name, prefix) {
		m.mu.Unlock()
		return false
	}
	var flush []Event
	if ev.IKEUniqueID != "" {
		m.uidName[ev.IKEUniqueID] = name
		if p := m.pending[ev.IKEUniqueID]; p != nil {
			flush = p.lines
			delete(m.pending, ev.IKEUniqueID)
		}
	}
	m.mu.Unlock()
	u := m.a.unit(name)
	if u == nil {
		return false
	}
	for _, e := range append(flush, ev) {
		m.a.addLog(u, e.Time, logText(name, e))
		if s := ErrorStrength(e.Msg); s > 0 {
			m.a.logError(name, UnitError{Msg: e.Msg, At: e.Time, strength: s})
		}
	}
	return false
}

// logError records an error line of charon's log as a unit's last error,
// unless a more precise one was recorded within the last few seconds (the
// line that says why beats the ones that say what failed because of it).
func (a *Agent) logError(name string, e UnitError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.errs[name]; ok && old.strength > e.strength && e.At.Sub(old.At) < 5*time.Second {
		return
	}
	a.errs[name] = e
}

// byRemote returns the owned unit whose peer is addr (one only). Called
// with m.mu held.
func (m *manager) byRemote(addr string) string {
	if net.ParseIP(addr) == nil {
		return ""
	}
	found := ""
	for _, u := range m.a.unitsFor(m) {
		if u.Remote == addr {
			if found != "" {
				return ""
			}
			found = u.Name
		}
	}
	return found
}

// keepPending keeps a line of an SA without a name yet. Called with m.mu
// held.
func (m *manager) keepPending(ev Event) {
	now := m.a.cfg.Now()
	for uid, p := range m.pending {
		if now.Sub(p.since) > pendingTTL {
			delete(m.pending, uid)
		}
	}
	p := m.pending[ev.IKEUniqueID]
	if p == nil {
		if len(m.pending) >= maxPendingUIDs {
			return
		}
		p = &pendingLines{since: now}
		m.pending[ev.IKEUniqueID] = p
	}
	if len(p.lines) < maxPendingLines {
		p.lines = append(p.lines, ev)
	}
}

// logText is a log line as shipped: "[GROUP] <name|uid> message", as
// charon writes it with ike_name = yes.
func logText(name string, e Event) string {
	if e.IKEUniqueID != "" {
		return fmt.Sprintf("[%s] <%s|%s> %s", e.Group, name, e.IKEUniqueID, e.Msg)
	}
	return fmt.Sprintf("[%s] <%s> %s", e.Group, name, e.Msg)
}

// snapshot is what the reporter reads of a manager.
func (m *manager) snapshot() (connected bool, why string, sas []IKESA) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.connected, m.connErr, m.sas
}

// reporter sends reports every interval and when one is due.
func (a *Agent) reporter(ctx context.Context) {
	bo := backoff{min: a.cfg.MinBackoff, max: a.cfg.MaxBackoff}
	var retryAt time.Time
	for {
		interval := vpn.AgentReportInterval
		a.mu.Lock()
		if a.desired != nil {
			interval = a.desired.interval
		}
		a.mu.Unlock()
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-a.report:
			t.Stop()
			// Events come in bursts (an IKE_SA and its CHILD_SAs):
			// one report for all of them.
			if !sleep(ctx, 100*time.Millisecond) {
				return
			}
		}
		if now := a.cfg.Now(); now.Before(retryAt) {
			continue
		}
		if err := a.sendReports(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			d := bo.next()
			retryAt = a.cfg.Now().Add(d)
			a.cfg.Metrics.apiError("ReportVpnGatewayAgentStatus")
			a.mu.Lock()
			first := !a.reportGap
			a.reportGap = true
			a.mu.Unlock()
			if first {
				a.log.Warn("cannot report the status; retrying (the tunnels are not affected)", "err", err, "retry_in", d.Round(time.Millisecond))
			}
			continue
		}
		bo.reset()
		retryAt = time.Time{}
		a.mu.Lock()
		if a.reportGap {
			a.reportGap = false
			a.log.Info("reporting again")
		}
		a.mu.Unlock()
	}
}

// Statuses returns the current status of every desired tunnel, sorted.
func (a *Agent) Statuses() []vpn.AgentTunnelReport {
	now := a.cfg.Now()
	type view struct {
		connected bool
		why       string
		sas       []IKESA
	}
	views := map[*manager]view{}
	for _, m := range a.managers {
		c, w, s := m.snapshot()
		views[m] = view{c, w, s}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.desired == nil {
		return nil
	}
	out := make([]vpn.AgentTunnelReport, 0, len(a.desired.units))
	for i := range a.desired.units {
		u := &a.desired.units[i]
		var mgr *manager
		for _, m := range a.managers {
			if m.owns(u) {
				mgr = m
			}
		}
		v := views[mgr]
		uerr := a.errs[u.Name]
		if !v.connected && u.Err == "" && v.why != "" {
			uerr = UnitError{Msg: "charon not reachable: " + v.why, At: now}
		}
		out = append(out, TunnelStatus(u, v.sas, uerr, now))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VpnConnectionId != out[j].VpnConnectionId {
			return out[i].VpnConnectionId < out[j].VpnConnectionId
		}
		return out[i].TunnelId < out[j].TunnelId
	})
	return out
}

// sendReports sends the statuses and the buffered log lines, in as many
// reports as their size needs.
func (a *Agent) sendReports(ctx context.Context) error {
	tunnels := a.Statuses()
	a.logChanges(tunnels)
	a.mu.Lock()
	gen := int64(0)
	if a.desired != nil {
		gen = a.desired.gen
	}
	lines := append([]vpn.AgentLogLine(nil), a.logs...)
	a.mu.Unlock()
	up := 0
	for _, t := range tunnels {
		if t.Status == vpn.StatusIpsecEstablished {
			up++
		}
	}
	a.cfg.Metrics.tunnels(tunnels)
	sentLines := 0
	for {
		budget := maxReportBody - 2048
		r := &Report{Gateway: a.cfg.GatewayID, InstanceID: a.instance, Version: a.cfg.Version, Hostname: a.cfg.Hostname, Generation: gen}
		for len(tunnels) > 0 && len(r.Tunnels) < vpn.MaxReportTunnels {
			s := encodedSize(tunnels[0])
			if s > budget && len(r.Tunnels) > 0 {
				break
			}
			budget -= s
			r.Tunnels = append(r.Tunnels, tunnels[0])
			tunnels = tunnels[1:]
		}
		for sentLines < len(lines) && len(r.LogLines) < vpn.MaxReportLogLines {
			s := encodedSize(lines[sentLines])
			if s > budget && (len(r.LogLines) > 0 || len(r.Tunnels) > 0) {
				break
			}
			budget -= s
			r.LogLines = append(r.LogLines, lines[sentLines])
			sentLines++
		}
		a.mu.Lock()
		a.seq++
		r.Sequence = a.seq
		a.mu.Unlock()
		if err := a.cfg.API.Send(ctx, r); err != nil {
			a.dropSent(sentLines - len(r.LogLines))
			return err
		}
		if len(tunnels) == 0 && sentLines == len(lines) {
			break
		}
	}
	a.dropSent(sentLines)
	a.cfg.Metrics.reported(a.cfg.Now(), up)
	return nil
}

// dropSent removes the first n buffered lines (sent).
func (a *Agent) dropSent(n int) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n = min(n, len(a.logs))
	a.logs = append(a.logs[:0], a.logs[n:]...)
}

// logChanges writes a log line for every tunnel whose status changed.
func (a *Agent) logChanges(ts []vpn.AgentTunnelReport) {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[Key]bool{}
	for _, t := range ts {
		k := Key{t.VpnConnectionId, t.TunnelId}
		seen[k] = true
		fp := t.Status + "|" + t.IkeSaUniqueId
		if old, ok := a.statusFP[k]; ok && old == fp {
			continue
		}
		old := a.statusFP[k]
		a.statusFP[k] = fp
		args := []any{"connection", t.VpnConnectionId, "status", t.Status, "ike_sa", t.IkeSaState, "child_sa", t.ChildSaState}
		if t.TunnelId != "" {
			args = append(args, "tunnel", t.TunnelId)
		}
		if old != "" {
			args = append(args, "was", strings.SplitN(old, "|", 2)[0])
		}
		if t.LastError != "" && t.Status != vpn.StatusIpsecEstablished {
			args = append(args, "last_error", t.LastError)
		}
		a.log.Info("tunnel status", args...)
	}
	for k := range a.statusFP {
		if !seen[k] {
			delete(a.statusFP, k)
		}
	}
}
