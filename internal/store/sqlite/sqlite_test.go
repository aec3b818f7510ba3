package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlcore"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

func testKeys(t testing.TB) *secret.Keyring {
	t.Helper()
	k, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vpcvpn.db")
	db, err := Open(context.Background(), path, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openTemp(t)
		return db
	})
}

// dumpAll returns every row of every table of the database file as text.
func dumpAll(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var buf bytes.Buffer
	for _, table := range tables {
		r, err := raw.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&buf, "%s: %s\n", table, fmt.Sprint(vals...))
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					buf.Write(b)
				}
			}
		}
		r.Close()
	}
	return buf.Bytes()
}

func TestSecretsSealed(t *testing.T) {
	db, path := openTemp(t)
	storetest.CheckSealed(t, db, func(t *testing.T) []byte {
		out := dumpAll(t, path)
		if !bytes.Contains(out, []byte("vpn_connections: vco-s")) || !bytes.Contains(out, []byte("v1:")) {
			t.Fatalf("dump lacks the connection row or sealed values:\n%s", out)
		}
		return out
	})
}

// A sealed PSK copied onto another record does not open: it is bound to its
// record id.
func TestSealedValueBoundToRecord(t *testing.T) {
	db, path := openTemp(t)
	ctx := t.Context()
	storetest.CheckSealed(t, db, func(t *testing.T) []byte { return dumpAll(t, path) })
	if _, err := db.w.ExecContext(ctx, `UPDATE vpn_connections SET psk_sealed = (SELECT psk_sealed FROM vpn_tunnels WHERE position = 0) WHERE connection_id = 'vco-s'`); err != nil {
		t.Fatal(err)
	}
	_, err := db.GetConnection(ctx, store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}, "vco-s")
	if err == nil || !strings.Contains(err.Error(), "vco-s") {
		t.Fatalf("GetConnection with a moved PSK: err = %v, want an open failure naming vco-s", err)
	}
}

func appliedVersions(t *testing.T, db *DB) []int {
	t.Helper()
	rows, err := db.r.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// An older database (schema 0001 only, with data) is upgraded in place.
func TestMigrateInPlace(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	// A server of schema version 1 (only its migrations; this binary's
	// engine needs the newer columns) that wrote some records.
	old, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sqlcore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlcore.Migrate(ctx, old, sqliteDialect(), ms, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `SELECT 1 FROM nonces`); err == nil {
		t.Fatal("nonces exists at version 1")
	}
	for _, q := range storetest.OldRowsV1 {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	db, err := Open(ctx, path, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := appliedVersions(t, db); len(got) != len(ms) || got[len(got)-1] != len(ms) {
		t.Fatalf("versions after upgrade = %v, want 1 to %d", got, len(ms))
	}
	storetest.CheckUpgradedV1(t, db)
	if fresh, err := db.UseNonce(ctx, "n", time.Now().AddDate(100, 0, 0)); err != nil || !fresh {
		t.Fatalf("UseNonce after upgrade = %v, %v", fresh, err)
	}
	// Opening again is a no-op.
	db2, err := Open(ctx, path, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
}

// A database migrated by a newer binary is refused, not silently used.
func TestRefuseNewerSchema(t *testing.T) {
	db, path := openTemp(t)
	if _, err := db.w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path, testKeys(t))
	if err == nil || !strings.Contains(err.Error(), "database schema version 99 is newer than this binary's ") {
		t.Fatalf("err = %v", err)
	}
}

func TestPragmas(t *testing.T) {
	db, _ := openTemp(t)
	for _, tc := range []struct {
		name, pragma string
		pool         *sql.DB
		want         string
	}{
		{"journal mode", "journal_mode", db.w, "wal"},
		{"foreign keys writer", "foreign_keys", db.w, "1"},
		{"foreign keys reader", "foreign_keys", db.r, "1"},
		{"synchronous NORMAL", "synchronous", db.w, "1"},
		{"busy timeout", "busy_timeout", db.w, "10000"},
		{"reader busy timeout", "busy_timeout", db.r, "10000"},
		{"reader query only", "query_only", db.r, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if err := tc.pool.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
			}
		})
	}
	if got := db.w.Stats().MaxOpenConnections; got != 1 {
		t.Fatalf("writer pool size = %d, want 1", got)
	}
	if got := db.r.Stats().MaxOpenConnections; got < 4 {
		t.Fatalf("reader pool size = %d, want >= 4", got)
	}
}
