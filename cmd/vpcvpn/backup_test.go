package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/secret"
)

// TestBackupRestoreRoundTrip: a backup taken while the server serves and
// writes restores into a new data dir (same master key) where a new server
// answers the same downloads byte for byte (RequestId aside); the snapshot
// holds no secret in the clear; restore refuses to overwrite a store with
// data unless --force, and refuses a master key that does not fit.
func TestBackupRestoreRoundTrip(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	srv := crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir)
	c := crashtest.Client(t, srv.Addr)
	f := crashtest.NewFixture(t, c, 40)
	psks := []string{"backup-psk-single-0", "backup-psk-single-1", "backup-psk-master", "backup-psk-slave"}
	var ids []string
	for i := range 2 {
		id, err := f.CreateConnection(c, i, psks[i])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	gw := crashtest.DualGateway(t, c, "172.16.0.0/16")
	id, err := crashtest.CreateDualConnection(c, gw, f.CustomerGateways[2], f.CustomerGateways[3], psks[2], psks[3])
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, id)
	want := map[string][]byte{}
	for _, id := range ids {
		code, body, err := crashtest.Download(srv.Addr, id)
		if err != nil || code != 200 {
			t.Fatalf("download %s: %d %v %s", id, code, err, body)
		}
		want[id] = body
	}

	// Back up while a writer keeps creating connections.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var created atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 4; i < len(f.CustomerGateways) && ctx.Err() == nil; i++ {
			if _, err := f.CreateConnection(c, i, fmt.Sprintf("backup-psk-during-%d", i)); err == nil {
				created.Add(1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	snap := filepath.Join(t.TempDir(), "snapshot.db")
	p := crashtest.Run(t, bin, nil, "backup", "--data-dir", dir, "--to", snap)
	code := p.Wait(t, 60*time.Second)
	cancel()
	wg.Wait()
	if code != 0 || !strings.Contains(p.Stdout.String(), "backed up") {
		t.Fatalf("backup: exit %d\n%s\n%s", code, p.Stdout, p.Stderr)
	}
	if created.Load() == 0 {
		t.Fatal("no write during the backup")
	}
	if m := mode(t, snap); m != 0o600 {
		t.Fatalf("snapshot mode %o", m)
	}
	raw, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(psks, crashtest.RootAccessKeySecret, "backup-psk-during-") {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("snapshot holds %q in the clear", s)
		}
	}
	master, err := os.ReadFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, bytes.TrimSpace(master)) {
		t.Error("snapshot holds the master key")
	}
	// An existing file is not replaced without --force.
	p = crashtest.Run(t, bin, nil, "backup", "--data-dir", dir, "--to", snap)
	if code := p.Wait(t, 30*time.Second); code != 1 || !strings.Contains(p.Stderr.String(), "exists; choose another --to or add --force") {
		t.Fatalf("backup over an existing file: exit %d %s", code, p.Stderr)
	}

	// Restore into a new data dir with the same master key.
	dir2 := filepath.Join(t.TempDir(), "restored")
	if err := os.MkdirAll(dir2, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "master.key"), master, 0o600); err != nil {
		t.Fatal(err)
	}
	p = crashtest.Run(t, bin, nil, "restore", "--from", snap, "--data-dir", dir2)
	if code := p.Wait(t, 60*time.Second); code != 0 || !strings.Contains(p.Stdout.String(), "holds every key the restored secrets need") {
		t.Fatalf("restore: exit %d\n%s\n%s", code, p.Stdout, p.Stderr)
	}
	if m := mode(t, filepath.Join(dir2, "vpcvpn.db")); m != 0o600 {
		t.Fatalf("restored store mode %o", m)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("data dir after restore holds %v, want master.key and vpcvpn.db only", names)
	}
	srv2 := crashtest.StartServer(t, bin, nil, "--data-dir", dir2)
	if strings.Contains(srv2.Stdout.String(), "AccessKeySecret") {
		t.Fatal("the restored store was treated as new (root key created)")
	}
	for _, id := range ids {
		code, body, err := crashtest.Download(srv2.Addr, id)
		if err != nil || code != 200 || !bytes.Equal(body, want[id]) {
			t.Fatalf("download %s from the restored store: %d %v\n%s\nwant\n%s", id, code, err, body, want[id])
		}
	}
	// The writer's connections acknowledged before the backup began are
	// in it; the restored server lists a consistent set (each with its
	// PSK opening).
	list, err := crashtest.Client(t, srv2.Addr).DescribeVpnConnections(&vpc.DescribeVpnConnectionsRequest{RegionId: dara.String(crashtest.Region), PageSize: dara.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	n := int(dara.Int32Value(list.Body.TotalCount))
	if n < len(ids) || n > len(ids)+int(created.Load()) {
		t.Fatalf("restored store has %d connections, want between %d and %d", n, len(ids), len(ids)+int(created.Load()))
	}
	for _, vc := range list.Body.VpnConnections.VpnConnection {
		if code, body, err := crashtest.Download(srv2.Addr, dara.StringValue(vc.VpnConnectionId)); err != nil || code != 200 {
			t.Fatalf("download %s: %d %v %s", dara.StringValue(vc.VpnConnectionId), code, err, body)
		}
	}
	srv2.Stop(t)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"store with data", []string{"--from", snap, "--data-dir", dir2}, 1, "already holds a store with data; stop its servers and add --force"},
		{"wrong master key", []string{"--from", snap, "--data-dir", filepath.Join(t.TempDir(), "x"), "--master-key-file", writeKey(t)}, 1, "does not hold key"},
		{"not a backup", []string{"--from", filepath.Join(dir2, "master.key"), "--data-dir", filepath.Join(t.TempDir(), "y")}, 1, "is not a usable vpcvpn backup"},
		{"missing --from", []string{"--data-dir", dir2}, 2, "--from FILE is required"},
		{"postgres", []string{"--from", snap, "--database", "postgres://u@h/db"}, 2, "pg_dump"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := crashtest.Run(t, bin, nil, append([]string{"restore"}, tc.args...)...)
			if code := p.Wait(t, 30*time.Second); code != tc.code || !strings.Contains(p.Stderr.String(), tc.want) {
				t.Fatalf("exit %d (want %d)\n%s\nwant %q", code, tc.code, p.Stderr, tc.want)
			}
		})
	}

	// --force replaces the store and keeps the old one beside it.
	p = crashtest.Run(t, bin, nil, "restore", "--from", snap, "--data-dir", dir2, "--force")
	if code := p.Wait(t, 60*time.Second); code != 0 || !strings.Contains(p.Stdout.String(), "kept the replaced store as") {
		t.Fatalf("restore --force: exit %d\n%s\n%s", code, p.Stdout, p.Stderr)
	}
	aside, _ := filepath.Glob(filepath.Join(dir2, "vpcvpn.db.replaced-*"))
	if len(aside) == 0 {
		t.Fatal("replaced store not kept")
	}
	srv3 := crashtest.StartServer(t, bin, nil, "--data-dir", dir2)
	for _, id := range ids {
		if code, body, err := crashtest.Download(srv3.Addr, id); err != nil || code != 200 || !bytes.Equal(body, want[id]) {
			t.Fatalf("download %s after restore --force: %d %v %s", id, code, err, body)
		}
	}
}

func writeKey(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "other.key")
	k, _ := secret.GenerateKey()
	if err := secret.WriteKeyFile(p, k); err != nil {
		t.Fatal(err)
	}
	return p
}
