package bench

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// SeedPool is the default gateway address pool of Seed: 198.18.0.0/15, the
// range RFC 2544 sets aside for benchmarks (131 072 addresses).
const SeedPool = "198.18.0.0/15"

// Seed describes a store to fill.
type Seed struct {
	AccountID   string // the owner of everything created (required)
	Region      string // default cn-hangzhou
	Connections int    // how many connections (required, > 0)
	// PerGateway is the number of connections on one VPN gateway (default
	// 100). Each gateway has its own VPC.
	PerGateway int
	// DualEvery makes every DualEvery-th gateway a dual-tunnel gateway (two
	// vSwitches, two addresses) carrying dual-tunnel connections with
	// BGP; 0 means 4 (a quarter), < 0 means none.
	DualEvery int
	// Pool is where gateway addresses come from (default SeedPool).
	Pool store.AddressPool
	// Concurrency is the number of goroutines writing (default 8).
	Concurrency int
	// Progress, if set, is called now and then with the connections stored
	// so far (never concurrently).
	Progress func(done int)
}

// SeedResult is what Seed created.
type SeedResult struct {
	Connections      int
	Dual             int // of Connections
	Gateways         int
	CustomerGateways int
	// Single and DualIDs are a few connection ids of each kind, for
	// `vpcvpn bench download --connection`.
	Single, DualIDs []string
	// IDs are all the connections' ids, in creation order.
	IDs     []string
	Elapsed time.Duration
}

func (s *Seed) defaults() error {
	if s.AccountID == "" {
		return errors.New("bench: Seed.AccountID is empty")
	}
	if s.Connections <= 0 {
		return errors.New("bench: give a positive number of connections")
	}
	if s.Region == "" {
		s.Region = "cn-hangzhou"
	}
	if s.PerGateway <= 0 {
		s.PerGateway = 100
	}
	if s.DualEvery == 0 {
		s.DualEvery = 4
	}
	if len(s.Pool) == 0 {
		s.Pool = store.AddressPool{netip.MustParsePrefix(SeedPool)}
	}
	if s.Concurrency <= 0 {
		s.Concurrency = 8
	}
	return nil
}

// gatewayCount is the number of gateways Seed creates.
func (s *Seed) gatewayCount() int { return (s.Connections + s.PerGateway - 1) / s.PerGateway }

// dual reports whether gateway g is dual-tunnel.
func (s *Seed) dual(g int) bool { return s.DualEvery > 0 && g%s.DualEvery == s.DualEvery-1 }

