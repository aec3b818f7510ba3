package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

func countNonces(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.r.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM nonces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNonceExpiry(t *testing.T) {
	ctx := t.Context()
	t.Run("PurgeNonces deletes only expired", func(t *testing.T) {
		db, _ := openTemp(t)
		past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
		for i := range 10 {
			if _, err := db.UseNonce(ctx, fmt.Sprintf("old-%d", i), past); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 5 {
			if _, err := db.UseNonce(ctx, fmt.Sprintf("new-%d", i), future); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.PurgeNonces(ctx)
		if err != nil || n != 10 {
			t.Fatalf("PurgeNonces = %d, %v; want 10", n, err)
		}
		if got := countNonces(t, db); got != 5 {
			t.Fatalf("%d nonces left, want 5", got)
		}
	})
	t.Run("UseNonce sweeps opportunistically", func(t *testing.T) {
		db, _ := openTemp(t)
		past := time.Now().Add(-time.Minute)
		for i := range 255 {
			if _, err := db.UseNonce(ctx, fmt.Sprintf("k-%d", i), past); err != nil {
				t.Fatal(err)
			}
		}
		if got := countNonces(t, db); got != 255 {
			t.Fatalf("%d nonces before the sweep, want 255", got)
		}
		if _, err := db.UseNonce(ctx, "k-last", past); err != nil {
			t.Fatal(err)
		}
		if got := countNonces(t, db); got != 0 {
			t.Fatalf("%d nonces after the 256th call, want 0", got)
		}
	})
}

func BenchmarkGetConnection(b *testing.B) {
	db, _ := openTemp(b)
	ids := storetest.SeedConnections(b, db, benchConnections)
	scope := store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := db.GetConnection(ctx, scope, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

func BenchmarkGetConnectionParallel(b *testing.B) {
	db, _ := openTemp(b)
	ids := storetest.SeedConnections(b, db, benchConnections)
	scope := store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := db.GetConnection(ctx, scope, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
}

// benchConnections is the size of the benchmark store.
const benchConnections = 10000
