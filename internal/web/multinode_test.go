package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// postgresDSN creates a fresh database on the PostgreSQL of
// VPCVPN_TEST_POSTGRES (default postgres@127.0.0.1:5432) and drops it after
// the test. An unreachable server fails the test.
func postgresDSN(t *testing.T) string {
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
	name := fmt.Sprintf("vpcvpn_web_test_%d_%d", os.Getpid(), time.Now().UnixNano())
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
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// consoleNode starts one server with the console on the shared database and
// data dir (whose master key file every node shares).
func consoleNode(t *testing.T, dir, dsn string) *httptest.Server {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{DataDir: dir, Database: dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RootAccessKeyID: apptest.AccessKeyID, RootAccessKeySecret: apptest.AccessKeySecret, Console: &app.ConsoleOptions{}})
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	srv := httptest.NewServer(a.HTTP)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return srv
}

// TestSessionAcrossNodes: with several servers on one PostgreSQL and one
// master key, a console session started on one node works on the other,
// forms included (its CSRF token travels in the sealed cookie).
func TestSessionAcrossNodes(t *testing.T) {
	dsn := postgresDSN(t)
	dir := t.TempDir()
	nodeA, nodeB := consoleNode(t, dir, dsn), consoleNode(t, dir, dsn)
	b := (&env{srv: nodeA}).browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")

	// The same cookie jar, now talking to node B.
	u, _ := url.Parse(nodeA.URL + "/console/")
	ub, _ := url.Parse(nodeB.URL + "/console/")
	b.c.Jar.SetCookies(ub, b.c.Jar.Cookies(u))
	b.base = nodeB.URL
	p := b.get("/console/r/cn-hangzhou/customer-gateways")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "No customer gateways in cn-hangzhou")
	p = b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.80"}, "Name": {"made-on-b"}})
	wantStatus(t, p, http.StatusSeeOther)
	b.base = nodeA.URL
	wantBody(t, b.get("/console/r/cn-hangzhou/customer-gateways"), "made-on-b", "198.51.100.80")
}
