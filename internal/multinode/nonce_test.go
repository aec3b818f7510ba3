package multinode

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// TestSameNonceBothNodesAtOnce sends one signed request to two nodes at the
// same moment, many times: exactly one of each pair is answered 200, the
// other SignatureNonceUsed. The claims go through each node's batches, which
// may hold other claims of the same moment.
func TestSameNonceBothNodesAtOnce(t *testing.T) {
	c := newCluster(t, "198.18.3.0/24")
	nodes := c.startReady(t, "a", "b")
	a, b := nodes[0], nodes[1]
	for round := range 40 {
		url := a.signedURL(t, "", "DescribeRegions")
		var got [2]response
		var ready, wg sync.WaitGroup
		start := make(chan struct{})
		for i, n := range []*node{a, b} {
			ready.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Done()
				<-start
				got[i] = n.get(t, url)
			}()
		}
		ready.Wait()
		close(start)
		wg.Wait()
		ok, used := 0, 0
		for _, r := range got {
			switch {
			case r.status == 200:
				ok++
			case r.status == 400 && errorCode(r.body) == "SignatureNonceUsed":
				used++
			}
		}
		if ok != 1 || used != 1 {
			t.Fatalf("round %d: a answered %d %s, b answered %d %s; want exactly one 200 and one SignatureNonceUsed",
				round, got[0].status, got[0].body, got[1].status, got[1].body)
		}
	}
}

// TestConcurrentClaimsTwoStores: goroutines on two stores of one database
// claim overlapping keys at once (so batches hold keys that other batches,
// and the same batch, also claim): every key is fresh exactly once.
func TestConcurrentClaimsTwoStores(t *testing.T) {
	ctx := t.Context()
	dsn := newDatabase(t)
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var stores [2]*postgres.DB
	for i := range stores {
		if stores[i], err = postgres.Open(ctx, dsn, keys); err != nil {
			t.Fatal(err)
		}
		defer stores[i].Close()
	}
	const n, workers = 600, 6
	var fresh [n]atomic.Int32
	exp := time.Now().Add(15 * time.Minute)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := stores[w%2]
			for i := range n {
				k := (i*7 + w*101) % n
				ok, err := s.UseNonce(ctx, fmt.Sprintf("LTAIkey\x00nonce-%d", k), exp)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					fresh[k].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for k := range fresh {
		if got := fresh[k].Load(); got != 1 {
			t.Fatalf("key %d fresh %d times, want exactly 1", k, got)
		}
	}
}

// TestNonceEpochAfterCrash: nonce claims are committed asynchronously, so a
// crash of PostgreSQL may lose the last claims. Simulated here: a request
// answered by node a loses its nonce row, and the UNLOGGED epoch table is
// emptied as crash recovery empties it. Replayed to either node, that
// request, and any other signed before the recovery, is refused with
// InvalidTimeStamp.Expired (never answered twice); requests signed after
// the next whole second are answered by both.
func TestNonceEpochAfterCrash(t *testing.T) {
	c := newCluster(t, "198.18.6.0/24")
	nodes := c.startReady(t, "a", "b")
	a, b := nodes[0], nodes[1]
	answered := a.signedURL(t, "", "DescribeRegions")
	unsent := b.signedURL(t, "", "DescribeRegions")
	if r := a.get(t, answered); r.status != 200 {
		t.Fatalf("first request: %d %s", r.status, r.body)
	}
	if r := b.get(t, answered); r.status != 400 || errorCode(r.body) != "SignatureNonceUsed" {
		t.Fatalf("replay before the crash: %d %s; want SignatureNonceUsed", r.status, r.body)
	}
	query(t, c.dsn, `DELETE FROM nonce_digests`)
	query(t, c.dsn, `TRUNCATE nonce_epoch`)
	for _, tc := range []struct {
		what string
		n    *node
		url  string
	}{{"the answered request replayed on b", b, answered}, {"the answered request replayed on a", a, answered}, {"a request signed before, sent to b", b, unsent}} {
		if r := tc.n.get(t, tc.url); r.status != 400 || errorCode(r.body) != "InvalidTimeStamp.Expired" ||
			!strings.Contains(string(r.body), "before the shared nonce store last restarted") {
			t.Fatalf("%s after the crash: %d %s; want 400 InvalidTimeStamp.Expired", tc.what, r.status, r.body)
		}
	}
	var epoch int64
	query(t, c.dsn, `SELECT started_at FROM nonce_epoch WHERE id = 1`, &epoch)
	time.Sleep(time.Until(time.Unix(0, epoch).Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
	for _, n := range []*node{a, b} {
		url := n.signedURL(t, "", "DescribeRegions")
		if r := n.get(t, url); r.status != 200 {
			t.Fatalf("a request signed after the recovery, on %s: %d %s", n.name, r.status, r.body)
		}
		if r := n.get(t, url); r.status != 400 || errorCode(r.body) != "SignatureNonceUsed" {
			t.Fatalf("its replay on %s: %d %s", n.name, r.status, r.body)
		}
	}
}

// TestClaimMetrics: a node on PostgreSQL exports its nonce-claim counters
// on /metrics: the claims of its signed requests, the batches they went in,
// and a replay's batch, claimed again with ON CONFLICT.
func TestClaimMetrics(t *testing.T) {
	c := newCluster(t, "198.18.5.0/24")
	n := c.startReady(t, "a")[0]
	before := n.claimMetrics(t)
	for range 5 {
		if r := n.call(t, "DescribeRegions"); r.status != 200 {
			t.Fatalf("DescribeRegions: %d %s", r.status, r.body)
		}
	}
	replay := n.signedURL(t, "", "DescribeRegions")
	if r := n.get(t, replay); r.status != 200 {
		t.Fatalf("first use: %d %s", r.status, r.body)
	}
	if r := n.get(t, replay); r.status != 400 || errorCode(r.body) != "SignatureNonceUsed" {
		t.Fatalf("replay: %d %s; want 400 SignatureNonceUsed", r.status, r.body)
	}
	after := n.claimMetrics(t)
	d := func(name string) float64 { return after[name] - before[name] }
	if got := d("vpcvpn_nonce_claims_total"); got != 7 {
		t.Errorf("claims counted for 7 signed requests: %v", got)
	}
	if got := d("vpcvpn_nonce_claim_batches_total"); got < 1 || got > 7 {
		t.Errorf("batches for 7 sequential claims: %v; want 1 to 7", got)
	}
	if got := d("vpcvpn_nonce_claim_batches_retried_total"); got != 1 {
		t.Errorf("batches claimed again after the replay: %v; want 1", got)
	}
	if got := d("vpcvpn_nonce_claim_batches_direct_total"); got != 0 {
		t.Errorf("batches sent with ON CONFLICT at once: %v; want 0 (none came after the replay)", got)
	}
}

// claimMetrics reads the node's vpcvpn_nonce_claim* counters from /metrics.
func (n *node) claimMetrics(t testing.TB) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + n.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, "vpcvpn_nonce_claim") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		m[name] = v
	}
	for _, name := range []string{"vpcvpn_nonce_claims_total", "vpcvpn_nonce_claim_batches_total", "vpcvpn_nonce_claim_batches_retried_total", "vpcvpn_nonce_claim_batches_direct_total"} {
		if _, ok := m[name]; !ok {
			t.Fatalf("/metrics has no %s:\n%s", name, b)
		}
	}
	return m
}
