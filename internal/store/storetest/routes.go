package storetest

import (
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

func testRouteEntries(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, false)
	g2 := mkGateway(t, s, 2, false)
	cg1, cg2 := mkCgw(t, s, 1), mkCgw(t, s, 2)
	for _, c := range []vpn.Connection{
		SingleConnection("vco-a", g.VpnGatewayID, cg1.CustomerGatewayID, "k1"),
		SingleConnection("vco-b", g.VpnGatewayID, cg2.CustomerGatewayID, "k2"),
		SingleConnection("vco-other", g2.VpnGatewayID, cg1.CustomerGatewayID, "k3"),
	} {
		_, err := s.CreateConnection(ctx, c, store.Idempotency{})
		must(t, err)
	}
	route := func(typ, src, dest, hop string, weight int64, n int) vpn.RouteEntry {
		e := vpn.RouteEntry{AccountID: Account, RegionID: Region, VpnGatewayID: g.VpnGatewayID, Type: typ, RouteSource: src, RouteDest: dest,
			NextHop: hop, Weight: weight, Published: weight == 100, Description: "d", CreatedAt: at(200 + n)}
		if typ == vpn.RoutePBR {
			e.Priority = 10
		}
		return e
	}
	active := route(vpn.RouteDBR, "", "10.0.0.0/8", "vco-a", 100, 1)
	standby := route(vpn.RouteDBR, "", "10.0.0.0/8", "vco-b", 0, 2)
	pbr := route(vpn.RoutePBR, "192.168.0.0/24", "10.0.0.0/8", "vco-a", 100, 3)
	for _, e := range []vpn.RouteEntry{active, standby, pbr} {
		c, err := s.CreateRouteEntry(ctx, e, store.Idempotency{})
		must(t, err)
		diff(t, "Created", c, store.Created{ID: g.VpnGatewayID})
	}
	_, err := s.CreateRouteEntry(ctx, active, store.Idempotency{})
	wantDuplicate(t, err, "RouteEntry", g.VpnGatewayID)
	_, err = s.CreateRouteEntry(ctx, route(vpn.RouteDBR, "", "10.1.0.0/16", "vco-other", 100, 4), store.Idempotency{})
	wantNotFound(t, err, "NextHop", "vco-other")
	bad := route(vpn.RouteDBR, "", "10.1.0.0/16", "vco-a", 100, 4)
	bad.VpnGatewayID = "vpn-none"
	_, err = s.CreateRouteEntry(ctx, bad, store.Idempotency{})
	wantNotFound(t, err, "VpnGateway", "vpn-none")

	list, total, err := s.ListRouteEntries(ctx, scope(), store.RouteFilter{VpnGatewayID: g.VpnGatewayID, Type: vpn.RouteDBR}, store.Page{Number: 1, Size: 1})
	must(t, err)
	diff(t, "first dbr page", list, []vpn.RouteEntry{active})
	if total != 2 {
		t.Fatalf("dbr total = %d", total)
	}
	list, _, err = s.ListRouteEntries(ctx, scope(), store.RouteFilter{VpnGatewayID: g.VpnGatewayID, Type: vpn.RoutePBR}, store.Page{Number: 1, Size: 10})
	must(t, err)
	diff(t, "pbr", list, []vpn.RouteEntry{pbr})

	// Update selects by key (weight when given) and writes weight, priority,
	// published.
	w := int64(100)
	_, err = s.UpdateRouteEntries(ctx, scope(), store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RouteDBR, RouteDest: "10.0.0.0/8", NextHop: "vco-b", Weight: &w},
		func(e *vpn.RouteEntry) { e.Weight = 0 })
	wantNotFound(t, err, "RouteEntry", "10.0.0.0/8")
	got, err := s.UpdateRouteEntries(ctx, scope(), store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RouteDBR, RouteDest: "10.0.0.0/8", NextHop: "vco-b"},
		func(e *vpn.RouteEntry) { e.Weight, e.Published = 100, true })
	must(t, err)
	standby.Weight, standby.Published = 100, true
	diff(t, "updated", got, []vpn.RouteEntry{standby})
	got, err = s.UpdateRouteEntries(ctx, scope(), store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RoutePBR, RouteDest: "10.0.0.0/8", NextHop: "vco-a"},
		func(e *vpn.RouteEntry) { e.Priority = 5 })
	must(t, err)
	pbr.Priority = 5
	diff(t, "pbr updated", got, []vpn.RouteEntry{pbr})
	_, err = s.UpdateRouteEntries(ctx, store.Scope{AccountID: OtherAccount, RegionID: Region}, store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RoutePBR,
		RouteDest: "10.0.0.0/8", NextHop: "vco-a"}, func(e *vpn.RouteEntry) { e.Priority = 1 })
	wantNotFound(t, err, "RouteEntry", "10.0.0.0/8")

	// A connection that is a next hop cannot be deleted.
	wantInUse(t, s.DeleteConnection(ctx, scope(), "vco-a"), "VpnRouteEntry", g.VpnGatewayID)
	src := "192.168.0.0/24"
	must(t, s.DeleteRouteEntries(ctx, scope(), store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RoutePBR, RouteDest: "10.0.0.0/8", NextHop: "vco-a", RouteSource: &src}))
	must(t, s.DeleteRouteEntries(ctx, scope(), store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RouteDBR, RouteDest: "10.0.0.0/8", NextHop: "vco-a"}))
	wantNotFound(t, s.DeleteRouteEntries(ctx, scope(), store.RouteKey{VpnGatewayID: g.VpnGatewayID, Type: vpn.RouteDBR, RouteDest: "10.0.0.0/8", NextHop: "vco-a"}), "RouteEntry", "10.0.0.0/8")
	must(t, s.DeleteConnection(ctx, scope(), "vco-a"))
	_, total, err = s.ListRouteEntries(ctx, scope(), store.RouteFilter{VpnGatewayID: g.VpnGatewayID}, store.Page{Number: 1, Size: 10})
	must(t, err)
	if total != 1 {
		t.Fatalf("entries left = %d, want 1", total)
	}
}
