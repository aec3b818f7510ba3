package service

import (
	"context"
	"encoding/xml"
	"sync"
	"sync/atomic"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// DownloadVpnConnectionConfigResponse is the answer body of
// DownloadVpnConnectionConfig (RequestId is added by the HTTP layer).
type DownloadVpnConnectionConfigResponse struct {
	XMLName             xml.Name             `json:"-" xml:"DownloadVpnConnectionConfigResponse"`
	VpnConnectionConfig vpn.ConnectionConfig `json:"VpnConnectionConfig" xml:"VpnConnectionConfig"`
}

// Encoder encodes an answer body for action in JSON or XML exactly as the HTTP
// layer does, without RequestId (api.EncodeBody).
type Encoder func(action string, xmlFormat bool, body any) ([]byte, error)

// Encoded is an answer body already encoded in both formats.
type Encoded struct{ JSON, XML []byte }

// Bytes implements api.Preencoded.
func (e *Encoded) Bytes(xmlFormat bool) []byte {
	if xmlFormat {
		return e.XML
	}
	return e.JSON
}

// downloadCache keeps encoded download answers of a single-node server. Every
// write that can change an answer invalidates; a fill that raced with an
// invalidation is dropped (generation check), so a stale answer is never
// served after the write has been acknowledged.
type downloadCache struct {
	mu      sync.RWMutex
	entries map[string]*cachedDownload
	max     int
	gen     atomic.Uint64
}

type cachedDownload struct {
	account string
	enc     Encoded
}

func cacheKey(region, id string) string { return region + "/" + id }

func (c *downloadCache) get(key string) *cachedDownload {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[key]
}

func (c *downloadCache) put(key string, e *cachedDownload, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.entries == nil {
		c.entries = map[string]*cachedDownload{}
	}
	if len(c.entries) >= c.max {
		for k := range c.entries { // evict an arbitrary entry
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
}

func (c *downloadCache) invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	if key == "" {
		c.entries = nil
		return
	}
	delete(c.entries, key)
}

// EnableDownloadCache turns on the in-memory answer cache of
// DownloadVpnConnectionConfig, bounded to max entries. Only for a store that
// no other server writes to (SQLite): another node's writes would not
// invalidate it.
func (s *Service) EnableDownloadCache(enc Encoder, max int) {
	s.encode = enc
	s.cache = &downloadCache{max: max}
}

func (s *Service) invalidateDownload(region, id string) {
	if s.cache != nil {
		s.cache.invalidate(cacheKey(region, id))
	}
}

func (s *Service) invalidateDownloads() {
	if s.cache != nil {
		s.cache.invalidate("")
	}
}

// DownloadVpnConnectionConfig answers the customer-side configuration of a
// connection: what the customer's gateway device needs to bring up its side.
func (s *Service) DownloadVpnConnectionConfig(ctx context.Context, r *Request) (any, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return nil, err
	}
	id, err := vpn.RequiredID(r.Params, "VpnConnectionId", vpn.PrefixVpnConnection)
	if err != nil {
		return nil, err
	}
	var key string
	var gen uint64
	if s.cache != nil {
		key = cacheKey(region, id)
		if e := s.cache.get(key); e != nil {
			r.Resource = arn(region, e.account, "vpnconnection", id)
			if err := s.authorize(ctx, r, "vpc:DownloadVpnConnectionConfig", r.Resource, e.account); err != nil {
				return nil, err
			}
			return &e.enc, nil
		}
		gen = s.cache.gen.Load()
	}
	body, account, err := s.downloadView(ctx, r, region, id)
	if err != nil {
		return nil, err
	}
	if s.cache == nil {
		return body, nil
	}
	e := &cachedDownload{account: account}
	if e.enc.JSON, err = s.encode(r.Action, false, body); err != nil {
		return nil, err
	}
	if e.enc.XML, err = s.encode(r.Action, true, body); err != nil {
		return nil, err
	}
	s.cache.put(key, e, gen)
	return &e.enc, nil
}

// downloadView reads the connection, authorizes the download and builds the
// customer-side view.
func (s *Service) downloadView(ctx context.Context, r *Request, region, id string) (*DownloadVpnConnectionConfigResponse, string, error) {
	c, err := s.Store.GetConnection(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return nil, "", storeErr(err)
	}
	r.Resource = arn(region, c.AccountID, "vpnconnection", id)
	if err := s.authorize(ctx, r, "vpc:DownloadVpnConnectionConfig", r.Resource, c.AccountID); err != nil {
		return nil, "", err
	}
	gw, cgws, err := s.connectionDeps(ctx, ownerScope(&c), &c)
	if err != nil {
		return nil, "", err
	}
	return &DownloadVpnConnectionConfigResponse{VpnConnectionConfig: vpn.CustomerView(c, gw, cgws)}, c.AccountID, nil
}
