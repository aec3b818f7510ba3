package service

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The gateway agent's side of the API (vpcvpn extensions of the VPC API,
// docs/API.md "Gateway agent"):
//
//   - DownloadVpnGatewayAgentConfig: the gateway-side desired state of one
//     VPN gateway with its generation; a long-poll that answers at once when
//     the generation moved and otherwise after up to WaitSeconds. It hands
//     out pre-shared keys: a secret read (throttle class, audit flag).
//   - ReportVpnGatewayAgentStatus: the agent's tunnel statuses and charon's
//     log lines.
//   - DescribeVpnGatewayAgentStatus: what the agent last reported, per
//     tunnel (a read).
//
// Live status is kept in memory per node (agentHub). A report is written
// to the store before it is answered when a tunnel's state changes (or a
// tunnel is new) and when it does not follow the previous one of the same
// agent on this node (a new agent instance; another node may have written
// in between). What changed only in counters and report times is written
// by FlushAgentStatus: every agentFlushInterval, one transaction for all
// the gateways whose last write is agentHeartbeat-agentFlushInterval old,
// and at shutdown; without FlushAgentStatus running, by the report that
// finds agentHeartbeat passed. Reads take the store's record and this
// node's memory, whichever was reported later. So every node shows a state
// change as soon as the report that carried it is answered, and the report
// time and counters with a lag of at most agentHeartbeat (see
// docs/GATEWAY.md "Several servers"); a crash loses no acknowledged state
// change, and at most agentHeartbeat of counters and report times.

const (
	agentHeartbeat             = 15 * time.Second
	agentFlushInterval         = 5 * time.Second
	agentFlushBatch            = 250 // gateways per transaction of FlushAgentStatus
	maxLiveGateways            = 200000
	ConnectionLogRetention     = 7 * 24 * time.Hour
	MaxConnectionLogLines      = 10000
	connectionLogPurgeInterval = time.Minute
)

// tunnelKey names a tunnel: the connection and its tunnel id ("" for a
// single-tunnel connection).
type tunnelKey struct{ conn, tunnel string }

// agentHub is the per-node state of the agent actions: the last reports
// (live status), the long-polls waiting for a gateway's generation to move,
// and the shutdown signal that ends them.
type agentHub struct {
	mu      sync.Mutex
	live    map[string]*liveGateway  // by gateway id
	watch   map[string]chan struct{} // by gateway id: closed when its generation may have moved
	seen    map[string]int64         // generations seen by the last poll (multi-node)
	stop    chan struct{}            // closed by StopAgentWaits
	stopped bool
	purging atomic.Bool
	purged  atomic.Int64  // Unix nanoseconds of the last log purge
	waits   atomic.Int64  // long-polls waiting now
	resync  chan struct{} // a poll of the generations is due at once (multi-node)
	// batched: FlushAgentStatus runs and writes the heartbeats.
	batched atomic.Bool
	// writeMu orders the store writes of statuses: a report's write holds
	// it shared (after record), a flush exclusively from its snapshot of
	// the memory to its commit, so a flush never writes an older state
	// over a newer one this node wrote.
	writeMu sync.RWMutex
}

type liveGateway struct {
	rec      store.AgentRecord
	recWrite time.Time // when this node last wrote rec
	owner    string    // the gateway's account as read from the store by this node ("": not read)
	tunnels  map[tunnelKey]*liveTunnel
	dirty    bool // rec or a tunnel reported since this node last wrote them
}

type liveTunnel struct {
	st      store.TunnelStatus
	written time.Time // when this node last wrote st
	dirty   bool      // st not written yet
}

func newAgentHub() *agentHub {
	return &agentHub{live: map[string]*liveGateway{}, watch: map[string]chan struct{}{}, stop: make(chan struct{}), resync: make(chan struct{}, 1)}
}

// hub returns the service's agent hub, creating it on first use.
func (s *Service) hub() *agentHub {
	s.hubOnce.Do(func() { s.agents = newAgentHub() })
	return s.agents
}

// watchGateway returns a channel closed when the gateway's generation may
// have moved (or at shutdown: check StopAgentWaits' channel too).
func (h *agentHub) watchGateway(gw string) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.watch[gw]
	if ch == nil {
		ch = make(chan struct{})
		h.watch[gw] = ch
	}
	return ch
}

