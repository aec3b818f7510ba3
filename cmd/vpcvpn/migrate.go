package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/migrate"
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
	return migrate.Run(ctx, migrate.Database{Kind: t.kind, Target: t.target, Describe: t.describe}, out)
}
