package api_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
)

// hangingPost opens a connection and sends the head of a POST whose body
// of length bytes never comes (10 bytes of it do).
func hangingPost(t *testing.T, addr string, length int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nAction=Des", length)
	return c
}

// signedPost is a V1-signed POST of kv with a Pad parameter of pad bytes.
func signedPost(t *testing.T, env *apptest.Env, pad int, kv ...string) *http.Request {
	t.Helper()
	// Values are at most 32 KiB: pad in parameters of 30 KiB.
	for i := 0; pad > 0; i++ {
		n := min(pad, 30<<10)
		kv = append(kv, fmt.Sprintf("Pad%d", i), strings.Repeat("p", n))
		pad -= n
	}
	body := signV1("POST", kv...)
	r, _ := http.NewRequest(http.MethodPost, "http://"+env.Endpoint+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestBodiesBeforeInFlight: a body is read (and its size reserved in the
// body budget) before the request takes an in-flight slot, so slow bodies
// never take the slots signed requests need (issue #19: 4 100 one-byte
// bodies made signed requests answer 503); bodies beyond the budget answer
// ServiceUnavailable at once, and the reservation is returned when the
// request ends.
func TestBodiesBeforeInFlight(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Throttle: &throttle.Config{MaxInFlight: 2, BodyBytes: 1 << 20, BodyBytesPerAddress: 256 << 10}})
	bodies := env.App.Bodies
	// Three slow bodies, more than the in-flight limit.
	var hung []net.Conn
	for range 3 {
		hung = append(hung, hangingPost(t, env.Endpoint, 50<<10))
	}
	deadline := time.Now().Add(5 * time.Second)
	for bodies.Used() != 150<<10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := bodies.Used(); got != 150<<10 {
		t.Fatalf("budget holds %d bytes for three 50 KiB bodies", got)
	}
	// Signed requests still pass: the slow bodies hold no slot.
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+env.Endpoint+"/?"+signV1("GET", "Action", "DescribeRegions", "Version", vpcVersion), nil)
		if a := send(t, req); a.Status != 200 {
			t.Fatalf("signed GET while bodies hang: %d %s %s", a.Status, a.Code, a.Message)
		}
		if a := send(t, signedPost(t, env, 10, "Action", "DescribeRegions", "Version", vpcVersion)); a.Status != 200 {
			t.Fatalf("small signed POST while bodies hang: %d %s %s", a.Status, a.Code, a.Message)
		}
	}
	// A body that does not fit this address's share: 503 at once, and the
	// connection is closed (its body was not read).
	resp, err := http.DefaultClient.Do(signedPost(t, env, 120<<10, "Action", "DescribeRegions", "Version", vpcVersion))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := parseAnswer(resp.StatusCode, resp.Header.Get("Content-Type"), b)
	if a.Status != 503 || a.RequestID == "" || !strings.Contains(a.Message, "256 KiB per client address") {
		t.Fatalf("body over the budget: %d %s", a.Status, a.Body)
	}
	if a.Status != 503 || a.Code != "ServiceUnavailable" || !strings.Contains(a.Message, "request bodies") ||
		resp.Header.Get("Retry-After") != "1" || resp.Header.Get("x-acs-retry-after") != "1000" || !resp.Close {
		t.Fatalf("body over the budget: %d %s %q Retry-After %q close %v", a.Status, a.Code, a.Message, resp.Header.Get("Retry-After"), resp.Close)
	}
	// A body above MaxBodyBytes is refused before it is read.
	if a := send(t, signedPost(t, env, 1<<20, "Action", "DescribeRegions", "Version", vpcVersion)); a.Status != 413 || a.Code != "RequestEntityTooLarge" {
		t.Fatalf("1 MiB + body: %d %s", a.Status, a.Code)
	}
	// The hanging clients go away: their reservations are returned.
	for _, c := range hung {
		c.Close()
	}
	for bodies.Used() != 0 && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := bodies.Used(); got != 0 {
		t.Fatalf("budget holds %d bytes after the clients left", got)
	}
	if a := send(t, signedPost(t, env, 120<<10, "Action", "DescribeRegions", "Version", vpcVersion)); a.Status != 200 {
		t.Fatalf("120 KiB body once the budget is free: %d %s", a.Status, a.Code)
	}
}
