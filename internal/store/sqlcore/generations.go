package sqlcore

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
)

// bump is a counter raised by a write transaction, applied to the engine's
// known counters and reported to the commit hook once it commits: a cache
// counter (account and class), or a gateway's desired-state generation
// (gateway).
type bump struct {
	account string
	class   cachegen.Class
	value   uint64 // the class's new counter; 0 when not known (several shards)
	gateway string
}

// Change is what a committed write changed, as OnCommit reports it: the
// cache counter of Account's Class, or the desired state of Gateway.
type Change struct {
	Account string
	Class   cachegen.Class
	Gateway string
}

// OnCommit sets a function told, after each write transaction of this
// engine commits and before the write returns, what it changed (nothing is
// reported for a write that changed no counter). It must not block; set it
// before the engine is used.
func (e *Engine) OnCommit(f func([]Change)) { e.onCommit = f }

// bumpCache raises account's counter of class c in the transaction. key
// (the record written) picks the shard, so that concurrent writes of one
// account to different records rarely update the same row.
func (q q) bumpCache(account string, c cachegen.Class, key string) error {
	shard := 0
	if n := q.d.GenerationShards; n > 1 {
		h := fnv.New32a()
		h.Write([]byte(key))
		shard = int(h.Sum32() % uint32(n))
	}
	var g int64
	if err := q.row(`INSERT INTO cache_generations (account_id, class, shard, generation) VALUES (?, ?, ?, 1)
		ON CONFLICT (account_id, class, shard) DO UPDATE SET generation = cache_generations.generation + 1
		RETURNING generation`, account, int(c), shard).Scan(&g); err != nil {
		return err
	}
	if q.bumps != nil {
		b := bump{account: account, class: c}
		if q.d.GenerationShards <= 1 {
			b.value = uint64(g)
		}
		*q.bumps = append(*q.bumps, b)
	}
	return nil
}

// bumpKeyAccount raises the credentials counter of the account owning
// AccessKey id (nothing when there is no such key).
func (q q) bumpKeyAccount(id string) error {
	account, ok, err := q.first(`SELECT account_id FROM access_keys WHERE access_key_id = ?`, id)
	if err != nil || !ok {
		return err
	}
	return q.bumpCache(account, cachegen.Credentials, id)
}

// Generations implements cachegen.Source for a store no other server writes
// to: the counters as this engine last knew them, from its own writes (at
// once, before the write returns) and from PollGenerations (other processes
// writing the same database file). A backend whose servers share the
// database reads them from the database instead.
func (e *Engine) Generations(_ context.Context, account string) (cachegen.Gens, error) {
	return e.known.Get(account), nil
}

// ReadGenerations returns every account's counters as committed now, in
// one statement.
func (e *Engine) ReadGenerations(ctx context.Context) (map[string]cachegen.Gens, error) {
	rows, err := e.r.QueryContext(ctx, `SELECT account_id, class, SUM(generation) FROM cache_generations GROUP BY account_id, class`)
	if err != nil {
		return nil, e.readErr(err)
	}
	defer rows.Close()
	out := map[string]cachegen.Gens{}
	for rows.Next() {
		var account string
		var class int
		var sum int64
		if err := rows.Scan(&account, &class, &sum); err != nil {
			return nil, e.readErr(err)
		}
		g := out[account]
		switch cachegen.Class(class) {
		case cachegen.Credentials:
			g.Credentials = uint64(sum)
		case cachegen.Answers:
			g.Answers = uint64(sum)
		}
		out[account] = g
	}
	return out, e.readErr(rows.Err())
}

// PollGenerations reads the counters every interval until ctx ends, so that
// writes by other processes on the same database reach Generations within
// about interval. It returns when ctx ends; read errors are retried at the
// next tick.
func (e *Engine) PollGenerations(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if all, err := e.ReadGenerations(ctx); err == nil {
			for account, g := range all {
				e.known.Set(account, cachegen.Credentials, g.Credentials)
				e.known.Set(account, cachegen.Answers, g.Answers)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// applyBumps records committed bumps in the known counters and reports
// them to the commit hook.
func (e *Engine) applyBumps(bs []bump) {
	if len(bs) == 0 {
		return
	}
	for _, b := range bs {
		if b.value != 0 {
			e.known.Set(b.account, b.class, b.value)
		}
	}
	if e.onCommit != nil {
		cs := make([]Change, len(bs))
		for i, b := range bs {
			cs[i] = Change{Account: b.account, Class: b.class, Gateway: b.gateway}
		}
		e.onCommit(cs)
	}
}
