package multinode

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"
)

// latestVersion is the number of migrations of a backend in the source tree:
// the schema version this binary brings databases to.
func latestVersion(t testing.TB, backend string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "store", backend, "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations of %s found: %v", backend, err)
	}
	return len(files)
}

// initSQL is the first migration of a backend: the schema an old binary
// left behind.
func initSQL(t testing.TB, backend string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "store", backend, "migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// oldSchema lists the statements that give a database schema version 1 with
// one account and one VPC in it, as a binary that knew only 0001 left it.
func oldSchema(t testing.TB, backend string) []string {
	return []string{
		initSQL(t, backend),
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_init', 1)`,
		`INSERT INTO accounts (account_id, name, created_at) VALUES ('1000000000000001', 'root', 1)`,
		`INSERT INTO vpcs (vpc_id, account_id, region_id, vpc_name, description, cidr_block, status, created_at)
			VALUES ('vpc-old0000000000000001', '1000000000000001', 'cn-hangzhou', 'kept', '', '10.0.0.0/8', 'Available', 1)`,
	}
}

// pgExec runs statements on a PostgreSQL database.
func pgExec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%.60s...: %v", s, err)
		}
	}
}

// sqliteDB opens the SQLite file at path with database/sql.
func sqliteDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sqliteExec(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db := sqliteDB(t, path)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%.60s...: %v", s, err)
		}
	}
	db.Close()
}

// migrateBackend is one backend of TestMigrateCommand.
type migrateBackend struct {
	name string
	// fresh returns the migrate flags of an empty database (nil: the
	// backend has no empty databases, SQLite files are made by the server)
	// and a function running SQL on it.
	fresh func(t *testing.T) (args []string, exec func(...string), scan func(q string, dest ...any))
}

func postgresBackend() migrateBackend {
	return migrateBackend{name: "postgres", fresh: func(t *testing.T) ([]string, func(...string), func(string, ...any)) {
		dsn := newDatabase(t)
		return []string{"--database", dsn},
			func(s ...string) { pgExec(t, dsn, s...) },
			func(q string, dest ...any) { query(t, dsn, q, dest...) }
	}}
}

