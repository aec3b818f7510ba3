// Package sqlcore is the SQL implementation of store.Store shared by the
// sqlite and postgres backends. A backend opens its database/sql pools,
// applies its own dialect's migrations and hands the pools to New with a
// Dialect describing the differences (placeholders, transaction options,
// error classification).
//
// Every write runs in one transaction on the write pool and is retried when
// the database reports a serialization failure or a unique violation that a
// concurrent writer caused (the retry then sees that writer's row and
// answers with the proper typed error or replay). Reads of more than one
// statement run in a read transaction so that they see one snapshot.
package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Dialect describes what differs between SQL databases.
type Dialect struct {
	// Name is used in error messages ("sqlite", "postgres").
	Name string
	// DollarPlaceholders rewrites "?" placeholders to "$1", "$2", ...
	DollarPlaceholders bool
	// WriteTx and ReadTx are the options write and multi-statement read
	// transactions begin with (nil: driver default).
	WriteTx *sql.TxOptions
	ReadTx  *sql.TxOptions
	// Retryable reports whether err is a transient failure after which the
	// whole transaction may be run again (serialization failure, deadlock,
	// busy database).
	Retryable func(error) bool
	// UniqueViolation reports whether err is a unique or primary-key
	// constraint violation.
	UniqueViolation func(error) bool
	// ForeignKeyViolation reports whether err is a foreign-key violation.
	ForeignKeyViolation func(error) bool
	// AllocTx and AllocLock are how CreateGateway serialises address
	// allocation: the transaction options it begins with and a statement it
	// runs first that blocks concurrent allocators until commit (""
	// where writers are serialised anyway). With a row lock under READ
	// COMMITTED every later statement sees what the previous allocator
	// committed, so waiters do not fail and retry as they would under
	// SERIALIZABLE.
	AllocTx   *sql.TxOptions
	AllocLock string
	// ConstrainedTx is the transaction of writes whose rules across rows
	// are all enforced by the schema (primary, unique and foreign keys) or
	// by row locks they take (RowLock): READ COMMITTED where SERIALIZABLE
	// would only add false conflicts (postgres: its predicate locks cover
	// whole index pages of small tables); nil for WriteTx.
	ConstrainedTx *sql.TxOptions
	// RowLock is appended to a SELECT of one row to lock it until the
	// transaction ends (" FOR UPDATE"); "" where writers are serialised.
	RowLock string
	// NamedLock takes a row lock named by its one argument (created when
	// missing), held until the transaction ends: what a ConstrainedTx
	// create takes before counting an account's records for a quota that
	// no single existing row stands for (customer gateways of an account);
	// "" where writers are serialised.
	NamedLock string
	// CombineInserts writes a new connection's rows in one statement of
	// data-modifying WITH clauses (postgres) instead of one per row.
	CombineInserts bool
	// ReuseWriteStatements keeps the statements of write transactions
	// prepared on the write pool (stmtcache.go) instead of compiling them
	// on every call: worth it where the driver compiles per call
	// (modernc SQLite), pointless where it caches itself (pgx).
	ReuseWriteStatements bool
	// RetryUnique makes a unique violation transient (a few times): right
	// where concurrent transactions can insert the same key between a
	// check and an insert (postgres), pointless where writers are
	// serialised (sqlite).
	RetryUnique bool
	// GenerationShards is how many rows each account's cache counter of a
	// class is spread over (generations.go): more where concurrent writers
	// would otherwise conflict on one row (postgres), 1 where writers are
	// serialised (sqlite).
	GenerationShards int
}

