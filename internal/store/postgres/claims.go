package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// Nonce claims and cache generations, group-committed.
//
// Every signed request claims its signature nonce in the shared table
// nonce_digests before it is acted on: that is one commit per request.
// Claims that arrive while earlier ones are being committed wait and go
// together in the next statement (one INSERT for all, each claim then
// reading its own row's outcome; again with ON CONFLICT when a digest of the
// batch is held already), so the database commits once per batch instead of
// once per request. The same statement reads the cache
// generations (internal/cachegen) of the callers' accounts: its snapshot is
// taken after every claim of the batch was made, hence after each request
// arrived, so a request that hits a cache is checked against every write
// acknowledged before it, on any node, for no extra round trip.
//
// Claims are committed asynchronously (the claiming connections run with
// synchronous_commit = off): a claim is visible to every other server as
// soon as its statement returns, but does not wait for the WAL flush, which
// on a disk with a millisecond's fsync would otherwise bound a node to a few
// thousand requests a second. A crash of PostgreSQL (not of a vpcvpn node)
// can therefore forget the claims of about the last 3 x wal_writer_delay.
// The epoch makes that harmless: the UNLOGGED table nonce_epoch is emptied
// by every crash recovery (and is empty on a promoted replica), as is
// nonce_digests, UNLOGGED too since migration 0013; the first
// batch that finds it empty writes the current time into it, and every
// claim of a request signed before the epoch's next whole second is refused
// (store.ErrSignedBeforeRestart), so a request whose claim may have been
// lost can never be answered twice.

// claimBatchMax bounds the claims of one statement.
const claimBatchMax = 512

// claimStatement claims the nonces $1 (key digests) with expiries $2 by
// inserting them, and returns them with the generations of the accounts $3,
// one row per shard (queryOnce sums them): rows (empty, 0, 0, digest) for
// the claimed nonces, (account, class, generation, zero) for the
// generations, and the epoch. A digest already held fails the whole statement with a unique
// violation (23505), nothing inserted; the batch is then claimed again with
// claimConflictStatement. A plain insert costs the database about a quarter
// less than ON CONFLICT's (which looks each key up before it inserts, and
// confirms each insertion), and nonces held already are replays, rare: a
// replayed nonce costs its batch a second statement.
const claimStatement = `WITH claimed AS (
	INSERT INTO nonce_digests (digest, expires_at)
	SELECT k, e FROM unnest($1::uuid[], $2::bigint[]) AS c (k, e)
	RETURNING digest)` + claimTail

// claimConflictStatement is claimStatement for a batch holding a digest
// already held: a digest whose row is missing or expired at $4 is
// (re)written and returned; one held by an unexpired row is not.
const claimConflictStatement = `WITH claimed AS (
	INSERT INTO nonce_digests (digest, expires_at)
	SELECT k, e FROM unnest($1::uuid[], $2::bigint[]) AS c (k, e)
	ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at WHERE nonce_digests.expires_at <= $4
	RETURNING digest)` + claimTail

// claimTail reads the claimed digests, the generations of the accounts $3
// and the epoch. The shards of a counter are summed by the caller, not with
// GROUP BY: the aggregate's set-up alone was ~7 % of the database's CPU for
// a batch.
const claimTail = `
SELECT '', 0, 0::bigint, digest FROM claimed
UNION ALL
SELECT account_id, class, generation, '00000000-0000-0000-0000-000000000000'::uuid FROM cache_generations WHERE account_id = ANY($3::text[])
UNION ALL
SELECT 'epoch', -1, started_at, '00000000-0000-0000-0000-000000000000'::uuid FROM nonce_epoch WHERE id = 1`

// signatureWindow is the API's signature window (signature.Window, which
// api.Window is): a claim's expiry is its request's timestamp plus this.
const signatureWindow = signature.Window

// claim is one caller waiting for a batch.
type claim struct {
	key     digest // the nonce key's digest (nonceKey)
	hasKey  bool   // false for a generations-only reading
	expires int64
	account string // "" when no generations are wanted
	// signed: refuse the claim when its request was signed before the
	// epoch (ClaimNonce; UseNonce records any key and expiry as given).
	signed bool
	done   chan struct{}
	fresh  bool
	gens   cachegen.Gens
	err    error
}

var claimPool = sync.Pool{New: func() any { return &claim{done: make(chan struct{}, 1)} }}

