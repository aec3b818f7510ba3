package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

// benchConnections is the size of the benchmark store.
const benchConnections = 10000

func BenchmarkGetConnection(b *testing.B) {
	db, _ := openFresh(b)
	ids := storetest.SeedConnections(b, db, benchConnections)
	analyze(b, db)
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
	db, _ := openFresh(b)
	ids := storetest.SeedConnections(b, db, benchConnections)
	analyze(b, db)
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

// analyze refreshes the planner statistics after the bulk load, as
// autovacuum would shortly do on a live server; without it the planner,
// believing the tables empty, scans an index range instead of the key.
func analyze(b *testing.B, db *DB) {
	if _, err := db.db.ExecContext(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkClaimNonce claims fresh nonces from 16 goroutines (the server's
// shape under 16 keep-alive clients), with the cache generations of one
// account read in the same statements; it reports the claims per batch.
func BenchmarkClaimNonce(b *testing.B) {
	db, _ := openFresh(b)
	ctx := context.Background()
	exp := time.Now().Add(15 * time.Minute)
	var n atomic.Int64
	b.SetParallelism(8) // x GOMAXPROCS goroutines
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := fmt.Sprintf("LTAIbenchkey0000000001\x00%032x", n.Add(1))
			if fresh, _, err := db.ClaimNonce(ctx, k, exp, storetest.Account); err != nil || !fresh {
				b.Fatal(fresh, err)
			}
		}
	})
	b.StopTimer()
	var batches int64
	if err := db.db.QueryRowContext(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&batches); err == nil && batches > 0 {
		b.ReportMetric(float64(n.Load())/float64(batches), "claims/commit")
	}
}
