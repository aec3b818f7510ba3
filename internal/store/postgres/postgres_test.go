package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlcore"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

const defaultBaseDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func baseDSN() string {
	if v := os.Getenv("VPCVPN_TEST_POSTGRES"); v != "" {
		return v
	}
	return defaultBaseDSN
}

// newDatabase creates an empty database with a unique name and returns its
// DSN; the database is dropped when the test ends. A server that cannot be
// reached fails the test.
func newDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, baseDSN())
	if err != nil {
		t.Fatalf("PostgreSQL not reachable at %s (set VPCVPN_TEST_POSTGRES or start it, e.g. `service postgresql start`): %v", baseDSN(), err)
	}
	defer admin.Close(ctx)
	var suffix [4]byte
	rand.Read(suffix[:])
	name := fmt.Sprintf("vpcvpn_test_%d_%s", os.Getpid(), hex.EncodeToString(suffix[:]))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, baseDSN())
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(baseDSN())
	if err != nil {
		t.Fatalf("VPCVPN_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func testKeys(t testing.TB) *secret.Keyring {
	t.Helper()
	k, err := secret.NewKeyring(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openFresh(t testing.TB) (*DB, string) {
	t.Helper()
	dsn := newDatabase(t)
	db, err := Open(context.Background(), dsn, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openFresh(t)
		return db
	})
}

// dumpAll returns every row of every table of the public schema as text.
func dumpAll(t *testing.T, db *DB) []byte {
	t.Helper()
	ctx := t.Context()
	rows, err := db.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`)
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
		// The row as text, whatever its columns.
		r, err := db.db.QueryContext(ctx, `SELECT t::text FROM `+table+` t`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var s string
			if err := r.Scan(&s); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&buf, "%s: %s\n", table, s)
		}
		r.Close()
	}
	return buf.Bytes()
}

func TestSecretsSealed(t *testing.T) {
	db, _ := openFresh(t)
	storetest.CheckSealed(t, db, func(t *testing.T) []byte {
		out := dumpAll(t, db)
		if !bytes.Contains(out, []byte("vpn_connections: (vco-s")) || !bytes.Contains(out, []byte("v1:")) {
			t.Fatalf("dump lacks the connection row or sealed values:\n%s", out)
		}
		return out
	})
}

func appliedVersions(t *testing.T, db *DB) []int {
	t.Helper()
	rows, err := db.db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
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

// migratedTo opens the database at dsn with only the migrations up to
// version applied, as an older server left it; latest is this binary's
// schema version and closeOld closes old.
func migratedTo(t *testing.T, dsn string, version int) (old *sql.DB, latest int, closeOld func()) {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	old = stdlib.OpenDBFromPool(pool)
	ms, err := sqlcore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlcore.Migrate(t.Context(), old, pgDialect(), ms, version); err != nil {
		t.Fatal(err)
	}
	return old, len(ms), func() { old.Close(); pool.Close() }
}

// An older database (schema 0001 only, with data) is upgraded in place.
func TestMigrateInPlace(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	// A server of schema version 1 (only its migrations; this binary's
	// engine needs the newer columns) that wrote some records.
	old, latest, closeOld := migratedTo(t, dsn, 1)
	for _, q := range storetest.OldRowsV1 {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	closeOld()

	db, err := Open(ctx, dsn, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := appliedVersions(t, db); len(got) != latest || got[len(got)-1] != latest {
		t.Fatalf("versions after upgrade = %v, want 1 to %d", got, latest)
	}
	storetest.CheckUpgradedV1(t, db)
	if fresh, err := db.UseNonce(ctx, "n", time.Now().Add(time.Hour)); err != nil || !fresh {
		t.Fatalf("UseNonce after upgrade = %v, %v", fresh, err)
	}
}

// Several servers starting at once on a fresh database migrate it once and
// all come up.
func TestMigrationRace(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	const servers = 4
	var wg sync.WaitGroup
	dbs := make([]*DB, servers)
	errs := make([]error, servers)
	start := make(chan struct{})
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dbs[i], errs[i] = Open(ctx, dsn, testKeys(t))
		}()
	}
	close(start)
	wg.Wait()
	for i := range servers {
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
	}
	ms, err := sqlcore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, len(ms))
	for i := range ms {
		want[i] = i + 1
	}
	if got := appliedVersions(t, dbs[0]); !slices.Equal(got, want) {
		t.Fatalf("versions = %v, want %v", got, want)
	}
	var locks int
	if err := dbs[0].db.QueryRowContext(ctx, `SELECT COUNT(*) FROM locks`).Scan(&locks); err != nil || locks != 1 {
		t.Fatalf("locks rows = %d, %v; want 1 (0001 applied once)", locks, err)
	}
	// Every server works on the shared schema.
	for i, db := range dbs {
		if _, err := db.UseNonce(ctx, fmt.Sprintf("n%d", i), time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	db, dsn := openFresh(t)
	if _, err := db.db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), dsn, testKeys(t))
	if err == nil || !strings.Contains(err.Error(), "database schema version 99 is newer than this binary's ") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	_, err := Open(t.Context(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", testKeys(t))
	if err == nil || !strings.Contains(err.Error(), "cannot reach 127.0.0.1:1") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoncesSharedAcrossServers(t *testing.T) {
	ctx := t.Context()
	a, dsn := openFresh(t)
	b, err := Open(ctx, dsn, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exp := time.Now().Add(time.Hour)
	if fresh, err := a.UseNonce(ctx, "ak:n1", exp); err != nil || !fresh {
		t.Fatalf("server a: %v, %v", fresh, err)
	}
	if fresh, err := b.UseNonce(ctx, "ak:n1", exp); err != nil || fresh {
		t.Fatalf("server b replay: fresh=%v err=%v, want false", fresh, err)
	}
	if _, err := a.UseNonce(ctx, "ak:old", time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := b.PurgeNonces(ctx)
	if err != nil || n != 1 {
		t.Fatalf("PurgeNonces = %d, %v; want 1", n, err)
	}
}

// TestNonceEpoch: nonce claims commit asynchronously, and the UNLOGGED
// epoch table (emptied by PostgreSQL's crash recovery, simulated here with
// TRUNCATE) makes every request signed before the next epoch refused, so a
// claim lost in a crash can never let its request be answered twice.
func TestNonceEpoch(t *testing.T) {
	ctx := t.Context()
	before := time.Now()
	a, dsn := openFresh(t)
	after := time.Now()
	floor := a.NonceFloor()
	// A new database: the epoch was written by this Open.
	if floor.Truncate(time.Second) != floor || !floor.After(before) || floor.After(after.Add(time.Second)) {
		t.Fatalf("floor %v for a database opened between %v and %v; want a whole second after the open", floor, before, after)
	}
	claim := func(db *DB, key string, signed time.Time) (bool, error) {
		fresh, _, err := db.ClaimNonce(ctx, key, signed.Add(signatureWindow), "")
		return fresh, err
	}
	if fresh, err := claim(a, "ak\x00after", floor); err != nil || !fresh {
		t.Fatalf("signed at the floor: %v %v", fresh, err)
	}
	if fresh, err := claim(a, "ak\x00after", floor); err != nil || fresh {
		t.Fatalf("the same again: %v %v; want a replay", fresh, err)
	}
	if _, err := claim(a, "ak\x00before", floor.Add(-time.Second)); !errors.Is(err, store.ErrSignedBeforeRestart) {
		t.Fatalf("signed before the floor: %v; want ErrSignedBeforeRestart", err)
	}
	// UseNonce records any key and expiry.
	if fresh, err := a.UseNonce(ctx, "ak\x00old", floor.Add(-time.Hour)); err != nil || !fresh {
		t.Fatalf("UseNonce of an old expiry: %v %v", fresh, err)
	}
	var persistence string
	if err := a.pool.QueryRow(ctx, `SELECT relpersistence::text FROM pg_class WHERE relname = 'nonce_epoch'`).Scan(&persistence); err != nil || persistence != "u" {
		t.Fatalf("nonce_epoch persistence %q %v; want u (UNLOGGED)", persistence, err)
	}
	for _, p := range []struct {
		pool *pgxpool.Pool
		want string
	}{{a.claimPool, "off"}, {a.pool, "on"}} {
		var sc string
		if err := p.pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&sc); err != nil || sc != p.want {
			t.Errorf("synchronous_commit %q %v; want %s", sc, err, p.want)
		}
	}

	// An old epoch: a server opening the database does not wait.
	if _, err := a.pool.Exec(ctx, `UPDATE nonce_epoch SET started_at = $1`, time.Now().Add(-time.Hour).UnixNano()); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, dsn, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if f := b.NonceFloor(); time.Until(f) > -time.Hour+time.Minute {
		t.Fatalf("floor %v with an epoch an hour old", f)
	}
	signed := time.Now().Truncate(time.Second)
	if fresh, err := claim(b, "ak\x00n1", signed); err != nil || !fresh {
		t.Fatalf("with an old epoch: %v %v", fresh, err)
	}

	// The crash: the epoch is gone. The first claim after it writes a new
	// one, and requests signed before it are refused, on every server.
	if _, err := a.pool.Exec(ctx, `TRUNCATE nonce_epoch`); err != nil {
		t.Fatal(err)
	}
	if _, err := claim(b, "ak\x00n2", signed); !errors.Is(err, store.ErrSignedBeforeRestart) {
		t.Fatalf("signed before the recovery: %v; want ErrSignedBeforeRestart", err)
	}
	if _, err := claim(a, "ak\x00n3", signed); !errors.Is(err, store.ErrSignedBeforeRestart) {
		t.Fatalf("on the other server: %v; want ErrSignedBeforeRestart", err)
	}
	var epoch int64
	if err := a.pool.QueryRow(ctx, `SELECT started_at FROM nonce_epoch WHERE id = 1`).Scan(&epoch); err != nil {
		t.Fatal(err)
	}
	next := epochFloor(epoch)
	if !next.After(signed) {
		t.Fatalf("new floor %v not after %v", next, signed)
	}
	for _, db := range []*DB{a, b} {
		if fresh, err := claim(db, "ak\x00n4-"+fmt.Sprint(db == a), next); err != nil || !fresh {
			t.Fatalf("signed after the recovery: %v %v", fresh, err)
		}
	}
}

// TestConcurrentCustomerGatewaysWidePool runs the conformance suite's
// customer-gateway race on a 16-connection pool (the suite's pool has the
// default 4), where every racer holds a transaction at once: under
// SERIALIZABLE they used to exhaust their retries on false conflicts.
func TestConcurrentCustomerGatewaysWidePool(t *testing.T) {
	dsn := newDatabase(t) + "&pool_max_conns=16"
	db, err := Open(t.Context(), dsn, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.ConcurrentCustomerGateways(t, db)
}

// TestClaimBatching: while a batch is in flight the next one waits until it
// returns or claimSplit claims wait; with none in flight any claim goes at
// once, unless a flusher lingers for more. 64 concurrent claims on one store
// all complete, each fresh once, and so do lone claims after them.
func TestClaimBatching(t *testing.T) {
	c := &claimer{}
	for _, tc := range []struct {
		inflight, queued int
		lingering        bool
		want             bool
	}{
		{0, 0, false, false}, {0, 1, false, true}, {1, 1, false, false}, {1, claimSplit - 1, false, false},
		{1, claimSplit, false, true}, {2, claimSplit, false, true},
		// While a flusher lingers for more claims, no other takes a
		// small queue; a full one goes.
		{0, 1, true, false}, {0, claimSplit - 1, true, false}, {0, claimSplit, true, true},
	} {
		c.inflight, c.queue, c.lingering = tc.inflight, make([]*claim, tc.queued), tc.lingering
		if got := c.ready(); got != tc.want {
			t.Errorf("ready with %d in flight, %d queued, lingering %v = %v; want %v", tc.inflight, tc.queued, tc.lingering, got, tc.want)
		}
	}

	db, _ := openFresh(t)
	ctx := context.Background()
	exp := time.Now().Add(signatureWindow + 2*time.Minute) // signed after the epoch
	var wg sync.WaitGroup
	fresh := make([]bool, 64)
	errs := make([]error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fresh[i], _, errs[i] = db.ClaimNonce(ctx, fmt.Sprintf("batch\x00%d", i%32), exp, storetest.Account)
		}()
	}
	wg.Wait()
	n := 0
	for i := range 64 {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if fresh[i] {
			n++
		}
	}
	if n != 32 {
		t.Fatalf("%d fresh claims of 32 keys claimed twice each; want 32", n)
	}
	// A lone claim after large batches (its flusher lingers, and no other
	// claim comes) still completes.
	for i := range 3 {
		if fresh, _, err := db.ClaimNonce(ctx, fmt.Sprintf("lone\x00%d", i), exp, storetest.Account); err != nil || !fresh {
			t.Fatalf("lone claim %d = %v, %v; want fresh", i, fresh, err)
		}
	}
}

// TestNonceDigestMigration: claims an older server recorded (hex keys in
// nonces, migration 0002) are carried into nonce_digests by migration 0012
// under the digest this binary computes: a nonce used before the upgrade is
// refused after it, an expired one is free again, and a key that differs
// only after the NUL is its own nonce.
func TestNonceDigestMigration(t *testing.T) {
	ctx := t.Context()
	db := upgradedWithOldClaims(t, 11, `INSERT INTO nonces (nonce_key, expires_at) VALUES ($1, $2)`,
		func(key string) any { return hex.EncodeToString([]byte(key)) })
	var tables int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname = 'nonces'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("nonces tables after the upgrade: %d, %v; want 0 (dropped)", tables, err)
	}
}

// TestClaimConflict: a batch of fresh nonces is claimed by the plain
// insert; a batch holding a nonce already claimed, or one expired and not
// yet purged, is claimed again with ON CONFLICT, and each of its claims gets
// its own outcome.
func TestClaimConflict(t *testing.T) {
	db, _ := openFresh(t)
	ctx := context.Background()
	now := time.Now()
	exp := now.Add(signatureWindow + 2*time.Minute) // signed after the epoch
	if fresh, _, err := db.ClaimNonce(ctx, "LTAIc\x00held", exp, storetest.Account); err != nil || !fresh {
		t.Fatalf("first claim = %v, %v; want fresh", fresh, err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO nonce_digests (digest, expires_at) VALUES ($1, $2)`, uuidText(nonceKey("LTAIc\x00expired")), now.Add(-time.Second).UnixNano()); err != nil {
		t.Fatal(err)
	}
	run := func(keys ...string) []bool {
		t.Helper()
		st := &batchState{first: map[digest]*claim{}, claimed: map[digest]bool{}, gens: map[string]cachegen.Gens{}}
		for _, k := range keys {
			st.batch = append(st.batch, &claim{key: nonceKey(k), hasKey: true, expires: exp.UnixNano(), account: storetest.Account, signed: true, done: make(chan struct{}, 1)})
		}
		db.claims.run(st)
		out := make([]bool, len(keys))
		for i, cl := range st.batch {
			if cl.err != nil {
				t.Fatalf("claim of %q: %v", keys[i], cl.err)
			}
			out[i] = cl.fresh
		}
		return out
	}
	before := db.claims.retried.Load()
	if got := run("LTAIc\x00a", "LTAIc\x00b"); !got[0] || !got[1] {
		t.Fatalf("fresh batch = %v; want both fresh", got)
	}
	if n := db.claims.retried.Load() - before; n != 0 {
		t.Fatalf("a batch of fresh nonces was claimed again %d times; want 0 (the plain insert)", n)
	}
	got := run("LTAIc\x00c", "LTAIc\x00held", "LTAIc\x00expired", "LTAIc\x00a", "LTAIc\x00d")
	if want := []bool{true, false, true, false, true}; !slices.Equal(got, want) {
		t.Fatalf("mixed batch = %v; want %v", got, want)
	}
	if n := db.claims.retried.Load() - before; n != 1 {
		t.Fatalf("the mixed batch was claimed again %d times; want 1", n)
	}
	// The next conflictStreak batches go with ON CONFLICT at once (a
	// replay among them costs no second statement), then plain again.
	direct := db.claims.direct.Load()
	for i := range conflictStreak {
		if got := run(fmt.Sprintf("LTAIc\x00streak%d", i), "LTAIc\x00held"); !got[0] || got[1] {
			t.Fatalf("batch %d after the conflict = %v; want [true false]", i, got)
		}
	}
	if n := db.claims.direct.Load() - direct; n != conflictStreak {
		t.Fatalf("%d batches after the conflict went with ON CONFLICT at once; want %d", n, conflictStreak)
	}
	if n := db.claims.retried.Load() - before; n != 1 {
		t.Fatalf("batches claimed again during the streak: %d; want 0", n-1)
	}
	if got := run("LTAIc\x00after"); !got[0] {
		t.Fatalf("fresh batch after the streak = %v; want fresh", got)
	}
	if n := db.claims.direct.Load() - direct; n != conflictStreak {
		t.Fatalf("the batch after the streak went with ON CONFLICT at once (%d direct); want the plain insert", n)
	}
	for _, k := range []string{"LTAIc\x00c", "LTAIc\x00expired", "LTAIc\x00d"} {
		if fresh, err := db.UseNonce(ctx, k, exp); err != nil || fresh {
			t.Fatalf("UseNonce(%q) after the mixed batch = %v, %v; want held", k, fresh, err)
		}
	}
}

// TestNonceDigestsUnlogged: migration 0013 makes nonce_digests UNLOGGED
// (crash recovery empties it, as it empties nonce_epoch) and carries the
// claims an older server recorded, with both indexes.
func TestNonceDigestsUnlogged(t *testing.T) {
	ctx := t.Context()
	db := upgradedWithOldClaims(t, 12, `INSERT INTO nonce_digests (digest, expires_at) VALUES ($1, $2)`,
		func(key string) any { return uuidText(nonceKey(key)) })
	var persistence string
	if err := db.pool.QueryRow(ctx, `SELECT relpersistence::text FROM pg_class WHERE relname = 'nonce_digests'`).Scan(&persistence); err != nil || persistence != "u" {
		t.Fatalf("nonce_digests persistence %q %v; want u (UNLOGGED)", persistence, err)
	}
	var indexes []string
	rows, err := db.pool.Query(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'nonce_digests' ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, s)
	}
	if want := []string{"nonce_digests_expires", "nonce_digests_pkey"}; !slices.Equal(indexes, want) {
		t.Fatalf("indexes of nonce_digests %v; want %v", indexes, want)
	}
}

