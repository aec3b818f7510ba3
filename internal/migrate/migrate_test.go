package migrate

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// latest is the number of migrations a backend embeds (numbered without gaps).
func latest(t *testing.T, backend string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("..", "store", backend, "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no migrations of %s", backend)
	}
	return n
}

func sqliteExec(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// TestRunSQLite: an empty file gets every migration, a second run finds it
// current, a schema newer than the binary is refused after its version is
// written; a missing file is refused. The output is exact.
func TestRunSQLite(t *testing.T) {
	n := latest(t, "sqlite")
	path := filepath.Join(t.TempDir(), "a%b?c.db") // characters a file: URI must escape
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d := Database{Kind: "sqlite", Target: path, Describe: "sqlite:" + path}
	var out bytes.Buffer
	if err := Run(context.Background(), d, &out); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("database: sqlite:%s\nschema version before: 0\nschema version after:  %d (applied %d migration(s))\n", path, n, n)
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := Run(context.Background(), d, &out); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("database: sqlite:%s\nschema version before: %d\nschema version after:  %d (up to date)\n", path, n, n)
	if out.String() != want {
		t.Fatalf("second run:\n%s\nwant:\n%s", out.String(), want)
	}

	escaped := strings.NewReplacer("%", "%25", "?", "%3f").Replace(path)
	sqliteExec(t, escaped, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', 1)`)
	out.Reset()
	err := Run(context.Background(), d, &out)
	if want := fmt.Sprintf("database schema version 99 is newer than this binary's %d: upgrade vpcvpn", n); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("newer schema: %v, want it to say %q", err, want)
	}
	if !strings.HasSuffix(out.String(), "schema version before: 99\n") {
		t.Fatalf("newer schema output:\n%s", out.String())
	}

	missing := filepath.Join(t.TempDir(), "vpcvpn.db")
	err = Run(context.Background(), Database{Kind: "sqlite", Target: missing, Describe: "sqlite:" + missing}, &out)
	if want := "no database at " + missing + ": nothing to migrate (the server creates it, with its master key, on first start)"; err == nil || err.Error() != want {
		t.Fatalf("missing file: %v, want %q", err, want)
	}
}

// TestSchemaVersionSQLite: 0 without a schema_migrations table, else its
// highest version.
func TestSchemaVersionSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	d := Database{Kind: "sqlite", Target: path, Describe: "sqlite:" + path}
	sqliteExec(t, path, `CREATE TABLE other (x INTEGER)`)
	if v, err := SchemaVersion(context.Background(), d); err != nil || v != 0 {
		t.Fatalf("no table: %d, %v", v, err)
	}
	sqliteExec(t, path, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
	if v, err := SchemaVersion(context.Background(), d); err != nil || v != 0 {
		t.Fatalf("empty table: %d, %v", v, err)
	}
	sqliteExec(t, path, `INSERT INTO schema_migrations VALUES (3, 'c', 1), (7, 'g', 1)`)
	if v, err := SchemaVersion(context.Background(), d); err != nil || v != 7 {
		t.Fatalf("versions 3 and 7: %d, %v", v, err)
	}
}

// TestRunPostgres: a fresh database reached by a URL with pool settings (as
// the server's may carry) gets every migration; an unreachable server fails
// with the hint and without the password.
func TestRunPostgres(t *testing.T) {
	n := latest(t, "postgres")
	dsn := apptest.PostgresDSN(t, "vpcvpn_migrate")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "2")
	u.RawQuery = q.Encode()
	d := Database{Kind: "postgres", Target: u.String(), Describe: u.Redacted()}
	var out bytes.Buffer
	if err := Run(context.Background(), d, &out); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("database: %s\nschema version before: 0\nschema version after:  %d (applied %d migration(s))\n", u.Redacted(), n, n)
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows int
	if err := conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != n {
		t.Fatalf("schema_migrations rows %d, %v; want %d", rows, err, n)
	}

	bad := Database{Kind: "postgres", Target: "postgres://postgres:hunter2secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		Describe: "postgres://postgres:xxxxx@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}
	_, err = SchemaVersion(context.Background(), bad)
	if err == nil || !strings.HasPrefix(err.Error(), "read schema version of "+bad.Describe+": ") ||
		!strings.HasSuffix(err.Error(), " (check that the database runs and the URL is right)") || strings.Contains(err.Error(), "hunter2secret") {
		t.Fatalf("unreachable: %v", err)
	}
}
