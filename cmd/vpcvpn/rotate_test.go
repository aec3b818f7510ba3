package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/jackc/pgx/v5"

	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
	"github.com/vpcvpn/vpcvpn/internal/store/sqlite"
)

// rotationStore is what the rotation test reads the database through.
type rotationStore interface {
	store.Resealer
	Close() error
}

// keyIDsOf returns the ids of the keys in a keyring file, primary first.
func keyIDsOf(t *testing.T, path string) []uint32 {
	t.Helper()
	p, older, err := secret.ReadKeyringFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := []uint32{secret.KeyID(p)}
	for _, k := range older {
		ids = append(ids, secret.KeyID(k))
	}
	return ids
}

// rotationWorld is a store with connections served by one or more servers.
type rotationWorld struct {
	servers  []*crashtest.Proc
	keyFile  string
	args     []string // rotate-master-key flags selecting the database and key file
	open     func(t *testing.T) rotationStore
	ids      []string // connections whose download must not change
	live     string   // connection whose PSK the writer keeps changing
	baseline map[string][]byte
	secrets  int // sealed values in the store
}

func (w *rotationWorld) addr(i int) string { return w.servers[i%len(w.servers)].Addr }

// populate creates six single-tunnel connections (one of them the writer's)
// and a dual-tunnel one, and records the downloads.
func (w *rotationWorld) populate(t *testing.T) {
	c := crashtest.Client(t, w.addr(0))
	f := crashtest.NewFixture(t, c, 8)
	for i := range 6 {
		id, err := f.CreateConnection(c, i, fmt.Sprintf("rotation-psk-%d", i))
		if err != nil {
			t.Fatalf("CreateVpnConnection: %v", err)
		}
		if i == 0 {
			w.live = id
		} else {
			w.ids = append(w.ids, id)
		}
	}
	gw := crashtest.DualGateway(t, c, "172.16.0.0/16")
	id, err := crashtest.CreateDualConnection(c, gw, f.CustomerGateways[6], f.CustomerGateways[7], "rotation-master", "rotation-slave")
	if err != nil {
		t.Fatalf("CreateVpnConnection dual: %v", err)
	}
	w.ids = append(w.ids, id)
	w.secrets = 1 + 6 + 2 // root AccessKey secret, six connection PSKs, two tunnel PSKs
	w.baseline = map[string][]byte{}
	for _, id := range w.ids {
		code, body, err := crashtest.Download(w.addr(0), id)
		if err != nil || code != 200 || !bytes.Contains(body, []byte("rotation-")) {
			t.Fatalf("download %s: %d %v %s", id, code, err, body)
		}
		w.baseline[id] = body
	}
}

// checkDownloads compares every download with the baseline on every server.
func (w *rotationWorld) checkDownloads(t *testing.T, when string) {
	t.Helper()
	for i := range w.servers {
		for _, id := range w.ids {
			code, body, err := crashtest.Download(w.addr(i), id)
			if err != nil || code != 200 || !bytes.Equal(body, w.baseline[id]) {
				t.Fatalf("%s: download %s from server %d: %d %v\n%s\nwant\n%s", when, id, i, code, err, body, w.baseline[id])
			}
		}
	}
}

