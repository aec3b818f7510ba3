package service

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// DryRun on the actions that have no Options (deletes, modifies, moves,
// tags, and the describes whose SDK model has the flag): the handler
// validates and authorises as usual and then, instead of its write, calls
// dryRunOr. A request with DryRun=true changes nothing and answers
// DryRunOperation (400), after the checks the write itself would have made
// (check: a delete's dependants) so that a dry run fails where the real
// request would. DryRun is honoured even on actions whose SDK model lacks
// it: a client that sends it never wants the change made.

// dryRunOr runs write unless the request asks for a dry run; then it runs
// check (when set) and answers its error or DryRunOperation. A DryRun that
// is not "true" or "false" is InvalidDryRun.Malformed and nothing runs.
func dryRunOr(r *Request, check, write func() error) error {
	on, err := vpn.ParseDryRun(r.Params)
	if err != nil {
		return err
	}
	if !on {
		return write()
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	return dryRun(true)
}

// dryRunParam answers a read whose SDK model has DryRun: InvalidDryRun.Malformed,
// DryRunOperation, or nil to go on. Call it after validation and
// authorisation.
func dryRunParam(r *Request) error {
	on, err := vpn.ParseDryRun(r.Params)
	if err != nil {
		return err
	}
	return dryRun(on)
}

// The "in use" checks of a dry-run delete: the store's rules of the real
// delete (internal/store/sqlcore), read outside a write transaction. Each
// returns the *store.InUseError the delete would return, so the handler's
// mapping answers the same code.

func (s *Service) vpcInUse(ctx context.Context, sc store.Scope, vpcID string) error {
	sws, _, err := s.store.ListVSwitches(ctx, sc, store.VSwitchFilter{VpcID: vpcID}, store.Page{Number: 1, Size: 1})
	if err != nil {
		return err
	}
	if len(sws) > 0 {
		return &store.InUseError{Kind: store.KindVSwitch, ID: sws[0].VSwitchID}
	}
	gws, _, err := s.store.ListGateways(ctx, sc, store.GatewayFilter{VpcID: vpcID}, store.Page{Number: 1, Size: 1})
	if err != nil {
		return err
	}
	if len(gws) > 0 {
		return &store.InUseError{Kind: store.KindVpnGateway, ID: gws[0].VpnGatewayID}
	}
	return nil
}

func (s *Service) vswitchInUse(ctx context.Context, sc store.Scope, sw vpn.VSwitch) error {
	gws, _, err := s.store.ListGateways(ctx, sc, store.GatewayFilter{VpcID: sw.VpcID}, store.Page{})
	if err != nil {
		return err
	}
	for _, g := range gws {
		if g.VSwitchID == sw.VSwitchID || g.DisasterRecoveryVSwitchID == sw.VSwitchID {
			return &store.InUseError{Kind: store.KindVpnGateway, ID: g.VpnGatewayID}
		}
	}
	return nil
}

func (s *Service) connectionsInUse(ctx context.Context, sc store.Scope, f store.ConnectionFilter) error {
	cs, _, err := s.store.ListConnections(ctx, sc, f, store.Page{Number: 1, Size: 1})
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		return &store.InUseError{Kind: store.KindVpnConnection, ID: cs[0].VpnConnectionID}
	}
	return nil
}

// nextHopInUse: a route entry of the connection's gateway (either type)
// that has the connection as its next hop.
func (s *Service) nextHopInUse(ctx context.Context, sc store.Scope, c vpn.Connection) error {
	es, _, err := s.store.ListRouteEntries(ctx, sc, store.RouteFilter{VpnGatewayID: c.VpnGatewayID}, store.Page{})
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.NextHop == c.VpnConnectionID {
			return &store.InUseError{Kind: store.KindVpnRouteEntry, ID: c.VpnGatewayID}
		}
	}
	return nil
}

// routesSelected answers the store's NotFound when k selects no route entry
// (what the real change or delete would answer).
func (s *Service) routesSelected(ctx context.Context, sc store.Scope, k store.RouteKey) error {
	es, _, err := s.store.ListRouteEntries(ctx, sc, store.RouteFilter{VpnGatewayID: k.VpnGatewayID, Type: k.Type}, store.Page{})
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.RouteDest == k.RouteDest && e.NextHop == k.NextHop &&
			(k.RouteSource == nil || *k.RouteSource == e.RouteSource) &&
			(k.Weight == nil || *k.Weight == e.Weight) &&
			(k.Priority == nil || *k.Priority == e.Priority) {
			return nil
		}
	}
	return &store.NotFoundError{Kind: store.KindRouteEntry, ID: k.RouteDest}
}