// claimer batches claims onto a few flushing goroutines.
//
// One batch is in flight at a time while the load is light: a claim that
// arrives while a batch is being committed waits for it to return and goes
// in the next one, with everything else that arrived meanwhile. A second
// batch is sent alongside only once claimSplit claims wait (the load is
// heavy enough to fill two). Each statement costs the database and this
// server about as much for one claim as for ten (round trip, executor start,
// commit), so fewer, larger batches cost less CPU per request; sending
// whatever had arrived on both connections at once gave batches of 2-4
// claims under 16 clients.
type claimer struct {
	pool    *pgxpool.Pool
	now     func() time.Time
	timeout time.Duration // a batch's bound (claimTimeout)

	mu       sync.Mutex
	cond     *sync.Cond
	queue    []*claim
	inflight int // batches sent and not yet answered
	closed   bool
	wg       sync.WaitGroup

	// lingering: a flusher waits for claimSplit claims (or lingerWait)
	// before it sends a small batch; do pokes wake when the queue
	// reaches claimSplit.
	lingering bool
	wake      chan struct{}
	// arrived: the claims that had arrived when a flusher last found the
	// queue ready, before any lingering: how many come in one round trip.
	arrived int

	// retried counts the batches claimed again with
	// claimConflictStatement after the plain insert failed; direct counts
	// those sent with it at once (within conflictStreak batches of a
	// retried one), and streak how many batches are still to go so.
	retried, direct atomic.Int64
	streak          atomic.Int64
	// batches and claims count the batches run and the claims in them.
	batches, claims atomic.Int64
}

// claimFlushers is how many batches may be in flight at once (the claim
// pool's size).
const claimFlushers = 2

// claimSplit is how many claims must wait before a batch is sent while
// another one is still in flight.
const claimSplit = 8

// A flusher about to send fewer than claimSplit claims while the load is
// heavy (at least lingerMin claims had arrived when it last found claims
// waiting, i.e. during one round trip) waits up to lingerWait for claimSplit
// of them: under 16 clients that makes batches of ~7 instead of ~6 and
// lowers the CPU per request on both sides. Under a lighter load (fewer
// arrivals per round trip; what lingering added is not counted) claims never
// wait.
const (
	lingerWait = 300 * time.Microsecond
	lingerMin  = claimSplit / 2
)

func newClaimer(pool *pgxpool.Pool, now func() time.Time) *claimer {
	c := &claimer{pool: pool, now: now, timeout: claimTimeout, wake: make(chan struct{}, 1)}
	c.cond = sync.NewCond(&c.mu)
	for range claimFlushers {
		c.wg.Add(1)
		go c.flusher()
	}
	return c
}

// close stops the flushers once the queued claims are done.
func (c *claimer) close() {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	c.wg.Wait()
}

var errClosed = errors.New("postgres: store closed")

// ready reports whether a flusher may take the queue now (c.mu held).
func (c *claimer) ready() bool {
	return len(c.queue) > 0 && ((c.inflight == 0 && !c.lingering) || len(c.queue) >= claimSplit)
}

// do queues cl and waits for its batch (or ctx).
func (c *claimer) do(ctx context.Context, cl *claim) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	c.queue = append(c.queue, cl)
	if c.ready() {
		c.cond.Signal()
	}
	if c.lingering && len(c.queue) >= claimSplit {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	c.mu.Unlock()
	select {
	case <-cl.done:
		return cl.err
	case <-ctx.Done():
		// The batch still completes (and may record the nonce); the claim
		// must not go back to the pool while a flusher holds it.
		go func() { <-cl.done }()
		return ctx.Err()
	}
}

// batchState is a flusher's reusable memory for its batches.
type batchState struct {
	batch    []*claim
	keys     []digest
	exps     []int64
	accounts []string
	first    map[digest]*claim
	claimed  map[digest]bool
	gens     map[string]cachegen.Gens
	params   claimParams
}

