// Package postgres is the scale-out store.Store backend: PostgreSQL through
// github.com/jackc/pgx/v5 (pgxpool, used through database/sql).
//
// Several servers may share one database. Writes run SERIALIZABLE and are
// retried on serialization failures (SQLSTATE 40001) and deadlocks; gateway
// address allocation is serialised by a row lock (SELECT ... FOR UPDATE on
// the locks table) under READ COMMITTED. Schema migrations insert their
// version row first, so two servers starting at once cannot both apply one.
// No advisory locks or LISTEN/NOTIFY are used, to stay within the SQL that
// CockroachDB and YugabyteDB accept.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

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
	db   *sql.DB
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
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	db := stdlib.OpenDBFromPool(pool)
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
	return &DB{Engine: e, pool: pool, db: db}, nil
}

// Close closes the store and its connections.
func (db *DB) Close() error {
	db.Engine.Close()
	err := db.db.Close()
	db.pool.Close()
	return err
}