// rotateWhileServing runs rotate-master-key once per step (each step its
// extra flags) while readers download from every server and a writer changes
// a PSK, and checks that no request failed, the writer's last acknowledged
// PSK is served, and every secret is sealed under the file's new primary key.
func (w *rotationWorld) rotateWhileServing(t *testing.T, bin string, steps ...[]string) {
	t.Helper()
	before := keyIDsOf(t, w.keyFile)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var downloads, writes atomic.Int64
	var failMu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		failMu.Lock()
		defer failMu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	// Two paced readers: well under the per-key throttle of secret reads.
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := r; ctx.Err() == nil; n++ {
				id := w.ids[n%len(w.ids)]
				code, body, err := crashtest.Download(w.addr(n), id)
				if err != nil || code != 200 || !bytes.Equal(body, w.baseline[id]) {
					fail("download %s: %d %v %s", id, code, err, body)
					continue
				}
				downloads.Add(1)
				time.Sleep(15 * time.Millisecond)
			}
		}()
	}
	var lastPsk string
	clients := make([]*vpc.Client, len(w.servers))
	for i := range clients {
		clients[i] = crashtest.Client(t, w.addr(i))
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ctx.Err() == nil; n++ {
			c := clients[n%len(clients)]
			psk := fmt.Sprintf("rotation-live-%d", n)
			if err := crashtest.ModifyPsk(c, w.live, fmt.Sprintf("live-%d", n), psk); err != nil {
				fail("modify: %v", err)
				continue
			}
			lastPsk = psk
			writes.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()

	time.Sleep(300 * time.Millisecond)
	var out string
	for _, step := range steps {
		args := append(append([]string{"rotate-master-key", "--settle", "1500ms", "--batch", "3"}, w.args...), step...)
		p := crashtest.Run(t, bin, nil, args...)
		code := p.Wait(t, 90*time.Second)
		out += p.Stdout.String()
		if code != 0 {
			cancel()
			wg.Wait()
			t.Fatalf("rotate-master-key %q: exit %d\nstdout:\n%s\nstderr:\n%s", step, code, out, p.Stderr)
		}
		time.Sleep(300 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if !strings.Contains(out, "rotation complete") {
		t.Fatalf("rotate-master-key did not complete:\n%s", out)
	}
	t.Logf("rotate-master-key:\n%s(%d downloads and %d PSK changes during the rotation)", out, downloads.Load(), writes.Load())
	if len(failures) > 0 {
		t.Fatalf("requests failed during the rotation:\n%s", strings.Join(failures, "\n"))
	}
	if downloads.Load() == 0 || writes.Load() == 0 {
		t.Fatalf("no traffic during the rotation: %d downloads, %d writes", downloads.Load(), writes.Load())
	}
	wantOut := []string{"BACK UP", "waiting", "pass 1:"}
	if len(steps) > 1 {
		wantOut = []string{"BACK UP", "prepare done", "pass 1:"}
	}
	for _, s := range wantOut {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}

	after := keyIDsOf(t, w.keyFile)
	if after[0] == before[0] {
		t.Fatalf("primary key unchanged: %08x", after)
	}
	db := w.open(t)
	defer db.Close()
	counts, err := db.SealedKeyCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[uint32]int{after[0]: w.secrets}; !maps.Equal(counts, want) {
		t.Fatalf("sealed values by key = %v, want all %d under the new key %08x (old keys %08x)", counts, w.secrets, after[0], before)
	}
	w.checkDownloads(t, "after rotation")
	code, body, err := crashtest.Download(w.addr(0), w.live)
	if err != nil || code != 200 || !bytes.Contains(body, []byte(`"Psk":"`+lastPsk+`"`)) {
		t.Fatalf("live connection after rotation: %d %v %s (want PSK %s)", code, err, body, lastPsk)
	}
}

// TestRotateMasterKeySQLite rotates twice under a running SQLite server:
// requests keep working, afterwards every secret is under the new key, a
// restarted server reads the rotated keyring, and --retire-old-keys leaves
// one key in the file.
func TestRotateMasterKeySQLite(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	srv := crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir)
	w := &rotationWorld{servers: []*crashtest.Proc{srv}, keyFile: filepath.Join(dir, "master.key"), args: []string{"--data-dir", dir}}
	w.open = func(t *testing.T) rotationStore {
		keys, err := secret.LoadKeyringFile(w.keyFile)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.Open(t.Context(), filepath.Join(dir, "vpcvpn.db"), keys)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	// The generated master key: mode 0600 and a loud note to back it up.
	if m := mode(t, w.keyFile); m != 0o600 {
		t.Fatalf("master.key mode %o", m)
	}
	if !strings.Contains(srv.Stderr.String(), "generated a new master key: BACK IT UP") {
		t.Fatalf("no back-up note in the log:\n%s", srv.Stderr)
	}
	w.populate(t)
	first := keyIDsOf(t, w.keyFile)

	w.rotateWhileServing(t, bin, nil)
	if got := keyIDsOf(t, w.keyFile); len(got) != 2 || got[1] != first[0] {
		t.Fatalf("key file after the first rotation holds %08x, want new primary + %08x", got, first[0])
	}
	if m := mode(t, w.keyFile); m != 0o600 {
		t.Fatalf("master.key mode after rotation %o", m)
	}

	// A restarted server opens everything with the rotated keyring.
	srv.Stop(t)
	w.servers[0] = crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir)
	w.checkDownloads(t, "after restart")

	// Second rotation, retiring the older keys.
	w.rotateWhileServing(t, bin, []string{"--retire-old-keys"})
	if got := keyIDsOf(t, w.keyFile); len(got) != 1 {
		t.Fatalf("key file after --retire-old-keys holds %08x", got)
	}
	w.servers[0].Stop(t)
	w.servers[0] = crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir)
	w.checkDownloads(t, "after retiring and restart")
}

// TestRotateMasterKeyPostgres rotates under two servers sharing one
// PostgreSQL database and one key file, in two steps (--prepare-only, then
// --reseal-only) as documented for several servers.
func TestRotateMasterKeyPostgres(t *testing.T) {
	bin := buildBinary(t)
	dsn := newPostgresDatabase(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	key, _ := secret.GenerateKey()
	if err := secret.WriteKeyFile(keyFile, key); err != nil {
		t.Fatal(err)
	}
	args := []string{"--database", dsn, "--master-key-file", keyFile}
	var servers []*crashtest.Proc
	for i := range 2 {
		servers = append(servers, crashtest.StartServer(t, bin, crashtest.RootEnv(), append([]string{"--data-dir", filepath.Join(dir, fmt.Sprintf("node%d", i))}, args...)...))
	}
	w := &rotationWorld{servers: servers, keyFile: keyFile, args: args}
	w.open = func(t *testing.T) rotationStore {
		keys, err := secret.LoadKeyringFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		db, err := postgres.Open(t.Context(), dsn, keys)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	w.populate(t)
	// The several-servers procedure: prepare, (the servers share the file),
	// reseal.
	w.rotateWhileServing(t, bin, []string{"--prepare-only"}, []string{"--reseal-only"})
	w.checkDownloads(t, "after rotation")
}

// TestRotateMasterKeyRefuses: a key file that does not hold the store's keys
// and contradictory flags stop the command before anything changes.
func TestRotateMasterKeyRefuses(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	srv := crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir)
	srv.Stop(t)
	wrong := filepath.Join(t.TempDir(), "wrong.key")
	key, _ := secret.GenerateKey()
	if err := secret.WriteKeyFile(wrong, key); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(wrong)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"wrong key file", []string{"--data-dir", dir, "--master-key-file", wrong}, 1, "which " + wrong + " does not hold (wrong key file?); nothing changed"},
		{"missing key file", []string{"--data-dir", dir, "--master-key-file", wrong + ".nope"}, 1, "rotate-master-key works on the key file the servers use"},
		{"no database", []string{"--data-dir", filepath.Join(t.TempDir(), "empty"), "--master-key-file", wrong}, 1, "no database at"},
		{"both phases excluded", []string{"--data-dir", dir, "--prepare-only", "--reseal-only"}, 2, "--prepare-only and --reseal-only exclude each other"},
		{"retire without reseal", []string{"--data-dir", dir, "--prepare-only", "--retire-old-keys"}, 2, "--retire-old-keys needs the re-seal step"},
		{"bad batch", []string{"--data-dir", dir, "--batch", "0"}, 2, "--batch and --max-passes must be at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := crashtest.Run(t, bin, nil, append([]string{"rotate-master-key"}, tc.args...)...)
			if code := p.Wait(t, 30*time.Second); code != tc.code || !strings.Contains(p.Stderr.String(), tc.want) {
				t.Fatalf("exit %d (want %d)\nstderr: %s\nwant %q", code, tc.code, p.Stderr, tc.want)
			}
		})
	}
	if after, _ := os.ReadFile(wrong); !bytes.Equal(before, after) {
		t.Fatal("the refused rotation changed the key file")
	}
}

