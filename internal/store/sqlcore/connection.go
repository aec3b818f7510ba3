package sqlcore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// connRow is the stored form of a connection's own row.
type connRow struct {
	ike, ipsec, bgp, health string
	psk                     string // sealed
}

// sealPsk seals a pre-shared key bound to its record id; an empty key stays
// empty.
func (e *Engine) sealPsk(psk, id string) (string, error) {
	if psk == "" {
		return "", nil
	}
	return e.keys.Seal(psk, id)
}

func (e *Engine) openPsk(sealed, id string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	psk, err := e.keys.Open(sealed, id)
	if err != nil {
		return "", fmt.Errorf("pre-shared key of %s: %w", id, err)
	}
	return psk, nil
}

// encodeConfigs returns the JSON of ike (without its PSK), ipsec and bgp,
// and the PSK sealed to id.
func (e *Engine) encodeConfigs(id string, ike vpn.IkeConfig, ipsec vpn.IpsecConfig, bgp vpn.BgpConfig) (ikeJ, ipsecJ, bgpJ, psk string, err error) {
	if psk, err = e.sealPsk(ike.Psk, id); err != nil {
		return
	}
	ike.Psk = ""
	var b []byte
	if b, err = json.Marshal(ike); err != nil {
		return
	}
	ikeJ = string(b)
	if b, err = json.Marshal(ipsec); err != nil {
		return
	}
	ipsecJ = string(b)
	if b, err = json.Marshal(bgp); err != nil {
		return
	}
	bgpJ = string(b)
	return
}

func (e *Engine) decodeConfigs(id, ikeJ, ipsecJ, bgpJ, sealed string, ike *vpn.IkeConfig, ipsec *vpn.IpsecConfig, bgp *vpn.BgpConfig) error {
	if err := json.Unmarshal([]byte(ikeJ), ike); err != nil {
		return fmt.Errorf("ike config of %s: %w", id, err)
	}
	if err := e.ipsecMemo.decode(ipsecJ, ipsec); err != nil {
		return fmt.Errorf("ipsec config of %s: %w", id, err)
	}
	if err := e.bgpMemo.decode(bgpJ, bgp); err != nil {
		return fmt.Errorf("bgp config of %s: %w", id, err)
	}
	var err error
	ike.Psk, err = e.openPsk(sealed, id)
	return err
}

