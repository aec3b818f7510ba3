package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// BenchmarkGetAccessKey is the store's part of authenticating a request
// with a long-term AccessKey: one point SELECT and opening the sealed secret.
func BenchmarkGetAccessKey(b *testing.B) {
	db, _ := openTemp(b)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateAccount(ctx, iam.Account{AccountID: "1000000000000001", Name: "root", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	k := iam.AccessKey{AccessKeyID: "LTAIbenchAccessKey0001", Secret: "benchAccessKeySecret0123456789", AccountID: "1000000000000001",
		Status: iam.KeyActive, CreatedAt: now}
	if err := db.CreateAccessKey(ctx, k); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := db.GetAccessKey(ctx, k.AccessKeyID)
			if err != nil || got.Secret != k.Secret {
				b.Fatalf("GetAccessKey = %v, %v", got.AccessKeyID, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.GetAccessKey(ctx, k.AccessKeyID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
