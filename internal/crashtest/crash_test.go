package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

// bin is the vpcvpn binary TestMain builds.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vpcvpn-crashtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = BuildBinary(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Crash test parameters: at least 20 kills in well under a minute.
const (
	crashCycles  = 24
	crashWorkers = 3
)

// value is what a modification sets on a single-tunnel connection.
type value struct{ name, psk string }

// conn is an acknowledged connection and what it may hold now: the last
// acknowledged value, or one sent after it whose answer never came.
type conn struct {
	id      string
	dual    bool
	psks    []string // dual: the two tunnel PSKs it was created with
	acked   value
	pending []value
	checked bool // verified after a kill and not written since
}

// cgw is an acknowledged customer gateway.
type cgw struct {
	id      string
	used    bool // a connection to it was attempted (pairs are unique)
	checked bool
}

// worker drives writes through its own SDK client; it alone touches its
// records, so per-record order is known.
type worker struct {
	n     int
	ops   int
	acks  int
	cgws  []*cgw
	conns []*conn
}

// world is the shared fixture: a single-tunnel and a dual-tunnel gateway.
type world struct {
	gw, dualGW string
	ipSeq      atomic.Int64
}

// step performs one random write against the server at addr.
func (w *worker) step(c *vpc.Client, wd *world, cycle int, rng *rand.Rand) {
	w.ops++
	r := rng.IntN(100)
	var free []*cgw
	for _, g := range w.cgws {
		if !g.used {
			free = append(free, g)
		}
	}
	switch {
	case r < 30 || len(free) < 2 && len(w.conns) == 0:
		n := wd.ipSeq.Add(1)
		resp, err := c.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(Region),
			IpAddress: dara.String(fmt.Sprintf("11.%d.%d.%d", n/65536, n/256%256, n%256)), Name: dara.String(fmt.Sprintf("cg-%d", n))})
		if err == nil {
			w.cgws = append(w.cgws, &cgw{id: dara.StringValue(resp.Body.CustomerGatewayId)})
			w.acks++
		}
	case r < 55 && len(free) >= 1:
		g := free[0]
		g.used = true
		psk := fmt.Sprintf("crash-psk-%d-%d-%d", cycle, w.n, w.ops)
		resp, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
			RegionId: dara.String(Region), VpnGatewayId: dara.String(wd.gw), CustomerGatewayId: dara.String(g.id),
			LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String("10.1.0.0/16"),
			Name: dara.String("created"), IkeConfig: dara.String(IkeConfig(psk)),
		})
		if err == nil {
			w.conns = append(w.conns, &conn{id: dara.StringValue(resp.Body.VpnConnectionId), acked: value{"created", psk}})
			w.acks++
		}
	case r < 65 && len(free) >= 2:
		a, b := free[0], free[1]
		a.used, b.used = true, true
		pa, pb := fmt.Sprintf("crash-m-%d-%d-%d", cycle, w.n, w.ops), fmt.Sprintf("crash-s-%d-%d-%d", cycle, w.n, w.ops)
		id, err := CreateDualConnection(c, wd.dualGW, a.id, b.id, pa, pb)
		if err == nil {
			w.conns = append(w.conns, &conn{id: id, dual: true, psks: []string{pa, pb}})
			w.acks++
		}
	default:
		var singles []*conn
		for _, cn := range w.conns {
			if !cn.dual {
				singles = append(singles, cn)
			}
		}
		if len(singles) == 0 {
			return
		}
		cn := singles[rng.IntN(len(singles))]
		v := value{fmt.Sprintf("mod-%d-%d-%d", cycle, w.n, w.ops), fmt.Sprintf("crash-mod-%d-%d-%d", cycle, w.n, w.ops)}
		cn.pending, cn.checked = append(cn.pending, v), false
		if err := ModifyPsk(c, cn.id, v.name, v.psk); err == nil {
			cn.acked, cn.pending = v, nil
			w.acks++
		}
	}
}