func (c *claimer) flusher() {
	defer c.wg.Done()
	st := &batchState{
		batch:   make([]*claim, 0, claimBatchMax),
		first:   make(map[digest]*claim),
		claimed: make(map[digest]bool),
		gens:    make(map[string]cachegen.Gens),
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		c.mu.Lock()
		for !c.closed && !c.ready() {
			c.cond.Wait()
		}
		if len(c.queue) == 0 {
			c.mu.Unlock()
			return
		}
		lingered := c.arrived >= lingerMin
		c.arrived = len(c.queue)
		if lingered && !c.closed && !c.lingering && len(c.queue) < claimSplit {
			// lingerMin or more claims arrived during the last
			// round trip: more are likely on their way; wait a
			// little for them.
			c.lingering = true
			select {
			case <-c.wake:
			default:
			}
			c.mu.Unlock()
			timer.Reset(lingerWait)
			select {
			case <-c.wake:
				timer.Stop()
			case <-timer.C:
			}
			c.mu.Lock()
			c.lingering = false
			if len(c.queue) == 0 {
				c.mu.Unlock()
				continue
			}
		}
		n := min(len(c.queue), claimBatchMax)
		st.batch = append(st.batch[:0], c.queue[:n]...)
		c.queue = append(c.queue[:0], c.queue[n:]...)
		c.inflight++
		c.mu.Unlock()
		c.run(st)
		clear(st.batch)
		c.mu.Lock()
		c.inflight--
		if c.ready() {
			// Claims that waited for this batch: another flusher
			// may take them (this one looks again too).
			c.cond.Signal()
		}
		c.mu.Unlock()
	}
}

// run executes one batch (st.batch) and hands every claim its outcome.
func (c *claimer) run(st *batchState) {
	batch := st.batch
	c.batches.Add(1)
	c.claims.Add(int64(len(batch)))
	keys, exps, accounts := st.keys[:0], st.exps[:0], st.accounts[:0]
	first, gens, claimed := st.first, st.gens, st.claimed
	clear(first)
	for _, cl := range batch {
		cl.fresh, cl.gens, cl.err = false, cachegen.Gens{}, nil
		if cl.hasKey {
			if _, dup := first[cl.key]; !dup {
				// A key twice in one batch: the first claim decides, the
				// others are replays of it.
				first[cl.key] = cl
				keys = append(keys, cl.key)
				exps = append(exps, cl.expires)
			}
		}
		if cl.account != "" && !slices.Contains(accounts, cl.account) {
			accounts = append(accounts, cl.account)
		}
	}
	epoch, err := c.query(&st.params, keys, exps, accounts, claimed, gens)
	// Requests signed before the epoch's next whole second (timestamps
	// have whole seconds) may have been claimed before the epoch.
	floor := epochFloor(epoch).Add(signatureWindow).UnixNano()
	for _, cl := range batch {
		switch {
		case err != nil:
			cl.err = err
		case cl.hasKey && cl.signed && cl.expires < floor:
			cl.err = store.ErrSignedBeforeRestart
		default:
			cl.fresh = cl.hasKey && first[cl.key] == cl && claimed[cl.key]
			cl.gens = gens[cl.account]
		}
		cl.done <- struct{}{}
	}
	clear(accounts)
	st.keys, st.exps, st.accounts = keys, exps, accounts
}

// conflictStreak is how many batches after one that held a claimed nonce
// are sent with claimConflictStatement at once.
const conflictStreak = 64

// claimAttempts bounds how often a batch is sent again after a
// serialization failure (engines that run every statement SERIALIZABLE).
const claimAttempts = 5

// query runs the claim statement (again after serialization failures) and
// returns the epoch (Unix nanoseconds), writing it first when the table is
// empty.
func (c *claimer) query(p *claimParams, keys []digest, exps []int64, accounts []string, claimed map[digest]bool, gens map[string]cachegen.Gens) (int64, error) {
	// The batch does not belong to any one request: it runs to completion
	// (bounded by claimTimeout) even when a waiting request gives up.
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var err error
	var epoch int64
	for attempt := 1; attempt <= claimAttempts; attempt++ {
		clear(claimed)
		clear(gens)
		direct := c.streak.Load() > 0
		if direct {
			c.streak.Add(-1)
			c.direct.Add(1)
		}
		epoch, err = c.queryOnce(ctx, p, keys, exps, accounts, claimed, gens, direct)
		if !direct && sqlState(err) == "23505" {
			// A digest of the batch is held already (a replay, or an
			// expired row not yet purged): nothing was inserted. Replays
			// tend to come in runs (a client retrying, an attacker
			// resending a captured request): the next batches go
			// with ON CONFLICT at once, so that a run of replays costs
			// each batch one statement, as before plain inserts.
			clear(claimed)
			clear(gens)
			c.retried.Add(1)
			c.streak.Store(conflictStreak)
			epoch, err = c.queryOnce(ctx, p, keys, exps, accounts, claimed, gens, true)
		}
		if err == nil || sqlState(err) != "40001" {
			break
		}
	}
	if err == nil && epoch == 0 {
		epoch, err = c.newEpoch(ctx)
	}
	if err != nil {
		if Unavailable(err) {
			// The claim connections' peer is gone or stalled (a
			// restart, a failover): do not hand the others out again.
			c.pool.Reset()
			err = &store.UnavailableError{Cause: err}
		}
		return 0, fmt.Errorf("postgres: claim nonces: %w", err)
	}
	return epoch, nil
}

