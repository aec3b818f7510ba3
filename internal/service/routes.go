package service

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// routeErr maps the store's errors of the route entry actions.
func routeErr(err error, gatewayID, nextHop string) error {
	return storeErrOf(err, anyOp, about{Target: gatewayID, Detail: nextHop})
}

// CreateVpnRouteEntry creates a destination-based route of a VPN gateway.
func (s *Service) CreateVpnRouteEntry(ctx context.Context, r *Request) (any, error) {
	return s.createRoute(ctx, r, vpn.RouteDBR, r.Meta.RAM)
}

// CreateVpnPbrRouteEntry creates a policy-based route of a VPN gateway.
func (s *Service) CreateVpnPbrRouteEntry(ctx context.Context, r *Request) (any, error) {
	return s.createRoute(ctx, r, vpn.RoutePBR, r.Meta.RAM)
}

func (s *Service) createRoute(ctx context.Context, r *Request, typ, action string) (any, error) {
	in, err := vpn.ParseCreateRoute(r.Params, typ)
	if err != nil {
		return nil, err
	}
	g, err := s.gateway(ctx, r, action)
	if err != nil {
		return nil, err
	}
	e := in.Entry
	e.AccountID = g.AccountID
	e.CreatedAt = s.now().UTC()
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if _, err := s.store.CreateRouteEntry(ctx, e, idem(r, in.ClientToken)); err != nil {
		return nil, routeErr(err, e.VpnGatewayID, e.NextHop)
	}
	return vpn.NewCreateRouteResponse(e), nil
}

