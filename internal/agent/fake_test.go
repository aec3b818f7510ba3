package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// fakeCharon is an in-memory charon: connections, shared keys and SAs, with
// a log of the VICI commands the agent sent. refuse makes load-conn of a
// connection fail as charon does for a configuration it cannot take.
type fakeCharon struct {
	mu       sync.Mutex
	conns    map[string]*Section
	shared   map[string]Shared
	sas      []IKESA
	calls    []string
	refuse   map[string]string // connection name -> errmsg
	events   chan Event
	closed   bool
	nextUID  int
	autoUp   bool // load-conn with start_action = start brings the SA up
	dialErrs int  // Dial fails this many times first
	onDial   func()
}

func newFakeCharon() *fakeCharon {
	return &fakeCharon{conns: map[string]*Section{}, shared: map[string]Shared{}, refuse: map[string]string{}, events: make(chan Event, 1024)}
}

func (f *fakeCharon) record(s string) {
	f.calls = append(f.calls, s)
}

// Calls returns and clears the command log.
func (f *fakeCharon) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

func (f *fakeCharon) Conns(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.conns {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakeCharon) SharedIDs(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.shared {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakeCharon) SAs(context.Context) ([]IKESA, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errors.New("connection closed")
	}
	return append([]IKESA(nil), f.sas...), nil
}

func (f *fakeCharon) LoadConn(_ context.Context, c *Section) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("load-conn " + c.Name)
	if msg, ok := f.refuse[c.Name]; ok {
		return errors.New("command failed: " + msg)
	}
	f.conns[c.Name] = c
	if f.autoUp {
		start := true
		for _, ch := range c.Child("children").Children() {
			v, _ := ch.Get("start_action")
			start = start && v == "start"
		}
		if start {
			f.upLocked(c.Name)
		}
	}
	return nil
}

// up brings the IKE_SA and CHILD_SAs of connection name up.
func (f *fakeCharon) up(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.upLocked(name)
}

func (f *fakeCharon) upLocked(name string) {
	c := f.conns[name]
	f.nextUID++
	sa := IKESA{Name: name, UniqueID: fmt.Sprint(f.nextUID), State: "ESTABLISHED", Established: 3}
	for _, ch := range c.Child("children").Children() {
		f.nextUID++
		sa.Children = append(sa.Children, ChildSA{Name: ch.Name, UniqueID: fmt.Sprint(f.nextUID), State: "INSTALLED", BytesIn: 100, BytesOut: 200, PacketsIn: 1, PacketsOut: 2})
	}
	f.sas = append(f.sas, sa)
}

func (f *fakeCharon) UnloadConn(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("unload-conn " + name)
	if _, ok := f.conns[name]; !ok {
		return errors.New("command failed: unloading connection '" + name + "' failed")
	}
	delete(f.conns, name)
	return nil
}

func (f *fakeCharon) LoadShared(_ context.Context, s Shared) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("load-shared " + s.ID)
	f.shared[s.ID] = s
	return nil
}

func (f *fakeCharon) UnloadShared(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("unload-shared " + id)
	delete(f.shared, id)
	return nil
}

func (f *fakeCharon) Initiate(_ context.Context, ike, child string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("initiate " + child)
	return nil
}

func (f *fakeCharon) Terminate(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.sas[:0]
	for _, sa := range f.sas {
		if sa.UniqueID != id {
			out = append(out, sa)
		} else {
			f.record("terminate " + sa.Name + "#" + id)
		}
	}
	f.sas = out
	return nil
}

func (f *fakeCharon) Events() <-chan Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events
}

func (f *fakeCharon) Close() error { return nil }

// restart simulates charon restarting: the connection is lost and charon
// starts with nothing loaded.
func (f *fakeCharon) restart() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	close(f.events)
	f.conns, f.shared, f.sas = map[string]*Section{}, map[string]Shared{}, nil
}

// dial is a Config.Dial that connects to f (a restarted f is reopened).
func (f *fakeCharon) dial(context.Context, string) (Charon, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onDial != nil {
		f.onDial()
	}
	if f.dialErrs > 0 {
		f.dialErrs--
		return nil, errors.New("dial unix /run/charon.vici: connect: no such file or directory")
	}
	if f.closed {
		f.closed = false
		f.events = make(chan Event, 1024)
	}
	return f, nil
}

// fakeAPI serves desired states and takes reports.
type fakeAPI struct {
	mu      sync.Mutex
	cfg     *vpn.AgentConfig
	changed chan struct{}
	down    bool // the control plane cannot be reached
	deny    bool // 403
	reports []*Report
	fetches int
	onFetch func()
}

func newFakeAPI(cfg *vpn.AgentConfig) *fakeAPI {
	return &fakeAPI{cfg: cfg, changed: make(chan struct{})}
}

func (f *fakeAPI) set(cfg *vpn.AgentConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg.Generation = f.cfg.Generation + 1
	f.cfg = cfg
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeAPI) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

var errUnreachable = errors.New("dial tcp 127.0.0.1:8080: connect: connection refused")

func (f *fakeAPI) DesiredState(ctx context.Context, gw string, gen int64, has bool, wait time.Duration) (*vpn.AgentConfig, error) {
	f.mu.Lock()
	f.fetches++
	if f.onFetch != nil {
		f.onFetch()
	}
	if f.deny {
		f.mu.Unlock()
		return nil, &APIError{Action: "DownloadVpnGatewayAgentConfig", Status: 403, Code: "Forbbiden.SubUser", Message: "no"}
	}
	if f.down {
		f.mu.Unlock()
		return nil, errUnreachable
	}
	cfg, ch := f.cfg, f.changed
	f.mu.Unlock()
	if has && gen == cfg.Generation {
		select {
		case <-ch:
		case <-time.After(wait):
			return &vpn.AgentConfig{VpnGatewayId: gw, Generation: gen, NotModified: true, ReportInterval: 1}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		f.mu.Lock()
		cfg = f.cfg
		f.mu.Unlock()
	}
	c := *cfg
	return &c, nil
}

func (f *fakeAPI) Send(_ context.Context, r *Report) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errUnreachable
	}
	f.reports = append(f.reports, r)
	return nil
}

// last returns the latest report's tunnels by connection/tunnel key.
func (f *fakeAPI) last() map[Key]vpn.AgentTunnelReport {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reports) == 0 {
		return nil
	}
	out := map[Key]vpn.AgentTunnelReport{}
	for _, t := range f.reports[len(f.reports)-1].Tunnels {
		out[Key{t.VpnConnectionId, t.TunnelId}] = t
	}
	return out
}

func (f *fakeAPI) logLines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.reports {
		for _, l := range r.LogLines {
			out = append(out, l.VpnConnectionId+"/"+l.TunnelId+" "+l.Line)
		}
	}
	return out
}

func hasPrefixAny(s string, ps ...string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
