package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// An unreachable or stalled database.
//
// Connecting is bounded by the DSN's connect_timeout, or defaultConnectTimeout
// when it names none (pgx alone would wait for the operating system's TCP
// timeout, minutes, on a database host that drops packets). A nonce claim is
// bounded by claimTimeout, every other statement of a server's store
// (BoundStatements) by statementTimeout. Failures that say the database
// could not be reached or did not answer (Unavailable) are answered
// ServiceUnavailable (503, Retry-After), not InternalError.

// defaultConnectTimeout bounds a new connection when the DSN has no
// connect_timeout.
const defaultConnectTimeout = 5 * time.Second

// claimTimeout bounds a batch of nonce claims: a request whose claim the
// database has not answered by then is answered ServiceUnavailable. The V1
// SDK (alibaba-cloud-sdk-go) gives up reading an answer after 10 s by
// default; the client learns what happened before that.
const claimTimeout = 5 * time.Second

// statementTimeout bounds each statement of a server's store (not a nonce
// claim's: claimTimeout), and so a request's wait for a database that
// stopped answering: the request is answered before the V1 SDK's default
// 10 s read timeout. No statement of a request's takes near that long when
// the database answers.
const statementTimeout = 8 * time.Second

// statementBound is the store connections' pgx tracer that bounds each
// statement (Query, QueryRow, Exec, and Prepare: database/sql's statements
// go through them; a query's bound covers reading its rows) by timeout once
// armed (BoundStatements).
type statementBound struct {
	armed   atomic.Bool
	timeout time.Duration
}

// boundCancel is the context key of a bounded statement's cancel function.
type boundCancel struct{}

func (b *statementBound) start(ctx context.Context) context.Context {
	if !b.armed.Load() {
		return ctx
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	return context.WithValue(ctx, boundCancel{}, cancel)
}

func (b *statementBound) end(ctx context.Context) {
	if cancel, ok := ctx.Value(boundCancel{}).(context.CancelFunc); ok {
		cancel()
	}
}

func (b *statementBound) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return b.start(ctx)
}

func (b *statementBound) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	b.end(ctx)
}

func (b *statementBound) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	return b.start(ctx)
}

func (b *statementBound) TracePrepareEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareEndData) {
	b.end(ctx)
}

// boundedConnector bounds database/sql's acquisition of a connection from
// the pool (a wait for a free one, a new connection, the ping of an idle
// one) like a statement, once the bound is armed: pgxpool would otherwise
// wait on a database that stopped answering as long as the request's
// context lives.
type boundedConnector struct {
	driver.Connector
	bound *statementBound
}

func (c boundedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.bound.armed.Load() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.bound.timeout)
		defer cancel()
	}
	return c.Connector.Connect(ctx)
}

// Unavailable reports whether err says that the database could not be
// reached, lost the connection or did not answer in time, rather than that
// it refused a statement: a failed connect, a timeout, a broken connection,
// or a server error of class 08 (connection exception), 53 (insufficient
// resources, e.g. too many connections) or 57 (operator intervention: a
// shutdown, a database starting up or in recovery).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if code := sqlState(err); code != "" {
		switch code[:min(2, len(code))] {
		case "08", "53", "57":
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
