package api

import (
	"errors"
	"fmt"
	"go/build"
	"slices"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

// TestWireLayerDoesNotImportStore: internal/api declares the interfaces it
// consumes (NonceStore, GenerationClaimer) and recognises the store's errors
// by their methods, so that its non-test files never import internal/store.
func TestWireLayerDoesNotImportStore(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	const storePkg = "github.com/vpcvpn/vpcvpn/internal/store"
	if slices.Contains(pkg.Imports, storePkg) {
		t.Fatalf("internal/api's non-test files import %s (files: %v)", storePkg, pkg.GoFiles)
	}
	if !slices.Contains(pkg.Imports, "github.com/vpcvpn/vpcvpn/internal/apierror") {
		t.Fatalf("import list not read: %v", pkg.Imports)
	}
}

// TestStoreErrorsRecognised: the store's errors api must tell apart are
// recognised by their methods, wrapped or not, and nothing else is.
func TestStoreErrorsRecognised(t *testing.T) {
	sbr := store.ErrSignedBeforeRestart
	busy := &store.BusyError{Attempts: 3, Cause: errors.New("database is locked")}
	for _, c := range []struct {
		err        error
		sbr, retry bool
	}{
		{sbr, true, false},
		{fmt.Errorf("claim: %w", sbr), true, false},
		{busy, false, true},
		{fmt.Errorf("write: %w", busy), false, true},
		{store.ErrNotFound, false, false},
		{errors.New("store: request signed before the nonce store restarted"), false, false},
		{nil, false, false},
	} {
		if got := signedBeforeRestart(c.err); got != c.sbr {
			t.Errorf("signedBeforeRestart(%v) = %v, want %v", c.err, got, c.sbr)
		}
		if got := retryLater(c.err); got != c.retry {
			t.Errorf("retryLater(%v) = %v, want %v", c.err, got, c.retry)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", sbr), store.ErrSignedBeforeRestart) {
		t.Error("errors.Is no longer matches store.ErrSignedBeforeRestart")
	}
}
