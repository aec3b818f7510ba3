package sqlcore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one versioned schema step, from a file named
// NNNN_description.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads the *.sql files of dir in fsys, sorted by version.
// Versions must be 1, 2, 3, ... without gaps.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return out, nil
}

// Migrate applies the migrations of ms with a version up to upTo (0: all)
// that db has not applied yet, each in its own transaction that first
// inserts the migration's row into schema_migrations. Two servers migrating
// at once therefore serialise on that row's primary key: the second one's
// insert waits for the first transaction and then finds the row (and skips
// the step), or, if the first rolled back, applies it itself. No advisory
// locks are needed. A database with a version this binary does not know is
// refused.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, ms []Migration, upTo int) error {
	if upTo <= 0 || upTo > len(ms) {
		upTo = len(ms)
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		// Concurrent CREATE TABLE IF NOT EXISTS can fail in PostgreSQL with a
		// unique violation on the catalog; the retry then sees the table.
		if _, err = db.ExecContext(ctx, create); err == nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("%s: create schema_migrations: %w", d.Name, err)
	}
	var newest sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("%s: read schema version: %w", d.Name, err)
	}
	if newest.Valid && int(newest.Int64) > len(ms) {
		return fmt.Errorf("%s: database schema version %d is newer than this binary's %d: upgrade vpcvpn", d.Name, newest.Int64, len(ms))
	}
	for _, m := range ms[:upTo] {
		if err := migrateOne(ctx, db, d, m); err != nil {
			return fmt.Errorf("%s: migration %s: %w", d.Name, m.Name, err)
		}
	}
	return nil
}

func migrateOne(ctx context.Context, db *sql.DB, d Dialect, m Migration) error {
	var err error
	for attempt := 1; attempt <= 10; attempt++ {
		if err = migrateTx(ctx, db, d, m); err == nil || !(d.Retryable(err) || d.UniqueViolation(err)) {
			return err
		}
		time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
	}
	return err
}

func migrateTx(ctx context.Context, db *sql.DB, d Dialect, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING`),
		m.Version, m.Name, time.Now().UnixNano())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return nil // applied already (possibly by a concurrent server)
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	return tx.Commit()
}