// notify wakes the long-polls of gateway gw.
func (h *agentHub) notify(gw string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ch := h.watch[gw]; ch != nil {
		close(ch)
		delete(h.watch, gw)
	}
}

func (h *agentHub) waiting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.watch) > 0
}

// notifyGateway tells the long-polls of a gateway on this node that its
// desired state changed (called after a connection write).
func (s *Service) notifyGateway(gatewayID string) { s.hub().notify(gatewayID) }

// GatewayChanged wakes this server's long-polls of a gateway whose desired
// state another server changed (a change notification; waking a long-poll
// whose generation did not move only makes it look again).
func (s *Service) GatewayChanged(gatewayID string) { s.hub().notify(gatewayID) }

// ResyncAgents makes PollAgentGenerations look for other servers' changes at
// once: changes may have been made while notifications could not arrive.
func (s *Service) ResyncAgents() {
	select {
	case s.hub().resync <- struct{}{}:
	default:
	}
}

// StopAgentWaits ends every waiting long-poll of DownloadVpnGatewayAgentConfig
// (they answer at once) and makes later ones answer without waiting: call it
// when the server starts shutting down, so draining does not wait for them.
func (s *Service) StopAgentWaits() {
	h := s.hub()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.stopped {
		h.stopped = true
		close(h.stop)
	}
}

// AgentLongPolls returns the number of DownloadVpnGatewayAgentConfig
// long-polls waiting on this server now.
func (s *Service) AgentLongPolls() int { return int(s.hub().waits.Load()) }

// PollAgentGenerations watches the store for desired-state changes made by
// other servers on the same database (every interval, while long-polls
// wait) and wakes the long-polls of the gateways concerned. It returns when
// ctx ends. A single server does not need it: its own writes wake them.
func (s *Service) PollAgentGenerations(ctx context.Context, interval time.Duration) {
	h := s.hub()
	t := time.NewTicker(interval)
	defer t.Stop()
	// Rows changed a little before the last poll are read again: writers'
	// clocks differ, and a transaction may commit after its changed_at.
	const overlap = 30 * time.Second
	last := s.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.resync:
		}
		if !h.waiting() {
			last = s.now()
			continue
		}
		now := s.now()
		changed, err := s.store.ChangedGateways(ctx, last.Add(-overlap))
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("agent: polling desired-state generations", "err", err)
			}
			continue
		}
		last = now
		seen := make(map[string]int64, len(changed))
		for _, g := range changed {
			seen[g.GatewayID] = g.Generation
			h.mu.Lock()
			old, ok := h.seen[g.GatewayID]
			h.mu.Unlock()
			if !ok || old != g.Generation {
				h.notify(g.GatewayID)
			}
		}
		h.mu.Lock()
		h.seen = seen
		h.mu.Unlock()
	}
}

