package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// TestOpenWaitsForNonceEpoch: on a new PostgreSQL database the first server
// writes the nonce epoch and refuses requests signed before its next whole
// second. Open returns only once that second has come, so a request signed
// the moment Open returns is answered (it was refused with
// InvalidTimeStamp.Expired by servers embedded without the server command's
// own wait, e.g. two nodes in one test process). The epoch is emptied
// before each later Open, as a crash recovery of PostgreSQL empties it.
func TestOpenWaitsForNonceEpoch(t *testing.T) {
	dsn := apptest.PostgresDSN(t, "vpcvpn_app_epoch")
	dir := t.TempDir() // one master key for both servers, as a deployment shares it
	const ak, sk = "LTAIepochRootKey000001", "epochRootSecret0123456789abcdef"
	for i, nonce := range []string{"epoch-nonce-1", "epoch-nonce-2", "epoch-nonce-3", "epoch-nonce-4"} {
		if i > 0 {
			// As PostgreSQL's crash recovery does (the table is
			// UNLOGGED): the next Open writes a new epoch, and its
			// floor is the next whole second, up to a second away.
			conn, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(context.Background(), "DELETE FROM nonce_epoch"); err != nil {
				t.Fatal(err)
			}
			conn.Close(context.Background())
		}
		a, err := app.Open(context.Background(), app.Options{DataDir: dir, Database: dsn, RootAccessKeyID: ak, RootAccessKeySecret: sk})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler)
		q := signature.V1Query(signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "DescribeRegions"}, {Name: "Version", Value: "2016-04-28"}},
			ak, sk, time.Now(), nonce))
		resp, err := http.Get(srv.URL + "/?" + q)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ Code string }
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != 200 {
			t.Fatalf("server %d: first request signed as Open returned: %d %s, want 200", i+1, resp.StatusCode, e.Code)
		}
		if time.Until(a.ReplayFloor) > 0 {
			t.Fatalf("server %d: Open returned before its ReplayFloor %v", i+1, a.ReplayFloor)
		}
		srv.Close()
		a.Close()
	}
}