// epochFloor is the first whole second after the epoch: the earliest
// timestamp (timestamps have whole seconds) a request may carry.
func epochFloor(epoch int64) time.Time {
	return time.Unix(0, epoch).Truncate(time.Second).Add(time.Second)
}

// newEpoch writes the epoch after the table was found empty (a new
// database, or a crash recovery) and returns it: this server's time, or the
// one another server wrote first.
func (c *claimer) newEpoch(ctx context.Context) (int64, error) {
	if _, err := c.pool.Exec(ctx, `INSERT INTO nonce_epoch (id, started_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, c.now().UnixNano()); err != nil {
		return 0, err
	}
	var epoch int64
	err := c.pool.QueryRow(ctx, `SELECT started_at FROM nonce_epoch WHERE id = 1`).Scan(&epoch)
	return epoch, err
}

// The claim statements are prepared on every claim connection under these
// names (prepareClaims) and run through pgconn with their parameters and
// results in PostgreSQL's binary format, encoded and decoded here: pgx's
// generic encoding and scanning cost this server about a third of a batch's
// CPU outside the system calls.
const (
	claimName         = "vpcvpn_claim"
	claimConflictName = "vpcvpn_claim_conflict"
)

// prepareClaims prepares the claim statements on a new claim connection.
func prepareClaims(ctx context.Context, conn *pgx.Conn) error {
	for name, text := range map[string]string{claimName: claimStatement, claimConflictName: claimConflictStatement} {
		if _, err := conn.Prepare(ctx, name, text); err != nil {
			return fmt.Errorf("prepare %s: %w", name, err)
		}
	}
	return nil
}

// Type OIDs of the claim statements' array parameters.
const (
	oidUUID = 2950
	oidInt8 = 20
	oidText = 25
)

// claimParams is a flusher's reusable memory for the parameters of its
// claim statements.
type claimParams struct {
	keys, exps, accounts, now []byte
	values                    [][]byte
}

// binaryFormat is the format code list that sets every parameter or result
// column to the binary format.
var binaryFormat = []int16{1}

// appendArray appends the binary form of a one-dimensional array of n
// elements of type oid (array_recv's input) up to its first element.
func appendArray(b []byte, oid uint32, n int) []byte {
	if n == 0 {
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(b, 0), oid) // no dimensions, no nulls
	}
	b = binary.BigEndian.AppendUint32(b, 1) // dimensions
	b = binary.BigEndian.AppendUint32(b, 0) // no nulls
	b = binary.BigEndian.AppendUint32(b, oid)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return binary.BigEndian.AppendUint32(b, 1) // lower bound
}

// encode sets p.values to the parameters of claimStatement (keys, exps,
// accounts), and of claimConflictStatement (now as well) when conflict.
func (p *claimParams) encode(keys []digest, exps []int64, accounts []string, now int64, conflict bool) {
	b := appendArray(p.keys[:0], oidUUID, len(keys))
	for _, k := range keys {
		b = append(binary.BigEndian.AppendUint32(b, uint32(len(k))), k[:]...)
	}
	p.keys = b
	b = appendArray(p.exps[:0], oidInt8, len(exps))
	for _, e := range exps {
		b = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), uint64(e))
	}
	p.exps = b
	b = appendArray(p.accounts[:0], oidText, len(accounts))
	for _, a := range accounts {
		b = append(binary.BigEndian.AppendUint32(b, uint32(len(a))), a...)
	}
	p.accounts = b
	p.values = append(p.values[:0], p.keys, p.exps, p.accounts)
	if conflict {
		p.now = binary.BigEndian.AppendUint64(p.now[:0], uint64(now))
		p.values = append(p.values, p.now)
	}
}

// queryOnce runs claimStatement, or claimConflictStatement when conflict.
func (c *claimer) queryOnce(ctx context.Context, p *claimParams, keys []digest, exps []int64, accounts []string, claimed map[digest]bool, gens map[string]cachegen.Gens, conflict bool) (epoch int64, err error) {
	conn, err := c.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	name := claimName
	if conflict {
		name = claimConflictName
	}
	p.encode(keys, exps, accounts, c.now().UnixNano(), conflict)
	rr := conn.Conn().PgConn().ExecPrepared(ctx, name, p.values, binaryFormat, binaryFormat)
	var bad bool
	for rr.NextRow() {
		v := rr.Values()
		// Rows are (text, int4, int8, uuid): see claimTail.
		if len(v) != 4 || len(v[1]) != 4 || len(v[2]) != 8 || len(v[3]) != 16 {
			bad = true
			continue
		}
		class := int32(binary.BigEndian.Uint32(v[1]))
		gen := int64(binary.BigEndian.Uint64(v[2]))
		switch {
		case class == -1:
			epoch = gen
		case class == 0:
			claimed[digest(v[3])] = true
		case cachegen.Class(class) == cachegen.Credentials:
			g := gens[string(v[0])]
			g.Credentials += uint64(gen)
			gens[string(v[0])] = g
		case cachegen.Class(class) == cachegen.Answers:
			g := gens[string(v[0])]
			g.Answers += uint64(gen)
			gens[string(v[0])] = g
		}
	}
	if _, err := rr.Close(); err != nil {
		return 0, err
	}
	if bad {
		return 0, errors.New("unexpected row shape from the claim statement")
	}
	return epoch, nil
}

// digest is how a nonce key is stored (nonce_digests, a UUID column): the
// first 16 bytes of its SHA-256. Two keys share a digest with probability
// 2^-128 per pair: among the ~10^7 nonces a busy database holds at once,
// about 10^-25, against a replay that would need a second preimage.
type digest [16]byte

// nonceKey is key's digest (the api layer joins AccessKeyId and nonce with
// a NUL; the digest covers every byte).
func nonceKey(key string) digest {
	sum := sha256.Sum256([]byte(key))
	return digest(sum[:16])
}

// ClaimStats are a store's nonce-claim counters since it was opened.
type ClaimStats struct {
	Batches int64 // batches of claims run (one statement each, or two: Retried)
	Claims  int64 // claims in them (nonce claims and generation readings)
	Retried int64 // batches sent again with ON CONFLICT after the plain insert met a held nonce
	Direct  int64 // batches sent with ON CONFLICT at once, in the streak after one
}

// ClaimStats returns the store's nonce-claim counters.
func (db *DB) ClaimStats() ClaimStats {
	c := db.claims
	return ClaimStats{Batches: c.batches.Load(), Claims: c.claims.Load(), Retried: c.retried.Load(), Direct: c.direct.Load()}
}

// ClaimNonce records key until expires, as UseNonce, and returns the cache
// generations of account ("" for none) read in the same statement: as
// committed after the call began. expires is the request's timestamp plus
// the signature window (api.Window): a request signed before the nonce
// epoch's next second is refused with store.ErrSignedBeforeRestart.
func (db *DB) ClaimNonce(ctx context.Context, key string, expires time.Time, account string) (bool, cachegen.Gens, error) {
	return db.claim(ctx, key, expires, account, true)
}

func (db *DB) claim(ctx context.Context, key string, expires time.Time, account string, signed bool) (bool, cachegen.Gens, error) {
	cl := claimPool.Get().(*claim)
	cl.key, cl.hasKey, cl.expires, cl.account, cl.signed = nonceKey(key), true, expires.UnixNano(), account, signed
	if err := db.claims.do(ctx, cl); err != nil {
		return false, cachegen.Gens{}, err
	}
	fresh, gens, err := cl.fresh, cl.gens, cl.err
	claimPool.Put(cl)
	return fresh, gens, err
}

// UseNonce implements store.NonceStore through the batched claims: key is
// recorded until expires; false when an unexpired record of it exists, on
// any server of the database. Unlike ClaimNonce it does not look at the
// epoch.
func (db *DB) UseNonce(ctx context.Context, key string, expires time.Time) (bool, error) {
	fresh, _, err := db.claim(ctx, key, expires, "", false)
	return fresh, err
}

// Generations implements cachegen.Source: account's counters as committed
// after the call began, read in the next batch of claims.
func (db *DB) Generations(ctx context.Context, account string) (cachegen.Gens, error) {
	cl := claimPool.Get().(*claim)
	cl.key, cl.hasKey, cl.expires, cl.account = digest{}, false, 0, account
	if err := db.claims.do(ctx, cl); err != nil {
		return cachegen.Gens{}, err
	}
	gens := cl.gens
	claimPool.Put(cl)
	return gens, nil
}