// customerGateways returns the distinct customer gateways c uses.
func customerGateways(c *vpn.Connection) []string {
	if !c.DualTunnel() {
		return []string{c.CustomerGatewayID}
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range c.Tunnels {
		if !seen[t.CustomerGatewayID] {
			seen[t.CustomerGatewayID] = true
			out = append(out, t.CustomerGatewayID)
		}
	}
	return out
}

// checkRefs verifies the gateway and customer gateways of c exist in its
// scope and that no other connection carries one of its (gateway, customer
// gateway) pairs.
func checkRefs(q q, c *vpn.Connection, gatewayID string) error {
	// The usual case in one statement (one round trip); any failure is
	// then found and reported by the checks below, one by one.
	cgs := customerGateways(c)
	in := strings.Repeat("?, ", len(cgs))
	in = in[:len(in)-2]
	args := []any{gatewayID, c.AccountID, c.RegionID}
	for _, cg := range cgs {
		args = append(args, cg)
	}
	args = append(args, c.AccountID, c.RegionID, gatewayID)
	for _, cg := range cgs {
		args = append(args, cg)
	}
	args = append(args, c.VpnConnectionID)
	var gateways, customers int
	var pair sql.NullString
	if err := q.row(`SELECT (SELECT COUNT(*) FROM vpn_gateways WHERE gateway_id = ? AND account_id = ? AND region_id = ?),
		(SELECT COUNT(*) FROM customer_gateways WHERE customer_gateway_id IN (`+in+`) AND account_id = ? AND region_id = ?),
		(SELECT MIN(connection_id) FROM connection_pairs WHERE gateway_id = ? AND customer_gateway_id IN (`+in+`) AND connection_id <> ?)`,
		args...).Scan(&gateways, &customers, &pair); err != nil {
		return err
	}
	if gateways == 1 && customers == len(cgs) && !pair.Valid {
		return nil
	}
	if _, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE gateway_id = ? AND account_id = ? AND region_id = ?`, gatewayID, c.AccountID, c.RegionID); err != nil {
		return err
	} else if !ok {
		return notFound(store.KindVpnGateway, gatewayID)
	}
	for _, cg := range customerGateways(c) {
		if _, ok, err := q.first(`SELECT customer_gateway_id FROM customer_gateways WHERE customer_gateway_id = ? AND account_id = ? AND region_id = ?`, cg, c.AccountID, c.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindCustomerGateway, cg)
		}
		if id, ok, err := q.first(`SELECT connection_id FROM connection_pairs WHERE gateway_id = ? AND customer_gateway_id = ? AND connection_id <> ?`, gatewayID, cg, c.VpnConnectionID); err != nil {
			return err
		} else if ok {
			return &store.DuplicateError{Rule: store.RuleConnectionPair, ID: id}
		}
	}
	return nil
}

// putChildren writes the tunnels, pairs and tags of c, replacing those it
// had unless it is new.
func (e *Engine) putChildren(q q, c *vpn.Connection, gatewayID string, isNew bool) error {
	if !isNew {
		for _, s := range []string{`DELETE FROM vpn_tunnels WHERE connection_id = ?`, `DELETE FROM connection_pairs WHERE connection_id = ?`, `DELETE FROM tags WHERE resource_id = ?`} {
			if _, err := q.exec(s, c.VpnConnectionID); err != nil {
				return err
			}
		}
	}
	for i, t := range c.Tunnels {
		ike, ipsec, bgp, psk, err := e.encodeConfigs(t.TunnelID, t.Ike, t.Ipsec, t.Bgp)
		if err != nil {
			return err
		}
		if _, err := q.exec(`INSERT INTO vpn_tunnels (tunnel_id, connection_id, position, role, customer_gateway_id, enable_dpd,
			enable_nat_traversal, ike_config, psk_sealed, ipsec_config, bgp_config, status, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.TunnelID, c.VpnConnectionID, i, t.Role, t.CustomerGatewayID, t.EnableDpd, t.EnableNatTraversal, ike, psk, ipsec, bgp,
			t.Status, t.State); err != nil {
			return err
		}
	}
	for _, cg := range customerGateways(c) {
		if _, err := q.exec(`INSERT INTO connection_pairs (gateway_id, customer_gateway_id, connection_id) VALUES (?, ?, ?)`, gatewayID, cg, c.VpnConnectionID); err != nil {
			return err
		}
	}
	return insertTags(q, c.VpnConnectionID, c.Tags)
}

// CreateConnection stores c with its tunnels (Version 1); see store.Store.
func (e *Engine) CreateConnection(ctx context.Context, c vpn.Connection, idem store.Idempotency) (store.Created, error) {
	ike, ipsec, bgp, psk, err := e.encodeConfigs(c.VpnConnectionID, c.Ike, c.Ipsec, c.Bgp)
	if err != nil {
		return store.Created{}, err
	}
	health, err := json.Marshal(c.HealthCheck)
	if err != nil {
		return store.Created{}, err
	}
	// Every rule is the schema's: the gateway, customer gateways and pair
	// are foreign and primary keys (a gateway deleted meanwhile fails the
	// insert, a pair taken meanwhile its primary key, and the retry reports
	// it); the quota's count holds the gateway's row lock.
	opts := e.d.ConstrainedTx
	if opts == nil {
		opts = e.d.WriteTx
	}
	quota := e.quota().ConnectionsPerGateway
	return e.idempotentWith(ctx, opts, "", c.AccountID, idem, c.VpnConnectionID, func(q q) error {
		// A gateway or customer gateway deleted after the checks fails a
		// foreign key: the retry's checks report it.
		return q.retryOnFK(e.createConnection(q, &c, quota, ike, ipsec, bgp, psk, string(health)))
	})
}