// DownloadVpnGatewayAgentConfig answers the gateway-side desired state of a
// VPN gateway (authorized as vpc:DownloadVpnGatewayAgentConfig on the
// gateway's ARN). With Generation equal to the current generation and
// WaitSeconds > 0 it waits until the generation moves, WaitSeconds pass or
// the server shuts down; while it waits it holds no admission slot and no
// database connection. An unchanged generation answers NotModified.
func (s *Service) DownloadVpnGatewayAgentConfig(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseAgentConfigRequest(r.Params)
	if err != nil {
		return nil, err
	}
	g, err := s.gateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	h := s.hub()
	var ch <-chan struct{}
	if in.HasGeneration && in.Wait > 0 {
		ch = h.watchGateway(g.VpnGatewayID) // before reading: a change after the read wakes it
	}
	gen, err := s.store.GatewayGeneration(ctx, g.VpnGatewayID)
	if err != nil {
		return nil, err
	}
	if in.HasGeneration && in.Generation == gen && in.Wait > 0 {
		if gen, err = s.waitGeneration(ctx, r, g, in, ch); err != nil {
			return nil, err
		}
	}
	out := &vpn.AgentConfig{VpnGatewayId: g.VpnGatewayID, RegionId: g.RegionID, Generation: gen,
		InternetIp: g.InternetIP, DisasterRecoveryInternetIp: g.DisasterRecoveryInternetIP,
		ReportInterval: int(vpn.AgentReportInterval / time.Second),
		VpnConnections: vpn.AgentConnectionList{VpnConnection: []vpn.AgentConnection{}}}
	if in.HasGeneration && in.Generation == gen {
		out.NotModified = true
		return out, nil
	}
	sc := store.Scope{AccountID: g.AccountID, RegionID: g.RegionID}
	conns, _, err := s.store.ListConnections(ctx, sc, store.ConnectionFilter{VpnGatewayID: g.VpnGatewayID}, store.Page{})
	if err != nil {
		return nil, storeErr(err)
	}
	cgws := map[string]vpn.CustomerGateway{}
	for i := range conns {
		c := &conns[i]
		for _, id := range connectionCgwIDs(c) {
			if _, ok := cgws[id]; ok {
				continue
			}
			cg, err := s.store.GetCustomerGateway(ctx, sc, id)
			if err != nil {
				return nil, storeErr(err)
			}
			cgws[id] = cg
		}
		out.VpnConnections.VpnConnection = append(out.VpnConnections.VpnConnection, vpn.NewAgentConnection(*c, g, cgws))
	}
	return out, nil
}

// waitGeneration waits for the gateway's generation to move from
// in.Generation (see DownloadVpnGatewayAgentConfig) and returns the
// generation then current. The request's admission slot is given back for
// the wait; after it the caller is authorized again (a policy detached
// meanwhile ends the answer with 403).
func (s *Service) waitGeneration(ctx context.Context, r *Request, g vpn.Gateway, in vpn.AgentConfigRequest, ch <-chan struct{}) (int64, error) {
	h := s.hub()
	resume := func() {}
	if r.Parker != nil {
		resume = r.Parker.Park(in.Wait)
	}
	h.waits.Add(1)
	defer h.waits.Add(-1)
	timer := time.NewTimer(in.Wait)
	defer timer.Stop()
	gen := in.Generation
	for gen == in.Generation {
		select {
		case <-ch:
		case <-timer.C:
			resume()
			return gen, s.authorize(ctx, r, r.Meta.RAM, r.Resource, g.AccountID)
		case <-h.stop:
			resume()
			return gen, nil
		case <-ctx.Done():
			resume()
			return gen, ctx.Err()
		}
		// Woken: read the generation again (a wake-up from another
		// node's poll may be spurious).
		ch = h.watchGateway(g.VpnGatewayID)
		var err error
		if gen, err = s.store.GatewayGeneration(ctx, g.VpnGatewayID); err != nil {
			resume()
			return 0, err
		}
	}
	resume()
	return gen, s.authorize(ctx, r, r.Meta.RAM, r.Resource, g.AccountID)
}

// significant is the part of a tunnel status whose change is written to the
// store at once (counters are not).
type significant struct {
	status, ike, child, unique, lastErr string
	est, errAt                          int64
}

