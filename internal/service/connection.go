package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// connectionDeps loads the gateway and customer gateways a connection reads.
func (s *Service) connectionDeps(ctx context.Context, sc store.Scope, c *vpn.Connection) (vpn.Gateway, map[string]vpn.CustomerGateway, error) {
	gw, err := s.store.GetGateway(ctx, sc, c.VpnGatewayID)
	if err != nil {
		return vpn.Gateway{}, nil, storeErr(err)
	}
	cgws := map[string]vpn.CustomerGateway{}
	ids := []string{c.CustomerGatewayID}
	for _, t := range c.Tunnels {
		ids = append(ids, t.CustomerGatewayID)
	}
	for _, id := range ids {
		if id == "" || cgws[id].CustomerGatewayID != "" {
			continue
		}
		cg, err := s.store.GetCustomerGateway(ctx, sc, id)
		if err != nil {
			return vpn.Gateway{}, nil, storeErr(err)
		}
		cgws[id] = cg
	}
	return gw, cgws, nil
}

// answerDeps is connectionDeps for answers that name zones (ZoneNo): it
// also fills the zones of the gateway's vSwitches (a vSwitch that is gone
// leaves its zone out). The download, which needs no zone, skips the reads.
func (s *Service) answerDeps(ctx context.Context, sc store.Scope, c *vpn.Connection) (vpn.Gateway, map[string]vpn.CustomerGateway, error) {
	gw, cgws, err := s.connectionDeps(ctx, sc, c)
	if err != nil {
		return gw, nil, err
	}
	for _, z := range []struct {
		sw  string
		dst *string
	}{{gw.VSwitchID, &gw.ZoneID}, {gw.DisasterRecoveryVSwitchID, &gw.DisasterRecoveryZoneID}} {
		if z.sw == "" {
			continue
		}
		if sw, err := s.store.GetVSwitch(ctx, sc, z.sw); err == nil {
			*z.dst = sw.ZoneID
		} else if !errors.Is(err, store.ErrNotFound) {
			return vpn.Gateway{}, nil, storeErr(err)
		}
	}
	return gw, cgws, nil
}

// CreateVpnConnection creates an IPsec-VPN connection (single- or
// dual-tunnel) on a VPN gateway.
func (s *Service) CreateVpnConnection(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseCreateVpnConnection(r.Params)
	if err != nil {
		return nil, err
	}
	c := in.Connection
	c.AccountID = r.Principal.AccountID
	r.Resource = arn(c.RegionID, c.AccountID, "vpnconnection", "*")
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, c.AccountID); err != nil {
		return nil, err
	}
	sc := scope(r, c.RegionID)
	gw, cgws, err := s.connectionDeps(ctx, sc, &c)
	if err != nil {
		return nil, err
	}
	if err := vpn.ApplyConnectionDefaults(&c, gw, cgws); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	c.VpnConnectionID = vpn.NewID(vpn.PrefixVpnConnection)
	for i := range c.Tunnels {
		c.Tunnels[i].TunnelID = vpn.NewID(vpn.PrefixTunnel)
		c.Tunnels[i].Status = "ike_sa_not_established"
		c.Tunnels[i].State = "active"
	}
	c.Status, c.State = "ike_sa_not_established", "active"
	// A connection belongs to its VPN gateway's resource group.
	c.ResourceGroupID = gw.ResourceGroupID
	c.ClientToken = in.ClientToken
	c.CreatedAt = s.now().UTC()
	created, err := s.store.CreateConnection(ctx, c, idem(r, in.ClientToken))
	if err != nil {
		return nil, storeErrOf(err, opCreateVpnConnection, about{Target: c.VpnGatewayID})
	}
	s.notifyGateway(c.VpnGatewayID)
	// The answer (id, name, creation time) is the record just written, as
	// stored; a replayed ClientToken answers with the connection it created.
	got := c
	if created.Replayed {
		if got, err = s.store.GetConnection(ctx, sc, created.ID); err != nil {
			return nil, storeErr(err)
		}
	}
	r.Resource = arn(c.RegionID, c.AccountID, "vpnconnection", got.VpnConnectionID)
	return vpn.NewCreateVpnConnectionResponse(got), nil
}