// createConnection is CreateConnection's transaction body.
func (e *Engine) createConnection(q q, c *vpn.Connection, quota int, ike, ipsec, bgp, psk, health string) error {
	if quota > 0 && q.d.RowLock != "" {
		if _, err := q.exec(`SELECT gateway_id FROM vpn_gateways WHERE gateway_id = ?`+q.d.RowLock, c.VpnGatewayID); err != nil {
			return err
		}
	}
	if !q.d.CombineInserts {
		// Combined, the insert checks the references itself.
		if err := checkRefs(q, c, c.VpnGatewayID); err != nil {
			return err
		}
	}
	if err := checkQuota(q, quota, store.KindVpnConnection, c.VpnGatewayID, `SELECT COUNT(*) FROM vpn_connections WHERE gateway_id = ?`, c.VpnGatewayID); err != nil {
		return err
	}
	insertConn := `INSERT INTO vpn_connections (connection_id, account_id, region_id, gateway_id, customer_gateway_id, name,
		local_subnet, remote_subnet, effect_immediately, enable_dpd, enable_nat_traversal, auto_config_route, enable_tunnels_bgp,
		ike_config, psk_sealed, ipsec_config, bgp_config, health_check, status, state, client_token, resource_group_id, created_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`
	connArgs := []any{c.VpnConnectionID, c.AccountID, c.RegionID, c.VpnGatewayID, c.CustomerGatewayID, c.Name, c.LocalSubnet, c.RemoteSubnet,
		c.EffectImmediately, c.EnableDpd, c.EnableNatTraversal, c.AutoConfigRoute, c.EnableTunnelsBgp, ike, psk, ipsec, bgp,
		health, c.Status, c.State, c.ClientToken, c.ResourceGroupID, e.createdAt(c.CreatedAt)}
	if q.d.CombineInserts {
		return e.insertConnectionCombined(q, c, insertConn, connArgs)
	}
	if _, err := q.exec(insertConn, connArgs...); err != nil {
		return err
	}
	if err := e.putChildren(q, c, c.VpnGatewayID, true); err != nil {
		return err
	}
	return e.bumpGeneration(q, c.VpnGatewayID)
}