func sig(t *store.TunnelStatus) significant {
	return significant{t.Status, t.IkeSaState, t.ChildSaState, t.IkeSaUniqueID, t.LastError, nanos(t.EstablishedAt), nanos(t.LastErrorAt)}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromMillis(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// record takes a report into the node's memory and returns what must be
// written to the store before the report is answered: the agent record
// (nil: nothing) and the tunnels not written yet.
func (h *agentHub) record(rec store.AgentRecord, tunnels []store.TunnelStatus, now time.Time) (*store.AgentRecord, []store.TunnelStatus) {
	batched := h.batched.Load()
	h.mu.Lock()
	defer h.mu.Unlock()
	lg := h.live[rec.GatewayID]
	consecutive := lg != nil && lg.rec.InstanceID == rec.InstanceID && rec.Sequence == lg.rec.Sequence+1
	if !consecutive {
		// Another node may have written since this node's last report
		// of the gateway: forget what this node believes is stored.
		if lg == nil && len(h.live) >= maxLiveGateways {
			for k := range h.live {
				delete(h.live, k)
				break
			}
		}
		lg = &liveGateway{tunnels: map[tunnelKey]*liveTunnel{}}
		h.live[rec.GatewayID] = lg
	}
	write := !consecutive
	for i := range tunnels {
		t := &tunnels[i]
		k := tunnelKey{t.ConnectionID, t.TunnelID}
		lt := lg.tunnels[k]
		if lt == nil {
			lt = &liveTunnel{}
			lg.tunnels[tunnelKey{strings.Clone(k.conn), strings.Clone(k.tunnel)}] = lt
		}
		keepStrings(&lt.st, t)
		if lt.written.IsZero() || sig(&lt.st) != sig(t) || (!batched && now.Sub(lt.written) >= agentHeartbeat) {
			write = true
		}
		lt.st = *t
		lt.dirty = true
	}
	lg.rec = rec
	lg.dirty = true
	if !write && (batched || now.Sub(lg.recWrite) < agentHeartbeat) {
		return nil, nil // FlushAgentStatus's, or a later report's
	}
	return &rec, lg.take(now)
}

// take returns the tunnels of lg not written yet and marks lg written at
// now (under h.mu).
func (lg *liveGateway) take(now time.Time) []store.TunnelStatus {
	var write []store.TunnelStatus
	for _, lt := range lg.tunnels {
		if lt.dirty {
			write = append(write, lt.st)
			lt.dirty, lt.written = false, now
		}
	}
	lg.dirty, lg.recWrite = false, now
	return write
}

// due returns the gateways whose memory holds something not written and
// whose last write is at least agentHeartbeat-agentFlushInterval old (all of
// them with all), marked written at now.
func (h *agentHub) due(now time.Time, all bool) []store.AgentStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []store.AgentStatus
	for _, lg := range h.live {
		if !lg.dirty || (!all && now.Sub(lg.recWrite) < agentHeartbeat-agentFlushInterval) {
			continue
		}
		rec := lg.rec
		out = append(out, store.AgentStatus{Agent: rec, Tunnels: lg.take(now)})
	}
	return out
}

// FlushAgentStatus writes the agents' reports that were not written when
// they were answered (counters and report times: see the top of this file)
// every agentFlushInterval until ctx ends, and then once more everything not
// written. Run it once per Service (the App does).
func (s *Service) FlushAgentStatus(ctx context.Context) {
	h := s.hub()
	h.batched.Store(true)
	t := time.NewTicker(agentFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.flushAgents(fctx, true)
			h.batched.Store(false)
			return
		case <-t.C:
			s.flushAgents(ctx, false)
		}
	}
}

// flushAgents writes the gateways due (all with unwritten reports with all)
// in transactions of agentFlushBatch gateways. What is due differs from
// what this node last wrote only in counters and report times (record
// writes every other change at once), so it updates those only. A gateway
// whose agent record the store no longer has as this node wrote it (the
// gateway was deleted, another node wrote a later report), or whose write
// failed, is forgotten: its next report reads the gateway again (and is
// refused when it was deleted) and is written whole.
func (s *Service) flushAgents(ctx context.Context, all bool) {
	h := s.hub()
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	batch := h.due(s.now().UTC(), all)
	for len(batch) > 0 {
		n := min(len(batch), agentFlushBatch)
		gone, err := s.store.UpdateAgentHeartbeats(ctx, batch[:n])
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("agent: writing gateway agents' statuses", "gateways", n, "err", err)
			}
			for _, b := range batch[:n] {
				h.forget(b.Agent.GatewayID)
			}
		}
		for _, gw := range gone {
			h.forget(gw)
		}
		batch = batch[n:]
	}
}

// keepStrings makes t's strings those of old where they are equal, and
// copies of their own where not: the report's strings may be parts of the
// whole request parameter, which the node's memory should not hold.
func keepStrings(old, t *store.TunnelStatus) {
	for _, f := range [...]struct{ old, t *string }{{&old.ConnectionID, &t.ConnectionID}, {&old.TunnelID, &t.TunnelID},
		{&old.Status, &t.Status}, {&old.IkeSaState, &t.IkeSaState}, {&old.ChildSaState, &t.ChildSaState},
		{&old.IkeSaUniqueID, &t.IkeSaUniqueID}, {&old.LastError, &t.LastError}} {
		if *f.t == *f.old {
			*f.t = *f.old
		} else {
			*f.t = strings.Clone(*f.t)
		}
	}
}

