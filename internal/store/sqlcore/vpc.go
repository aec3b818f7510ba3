package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// CreateVpc stores v with its tags (idempotent on idem.Token). A zero
// CreatedAt is set to now; empty VRouterID and RouteTableID are derived from
// the VPC id (vpc-X: vrt-X, vtb-X), as migration 0004 does for older VPCs.
func (e *Engine) CreateVpc(ctx context.Context, v vpn.Vpc, idem store.Idempotency) (store.Created, error) {
	suffix := strings.TrimPrefix(v.VpcID, vpn.PrefixVpc+"-")
	if v.VRouterID == "" {
		v.VRouterID = vpn.PrefixVRouter + "-" + suffix
	}
	if v.RouteTableID == "" {
		v.RouteTableID = vpn.PrefixRouteTable + "-" + suffix
	}
	return e.idempotent(ctx, v.AccountID, idem, v.VpcID, func(q q) error {
		_, err := q.exec(`INSERT INTO vpcs (vpc_id, account_id, region_id, vpc_name, description, cidr_block, status, vrouter_id,
			route_table_id, resource_group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.VpcID, v.AccountID, v.RegionID, v.VpcName, v.Description, v.CidrBlock, v.Status, v.VRouterID, v.RouteTableID,
			v.ResourceGroupID, e.createdAt(v.CreatedAt))
		if err != nil {
			return err
		}
		return putTags(q, v.VpcID, v.Tags)
	})
}

const selectVpcCols = `vpc_id, account_id, region_id, vpc_name, description, cidr_block, status, vrouter_id, route_table_id,
	resource_group_id, created_at, route_table_name, route_table_description`

const selectVpc = `SELECT ` + selectVpcCols + ` FROM vpcs`

func scanVpc(sc scanner) (vpn.Vpc, error) {
	var v vpn.Vpc
	var created int64
	err := sc.Scan(&v.VpcID, &v.AccountID, &v.RegionID, &v.VpcName, &v.Description, &v.CidrBlock, &v.Status, &v.VRouterID,
		&v.RouteTableID, &v.ResourceGroupID, &created, &v.RouteTableName, &v.RouteTableDescription)
	v.CreatedAt = fromNanos(created)
	v.ResourceGroupID = vpn.ResourceGroupOf(v.AccountID, v.ResourceGroupID)
	return v, err
}

// GetVpc returns the VPC of the scope with its tags;
// *store.NotFoundError{Kind: store.KindVpc}.
func (e *Engine) GetVpc(ctx context.Context, s store.Scope, vpcID string) (vpn.Vpc, error) {
	var v vpn.Vpc
	tags, err := e.withTags(ctx, "vpcs", selectVpcCols, "vpc_id", vpcID, s, func(sc scanner) error {
		var err error
		v, err = scanVpc(sc)
		return err
	})
	v.Tags = tags
	if errors.Is(err, sql.ErrNoRows) {
		return vpn.Vpc{}, notFound(store.KindVpc, vpcID)
	}
	if err != nil {
		return vpn.Vpc{}, e.mapErr(err)
	}
	return v, nil
}

// ListVpcs returns a page of the scope's VPCs (with their tags) in creation
// order and the number of all that match f.
func (e *Engine) ListVpcs(ctx context.Context, s store.Scope, f store.VpcFilter, p store.Page) ([]vpn.Vpc, int, error) {
	var w where
	w.scope(s)
	w.in("vpc_id", f.IDs)
	w.eq("vpc_name", f.VpcName)
	w.eq("vrouter_id", f.VRouterID)
	w.eq("route_table_id", f.RouteTableID)
	w.eq("route_table_name", f.RouteTableName)
	w.resourceGroup(s, f.ResourceGroupID)
	w.tags("vpc_id", f.Tags)
	w.tags("route_table_id", f.RouteTableTags)
	out, total, err := listWithTags(e, ctx, "vpcs", selectVpc, "created_at, vpc_id", &w, p, scanVpc,
		func(v *vpn.Vpc) (string, *[]vpn.Tag) { return v.VpcID, &v.Tags })
	return out, total, err
}

// UpdateVpc writes the name, description and CIDR block of v and its route
// table's name and description; see store.Store.
func (e *Engine) UpdateVpc(ctx context.Context, v vpn.Vpc) error {
	block, err := netip.ParsePrefix(v.CidrBlock)
	if err != nil {
		return fmt.Errorf("UpdateVpc: CIDR block %q: %w", v.CidrBlock, err)
	}
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT vpc_id FROM vpcs WHERE vpc_id = ? AND account_id = ? AND region_id = ?`, v.VpcID, v.AccountID, v.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpc, v.VpcID)
		}
		rows, err := q.query(`SELECT vswitch_id, cidr_block FROM vswitches WHERE vpc_id = ? ORDER BY created_at, vswitch_id`, v.VpcID)
		if err != nil {
			return err
		}
		var outside string
		for rows.Next() {
			var id, c string
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return err
			}
			if sw, err := netip.ParsePrefix(c); outside == "" && (err != nil || sw.Bits() < block.Bits() || !block.Contains(sw.Addr())) {
				outside = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if outside != "" {
			return &store.InUseError{Kind: store.KindVSwitch, ID: outside}
		}
		_, err = q.exec(`UPDATE vpcs SET vpc_name = ?, description = ?, cidr_block = ?, route_table_name = ?, route_table_description = ? WHERE vpc_id = ?`,
			v.VpcName, v.Description, v.CidrBlock, v.RouteTableName, v.RouteTableDescription, v.VpcID)
		return err
	})
}