// insertConnectionCombined writes a new connection, its tunnels, pairs and
// tags and raises its gateway's generation in one statement (one round
// trip): the rows go in through data-modifying WITH clauses, whose
// constraints are checked at the statement's end as if they were separate
// statements (PostgreSQL). The statement also makes checkRefs' usual case:
// the rows are written only when the gateway and every customer gateway are
// in c's account and region and none of c's pairs carries a connection;
// when nothing was written, checkRefs (in the same transaction) finds and
// reports the reason, and if it finds none (the records changed between the
// two statements) the transaction runs again.
func (e *Engine) insertConnectionCombined(q q, c *vpn.Connection, insertConn string, connArgs []any) error {
	var b strings.Builder
	cgs := customerGateways(c)
	in := strings.Repeat("?, ", len(cgs))
	in = in[:len(in)-2]
	args := []any{c.VpnGatewayID, c.AccountID, c.RegionID}
	for _, cg := range cgs {
		args = append(args, cg)
	}
	args = append(args, c.AccountID, c.RegionID, len(cgs), c.VpnGatewayID)
	for _, cg := range cgs {
		args = append(args, cg)
	}
	b.WriteString(`WITH ok AS (SELECT 1 WHERE EXISTS (SELECT 1 FROM vpn_gateways WHERE gateway_id = ? AND account_id = ? AND region_id = ?)
		AND (SELECT COUNT(*) FROM customer_gateways WHERE customer_gateway_id IN (` + in + `) AND account_id = ? AND region_id = ?) = ?
		AND NOT EXISTS (SELECT 1 FROM connection_pairs WHERE gateway_id = ? AND customer_gateway_id IN (` + in + `))), `)
	n := 0
	// part adds an INSERT of one row (stmt's VALUES list) made only when
	// the row named from exists.
	part := func(stmt, from string, a ...any) {
		n++
		i := strings.LastIndex(stmt, "VALUES (")
		row := strings.TrimSuffix(strings.TrimSpace(stmt[i+len("VALUES ("):]), ")")
		fmt.Fprintf(&b, "w%d AS (%sSELECT %s FROM %s RETURNING 1 AS done), ", n, stmt[:i], row, from)
		args = append(args, a...)
	}
	part(insertConn, "ok", connArgs...)
	for i, t := range c.Tunnels {
		ike, ipsec, bgp, psk, err := e.encodeConfigs(t.TunnelID, t.Ike, t.Ipsec, t.Bgp)
		if err != nil {
			return err
		}
		part(`INSERT INTO vpn_tunnels (tunnel_id, connection_id, position, role, customer_gateway_id, enable_dpd,
			enable_nat_traversal, ike_config, psk_sealed, ipsec_config, bgp_config, status, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "w1",
			t.TunnelID, c.VpnConnectionID, i, t.Role, t.CustomerGatewayID, t.EnableDpd, t.EnableNatTraversal, ike, psk, ipsec, bgp,
			t.Status, t.State)
	}
	for _, cg := range cgs {
		part(`INSERT INTO connection_pairs (gateway_id, customer_gateway_id, connection_id) VALUES (?, ?, ?)`, "w1", c.VpnGatewayID, cg, c.VpnConnectionID)
	}
	for i, t := range c.Tags {
		part(`INSERT INTO tags (resource_id, position, tag_key, tag_value) VALUES (?, ?, ?, ?)`, "w1", c.VpnConnectionID, i, t.Key, t.Value)
	}
	text := strings.TrimSuffix(b.String(), ", ") + `
		INSERT INTO vpn_gateway_generations (gateway_id, generation, changed_at) SELECT ?, 1, ? FROM w1
		ON CONFLICT (gateway_id) DO UPDATE SET generation = vpn_gateway_generations.generation + 1, changed_at = excluded.changed_at`
	args = append(args, c.VpnGatewayID, e.now().UnixNano())
	res, err := q.exec(text, args...)
	if err != nil {
		return err
	}
	if done, err := res.RowsAffected(); err != nil {
		return err
	} else if done != 1 {
		if err := checkRefs(q, c, c.VpnGatewayID); err != nil {
			return err
		}
		return fmt.Errorf("%w: connection %s not written, its references check out now", errRetry, c.VpnConnectionID)
	}
	if q.bumps != nil {
		*q.bumps = append(*q.bumps, bump{gateway: c.VpnGatewayID})
	}
	return nil
}

// UpdateConnection writes c whole (its gateway, ClientToken and CreatedAt
// are kept) when c.Version is the stored version, and increments the
// version. *store.NotFoundError{Kind: store.KindVpnConnection}; store.ErrConflict
// when the version moved; reference and pair errors as CreateConnection.
func (e *Engine) UpdateConnection(ctx context.Context, c vpn.Connection) error {
	ike, ipsec, bgp, psk, err := e.encodeConfigs(c.VpnConnectionID, c.Ike, c.Ipsec, c.Bgp)
	if err != nil {
		return err
	}
	health, err := json.Marshal(c.HealthCheck)
	if err != nil {
		return err
	}
	return e.write(ctx, func(q q) error {
		var version int64
		var gatewayID string
		err := q.row(`SELECT version, gateway_id FROM vpn_connections WHERE connection_id = ? AND account_id = ? AND region_id = ?`,
			c.VpnConnectionID, c.AccountID, c.RegionID).Scan(&version, &gatewayID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(store.KindVpnConnection, c.VpnConnectionID)
		}
		if err != nil {
			return err
		}
		if version != c.Version {
			return fmt.Errorf("%w: VpnConnection %s is at version %d, not %d", store.ErrConflict, c.VpnConnectionID, version, c.Version)
		}
		if err := q.bumpCache(c.AccountID, cachegen.Answers, c.VpnConnectionID); err != nil {
			return err
		}
		if err := checkRefs(q, &c, gatewayID); err != nil {
			return err
		}
		n, err := affected(q.exec(`UPDATE vpn_connections SET customer_gateway_id = ?, name = ?, local_subnet = ?, remote_subnet = ?,
			effect_immediately = ?, enable_dpd = ?, enable_nat_traversal = ?, auto_config_route = ?, enable_tunnels_bgp = ?,
			ike_config = ?, psk_sealed = ?, ipsec_config = ?, bgp_config = ?, health_check = ?, status = ?, state = ?,
			version = version + 1 WHERE connection_id = ? AND version = ?`,
			c.CustomerGatewayID, c.Name, c.LocalSubnet, c.RemoteSubnet, c.EffectImmediately, c.EnableDpd, c.EnableNatTraversal,
			c.AutoConfigRoute, c.EnableTunnelsBgp, ike, psk, ipsec, bgp, string(health), c.Status, c.State, c.VpnConnectionID, c.Version))
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("%w: VpnConnection %s", store.ErrConflict, c.VpnConnectionID)
		}
		if err := e.putChildren(q, &c, gatewayID, false); err != nil {
			return err
		}
		// Tunnels replaced by others keep no status.
		if _, err := q.exec(`DELETE FROM vpn_tunnel_status WHERE connection_id = ? AND tunnel_id <> '' AND tunnel_id NOT IN
			(SELECT tunnel_id FROM vpn_tunnels WHERE connection_id = ?)`, c.VpnConnectionID, c.VpnConnectionID); err != nil {
			return err
		}
		return e.bumpGeneration(q, gatewayID)
	})
}

const selectConnection = `SELECT connection_id, account_id, region_id, gateway_id, customer_gateway_id, name, local_subnet,
	remote_subnet, effect_immediately, enable_dpd, enable_nat_traversal, auto_config_route, enable_tunnels_bgp, ike_config,
	psk_sealed, ipsec_config, bgp_config, health_check, status, state, client_token, created_at, version, resource_group_id FROM vpn_connections`

const selectTunnels = `SELECT tunnel_id, role, customer_gateway_id, enable_dpd, enable_nat_traversal, ike_config, psk_sealed,
	ipsec_config, bgp_config, status, state FROM vpn_tunnels WHERE connection_id = ? ORDER BY position`

func (e *Engine) scanConnection(sc interface{ Scan(...any) error }) (vpn.Connection, error) {
	var c vpn.Connection
	var r connRow
	var created int64
	if err := sc.Scan(&c.VpnConnectionID, &c.AccountID, &c.RegionID, &c.VpnGatewayID, &c.CustomerGatewayID, &c.Name,
		&c.LocalSubnet, &c.RemoteSubnet, &c.EffectImmediately, &c.EnableDpd, &c.EnableNatTraversal, &c.AutoConfigRoute,
		&c.EnableTunnelsBgp, &r.ike, &r.psk, &r.ipsec, &r.bgp, &r.health, &c.Status, &c.State, &c.ClientToken, &created,
		&c.Version, &c.ResourceGroupID); err != nil {
		return vpn.Connection{}, err
	}
	c.CreatedAt = fromNanos(created)
	c.ResourceGroupID = vpn.ResourceGroupOf(c.AccountID, c.ResourceGroupID)
	if err := e.decodeConfigs(c.VpnConnectionID, r.ike, r.ipsec, r.bgp, r.psk, &c.Ike, &c.Ipsec, &c.Bgp); err != nil {
		return vpn.Connection{}, err
	}
	if err := e.healthMemo.decode(r.health, &c.HealthCheck); err != nil {
		return vpn.Connection{}, fmt.Errorf("health check of %s: %w", c.VpnConnectionID, err)
	}
	return c, nil
}

// loadChildren fills the tunnels and tags of c, reading through x (the read
// pool or a read transaction).
func (e *Engine) loadChildren(ctx context.Context, x stmtRunner, c *vpn.Connection) error {
	c.Tunnels, c.Tags = nil, nil
	rows, err := x(e.stmts.tunnels).QueryContext(ctx, c.VpnConnectionID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t vpn.Tunnel
		var r connRow
		if err := rows.Scan(&t.TunnelID, &t.Role, &t.CustomerGatewayID, &t.EnableDpd, &t.EnableNatTraversal, &r.ike, &r.psk,
			&r.ipsec, &r.bgp, &t.Status, &t.State); err != nil {
			return err
		}
		if err := e.decodeConfigs(t.TunnelID, r.ike, r.ipsec, r.bgp, r.psk, &t.Ike, &t.Ipsec, &t.Bgp); err != nil {
			return err
		}
		c.Tunnels = append(c.Tunnels, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	trows, err := x(e.stmts.tags).QueryContext(ctx, c.VpnConnectionID)
	if err != nil {
		return err
	}
	defer trows.Close()
	for trows.Next() {
		var t vpn.Tag
		if err := trows.Scan(&t.Key, &t.Value); err != nil {
			return err
		}
		c.Tags = append(c.Tags, t)
	}
	return trows.Err()
}

// stmtRunner returns the form of a prepared statement to run: itself, or
// bound to a transaction.
type stmtRunner func(*sql.Stmt) *sql.Stmt

// selectConnectionFull reads a connection with its tunnels and tags in one
// statement (one snapshot, one round trip): one row per (tunnel, tag)
// combination, the connection's columns repeated.
const selectConnectionFull = `SELECT c.connection_id, c.account_id, c.region_id, c.gateway_id, c.customer_gateway_id, c.name,
	c.local_subnet, c.remote_subnet, c.effect_immediately, c.enable_dpd, c.enable_nat_traversal, c.auto_config_route,
	c.enable_tunnels_bgp, c.ike_config, c.psk_sealed, c.ipsec_config, c.bgp_config, c.health_check, c.status, c.state,
	c.client_token, c.created_at, c.version, c.resource_group_id,
	t.tunnel_id, t.role, t.customer_gateway_id, t.enable_dpd, t.enable_nat_traversal, t.ike_config, t.psk_sealed,
	t.ipsec_config, t.bgp_config, t.status, t.state,
	g.position, g.tag_key, g.tag_value
	FROM vpn_connections c
	LEFT JOIN vpn_tunnels t ON t.connection_id = c.connection_id
	LEFT JOIN tags g ON g.resource_id = c.connection_id
	WHERE c.connection_id = ? AND (c.account_id = ? OR ? = '') AND c.region_id = ?
	ORDER BY t.position, g.position`

// GetConnection returns the connection with its tunnels, tags and opened
// pre-shared keys; *store.NotFoundError{Kind: store.KindVpnConnection}. It is one
// statement, so the parts always come from the same write.
func (e *Engine) GetConnection(ctx context.Context, s store.Scope, id string) (vpn.Connection, error) {
	rows, err := e.stmts.connection.QueryContext(ctx, id, s.AccountID, s.AccountID, s.RegionID)
	if err != nil {
		return vpn.Connection{}, e.mapErr(err)
	}
	defer rows.Close()
	var (
		c       vpn.Connection
		r       connRow
		created int64
		found   bool
		seenTag = map[int64]bool{}
	)
	for rows.Next() {
		var (
			tID, tRole, tCgw, tIke, tPsk, tIpsec, tBgp, tStatus, tState sql.NullString
			tDpd, tNat                                                  sql.NullBool
			gPos                                                        sql.NullInt64
			gKey, gValue                                                sql.NullString
		)
		if err := rows.Scan(&c.VpnConnectionID, &c.AccountID, &c.RegionID, &c.VpnGatewayID, &c.CustomerGatewayID, &c.Name,
			&c.LocalSubnet, &c.RemoteSubnet, &c.EffectImmediately, &c.EnableDpd, &c.EnableNatTraversal, &c.AutoConfigRoute,
			&c.EnableTunnelsBgp, &r.ike, &r.psk, &r.ipsec, &r.bgp, &r.health, &c.Status, &c.State, &c.ClientToken, &created,
			&c.Version, &c.ResourceGroupID, &tID, &tRole, &tCgw, &tDpd, &tNat, &tIke, &tPsk, &tIpsec, &tBgp, &tStatus, &tState,
			&gPos, &gKey, &gValue); err != nil {
			return vpn.Connection{}, e.mapErr(err)
		}
		found = true
		if tID.Valid && (len(c.Tunnels) == 0 || c.Tunnels[len(c.Tunnels)-1].TunnelID != tID.String) {
			t := vpn.Tunnel{TunnelID: tID.String, Role: tRole.String, CustomerGatewayID: tCgw.String, EnableDpd: tDpd.Bool,
				EnableNatTraversal: tNat.Bool, Status: tStatus.String, State: tState.String}
			if err := e.decodeConfigs(t.TunnelID, tIke.String, tIpsec.String, tBgp.String, tPsk.String, &t.Ike, &t.Ipsec, &t.Bgp); err != nil {
				return vpn.Connection{}, err
			}
			c.Tunnels = append(c.Tunnels, t)
		}
		if gPos.Valid && !seenTag[gPos.Int64] {
			seenTag[gPos.Int64] = true
			c.Tags = append(c.Tags, vpn.Tag{Key: gKey.String, Value: gValue.String})
		}
	}
	if err := rows.Err(); err != nil {
		return vpn.Connection{}, e.mapErr(err)
	}
	if !found {
		return vpn.Connection{}, notFound(store.KindVpnConnection, id)
	}
	c.CreatedAt = fromNanos(created)
	c.ResourceGroupID = vpn.ResourceGroupOf(c.AccountID, c.ResourceGroupID)
	if err := e.decodeConfigs(c.VpnConnectionID, r.ike, r.ipsec, r.bgp, r.psk, &c.Ike, &c.Ipsec, &c.Bgp); err != nil {
		return vpn.Connection{}, err
	}
	if err := e.healthMemo.decode(r.health, &c.HealthCheck); err != nil {
		return vpn.Connection{}, fmt.Errorf("health check of %s: %w", c.VpnConnectionID, err)
	}
	return c, nil
}

// ListConnections returns a page of the scope's connections (with tunnels
// and tags) in creation order and the number of all that match f. A
// CustomerGatewayID filter matches single-tunnel connections and dual-tunnel
// connections with a tunnel on that customer gateway.
func (e *Engine) ListConnections(ctx context.Context, s store.Scope, f store.ConnectionFilter, p store.Page) ([]vpn.Connection, int, error) {
	var w where
	w.scope(s)
	w.in("connection_id", f.IDs)
	w.eq("gateway_id", f.VpnGatewayID)
	w.resourceGroup(s, f.ResourceGroupID)
	w.tags("connection_id", f.Tags)
	if f.CustomerGatewayID != "" {
		w.add("connection_id IN (SELECT connection_id FROM connection_pairs WHERE customer_gateway_id = ?)", f.CustomerGatewayID)
	}
	var out []vpn.Connection
	var total int
	err := e.read(ctx, func(q q, tx *sql.Tx) error {
		var err error
		if total, err = q.count("vpn_connections", &w); err != nil {
			return err
		}
		rows, err := q.query(selectConnection+w.sql()+` ORDER BY created_at, connection_id`+pageSQL(p), w.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := e.scanConnection(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if err := e.loadChildren(ctx, func(s *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, s) }, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteConnection deletes the connection with its tunnels and tags;
// *store.NotFoundError{Kind: store.KindVpnConnection}.
func (e *Engine) DeleteConnection(ctx context.Context, s store.Scope, id string) error {
	return e.write(ctx, func(q q) error {
		gatewayID, ok, err := q.first(`SELECT gateway_id FROM vpn_connections WHERE connection_id = ? AND account_id = ? AND region_id = ?`, id, s.AccountID, s.RegionID)
		if err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpnConnection, id)
		}
		if err := q.bumpCache(s.AccountID, cachegen.Answers, id); err != nil {
			return err
		}
		if gw, ok, err := q.first(`SELECT gateway_id FROM vpn_route_entries WHERE next_hop = ? LIMIT 1`, id); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindVpnRouteEntry, ID: gw}
		}
		for _, stmt := range []string{
			`DELETE FROM vpn_tunnel_status WHERE connection_id = ?`,
			`DELETE FROM vpn_connection_logs WHERE connection_id = ?`,
			`DELETE FROM vpn_tunnels WHERE connection_id = ?`,
			`DELETE FROM connection_pairs WHERE connection_id = ?`,
			`DELETE FROM tags WHERE resource_id = ?`,
			`DELETE FROM vpn_connections WHERE connection_id = ?`,
		} {
			if _, err := q.exec(stmt, id); err != nil {
				return err
			}
		}
		return e.bumpGeneration(q, gatewayID)
	})
}

// UseNonce records key until expires; it reports false when key is already
// recorded and not expired. Every few hundred calls it also deletes expired
// nonces.
func (e *Engine) UseNonce(ctx context.Context, key string, expires time.Time) (bool, error) {
	// Keys may hold any bytes (the api layer joins AccessKeyId and nonce
	// with a NUL; a header nonce may be invalid UTF-8), which PostgreSQL TEXT
	// refuses: store them hex-encoded.
	key = hex.EncodeToString([]byte(key))
	now := e.now().UnixNano()
	var fresh bool
	err := e.write(ctx, func(q q) error {
		if _, err := q.exec(`DELETE FROM nonces WHERE nonce_key = ? AND expires_at <= ?`, key, now); err != nil {
			return err
		}
		n, err := affected(q.exec(`INSERT INTO nonces (nonce_key, expires_at) VALUES (?, ?) ON CONFLICT (nonce_key) DO NOTHING`, key, expires.UnixNano()))
		fresh = n == 1
		return err
	})
	if err != nil {
		return false, err
	}
	if e.nonceCalls.Add(1)%nonceSweepEvery == 0 {
		if _, err := e.PurgeNonces(ctx); err != nil {
			return fresh, err
		}
	}
	return fresh, nil
}

// PurgeNonces deletes expired nonces and returns how many it deleted.
func (e *Engine) PurgeNonces(ctx context.Context) (int64, error) {
	var n int64
	err := e.write(ctx, func(q q) error {
		var err error
		n, err = affected(q.exec(`DELETE FROM nonces WHERE expires_at <= ?`, e.now().UnixNano()))
		return err
	})
	return n, err
}