// forget drops the node's memory of a gateway (after a failed write, so
// that the next report writes everything, or after it was deleted).
func (h *agentHub) forget(gw string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.live, gw)
}

// owner returns the account of gateway gw in region as this node last read
// it from the store for a report ("" when unknown).
func (h *agentHub) owner(gw, region string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if lg := h.live[gw]; lg != nil && lg.owner != "" && lg.rec.RegionID == region {
		return lg.owner
	}
	return ""
}

// setOwner remembers the account of gateway gw read from the store.
func (h *agentHub) setOwner(gw, account string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if lg := h.live[gw]; lg != nil && lg.rec.AccountID == account {
		lg.owner = account
	}
}

// reportGateway is s.gateway for ReportVpnGatewayAgentStatus: the gateway
// (only its id, account and region when cached is true) with the caller
// authorised on its ARN. Cached: the owner this node read for an earlier
// report of the gateway; a gateway's account and region never change.
func (s *Service) reportGateway(ctx context.Context, r *Request, h *agentHub) (g vpn.Gateway, cached bool, err error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return vpn.Gateway{}, false, err
	}
	id, err := vpn.RequiredID(r.Params, "VpnGatewayId", vpn.PrefixVpnGateway)
	if err != nil {
		return vpn.Gateway{}, false, err
	}
	if account := h.owner(id, region); account != "" {
		r.Resource = arn(region, account, "vpngateway", id)
		if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, account); err != nil {
			return vpn.Gateway{}, false, err
		}
		return vpn.Gateway{VpnGatewayID: id, AccountID: account, RegionID: region}, true, nil
	}
	g, err = s.gateway(ctx, r, r.Meta.RAM)
	return g, false, err
}

// snapshot returns the node's memory of the gateways: agent records and
// tunnel statuses.
func (h *agentHub) snapshot(gws map[string]bool) (map[string]store.AgentRecord, map[tunnelKey]store.TunnelStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	recs := map[string]store.AgentRecord{}
	sts := map[tunnelKey]store.TunnelStatus{}
	for gw := range gws {
		lg := h.live[gw]
		if lg == nil {
			continue
		}
		recs[gw] = lg.rec
		for k, lt := range lg.tunnels {
			sts[k] = lt.st
		}
	}
	return recs, sts
}

