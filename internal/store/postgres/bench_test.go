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
	benchClaims(b, db)
}

// BenchmarkClaimNonceTwoStores is BenchmarkClaimNonce with the goroutines
// split between two stores open on the same database (two nodes' claimers,
// without their HTTP servers): whether the database commits as many claims
// for two nodes as for one.
func BenchmarkClaimNonceTwoStores(b *testing.B) {
	db, dsn := openFresh(b)
	other, err := Open(context.Background(), dsn, testKeys(b))
	if err != nil {
		b.Fatal(err)
	}
	defer other.Close()
	benchClaims(b, db, other)
}

// benchClaims claims fresh nonces from 8 x GOMAXPROCS goroutines spread
// over dbs (one database) and reports the claims per statement.
func benchClaims(b *testing.B, dbs ...*DB) {
	ctx := context.Background()
	for _, db := range dbs {
		// A fresh database's epoch is now: claims of requests signed
		// before its next second are refused.
		time.Sleep(time.Until(db.NonceFloor()))
	}
	exp := time.Now().Add(signatureWindow)
	var n, g atomic.Int64
	b.SetParallelism(8) // x GOMAXPROCS goroutines
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		db := dbs[int(g.Add(1))%len(dbs)]
		for pb.Next() {
			k := fmt.Sprintf("LTAIbenchkey0000000001\x00%032x", n.Add(1))
			if fresh, _, err := db.ClaimNonce(ctx, k, exp, storetest.Account); err != nil || !fresh {
				b.Fatal(fresh, err)
			}
		}
	})
	b.StopTimer()
	var claims, batches int64
	for _, db := range dbs {
		st := db.ClaimStats()
		claims, batches = claims+st.Claims, batches+st.Batches
	}
	if batches > 0 {
		b.ReportMetric(float64(claims)/float64(batches), "claims/batch")
	}
}
