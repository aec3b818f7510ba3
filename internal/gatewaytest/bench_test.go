package gatewaytest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/agent"
	"github.com/vpcvpn/vpcvpn/internal/bench"
	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The two scale figures, as benchmarks (docs/GATEWAY.md, "Scaling",
// has the figures and commands):
//
//   - BenchmarkAgentConverge200: one `vpcvpn gateway-agent` process brings a
//     charon with nothing loaded to 200 connections (target: under 10 s);
//   - BenchmarkControlPlaneReports: a `vpcvpn server` process answering the
//     status reports of 1 000 gateways, each every 5 s (target: under 10 % of
//     one core).

// BenchmarkAgentConverge200 times one agent converging 200 connections of
// its gateway on one charon from empty: each iteration starts a fresh charon
// (no connections, no keys) and the agent binary, and ends when charon holds
// the gateway's 200 connections and 200 shared keys (read over VICI every
// 20 ms). The connections are EffectImmediately=false (loaded as traps: no
// peers exist), so loaded is converged. Needs root and charon, like the
// package's tests.
func BenchmarkAgentConverge200(b *testing.B) {
	const n = 200
	if err := tunneltest.CheckPrerequisites(); err != nil {
		b.Fatalf("the lab's prerequisites: %v", err)
	}
	lab := tunneltest.New(b, tunneltest.Options{})
	cloud := lab.AddSide("cloud", CloudInner)
	w := NewWorldWith(b, bin, false, crashtest.NoQuotas...)
	for i := range n {
		cgw := w.CustomerGateway(fmt.Sprintf("198.51.100.%d", i+1))
		w.Connection(&vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(cgw), LocalSubnet: dara.String("192.168.1.0/24"),
			RemoteSubnet: dara.String(fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)), EffectImmediately: dara.Bool(false),
			IkeConfig: dara.String(fmt.Sprintf(`{"Psk":"bench-psk-%03d"}`, i))})
	}
	prefix := agent.Prefix(w.GatewayID)
	counts := func() (conns, keys int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := agent.DialVICI(ctx, ViciOf(cloud))
		if err != nil {
			return -1, -1
		}
		defer c.Close()
		cs, err1 := c.Conns(ctx)
		ks, err2 := c.SharedIDs(ctx)
		if err1 != nil || err2 != nil {
			return -1, -1
		}
		for _, name := range cs {
			if strings.HasPrefix(name, prefix) {
				conns++
			}
		}
		for _, id := range ks {
			if strings.HasPrefix(id, prefix) {
				keys++
			}
		}
		return conns, keys
	}
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if i > 0 {
			cloud.Stop()
		}
		cloud.StartCharon()
		if c, k := counts(); c != 0 || k != 0 {
			b.Fatalf("a fresh charon holds %d connections and %d keys", c, k)
		}
		b.StartTimer()
		start := time.Now()
		a := w.StartAgent(ViciOf(cloud), "", "--log-level", "info")
		for {
			if c, k := counts(); c == n && k == n {
				break
			}
			if time.Since(start) > 2*time.Minute {
				b.Fatalf("not converged within 2 minutes\n%s", a.Stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
		el := time.Since(start)
		b.StopTimer()
		total += el
		a.Stop(b)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(total.Seconds()/float64(b.N), "s/converge")
}

// reportSeed is a data directory seeded (once per test binary) with 1 000
// VPN gateways of 4 single-tunnel connections each.
var reportSeed struct {
	once sync.Once
	dir  string
	err  error
}

const (
	benchGateways = 1000
	benchPerGW    = 4
)

// BenchmarkControlPlaneReports measures what the status reports of 1 000
// gateway agents cost the control plane: a `vpcvpn server` process
// (defaults: SQLite, audit trail on; throttle off, since one key sends
// them all) over a store of 1 000 gateways with 4 connections each. One
// iteration is one 5-second round: every gateway sends one report (its 4
// tunnels ipsec_sa_established, counters moving), spread evenly over the 5 s
// as agents' timers are, each gateway over its own kept-alive connection,
// signed with V1 signatures. The figure is the server process's CPU time
// (utime + stime from /proc) over the rounds, as a percentage of one core
// ("%core"), and per report. A warm-up round first (new agent instances:
// every tunnel written), so the rounds measured see the steady state:
// a tunnel written when its state changes, counters and report times every
// 15 s. With -benchtime=2x the rounds measured (5-15 s after the warm-up's
// writes) hold no 15-s write; -benchtime=6x (30 s) holds two of them.
func BenchmarkControlPlaneReports(b *testing.B) {
	reportSeed.once.Do(func() {
		reportSeed.dir = filepath.Join(workDir, "reports-seed")
		p := crashtest.Run(b, bin, crashtest.RootEnv(), "bench", "seed", "--data-dir", reportSeed.dir,
			"--connections", strconv.Itoa(benchGateways*benchPerGW), "--per-gateway", strconv.Itoa(benchPerGW), "--dual-every", "-1")
		if code := p.Wait(b, 5*time.Minute); code != 0 {
			reportSeed.err = fmt.Errorf("bench seed exited %d: %s", code, p.Stderr)
		}
	})
	if reportSeed.err != nil {
		b.Fatal(reportSeed.err)
	}
	// One client address sends for 1 000 agents: no per-address cap.
	args := []string{"server", "--listen", crashtest.FreeAddr(b), "--data-dir", reportSeed.dir, "--log-level", "warn",
		"--throttle-read-rate", "0", "--throttle-write-rate", "0", "--throttle-secret-read-rate", "0", "--max-connections-per-address", "0"}
	// Where the server's CPU profile of the measured rounds goes, if set
	// (from the end of the warm-up round to the server's exit).
	profile := os.Getenv("VPCVPN_BENCH_CPUPROFILE")
	if profile != "" {
		args = append([]string{"bench", "server", "--cpuprofile", profile, "--cpuprofile-on-signal"}, args[1:]...)
	}
	serverBin := bin
	if v := os.Getenv("VPCVPN_BENCH_SERVER_BIN"); v != "" { // another build of vpcvpn, for before/after comparisons
		serverBin = v
	}
	srv := crashtest.Run(b, serverBin, crashtest.RootEnv(), args...)
	srv.Addr = args[slices.Index(args, "--listen")+1]
	srv.WaitReady(b)
	if profile != "" {
		defer srv.Stop(b)
	}
	root := &bench.Client{Endpoint: srv.Addr, AccessKeyID: crashtest.RootAccessKeyID, AccessKeySecret: crashtest.RootAccessKeySecret, HTTP: bench.NewClient(1)}

	// The gateways and their connections.
	byGW := map[string][]string{}
	for page := 1; ; page++ {
		var out struct {
			TotalCount     int
			VpnConnections struct {
				VpnConnection []struct{ VpnConnectionId, VpnGatewayId string }
			}
		}
		if err := root.Call(context.Background(), "DescribeVpnConnections", []signature.Param{{Name: "RegionId", Value: Region},
			{Name: "PageSize", Value: "50"}, {Name: "PageNumber", Value: strconv.Itoa(page)}}, &out); err != nil {
			b.Fatal(err)
		}
		for _, c := range out.VpnConnections.VpnConnection {
			byGW[c.VpnGatewayId] = append(byGW[c.VpnGatewayId], c.VpnConnectionId)
		}
		if page*50 >= out.TotalCount {
			break
		}
	}
	if len(byGW) != benchGateways {
		b.Fatalf("%d gateways seeded, want %d", len(byGW), benchGateways)
	}
	type gw struct {
		id, instance string
		conns        []string
		client       *bench.Client
		seq          int
	}
	var gws []*gw
	for id, conns := range byGW {
		if len(conns) != benchPerGW {
			b.Fatalf("gateway %s has %d connections", id, len(conns))
		}
		gws = append(gws, &gw{id: id, conns: conns, instance: "bench-" + id[len(id)-8:],
			client: &bench.Client{Endpoint: srv.Addr, AccessKeyID: crashtest.RootAccessKeyID, AccessKeySecret: crashtest.RootAccessKeySecret, HTTP: bench.NewClient(1)}})
	}
	established := time.Now().Add(-time.Hour).UnixMilli()
	report := func(g *gw, round int) error {
		g.seq++
		ts := make([]vpn.AgentTunnelReport, 0, len(g.conns))
		for i, c := range g.conns {
			ts = append(ts, vpn.AgentTunnelReport{VpnConnectionId: c, Status: vpn.StatusIpsecEstablished, IkeSaState: "ESTABLISHED",
				ChildSaState: "INSTALLED", IkeSaUniqueId: strconv.Itoa(i + 1), EstablishedTime: established,
				BytesIn: int64(round) * 100000, BytesOut: int64(round) * 200000, PacketsIn: int64(round) * 100, PacketsOut: int64(round) * 200})
		}
		tj, _ := json.Marshal(ts)
		var out struct{ Sequence int }
		err := g.client.Call(context.Background(), "ReportVpnGatewayAgentStatus", []signature.Param{{Name: "RegionId", Value: Region},
			{Name: "VpnGatewayId", Value: g.id}, {Name: "AgentInstanceId", Value: g.instance}, {Name: "Sequence", Value: strconv.Itoa(g.seq)},
			{Name: "AgentVersion", Value: "bench"}, {Name: "Generation", Value: strconv.Itoa(benchPerGW)}, {Name: "Tunnels.1", Value: string(tj)}}, &out)
		if err == nil && out.Sequence != g.seq {
			err = fmt.Errorf("answered Sequence %d, want %d", out.Sequence, g.seq)
		}
		return err
	}
	// round sends one report per gateway, spread evenly over 5 s, and
	// returns how late the last one was answered.
	round := func(r int) time.Duration {
		const period = 5 * time.Second
		start := time.Now()
		work := make(chan *gw)
		errs := make(chan error, len(gws))
		var wg sync.WaitGroup
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for g := range work {
					if err := report(g, r); err != nil {
						errs <- fmt.Errorf("report of %s: %w", g.id, err)
					}
				}
			}()
		}
		for i, g := range gws {
			time.Sleep(time.Until(start.Add(period * time.Duration(i) / time.Duration(len(gws)))))
			work <- g
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		late := time.Since(start) - period
		time.Sleep(time.Until(start.Add(period)))
		return late
	}
	round(0) // warm-up: new agent instances
	pid := srv.Cmd.Process.Pid
	if profile != "" {
		if err := srv.Cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := processCPU(b, pid)
	wall0 := time.Now()
	var late time.Duration
	b.ResetTimer()
	for i := range b.N {
		late = max(late, round(i+1))
	}
	b.StopTimer()
	cpu, wall := processCPU(b, pid)-cpu0, time.Since(wall0)
	reports := float64(b.N * len(gws))
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
	b.ReportMetric(float64(cpu.Microseconds())/reports, "µs-cpu/report")
	b.ReportMetric(max(late, 0).Seconds()*1000, "ms-late")

	// The reports took: every connection is ipsec_sa_established.
	var d struct{ Status string }
	if err := root.Call(context.Background(), "DescribeVpnConnection", []signature.Param{{Name: "RegionId", Value: Region},
		{Name: "VpnConnectionId", Value: gws[0].conns[0]}}, &d); err != nil || d.Status != vpn.StatusIpsecEstablished {
		b.Fatalf("after the reports: %q, %v", d.Status, err)
	}
}

// processCPU returns the user + system CPU time of process pid.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond
}
