package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

func TestReseal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vpcvpn.db")
	var first *DB
	storetest.CheckReseal(t, func(t *testing.T, keys *secret.Keyring) store.Store {
		db, err := Open(context.Background(), path, keys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if first == nil {
			first = db
		}
		return db
	}, func(t *testing.T, stmt string) {
		if _, err := first.w.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	})
}
