package throttle

import (
	"fmt"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/google/go-cmp/cmp"
)

// clock is a manual clock for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// TestBucketOf: each action class of the dispatch table is charged to its
// bucket (the classes themselves are the table's, tested in internal/api).
func TestBucketOf(t *testing.T) {
	for c, want := range map[action.Class]Class{
		action.Read: Read, action.List: Read, action.SecretRead: SecretRead, action.Write: Write, action.Unknown: Write,
	} {
		if got := BucketOf(c); got != want {
			t.Errorf("BucketOf(%v) = %v, want %v", c, got, want)
		}
	}
	if got := []string{Read.String(), Write.String(), SecretRead.String()}; !cmp.Equal(got, []string{"read", "write", "secret-read"}) {
		t.Errorf("class names %v", got)
	}
}

// TestBucketRefill drains a bucket and refills it with the injected clock:
// the exact Remaining, RetryAfter and Reset of every step.
func TestBucketRefill(t *testing.T) {
	clk := &clock{t0}
	l := New(Config{Read: Rate{PerSecond: 2, Burst: 3}, Now: clk.now})
	type step struct {
		advance time.Duration
		want    Decision
	}
	steps := []step{
		{0, Decision{Allowed: true, Limit: 3, Remaining: 2, Reset: t0.Add(500 * time.Millisecond)}},
		{0, Decision{Allowed: true, Limit: 3, Remaining: 1, Reset: t0.Add(time.Second)}},
		{0, Decision{Allowed: true, Limit: 3, Remaining: 0, Reset: t0.Add(1500 * time.Millisecond)}},
		{0, Decision{Allowed: false, Limit: 3, RetryAfter: 500 * time.Millisecond, Reset: t0.Add(1500 * time.Millisecond)}},
		// 200 ms later: 0.4 tokens, 300 ms to go.
		{200 * time.Millisecond, Decision{Allowed: false, Limit: 3, RetryAfter: 300 * time.Millisecond, Reset: t0.Add(1500 * time.Millisecond)}},
		// 300 ms more: exactly one token.
		{300 * time.Millisecond, Decision{Allowed: true, Limit: 3, Remaining: 0, Reset: t0.Add(2 * time.Second)}},
		// Ten seconds idle: full again, never more than the burst.
		{10 * time.Second, Decision{Allowed: true, Limit: 3, Remaining: 2, Reset: t0.Add(10*time.Second + time.Second)}},
	}
	for i, s := range steps {
		clk.advance(s.advance)
		got := l.Take("LTAIkey", Read)
		// Reset is relative to the step's time.
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Fatalf("step %d (-want +got):\n%s", i, diff)
		}
	}
}

// TestBucketsIndependent: classes and keys have separate buckets.
func TestBucketsIndependent(t *testing.T) {
	clk := &clock{t0}
	l := New(Config{Read: Rate{1, 1}, Write: Rate{1, 1}, SecretRead: Rate{1, 1}, Now: clk.now})
	for _, c := range []struct {
		key   string
		class Class
		want  bool
	}{
		{"A", Read, true}, {"A", Read, false},
		{"A", Write, true}, {"A", Write, false},
		{"A", SecretRead, true}, {"A", SecretRead, false},
		{"B", Read, true}, {"B", SecretRead, true},
	} {
		if got := l.Take(c.key, c.class).Allowed; got != c.want {
			t.Errorf("Take(%s, %v) allowed = %v, want %v", c.key, c.class, got, c.want)
		}
	}
}