// newPostgresDatabase creates an empty database on the test PostgreSQL
// server (VPCVPN_TEST_POSTGRES, default postgres@127.0.0.1:5432) and drops
// it when the test ends. An unreachable server fails the test.
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("VPCVPN_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL not reachable at %s (set VPCVPN_TEST_POSTGRES or start it): %v", base, err)
	}
	defer admin.Close(ctx)
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	name := fmt.Sprintf("vpcvpn_cmd_%d_%s", os.Getpid(), hex.EncodeToString(suffix[:]))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestServerKeyringFile: the server reads the master key file as a keyring
// (a store sealed under an older key of the file opens) and stops at start,
// naming the line, when the file does not parse.
func TestServerKeyringFile(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	srv := crashtest.StartServer(t, bin, crashtest.RootEnv(), "--data-dir", dir)
	srv.Stop(t)
	keyFile := filepath.Join(dir, "master.key")
	old, _, err := secret.ReadKeyringFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content string
		code    int // -1: starts and serves
		want    string
	}{
		{"older key opens the store", strings.Repeat("ab", 32) + "\n# older:\n" + hex.EncodeToString(old) + "\n", -1, ""},
		{"bad line", hex.EncodeToString(old) + "\nnot-a-key\n", 1, "line 2 must hold 64 hex characters"},
		{"no key", "# empty\n", 1, "no key in the file"},
		{"only a foreign key", strings.Repeat("cd", 32) + "\n", 1, "master key does not open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(keyFile, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.code < 0 {
				srv := crashtest.StartServer(t, bin, nil, "--data-dir", dir)
				if code, body, err := crashtest.Call(srv.Addr, crashtest.RootAccessKeyID, crashtest.RootAccessKeySecret, "DescribeRegions"); err != nil || code != 200 {
					t.Fatalf("DescribeRegions: %d %v %s", code, err, body)
				}
				srv.Stop(t)
				return
			}
			p := crashtest.Run(t, bin, nil, "server", "--data-dir", dir, "--listen", crashtest.FreeAddr(t))
			if code := p.Wait(t, 30*time.Second); code != tc.code || !strings.Contains(p.Stderr.String(), tc.want) {
				t.Fatalf("exit %d (want %d)\n%s\nwant %q", code, tc.code, p.Stderr, tc.want)
			}
		})
	}
}
