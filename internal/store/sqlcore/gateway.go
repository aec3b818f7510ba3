package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Allocate returns the first n addresses of pool, in pool order, that are not
// in used. Each IPv4 prefix of /30 or shorter skips its network and broadcast
// addresses; an IPv6 prefix of /126 or shorter skips its first (subnet-router
// anycast) address. It fails with store.ErrPoolExhausted when fewer than n are
// free.
func Allocate(pool store.AddressPool, used map[netip.Addr]bool, n int) ([]netip.Addr, error) {
	var out []netip.Addr
	if n <= 0 {
		return nil, nil
	}
	taken := make(map[netip.Addr]bool, n)
	for _, p := range pool {
		p = p.Masked()
		if !p.IsValid() {
			continue
		}
		skipEdges := (p.Addr().Is4() && p.Bits() <= 30) || (p.Addr().Is6() && p.Bits() <= 126)
		for a := p.Addr(); a.IsValid() && p.Contains(a); a = a.Next() {
			if skipEdges && a == p.Addr() {
				continue
			}
			if skipEdges && a.Is4() && !p.Contains(a.Next()) {
				break // broadcast
			}
			if used[a] || taken[a] {
				continue
			}
			taken[a] = true
			out = append(out, a)
			if len(out) == n {
				return out, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: %d of %d addresses free", store.ErrPoolExhausted, len(out), n)
}

// CreateGateway stores g with InternetIP (and, for a dual-tunnel gateway,
// DisasterRecoveryInternetIP) taken from pool; see store.Store.
func (e *Engine) CreateGateway(ctx context.Context, g vpn.Gateway, pool store.AddressPool, idem store.Idempotency) (store.Created, error) {
	opts := e.d.WriteTx
	if e.d.AllocLock != "" {
		opts = e.d.AllocTx
	}
	return e.idempotentWith(ctx, opts, e.d.AllocLock, g.AccountID, idem, g.VpnGatewayID, func(q q) error {
		if _, ok, err := q.first(`SELECT vpc_id FROM vpcs WHERE vpc_id = ? AND account_id = ? AND region_id = ?`, g.VpcID, g.AccountID, g.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpc, g.VpcID)
		}
		if id, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE vpc_id = ?`, g.VpcID); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleVpcGateway, ID: id}
		}
		if err := checkQuota(q, e.quota().VpnGateways, store.KindVpnGateway, "", `SELECT COUNT(*) FROM vpn_gateways WHERE account_id = ?`, g.AccountID); err != nil {
			return err
		}
		used := map[netip.Addr]bool{}
		rows, err := q.query(`SELECT address FROM gateway_addresses`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			if a, err := netip.ParseAddr(s); err == nil {
				used[a] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n := 1
		if g.DualTunnel() {
			n = 2
		}
		addrs, err := Allocate(pool, used, n)
		if err != nil {
			return err
		}
		g.InternetIP, g.DisasterRecoveryInternetIP = addrs[0].String(), ""
		if n == 2 {
			g.DisasterRecoveryInternetIP = addrs[1].String()
		}
		if _, err := q.exec(`INSERT INTO vpn_gateways (gateway_id, account_id, region_id, vpc_id, vswitch_id, dr_vswitch_id, name, description,
			internet_ip, dr_internet_ip, bandwidth, enable_ipsec, enable_ssl, network_type, vpn_type, instance_charge_type, status,
			business_status, order_id, resource_group_id, ssl_connections, auto_propagate, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.VpnGatewayID, g.AccountID, g.RegionID, g.VpcID, g.VSwitchID, g.DisasterRecoveryVSwitchID, g.Name, g.Description,
			g.InternetIP, g.DisasterRecoveryInternetIP, g.Bandwidth, g.EnableIpsec, g.EnableSsl, g.NetworkType, g.VpnType,
			g.InstanceChargeType, g.Status, g.BusinessStatus, g.OrderID, g.ResourceGroupID, g.SslConnections, g.AutoPropagate,
			e.createdAt(g.CreatedAt)); err != nil {
			return err
		}
		for _, a := range addrs {
			if _, err := q.exec(`INSERT INTO gateway_addresses (address, gateway_id) VALUES (?, ?)`, a.String(), g.VpnGatewayID); err != nil {
				return err
			}
		}
		return putTags(q, g.VpnGatewayID, g.Tags)
	})
}

const selectGatewayCols = `gateway_id, account_id, region_id, vpc_id, vswitch_id, dr_vswitch_id, name, description, internet_ip,
	dr_internet_ip, bandwidth, enable_ipsec, enable_ssl, network_type, vpn_type, instance_charge_type, status, business_status,
	order_id, resource_group_id, ssl_connections, auto_propagate, created_at`

const selectGateway = `SELECT ` + selectGatewayCols + ` FROM vpn_gateways`

func scanGateway(sc scanner) (vpn.Gateway, error) {
	var g vpn.Gateway
	var created int64
	err := sc.Scan(&g.VpnGatewayID, &g.AccountID, &g.RegionID, &g.VpcID, &g.VSwitchID, &g.DisasterRecoveryVSwitchID, &g.Name,
		&g.Description, &g.InternetIP, &g.DisasterRecoveryInternetIP, &g.Bandwidth, &g.EnableIpsec, &g.EnableSsl, &g.NetworkType,
		&g.VpnType, &g.InstanceChargeType, &g.Status, &g.BusinessStatus, &g.OrderID, &g.ResourceGroupID, &g.SslConnections, &g.AutoPropagate, &created)
	g.CreatedAt = fromNanos(created)
	g.ResourceGroupID = vpn.ResourceGroupOf(g.AccountID, g.ResourceGroupID)
	return g, err
}

// GetGateway returns the gateway with its tags;
// *store.NotFoundError{Kind: store.KindVpnGateway}.
func (e *Engine) GetGateway(ctx context.Context, s store.Scope, gatewayID string) (vpn.Gateway, error) {
	var g vpn.Gateway
	tags, err := e.withTags(ctx, "vpn_gateways", selectGatewayCols, "gateway_id", gatewayID, s, func(sc scanner) error {
		var err error
		g, err = scanGateway(sc)
		return err
	})
	g.Tags = tags
	if errors.Is(err, sql.ErrNoRows) {
		return vpn.Gateway{}, notFound(store.KindVpnGateway, gatewayID)
	}
	if err != nil {
		return vpn.Gateway{}, e.mapErr(err)
	}
	return g, nil
}

// ListGateways returns a page of the scope's gateways in creation order and
// the number of all that match f.
func (e *Engine) ListGateways(ctx context.Context, s store.Scope, f store.GatewayFilter, p store.Page) ([]vpn.Gateway, int, error) {
	var w where
	w.scope(s)
	w.in("gateway_id", f.IDs)
	w.eq("vpc_id", f.VpcID)
	w.eq("status", f.Status)
	w.resourceGroup(s, f.ResourceGroupID)
	w.tags("gateway_id", f.Tags)
	var out []vpn.Gateway
	var total int
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		if total, err = q.count("vpn_gateways", &w); err != nil {
			return err
		}
		rows, err := q.query(selectGateway+w.sql()+` ORDER BY created_at, gateway_id`+pageSQL(p), w.args...)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			g, err := scanGateway(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, g)
			ids = append(ids, g.VpnGatewayID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		tags, err := tagsOf(q, ids)
		for i := range out {
			out[i].Tags = tags[out[i].VpnGatewayID]
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateGateway writes the name, description and AutoPropagate of g (found
// by id in its account and region); *store.NotFoundError{Kind: store.KindVpnGateway}.
func (e *Engine) UpdateGateway(ctx context.Context, g vpn.Gateway) error {
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(g.AccountID, cachegen.Answers, g.VpnGatewayID); err != nil {
			return err
		}
		n, err := affected(q.exec(`UPDATE vpn_gateways SET name = ?, description = ?, auto_propagate = ? WHERE gateway_id = ? AND account_id = ? AND region_id = ?`,
			g.Name, g.Description, g.AutoPropagate, g.VpnGatewayID, g.AccountID, g.RegionID))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindVpnGateway, g.VpnGatewayID)
		}
		return nil
	})
}

// MoveResourceGroup moves a record to resource group rg; see store.Store.
func (e *Engine) MoveResourceGroup(ctx context.Context, s store.Scope, kind store.Kind, id, rg string) error {
	t, err := taggableOf(kind)
	if err != nil || kind == store.KindRouteTable {
		return fmt.Errorf("sqlcore: cannot move a %s", kind)
	}
	return e.write(ctx, func(q q) error {
		n, err := affected(q.exec(`UPDATE `+t.table+` SET resource_group_id = ? WHERE `+t.idCol+` = ? AND account_id = ? AND region_id = ?`, rg, id, s.AccountID, s.RegionID))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(kind, id)
		}
		if kind == store.KindVpnGateway {
			_, err = q.exec(`UPDATE vpn_connections SET resource_group_id = ? WHERE gateway_id = ?`, rg, id)
		}
		return err
	})
}

// DeleteGateway deletes the gateway and frees its addresses;
// *store.NotFoundError{Kind: store.KindVpnGateway}, or
// *store.InUseError{Kind: store.KindVpnConnection} while it has connections.
func (e *Engine) DeleteGateway(ctx context.Context, s store.Scope, gatewayID string) error {
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE gateway_id = ? AND account_id = ? AND region_id = ?`, gatewayID, s.AccountID, s.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpnGateway, gatewayID)
		}
		if id, ok, err := q.first(`SELECT connection_id FROM vpn_connections WHERE gateway_id = ? ORDER BY created_at, connection_id LIMIT 1`, gatewayID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindVpnConnection, ID: id}
		}
		for _, stmt := range []string{
			`DELETE FROM gateway_addresses WHERE gateway_id = ?`,
			`DELETE FROM vpn_gateway_agents WHERE gateway_id = ?`,
			`DELETE FROM vpn_gateway_generations WHERE gateway_id = ?`,
			`DELETE FROM tags WHERE resource_id = ?`,
			`DELETE FROM vpn_gateways WHERE gateway_id = ?`,
		} {
			if _, err := q.exec(stmt, gatewayID); err != nil {
				return q.retryOnFK(err)
			}
		}
		return nil
	})
}

// CreateCustomerGateway stores c; see store.Store.
func (e *Engine) CreateCustomerGateway(ctx context.Context, c vpn.CustomerGateway, idem store.Idempotency) (store.Created, error) {
	// Every rule is the schema's or a row lock's: the address is unique
	// per (account, region) by the table's unique key (a concurrent create
	// of the same address fails the insert, and the retry's check reports
	// the winner); the account's quota is counted holding the account's
	// named lock. SERIALIZABLE would only add false conflicts between
	// creates of one account (their reads and inserts share index pages).
	opts := e.d.ConstrainedTx
	if opts == nil {
		opts = e.d.WriteTx
	}
	quota := e.quota().CustomerGateways
	return e.idempotentWith(ctx, opts, "", c.AccountID, idem, c.CustomerGatewayID, func(q q) error {
		if quota > 0 && q.d.NamedLock != "" {
			if _, err := q.exec(q.d.NamedLock, "quota:CustomerGateway:"+c.AccountID); err != nil {
				return err
			}
		}
		if id, ok, err := q.first(`SELECT customer_gateway_id FROM customer_gateways WHERE account_id = ? AND region_id = ? AND ip_address = ?`, c.AccountID, c.RegionID, c.IPAddress); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleCustomerGatewayIP, ID: id}
		}
		if err := checkQuota(q, quota, store.KindCustomerGateway, "", `SELECT COUNT(*) FROM customer_gateways WHERE account_id = ?`, c.AccountID); err != nil {
			return err
		}
		if _, err := q.exec(`INSERT INTO customer_gateways (customer_gateway_id, account_id, region_id, name, description, ip_address, asn, auth_key,
			resource_group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.CustomerGatewayID, c.AccountID, c.RegionID, c.Name, c.Description, c.IPAddress, c.Asn, c.AuthKey, c.ResourceGroupID,
			e.createdAt(c.CreatedAt)); err != nil {
			return err
		}
		return insertTags(q, c.CustomerGatewayID, c.Tags)
	})
}