func TestDisabledClass(t *testing.T) {
	l := New(Config{Write: Rate{PerSecond: 1, Burst: 1}})
	for i := range 1000 {
		if d := l.Take("k", Read); d != (Decision{Allowed: true}) {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	if l.Buckets() != 0 {
		t.Errorf("a disabled class keeps %d buckets", l.Buckets())
	}
}

// TestAllowWire: the Throttling.User error's code, status, message and the
// exact headers the SDKs read.
func TestAllowWire(t *testing.T) {
	clk := &clock{t0}
	l := New(Config{SecretRead: Rate{PerSecond: 4, Burst: 2}, Now: clk.now})
	for i := range 2 {
		if e := l.Allow("LTAIabc", "", action.SecretRead); e != nil {
			t.Fatalf("request %d refused: %v", i, e)
		}
	}
	clk.advance(100 * time.Millisecond) // 0.4 tokens: 150 ms to go
	e := l.Allow("LTAIabc", "", action.SecretRead)
	if e == nil {
		t.Fatal("third request allowed")
	}
	if e.Code != "Throttling.User" || e.Status != http.StatusBadRequest {
		t.Errorf("got %s %d, want Throttling.User 400", e.Code, e.Status)
	}
	wantMsg := "Request was denied due to user flow control: AccessKey LTAIabc exceeded 4 secret-read requests per second (burst 2). Retry after 150 ms."
	if e.Message != wantMsg {
		t.Errorf("message %q, want %q", e.Message, wantMsg)
	}
	reset := t0.Add(100*time.Millisecond + 400*time.Millisecond).UnixMilli() // 1.6 tokens missing at 4/s
	want := map[string]string{
		"x-ratelimit-user":  "Limit:2,Remain:0,TimeLeft:150,Reset:" + itoa(reset),
		"x-acs-retry-after": "150",
		"Retry-After":       "1",
	}
	if diff := cmp.Diff(want, e.Headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	// Other classes of the same key are not affected.
	if e := l.Allow("LTAIabc", "", action.Read); e != nil {
		t.Errorf("read refused: %v", e)
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestInFlight(t *testing.T) {
	l := New(Config{MaxInFlight: 2})
	if e := l.Enter(); e != nil {
		t.Fatal(e)
	}
	if e := l.Enter(); e != nil {
		t.Fatal(e)
	}
	e := l.Enter()
	if e == nil {
		t.Fatal("third Enter admitted")
	}
	if e.Code != "ServiceUnavailable" || e.Status != http.StatusServiceUnavailable {
		t.Errorf("got %s %d", e.Code, e.Status)
	}
	if diff := cmp.Diff(map[string]string{"x-acs-retry-after": "1000", "Retry-After": "1"}, e.Headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if l.InFlight() != 2 {
		t.Errorf("InFlight = %d after a refusal, want 2", l.InFlight())
	}
	l.Leave()
	if e := l.Enter(); e != nil {
		t.Errorf("Enter after Leave: %v", e)
	}
	unlimited := New(Config{})
	for range 10000 {
		if e := unlimited.Enter(); e != nil {
			t.Fatal(e)
		}
	}
}

// TestSweep: past MaxKeys, full buckets are dropped; drained ones are kept
// (dropping them would hand out a fresh burst).
func TestSweep(t *testing.T) {
	clk := &clock{t0}
	l := New(Config{Read: Rate{PerSecond: 1, Burst: 1}, MaxKeys: numShards, Now: clk.now}) // one bucket per shard
	keys := make([]string, 0, 500)
	for i := range 500 {
		keys = append(keys, "key"+itoa(int64(i)))
	}
	for _, k := range keys {
		l.Take(k, Read)
	}
	drained := l.Buckets()
	if drained != 500 {
		t.Fatalf("%d buckets, want 500 (all drained, none may be dropped)", drained)
	}
	for _, k := range keys {
		if l.Take(k, Read).Allowed {
			t.Fatalf("%s got a fresh burst", k)
		}
	}
	clk.advance(time.Hour) // all full again
	l.Take("newcomer", Read)
	if got := l.Buckets(); got >= 500 {
		t.Errorf("sweep dropped nothing: %d buckets", got)
	}
}

func TestConcurrentTake(t *testing.T) {
	clk := &clock{t0}
	l := New(Config{Write: Rate{PerSecond: 1, Burst: 100}, Now: clk.now})
	done := make(chan int)
	for range 8 {
		go func() {
			n := 0
			for range 50 {
				if l.Take("shared", Write).Allowed {
					n++
				}
			}
			done <- n
		}()
	}
	total := 0
	for range 8 {
		total += <-done
	}
	if total != 100 {
		t.Errorf("%d of 400 concurrent requests allowed, want exactly the burst 100", total)
	}
}

// TestRateLimitHeaderParsedBySDK: the V2 SDK's own parser reads TimeLeft
// from the x-ratelimit-user header we send.
func TestRateLimitHeaderParsedBySDK(t *testing.T) {
	clk := &clock{t0}
	l := New(Config{Write: Rate{PerSecond: 1, Burst: 1}, Now: clk.now})
	l.Allow("k", "", action.Write)
	e := l.Allow("k", "", action.Write)
	if e == nil {
		t.Fatal("not throttled")
	}
	v := e.Headers["x-ratelimit-user"]
	got := openapiutil.GetThrottlingTimeLeft(map[string]*string{"x-ratelimit-user": &v})
	if got == nil || *got != 1000 {
		t.Errorf("SDK reads TimeLeft %v from %q, want 1000", got, v)
	}
}

func TestBodyBudget(t *testing.T) {
	b := NewBodyBudget(100, 40)
	a1, a2 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	v6a, v6b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	steps := []struct {
		reserve bool
		addr    netip.Addr
		n       int64
		ok      bool
		used    int64
	}{
		{true, a1, 30, true, 30},
		{true, a1, 11, false, 30}, // a1's share is 40
		{true, a1, 10, true, 40},
		{true, a2, 40, true, 80},
		{true, v6a, 21, false, 80}, // the whole budget is 100
		{true, v6a, 20, true, 100},
		{false, a2, 40, true, 60},
		{true, v6b, 21, false, 60}, // the same /64 as v6a: 20 + 21 > 40
		{true, v6b, 20, true, 80},
		{true, netip.MustParseAddr("::ffff:192.0.2.1"), 1, false, 80}, // a1, mapped: full
		{false, a1, 40, true, 40},
		{false, v6a, 20, true, 20},
		{false, v6b, 20, true, 0},
	}
	for i, s := range steps {
		if s.reserve {
			if got := b.Reserve(s.addr, s.n); got != s.ok {
				t.Fatalf("step %d: Reserve(%v, %d) = %v", i, s.addr, s.n, got)
			}
		} else {
			b.Release(s.addr, s.n)
		}
		if got := b.Used(); got != s.used {
			t.Fatalf("step %d: Used %d, want %d", i, got, s.used)
		}
	}
	if len(b.byAddr) != 0 {
		t.Fatalf("per-address entries left: %v", b.byAddr)
	}
	var none *BodyBudget
	if !none.Nil() || !none.Reserve(a1, 1<<40) || none.Used() != 0 {
		t.Fatal("a nil budget must bound nothing")
	}
}

// TestPrincipalBuckets: the sessions of one role (each with its own
// AccessKeyId) share the role's bucket; a request refused by it gives its
// AccessKey's token back; other principals are not charged.
func TestPrincipalBuckets(t *testing.T) {
	l := New(Config{Read: Rate{PerSecond: 0.001, Burst: 3}, Now: func() time.Time { return time.Unix(1e9, 0) }})
	role := "acs:ram::1:role/ops"
	for i := range 3 {
		if e := l.Allow(fmt.Sprintf("STS.key%d", i), role, action.List); e != nil {
			t.Fatalf("session %d: %v", i, e)
		}
	}
	e := l.Allow("STS.key3", role, action.List)
	if e == nil || e.Code != "Throttling.User" || !strings.Contains(e.Message, role) {
		t.Fatalf("4th session of the role: %v", e)
	}
	// STS.key3's own bucket got its token back: 3 left.
	if d := l.Take("STS.key3", Read); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("refunded key: %+v", d)
	}
	if e := l.Allow("STS.other", "acs:ram::1:role/dev", action.List); e != nil {
		t.Fatalf("another role: %v", e)
	}
}

// BenchmarkAllow is the per-request cost of the rate limits: the AccessKey's
// bucket alone, and with the identity's.
func BenchmarkAllow(b *testing.B) {
	l := New(Config{Read: Rate{PerSecond: 1e9, Burst: 1 << 30}})
	for _, principal := range []string{"", "acs:ram::1234567890123456:user/alice"} {
		b.Run(fmt.Sprintf("principal=%v", principal != ""), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if e := l.Allow("LTAIbenchmarkKey0001", principal, action.List); e != nil {
					b.Fatal(e)
				}
			}
		})
	}
}
