package postgres

import (
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

// A sealed secret copied onto another record does not open: PSKs are bound
// to their connection or tunnel id, access-key secrets to the AccessKeyId.
func TestSealedValueBoundToRecord(t *testing.T) {
	ctx := t.Context()
	db, _ := openFresh(t)
	storetest.CheckSealed(t, db, func(t *testing.T) []byte { return dumpAll(t, db) })
	for _, tc := range []struct {
		name   string
		move   string
		get    func() error
		wantIn string
	}{
		{"tunnel PSK onto the connection",
			`UPDATE vpn_connections SET psk_sealed = (SELECT psk_sealed FROM vpn_tunnels WHERE position = 0 LIMIT 1) WHERE connection_id = 'vco-s'`,
			func() error {
				_, err := db.GetConnection(ctx, store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}, "vco-s")
				return err
			}, "vco-s"},
		{"slave PSK onto the master tunnel",
			`UPDATE vpn_tunnels SET psk_sealed = (SELECT psk_sealed FROM vpn_tunnels WHERE position = 1 LIMIT 1) WHERE position = 0`,
			func() error {
				_, err := db.GetConnection(ctx, store.Scope{AccountID: storetest.Account, RegionID: storetest.Region}, "vco-d")
				return err
			}, "tun-vco-d-1"},
		{"access-key secret onto another key",
			`INSERT INTO access_keys (access_key_id, account_id, user_name, status, secret_sealed, created_at)
			 SELECT 'LTAIcopied', account_id, user_name, status, secret_sealed, created_at FROM access_keys LIMIT 1`,
			func() error {
				_, err := db.GetAccessKey(ctx, "LTAIcopied")
				return err
			}, "LTAIcopied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.db.ExecContext(ctx, tc.move); err != nil {
				t.Fatal(err)
			}
			err := tc.get()
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("err = %v, want an open failure naming %s", err, tc.wantIn)
			}
		})
	}
}
