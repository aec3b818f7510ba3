package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// CreateVpc stores v (idempotent on idem.Token). A zero CreatedAt is set to
// now.
func (e *Engine) CreateVpc(ctx context.Context, v vpn.Vpc, idem store.Idempotency) (store.Created, error) {
	return e.idempotent(ctx, v.AccountID, idem, v.VpcID, func(q q) error {
		_, err := q.exec(`INSERT INTO vpcs (vpc_id, account_id, region_id, vpc_name, description, cidr_block, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			v.VpcID, v.AccountID, v.RegionID, v.VpcName, v.Description, v.CidrBlock, v.Status, e.createdAt(v.CreatedAt))
		return err
	})
}

const selectVpc = `SELECT vpc_id, account_id, region_id, vpc_name, description, cidr_block, status, created_at FROM vpcs`

func scanVpc(sc interface{ Scan(...any) error }) (vpn.Vpc, error) {
	var v vpn.Vpc
	var created int64
	err := sc.Scan(&v.VpcID, &v.AccountID, &v.RegionID, &v.VpcName, &v.Description, &v.CidrBlock, &v.Status, &created)
	v.CreatedAt = fromNanos(created)
	return v, err
}

// GetVpc returns the VPC of the scope; *store.NotFoundError{Kind:"Vpc"}.
func (e *Engine) GetVpc(ctx context.Context, s store.Scope, vpcID string) (vpn.Vpc, error) {
	v, err := scanVpc(q{ctx: ctx, x: e.r, d: &e.d}.row(selectVpc+` WHERE vpc_id = ? AND (account_id = ? OR ? = '') AND region_id = ?`, vpcID, s.AccountID, s.AccountID, s.RegionID))
	if errors.Is(err, sql.ErrNoRows) {
		return vpn.Vpc{}, notFound("Vpc", vpcID)
	}
	if err != nil {
		return vpn.Vpc{}, e.mapErr(err)
	}
	return v, nil
}

// ListVpcs returns a page of the scope's VPCs in creation order and the
// number of all that match f.
func (e *Engine) ListVpcs(ctx context.Context, s store.Scope, f store.VpcFilter, p store.Page) ([]vpn.Vpc, int, error) {
	var w where
	w.scope(s)
	w.in("vpc_id", f.IDs)
	w.eq("vpc_name", f.VpcName)
	var out []vpn.Vpc
	var total int
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		if total, err = q.count("vpcs", &w); err != nil {
			return err
		}
		rows, err := q.query(selectVpc+w.sql()+` ORDER BY created_at, vpc_id`+pageSQL(p), w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanVpc(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, total, err
}

// DeleteVpc deletes the VPC; *store.NotFoundError{Kind:"Vpc"}, or
// *store.InUseError (Kind "VSwitch" or "VpnGateway") while it has vSwitches
// or a VPN gateway.
func (e *Engine) DeleteVpc(ctx context.Context, s store.Scope, vpcID string) error {
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT vpc_id FROM vpcs WHERE vpc_id = ? AND account_id = ? AND region_id = ?`, vpcID, s.AccountID, s.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound("Vpc", vpcID)
		}
		if id, ok, err := q.first(`SELECT vswitch_id FROM vswitches WHERE vpc_id = ? ORDER BY created_at, vswitch_id LIMIT 1`, vpcID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: "VSwitch", ID: id}
		}
		if id, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE vpc_id = ? LIMIT 1`, vpcID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: "VpnGateway", ID: id}
		}
		_, err := q.exec(`DELETE FROM vpcs WHERE vpc_id = ?`, vpcID)
		return err
	})
}

// CreateVSwitch stores v; *store.NotFoundError{Kind:"Vpc"} when its VPC is
// not in the vSwitch's account and region.
func (e *Engine) CreateVSwitch(ctx context.Context, v vpn.VSwitch, idem store.Idempotency) (store.Created, error) {
	return e.idempotent(ctx, v.AccountID, idem, v.VSwitchID, func(q q) error {
		if _, ok, err := q.first(`SELECT vpc_id FROM vpcs WHERE vpc_id = ? AND account_id = ? AND region_id = ?`, v.VpcID, v.AccountID, v.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound("Vpc", v.VpcID)
		}
		_, err := q.exec(`INSERT INTO vswitches (vswitch_id, account_id, region_id, vpc_id, zone_id, cidr_block, vswitch_name, description, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.VSwitchID, v.AccountID, v.RegionID, v.VpcID, v.ZoneID, v.CidrBlock, v.VSwitchName, v.Description, v.Status, e.createdAt(v.CreatedAt))
		return err
	})
}

