package sqlite

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// fakeClock is a settable clock for one test.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestClientTokenExpiry(t *testing.T) {
	ctx := t.Context()
	db, _ := openTemp(t)
	clock := &fakeClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	db.SetClock(clock.now)
	vpc := func(id string) vpn.Vpc {
		return vpn.Vpc{AccountID: "1000000000000001", RegionID: "cn-hangzhou", VpcID: id}
	}
	idem := store.Idempotency{Action: "CreateVpc", Token: "t", RequestHash: "h1"}
	for _, tc := range []struct {
		name    string
		advance time.Duration
		id      string
		hash    string
		want    store.Created
		wantErr error
	}{
		{"first", 0, "vpc-1", "h1", store.Created{ID: "vpc-1"}, nil},
		{"replay within a day", 23 * time.Hour, "vpc-2", "h1", store.Created{ID: "vpc-1", Replayed: true}, nil},
		{"mismatch within a day", 0, "vpc-2", "h2", store.Created{}, store.ErrTokenMismatch},
		{"forgotten after 24 hours", 2 * time.Hour, "vpc-3", "h2", store.Created{ID: "vpc-3"}, nil},
		{"the new use is remembered", time.Hour, "vpc-4", "h2", store.Created{ID: "vpc-3", Replayed: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock.t = clock.t.Add(tc.advance)
			idem.RequestHash = tc.hash
			got, err := db.CreateVpc(ctx, vpc(tc.id), idem)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("Created = %+v, want %+v", got, tc.want)
			}
		})
	}
	// CreatedAt of a create without one comes from the clock.
	v, err := db.GetVpc(ctx, store.Scope{AccountID: "1000000000000001", RegionID: "cn-hangzhou"}, "vpc-3")
	if err != nil || !v.CreatedAt.Equal(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("CreatedAt = %v, %v", v.CreatedAt, err)
	}
}

func TestPurgeClientTokens(t *testing.T) {
	ctx := t.Context()
	db, _ := openTemp(t)
	clock := &fakeClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	db.SetClock(clock.now)
	for i := range 3 {
		if _, err := db.CreateVpc(ctx, vpn.Vpc{AccountID: "a", RegionID: "r", VpcID: fmt.Sprintf("vpc-%d", i)},
			store.Idempotency{Action: "CreateVpc", Token: fmt.Sprintf("t%d", i), RequestHash: "h"}); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(12 * time.Hour)
	}
	clock.t = clock.t.Add(time.Hour)
	// Now: +37h. Tokens made at 0h and 12h are older than 24h; the one at
	// 24h is not.
	n, err := db.PurgeClientTokens(ctx)
	if err != nil || n != 2 {
		t.Fatalf("PurgeClientTokens = %d, %v; want 2", n, err)
	}
	var left int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM client_tokens`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d tokens left, %v; want 1", left, err)
	}
}
