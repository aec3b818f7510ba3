package sqlcore

import (
	"context"
	"fmt"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

var _ store.Resealer = (*Engine)(nil)

// sealedColumn is a column holding sealed values bound to the row's id.
type sealedColumn struct {
	table, id, col string
}

// sealedColumns lists every sealed column of the schema. A migration that
// adds one must add it here, or rotation leaves its values under the old key.
func sealedColumns() []sealedColumn {
	return []sealedColumn{
		{"access_keys", "access_key_id", "secret_sealed"},
		{"vpn_connections", "connection_id", "psk_sealed"},
		{"vpn_tunnels", "tunnel_id", "psk_sealed"},
	}
}

// maxFailedIDs bounds ResealStats.Failed.
const maxFailedIDs = 20

type sealedRow struct{ id, sealed string }

// Reseal implements store.Resealer. Rows are walked in id order, batch at a
// time (keyset pagination, so rows inserted meanwhile are either seen or
// sealed under the primary key by whoever inserted them); each batch that
// needs work is rewritten in one write transaction with compare-and-set
// updates.
func (e *Engine) Reseal(ctx context.Context, batch int) (store.ResealStats, error) {
	if batch < 1 {
		batch = 100
	}
	var st store.ResealStats
	for _, c := range sealedColumns() {
		last := ""
		for {
			rows, err := e.sealedPage(ctx, c, last, batch)
			if err != nil {
				return st, err
			}
			if len(rows) == 0 {
				break
			}
			last = rows[len(rows)-1].id
			primary := e.keys.PrimaryID()
			var todo []sealedRow
			for _, r := range rows {
				if r.sealed == "" {
					continue
				}
				st.Scanned++
				if id, ok := secret.SealedKeyID(r.sealed); ok && id == primary {
					continue
				}
				todo = append(todo, r)
			}
			if len(todo) > 0 {
				var resealed, changed int
				var failed []string
				err := e.write(ctx, func(q q) error {
					resealed, changed, failed = 0, 0, nil
					for _, r := range todo {
						plain, err := e.keys.Open(r.sealed, r.id)
						if err != nil {
							failed = append(failed, c.table+"/"+r.id)
							continue
						}
						fresh, err := e.keys.Seal(plain, r.id)
						if err != nil {
							return err
						}
						n, err := affected(q.exec(`UPDATE `+c.table+` SET `+c.col+` = ? WHERE `+c.id+` = ? AND `+c.col+` = ?`, fresh, r.id, r.sealed))
						if err != nil {
							return err
						}
						if n == 0 {
							changed++
						} else {
							resealed++
						}
					}
					return nil
				})
				if err != nil {
					return st, fmt.Errorf("reseal %s: %w", c.table, err)
				}
				st.Resealed += resealed
				st.Changed += changed
				st.Unreadable += len(failed)
				for _, f := range failed {
					if len(st.Failed) < maxFailedIDs {
						st.Failed = append(st.Failed, f)
					}
				}
			}
			if len(rows) < batch {
				break
			}
		}
	}
	return st, nil
}

// sealedPage returns up to n rows of c with an id after last, in id order.
func (e *Engine) sealedPage(ctx context.Context, c sealedColumn, last string, n int) ([]sealedRow, error) {
	rows, err := e.r.QueryContext(ctx, e.d.bind(`SELECT `+c.id+`, `+c.col+` FROM `+c.table+` WHERE `+c.id+` > ? ORDER BY `+c.id+fmt.Sprintf(` LIMIT %d`, n)), last)
	if err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", e.d.Name, c.table, err)
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		var r sealedRow
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			return nil, fmt.Errorf("%s: read %s: %w", e.d.Name, c.table, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", e.d.Name, c.table, err)
	}
	return out, nil
}

// SealedKeyCounts implements store.Resealer.
func (e *Engine) SealedKeyCounts(ctx context.Context) (map[uint32]int, error) {
	counts := map[uint32]int{}
	for _, c := range sealedColumns() {
		rows, err := e.r.QueryContext(ctx, `SELECT `+c.col+` FROM `+c.table)
		if err != nil {
			return nil, fmt.Errorf("%s: read %s: %w", e.d.Name, c.table, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: read %s: %w", e.d.Name, c.table, err)
			}
			if s == "" {
				continue
			}
			id, _ := secret.SealedKeyID(s)
			counts[id]++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: read %s: %w", e.d.Name, c.table, err)
		}
	}
	return counts, nil
}
