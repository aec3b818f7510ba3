package postgres

import (
	"context"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

func TestReseal(t *testing.T) {
	dsn := newDatabase(t)
	var first *DB
	storetest.CheckReseal(t, func(t *testing.T, keys *secret.Keyring) store.Store {
		db, err := Open(context.Background(), dsn, keys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if first == nil {
			first = db
		}
		return db
	}, func(t *testing.T, stmt string) {
		if _, err := first.db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	})
}
