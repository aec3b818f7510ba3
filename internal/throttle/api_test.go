package throttle_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
)

var _ api.Limiter = (*throttle.Limiter)(nil)

// TestInFlightLimitAnswers503 fills the in-flight limit with requests held
// in a blocking handler; the next request is answered ServiceUnavailable
// (503) with the retry headers, and once one finishes another is admitted.
func TestInFlightLimitAnswers503(t *testing.T) {
	const limit = 3
	entered := make(chan struct{})
	release := make(chan struct{})
	block := func(ctx context.Context, c *api.Call) (any, error) {
		entered <- struct{}{}
		<-release
		return nil, nil
	}
	quick := func(ctx context.Context, c *api.Call) (any, error) { return nil, nil }
	l := throttle.New(throttle.Config{MaxInFlight: limit})
	srv := httptest.NewServer(api.NewServer(api.Config{
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limiter: l,
		Actions: []api.Action{
			{Version: "2016-04-28", Name: "Block", Handle: block, Anonymous: true},
			{Version: "2016-04-28", Name: "Quick", Handle: quick, Anonymous: true},
		},
	}))
	defer srv.Close()
	get := func(action string) *http.Response {
		resp, err := http.Get(srv.URL + "/?Version=2016-04-28&Action=" + action)
		if err != nil {
			t.Error(err)
			return nil
		}
		return resp
	}
	done := make(chan int, limit)
	for range limit {
		go func() {
			resp := get("Block")
			if resp == nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	for range limit {
		<-entered
	}
	if n := l.InFlight(); n != limit {
		t.Fatalf("InFlight = %d, want %d", n, limit)
	}

	resp := get("Quick")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503; body %s", resp.StatusCode, body)
	}
	var e struct{ Code, Message, RequestId string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if e.Code != "ServiceUnavailable" || e.Message != "The server is processing 3 requests, its limit; retry later." || e.RequestId == "" {
		t.Errorf("answer %+v", e)
	}
	for h, want := range map[string]string{"X-Acs-Retry-After": "1000", "Retry-After": "1", "X-Acs-Request-Id": e.RequestId} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}

	release <- struct{}{}
	if st := <-done; st != http.StatusOK {
		t.Errorf("blocked request finished with %d", st)
	}
	// The client may see the answer before the server's Leave runs.
	for l.InFlight() != limit-1 {
		runtime.Gosched()
	}
	resp = get("Quick")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after one left: status %d, want 200", resp.StatusCode)
	}
	close(release)
	for range limit - 1 {
		<-done
	}
	for l.InFlight() != 0 {
		runtime.Gosched() // returns once every handler has left
	}
}