// DescribeVpnRouteEntries lists a gateway's destination-based routes.
func (s *Service) DescribeVpnRouteEntries(ctx context.Context, r *Request) (any, error) {
	es, in, total, err := s.listRoutes(ctx, r, vpn.RouteDBR, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	return vpn.NewDescribeVpnRouteEntriesResponse(es, in.Page, total), nil
}

// DescribeVpnPbrRouteEntries lists a gateway's policy-based routes.
func (s *Service) DescribeVpnPbrRouteEntries(ctx context.Context, r *Request) (any, error) {
	es, in, total, err := s.listRoutes(ctx, r, vpn.RoutePBR, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	return vpn.NewDescribeVpnPbrRouteEntriesResponse(es, in.Page, total), nil
}

func (s *Service) listRoutes(ctx context.Context, r *Request, typ, action string) ([]vpn.RouteEntry, vpn.RouteEntriesRequest, int, error) {
	in, err := vpn.ParseDescribeRoutes(r.Params)
	if err != nil {
		return nil, in, 0, err
	}
	g, err := s.gateway(ctx, r, action)
	if err != nil {
		return nil, in, 0, err
	}
	if in.EntryType != "" && in.EntryType != "custom" {
		return nil, in, 0, nil // no routes learned by BGP or added automatically are kept here
	}
	es, total, err := s.store.ListRouteEntries(ctx, store.Scope{AccountID: g.AccountID, RegionID: g.RegionID},
		store.RouteFilter{VpnGatewayID: g.VpnGatewayID, Type: typ}, store.Page{Number: in.Page.Number, Size: in.Page.Size})
	if err != nil {
		return nil, in, 0, storeErr(err)
	}
	return es, in, total, nil
}

// changeRoutes selects route entries of the request, authorizes action on
// their gateway and applies change.
func (s *Service) changeRoutes(ctx context.Context, r *Request, typ, action string, sourceOptional bool, change func(*vpn.RouteEntry)) error {
	sel, err := vpn.ParseRouteSelector(r.Params, typ, sourceOptional)
	if err != nil {
		return err
	}
	return s.changeSelected(ctx, r, sel, action, change)
}

func (s *Service) changeSelected(ctx context.Context, r *Request, sel vpn.RouteSelector, action string, change func(*vpn.RouteEntry)) error {
	g, err := s.gateway(ctx, r, action)
	if err != nil {
		return err
	}
	sc, k := store.Scope{AccountID: g.AccountID, RegionID: g.RegionID}, routeKey(sel)
	err = dryRunOr(r, func() error { return s.routesSelected(ctx, sc, k) }, func() error {
		_, err := s.store.UpdateRouteEntries(ctx, sc, k, change)
		return err
	})
	return routeErr(err, sel.GatewayID, sel.NextHop)
}

func routeKey(sel vpn.RouteSelector) store.RouteKey {
	k := store.RouteKey{VpnGatewayID: sel.GatewayID, Type: sel.Type, RouteDest: sel.Dest, NextHop: sel.NextHop, RouteSource: sel.Source}
	if sel.Weight >= 0 {
		k.Weight = &sel.Weight
	}
	if sel.Priority >= 0 {
		k.Priority = &sel.Priority
	}
	return k
}

// PublishVpnRouteEntry advertises a route entry to the VPC's route table,
// or withdraws it.
func (s *Service) PublishVpnRouteEntry(ctx context.Context, r *Request) (any, error) {
	typ, err := vpn.ParseRouteType(r.Params)
	if err != nil {
		return nil, err
	}
	publish, err := vpn.ParsePublishVpc(r.Params)
	if err != nil {
		return nil, err
	}
	// PublishVpnRouteEntry has no RouteSource: a pbr route is selected by
	// destination and next hop, or also by RouteSource when a client sends it.
	return nil, s.changeRoutes(ctx, r, typ, r.Meta.RAM, true, func(e *vpn.RouteEntry) { e.Published = publish })
}

// ModifyVpnRouteEntryWeight changes a destination-based route's weight.
func (s *Service) ModifyVpnRouteEntryWeight(ctx context.Context, r *Request) (any, error) {
	w, err := vpn.ParseNewWeight(r.Params, true)
	if err != nil {
		return nil, err
	}
	return nil, s.changeRoutes(ctx, r, vpn.RouteDBR, r.Meta.RAM, false, func(e *vpn.RouteEntry) { e.Weight = w })
}

// ModifyVpnPbrRouteEntryWeight changes a policy-based route's weight.
func (s *Service) ModifyVpnPbrRouteEntryWeight(ctx context.Context, r *Request) (any, error) {
	w, err := vpn.ParseNewWeight(r.Params, true)
	if err != nil {
		return nil, err
	}
	return nil, s.changeRoutes(ctx, r, vpn.RoutePBR, r.Meta.RAM, false, func(e *vpn.RouteEntry) { e.Weight = w })
}

// ModifyVpnPbrRouteEntryPriority changes a policy-based route's priority.
func (s *Service) ModifyVpnPbrRouteEntryPriority(ctx context.Context, r *Request) (any, error) {
	p, err := vpn.ParseNewPriority(r.Params, true)
	if err != nil {
		return nil, err
	}
	return nil, s.changeRoutes(ctx, r, vpn.RoutePBR, r.Meta.RAM, false, func(e *vpn.RouteEntry) { e.Priority = p })
}

// ModifyVpnPbrRouteEntryAttribute changes a policy-based route's weight
// and/or priority.
func (s *Service) ModifyVpnPbrRouteEntryAttribute(ctx context.Context, r *Request) (any, error) {
	w, err := vpn.ParseNewWeight(r.Params, false)
	if err != nil {
		return nil, err
	}
	p, err := vpn.ParseNewPriority(r.Params, false)
	if err != nil {
		return nil, err
	}
	if w < 0 && p < 0 {
		return nil, apierror.Missing("NewWeight")
	}
	return nil, s.changeRoutes(ctx, r, vpn.RoutePBR, r.Meta.RAM, false, func(e *vpn.RouteEntry) {
		if w >= 0 {
			e.Weight = w
		}
		if p >= 0 {
			e.Priority = p
		}
	})
}

// DeleteVpnRouteEntry deletes a destination-based route.
func (s *Service) DeleteVpnRouteEntry(ctx context.Context, r *Request) (any, error) {
	return nil, s.deleteRoute(ctx, r, vpn.RouteDBR, r.Meta.RAM)
}

// DeleteVpnPbrRouteEntry deletes a policy-based route.
func (s *Service) DeleteVpnPbrRouteEntry(ctx context.Context, r *Request) (any, error) {
	return nil, s.deleteRoute(ctx, r, vpn.RoutePBR, r.Meta.RAM)
}

func (s *Service) deleteRoute(ctx context.Context, r *Request, typ, action string) error {
	sel, err := vpn.ParseRouteSelector(r.Params, typ, false)
	if err != nil {
		return err
	}
	g, err := s.gateway(ctx, r, action)
	if err != nil {
		return err
	}
	sc, k := store.Scope{AccountID: g.AccountID, RegionID: g.RegionID}, routeKey(sel)
	err = dryRunOr(r, func() error { return s.routesSelected(ctx, sc, k) }, func() error { return s.store.DeleteRouteEntries(ctx, sc, k) })
	return routeErr(err, sel.GatewayID, sel.NextHop)
}
