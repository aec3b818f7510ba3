package storetest

import (
	"errors"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

// testAtomicCreate: a create that fails part-way (the second tunnel's id is
// taken, which only the insert finds out) leaves nothing behind: no
// connection, no first tunnel, no pair, no tags, no ClientToken.
func testAtomicCreate(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := mkGateway(t, s, 1, true)
	a, b, c := mkCgw(t, s, 1), mkCgw(t, s, 2), mkCgw(t, s, 3)
	first := DualConnection("vco-1", g.VpnGatewayID, a.CustomerGatewayID, a.CustomerGatewayID, "p1", "p2")
	_, err := s.CreateConnection(ctx, first, store.Idempotency{})
	must(t, err)

	bad := DualConnection("vco-2", g.VpnGatewayID, b.CustomerGatewayID, c.CustomerGatewayID, "p3", "p4")
	bad.Tunnels[1].TunnelID = first.Tunnels[0].TunnelID // taken
	idem := store.Idempotency{Action: "CreateVpnConnection", Token: "tok-atomic", RequestHash: "h"}
	_, err = s.CreateConnection(ctx, bad, idem)
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("create with a taken tunnel id: err = %v, want ErrDuplicate", err)
	}
	_, err = s.GetConnection(ctx, scope(), "vco-2")
	wantNotFound(t, err, "VpnConnection", "vco-2")
	// The pairs of the failed create are free, and so is its token.
	good := DualConnection("vco-3", g.VpnGatewayID, b.CustomerGatewayID, c.CustomerGatewayID, "p5", "p6")
	cr, err := s.CreateConnection(ctx, good, idem)
	must(t, err)
	diff(t, "Created", cr, store.Created{ID: "vco-3"})
	// The customer gateway of the failed create's first tunnel is only used
	// by vco-3: deleting vco-3 frees it.
	must(t, s.DeleteConnection(ctx, scope(), "vco-3"))
	must(t, s.DeleteCustomerGateway(ctx, scope(), b.CustomerGatewayID))
	list, total, err := s.ListConnections(ctx, scope(), store.ConnectionFilter{}, store.Page{})
	must(t, err)
	if total != 1 || len(list) != 1 || list[0].VpnConnectionID != "vco-1" {
		t.Fatalf("connections = %d %v, want only vco-1", total, list)
	}
}
