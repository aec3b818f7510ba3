// Package migrate upgrades a store's schema to this binary's version and
// reports the versions before and after: the procedure behind `vpcvpn
// migrate`. Opening a store applies its migrations (internal/store/sqlite and
// postgres); this package reads the version around that, for either backend,
// without opening a sealed secret. The messages it writes and returns are the
// command's.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite" // also registers the database/sql driver "sqlite"
)

// Database is the database to migrate, as app.ParseDatabase resolves the
// --data-dir and --database flags.
type Database struct {
	Kind     string // "sqlite" or "postgres"
	Target   string // file path or DSN
	Describe string // for output: never a password
}

// Run applies the migrations d lacks and writes the database and the schema
// version before and after on out. A SQLite file must exist (the server
// creates it, with its master key). It fails when the database cannot be
// reached or migrated, or when its schema is newer than this binary's (after
// writing the version before).
func Run(ctx context.Context, d Database, out io.Writer) error {
	if d.Kind == "sqlite" {
		if _, err := os.Stat(d.Target); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database at %s: nothing to migrate (the server creates it, with its master key, on first start)", d.Target)
		} else if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "database: %s\n", d.Describe)
	before, err := SchemaVersion(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "schema version before: %d\n", before)

	// Opening a store applies the missing migrations (and refuses a schema
	// newer than the binary). Migrations never open sealed secrets, so a
	// throwaway key serves.
	key, err := secret.GenerateKey()
	if err != nil {
		return err
	}
	keys, err := secret.NewKeyring(key)
	if err != nil {
		return err
	}
	var closer io.Closer
	switch d.Kind {
	case "sqlite":
		db, err := sqlite.Open(ctx, d.Target, keys)
		if err != nil {
			return fmt.Errorf("migrate SQLite database %s: %w", d.Target, err)
		}
		closer = db
	case "postgres":
		db, err := postgres.Open(ctx, d.Target, keys)
		if err != nil {
			return fmt.Errorf("migrate PostgreSQL database: %w", err)
		}
		closer = db
	default:
		return fmt.Errorf("database kind %q: want sqlite or postgres", d.Kind)
	}
	if err := closer.Close(); err != nil {
		return err
	}
	after, err := SchemaVersion(ctx, d)
	if err != nil {
		return err
	}
	if after == before {
		fmt.Fprintf(out, "schema version after:  %d (up to date)\n", after)
	} else {
		fmt.Fprintf(out, "schema version after:  %d (applied %d migration(s))\n", after, after-before)
	}
	return nil
}

// SchemaVersion returns the newest migration applied to the database, 0 for
// a database without a schema_migrations table. It only reads.
func SchemaVersion(ctx context.Context, d Database) (int, error) {
	var (
		db     *sql.DB
		err    error
		exists string
	)
	switch d.Kind {
	case "sqlite":
		db, err = sql.Open("sqlite", sqlite.URI(d.Target, "_pragma=busy_timeout(10000)&_pragma=query_only(1)"))
		exists = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	case "postgres":
		// The pool's parser accepts the pool_* parameters the server's
		// URL may carry (the bare driver would send them to the server).
		var cfg *pgxpool.Config
		if cfg, err = pgxpool.ParseConfig(d.Target); err == nil {
			db = stdlib.OpenDB(*cfg.ConnConfig)
		}
		exists = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`
	default:
		err = fmt.Errorf("database kind %q: want sqlite or postgres", d.Kind)
	}
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", d.Describe, err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w (check that the database runs and the URL is right)", d.Describe, err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", d.Describe, err)
	}
	return int(v.Int64), nil
}
