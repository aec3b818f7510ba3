package apptest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresDSN creates a fresh database named after prefix on the PostgreSQL
// of VPCVPN_TEST_POSTGRES (default postgres@127.0.0.1:5432), drops it when
// the test ends, and returns its URL. An unreachable server fails the test.
func PostgresDSN(t testing.TB, prefix string) string {
	t.Helper()
	base := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	if v := os.Getenv("VPCVPN_TEST_POSTGRES"); v != "" {
		base = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL not reachable at %s (set VPCVPN_TEST_POSTGRES or start it): %v", base, err)
	}
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		t.Fatalf("create database: %v", err)
	}
	admin.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("VPCVPN_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