// DeleteVpc deletes the VPC with its tags and its route table's;
// *store.NotFoundError{Kind: store.KindVpc}, or *store.InUseError (Kind "VSwitch" or
// "VpnGateway") while it has vSwitches or a VPN gateway.
func (e *Engine) DeleteVpc(ctx context.Context, s store.Scope, vpcID string) error {
	return e.write(ctx, func(q q) error {
		rt, ok, err := q.first(`SELECT route_table_id FROM vpcs WHERE vpc_id = ? AND account_id = ? AND region_id = ?`, vpcID, s.AccountID, s.RegionID)
		if err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpc, vpcID)
		}
		if id, ok, err := q.first(`SELECT vswitch_id FROM vswitches WHERE vpc_id = ? ORDER BY created_at, vswitch_id LIMIT 1`, vpcID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindVSwitch, ID: id}
		}
		if id, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE vpc_id = ? LIMIT 1`, vpcID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindVpnGateway, ID: id}
		}
		for _, st := range []struct{ sql, arg string }{
			{`DELETE FROM tags WHERE resource_id = ?`, vpcID},
			{`DELETE FROM tags WHERE resource_id = ?`, rt},
			{`DELETE FROM vpcs WHERE vpc_id = ?`, vpcID},
		} {
			if _, err := q.exec(st.sql, st.arg); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateVSwitch stores v with its tags; *store.NotFoundError{Kind: store.KindVpc}
// when its VPC is not in the vSwitch's account and region.
func (e *Engine) CreateVSwitch(ctx context.Context, v vpn.VSwitch, idem store.Idempotency) (store.Created, error) {
	return e.idempotent(ctx, v.AccountID, idem, v.VSwitchID, func(q q) error {
		if _, ok, err := q.first(`SELECT vpc_id FROM vpcs WHERE vpc_id = ? AND account_id = ? AND region_id = ?`, v.VpcID, v.AccountID, v.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVpc, v.VpcID)
		}
		_, err := q.exec(`INSERT INTO vswitches (vswitch_id, account_id, region_id, vpc_id, zone_id, cidr_block, vswitch_name, description,
			status, resource_group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.VSwitchID, v.AccountID, v.RegionID, v.VpcID, v.ZoneID, v.CidrBlock, v.VSwitchName, v.Description, v.Status,
			v.ResourceGroupID, e.createdAt(v.CreatedAt))
		if err != nil {
			return err
		}
		return putTags(q, v.VSwitchID, v.Tags)
	})
}

const selectVSwitchCols = `vswitch_id, account_id, region_id, vpc_id, zone_id, cidr_block, vswitch_name, description, status,
	resource_group_id, created_at`