// TestCrashSafety starts the server, drives concurrent creates and
// modifications through the V2 SDK, SIGKILLs it at a random moment (now and
// then while it is still starting), and checks after every kill that the
// database is intact, every acknowledged write is there (a modification whose
// answer never came may or may not be), no connection lacks its tunnels or a
// tunnel its key, and the server starts cleanly again.
func TestCrashSafety(t *testing.T) {
	started := time.Now()
	dir := filepath.Join(t.TempDir(), "data")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	t.Logf("seed time %s", started.Format(time.RFC3339Nano))

	srv := StartServer(t, bin, RootEnv(), "--data-dir", dir)
	c := Client(t, srv.Addr)
	f := NewFixture(t, c, 0)
	wd := &world{gw: f.GatewayID, dualGW: DualGateway(t, c, "172.16.0.0/16")}
	workers := make([]*worker, crashWorkers)
	for i := range workers {
		workers[i] = &worker{n: i}
	}

	kills, startupKills := 0, 0
	for cycle := range crashCycles {
		if srv == nil {
			// Now and then kill the server while it starts up.
			if cycle%5 == 4 {
				p := Run(t, bin, RootEnv(), append(append([]string{"server", "--listen", FreeAddr(t)}, NoQuotas...), "--data-dir", dir)...)
				time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
				p.Kill(t)
				startupKills++
				kills++
				checkStore(t, dir, workers, cycle, false)
			}
			srv = StartServer(t, bin, RootEnv(), "--data-dir", dir)
			if log := srv.Stderr.String(); strings.Contains(log, "level=ERROR") {
				t.Fatalf("cycle %d: errors at start:\n%s", cycle, log)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, w := range workers {
			wc := Client(t, srv.Addr)
			seed := rng.Uint64()
			wg.Add(1)
			go func() {
				defer wg.Done()
				wr := rand.New(rand.NewPCG(seed, uint64(w.n)))
				for ctx.Err() == nil {
					w.step(wc, wd, cycle, wr)
				}
			}()
		}
		time.Sleep(time.Duration(100+rng.IntN(500)) * time.Millisecond)
		srv.Kill(t)
		kills++
		cancel()
		wg.Wait()
		srv = nil
		checkStore(t, dir, workers, cycle, cycle == crashCycles-1)
	}

	// A final clean start serves every acknowledged connection.
	srv = StartServer(t, bin, RootEnv(), "--data-dir", dir)
	ops, acks, conns := 0, 0, 0
	for _, w := range workers {
		ops, acks, conns = ops+w.ops, acks+w.acks, conns+len(w.conns)
		for i, cn := range w.conns {
			if i%10 != 0 {
				continue // a sample: the store check above saw them all
			}
			code, body, err := Download(srv.Addr, cn.id)
			if err != nil || code != 200 {
				t.Fatalf("download %s after the crashes: %d %v %s", cn.id, code, err, body)
			}
		}
	}
	srv.Stop(t)
	if kills < 20 || acks < 100 {
		t.Fatalf("too little happened: %d kills, %d acknowledged writes", kills, acks)
	}
	t.Logf("%d kills (%d during start-up), %d writes sent, %d acknowledged, %d connections, %s", kills, startupKills, ops, acks, conns, time.Since(started).Round(time.Millisecond))
}

// checkStore opens the database of the killed server and checks its
// integrity and every acknowledged write.
//
// Records verified after an earlier kill and not written since are checked
// again only in a sample (structure is covered by the integrity checks),
// unless full: a full check reads every record back.
func checkStore(t *testing.T, dir string, workers []*worker, cycle int, full bool) {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(dir, "vpcvpn.db")

	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var ok string
	if err := raw.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("cycle %d: integrity_check = %q, %v", cycle, ok, err)
	}
	rows, err := raw.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Fatalf("cycle %d: foreign key violations", cycle)
	}
	rows.Close()
	// Half-written connections: a tunnel count other than 0 (single) or 2
	// (dual), a tunnel or single connection without its sealed key, a
	// connection without its (gateway, customer gateway) pairs.
	for _, q := range []struct{ what, sql string }{
		{"connections with a tunnel count other than 0 or 2",
			`SELECT c.connection_id FROM vpn_connections c LEFT JOIN vpn_tunnels t ON t.connection_id = c.connection_id GROUP BY c.connection_id HAVING COUNT(t.tunnel_id) NOT IN (0, 2)`},
		{"tunnels without a key", `SELECT tunnel_id FROM vpn_tunnels WHERE psk_sealed = ''`},
		{"single-tunnel connections without a key",
			`SELECT connection_id FROM vpn_connections c WHERE psk_sealed = '' AND NOT EXISTS (SELECT 1 FROM vpn_tunnels t WHERE t.connection_id = c.connection_id)`},
		{"connections without their pair", `SELECT connection_id FROM vpn_connections c WHERE NOT EXISTS (SELECT 1 FROM connection_pairs p WHERE p.connection_id = c.connection_id)`},
		{"tunnels without their connection", `SELECT tunnel_id FROM vpn_tunnels t WHERE NOT EXISTS (SELECT 1 FROM vpn_connections c WHERE c.connection_id = t.connection_id)`},
	} {
		var id string
		err := raw.QueryRowContext(ctx, q.sql).Scan(&id)
		if err == nil {
			t.Fatalf("cycle %d: %s, e.g. %s", cycle, q.what, id)
		}
		if err != sql.ErrNoRows {
			t.Fatal(err)
		}
	}

	keys, err := secret.LoadKeyringFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, path, keys)
	if err != nil {
		t.Fatalf("cycle %d: open the store: %v", cycle, err)
	}
	defer db.Close()
	root, err := db.GetAccessKey(ctx, RootAccessKeyID)
	if err != nil {
		t.Fatalf("cycle %d: root key: %v", cycle, err)
	}
	scope := store.Scope{AccountID: root.AccountID, RegionID: Region}
	if full {
		// Every stored connection opens (its keys are all there), also
		// those whose create was never answered.
		all, _, err := db.ListConnections(ctx, scope, store.ConnectionFilter{}, store.Page{})
		if err != nil {
			t.Fatalf("cycle %d: list: %v", cycle, err)
		}
		for _, c := range all {
			if _, err := db.GetConnection(ctx, scope, c.VpnConnectionID); err != nil {
				t.Fatalf("cycle %d: connection %s does not read back: %v", cycle, c.VpnConnectionID, err)
			}
		}
	}
	for _, w := range workers {
		for i, g := range w.cgws {
			if g.checked && !full && i%16 != cycle%16 {
				continue
			}
			if _, err := db.GetCustomerGateway(ctx, scope, g.id); err != nil {
				t.Fatalf("cycle %d: acknowledged customer gateway %s: %v", cycle, g.id, err)
			}
			g.checked = true
		}
		for i, cn := range w.conns {
			if cn.checked && !full && i%16 != cycle%16 {
				continue
			}
			cn.checked = true
			got, err := db.GetConnection(ctx, scope, cn.id)
			if err != nil {
				t.Fatalf("cycle %d: acknowledged connection %s: %v", cycle, cn.id, err)
			}
			if cn.dual {
				if len(got.Tunnels) != 2 || got.Tunnels[0].Ike.Psk != cn.psks[0] || got.Tunnels[1].Ike.Psk != cn.psks[1] {
					t.Fatalf("cycle %d: dual connection %s: %d tunnels, want PSKs %v", cycle, cn.id, len(got.Tunnels), cn.psks)
				}
				continue
			}
			have := value{got.Name, got.Ike.Psk}
			okValue := have == cn.acked
			for _, v := range cn.pending {
				okValue = okValue || have == v
			}
			if !okValue {
				t.Fatalf("cycle %d: connection %s holds %+v, want the acknowledged %+v or one of the unanswered %+v", cycle, cn.id, have, cn.acked, cn.pending)
			}
			// The server that might have applied the rest is dead:
			// from now on the connection holds exactly this.
			cn.acked, cn.pending = have, nil
		}
	}
}
