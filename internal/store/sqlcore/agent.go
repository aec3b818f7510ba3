package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

var _ store.AgentStore = (*Engine)(nil)

// bumpGeneration increases the generation of a gateway's desired state
// (inside the transaction that changed one of its connections).
func (e *Engine) bumpGeneration(q q, gatewayID string) error {
	_, err := q.exec(`INSERT INTO vpn_gateway_generations (gateway_id, generation, changed_at) VALUES (?, 1, ?)
		ON CONFLICT (gateway_id) DO UPDATE SET generation = vpn_gateway_generations.generation + 1, changed_at = excluded.changed_at`,
		gatewayID, e.now().UnixNano())
	if err == nil && q.bumps != nil {
		*q.bumps = append(*q.bumps, bump{gateway: gatewayID})
	}
	return err
}

// GatewayGeneration implements store.AgentStore.
func (e *Engine) GatewayGeneration(ctx context.Context, gatewayID string) (int64, error) {
	var g int64
	err := e.r.QueryRowContext(ctx, e.d.bind(`SELECT generation FROM vpn_gateway_generations WHERE gateway_id = ?`), gatewayID).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, e.readErr(err)
	}
	return g, nil
}

// ChangedGateways implements store.AgentStore.
func (e *Engine) ChangedGateways(ctx context.Context, since time.Time) ([]store.GatewayGeneration, error) {
	rows, err := e.r.QueryContext(ctx, e.d.bind(`SELECT gateway_id, generation FROM vpn_gateway_generations WHERE changed_at >= ?`), since.UnixNano())
	if err != nil {
		return nil, e.readErr(err)
	}
	defer rows.Close()
	var out []store.GatewayGeneration
	for rows.Next() {
		var g store.GatewayGeneration
		if err := rows.Scan(&g.GatewayID, &g.Generation); err != nil {
			return nil, e.readErr(err)
		}
		out = append(out, g)
	}
	return out, e.readErr(rows.Err())
}