// Run fills st. Everything goes through the store.Store interface, in as
// many transactions as there are records, from Concurrency goroutines (the
// store serialises its writers; the goroutines overlap the sealing and
// encoding with the writes). Customer gateways are shared by all gateways:
// 2*PerGateway of them, so that every (gateway, customer gateway) pair
// carries at most one connection.
func (s Seed) Run(ctx context.Context, st store.Store) (SeedResult, error) {
	if err := s.defaults(); err != nil {
		return SeedResult{}, err
	}
	start := time.Now()
	now := start.UTC()
	res := SeedResult{}

	// Customer gateways: ids and addresses fixed by index.
	ncgw := 2 * s.PerGateway
	cgws := make([]vpn.CustomerGateway, ncgw)
	for i := range cgws {
		cgws[i] = vpn.CustomerGateway{
			AccountID: s.AccountID, RegionID: s.Region, CustomerGatewayID: vpn.NewID(vpn.PrefixCustomerGateway),
			Name: fmt.Sprintf("dc-%d", i), IPAddress: cgwAddress(i), Asn: int64(65000 + i%500), CreatedAt: now,
		}
	}
	if err := parallel(ctx, ncgw, s.Concurrency, func(i int) error {
		_, err := st.CreateCustomerGateway(ctx, cgws[i], store.Idempotency{})
		return err
	}); err != nil {
		return res, fmt.Errorf("create customer gateways: %w", err)
	}
	res.CustomerGateways = ncgw

	// VPCs, vSwitches and gateways.
	ng := s.gatewayCount()
	gws := make([]vpn.Gateway, ng)
	if err := parallel(ctx, ng, s.Concurrency, func(g int) error {
		gw, err := s.createGateway(ctx, st, g, now)
		gws[g] = gw
		return err
	}); err != nil {
		return res, fmt.Errorf("create gateways: %w", err)
	}
	res.Gateways = ng

	// Connections.
	var done atomic.Int64
	var mu sync.Mutex
	report := func() {
		if s.Progress == nil || !mu.TryLock() {
			return
		}
		defer mu.Unlock()
		s.Progress(int(done.Load()))
	}
	ids := make([]string, s.Connections)
	err := parallel(ctx, s.Connections, s.Concurrency, func(i int) error {
		g, slot := i/s.PerGateway, i%s.PerGateway
		c, err := s.connection(gws[g], slot, cgws, now)
		if err != nil {
			return err
		}
		if _, err := st.CreateConnection(ctx, c, store.Idempotency{}); err != nil {
			return fmt.Errorf("connection %d on %s: %w", i, gws[g].VpnGatewayID, err)
		}
		ids[i] = c.VpnConnectionID
		if n := done.Add(1); n%1000 == 0 {
			report()
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Connections = s.Connections
	res.IDs = ids
	for i, id := range ids {
		if s.dual(i / s.PerGateway) {
			res.Dual++
			if len(res.DualIDs) < 3 {
				res.DualIDs = append(res.DualIDs, id)
			}
		} else if len(res.Single) < 3 {
			res.Single = append(res.Single, id)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// cgwAddress is the address of customer gateway i (0 <= i < 1<<24), in
// 10.0.0.0/8: private space, never a real peer, and accepted by
// CreateCustomerGateway (which refuses 100.64.0.0/10 and other reserved
// ranges).
func cgwAddress(i int) string {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
}

func (s *Seed) createGateway(ctx context.Context, st store.Store, g int, now time.Time) (vpn.Gateway, error) {
	v := vpn.Vpc{AccountID: s.AccountID, RegionID: s.Region, VpcID: vpn.NewID(vpn.PrefixVpc), VpcName: fmt.Sprintf("bench-%d", g),
		CidrBlock: "10.0.0.0/16", Status: "Available", CreatedAt: now}
	if _, err := st.CreateVpc(ctx, v, store.Idempotency{}); err != nil {
		return vpn.Gateway{}, err
	}
	gw := vpn.Gateway{
		AccountID: s.AccountID, RegionID: s.Region, VpnGatewayID: vpn.NewID(vpn.PrefixVpnGateway), VpcID: v.VpcID,
		Name: fmt.Sprintf("bench-gw-%d", g), Bandwidth: 100, EnableIpsec: true, NetworkType: "public", VpnType: "Normal",
		InstanceChargeType: "POSTPAY", Status: "active", BusinessStatus: "Normal", CreatedAt: now,
	}
	if s.dual(g) {
		for i, zone := range []string{"h", "i"} {
			sw := vpn.VSwitch{AccountID: s.AccountID, RegionID: s.Region, VSwitchID: vpn.NewID(vpn.PrefixVSwitch), VpcID: v.VpcID,
				ZoneID: s.Region + "-" + zone, CidrBlock: fmt.Sprintf("10.0.%d.0/24", i), Status: "Available", CreatedAt: now}
			if _, err := st.CreateVSwitch(ctx, sw, store.Idempotency{}); err != nil {
				return vpn.Gateway{}, err
			}
			if i == 0 {
				gw.VSwitchID = sw.VSwitchID
			} else {
				gw.DisasterRecoveryVSwitchID = sw.VSwitchID
			}
		}
	}
	if _, err := st.CreateGateway(ctx, gw, s.Pool, store.Idempotency{}); err != nil {
		return vpn.Gateway{}, err
	}
	// The store allocated the addresses; read them back for the
	// connections' IKE identities.
	return st.GetGateway(ctx, store.Scope{AccountID: s.AccountID, RegionID: s.Region}, gw.VpnGatewayID)
}

// connection builds connection slot of gateway gw, with the defaults and
// validation of the API's CreateVpnConnection.
func (s *Seed) connection(gw vpn.Gateway, slot int, cgws []vpn.CustomerGateway, now time.Time) (vpn.Connection, error) {
	c := vpn.Connection{
		AccountID: s.AccountID, RegionID: s.Region, VpnConnectionID: vpn.NewID(vpn.PrefixVpnConnection), VpnGatewayID: gw.VpnGatewayID,
		Name:         fmt.Sprintf("site-%d", slot),
		LocalSubnet:  fmt.Sprintf("10.0.%d.0/24", slot%256),
		RemoteSubnet: fmt.Sprintf("172.%d.%d.0/24", 16+slot/256%16, slot%256),
		EnableDpd:    true, EnableNatTraversal: true, EffectImmediately: slot%2 == 0,
		Status: "ike_sa_not_established", State: "active", CreatedAt: now,
	}
	used := map[string]vpn.CustomerGateway{}
	if gw.DualTunnel() {
		c.EnableTunnelsBgp = true
		for i, role := range []string{"master", "slave"} {
			cg := cgws[slot+i*s.PerGateway]
			used[cg.CustomerGatewayID] = cg
			c.Tunnels = append(c.Tunnels, vpn.Tunnel{
				TunnelID: vpn.NewID(vpn.PrefixTunnel), Role: role, CustomerGatewayID: cg.CustomerGatewayID,
				EnableDpd: true, EnableNatTraversal: true,
				Ike:    vpn.IkeConfig{IkeVersion: "ikev2", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14", IkeLifetime: 86400},
				Ipsec:  vpn.IpsecConfig{IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "group14", IpsecLifetime: 3600},
				Bgp:    vpn.BgpConfig{EnableBgp: true, LocalAsn: 45104, TunnelCidr: fmt.Sprintf("169.254.%d.%d/30", 10+i, slot*4%256), LocalBgpIP: fmt.Sprintf("169.254.%d.%d", 10+i, slot*4%256+1)},
				Status: "ike_sa_not_established", State: "active",
			})
		}
	} else {
		cg := cgws[slot]
		used[cg.CustomerGatewayID] = cg
		c.CustomerGatewayID = cg.CustomerGatewayID
		c.Ike = vpn.IkeConfig{IkeVersion: "ikev2", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14", IkeLifetime: 86400}
		c.Ipsec = vpn.IpsecConfig{IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "group14", IpsecLifetime: 3600}
		c.HealthCheck = vpn.HealthCheckConfig{}
	}
	if err := vpn.ApplyConnectionDefaults(&c, gw, used); err != nil {
		return vpn.Connection{}, fmt.Errorf("connection %d of %s: %w", slot, gw.VpnGatewayID, err)
	}
	return c, nil
}

// parallel calls fn(0..n-1) from workers goroutines and returns the first
// error (the others stop taking work).
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := ctx.Err(); err != nil {
					once.Do(func() { first = err })
					stop.Store(true)
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					stop.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