const selectCustomerGatewayCols = `customer_gateway_id, account_id, region_id, name, description, ip_address, asn, auth_key,
	resource_group_id, created_at`

const selectCustomerGateway = `SELECT ` + selectCustomerGatewayCols + ` FROM customer_gateways`

func scanCustomerGateway(sc scanner) (vpn.CustomerGateway, error) {
	var c vpn.CustomerGateway
	var created int64
	err := sc.Scan(&c.CustomerGatewayID, &c.AccountID, &c.RegionID, &c.Name, &c.Description, &c.IPAddress, &c.Asn, &c.AuthKey,
		&c.ResourceGroupID, &created)
	c.CreatedAt = fromNanos(created)
	c.ResourceGroupID = vpn.ResourceGroupOf(c.AccountID, c.ResourceGroupID)
	return c, err
}

// GetCustomerGateway returns the customer gateway with its tags;
// *store.NotFoundError{Kind: store.KindCustomerGateway}.
func (e *Engine) GetCustomerGateway(ctx context.Context, s store.Scope, id string) (vpn.CustomerGateway, error) {
	var c vpn.CustomerGateway
	tags, err := e.withTags(ctx, "customer_gateways", selectCustomerGatewayCols, "customer_gateway_id", id, s, func(sc scanner) error {
		var err error
		c, err = scanCustomerGateway(sc)
		return err
	})
	c.Tags = tags
	if errors.Is(err, sql.ErrNoRows) {
		return vpn.CustomerGateway{}, notFound(store.KindCustomerGateway, id)
	}
	if err != nil {
		return vpn.CustomerGateway{}, e.mapErr(err)
	}
	return c, nil
}

