// Package cachegen holds the generation counters that tell a server's caches
// when what they hold may have changed, on one node or on many sharing a
// database.
//
// The store keeps, per account and class, a counter that every write which
// can change what a cache of that class holds raises inside its own
// transaction (internal/store/sqlcore). A cache entry records the counter of
// its account as read before the data it was filled from; it may be used by
// a request whose own reading of the counter, taken after the request
// arrived, is the same. A write that was acknowledged to a client before a
// request arrived was committed before that reading, so the request never
// sees an entry older than the write, whichever node took it.
//
// Where the reading comes from is the Source's business: a single node
// (SQLite) counts its own writes in memory (Local) and polls the database
// for other processes' writes; a node on a shared database reads the
// counters of the caller's account in the statement that claims the
// request's signature nonce (internal/store/postgres), so freshness costs no
// extra round trip.
package cachegen

import (
	"context"
	"sync"
	"sync/atomic"
)

// Class is a kind of cached state with its own counter.
type Class uint8

const (
	// Credentials covers what an AccessKey resolves to and what a caller
	// may do: access keys, RAM users, roles, policies and their versions,
	// attachments.
	Credentials Class = 1
	// Answers covers what DownloadVpnConnectionConfig answers are built
	// from: connections with their tunnels, VPN gateways, customer
	// gateways.
	Answers Class = 2
)

// Gens is one account's counters. Counters only grow; two readings are
// equal only when no write of that class committed between them (or the
// one between was never acknowledged to anyone before the later reading).
type Gens struct {
	Credentials uint64
	Answers     uint64
}

// Of returns the counter of class c.
func (g Gens) Of(c Class) uint64 {
	if c == Credentials {
		return g.Credentials
	}
	return g.Answers
}

// Source reads counters.
type Source interface {
	// Generations returns account's counters as committed at a moment
	// after the call began: every write acknowledged before the call is
	// counted. It may wait for a reading shared with concurrent callers.
	Generations(ctx context.Context, account string) (Gens, error)
}

// Local counts writes in memory, per account: the counters of a store that
// no other process writes to, or the part of them this process made. It is
// safe for concurrent use; the zero value is ready.
type Local struct {
	m sync.Map // account -> *[2]atomic.Uint64
}

func (l *Local) counters(account string) *[2]atomic.Uint64 {
	if v, ok := l.m.Load(account); ok {
		return v.(*[2]atomic.Uint64)
	}
	v, _ := l.m.LoadOrStore(account, new([2]atomic.Uint64))
	return v.(*[2]atomic.Uint64)
}

// Bump raises account's counter of class c.
func (l *Local) Bump(account string, c Class) {
	l.counters(account)[c-1].Add(1)
}

// Set raises account's counter of class c to v unless it is higher already.
func (l *Local) Set(account string, c Class, v uint64) {
	p := &l.counters(account)[c-1]
	for {
		old := p.Load()
		if old >= v || p.CompareAndSwap(old, v) {
			return
		}
	}
}

// Get returns account's counters.
func (l *Local) Get(account string) Gens {
	v, ok := l.m.Load(account)
	if !ok {
		return Gens{}
	}
	c := v.(*[2]atomic.Uint64)
	return Gens{Credentials: c[0].Load(), Answers: c[1].Load()}
}

// Snapshot is a request's reading of one account's counters.
type Snapshot struct {
	Account string
	Gens    Gens
	OK      bool // false: not read
}

// For returns the reading of account when s holds it.
func (s Snapshot) For(account string) (Gens, bool) {
	return s.Gens, s.OK && s.Account == account
}
