package multinode

import (
	"bytes"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
)

// TestSharedNonceKeys: the PostgreSQL nonce store takes the keys the API's
// authenticator builds (AccessKeyId, NUL, nonce) and any other bytes; a key
// used through one store is refused through another on the database until
// it expires.
func TestSharedNonceKeys(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a, err := postgres.Open(ctx, dsn, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, dsn, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exp := time.Now().Add(15 * time.Minute)
	for _, tc := range []struct {
		name string
		key  string
	}{
		{"authenticator key", "LTAImultinodeRootKey01\x00c7f3a1e2-nonce"},
		{"invalid UTF-8", "LTAIkey\x00\xff\xfe"},
		{"long", "LTAIkey\x00" + string(bytes.Repeat([]byte("n"), 128))},
		{"empty nonce", "LTAIkey\x00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if fresh, err := a.UseNonce(ctx, tc.key, exp); err != nil || !fresh {
				t.Fatalf("first use on a: fresh=%v err=%v; want true, nil", fresh, err)
			}
			if fresh, err := b.UseNonce(ctx, tc.key, exp); err != nil || fresh {
				t.Fatalf("replay on b: fresh=%v err=%v; want false, nil", fresh, err)
			}
		})
	}
	// An expired nonce is fresh again, on any node.
	if fresh, err := a.UseNonce(ctx, "LTAIkey\x00expired", time.Now().Add(-time.Second)); err != nil || !fresh {
		t.Fatalf("expired nonce on a: fresh=%v err=%v; want true, nil", fresh, err)
	}
	if fresh, err := b.UseNonce(ctx, "LTAIkey\x00expired", exp); err != nil || !fresh {
		t.Fatalf("reuse of an expired nonce on b: fresh=%v err=%v; want true, nil", fresh, err)
	}
	if fresh, err := a.UseNonce(ctx, "LTAIkey\x00expired", exp); err != nil || fresh {
		t.Fatalf("replay on a: fresh=%v err=%v; want false, nil", fresh, err)
	}
	// Keys that differ only after the NUL are different nonces.
	if fresh, err := b.UseNonce(ctx, "LTAIkey\x00other", exp); err != nil || !fresh {
		t.Fatalf("other nonce: fresh=%v err=%v; want true, nil", fresh, err)
	}
}