const selectVSwitch = `SELECT vswitch_id, account_id, region_id, vpc_id, zone_id, cidr_block, vswitch_name, description, status, created_at FROM vswitches`

func scanVSwitch(sc interface{ Scan(...any) error }) (vpn.VSwitch, error) {
	var v vpn.VSwitch
	var created int64
	err := sc.Scan(&v.VSwitchID, &v.AccountID, &v.RegionID, &v.VpcID, &v.ZoneID, &v.CidrBlock, &v.VSwitchName, &v.Description, &v.Status, &created)
	v.CreatedAt = fromNanos(created)
	return v, err
}

// GetVSwitch returns the vSwitch; *store.NotFoundError{Kind:"VSwitch"}.
func (e *Engine) GetVSwitch(ctx context.Context, s store.Scope, vswitchID string) (vpn.VSwitch, error) {
	v, err := scanVSwitch(q{ctx: ctx, x: e.r, d: &e.d}.row(selectVSwitch+` WHERE vswitch_id = ? AND (account_id = ? OR ? = '') AND region_id = ?`, vswitchID, s.AccountID, s.AccountID, s.RegionID))
	if errors.Is(err, sql.ErrNoRows) {
		return vpn.VSwitch{}, notFound("VSwitch", vswitchID)
	}
	if err != nil {
		return vpn.VSwitch{}, e.mapErr(err)
	}
	return v, nil
}

// ListVSwitches returns a page of the scope's vSwitches in creation order
// and the number of all that match f.
func (e *Engine) ListVSwitches(ctx context.Context, s store.Scope, f store.VSwitchFilter, p store.Page) ([]vpn.VSwitch, int, error) {
	var w where
	w.scope(s)
	w.in("vswitch_id", f.IDs)
	w.eq("vpc_id", f.VpcID)
	w.eq("zone_id", f.ZoneID)
	var out []vpn.VSwitch
	var total int
	err := e.read(ctx, func(q q, _ *sql.Tx) error {
		var err error
		if total, err = q.count("vswitches", &w); err != nil {
			return err
		}
		rows, err := q.query(selectVSwitch+w.sql()+` ORDER BY created_at, vswitch_id`+pageSQL(p), w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanVSwitch(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, total, err
}

// DeleteVSwitch deletes the vSwitch; *store.NotFoundError{Kind:"VSwitch"},
// or *store.InUseError{Kind:"VpnGateway"} while a gateway is placed in it.
func (e *Engine) DeleteVSwitch(ctx context.Context, s store.Scope, vswitchID string) error {
	return e.write(ctx, func(q q) error {
		if _, ok, err := q.first(`SELECT vswitch_id FROM vswitches WHERE vswitch_id = ? AND account_id = ? AND region_id = ?`, vswitchID, s.AccountID, s.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound("VSwitch", vswitchID)
		}
		if id, ok, err := q.first(`SELECT gateway_id FROM vpn_gateways WHERE vswitch_id = ? OR dr_vswitch_id = ? LIMIT 1`, vswitchID, vswitchID); err != nil {
			return err
		} else if ok {
			return &store.InUseError{Kind: "VpnGateway", ID: id}
		}
		_, err := q.exec(`DELETE FROM vswitches WHERE vswitch_id = ?`, vswitchID)
		return err
	})
}

// putTags replaces the tags of a resource.
func putTags(q q, resourceID string, tags []vpn.Tag) error {
	if _, err := q.exec(`DELETE FROM tags WHERE resource_id = ?`, resourceID); err != nil {
		return err
	}
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