func (d *Dialect) bind(q string) string {
	if !d.DollarPlaceholders || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// maxAttempts bounds how often one write transaction is run; a unique
// violation is retried at most maxUniqueAttempts times.
const (
	maxAttempts       = 30
	maxUniqueAttempts = 3
)

// nonceSweepEvery is how many UseNonce calls pass between two sweeps of
// expired nonces.
const nonceSweepEvery = 256

// tokenTTL is how long a ClientToken is remembered; tokenSweepEvery is
// how many token-carrying creates pass between two sweeps of expired ones.
const (
	tokenTTL        = 24 * time.Hour
	tokenSweepEvery = 256
)

// Engine implements store.Store and store.NonceStore over database/sql.
// It is safe for concurrent use.
type Engine struct {
	w, r  *sql.DB
	d     Dialect
	keys  *secret.Keyring
	now   func() time.Time
	stmts hotStmts
	// wstmts holds the write transactions' prepared statements when
	// Dialect.ReuseWriteStatements is set.
	wstmts *stmtCache
	// rstmts holds read statements built at run time (withTags), likewise.
	rstmts *stmtCache

	// Decoded configuration documents (memo.go); the IKE document holds
	// per-connection identities and is decoded every time.
	ipsecMemo  decodeMemo[vpn.IpsecConfig]
	bgpMemo    decodeMemo[vpn.BgpConfig]
	healthMemo decodeMemo[vpn.HealthCheckConfig]

	nonceCalls atomic.Uint64
	tokenCalls atomic.Uint64

	quotas atomic.Pointer[store.Quotas] // nil: none

	// known holds the cache counters as this engine last knew them
	// (generations.go).
	known    cachegen.Local
	onCommit func([]Change)
}

var _ store.QuotaSetter = (*Engine)(nil)

// SetQuotas implements store.QuotaSetter.
func (e *Engine) SetQuotas(qs store.Quotas) { e.quotas.Store(&qs) }

// quota returns the quotas in force (zero: none).
func (e *Engine) quota() store.Quotas {
	if p := e.quotas.Load(); p != nil {
		return *p
	}
	return store.Quotas{}
}

// checkQuota fails with *store.QuotaError when the rows counted by query
// (with args) have reached limit (0: no limit). It runs inside the create's
// transaction: writers are serialised (SQLite), or the transaction is
// SERIALIZABLE or holds the allocation lock (PostgreSQL), so two creates
// never both see room for one.
func checkQuota(q q, limit int, kind store.Kind, id, query string, args ...any) error {
	if limit <= 0 {
		return nil
	}
	var n int
	if err := q.row(query, args...).Scan(&n); err != nil {
		return err
	}
	if n >= limit {
		return &store.QuotaError{Kind: kind, Limit: limit, ID: id}
	}
	return nil
}

// hotStmts are the statements of the hot read paths, prepared once on the
// read pool.
type hotStmts struct {
	connection *sql.Stmt
	tunnels    *sql.Stmt
	tags       *sql.Stmt
	accessKey  *sql.Stmt
}

var (
	_ store.Store      = (*Engine)(nil)
	_ store.NonceStore = (*Engine)(nil)
)

// New returns an engine writing through w and reading through r (which may
// be the same pool). The schema must already be migrated. Close closes the
// prepared statements, not the pools: they belong to the caller.
func New(ctx context.Context, w, r *sql.DB, d Dialect, keys *secret.Keyring) (*Engine, error) {
	if keys == nil {
		return nil, errors.New("sqlcore: nil keyring")
	}
	e := &Engine{w: w, r: r, d: d, keys: keys, now: time.Now}
	if d.ReuseWriteStatements {
		e.wstmts = &stmtCache{db: w}
		e.rstmts = &stmtCache{db: r, immediate: true}
	}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = r.PrepareContext(ctx, d.bind(q))
		return s
	}
	e.stmts.connection = prep(selectConnectionFull)
	e.stmts.tunnels = prep(selectTunnels)
	e.stmts.tags = prep(`SELECT tag_key, tag_value FROM tags WHERE resource_id = ? ORDER BY position`)
	e.stmts.accessKey = prep(selectAccessKey + ` WHERE access_key_id = ?`)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("%s: prepare: %w", d.Name, err)
	}
	return e, nil
}