// readErr maps an error of a read outside a transaction (nil stays nil).
func (e *Engine) readErr(err error) error {
	if err == nil {
		return nil
	}
	return e.mapErr(err)
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanosOrZero(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return fromNanos(n)
}

// PutAgentStatus implements store.AgentStore.
func (e *Engine) PutAgentStatus(ctx context.Context, a store.AgentRecord, tunnels []store.TunnelStatus) error {
	return e.write(ctx, func(q q) error {
		// Only for a connection of this gateway that still exists (and,
		// for a dual-tunnel connection, one of its tunnels).
		ids := make([]string, 0, len(tunnels))
		for _, t := range tunnels {
			ids = append(ids, t.ConnectionID)
		}
		valid, err := gatewayTunnels(q, a.GatewayID, ids)
		if err != nil {
			return err
		}
		return putAgent(q, a, tunnels, valid)
	})
}

// UpdateAgentHeartbeats implements store.AgentStore.
func (e *Engine) UpdateAgentHeartbeats(ctx context.Context, batch []store.AgentStatus) (gone []string, err error) {
	err = e.write(ctx, func(q q) error {
		gone = gone[:0]
		for _, b := range batch {
			a := b.Agent
			res, err := q.exec(`UPDATE vpn_gateway_agents SET report_seq = ?, version = ?, hostname = ?, generation = ?, last_report = ?
				WHERE gateway_id = ? AND account_id = ? AND instance_id = ? AND report_seq <= ? AND last_report <= ?`,
				a.Sequence, a.Version, a.Hostname, a.Generation, nanos(a.LastReport), a.GatewayID, a.AccountID, a.InstanceID, a.Sequence,
				nanos(a.LastReport))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				gone = append(gone, a.GatewayID)
				continue
			}
			for _, t := range b.Tunnels {
				if _, err := q.exec(`UPDATE vpn_tunnel_status SET bytes_in = ?, bytes_out = ?, packets_in = ?, packets_out = ?, reported_at = ?
					WHERE connection_id = ? AND tunnel_id = ? AND gateway_id = ? AND reported_at <= ?`,
					t.BytesIn, t.BytesOut, t.PacketsIn, t.PacketsOut, nanos(t.ReportedAt), t.ConnectionID, t.TunnelID, a.GatewayID,
					nanos(t.ReportedAt)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return gone, nil
}

// putAgent upserts the agent record a and those of tunnels that are in
// valid (gatewayTunnels).
func putAgent(q q, a store.AgentRecord, tunnels []store.TunnelStatus, valid map[tunnelKey]bool) error {
	if _, err := q.exec(`INSERT INTO vpn_gateway_agents (gateway_id, account_id, region_id, instance_id, report_seq, version, hostname,
		generation, last_report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (gateway_id) DO UPDATE SET account_id = excluded.account_id, region_id = excluded.region_id,
		instance_id = excluded.instance_id, report_seq = excluded.report_seq, version = excluded.version,
		hostname = excluded.hostname, generation = excluded.generation, last_report = excluded.last_report`,
		a.GatewayID, a.AccountID, a.RegionID, a.InstanceID, a.Sequence, a.Version, a.Hostname, a.Generation, nanos(a.LastReport)); err != nil {
		return err
	}
	for _, t := range tunnels {
		if !valid[tunnelKey{t.ConnectionID, t.TunnelID}] {
			continue
		}
		if _, err := q.exec(`INSERT INTO vpn_tunnel_status (connection_id, tunnel_id, gateway_id, status, ike_state, child_state,
			established_at, bytes_in, bytes_out, packets_in, packets_out, last_error, last_error_at, reported_at, ike_unique_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (connection_id, tunnel_id) DO UPDATE SET gateway_id = excluded.gateway_id, status = excluded.status,
			ike_state = excluded.ike_state, child_state = excluded.child_state, established_at = excluded.established_at,
			bytes_in = excluded.bytes_in, bytes_out = excluded.bytes_out, packets_in = excluded.packets_in,
			packets_out = excluded.packets_out, last_error = excluded.last_error, last_error_at = excluded.last_error_at,
			reported_at = excluded.reported_at, ike_unique_id = excluded.ike_unique_id`,
			t.ConnectionID, t.TunnelID, a.GatewayID, t.Status, t.IkeSaState, t.ChildSaState, nanos(t.EstablishedAt),
			t.BytesIn, t.BytesOut, t.PacketsIn, t.PacketsOut, t.LastError, nanos(t.LastErrorAt), nanos(t.ReportedAt),
			t.IkeSaUniqueID); err != nil {
			return err
		}
	}
	return nil
}

// dedupe returns ids without repetitions (first occurrences, in order).
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

type tunnelKey struct{ connection, tunnel string }

// gatewayTunnels returns the tunnels of gateway among connections (which
// may repeat), in one query per 500 connections: a single-tunnel
// connection's key has tunnel "", a dual-tunnel connection's keys its
// tunnels' ids.
func gatewayTunnels(q q, gatewayID string, connections []string) (map[tunnelKey]bool, error) {
	ids := dedupe(connections)
	out := make(map[tunnelKey]bool, len(ids))
	err := inChunks(ids, func(chunk []string) error {
		ph, args := placeholders(chunk)
		rows, err := q.query(`SELECT c.connection_id, COALESCE(t.tunnel_id, '') FROM vpn_connections c
			LEFT JOIN vpn_tunnels t ON t.connection_id = c.connection_id
			WHERE c.gateway_id = ? AND c.connection_id IN (`+ph+`)`, append([]any{gatewayID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k tunnelKey
			if err := rows.Scan(&k.connection, &k.tunnel); err != nil {
				return err
			}
			out[k] = true
		}
		return rows.Err()
	})
	return out, err
}

// placeholders returns "?, ?, ..." for n values and the values as []any.
func placeholders(vs []string) (string, []any) {
	ph := strings.Repeat("?, ", len(vs))
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = v
	}
	return ph[:len(ph)-2], args
}

// inChunks calls fn with slices of ids of at most 500 (bounded statements).
func inChunks(ids []string, fn func([]string) error) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// GetAgents implements store.AgentStore.
func (e *Engine) GetAgents(ctx context.Context, gatewayIDs []string) ([]store.AgentRecord, error) {
	var out []store.AgentRecord
	err := inChunks(gatewayIDs, func(ids []string) error {
		ph, args := placeholders(ids)
		rows, err := e.r.QueryContext(ctx, e.d.bind(`SELECT gateway_id, account_id, region_id, instance_id, report_seq, version,
			hostname, generation, last_report FROM vpn_gateway_agents WHERE gateway_id IN (`+ph+`)`), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a store.AgentRecord
			var last int64
			if err := rows.Scan(&a.GatewayID, &a.AccountID, &a.RegionID, &a.InstanceID, &a.Sequence, &a.Version, &a.Hostname,
				&a.Generation, &last); err != nil {
				return err
			}
			a.LastReport = fromNanosOrZero(last)
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, e.readErr(err)
}

// ListTunnelStatus implements store.AgentStore.
func (e *Engine) ListTunnelStatus(ctx context.Context, connectionIDs []string) ([]store.TunnelStatus, error) {
	var out []store.TunnelStatus
	err := inChunks(connectionIDs, func(ids []string) error {
		ph, args := placeholders(ids)
		rows, err := e.r.QueryContext(ctx, e.d.bind(`SELECT connection_id, tunnel_id, status, ike_state, child_state, established_at,
			bytes_in, bytes_out, packets_in, packets_out, last_error, last_error_at, reported_at, ike_unique_id
			FROM vpn_tunnel_status WHERE connection_id IN (`+ph+`)`), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t store.TunnelStatus
			var est, errAt, rep int64
			if err := rows.Scan(&t.ConnectionID, &t.TunnelID, &t.Status, &t.IkeSaState, &t.ChildSaState, &est, &t.BytesIn,
				&t.BytesOut, &t.PacketsIn, &t.PacketsOut, &t.LastError, &errAt, &rep, &t.IkeSaUniqueID); err != nil {
				return err
			}
			t.EstablishedAt, t.LastErrorAt, t.ReportedAt = fromNanosOrZero(est), fromNanosOrZero(errAt), fromNanosOrZero(rep)
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, e.readErr(err)
}

// AppendConnectionLogs implements store.AgentStore.
func (e *Engine) AppendConnectionLogs(ctx context.Context, gatewayID string, lines []store.LogLine, maxPerConnection int) (int, error) {
	stored := 0
	err := e.write(ctx, func(q q) error {
		stored = 0
		ids := make([]string, 0, len(lines))
		for _, l := range lines {
			ids = append(ids, l.ConnectionID)
		}
		valid, err := gatewayTunnels(q, gatewayID, ids)
		if err != nil {
			return err
		}
		touched := map[string]bool{}
		for _, l := range lines {
			if !valid[tunnelKey{l.ConnectionID, l.TunnelID}] {
				continue
			}
			if _, err := q.exec(`INSERT INTO vpn_connection_logs (connection_id, tunnel_id, logged_at, line) VALUES (?, ?, ?, ?)`,
				l.ConnectionID, l.TunnelID, l.Time.UnixNano(), l.Text); err != nil {
				return err
			}
			stored++
			touched[l.ConnectionID] = true
		}
		if maxPerConnection <= 0 {
			return nil
		}
		for id := range touched {
			// The newest maxPerConnection lines stay: everything up to
			// the first line beyond them goes.
			if _, err := q.exec(`DELETE FROM vpn_connection_logs WHERE connection_id = ? AND log_id <= (SELECT log_id FROM
				vpn_connection_logs WHERE connection_id = ? ORDER BY log_id DESC LIMIT 1 OFFSET ?)`, id, id, maxPerConnection); err != nil {
				return err
			}
		}
		return nil
	})
	return stored, err
}

// ListConnectionLogs implements store.AgentStore.
func (e *Engine) ListConnectionLogs(ctx context.Context, lq store.LogQuery) ([]store.LogLine, error) {
	w := where{}
	w.add("connection_id = ?", lq.ConnectionID)
	if lq.TunnelID != "" {
		w.add("tunnel_id = ?", lq.TunnelID)
	}
	w.add("logged_at >= ? AND logged_at <= ?", lq.From.UnixNano(), lq.To.UnixNano())
	rows, err := e.r.QueryContext(ctx, e.d.bind(`SELECT connection_id, tunnel_id, logged_at, line FROM vpn_connection_logs`+w.sql()+
		` ORDER BY logged_at, log_id`+pageSQL(lq.Page)), w.args...)
	if err != nil {
		return nil, e.readErr(err)
	}
	defer rows.Close()
	var out []store.LogLine
	for rows.Next() {
		var l store.LogLine
		var at int64
		if err := rows.Scan(&l.ConnectionID, &l.TunnelID, &at, &l.Text); err != nil {
			return nil, e.readErr(err)
		}
		l.Time = fromNanos(at)
		out = append(out, l)
	}
	return out, e.readErr(rows.Err())
}

// PurgeConnectionLogs implements store.AgentStore.
func (e *Engine) PurgeConnectionLogs(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := e.write(ctx, func(q q) error {
		var err error
		n, err = affected(q.exec(`DELETE FROM vpn_connection_logs WHERE logged_at < ?`, before.UnixNano()))
		return err
	})
	return n, err
}
