package store

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// RouteKey selects route entries of one gateway and type. Nil fields match
// any value; NextHop and RouteDest are required.
type RouteKey struct {
	VpnGatewayID string
	Type         string // dbr, pbr
	RouteDest    string
	NextHop      string
	RouteSource  *string
	Weight       *int64
	Priority     *int64
}

// RouteFilter selects the route entries of a list; empty fields do not
// filter.
type RouteFilter struct {
	VpnGatewayID string // required
	Type         string // dbr, pbr
}

// RouteStore holds the route entries of VPN gateways.
type RouteStore interface {
	// CreateRouteEntry stores e (idempotent on idem.Token; the created id is
	// its gateway id). *NotFoundError{Kind: KindVpnGateway} when the gateway is
	// not in e's account and region, {Kind: KindNextHop} when NextHop is not a
	// connection of the gateway; *DuplicateError{Rule: RuleRouteEntry} when an
	// entry with the same gateway, type, source, destination and next hop
	// exists.
	CreateRouteEntry(ctx context.Context, e vpn.RouteEntry, idem Idempotency) (Created, error)
	// ListRouteEntries returns a page of the scope's entries matching f in
	// creation order and the number of all that match.
	ListRouteEntries(ctx context.Context, s Scope, f RouteFilter, p Page) ([]vpn.RouteEntry, int, error)
	// UpdateRouteEntries applies change to every entry of the scope that k
	// selects (weight, priority, published and description are written) and
	// returns them changed; *NotFoundError{Kind: KindRouteEntry} when none.
	UpdateRouteEntries(ctx context.Context, s Scope, k RouteKey, change func(*vpn.RouteEntry)) ([]vpn.RouteEntry, error)
	// DeleteRouteEntries deletes the entries k selects;
	// *NotFoundError{Kind: KindRouteEntry} when none.
	DeleteRouteEntries(ctx context.Context, s Scope, k RouteKey) error
}