// ListCustomerGateways returns a page of the scope's customer gateways in
// creation order and the number of all that match f.
func (e *Engine) ListCustomerGateways(ctx context.Context, s store.Scope, f store.CustomerGatewayFilter, p store.Page) ([]vpn.CustomerGateway, int, error) {
	var w where
	w.scope(s)
	w.in("customer_gateway_id", f.IDs)
	w.resourceGroup(s, f.ResourceGroupID)
	w.tags("customer_gateway_id", f.Tags)
	var out []vpn.CustomerGateway
	var total int
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		if total, err = q.count("customer_gateways", &w); err != nil {
			return err
		}
		rows, err := q.query(selectCustomerGateway+w.sql()+` ORDER BY created_at, customer_gateway_id`+pageSQL(p), w.args...)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			c, err := scanCustomerGateway(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, c)
			ids = append(ids, c.CustomerGatewayID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		tags, err := tagsOf(q, ids)
		for i := range out {
			out[i].Tags = tags[out[i].CustomerGatewayID]
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateCustomerGateway writes name, description, IP address, ASN, auth key
// and tags of c (found by its id in its account and region; CreatedAt is
// kept). *store.NotFoundError{Kind: store.KindCustomerGateway};
// *store.DuplicateError{Rule: store.RuleCustomerGatewayIP} when another customer
// gateway of the scope has the new IP.
func (e *Engine) UpdateCustomerGateway(ctx context.Context, c vpn.CustomerGateway) error {
	return e.write(ctx, func(q q) error {
		if err := q.bumpCache(c.AccountID, cachegen.Answers, c.CustomerGatewayID); err != nil {
			return err
		}
		if _, ok, err := q.first(`SELECT customer_gateway_id FROM customer_gateways WHERE customer_gateway_id = ? AND account_id = ? AND region_id = ?`, c.CustomerGatewayID, c.AccountID, c.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindCustomerGateway, c.CustomerGatewayID)
		}
		if id, ok, err := q.first(`SELECT customer_gateway_id FROM customer_gateways WHERE account_id = ? AND region_id = ? AND ip_address = ? AND customer_gateway_id <> ?`, c.AccountID, c.RegionID, c.IPAddress, c.CustomerGatewayID); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleCustomerGatewayIP, ID: id}
		}
		if _, err := q.exec(`UPDATE customer_gateways SET name = ?, description = ?, ip_address = ?, asn = ?, auth_key = ? WHERE customer_gateway_id = ?`,
			c.Name, c.Description, c.IPAddress, c.Asn, c.AuthKey, c.CustomerGatewayID); err != nil {
			return err
		}
		return putTags(q, c.CustomerGatewayID, c.Tags)
	})
}

// DeleteCustomerGateway deletes it; *store.NotFoundError{Kind:
// store.KindCustomerGateway}, or *store.InUseError{Kind: store.KindVpnConnection} while a
// connection or one of its tunnels uses it.
func (e *Engine) DeleteCustomerGateway(ctx context.Context, s store.Scope, id string) error {
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT customer_gateway_id FROM customer_gateways WHERE customer_gateway_id = ? AND account_id = ? AND region_id = ?`, id, s.AccountID, s.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindCustomerGateway, id)
		}
		if cid, ok, err := q.first(`SELECT connection_id FROM connection_pairs WHERE customer_gateway_id = ? ORDER BY connection_id LIMIT 1`, id); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindVpnConnection, ID: cid}
		}
		for _, stmt := range []string{`DELETE FROM tags WHERE resource_id = ?`, `DELETE FROM customer_gateways WHERE customer_gateway_id = ?`} {
			if _, err := q.exec(stmt, id); err != nil {
				return q.retryOnFK(err)
			}
		}
		return nil
	})
}
