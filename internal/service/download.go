package service

import (
	"context"
	"encoding/xml"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// DownloadVpnConnectionConfigResponse is the answer body of
// DownloadVpnConnectionConfig (RequestId is added by the HTTP layer).
type DownloadVpnConnectionConfigResponse struct {
	XMLName             xml.Name             `json:"-" xml:"DownloadVpnConnectionConfigResponse"`
	VpnConnectionConfig vpn.ConnectionConfig `json:"VpnConnectionConfig" xml:"VpnConnectionConfig"`
}

// downloadCache keeps encoded download answers (encoded by package wire,
// as the HTTP layer encodes every answer, in the format of the request that
// filled them: one entry per format) of a single-node server, and
// the VPN gateways and customer gateways those answers are built from (many
// connections share them, so a miss on a large store mostly reads only the
// connection). Every write that can change an answer invalidates: a
// connection's own entries when it changes, everything when a customer
// gateway changes (a VPN gateway never changes while a connection uses it:
// there is no modify action, and one with connections cannot be deleted). A
// fill that raced with an invalidation is dropped (generation check), so a
// stale answer is never served after the write has been acknowledged.
type downloadCache struct {
	mu      sync.RWMutex
	entries map[answerKey]*cachedDownload
	max     int
	gen     atomic.Uint64

	gateways map[string]cachedGateway         // by region/id
	cgws     map[string]cachedCustomerGateway // by region/id

	// checked: other servers write to the store too (PostgreSQL). Every
	// entry then records its account's answers generation
	// (internal/cachegen) as read before the data it was built from, and is
	// used only by a request whose own reading (Request.Fresh, taken with
	// its nonce) is the same.
	checked bool
}

type cachedDownload struct {
	account  string
	resource string       // the connection's ARN
	enc      wire.Encoded // answered as &enc: no copy, no allocation
	agen     uint64       // checked mode: the account's answers generation
}

type cachedGateway struct {
	gw   vpn.Gateway
	agen uint64
}

type cachedCustomerGateway struct {
	cg   vpn.CustomerGateway
	agen uint64
}

// answersGen returns the answers generation of account as r read it, for
// a checked cache (ok false: not read, so no entry may be used or filled).
func (c *downloadCache) answersGen(r *Request, account string) (uint64, bool) {
	if !c.checked {
		return 0, true
	}
	g, ok := r.Fresh.For(account)
	return g.Answers, ok
}

// answerKey is the key of one connection's answer in one format.
type answerKey struct {
	region, id string
	format     wire.Format
}

func cacheKey(region, id string, f wire.Format) answerKey {
	return answerKey{region, id, f}
}

func depKey(region, id string) string { return region + "/" + id }

// get returns the entry of key that r may use.
func (c *downloadCache) get(r *Request, key answerKey) *cachedDownload {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	if g, ok := c.answersGen(r, e.account); !ok || g != e.agen {
		return nil
	}
	return e
}

// putBounded stores v under k in m, bounded to max entries: a new key in a
// full map first evicts an arbitrary entry; a key m holds is replaced and
// evicts nothing.
func putBounded[K comparable, V any](m map[K]V, k K, v V, max int) {
	if _, ok := m[k]; !ok && len(m) >= max {
		for old := range m {
			delete(m, old)
			break
		}
	}
	m[k] = v
}

func (c *downloadCache) put(key answerKey, e *cachedDownload, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.entries == nil {
		c.entries = map[answerKey]*cachedDownload{}
	}
	putBounded(c.entries, key, e, c.max)
}

// deps returns the cached gateway and customer gateways of c (ok=false when
// any is missing, or in checked mode filled under another answers
// generation than agen).
func (c *downloadCache) deps(conn *vpn.Connection, agen uint64) (vpn.Gateway, map[string]vpn.CustomerGateway, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	gw, ok := c.gateways[depKey(conn.RegionID, conn.VpnGatewayID)]
	if !ok || gw.gw.AccountID != conn.AccountID || (c.checked && gw.agen != agen) {
		return vpn.Gateway{}, nil, false
	}
	cgws := make(map[string]vpn.CustomerGateway, 2)
	for _, id := range connectionCgwIDs(conn) {
		cg, ok := c.cgws[depKey(conn.RegionID, id)]
		if !ok || cg.cg.AccountID != conn.AccountID || (c.checked && cg.agen != agen) {
			return vpn.Gateway{}, nil, false
		}
		cgws[id] = cg.cg
	}
	return gw.gw, cgws, true
}

func (c *downloadCache) putDeps(region string, gw vpn.Gateway, cgws map[string]vpn.CustomerGateway, gen, agen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.gateways == nil {
		c.gateways = map[string]cachedGateway{}
		c.cgws = map[string]cachedCustomerGateway{}
	}
	putBounded(c.gateways, depKey(region, gw.VpnGatewayID), cachedGateway{gw, agen}, c.max)
	for id, cg := range cgws {
		putBounded(c.cgws, depKey(region, id), cachedCustomerGateway{cg, agen}, c.max)
	}
}

// invalidate drops the answers of connection id in region, or everything
// (answers and dependencies) when id is "".
func (c *downloadCache) invalidate(region, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	if id == "" {
		c.entries, c.gateways, c.cgws = nil, nil, nil
		return
	}
	delete(c.entries, cacheKey(region, id, wire.JSON))
	delete(c.entries, cacheKey(region, id, wire.XML))
}

// connectionCgwIDs lists the customer gateways c refers to.
func connectionCgwIDs(c *vpn.Connection) []string {
	var ids []string
	if c.CustomerGatewayID != "" {
		ids = append(ids, c.CustomerGatewayID)
	}
	for _, t := range c.Tunnels {
		if t.CustomerGatewayID != "" {
			ids = append(ids, t.CustomerGatewayID)
		}
	}
	return ids
}

// DownloadCacheConfig configures the in-memory answer cache of
// DownloadVpnConnectionConfig.
type DownloadCacheConfig struct {
	// Entries bounds the cache to Entries answers (and as many VPN
	// gateways and customer gateways); 0 turns the cache off.
	Entries int
	// Checked is for a store that other servers write to as well
	// (PostgreSQL): an entry is then used only by a request whose reading
	// of its account's answers generation, taken with the request's nonce
	// (Request.Fresh), equals the one read before the entry was filled, so
	// a change acknowledged by any server before the request arrived is in
	// its answer; requests without such a reading read the store. Without
	// Checked the cache is only for a store no other server writes to
	// (SQLite): another node's writes would not invalidate it.
	Checked bool
}

func (s *Service) enableDownloadCache(c DownloadCacheConfig) error {
	switch {
	case c.Entries < 0:
		return fmt.Errorf("service: DownloadCache.Entries is %d; want 0 (off) or more", c.Entries)
	case c.Entries == 0:
		return nil
	}
	s.cache = &downloadCache{max: c.Entries, checked: c.Checked}
	return nil
}

func (s *Service) invalidateDownload(region, id string) {
	if s.cache != nil {
		s.cache.invalidate(region, id)
	}
}

func (s *Service) invalidateDownloads() {
	if s.cache != nil {
		s.cache.invalidate("", "")
	}
}

// DownloadVpnConnectionConfig answers the customer-side configuration of a
// connection: what the customer's gateway device needs to bring up its side.
// With a cache it answers a *wire.Encoded in r.Format; without, the
// *DownloadVpnConnectionConfigResponse.
func (s *Service) DownloadVpnConnectionConfig(ctx context.Context, r *Request) (any, error) {
	if s.cache != nil {
		// Fast path: an answer is cached only under the RegionId and
		// VpnConnectionId that validated when it was filled (both
		// returned unchanged by their parsers, neither holding a '/'),
		// so a hit on the raw parameters is a request that would
		// validate the same way.
		if e := s.cache.get(r, cacheKey(r.Params["RegionId"], r.Params["VpnConnectionId"], r.Format)); e != nil {
			r.Resource = e.resource
			if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, e.account); err != nil {
				return nil, err
			}
			return &e.enc, nil
		}
	}
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return nil, err
	}
	id, err := vpn.RequiredID(r.Params, "VpnConnectionId", vpn.PrefixVpnConnection)
	if err != nil {
		return nil, err
	}
	var gen uint64
	if s.cache != nil {
		gen = s.cache.gen.Load()
	}
	body, account, err := s.downloadView(ctx, r, region, id, gen)
	if err != nil {
		return nil, err
	}
	if s.cache == nil {
		return body, nil
	}
	enc, err := wire.EncodeBody(r.Action, r.Format, body)
	if err != nil {
		return nil, err
	}
	e := &cachedDownload{account: account, resource: arn(region, account, "vpnconnection", id), enc: enc}
	// r's reading was taken before the store was read (with its nonce).
	if agen, ok := s.cache.answersGen(r, account); ok {
		e.agen = agen
		s.cache.put(cacheKey(region, id, r.Format), e, gen)
	}
	return &e.enc, nil
}

// downloadView reads the connection, authorizes the download and builds the
// customer-side view. gen is the cache generation read before (with a
// cache).
func (s *Service) downloadView(ctx context.Context, r *Request, region, id string, gen uint64) (*DownloadVpnConnectionConfigResponse, string, error) {
	c, err := s.store.GetConnection(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return nil, "", storeErr(err)
	}
	r.Resource = arn(region, c.AccountID, "vpnconnection", id)
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, c.AccountID); err != nil {
		return nil, "", err
	}
	var gw vpn.Gateway
	var cgws map[string]vpn.CustomerGateway
	ok := false
	var agen uint64
	fresh := false
	if s.cache != nil {
		if agen, fresh = s.cache.answersGen(r, c.AccountID); fresh {
			gw, cgws, ok = s.cache.deps(&c, agen)
		}
	}
	if !ok {
		if gw, cgws, err = s.connectionDeps(ctx, ownerScope(&c), &c); err != nil {
			return nil, "", err
		}
		if fresh {
			s.cache.putDeps(c.RegionID, gw, cgws, gen, agen)
		}
	}
	return &DownloadVpnConnectionConfigResponse{VpnConnectionConfig: vpn.CustomerView(c, gw, cgws)}, c.AccountID, nil
}
