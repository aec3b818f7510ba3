package crashtest

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestMovedSecretFailsClosed copies sealed pre-shared keys between rows of
// the raw database of a stopped server: the restarted server answers the
// download of the altered record with an error (InternalError, the cause in
// its log), never with the other record's key, and keeps serving the others.
func TestMovedSecretFailsClosed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv := StartServer(t, bin, RootEnv(), "--data-dir", dir)
	c := Client(t, srv.Addr)
	f := NewFixture(t, c, 4)
	a, err := f.CreateConnection(c, 0, "moved-psk-A-1111")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.CreateConnection(c, 1, "moved-psk-B-2222")
	if err != nil {
		t.Fatal(err)
	}
	d, err := CreateDualConnection(c, DualGateway(t, c, "172.16.0.0/16"), f.CustomerGateways[2], f.CustomerGateways[3], "moved-psk-M-3333", "moved-psk-S-4444")
	if err != nil {
		t.Fatal(err)
	}
	_, wantA, _ := Download(srv.Addr, a)
	srv.Stop(t)

	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vpcvpn.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE vpn_connections SET psk_sealed = (SELECT psk_sealed FROM vpn_connections WHERE connection_id = '` + a + `') WHERE connection_id = '` + b + `'`,
		`UPDATE vpn_tunnels SET psk_sealed = (SELECT psk_sealed FROM vpn_tunnels WHERE connection_id = '` + d + `' AND position = 0) WHERE connection_id = '` + d + `' AND position = 1`,
	} {
		res, err := raw.Exec(stmt)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s changed %d rows", stmt, n)
		}
	}
	raw.Close()

	srv = StartServer(t, bin, RootEnv(), "--data-dir", dir)
	for _, tc := range []struct {
		name, id, otherPsk string
	}{
		{"connection PSK moved onto another connection", b, "moved-psk-A-1111"},
		{"master tunnel PSK moved onto the slave tunnel", d, "moved-psk-M-3333"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, err := Download(srv.Addr, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if code != 500 || !bytes.Contains(body, []byte(`"Code":"InternalError"`)) || bytes.Contains(body, []byte(tc.otherPsk)) {
				t.Fatalf("download of %s: %d %s", tc.id, code, body)
			}
		})
	}
	if code, body, err := Download(srv.Addr, a); err != nil || code != 200 || !bytes.Equal(body, wantA) {
		t.Fatalf("the untouched connection: %d %v %s", code, err, body)
	}
	srv.Stop(t)
	log := srv.Stderr.String()
	if !strings.Contains(log, "cannot open sealed value") || strings.Contains(log, "moved-psk-") {
		t.Fatalf("log lacks the cause or shows a key:\n%s", log)
	}
}