func sqliteBackend() migrateBackend {
	return migrateBackend{name: "sqlite", fresh: func(t *testing.T) ([]string, func(...string), func(string, ...any)) {
		dir := t.TempDir()
		path := filepath.Join(dir, "vpcvpn.db")
		return []string{"--data-dir", dir},
			func(s ...string) { sqliteExec(t, path, s...) },
			func(q string, dest ...any) {
				if err := sqliteDB(t, path).QueryRow(q).Scan(dest...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
	}}
}

// TestMigrateCommand runs `vpcvpn migrate` on both backends: an old
// database is upgraded in place keeping its data, a current one is left
// alone, a newer one is refused; every run prints the versions.
func TestMigrateCommand(t *testing.T) {
	for _, be := range []migrateBackend{postgresBackend(), sqliteBackend()} {
		t.Run(be.name, func(t *testing.T) {
			latest := latestVersion(t, be.name)
			args, exec, scan := be.fresh(t)
			exec(oldSchema(t, be.name)...)
			cmdline := append([]string{"migrate"}, args...)

			code, stdout, stderr := run(t, cmdline...)
			if code != 0 {
				t.Fatalf("migrate old database: exit %d\n%s%s", code, stdout, stderr)
			}
			if want := fmt.Sprintf("schema version before: 1\nschema version after:  %d (applied %d migration(s))\n", latest, latest-1); !strings.HasSuffix(stdout, want) || !strings.HasPrefix(stdout, "database: ") {
				t.Fatalf("stdout:\n%s\nwant it to end with:\n%s", stdout, want)
			}
			var name string
			var versions int
			scan(`SELECT vpc_name FROM vpcs WHERE vpc_id = 'vpc-old0000000000000001'`, &name)
			scan(`SELECT COUNT(*) FROM schema_migrations`, &versions)
			if name != "kept" || versions != latest {
				t.Fatalf("after the upgrade: VPC name %q, %d migrations; want \"kept\", %d", name, versions, latest)
			}
			var nonces int
			// A table of migration 0002 (SQLite) or 0012 (PostgreSQL).
			nonceTable := map[string]string{"postgres": "nonce_digests", "sqlite": "nonces"}[be.name]
			scan(`SELECT COUNT(*) FROM `+nonceTable, &nonces)

			code, stdout, stderr = run(t, cmdline...)
			if want := fmt.Sprintf("schema version before: %d\nschema version after:  %d (up to date)\n", latest, latest); code != 0 || !strings.HasSuffix(stdout, want) {
				t.Fatalf("second run: exit %d\n%s%s\nwant stdout ending with:\n%s", code, stdout, stderr, want)
			}

			exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', 1)`)
			code, stdout, stderr = run(t, cmdline...)
			wantErr := fmt.Sprintf("database schema version 99 is newer than this binary's %d: upgrade vpcvpn", latest)
			if code != 1 || !strings.HasSuffix(stdout, "schema version before: 99\n") || !strings.Contains(stderr, wantErr) {
				t.Fatalf("newer database: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 1 and %q", code, stdout, stderr, wantErr)
			}
		})
	}
}

// TestMigrateFreshPostgres: an empty database gets the whole schema, and
// servers start on it without migrating again.
func TestMigrateFreshPostgres(t *testing.T) {
	latest := latestVersion(t, "postgres")
	c := newCluster(t, "198.18.2.0/24")
	// The server's URL may carry pool settings; migrate accepts them too.
	u, err := url.Parse(c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	code, stdout, stderr := run(t, "migrate", "--database", u.String())
	want := fmt.Sprintf("database: %s\nschema version before: 0\nschema version after:  %d (applied %d migration(s))\n", u.String(), latest, latest)
	if code != 0 || stdout != want {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", code, stdout, stderr, want)
	}
	var applied int64
	query(t, c.dsn, `SELECT MAX(applied_at) FROM schema_migrations`, &applied)
	n := c.startReady(t, "a")[0]
	if r := n.call(t, "DescribeRegions"); r.status != 200 {
		t.Fatalf("DescribeRegions: %d %s", r.status, r.body)
	}
	var after int64
	query(t, c.dsn, `SELECT MAX(applied_at) FROM schema_migrations`, &after)
	if after != applied {
		t.Fatalf("the server re-applied a migration (applied_at %d -> %d)", applied, after)
	}
}

// TestMigrateErrors: exit status 1 for a database that cannot be used, 2
// for bad invocations, and a password never shows.
func TestMigrateErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unreachable", []string{"--database", "postgres://postgres:hunter2secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, 1, "check that the database runs and the URL is right"},
		{"no SQLite database", []string{"--data-dir", missing}, 1, "no database at " + filepath.Join(missing, "vpcvpn.db") + ": nothing to migrate"},
		{"no SQLite path", []string{"--database", "sqlite:"}, 2, "--database sqlite: needs a path"},
		{"unknown scheme", []string{"--database", "mysql://u:hunter2secret@h/db"}, 2, "use sqlite:PATH or postgres://"},
		{"argument", []string{"now"}, 2, "migrate takes no arguments"},
		{"unknown flag", []string{"--force"}, 2, "unknown flag: --force"},
		{"zero timeout", []string{"--data-dir", missing, "--timeout", "0s"}, 2, "--timeout must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"migrate"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if strings.Contains(stdout+stderr, "hunter2secret") {
				t.Fatalf("the password shows:\n%s%s", stdout, stderr)
			}
		})
	}
}

// TestServerUpgradesOldDatabase: a newer server started on a database an
// older binary left (schema 1, with data) migrates it in place, keeps the
// data and serves.
func TestServerUpgradesOldDatabase(t *testing.T) {
	latest := latestVersion(t, "postgres")
	c := newCluster(t, "198.18.3.0/24")
	stmts := oldSchema(t, "postgres")
	// Schema 1 with a VPC in it but no account yet: the server creates the
	// root from the environment.
	pgExec(t, c.dsn, stmts[0], stmts[1], stmts[2], stmts[4])
	nodes := c.startReady(t, "a", "b")
	var versions, maxVersion int
	query(t, c.dsn, `SELECT COUNT(*), MAX(version) FROM schema_migrations`, &versions, &maxVersion)
	if versions != latest || maxVersion != latest {
		t.Fatalf("after start: %d migrations up to %d, want %d", versions, maxVersion, latest)
	}
	var name string
	query(t, c.dsn, `SELECT vpc_name FROM vpcs WHERE vpc_id = 'vpc-old0000000000000001'`, &name)
	if name != "kept" {
		t.Fatalf("old VPC name %q after the upgrade", name)
	}
	for _, n := range nodes {
		if r := n.call(t, "DescribeRegions"); r.status != 200 {
			t.Fatalf("node %s: %d %s", n.name, r.status, r.body)
		}
	}
}
