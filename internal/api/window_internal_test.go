package api

import (
	"context"
	"encoding/json"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/nonce"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// fakeClock is a settable clock for the Authenticator and the nonce store.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// countingCreds is staticCreds counting the resolutions.
type countingCreds struct{ n atomic.Int32 }

func (c *countingCreds) Resolve(ctx context.Context, ak, token string) (iam.Principal, string, error) {
	c.n.Add(1)
	return staticCreds{}.Resolve(ctx, ak, token)
}

func signedServer(t *testing.T, clock *fakeClock, creds Credentials) (*Authenticator, *httptest.Server) {
	t.Helper()
	auth := NewAuthenticator(creds, nonce.New(nonce.Options{Window: NonceLifetime, Now: clock.Now}))
	auth.Now = clock.Now
	srv := NewServer(Config{
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:    auth,
		Actions: []Action{{Version: "2016-04-28", Name: "Ping", Meta: action.Meta{RAM: "vpc:Ping", Class: action.Read}, Handle: func(context.Context, *Call) (any, error) { return nil, nil }}},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return auth, ts
}

func ping(t *testing.T, ts *httptest.Server, signed time.Time, n string) (int, string) {
	t.Helper()
	q := signature.V1Query(signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "Ping"}, {Name: "Version", Value: "2016-04-28"}}, "ak", "secret", signed, n))
	resp, err := http.Get(ts.URL + "/?" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Code
}

// TestTimestampWindowEdges: a request signed exactly Window ahead of or
// behind the server's clock is answered (its nonce kept for
// NonceLifetime), one second further is refused; a replay at the edge is
// refused.
func TestTimestampWindowEdges(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	_, ts := signedServer(t, clock, staticCreds{})
	for i, tc := range []struct {
		name   string
		offset time.Duration
		status int
		code   string
	}{
		{"ahead at the edge", Window, 200, ""},
		{"behind at the edge", -Window, 200, ""},
		{"ahead past the edge", Window + time.Second, 400, "InvalidTimeStamp.Expired"},
		{"behind past the edge", -Window - time.Second, 400, "InvalidTimeStamp.Expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code := ping(t, ts, clock.Now().Add(tc.offset), "edge"+string(rune('a'+i)))
			if status != tc.status || code != tc.code {
				t.Fatalf("%d %q, want %d %q", status, code, tc.status, tc.code)
			}
		})
	}
	// The nonce of the request signed Window ahead is still known when
	// that timestamp has become Window old.
	signed := clock.Now().Add(Window)
	clock.Add(2*Window - time.Second)
	if status, code := ping(t, ts, signed, "edgea"); status != 400 || code != "SignatureNonceUsed" {
		t.Fatalf("replay at the far edge: %d %q, want 400 SignatureNonceUsed", status, code)
	}
}

// TestCredentialCacheUsesClock: cached credentials expire by the
// Authenticator's clock, not the wall clock.
func TestCredentialCacheUsesClock(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	creds := &countingCreds{}
	auth, ts := signedServer(t, clock, creds)
	auth.CacheCredentials(10, time.Minute)
	for i, want := range []int32{1, 1} {
		if status, code := ping(t, ts, clock.Now(), "c"+string(rune('a'+i))); status != 200 {
			t.Fatalf("request %d: %d %s", i, status, code)
		}
		if got := creds.n.Load(); got != want {
			t.Fatalf("request %d: %d resolutions, want %d", i, got, want)
		}
	}
	clock.Add(2 * time.Minute)
	if status, code := ping(t, ts, clock.Now(), "cz"); status != 200 {
		t.Fatalf("after the TTL: %d %s", status, code)
	}
	if got := creds.n.Load(); got != 2 {
		t.Fatalf("%d resolutions after the TTL passed on the Authenticator's clock, want 2", got)
	}
}

// TestNewServerNeedsAuth: a signed action without Config.Auth is refused
// when the server is built, not at its first request.
func TestNewServerNeedsAuth(t *testing.T) {
	defer func() {
		v := recover()
		if s, _ := v.(string); !strings.Contains(s, "Config.Auth is nil") {
			t.Fatalf("NewServer without Auth: recovered %v, want a Config.Auth panic", v)
		}
	}()
	NewServer(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Actions: []Action{{Version: "2016-04-28", Name: "Ping", Meta: action.Meta{RAM: "vpc:Ping", Class: action.Read}, Handle: func(context.Context, *Call) (any, error) { return nil, nil }}}})
}

// TestWindowsDerived: the API's signature window, the nonce lifetime it
// needs and the memory nonce store's default are one value and its double
// (they were three literals that agreed by coincidence).
func TestWindowsDerived(t *testing.T) {
	if Window != signature.Window || NonceLifetime != 2*signature.Window || nonce.DefaultWindow != NonceLifetime {
		t.Fatalf("Window %v, NonceLifetime %v, nonce.DefaultWindow %v; want %v, %v, %v",
			Window, NonceLifetime, nonce.DefaultWindow, signature.Window, 2*signature.Window, 2*signature.Window)
	}
}
