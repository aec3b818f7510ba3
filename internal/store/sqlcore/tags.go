package sqlcore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// taggable says where the records of a kind live: their table and id
// column (a route table lives in its VPC's row).
var taggable = map[store.Kind]struct{ table, idCol string }{
	store.KindVpc:             {"vpcs", "vpc_id"},
	store.KindVSwitch:         {"vswitches", "vswitch_id"},
	store.KindRouteTable:      {"vpcs", "route_table_id"},
	store.KindVpnGateway:      {"vpn_gateways", "gateway_id"},
	store.KindCustomerGateway: {"customer_gateways", "customer_gateway_id"},
	store.KindVpnConnection:   {"vpn_connections", "connection_id"},
}

func taggableOf(kind store.Kind) (struct{ table, idCol string }, error) {
	t, ok := taggable[kind]
	if !ok {
		return t, fmt.Errorf("sqlcore: %q is not a taggable kind", kind)
	}
	return t, nil
}

// tags adds a filter keeping the records (id column col) that carry every
// tag of ts; a tag with an empty value matches any value of its key.
func (w *where) tags(col string, ts []vpn.Tag) {
	for _, t := range ts {
		if t.Value == "" {
			w.add(col+" IN (SELECT resource_id FROM tags WHERE tag_key = ?)", t.Key)
		} else {
			w.add(col+" IN (SELECT resource_id FROM tags WHERE tag_key = ? AND tag_value = ?)", t.Key, t.Value)
		}
	}
}

// checkTaggable fails with *store.NotFoundError unless every id is a record
// of kind in the scope.
func checkTaggable(q q, s store.Scope, kind store.Kind, ids []string) error {
	t, err := taggableOf(kind)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok, err := q.first(`SELECT `+t.idCol+` FROM `+t.table+` WHERE `+t.idCol+` = ? AND account_id = ? AND region_id = ?`, id, s.AccountID, s.RegionID); err != nil {
			return err
		} else if !ok {
			return notFound(kind, id)
		}
	}
	return nil
}

// TagResources adds tags to records; see store.TagStore.
func (e *Engine) TagResources(ctx context.Context, s store.Scope, kind store.Kind, ids []string, tags []vpn.Tag) error {
	return e.write(ctx, func(q q) error {
		if err := checkTaggable(q, s, kind, ids); err != nil {
			return err
		}
		for _, id := range ids {
			cur, err := tagsOf(q, []string{id})
			if err != nil {
				return err
			}
			have := map[string]bool{}
			for _, t := range cur[id] {
				have[t.Key] = true
			}
			n := len(cur[id])
			for _, t := range tags {
				if !have[t.Key] {
					n++
				}
			}
			if n > store.MaxTagsPerResource {
				return &store.LimitError{Rule: store.RuleTagsPerResource, ID: id}
			}
			var next int64
			if err := q.row(`SELECT COALESCE(MAX(position), -1) + 1 FROM tags WHERE resource_id = ?`, id).Scan(&next); err != nil {
				return err
			}
			for _, t := range tags {
				if have[t.Key] {
					if _, err := q.exec(`UPDATE tags SET tag_value = ? WHERE resource_id = ? AND tag_key = ?`, t.Value, id, t.Key); err != nil {
						return err
					}
					continue
				}
				if _, err := q.exec(`INSERT INTO tags (resource_id, position, tag_key, tag_value) VALUES (?, ?, ?, ?)`, id, next, t.Key, t.Value); err != nil {
					return err
				}
				have[t.Key] = true
				next++
			}
		}
		return nil
	})
}

// UntagResources removes tags from records; see store.TagStore.
func (e *Engine) UntagResources(ctx context.Context, s store.Scope, kind store.Kind, ids []string, keys []string, all bool) error {
	return e.write(ctx, func(q q) error {
		if err := checkTaggable(q, s, kind, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if all {
				if _, err := q.exec(`DELETE FROM tags WHERE resource_id = ?`, id); err != nil {
					return err
				}
				continue
			}
			for _, k := range keys {
				if _, err := q.exec(`DELETE FROM tags WHERE resource_id = ? AND tag_key = ?`, id, k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ListTagResources lists tags of records; see store.TagStore.
func (e *Engine) ListTagResources(ctx context.Context, s store.Scope, kind store.Kind, ids []string, match []vpn.Tag, offset, limit int) ([]store.TagResource, bool, error) {
	t, err := taggableOf(kind)
	if err != nil {
		return nil, false, err
	}
	var w where
	w.add("r.account_id = ? AND r.region_id = ?", s.AccountID, s.RegionID)
	w.in("g.resource_id", ids)
	w.tags("g.resource_id", match)
	query := `SELECT g.resource_id, g.tag_key, g.tag_value FROM tags g JOIN ` + t.table + ` r ON r.` + t.idCol + ` = g.resource_id` +
		w.sql() + ` ORDER BY g.resource_id, g.position` + fmt.Sprintf(" LIMIT %d OFFSET %d", limit+1, offset)
	var out []store.TagResource
	err = e.read(ctx, func(q q, _ *sql.Tx) error {
		rows, err := q.query(query, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			tr := store.TagResource{Kind: kind}
			if err := rows.Scan(&tr.ResourceID, &tr.Key, &tr.Value); err != nil {
				return err
			}
			out = append(out, tr)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
