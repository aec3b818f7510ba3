package postgres

import (
	"context"
	"testing"

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
