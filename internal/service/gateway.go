package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// CreateVpnGateway creates a VPN gateway in a VPC and gives it its public
// address(es) from the operator's pool.
func (s *Service) CreateVpnGateway(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseCreateVpnGateway(r.Params)
	if err != nil {
		return nil, err
	}
	g := in.Gateway
	g.AccountID = r.Principal.AccountID
	r.Resource = arn(g.RegionID, g.AccountID, "vpngateway", "*")
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, g.AccountID); err != nil {
		return nil, err
	}
	sc := scope(r, g.RegionID)
	if _, err := s.store.GetVpc(ctx, sc, g.VpcID); err != nil {
		return nil, storeErr(err)
	}
	for _, sw := range []string{g.VSwitchID, g.DisasterRecoveryVSwitchID} {
		if sw == "" {
			continue
		}
		got, err := s.store.GetVSwitch(ctx, sc, sw)
		if err != nil {
			return nil, storeErr(err)
		}
		if got.VpcID != g.VpcID {
			return nil, apierror.Invalid("InvalidVSwitchId.NotFound", "The vSwitch %s is not in VPC %s.", sw, g.VpcID)
		}
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	g.VpnGatewayID = vpn.NewID(vpn.PrefixVpnGateway)
	if g.Name == "" {
		g.Name = g.VpnGatewayID // Alibaba's documented default
	}
	if g.ResourceGroupID == "" {
		g.ResourceGroupID = vpn.DefaultResourceGroupID(g.AccountID)
	}
	g.CreatedAt = s.now().UTC()
	g.Status = "active"
	if g.BusinessStatus == "" {
		g.BusinessStatus = "Normal"
	}
	created, err := s.store.CreateGateway(ctx, g, s.pool, idem(r, in.ClientToken))
	switch {
	case errors.Is(err, store.ErrPoolExhausted):
		return nil, apierror.Newf("QuotaExceeded.GatewayAddressPool", "No free address is left in the gateway address pool; ask the operator to add CIDRs with --gateway-address-pool or delete unused VPN gateways.")
	case err != nil:
		return nil, storeErrOf(err, opCreateVpnGateway, about{Target: g.VpcID})
	}
	got, err := s.store.GetGateway(ctx, sc, created.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(g.RegionID, g.AccountID, "vpngateway", got.VpnGatewayID)
	return vpn.NewCreateVpnGatewayResponse(got), nil
}

// gatewayHasBgp reports whether any connection of the gateway runs BGP.
func (s *Service) gatewayHasBgp(ctx context.Context, sc store.Scope, id string) (bool, error) {
	conns, _, err := s.store.ListConnections(ctx, sc, store.ConnectionFilter{VpnGatewayID: id}, store.Page{Number: 1, Size: 1000})
	if err != nil {
		return false, err
	}
	for _, c := range conns {
		if c.Bgp.EnableBgp || c.EnableTunnelsBgp {
			return true, nil
		}
	}
	return false, nil
}

// gateway loads a VPN gateway by RegionId and VpnGatewayId (of any account)
// and authorizes action on it.
func (s *Service) gateway(ctx context.Context, r *Request, action string) (vpn.Gateway, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return vpn.Gateway{}, err
	}
	id, err := vpn.RequiredID(r.Params, "VpnGatewayId", vpn.PrefixVpnGateway)
	if err != nil {
		return vpn.Gateway{}, err
	}
	g, err := s.store.GetGateway(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return vpn.Gateway{}, storeErr(err)
	}
	r.Resource = arn(region, g.AccountID, "vpngateway", id)
	if err := s.authorize(ctx, r, action, r.Resource, g.AccountID); err != nil {
		return vpn.Gateway{}, err
	}
	return g, nil
}

// DescribeVpnGateway describes one VPN gateway.
func (s *Service) DescribeVpnGateway(ctx context.Context, r *Request) (any, error) {
	g, err := s.gateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	bgp, err := s.gatewayHasBgp(ctx, store.Scope{AccountID: g.AccountID, RegionID: g.RegionID}, g.VpnGatewayID)
	if err != nil {
		return nil, err
	}
	agents, err := s.gatewayAgents(ctx, []string{g.VpnGatewayID})
	if err != nil {
		return nil, err
	}
	it := vpn.NewVpnGatewayItem(g, bgp)
	it.GatewayAgent = agents[g.VpnGatewayID]
	return it, nil
}

// DescribeVpnGateways lists the caller's VPN gateways in a region.
func (s *Service) DescribeVpnGateways(ctx context.Context, r *Request) (any, error) {
	f, err := vpn.ParseDescribe("DescribeVpnGateways", r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(f.RegionID, acct, "vpngateway"))
	if err != nil {
		return nil, err
	}
	if err := la.named(ctx, idARNs(f.RegionID, acct, "vpngateway", f.IDs)); err != nil {
		return nil, err
	}
	sc := scope(r, f.RegionID)
	gws, total, err := listPage(ctx, la, f.Page, func(pg store.Page) ([]vpn.Gateway, int, error) {
		return s.store.ListGateways(ctx, sc, store.GatewayFilter{IDs: f.IDs, VpcID: f.VpcID, Status: f.Status, ResourceGroupID: f.ResourceGroupID, Tags: f.Tags}, pg)
	}, func(g *vpn.Gateway) string { return arn(f.RegionID, acct, "vpngateway", g.VpnGatewayID) })
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(gws))
	for i := range gws {
		ids[i] = gws[i].VpnGatewayID
	}
	agents, err := s.gatewayAgents(ctx, ids)
	if err != nil {
		return nil, err
	}
	items := make([]vpn.VpnGatewayItem, 0, len(gws))
	for _, g := range gws {
		bgp, err := s.gatewayHasBgp(ctx, sc, g.VpnGatewayID)
		if err != nil {
			return nil, err
		}
		it := vpn.NewVpnGatewayItem(g, bgp)
		it.GatewayAgent = agents[g.VpnGatewayID]
		items = append(items, it)
	}
	return vpn.NewDescribeVpnGatewaysResponse(items, f.Page, total), nil
}

// DeleteVpnGateway deletes a gateway that has no connections and frees its
// addresses.
func (s *Service) DeleteVpnGateway(ctx context.Context, r *Request) (any, error) {
	g, err := s.gateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	id := g.VpnGatewayID
	sc := store.Scope{AccountID: g.AccountID, RegionID: g.RegionID}
	err = dryRunOr(r, func() error { return s.connectionsInUse(ctx, sc, store.ConnectionFilter{VpnGatewayID: id}) },
		func() error { return s.store.DeleteGateway(ctx, sc, id) })
	if err != nil {
		return nil, storeErrOf(err, opDeleteVpnGateway, about{Target: id})
	}
	s.hub().forget(id) // its agent's reports read it again
	return nil, nil
}
