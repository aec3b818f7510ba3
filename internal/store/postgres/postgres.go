// Package postgres is the scale-out store.Store backend: PostgreSQL through
// github.com/jackc/pgx/v5 (pgxpool, used through database/sql).
//
// Several servers may share one database. Writes run SERIALIZABLE and are
// retried on serialization failures (SQLSTATE 40001) and deadlocks; gateway
// address allocation is serialised by a row lock (SELECT ... FOR UPDATE on
// the locks table) under READ COMMITTED. Schema migrations insert their
// version row first, so two servers starting at once cannot both apply one.
// Signature nonces are claimed in batches that also read the cache
// generations (claims.go). No advisory locks are used and nothing depends on
// LISTEN/NOTIFY, to stay within the SQL that CockroachDB and YugabyteDB
// accept.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlcore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the PostgreSQL store. It implements store.Store and
// store.NonceStore.
type DB struct {
	*sqlcore.Engine
	pool *pgxpool.Pool
	// claimPool serves the nonce claims, with synchronous_commit = off.
	claimPool *pgxpool.Pool
	// nonceFloor is the first time requests may be signed at, from the
	// nonce epoch as found (or written) at Open.
	nonceFloor time.Time
	db         *sql.DB
	claims     *claimer
	bound      *statementBound // every statement's bound (not the claims')
	notes      *notifier
	listens    atomic.Int64
	clock      atomic.Pointer[func() time.Time]
	stop       context.CancelFunc
	done       chan struct{}
}

var (
	_ store.Store      = (*DB)(nil)
	_ store.NonceStore = (*DB)(nil)
)

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func pgDialect() sqlcore.Dialect {
	return sqlcore.Dialect{
		Name:               "postgres",
		DollarPlaceholders: true,
		WriteTx:            &sql.TxOptions{Isolation: sql.LevelSerializable},
		ReadTx:             &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		AllocTx:            &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		AllocLock:          `SELECT name FROM locks WHERE name = 'gateway_addresses' FOR UPDATE`,
		ConstrainedTx:      &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		RowLock:            " FOR UPDATE",
		CombineInserts:     true,
		NamedLock:          `INSERT INTO locks (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name`,
		Retryable: func(err error) bool {
			switch sqlState(err) {
			case "40001", "40P01":
				return true
			}
			return false
		},
		UniqueViolation:     func(err error) bool { return sqlState(err) == "23505" },
		ForeignKeyViolation: func(err error) bool { return sqlState(err) == "23503" },
		RetryUnique:         true,
	}
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string), upgrades its schema to this binary's version and returns the
// store. Secrets are sealed with keys.
func Open(ctx context.Context, dsn string, keys *secret.Keyring) (*DB, error) {
	return open(ctx, dsn, keys, 0)
}

// open is Open applying the migrations up to version upTo (0: all).
func open(ctx context.Context, dsn string, keys *secret.Keyring, upTo int) (*DB, error) {
	if keys == nil {
		return nil, errors.New("postgres: nil keyring")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	// pgxpool pings a connection idle for a second before handing it out,
	// without a bound of its own.
	if cfg.PingTimeout == 0 {
		cfg.PingTimeout = defaultConnectTimeout
	}
	bound := &statementBound{timeout: statementTimeout}
	cfg.ConnConfig.Tracer = bound
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	// database/sql keeps no idle connection of its own (as OpenDBFromPool
	// sets it): every statement acquires one from the pool, bounded as the
	// statement is (boundedConnector).
	db := sql.OpenDB(boundedConnector{Connector: stdlib.GetPoolConnector(pool), bound: bound})
	db.SetMaxIdleConns(0)
	ms, err := sqlcore.LoadMigrations(migrationFiles, "migrations")
	if err == nil {
		err = sqlcore.Migrate(ctx, db, pgDialect(), ms, upTo)
	}
	var e *sqlcore.Engine
	if err == nil {
		e, err = sqlcore.New(ctx, db, db, pgDialect(), keys)
	}
	if err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	// Nonce claims go through connections of their own that commit
	// asynchronously (claims.go).
	ccfg := cfg.Copy()
	ccfg.MaxConns, ccfg.MinConns = claimFlushers, 0
	ccfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	ccfg.AfterConnect = prepareClaims
	claimPool, err := pgxpool.NewWithConfig(ctx, ccfg)
	if err != nil {
		e.Close()
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	d := &DB{Engine: e, pool: pool, claimPool: claimPool, db: db, bound: bound, done: make(chan struct{})}
	d.claims = newClaimer(claimPool, d.now)
	epoch, err := d.claims.newEpoch(ctx)
	if err != nil {
		d.claims.close()
		claimPool.Close()
		e.Close()
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("postgres: nonce epoch: %w", err)
	}
	d.nonceFloor = epochFloor(epoch)
	d.notes = newNotifier(d)
	e.OnCommit(d.notes.committed)
	pctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		d.purgeLoop(pctx)
	}()
	go func() {
		defer wg.Done()
		d.notes.run(pctx)
	}()
	go func() {
		wg.Wait()
		close(d.done)
	}()
	return d, nil
}

// BoundStatements bounds every later statement of the store (the nonce
// claims have their own bound) at statementTimeout: a server answering
// requests calls it, so that a database that stops answering fails a
// request instead of holding it. Tools that read whole tables (vpcvpn
// rotate-master-key, backup) and the migrations run unbounded.
func (db *DB) BoundStatements() { db.bound.armed.Store(true) }

// SetClock replaces the clock (time.Now by default) the store stamps records
// and judges nonce expiry with; for tests, before the store is used.
func (db *DB) SetClock(now func() time.Time) {
	db.Engine.SetClock(now)
	db.clock.Store(&now)
}

func (db *DB) now() time.Time {
	if f := db.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// nonceSweepInterval is how often a server deletes expired nonces.
const nonceSweepInterval = 10 * time.Second

func (db *DB) purgeLoop(ctx context.Context) {
	t := time.NewTicker(nonceSweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// Best effort: what fails now is deleted at the next tick.
			db.PurgeNonces(ctx)
		}
	}
}

// nonceSweepChunk bounds the rows one DELETE of expired nonces removes, so
// that it holds its row locks briefly.
const nonceSweepChunk = 10000

// PurgeNonces deletes expired nonces, in chunks, and returns how many it
// deleted. Every server runs it every nonceSweepInterval.
func (db *DB) PurgeNonces(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM nonce_digests WHERE digest IN (SELECT digest FROM nonce_digests WHERE expires_at <= $1 LIMIT $2)`,
			db.now().UnixNano(), nonceSweepChunk)
		if err != nil {
			return total, fmt.Errorf("postgres: purge nonces: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < nonceSweepChunk {
			return total, nil
		}
	}
}

// NonceFloor returns the time from which requests may be signed: after the
// nonce epoch (claims.go) as it was when the store was opened. It is in the
// future only when this server found the epoch empty (a new database, or
// the first start after a crash of PostgreSQL) or another one just wrote
// it: a server should then wait for it before serving (at most a second).
func (db *DB) NonceFloor() time.Time { return db.nonceFloor }

// Close closes the store and its connections.
func (db *DB) Close() error {
	db.stop()
	<-db.done
	db.claims.close()
	db.claimPool.Close()
	db.Engine.Close()
	err := db.db.Close()
	db.pool.Close()
	return err
}
