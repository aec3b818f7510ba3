package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	_ "modernc.org/sqlite"
)

// errTransient stands for a serialization failure.
var errTransient = errors.New("transient")

// TestWriteGivesUpBusy: a write whose every attempt fails transiently is
// given up after maxAttempts as *store.BusyError (answered
// ServiceUnavailable, never InternalError); a store error or another
// failure ends the retries at once, as itself.
func TestWriteGivesUpBusy(t *testing.T) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &Engine{w: db, d: Dialect{
		Name:                "test",
		Retryable:           func(err error) bool { return errors.Is(err, errTransient) },
		UniqueViolation:     func(error) bool { return false },
		ForeignKeyViolation: func(error) bool { return false },
	}}
	calls := 0
	err = e.write(context.Background(), func(q q) error { calls++; return errTransient })
	var be *store.BusyError
	if !errors.As(err, &be) || !errors.Is(err, store.ErrBusy) || be.Attempts != maxAttempts || !errors.Is(be.Cause, errTransient) {
		t.Fatalf("err = %#v, want *store.BusyError after %d attempts", err, maxAttempts)
	}
	if calls != maxAttempts {
		t.Fatalf("%d attempts, want %d", calls, maxAttempts)
	}
	ae, ok := apierror.As(err)
	if !ok || ae.Code != "ServiceUnavailable" || ae.Status != 503 || ae.Headers["Retry-After"] != "1" {
		t.Fatalf("apierror.As = %+v %v, want ServiceUnavailable 503 with Retry-After 1", ae, ok)
	}

	calls = 0
	other := errors.New("disk on fire")
	err = e.write(context.Background(), func(q q) error { calls++; return other })
	if calls != 1 || errors.Is(err, store.ErrBusy) || !errors.Is(err, other) {
		t.Fatalf("non-transient failure: %d attempts, err %v; want 1 attempt and the failure itself", calls, err)
	}
	if _, ok := apierror.As(err); ok {
		t.Fatalf("a non-transient failure became a wire error")
	}
}