// ReportVpnGatewayAgentStatus takes a gateway agent's report (authorized as
// vpc:ReportVpnGatewayAgentStatus on the gateway's ARN): tunnel statuses of
// the gateway's connections (entries for other connections are ignored) and
// charon's log lines.
func (s *Service) ReportVpnGatewayAgentStatus(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseAgentReport(r.Params)
	if err != nil {
		return nil, err
	}
	h := s.hub()
	// A steady agent's reports are mostly not written (see record): for
	// those the gateway's owner (immutable for its id) comes from this
	// node's memory of the last read, and the caller is authorised
	// against it as always; a report that writes reads the gateway
	// again, so a deleted gateway is noticed within agentHeartbeat.
	g, cached, err := s.reportGateway(ctx, r, h)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	rec := store.AgentRecord{GatewayID: g.VpnGatewayID, AccountID: g.AccountID, RegionID: g.RegionID, InstanceID: in.InstanceID,
		Sequence: in.Sequence, Version: in.Version, Hostname: in.Hostname, Generation: in.Generation, LastReport: now}
	tunnels := make([]store.TunnelStatus, 0, len(in.Tunnels))
	for _, t := range in.Tunnels {
		tunnels = append(tunnels, store.TunnelStatus{ConnectionID: t.VpnConnectionId, TunnelID: t.TunnelId, Status: t.Status,
			IkeSaState: t.IkeSaState, ChildSaState: t.ChildSaState, IkeSaUniqueID: t.IkeSaUniqueId,
			EstablishedAt: fromMillis(t.EstablishedTime), BytesIn: t.BytesIn, BytesOut: t.BytesOut, PacketsIn: t.PacketsIn,
			PacketsOut: t.PacketsOut, LastError: t.LastError, LastErrorAt: fromMillis(t.LastErrorTime), ReportedAt: now})
	}
	if wrec, write := h.record(rec, tunnels, now); wrec != nil {
		h.writeMu.RLock()
		defer h.writeMu.RUnlock()
		if cached {
			cur, err := s.store.GetGateway(ctx, store.Scope{RegionID: g.RegionID}, g.VpnGatewayID)
			if err == nil && cur.AccountID != g.AccountID {
				err = &store.NotFoundError{Kind: store.KindVpnGateway, ID: g.VpnGatewayID}
			}
			if err != nil {
				h.forget(g.VpnGatewayID)
				return nil, storeErr(err)
			}
			cached = false
		}
		if err := s.store.PutAgentStatus(ctx, *wrec, write); err != nil {
			h.forget(g.VpnGatewayID)
			return nil, err
		}
	}
	if !cached {
		h.setOwner(g.VpnGatewayID, g.AccountID)
	}
	if len(in.LogLines) > 0 {
		lines := make([]store.LogLine, 0, len(in.LogLines))
		for _, l := range in.LogLines {
			at := fromMillis(l.Time)
			// An agent clock far off is not trusted with the retention.
			if at.Before(now.Add(-ConnectionLogRetention)) || at.After(now.Add(5*time.Minute)) {
				at = now
			}
			lines = append(lines, store.LogLine{ConnectionID: l.VpnConnectionId, TunnelID: l.TunnelId, Time: at, Text: l.Line})
		}
		if _, err := s.store.AppendConnectionLogs(ctx, g.VpnGatewayID, lines, MaxConnectionLogLines); err != nil {
			return nil, err
		}
		s.maybePurgeLogs(now)
	}
	return &vpn.AgentReportAnswer{Sequence: in.Sequence, ReportInterval: int(vpn.AgentReportInterval / time.Second)}, nil
}

// maybePurgeLogs deletes log lines older than the retention, at most once a
// minute per node, in the background.
func (s *Service) maybePurgeLogs(now time.Time) {
	h := s.hub()
	if now.UnixNano()-h.purged.Load() < int64(connectionLogPurgeInterval) || !h.purging.CompareAndSwap(false, true) {
		return
	}
	h.purged.Store(now.UnixNano())
	go func() {
		defer h.purging.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if n, err := s.store.PurgeConnectionLogs(ctx, now.Add(-ConnectionLogRetention)); err != nil {
			s.log.Warn("agent: purging old connection log lines", "err", err)
		} else if n > 0 {
			s.log.Info("agent: purged old connection log lines", "lines", n)
		}
	}()
}

// agentView is what the service knows of the agents of some gateways and
// their tunnels at one moment: the store's records and this node's memory,
// whichever is newer.
type agentView struct {
	now     time.Time
	agents  map[string]store.AgentRecord
	tunnels map[tunnelKey]store.TunnelStatus
}

// agentViewOf reads the agent records of gateways and the tunnel statuses
// of connections.
func (s *Service) agentViewOf(ctx context.Context, gateways, connections []string) (*agentView, error) {
	v := &agentView{now: s.now(), agents: map[string]store.AgentRecord{}, tunnels: map[tunnelKey]store.TunnelStatus{}}
	if len(gateways) > 0 {
		recs, err := s.store.GetAgents(ctx, gateways)
		if err != nil {
			return nil, err
		}
		for _, a := range recs {
			v.agents[a.GatewayID] = a
		}
	}
	if len(connections) > 0 {
		sts, err := s.store.ListTunnelStatus(ctx, connections)
		if err != nil {
			return nil, err
		}
		for _, t := range sts {
			v.tunnels[tunnelKey{t.ConnectionID, t.TunnelID}] = t
		}
	}
	gws := map[string]bool{}
	for _, g := range gateways {
		gws[g] = true
	}
	wanted := map[string]bool{}
	for _, c := range connections {
		wanted[c] = true
	}
	recs, sts := s.hub().snapshot(gws)
	for gw, a := range recs {
		if cur, ok := v.agents[gw]; !ok || a.LastReport.After(cur.LastReport) {
			v.agents[gw] = a
		}
	}
	for k, t := range sts {
		if cur, ok := v.tunnels[k]; wanted[k.conn] && (!ok || t.ReportedAt.After(cur.ReportedAt)) {
			v.tunnels[k] = t
		}
	}
	return v, nil
}