// connection loads a connection by RegionId and VpnConnectionId (of any
// account) and authorizes action on it.
func (s *Service) connection(ctx context.Context, r *Request, action string) (vpn.Connection, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return vpn.Connection{}, err
	}
	id, err := vpn.RequiredID(r.Params, "VpnConnectionId", vpn.PrefixVpnConnection)
	if err != nil {
		return vpn.Connection{}, err
	}
	c, err := s.store.GetConnection(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return vpn.Connection{}, storeErr(err)
	}
	r.Resource = arn(region, c.AccountID, "vpnconnection", id)
	if err := s.authorize(ctx, r, action, r.Resource, c.AccountID); err != nil {
		return vpn.Connection{}, err
	}
	return c, nil
}

func ownerScope(c *vpn.Connection) store.Scope {
	return store.Scope{AccountID: c.AccountID, RegionID: c.RegionID}
}

// DescribeVpnConnection describes one connection.
func (s *Service) DescribeVpnConnection(ctx context.Context, r *Request) (any, error) {
	c, err := s.connection(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	gw, cgws, err := s.answerDeps(ctx, ownerScope(&c), &c)
	if err != nil {
		return nil, err
	}
	one := []vpn.Connection{c}
	if err := s.applyStatuses(ctx, one); err != nil {
		return nil, err
	}
	return vpn.NewVpnConnectionItem(one[0], gw, cgws), nil
}

// DescribeVpnConnections lists the caller's connections in a region.
func (s *Service) DescribeVpnConnections(ctx context.Context, r *Request) (any, error) {
	f, err := vpn.ParseDescribe("DescribeVpnConnections", r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(f.RegionID, acct, "vpnconnection"))
	if err != nil {
		return nil, err
	}
	if err := la.named(ctx, idARNs(f.RegionID, acct, "vpnconnection", f.IDs)); err != nil {
		return nil, err
	}
	sc := scope(r, f.RegionID)
	conns, total, err := listPage(ctx, la, f.Page, func(pg store.Page) ([]vpn.Connection, int, error) {
		return s.store.ListConnections(ctx, sc, store.ConnectionFilter{IDs: f.IDs, VpnGatewayID: f.VpnGatewayID, CustomerGatewayID: f.CustomerGatewayID, ResourceGroupID: f.ResourceGroupID, Tags: f.Tags}, pg)
	}, func(c *vpn.Connection) string { return arn(f.RegionID, acct, "vpnconnection", c.VpnConnectionID) })
	if err != nil {
		return nil, err
	}
	if err := s.applyStatuses(ctx, conns); err != nil {
		return nil, err
	}
	items := make([]vpn.VpnConnectionItem, 0, len(conns))
	for i := range conns {
		gw, cgws, err := s.answerDeps(ctx, sc, &conns[i])
		if err != nil {
			return nil, err
		}
		items = append(items, vpn.NewVpnConnectionItem(conns[i], gw, cgws))
	}
	return vpn.NewDescribeVpnConnectionsResponse(items, f.Page, total), nil
}

// ModifyVpnConnectionAttribute changes a connection; only the given fields
// change and the next download shows them.
func (s *Service) ModifyVpnConnectionAttribute(ctx context.Context, r *Request) (any, error) {
	cur, err := s.connection(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	next, opts, err := vpn.ParseModifyVpnConnection(r.Params, cur)
	if err != nil {
		return nil, err
	}
	got, gw, cgws, err := s.saveConnection(ctx, cur, next, opts)
	if err != nil {
		return nil, err
	}
	return vpn.NewModifyVpnConnectionAttributeResponse(got, gw, cgws), nil
}

// saveConnection validates a changed connection against its gateway and
// customer gateways (re-defaulting the identity of a tunnel moved to
// another customer gateway), writes it unless opts asks for a dry run, and
// returns it as stored with its gateway and customer gateways.
func (s *Service) saveConnection(ctx context.Context, cur, next vpn.Connection, opts vpn.Options) (vpn.Connection, vpn.Gateway, map[string]vpn.CustomerGateway, error) {
	gw, cgws, err := s.answerDeps(ctx, ownerScope(&cur), &next)
	if err != nil {
		return vpn.Connection{}, gw, nil, err
	}
	_, oldCgws, err := s.connectionDeps(ctx, ownerScope(&cur), &cur)
	if err != nil {
		return vpn.Connection{}, gw, nil, err
	}
	redefaultIDs(&cur, &next, oldCgws)
	if err := vpn.ApplyConnectionDefaults(&next, gw, cgws); err != nil {
		return vpn.Connection{}, gw, nil, err
	}
	if err := dryRun(opts.DryRun); err != nil {
		return vpn.Connection{}, gw, nil, err
	}
	if err := s.store.UpdateConnection(ctx, next); err != nil {
		return vpn.Connection{}, gw, nil, storeErrOf(err, opUpdateVpnConnection, about{Target: next.VpnGatewayID})
	}
	s.invalidateDownload(next.RegionID, next.VpnConnectionID)
	s.notifyGateway(next.VpnGatewayID)
	got, err := s.store.GetConnection(ctx, ownerScope(&cur), cur.VpnConnectionID)
	if err != nil {
		return vpn.Connection{}, gw, nil, storeErr(err)
	}
	return got, gw, cgws, nil
}

// DeleteVpnConnection deletes a connection.
func (s *Service) DeleteVpnConnection(ctx context.Context, r *Request) (any, error) {
	c, err := s.connection(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	err = dryRunOr(r, func() error { return s.nextHopInUse(ctx, ownerScope(&c), c) },
		func() error { return s.store.DeleteConnection(ctx, ownerScope(&c), c.VpnConnectionID) })
	if err != nil {
		return nil, storeErrOf(err, opDeleteVpnConnection, about{Target: c.VpnConnectionID})
	}
	s.invalidateDownload(c.RegionID, c.VpnConnectionID)
	s.notifyGateway(c.VpnGatewayID)
	return nil, nil
}

// redefaultIDs clears a RemoteID that still holds the address of a customer
// gateway the modification replaced, so that ApplyConnectionDefaults sets the
// new customer gateway's address instead of keeping a stale identity.
func redefaultIDs(cur, next *vpn.Connection, oldCgws map[string]vpn.CustomerGateway) {
	if cur.CustomerGatewayID != next.CustomerGatewayID && next.Ike.RemoteID == oldCgws[cur.CustomerGatewayID].IPAddress {
		next.Ike.RemoteID = ""
	}
	for i := range next.Tunnels {
		if i >= len(cur.Tunnels) {
			break
		}
		old := cur.Tunnels[i].CustomerGatewayID
		if old != next.Tunnels[i].CustomerGatewayID && next.Tunnels[i].Ike.RemoteID == oldCgws[old].IPAddress {
			next.Tunnels[i].Ike.RemoteID = ""
		}
	}
}

// ModifyTunnelAttribute changes one tunnel of a dual-tunnel connection; only
// the given fields change and the next download shows them.
func (s *Service) ModifyTunnelAttribute(ctx context.Context, r *Request) (any, error) {
	cur, err := s.connection(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	next, i, opts, err := vpn.ParseModifyTunnel(r.Params, cur)
	if err != nil {
		return nil, err
	}
	got, gw, cgws, err := s.saveConnection(ctx, cur, next, opts)
	if err != nil {
		return nil, err
	}
	for j := range got.Tunnels {
		if got.Tunnels[j].TunnelID == next.Tunnels[i].TunnelID {
			i = j
		}
	}
	return vpn.NewModifyTunnelAttributeResponse(got, i, gw, cgws), nil
}
