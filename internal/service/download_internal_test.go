package service

import (
	"bytes"
	"context"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"strings"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// downloadStore is a store.Store whose only methods used are the
// download's reads: it answers from its fields, counts the reads, and runs
// during (when set) inside GetConnection, as a write committing while a
// fill reads would.
type downloadStore struct {
	store.Store
	mu     sync.Mutex
	conns  map[string]vpn.Connection
	gw     vpn.Gateway
	cgw    vpn.CustomerGateway
	reads  map[string]int
	during func()
}

func (f *downloadStore) count(what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads[what]++
}

func (f *downloadStore) GetConnection(_ context.Context, _ store.Scope, id string) (vpn.Connection, error) {
	f.count("connection")
	f.mu.Lock()
	c, ok := f.conns[id]
	during := f.during
	f.during = nil
	f.mu.Unlock()
	if during != nil {
		during()
	}
	if !ok {
		return vpn.Connection{}, &store.NotFoundError{Kind: "VpnConnection", ID: id}
	}
	return c, nil
}

func (f *downloadStore) GetGateway(context.Context, store.Scope, string) (vpn.Gateway, error) {
	f.count("gateway")
	return f.gw, nil
}

func (f *downloadStore) GetCustomerGateway(context.Context, store.Scope, string) (vpn.CustomerGateway, error) {
	f.count("cgw")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cgw, nil
}

func (f *downloadStore) setPsk(id, psk string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.conns[id]
	c.Ike.Psk = psk
	f.conns[id] = c
}

func newDownloadFixture(t *testing.T, max int) (*Service, *downloadStore) {
	t.Helper()
	f := &downloadStore{conns: map[string]vpn.Connection{}, reads: map[string]int{},
		gw:  vpn.Gateway{AccountID: storetest.Account, RegionID: storetest.Region, VpnGatewayID: "vpn-1", InternetIP: "203.0.113.10"},
		cgw: vpn.CustomerGateway{AccountID: storetest.Account, RegionID: storetest.Region, CustomerGatewayID: "cgw-1", IPAddress: "198.51.100.1"}}
	for _, id := range []string{"vco-a", "vco-b", "vco-c"} {
		f.conns[id] = storetest.SingleConnection(id, "vpn-1", "cgw-1", "psk-"+id)
	}
	s, err := New(Config{Store: f, DownloadCache: DownloadCacheConfig{Entries: max}})
	if err != nil {
		t.Fatal(err)
	}
	return s, f
}

// download answers connection id in format f; the request's Format
// parameter says the opposite, which the service must not read.
func download(t *testing.T, s *Service, id string, f wire.Format) string {
	t.Helper()
	wrong := map[wire.Format]string{wire.JSON: "XML", wire.XML: "JSON"}[f]
	r := &Request{Action: "DownloadVpnConnectionConfig", Meta: action.Meta{RAM: "vpc:DownloadVpnConnectionConfig", Class: action.SecretRead}, Principal: iam.Principal{Kind: iam.PrincipalRoot, AccountID: storetest.Account},
		Params: map[string]string{"RegionId": storetest.Region, "VpnConnectionId": id, "Format": wrong}, Format: f}
	body, err := s.DownloadVpnConnectionConfig(context.Background(), r)
	if err != nil {
		t.Fatalf("download %s: %v", id, err)
	}
	e, ok := body.(*wire.Encoded)
	if !ok {
		t.Fatalf("download %s answered %T, want *wire.Encoded", id, body)
	}
	if e.Format != f {
		t.Fatalf("download %s in %s answered %s bytes", id, f, e.Format)
	}
	return string(e.Body)
}

func TestDownloadCachePerFormat(t *testing.T) {
	s, f := newDownloadFixture(t, 10)
	j := download(t, s, "vco-a", wire.JSON)
	x := download(t, s, "vco-a", wire.XML)
	if !strings.HasPrefix(j, `{"VpnConnectionConfig":{`) || !strings.HasPrefix(x, wire.XMLHeader+"<DownloadVpnConnectionConfigResponse><VpnConnectionConfig>") {
		t.Fatalf("JSON answer %.40q, XML answer %.80q", j, x)
	}
	if j2, x2 := download(t, s, "vco-a", wire.JSON), download(t, s, "vco-a", wire.XML); j2 != j || x2 != x {
		t.Fatalf("cached answers differ from the filled ones")
	}
	if f.reads["connection"] != 2 {
		t.Fatalf("%d connection reads, want 2 (one fill per format)", f.reads["connection"])
	}
}

// TestDownloadCacheFillRacingInvalidation: a write that commits (and
// invalidates) while a fill reads must not leave the fill's stale answer in
// the cache.
func TestDownloadCacheFillRacingInvalidation(t *testing.T) {
	s, f := newDownloadFixture(t, 10)
	f.during = func() {
		f.setPsk("vco-a", "psk-new")
		s.invalidateDownload(storetest.Region, "vco-a")
	}
	first := download(t, s, "vco-a", wire.JSON)
	if !strings.Contains(first, "psk-vco-a") {
		t.Fatalf("first answer %s, want the PSK read before the write", first)
	}
	if got := download(t, s, "vco-a", wire.JSON); !strings.Contains(got, "psk-new") {
		t.Fatalf("answer after the write %s, want psk-new (the raced fill was cached)", got)
	}
	if f.reads["connection"] != 2 {
		t.Fatalf("%d connection reads, want 2", f.reads["connection"])
	}
}

// TestDownloadCacheDependencies: the gateways an answer is built from are
// cached apart; a connection's invalidation keeps them, a customer
// gateway's write drops them with every answer.
func TestDownloadCacheDependencies(t *testing.T) {
	s, f := newDownloadFixture(t, 10)
	download(t, s, "vco-a", wire.JSON)
	download(t, s, "vco-b", wire.JSON)
	if f.reads["gateway"] != 1 || f.reads["cgw"] != 1 {
		t.Fatalf("reads %v, want one gateway and one customer gateway read for two connections", f.reads)
	}
	s.invalidateDownload(storetest.Region, "vco-a")
	download(t, s, "vco-a", wire.JSON)
	if f.reads["connection"] != 3 || f.reads["cgw"] != 1 {
		t.Fatalf("reads %v after a connection's invalidation, want 3 connection reads and still 1 customer gateway read", f.reads)
	}
	f.mu.Lock()
	f.cgw.IPAddress = "198.51.100.99"
	f.mu.Unlock()
	s.invalidateDownloads()
	if got := download(t, s, "vco-b", wire.JSON); !strings.Contains(got, "198.51.100.99") {
		t.Fatalf("answer after the customer gateway changed: %s", got)
	}
	if f.reads["cgw"] != 2 {
		t.Fatalf("reads %v, want the customer gateway read again", f.reads)
	}
}

// TestDownloadCachePutReplace: storing an answer under a key the cache
// holds replaces it without evicting another answer; a new key in a full
// cache evicts one.
func TestDownloadCachePutReplace(t *testing.T) {
	c := &downloadCache{max: 2}
	a, b, n := cacheKey("r", "a", wire.JSON), cacheKey("r", "b", wire.JSON), cacheKey("r", "n", wire.JSON)
	c.put(a, &cachedDownload{enc: wire.Encoded{Body: []byte("a1")}}, 0)
	c.put(b, &cachedDownload{enc: wire.Encoded{Body: []byte("b1")}}, 0)
	for range 20 { // eviction picks an arbitrary entry: repeat
		c.put(a, &cachedDownload{enc: wire.Encoded{Body: []byte("a2")}}, 0)
		if c.entries[b] == nil {
			t.Fatal("replacing a evicted b")
		}
	}
	if e := c.entries[a]; e == nil || !bytes.Equal(e.enc.Body, []byte("a2")) {
		t.Fatalf("a = %v, want a2", e)
	}
	c.put(n, &cachedDownload{enc: wire.Encoded{Body: []byte("n")}}, 0)
	if len(c.entries) != 2 || c.entries[n] == nil {
		t.Fatalf("after a new key in a full cache: %d entries, new present %v", len(c.entries), c.entries[n] != nil)
	}
}