// SetClock replaces the clock the engine stamps creation times and expires
// ClientTokens and nonces with (time.Now by default). It is meant for
// tests and must be called before the engine is used.
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// Close closes the prepared statements.
func (e *Engine) Close() error {
	if e.wstmts != nil {
		e.wstmts.close()
		e.rstmts.close()
	}
	for _, s := range []*sql.Stmt{e.stmts.connection, e.stmts.tunnels, e.stmts.tags, e.stmts.accessKey} {
		if s != nil {
			s.Close()
		}
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q runs statements with "?" placeholders on a querier.
type q struct {
	ctx context.Context
	x   querier
	d   *Dialect
	// In write transactions with a statement cache: the transaction and
	// the cache its statements come from.
	tx    *sql.Tx
	cache *stmtCache
	// In write transactions: the cache counters raised (generations.go).
	bumps *[]bump
}

// stmt returns the transaction's prepared statement of text, or nil to run
// text directly.
func (q q) stmt(text string) *sql.Stmt {
	if q.cache == nil || q.tx == nil {
		return nil
	}
	s := q.cache.get(text)
	if s == nil {
		return nil
	}
	return q.tx.StmtContext(q.ctx, s)
}

func (q q) exec(s string, args ...any) (sql.Result, error) {
	text := q.d.bind(s)
	if st := q.stmt(text); st != nil {
		return st.ExecContext(q.ctx, args...)
	}
	return q.x.ExecContext(q.ctx, text, args...)
}

func (q q) query(s string, args ...any) (*sql.Rows, error) {
	text := q.d.bind(s)
	if st := q.stmt(text); st != nil {
		return st.QueryContext(q.ctx, args...)
	}
	return q.x.QueryContext(q.ctx, text, args...)
}

func (q q) row(s string, args ...any) *sql.Row {
	text := q.d.bind(s)
	if st := q.stmt(text); st != nil {
		return st.QueryRowContext(q.ctx, args...)
	}
	return q.x.QueryRowContext(q.ctx, text, args...)
}

// exists reports whether the query returns a row; it scans the first column
// into a string.
func (q q) first(s string, args ...any) (string, bool, error) {
	var v string
	err := q.row(s, args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// write runs fn in a write transaction, retrying transient failures.
func (e *Engine) write(ctx context.Context, fn func(q q) error) error {
	return e.writeWith(ctx, e.d.WriteTx, "", fn)
}

// writeWith runs fn in a transaction begun with opts, after running lock
// (when set), retrying transient failures.
func (e *Engine) writeWith(ctx context.Context, opts *sql.TxOptions, lock string, fn func(q q) error) error {
	var err error
	uniques := 0
	var bumps []bump
	for attempt := 1; ; attempt++ {
		bumps = bumps[:0]
		err = e.writeOnce(ctx, opts, lock, &bumps, fn)
		if err == nil {
			e.applyBumps(bumps)
			return nil
		}
		if ctx.Err() != nil || isStoreErr(err) {
			break
		}
		if attempt >= maxAttempts {
			if e.d.Retryable(err) || errors.Is(err, errRetry) {
				// Never an internal error: the caller may retry.
				return &store.BusyError{Attempts: attempt, Cause: err}
			}
			break
		}
		if e.d.UniqueViolation(err) {
			if uniques++; !e.d.RetryUnique || uniques >= maxUniqueAttempts {
				break
			}
		} else if !e.d.Retryable(err) && !errors.Is(err, errRetry) {
			break
		}
		// Jittered backoff: attempts of concurrent writers drift apart.
		d := time.Duration(attempt) * time.Millisecond * time.Duration(1+time.Now().UnixNano()%3)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return e.mapErr(err)
}

// errRetry marks a failure after which the whole write transaction runs
// again: a constraint that a concurrent writer's commit made fail, which the
// retry's checks then report properly.
var errRetry = errors.New("sqlcore: retry")

// retryOnFK turns a foreign-key violation of a delete into errRetry: a
// record that references the one being deleted was committed after the
// delete's "in use" check (by a writer under ConstrainedTx).
func (q q) retryOnFK(err error) error {
	if err != nil && q.d.ForeignKeyViolation(err) {
		return fmt.Errorf("%w: %v", errRetry, err)
	}
	return err
}

func isStoreErr(err error) bool {
	for _, s := range []error{store.ErrNotFound, store.ErrInUse, store.ErrDuplicate, store.ErrPoolExhausted, store.ErrTokenMismatch, store.ErrConflict, store.ErrQuota, store.ErrBusy} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// mapErr turns constraint violations that survived the explicit checks into
// the store's errors.
func (e *Engine) mapErr(err error) error {
	if isStoreErr(err) {
		return err
	}
	switch {
	case e.d.UniqueViolation(err):
		return fmt.Errorf("%w: %v", store.ErrDuplicate, err)
	case e.d.ForeignKeyViolation(err):
		return fmt.Errorf("%w: referenced record missing: %v", store.ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", e.d.Name, err)
}

func (e *Engine) writeOnce(ctx context.Context, opts *sql.TxOptions, lock string, bumps *[]bump, fn func(q q) error) (err error) {
	tx, err := e.w.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if e.wstmts != nil {
		// After the transaction (deferred first, so it runs last): the
		// write connection is free again.
		defer e.wstmts.prepareNoted(context.WithoutCancel(ctx))
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	q := q{ctx: ctx, x: tx, d: &e.d, tx: tx, cache: e.wstmts, bumps: bumps}
	if lock != "" {
		if _, err = q.exec(lock); err != nil {
			return err
		}
	}
	if err = fn(q); err != nil {
		return err
	}
	return tx.Commit()
}

// read runs fn in a read transaction (one snapshot).
func (e *Engine) read(ctx context.Context, fn func(q q, tx *sql.Tx) error) error {
	tx, err := e.r.BeginTx(ctx, e.d.ReadTx)
	if err != nil {
		return fmt.Errorf("%s: %w", e.d.Name, err)
	}
	defer tx.Rollback()
	if err := fn(q{ctx: ctx, x: tx, d: &e.d}, tx); err != nil {
		if isStoreErr(err) {
			return err
		}
		return fmt.Errorf("%s: %w", e.d.Name, err)
	}
	return nil
}

// idempotent runs create inside the transaction unless (account, action,
// token) already succeeded: then it returns the recorded id, or
// ErrTokenMismatch when the request hash differs. After create it records
// the token.
func (e *Engine) idempotent(ctx context.Context, account string, idem store.Idempotency, id string, create func(q q) error) (store.Created, error) {
	return e.idempotentWith(ctx, e.d.WriteTx, "", account, idem, id, create)
}

func (e *Engine) idempotentWith(ctx context.Context, opts *sql.TxOptions, lock, account string, idem store.Idempotency, id string, create func(q q) error) (store.Created, error) {
	var res store.Created
	err := e.writeWith(ctx, opts, lock, func(q q) error {
		res = store.Created{}
		now := e.now()
		if idem.Token != "" {
			if _, err := q.exec(`DELETE FROM client_tokens WHERE account_id = ? AND action = ? AND token = ? AND created_at < ?`,
				account, idem.Action, idem.Token, now.Add(-tokenTTL).UnixNano()); err != nil {
				return err
			}
			var hash, rid string
			err := q.row(`SELECT request_hash, resource_id FROM client_tokens WHERE account_id = ? AND action = ? AND token = ?`,
				account, idem.Action, idem.Token).Scan(&hash, &rid)
			switch {
			case err == nil:
				if hash != idem.RequestHash {
					return fmt.Errorf("%w: token %q of %s", store.ErrTokenMismatch, idem.Token, idem.Action)
				}
				res = store.Created{ID: rid, Replayed: true}
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		if err := create(q); err != nil {
			return err
		}
		if idem.Token != "" {
			if _, err := q.exec(`INSERT INTO client_tokens (account_id, action, token, request_hash, resource_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				account, idem.Action, idem.Token, idem.RequestHash, id, now.UnixNano()); err != nil {
				return err
			}
		}
		res = store.Created{ID: id}
		return nil
	})
	if err == nil && idem.Token != "" && !res.Replayed && e.tokenCalls.Add(1)%tokenSweepEvery == 0 {
		// Best effort: a failed sweep is retried by a later create.
		e.PurgeClientTokens(ctx)
	}
	return res, err
}

// PurgeClientTokens deletes the ClientTokens older than 24 hours and
// returns how many it deleted. Creates also call it every few hundred
// tokens.
func (e *Engine) PurgeClientTokens(ctx context.Context) (int64, error) {
	var n int64
	err := e.write(ctx, func(q q) error {
		var err error
		n, err = affected(q.exec(`DELETE FROM client_tokens WHERE created_at < ?`, e.now().Add(-tokenTTL).UnixNano()))
		return err
	})
	return n, err
}

// createdAt returns t, or now when t is zero, as stored (Unix nanoseconds).
func (e *Engine) createdAt(t time.Time) int64 {
	if t.IsZero() {
		t = e.now()
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// list is a WHERE clause under construction.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

func (w *where) in(col string, vs []string) {
	if len(vs) == 0 {
		return
	}
	ph := strings.Repeat("?, ", len(vs))
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = v
	}
	w.add(col+" IN ("+ph[:len(ph)-2]+")", args...)
}

// resourceGroup filters by resource group id rg (none when ""): records
// stored with ” belong to the scope account's default group.
func (w *where) resourceGroup(s store.Scope, rg string) {
	switch {
	case rg == "":
	case rg == vpn.DefaultResourceGroupID(s.AccountID):
		w.add("resource_group_id IN ('', ?)", rg)
	default:
		w.add("resource_group_id = ?", rg)
	}
}

func (w *where) scope(s store.Scope) {
	w.add("account_id = ? AND region_id = ?", s.AccountID, s.RegionID)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// pageSQL returns the LIMIT/OFFSET clause of p. Number below 1 means 1; Size
// below 1 means no limit.
func pageSQL(p store.Page) string {
	if p.Size < 1 {
		return ""
	}
	n := p.Number
	if n < 1 {
		n = 1
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", p.Size, (n-1)*p.Size)
}

// count returns the number of rows of table matching w.
func (q q) count(table string, w *where) (int, error) {
	var n int
	err := q.row(`SELECT COUNT(*) FROM `+table+w.sql(), w.args...).Scan(&n)
	return n, err
}

func notFound(kind store.Kind, id string) error { return &store.NotFoundError{Kind: kind, ID: id} }

// affected returns the rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
