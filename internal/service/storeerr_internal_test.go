package service

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// TestStoreErrUnnamedDuplicate: a unique violation the store could not name
// (store.ErrDuplicate without a *store.DuplicateError) reaches the client as
// 503 ServiceUnavailable with a retry hint, never as a 500 InternalError;
// the named duplicates stay with their use case's own codes.
func TestStoreErrUnnamedDuplicate(t *testing.T) {
	err := storeErr(fmt.Errorf("%w: UNIQUE constraint failed: vpn_connections.id", store.ErrDuplicate))
	e, ok := apierror.As(err)
	if !ok {
		t.Fatalf("storeErr(unnamed duplicate) = %v: not an API error (would answer 500 InternalError)", err)
	}
	if e.Code != "ServiceUnavailable" || e.Status != http.StatusServiceUnavailable || e.Headers["Retry-After"] != "1" {
		t.Fatalf("storeErr(unnamed duplicate) = %s %d %v, want ServiceUnavailable 503 Retry-After 1", e.Code, e.Status, e.Headers)
	}
	named := &store.DuplicateError{Rule: "CustomerGatewayIp", ID: "cgw-x"}
	if got := storeErr(named); !errors.As(got, new(*store.DuplicateError)) {
		t.Fatalf("storeErr(named duplicate) = %v, want the DuplicateError kept for its use case", got)
	}
}
