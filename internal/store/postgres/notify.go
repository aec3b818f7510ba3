package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/store/sqlcore"
)

// Change notifications: LISTEN/NOTIFY, as an accelerator only.
//
// After a write commits, its server publishes the VPN gateways whose desired
// state it changed on the channel vpcvpn_changes (pg_notify, off the
// request's path); every server listens on a connection of its own and wakes
// the gateway agents' long-polls of those gateways at once, instead of at
// its next poll of the generations (app.AgentGenerationPoll). Nothing
// depends on a notification arriving: a server that misses one (its
// listening connection broke, or the database has no LISTEN/NOTIFY, as
// CockroachDB) finds the change at that poll, and a listener that
// reconnects reports a resync so that its server polls at once. Caches need
// no notification at all: every request reads its account's cache
// generations with its nonce claim (claims.go).

// notifyChannel is the channel the servers of a database share.
const notifyChannel = "vpcvpn_changes"

// maxPayload keeps a notification under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

// Notification is another server's change, or a resync: the listener
// (re)connected, so changes made meanwhile may have been missed.
type Notification struct {
	Gateway string // a VPN gateway whose desired state changed
	Resync  bool
}

// notifier publishes this server's committed changes.
type notifier struct {
	db     *DB
	origin string // random id of this server: its own notifications are skipped

	mu      sync.Mutex
	pending map[string]bool // gateway ids
	wake    chan struct{}
	off     bool // the database refused pg_notify: stop trying
}

func newNotifier(db *DB) *notifier {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &notifier{db: db, origin: hex.EncodeToString(b[:]), pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// committed is the engine's commit hook: it queues the gateways changed.
func (n *notifier) committed(cs []sqlcore.Change) {
	added := false
	n.mu.Lock()
	if !n.off {
		for _, c := range cs {
			if c.Gateway != "" && !n.pending[c.Gateway] && len(n.pending) < 100000 {
				n.pending[c.Gateway] = true
				added = true
			}
		}
	}
	n.mu.Unlock()
	if added {
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
}

// run sends the queued changes until ctx ends, coalescing those that queue
// while a notification is being sent.
func (n *notifier) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		n.mu.Lock()
		ids := make([]string, 0, len(n.pending))
		for id := range n.pending {
			ids = append(ids, id)
		}
		clear(n.pending)
		n.mu.Unlock()
		for len(ids) > 0 {
			var b strings.Builder
			b.WriteString(n.origin)
			for len(ids) > 0 && b.Len()+len(ids[0])+3 <= maxPayload {
				b.WriteString("\ng ")
				b.WriteString(ids[0])
				ids = ids[1:]
			}
			if _, err := n.db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, b.String()); err != nil {
				if code := sqlState(err); code == "42883" || code == "0A000" { // no such function; not supported
					n.mu.Lock()
					n.off = true
					n.mu.Unlock()
				}
				break // best effort: the other servers' polls find the change
			}
		}
	}
}

// Listen receives the other servers' changes on a connection of its own and
// passes each to handle (from one goroutine), until ctx ends. Whenever it
// (re)connects it passes a resync first. A broken connection is opened
// again (after 100 ms, up to 5 s between attempts); on a database without
// LISTEN, Listen returns at once.
func (db *DB) Listen(ctx context.Context, handle func(Notification)) {
	cfg := db.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "vpcvpn-listener"
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		supported, err := db.listenOnce(ctx, cfg, handle)
		if !supported {
			return
		}
		if err == nil {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce listens on one connection until it breaks; supported is false
// when the database refuses LISTEN.
func (db *DB) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, handle func(Notification)) (supported bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return true, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		code := sqlState(err)
		return code != "0A000" && code != "42601", err
	}
	db.listens.Add(1)
	handle(Notification{Resync: true})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		origin, rest, _ := strings.Cut(n.Payload, "\n")
		if origin == db.notes.origin {
			continue
		}
		for _, line := range strings.Split(rest, "\n") {
			if id, ok := strings.CutPrefix(line, "g "); ok && id != "" {
				handle(Notification{Gateway: id})
			}
		}
	}
}

// Listens is how many times Listen has connected and listened (for tests
// and diagnostics: more than one means its connection was re-established).
func (db *DB) Listens() int64 { return db.listens.Load() }
