package sqlcore

import (
	"context"
	"database/sql"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// CreateRouteEntry stores a route entry; see store.RouteStore.
func (e *Engine) CreateRouteEntry(ctx context.Context, r vpn.RouteEntry, idem store.Idempotency) (store.Created, error) {
	return e.idempotent(ctx, r.AccountID, idem, r.VpnGatewayID, func(q q) error {
		if _, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE gateway_id = ? AND account_id = ? AND region_id = ?`, r.VpnGatewayID, r.AccountID, r.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpnGateway, r.VpnGatewayID)
		}
		if _, ok, err := q.first(`SELECT connection_id FROM vpn_connections WHERE connection_id = ? AND gateway_id = ?`, r.NextHop, r.VpnGatewayID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindNextHop, r.NextHop)
		}
		if _, ok, err := q.first(`SELECT next_hop FROM vpn_route_entries WHERE gateway_id = ? AND route_type = ? AND route_source = ? AND route_dest = ? AND next_hop = ?`,
			r.VpnGatewayID, r.Type, r.RouteSource, r.RouteDest, r.NextHop); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleRouteEntry, ID: r.VpnGatewayID}
		}
		_, err := q.exec(`INSERT INTO vpn_route_entries (gateway_id, route_type, route_source, route_dest, next_hop, account_id, region_id,
			weight, priority, published, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.VpnGatewayID, r.Type, r.RouteSource, r.RouteDest, r.NextHop, r.AccountID, r.RegionID, r.Weight, r.Priority, r.Published,
			r.Description, e.createdAt(r.CreatedAt))
		return err
	})
}

const selectRouteEntry = `SELECT gateway_id, route_type, route_source, route_dest, next_hop, account_id, region_id, weight, priority,
	published, description, created_at FROM vpn_route_entries`

func scanRouteEntry(sc scanner) (vpn.RouteEntry, error) {
	var r vpn.RouteEntry
	var created int64
	err := sc.Scan(&r.VpnGatewayID, &r.Type, &r.RouteSource, &r.RouteDest, &r.NextHop, &r.AccountID, &r.RegionID, &r.Weight, &r.Priority,
		&r.Published, &r.Description, &created)
	r.CreatedAt = fromNanos(created)
	return r, err
}

const routeOrder = ` ORDER BY created_at, route_dest, route_source, next_hop`

// ListRouteEntries lists route entries; see store.RouteStore.
func (e *Engine) ListRouteEntries(ctx context.Context, s store.Scope, f store.RouteFilter, p store.Page) ([]vpn.RouteEntry, int, error) {
	var w where
	w.scope(s)
	w.eq("gateway_id", f.VpnGatewayID)
	w.eq("route_type", f.Type)
	var out []vpn.RouteEntry
	var total int
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		if total, err = q.count("vpn_route_entries", &w); err != nil {
			return err
		}
		out, err = queryRoutes(q, selectRouteEntry+w.sql()+routeOrder+pageSQL(p), w.args...)
		return err
	})
	return out, total, err
}

func queryRoutes(q q, query string, args ...any) ([]vpn.RouteEntry, error) {
	rows, err := q.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vpn.RouteEntry
	for rows.Next() {
		r, err := scanRouteEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// routeKey is the where clause of k in scope s.
func routeKey(s store.Scope, k store.RouteKey) *where {
	var w where
	w.scope(s)
	w.add("gateway_id = ? AND route_type = ? AND route_dest = ? AND next_hop = ?", k.VpnGatewayID, k.Type, k.RouteDest, k.NextHop)
	if k.RouteSource != nil {
		w.add("route_source = ?", *k.RouteSource)
	}
	if k.Weight != nil {
		w.add("weight = ?", *k.Weight)
	}
	if k.Priority != nil {
		w.add("priority = ?", *k.Priority)
	}
	return &w
}

// UpdateRouteEntries changes route entries; see store.RouteStore.
func (e *Engine) UpdateRouteEntries(ctx context.Context, s store.Scope, k store.RouteKey, change func(*vpn.RouteEntry)) ([]vpn.RouteEntry, error) {
	var out []vpn.RouteEntry
	err := e.write(ctx, func(q q) error {
		w := routeKey(s, k)
		var err error
		if out, err = queryRoutes(q, selectRouteEntry+w.sql()+routeOrder, w.args...); err != nil {
			return err
		}
		if len(out) == 0 {
			return notFound(store.KindRouteEntry, k.RouteDest)
		}
		for i := range out {
			change(&out[i])
			r := out[i]
			if _, err := q.exec(`UPDATE vpn_route_entries SET weight = ?, priority = ?, published = ?, description = ? WHERE gateway_id = ?
				AND route_type = ? AND route_source = ? AND route_dest = ? AND next_hop = ?`, r.Weight, r.Priority, r.Published, r.Description,
				r.VpnGatewayID, r.Type, r.RouteSource, r.RouteDest, r.NextHop); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRouteEntries deletes route entries; see store.RouteStore.
func (e *Engine) DeleteRouteEntries(ctx context.Context, s store.Scope, k store.RouteKey) error {
	return e.write(ctx, func(q q) error {
		w := routeKey(s, k)
		n, err := affected(q.exec(`DELETE FROM vpn_route_entries`+w.sql(), w.args...))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindRouteEntry, k.RouteDest)
		}
		return nil
	})
}
