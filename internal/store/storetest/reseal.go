package storetest

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// CheckReseal exercises store.Resealer (master key rotation). open must open
// the same, initially empty, database each time it is called, with the given
// keyring; exec runs a raw SQL statement on it ("?" placeholders are not
// used). The stores open returns must implement store.Resealer.
func CheckReseal(t *testing.T, open func(t *testing.T, keys *secret.Keyring) store.Store, exec func(t *testing.T, stmt string)) {
	ctx := t.Context()
	k1, k2 := bytes.Repeat([]byte{0x11}, secret.KeySize), bytes.Repeat([]byte{0x22}, secret.KeySize)
	id1, id2 := secret.KeyID(k1), secret.KeyID(k2)
	ring1, _ := secret.NewKeyring(k1)
	ring2, _ := secret.NewKeyring(k2, k1)

	before := open(t, ring1)
	must(t, before.CreateAccount(ctx, accountFix()))
	must(t, before.CreateAccessKey(ctx, accessKeyFix("ak-secret-before-rotation")))
	g := mkGateway(t, before, 1, false)
	gd := mkGateway(t, before, 2, true)
	a, b := mkCgw(t, before, 1), mkCgw(t, before, 2)
	_, err := before.CreateConnection(ctx, SingleConnection("vco-s", g.VpnGatewayID, a.CustomerGatewayID, "psk-single"), store.Idempotency{})
	must(t, err)
	_, err = before.CreateConnection(ctx, DualConnection("vco-d", gd.VpnGatewayID, a.CustomerGatewayID, b.CustomerGatewayID, "psk-master", "psk-slave"), store.Idempotency{})
	must(t, err)
	// A value that does not open: an access-key secret copied onto
	// another key (bound to the wrong AccessKeyId).
	exec(t, `INSERT INTO access_keys (access_key_id, account_id, user_name, status, secret_sealed, created_at)
		SELECT 'LTAIcopied', account_id, user_name, status, secret_sealed, created_at FROM access_keys WHERE access_key_id = 'LTAIsealed0001'`)

	after := open(t, ring2)
	rs, ok := after.(store.Resealer)
	if !ok {
		t.Fatalf("%T does not implement store.Resealer", after)
	}
	counts := func() map[uint32]int {
		t.Helper()
		c, err := rs.SealedKeyCounts(ctx)
		must(t, err)
		return c
	}
	if got, want := counts(), map[uint32]int{id1: 5}; !maps.Equal(got, want) {
		t.Fatalf("counts before = %v, want %v", got, want)
	}
	st, err := rs.Reseal(ctx, 2)
	must(t, err)
	want := store.ResealStats{Scanned: 5, Resealed: 4, Unreadable: 1, Failed: []string{"access_keys/LTAIcopied"}}
	if st.Scanned != want.Scanned || st.Resealed != want.Resealed || st.Changed != 0 || st.Unreadable != want.Unreadable || !slices.Equal(st.Failed, want.Failed) {
		t.Fatalf("Reseal = %+v, want %+v", st, want)
	}
	if got, want := counts(), map[uint32]int{id2: 4, id1: 1}; !maps.Equal(got, want) {
		t.Fatalf("counts after = %v, want %v", got, want)
	}
	// Same plaintexts through the new keyring...
	k, err := after.GetAccessKey(ctx, "LTAIsealed0001")
	must(t, err)
	s, err := after.GetConnection(ctx, scope(), "vco-s")
	must(t, err)
	d, err := after.GetConnection(ctx, scope(), "vco-d")
	must(t, err)
	if k.Secret != "ak-secret-before-rotation" || s.Ike.Psk != "psk-single" || d.Tunnels[0].Ike.Psk != "psk-master" || d.Tunnels[1].Ike.Psk != "psk-slave" {
		t.Fatalf("after reseal: %q %q %q %q", k.Secret, s.Ike.Psk, d.Tunnels[0].Ike.Psk, d.Tunnels[1].Ike.Psk)
	}
	// ...and the old key alone no longer opens them: they really moved.
	if _, err := before.GetConnection(ctx, scope(), "vco-s"); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("old keyring opened a re-sealed PSK: %v", err)
	}
	// Idempotent: a second run finds nothing to do.
	st, err = rs.Reseal(ctx, 0)
	must(t, err)
	if st.Scanned != 5 || st.Resealed != 0 || st.Unreadable != 1 {
		t.Fatalf("second Reseal = %+v", st)
	}
}
