package storetest

import (
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

// testSessionRevocations: a revoked console session stays revoked until its
// time, a later revocation of the same session never shortens it, expired
// revocations no longer count and are purged (by PurgeSessionRevocations
// and by the next RevokeSession).
func testSessionRevocations(t *testing.T, s store.Store) {
	ctx := t.Context()
	ss, ok := s.(store.SessionStore)
	if !ok {
		t.Fatalf("%T does not implement store.SessionStore", s)
	}
	revoked := func(id string, want bool) {
		t.Helper()
		got, err := ss.SessionRevoked(ctx, id)
		must(t, err)
		if got != want {
			t.Fatalf("SessionRevoked(%q) = %v, want %v", id, got, want)
		}
	}
	purge := func(want int64) {
		t.Helper()
		n, err := ss.PurgeSessionRevocations(ctx)
		must(t, err)
		if n != want {
			t.Fatalf("PurgeSessionRevocations = %d, want %d", n, want)
		}
	}
	now := time.Now()
	revoked("sess-a", false)
	must(t, ss.RevokeSession(ctx, "sess-a", now.Add(time.Hour)))
	revoked("sess-a", true)
	revoked("sess-b", false)

	// Revoking again with an earlier time keeps the later one.
	must(t, ss.RevokeSession(ctx, "sess-c", now.Add(time.Hour)))
	must(t, ss.RevokeSession(ctx, "sess-c", now.Add(-time.Minute)))
	revoked("sess-c", true)
	// ... and with a later time extends it.
	must(t, ss.RevokeSession(ctx, "sess-a", now.Add(2*time.Hour)))
	revoked("sess-a", true)

	// A revocation whose time has passed does not count, and is purged.
	must(t, ss.RevokeSession(ctx, "sess-old", now.Add(-time.Second)))
	revoked("sess-old", false)
	purge(1)
	purge(0)
	revoked("sess-a", true)
	revoked("sess-c", true)

	// The next revocation purges expired rows too.
	must(t, ss.RevokeSession(ctx, "sess-old2", now.Add(-time.Second)))
	must(t, ss.RevokeSession(ctx, "sess-d", now.Add(time.Hour)))
	purge(0)
	revoked("sess-d", true)
	revoked("sess-a", true)

	// A revocation that runs out while stored stops counting.
	must(t, ss.RevokeSession(ctx, "sess-short", time.Now().Add(1200*time.Millisecond)))
	revoked("sess-short", true)
	time.Sleep(1500 * time.Millisecond)
	revoked("sess-short", false)
	purge(1)
	revoked("sess-a", true)
}