// fresh reports whether t was reported within AgentStaleAfter.
func (v *agentView) fresh(t time.Time) bool {
	return !t.IsZero() && v.now.Sub(t) <= vpn.AgentStaleAfter
}

// tunnel returns the effective status of a tunnel: what its agent reported,
// or not established when nothing was reported within AgentStaleAfter.
func (v *agentView) tunnel(conn, tunnel string) (store.TunnelStatus, bool) {
	t, ok := v.tunnels[tunnelKey{conn, tunnel}]
	if !ok || !v.fresh(t.ReportedAt) {
		return store.TunnelStatus{ConnectionID: conn, TunnelID: tunnel, Status: vpn.StatusIkeNotEstablished}, false
	}
	return t, true
}

// apply sets the statuses of c (and its tunnels) from the view; a
// dual-tunnel connection's own Status is its best tunnel's.
func (v *agentView) apply(c *vpn.Connection) {
	if !c.DualTunnel() {
		t, _ := v.tunnel(c.VpnConnectionID, "")
		c.Status = t.Status
		return
	}
	best := vpn.StatusIkeNotEstablished
	for i := range c.Tunnels {
		t, _ := v.tunnel(c.VpnConnectionID, c.Tunnels[i].TunnelID)
		c.Tunnels[i].Status = t.Status
		if vpn.StatusRank(t.Status) > vpn.StatusRank(best) {
			best = t.Status
		}
	}
	c.Status = best
}

// gatewayAgent returns the GatewayAgent extension field of a gateway.
func (v *agentView) gatewayAgent(gw string) *vpn.GatewayAgentItem {
	a, ok := v.agents[gw]
	if !ok {
		return &vpn.GatewayAgentItem{}
	}
	return &vpn.GatewayAgentItem{Connected: v.fresh(a.LastReport), LastReportTime: a.LastReport.UnixMilli(), AgentVersion: a.Version}
}

// applyStatuses sets the live statuses of conns.
func (s *Service) applyStatuses(ctx context.Context, conns []vpn.Connection) error {
	if len(conns) == 0 {
		return nil
	}
	ids := make([]string, len(conns))
	gws := map[string]bool{}
	var gwList []string
	for i := range conns {
		ids[i] = conns[i].VpnConnectionID
		if !gws[conns[i].VpnGatewayID] {
			gws[conns[i].VpnGatewayID] = true
			gwList = append(gwList, conns[i].VpnGatewayID)
		}
	}
	v, err := s.agentViewOf(ctx, gwList, ids)
	if err != nil {
		return err
	}
	for i := range conns {
		v.apply(&conns[i])
	}
	return nil
}

// gatewayAgents returns the GatewayAgent field of each gateway.
func (s *Service) gatewayAgents(ctx context.Context, ids []string) (map[string]*vpn.GatewayAgentItem, error) {
	v, err := s.agentViewOf(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*vpn.GatewayAgentItem, len(ids))
	for _, id := range ids {
		out[id] = v.gatewayAgent(id)
	}
	return out, nil
}

