package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

// TestUnreachableDatabase puts a TCP proxy between the store and
// PostgreSQL: while the proxy holds every byte (a database that stopped
// answering) a nonce claim fails after the claim bound and a read after the
// statement bound, and while it refuses connections (a database that is
// down) both fail at once. The claims' errors are store.ErrUnavailable,
// which the api layer answers ServiceUnavailable (503, Retry-After) saying
// that the request was not carried out; the reads' are errors Unavailable
// recognises. When the database answers again, so does the store.
func TestUnreachableDatabase(t *testing.T) {
	ctx := t.Context()
	u, err := url.Parse(newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := crashtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()
	db, err := Open(ctx, u.String(), testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.claims.timeout = 300 * time.Millisecond
	db.bound.timeout = 300 * time.Millisecond
	db.BoundStatements()
	time.Sleep(time.Until(db.NonceFloor()))
	n := 0
	claim := func() error {
		n++
		fresh, _, err := db.ClaimNonce(ctx, fmt.Sprintf("LTAIunreachable\x00%d", n), time.Now().Add(signatureWindow), storetest.Account)
		if err == nil && !fresh {
			t.Fatalf("claim %d: a new nonce was refused", n)
		}
		return err
	}
	scope := store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}
	wantRefusal := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("%s: err = %v, want store.ErrUnavailable", what, err)
		}
		ae, ok := apierror.As(err)
		if !ok || ae.Code != "ServiceUnavailable" || ae.Status != 503 || ae.Headers["Retry-After"] != "1" ||
			ae.Message != apierror.UnavailableUnchangedMessage {
			t.Fatalf("%s: answered %+v", what, ae)
		}
	}

	if err := claim(); err != nil {
		t.Fatalf("reachable: %v", err)
	}

	// pgxpool pings a connection idle for more than a second before it
	// hands it out: the read below must be bounded there too.
	time.Sleep(1100 * time.Millisecond)
	proxy.Freeze()
	wantRefusal("claim while the database does not answer", claim())
	// The request's own context has no deadline: the statement's bound
	// ends the read.
	if _, err := db.GetConnection(ctx, scope, "vco-unreachable"); !Unavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read while the database does not answer: err = %v, want the statement bound's deadline", err)
	}
	proxy.Thaw()
	if err := claim(); err != nil {
		t.Fatalf("after the database answered again: %v", err)
	}

	proxy.Refuse()
	wantRefusal("claim while the database refuses connections", claim())
	if _, err := db.GetConnection(ctx, scope, "vco-unreachable"); !Unavailable(err) {
		t.Fatalf("read while the database refuses connections: err = %v, want one Unavailable reports", err)
	}
	proxy.Accept(t)
	if err := claim(); err != nil {
		t.Fatalf("after the database accepted connections again: %v", err)
	}
	if _, err := db.GetConnection(ctx, scope, "vco-unreachable"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("read after the database accepted connections again: err = %v, want store.ErrNotFound", err)
	}
}

// TestUnavailable checks which errors say the database could not be reached
// or did not answer, and which are its refusal of a statement.
func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("something else"), false},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "40001"}, false}, // serialization failure
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined table
		{&pgconn.PgError{Code: "57P01"}, true},  // admin shutdown
		{&pgconn.PgError{Code: "57P03"}, true},  // cannot connect now (starting up, recovery)
		{&pgconn.PgError{Code: "53300"}, true},  // too many connections
		{&pgconn.PgError{Code: "08006"}, true},  // connection failure
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "57P01"}), true},
		{&pgconn.ConnectError{}, true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{context.Canceled, false}, // the caller gave up: not the database
	} {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%#v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