// oldClaims are the claims the migration tests record as an older server
// would: one held for an hour, one expired.
func oldClaims(now time.Time) map[string]time.Time {
	return map[string]time.Time{"LTAIold\x00used": now.Add(time.Hour), "LTAIold\x00expired": now.Add(-time.Minute)}
}

// upgradedWithOldClaims migrates a new database to version, records
// oldClaims in it as a server of that version did (insert, $1 the key as
// keyArg stores it, $2 the expiry) and opens it with this binary
// (openUpgraded).
func upgradedWithOldClaims(t *testing.T, version int, insert string, keyArg func(key string) any) *DB {
	t.Helper()
	dsn := newDatabase(t)
	old, _, closeOld := migratedTo(t, dsn, version)
	now := time.Now()
	for key, exp := range oldClaims(now) {
		if _, err := old.ExecContext(t.Context(), insert, keyArg(key), exp.UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	closeOld()
	return openUpgraded(t, dsn, now)
}

// openUpgraded opens dsn, which an older server left with oldClaims, with
// this binary (migrating it) and checks the claims carried over: the held
// nonce is still refused, the expired one is free again, and so is a key
// that differs from the held one only after the NUL.
func openUpgraded(t *testing.T, dsn string, now time.Time) *DB {
	t.Helper()
	db, err := Open(t.Context(), dsn, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, tc := range []struct {
		key   string
		fresh bool
	}{{"LTAIold\x00used", false}, {"LTAIold\x00expired", true}, {"LTAIold\x00used2", true}, {"LTAIold\x00used", false}} {
		if fresh, err := db.UseNonce(t.Context(), tc.key, now.Add(time.Hour)); err != nil || fresh != tc.fresh {
			t.Errorf("UseNonce(%q) after the upgrade = %v, %v; want %v", tc.key, fresh, err, tc.fresh)
		}
	}
	return db
}

// uuidText is d as PostgreSQL writes a UUID.
func uuidText(d digest) string {
	h := hex.EncodeToString(d[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// TestClaimGenerationsSummed: a claim reads an account's counter of each
// class as the sum of its shards' rows, and only that account's.
func TestClaimGenerationsSummed(t *testing.T) {
	db, _ := openFresh(t)
	ctx := context.Background()
	for _, r := range []struct {
		account      string
		class, shard int
		gen          int64
	}{
		{storetest.Account, int(cachegen.Credentials), 0, 5}, {storetest.Account, int(cachegen.Credentials), 3, 7},
		{storetest.Account, int(cachegen.Answers), 1, 11}, {storetest.Account, int(cachegen.Answers), 2, 13}, {storetest.Account, int(cachegen.Answers), 4, 17},
		{"9999999999999999", int(cachegen.Credentials), 0, 1000},
	} {
		if _, err := db.pool.Exec(ctx, `INSERT INTO cache_generations (account_id, class, shard, generation) VALUES ($1, $2, $3, $4)`, r.account, r.class, r.shard, r.gen); err != nil {
			t.Fatal(err)
		}
	}
	exp := time.Now().Add(signatureWindow + 2*time.Minute)
	fresh, gens, err := db.ClaimNonce(ctx, "LTAIg\x00sum", exp, storetest.Account)
	if err != nil || !fresh {
		t.Fatalf("claim = %v, %v; want fresh", fresh, err)
	}
	if want := (cachegen.Gens{Credentials: 12, Answers: 41}); gens != want {
		t.Fatalf("generations %+v; want %+v (the sums of the account's shards)", gens, want)
	}
	if gens, err := db.Generations(ctx, "9999999999999999"); err != nil || gens != (cachegen.Gens{Credentials: 1000}) {
		t.Fatalf("other account's generations %+v, %v; want credentials 1000", gens, err)
	}
}