// DescribeVpnGatewayAgentStatus answers what a gateway's agent last
// reported (authorized as vpc:DescribeVpnGatewayAgentStatus on the gateway's
// ARN): the agent and every tunnel of the gateway's connections, with its
// effective Status, charon's states, counters and last error.
func (s *Service) DescribeVpnGatewayAgentStatus(ctx context.Context, r *Request) (any, error) {
	g, err := s.gateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	sc := store.Scope{AccountID: g.AccountID, RegionID: g.RegionID}
	conns, _, err := s.store.ListConnections(ctx, sc, store.ConnectionFilter{VpnGatewayID: g.VpnGatewayID}, store.Page{})
	if err != nil {
		return nil, storeErr(err)
	}
	ids := make([]string, len(conns))
	for i := range conns {
		ids[i] = conns[i].VpnConnectionID
	}
	v, err := s.agentViewOf(ctx, []string{g.VpnGatewayID}, ids)
	if err != nil {
		return nil, err
	}
	out := &vpn.GatewayAgentStatus{VpnGatewayId: g.VpnGatewayID, Tunnels: vpn.AgentTunnelStatusList{Tunnel: []vpn.AgentTunnelStatus{}}}
	a := v.agents[g.VpnGatewayID]
	ga := v.gatewayAgent(g.VpnGatewayID)
	out.Connected, out.LastReportTime, out.AgentVersion = ga.Connected, ga.LastReportTime, ga.AgentVersion
	out.Hostname, out.Generation = a.Hostname, a.Generation
	sort.Slice(conns, func(i, j int) bool { return conns[i].VpnConnectionID < conns[j].VpnConnectionID })
	for _, c := range conns {
		tids := []string{""}
		if c.DualTunnel() {
			tids = tids[:0]
			for _, t := range c.Tunnels {
				tids = append(tids, t.TunnelID)
			}
		}
		for _, tid := range tids {
			t, ok := v.tunnel(c.VpnConnectionID, tid)
			item := vpn.AgentTunnelStatus{VpnConnectionId: c.VpnConnectionID, TunnelId: tid, Status: t.Status}
			if raw, has := v.tunnels[tunnelKey{c.VpnConnectionID, tid}]; has {
				item.ReportTime = millisOf(raw.ReportedAt)
				item.LastError, item.LastErrorTime = raw.LastError, millisOf(raw.LastErrorAt)
			}
			if ok {
				item.IkeSaState, item.ChildSaState, item.IkeSaUniqueId = t.IkeSaState, t.ChildSaState, t.IkeSaUniqueID
				item.EstablishedTime = millisOf(t.EstablishedAt)
				item.BytesIn, item.BytesOut, item.PacketsIn, item.PacketsOut = t.BytesIn, t.BytesOut, t.PacketsIn, t.PacketsOut
			}
			out.Tunnels.Tunnel = append(out.Tunnels.Tunnel, item)
		}
	}
	out.TotalCount = len(out.Tunnels.Tunnel)
	return out, nil
}

func millisOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// DescribeVpnConnectionLogs answers charon's log lines of a connection
// (authorized as vpc:DescribeVpnConnectionLogs on the connection's ARN), as
// its gateway's agent shipped them, kept for ConnectionLogRetention and at
// most MaxConnectionLogLines per connection. Each line is "<time, RFC 3339 in
// UTC with milliseconds> <charon's line>".
func (s *Service) DescribeVpnConnectionLogs(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseConnectionLogsRequest(r.Params, s.now())
	if err != nil {
		return nil, err
	}
	c, err := s.connection(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	if in.TunnelID != "" {
		found := false
		for _, t := range c.Tunnels {
			found = found || t.TunnelID == in.TunnelID
		}
		if !found {
			return nil, apierror.Newf("InvalidTunnelId.NotFound", "The specified TunnelId %s is not a tunnel of connection %s.", in.TunnelID, c.VpnConnectionID)
		}
	}
	lines, err := s.store.ListConnectionLogs(ctx, store.LogQuery{ConnectionID: c.VpnConnectionID, TunnelID: in.TunnelID, From: in.From, To: in.To,
		Page: store.Page{Number: in.Page.Number, Size: in.Page.Size}})
	if err != nil {
		return nil, err
	}
	out := &vpn.DescribeVpnConnectionLogsResponse{PageNumber: in.Page.Number, PageSize: in.Page.Size, Data: vpn.ConnectionLogs{Logs: []string{}}}
	for _, l := range lines {
		out.Data.Logs = append(out.Data.Logs, l.Time.UTC().Format("2006-01-02T15:04:05.000Z")+" "+l.Text)
	}
	out.Count = len(out.Data.Logs)
	// Complete when the agent reported after the end of the range: lines
	// of the range cannot arrive any more.
	v, err := s.agentViewOf(ctx, []string{c.VpnGatewayID}, nil)
	if err != nil {
		return nil, err
	}
	if a, ok := v.agents[c.VpnGatewayID]; ok && !in.To.After(a.LastReport) {
		out.IsCompleted = true
	}
	return out, nil
}