const selectVSwitch = `SELECT ` + selectVSwitchCols + ` FROM vswitches`

func scanVSwitch(sc scanner) (vpn.VSwitch, error) {
	var v vpn.VSwitch
	var created int64
	err := sc.Scan(&v.VSwitchID, &v.AccountID, &v.RegionID, &v.VpcID, &v.ZoneID, &v.CidrBlock, &v.VSwitchName, &v.Description,
		&v.Status, &v.ResourceGroupID, &created)
	v.CreatedAt = fromNanos(created)
	v.ResourceGroupID = vpn.ResourceGroupOf(v.AccountID, v.ResourceGroupID)
	return v, err
}

// GetVSwitch returns the vSwitch with its tags;
// *store.NotFoundError{Kind: store.KindVSwitch}.
func (e *Engine) GetVSwitch(ctx context.Context, s store.Scope, vswitchID string) (vpn.VSwitch, error) {
	var v vpn.VSwitch
	tags, err := e.withTags(ctx, "vswitches", selectVSwitchCols, "vswitch_id", vswitchID, s, func(sc scanner) error {
		var err error
		v, err = scanVSwitch(sc)
		return err
	})
	v.Tags = tags
	if errors.Is(err, sql.ErrNoRows) {
		return vpn.VSwitch{}, notFound(store.KindVSwitch, vswitchID)
	}
	if err != nil {
		return vpn.VSwitch{}, e.mapErr(err)
	}
	return v, nil
}

// ListVSwitches returns a page of the scope's vSwitches (with their tags) in
// creation order and the number of all that match f.
func (e *Engine) ListVSwitches(ctx context.Context, s store.Scope, f store.VSwitchFilter, p store.Page) ([]vpn.VSwitch, int, error) {
	var w where
	w.scope(s)
	w.in("vswitch_id", f.IDs)
	w.eq("vpc_id", f.VpcID)
	w.eq("zone_id", f.ZoneID)
	w.eq("vswitch_name", f.VSwitchName)
	w.resourceGroup(s, f.ResourceGroupID)
	w.tags("vswitch_id", f.Tags)
	return listWithTags(e, ctx, "vswitches", selectVSwitch, "created_at, vswitch_id", &w, p, scanVSwitch,
		func(v *vpn.VSwitch) (string, *[]vpn.Tag) { return v.VSwitchID, &v.Tags })
}

// UpdateVSwitch writes the name and description of v;
// *store.NotFoundError{Kind: store.KindVSwitch}.
func (e *Engine) UpdateVSwitch(ctx context.Context, v vpn.VSwitch) error {
	return e.write(ctx, func(q q) error {
		n, err := affected(q.exec(`UPDATE vswitches SET vswitch_name = ?, description = ? WHERE vswitch_id = ? AND account_id = ? AND region_id = ?`,
			v.VSwitchName, v.Description, v.VSwitchID, v.AccountID, v.RegionID))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(store.KindVSwitch, v.VSwitchID)
		}
		return nil
	})
}

// DeleteVSwitch deletes the vSwitch with its tags;
// *store.NotFoundError{Kind: store.KindVSwitch}, or *store.InUseError{Kind: store.KindVpnGateway}
// while a gateway is placed in it.
func (e *Engine) DeleteVSwitch(ctx context.Context, s store.Scope, vswitchID string) error {
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT vswitch_id FROM vswitches WHERE vswitch_id = ? AND account_id = ? AND region_id = ?`, vswitchID, s.AccountID, s.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(store.KindVSwitch, vswitchID)
		}
		if id, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE vswitch_id = ? OR dr_vswitch_id = ? LIMIT 1`, vswitchID, vswitchID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: store.KindVpnGateway, ID: id}
		}
		for _, st := range []string{`DELETE FROM tags WHERE resource_id = ?`, `DELETE FROM vswitches WHERE vswitch_id = ?`} {
			if _, err := q.exec(st, vswitchID); err != nil {
				return err
			}
		}
		return nil
	})
}

