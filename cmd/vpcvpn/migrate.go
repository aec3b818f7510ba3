package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/app"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", to read the schema version

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

func init() { extraCommands = append(extraCommands, newMigrateCmd) }

type migrateOptions struct {
	dataDir  string
	database string
	timeout  time.Duration
}

func newMigrateCmd() *cobra.Command {
	o := migrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Upgrade the database schema to this binary's version",
		Long: `Apply the schema migrations this binary knows and the database lacks, and print the schema version
before and after. The server does the same on every start; run migrate explicitly to upgrade before rolling
out a new binary to several servers, or to see a database's schema version.

Migrations are idempotent and safe to run while servers (of the new version) start: each step inserts its
row into schema_migrations in the same transaction as its DDL, so concurrent migrators apply it once.

A SQLite database is <data-dir>/vpcvpn.db (or --database sqlite:PATH) and must exist: the server creates it,
with its master key, on first start. Migrations do not open sealed secrets, so no master key is needed.

Exit status: 0 the schema is at this binary's version (migrated or already current); 1 the database could not
be reached or migrated, or its schema is newer than this binary; 2 bad flags.`,
		Example: `  vpcvpn migrate --database postgres://vpcvpn@db.internal:5432/vpcvpn?sslmode=verify-full
  vpcvpn migrate --data-dir /var/lib/vpcvpn`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("migrate takes no arguments (got %q); use --database or --data-dir", args[0])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMigrate(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "data directory of the embedded SQLite database (when --database is empty)")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, sqlite:PATH, or postgres://... (PostgreSQL)")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after this long")
	return cmd
}

// migrateTarget is the database migrate works on.
type migrateTarget struct {
	kind     string // "sqlite" or "postgres"
	target   string // file path or DSN
	describe string // for output: never a password
}

func parseMigrateTarget(o migrateOptions) (migrateTarget, error) {
	d, err := app.ParseDatabase(o.dataDir, o.database)
	if err != nil {
		return migrateTarget{}, usageError{err}
	}
	return migrateTarget{kind: d.Kind, target: d.Target, describe: d.Describe}, nil
}

func runMigrate(ctx context.Context, o migrateOptions, out io.Writer) error {
	t, err := parseMigrateTarget(o)
	if err != nil {
		return err
	}
	if o.timeout <= 0 {
		return usageError{errors.New("--timeout must be positive")}
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if t.kind == "sqlite" {
		if _, err := os.Stat(t.target); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database at %s: nothing to migrate (the server creates it, with its master key, on first start)", t.target)
		} else if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "database: %s\n", t.describe)
	before, err := schemaVersion(ctx, t)
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
	switch t.kind {
	case "sqlite":
		db, err := sqlite.Open(ctx, t.target, keys)
		if err != nil {
			return fmt.Errorf("migrate SQLite database %s: %w", t.target, err)
		}
		closer = db
	case "postgres":
		db, err := postgres.Open(ctx, t.target, keys)
		if err != nil {
			return fmt.Errorf("migrate PostgreSQL database: %w", err)
		}
		closer = db
	}
	if err := closer.Close(); err != nil {
		return err
	}
	after, err := schemaVersion(ctx, t)
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

// schemaVersion returns the newest migration applied to the database, 0 for
// a database without a schema_migrations table.
func schemaVersion(ctx context.Context, t migrateTarget) (int, error) {
	var (
		db     *sql.DB
		err    error
		exists string
	)
	switch t.kind {
	case "sqlite":
		// SQLite decodes %XX in a file: URI and ends the path at '?' or '#'.
		escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(t.target)
		db, err = sql.Open("sqlite", "file:"+escaped+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
		exists = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	case "postgres":
		// The pool's parser accepts the pool_* parameters the server's
		// URL may carry (the bare driver would send them to the server).
		var cfg *pgxpool.Config
		if cfg, err = pgxpool.ParseConfig(t.target); err == nil {
			db = stdlib.OpenDB(*cfg.ConnConfig)
		}
		exists = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`
	}
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", t.describe, err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w (check that the database runs and the URL is right)", t.describe, err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", t.describe, err)
	}
	return int(v.Int64), nil
}
