// Package sqlite is the embedded store.Store backend: one SQLite file through
// modernc.org/sqlite (pure Go).
//
// The database runs in WAL mode with foreign keys on and synchronous=NORMAL:
// a committed transaction survives a killed process, but a power loss or OS
// crash may lose the last transactions committed before it (never corrupt
// the file). Writes go through a pool of one connection whose transactions
// begin IMMEDIATE, so writers (also in other processes) serialise on the
// database lock instead of failing on lock upgrades; reads run in parallel
// on a separate pool of read-only connections. The path must name a file
// (":memory:" would give each pool its own empty database).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlcore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the SQLite store. It implements store.Store and store.NonceStore.
type DB struct {
	*sqlcore.Engine
	w, r *sql.DB
}

var (
	_ store.Store      = (*DB)(nil)
	_ store.NonceStore = (*DB)(nil)
)

// busyTimeoutMS is how long a connection waits for a lock another process
// (or the checkpointer) holds.
const busyTimeoutMS = 10000

// sqliteDialect is SQLite's sqlcore dialect.
func sqliteDialect() sqlcore.Dialect {
	return sqlcore.Dialect{
		Name:                 "sqlite",
		ReuseWriteStatements: true,
		Retryable:            isBusy,
		UniqueViolation: func(err error) bool {
			return hasCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		ForeignKeyViolation: func(err error) bool { return hasCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) },
		ReadTx:              &sql.TxOptions{ReadOnly: true},
	}
}

func hasCode(err error, codes ...int) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code() == c {
			return true
		}
	}
	return false
}

func isBusy(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	primary := e.Code() & 0xff
	return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
}

// readerCacheKiB is each read connection's page cache (SQLite's default is
// 2 MB). On a large store a connection lookup walks several B-trees; with
// their interior pages cached it reads only the leaves.
const readerCacheKiB = 8192

func dsn(path string, write bool) string {
	v := url.Values{}
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_pragma", "synchronous(NORMAL)")
	if write {
		v.Add("_pragma", "journal_mode(WAL)")
		v.Set("_txlock", "immediate")
	} else {
		v.Add("_pragma", "query_only(1)")
		v.Add("_pragma", fmt.Sprintf("cache_size(%d)", -readerCacheKiB))
	}
	return URI(path, v.Encode())
}

// uriPath escapes what SQLite reads specially in a file: URI's path: it
// decodes %XX and ends the path at '?' or '#'.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// URI is the database/sql DSN (driver "sqlite") of the SQLite file at path
// with the encoded query (e.g. "_pragma=busy_timeout(10000)"): the one place
// that escapes a path for SQLite, used by the store and the operator
// commands (internal/backup, internal/migrate).
func URI(path, query string) string {
	return "file:" + uriPath.Replace(path) + "?" + query
}

// Open opens (creating if needed) the database file at path, upgrades its
// schema to this binary's version and returns the store. Secrets are sealed
// with keys.
func Open(ctx context.Context, path string, keys *secret.Keyring) (*DB, error) {
	return open(ctx, path, keys, 0)
}

// open is Open applying the migrations up to version upTo (0: all).
func open(ctx context.Context, path string, keys *secret.Keyring, upTo int) (*DB, error) {
	if keys == nil {
		return nil, errors.New("sqlite: nil keyring")
	}
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	ms, err := sqlcore.LoadMigrations(migrationFiles, "migrations")
	if err == nil {
		err = sqlcore.Migrate(ctx, w, sqliteDialect(), ms, upTo)
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	e, err := sqlcore.New(ctx, w, r, sqliteDialect(), keys)
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	return &DB{Engine: e, w: w, r: r}, nil
}

// Close closes the store.
func (db *DB) Close() error {
	db.Engine.Close()
	return errors.Join(db.r.Close(), db.w.Close())
}