// listWithTags runs a list query of table (selectSQL, ordered by order) with
// where clause w and page p in one read transaction, and fills each record's
// tags (ref returns a record's id and where its tags go).
func listWithTags[T any](e *Engine, ctx context.Context, table, selectSQL, order string, w *where, p store.Page,
	scan func(scanner) (T, error), ref func(*T) (string, *[]vpn.Tag)) ([]T, int, error) {
	var out []T
	var total int
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		if total, err = q.count(table, w); err != nil {
			return err
		}
		rows, err := q.query(selectSQL+w.sql()+` ORDER BY `+order+pageSQL(p), w.args...)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, v)
			id, _ := ref(&out[len(out)-1])
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		tags, err := tagsOf(q, ids)
		for i := range out {
			id, dst := ref(&out[i])
			*dst = tags[id]
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// putTags replaces the tags of a resource.
func putTags(q q, resourceID string, tags []vpn.Tag) error {
	if _, err := q.exec(`DELETE FROM tags WHERE resource_id = ?`, resourceID); err != nil {
		return err
	}
	return insertTags(q, resourceID, tags)
}

// insertTags stores the tags of a resource that has none.
func insertTags(q q, resourceID string, tags []vpn.Tag) error {
	for i, t := range tags {
		if _, err := q.exec(`INSERT INTO tags (resource_id, position, tag_key, tag_value) VALUES (?, ?, ?, ?)`, resourceID, i, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// tagsOf loads the tags of the given resources (nil slices for none).
func tagsOf(q q, ids []string) (map[string][]vpn.Tag, error) {
	out := make(map[string][]vpn.Tag, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var w where
	w.in("resource_id", ids)
	rows, err := q.query(`SELECT resource_id, tag_key, tag_value FROM tags`+w.sql()+` ORDER BY resource_id, position`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t vpn.Tag
		if err := rows.Scan(&id, &t.Key, &t.Value); err != nil {
			return nil, err
		}
		out[id] = append(out[id], t)
	}
	return out, rows.Err()
}

// scanner is a row to scan.
type scanner interface{ Scan(...any) error }

// tagScanner scans the record columns of a joined row into the record (via
// scan) and the trailing tag columns into itself.
type tagScanner struct {
	rows *sql.Rows
	pos  sql.NullInt64
	key  sql.NullString
	val  sql.NullString
}

func (t *tagScanner) Scan(dest ...any) error {
	return t.rows.Scan(append(dest, &t.pos, &t.key, &t.val)...)
}

// withTags reads one record of table (columns cols, id column idCol) in the
// scope together with its tags, in one statement; scan fills the record
// (it is called for every joined row, which differ only in their tag
// columns). It returns the tags in order (nil for none), or sql.ErrNoRows
// when the record is not there.
func (e *Engine) withTags(ctx context.Context, table, cols, idCol, id string, s store.Scope, scan func(scanner) error) ([]vpn.Tag, error) {
	var prefixed []string
	for _, c := range strings.Split(cols, ",") {
		prefixed = append(prefixed, "r."+strings.TrimSpace(c))
	}
	query := `SELECT ` + strings.Join(prefixed, ", ") + `, g.position, g.tag_key, g.tag_value FROM ` + table +
		` r LEFT JOIN tags g ON g.resource_id = r.` + idCol + ` WHERE r.` + idCol + ` = ? AND (r.account_id = ? OR ? = '') AND r.region_id = ? ORDER BY g.position`
	var rows *sql.Rows
	var err error
	text := e.d.bind(query)
	if st := e.rstmts.get(text); st != nil {
		rows, err = st.QueryContext(ctx, id, s.AccountID, s.AccountID, s.RegionID)
	} else {
		rows, err = e.r.QueryContext(ctx, text, id, s.AccountID, s.AccountID, s.RegionID)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ts := &tagScanner{rows: rows}
	found := false
	var tags []vpn.Tag
	for rows.Next() {
		if err := scan(ts); err != nil {
			return nil, err
		}
		found = true
		if ts.pos.Valid {
			tags = append(tags, vpn.Tag{Key: ts.key.String, Value: ts.val.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, sql.ErrNoRows
	}
	return tags, nil
}
