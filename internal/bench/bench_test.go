package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	thousand := make([]time.Duration, 1000)
	for i := range thousand {
		thousand[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample p50", []time.Duration{ms(7)}, 0.5, ms(7)},
		{"one sample p99.9", []time.Duration{ms(7)}, 0.999, ms(7)},
		{"two samples p50 is the lower", []time.Duration{ms(1), ms(2)}, 0.5, ms(1)},
		{"two samples p51 is the upper", []time.Duration{ms(1), ms(2)}, 0.51, ms(2)},
		{"hundred p50", hundred, 0.50, ms(50)},
		{"hundred p90", hundred, 0.90, ms(90)},
		{"hundred p99", hundred, 0.99, ms(99)},
		{"hundred p99.9 rounds up to the max", hundred, 0.999, ms(100)},
		{"thousand p99.9", thousand, 0.999, ms(999)},
		{"thousand p10", thousand, 0.10, ms(100)},
		{"q 0 is the minimum", hundred, 0, ms(1)},
		{"q 1 is the maximum", hundred, 1, ms(100)},
		{"q above 1 is the maximum", hundred, 1.5, ms(100)},
		{"three samples p50", []time.Duration{ms(1), ms(2), ms(3)}, 0.5, ms(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percentile(tc.sorted, tc.q); got != tc.want {
				t.Errorf("Percentile(q=%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    Latency
	}{
		{"empty", nil, Latency{}},
		{"unsorted ten", []time.Duration{ms(10), ms(3), ms(1), ms(7), ms(2), ms(9), ms(4), ms(8), ms(6), ms(5)},
			Latency{Count: 10, P50: ms(5), P90: ms(9), P99: ms(10), P999: ms(10), Max: ms(10), Mean: 5500 * time.Microsecond}},
		{"all equal", []time.Duration{ms(3), ms(3), ms(3)},
			Latency{Count: 3, P50: ms(3), P90: ms(3), P99: ms(3), P999: ms(3), Max: ms(3), Mean: ms(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summarize(tc.samples); got != tc.want {
				t.Errorf("Summarize = %+v, want %+v", got, tc.want)
			}
		})
	}
	if got, want := (Latency{P50: 1500 * time.Microsecond, P90: ms(2), P99: ms(3), P999: ms(4), Max: ms(5)}).String(),
		"p50 1500us  p90 2000us  p99 3000us  p99.9 4000us  max 5000us"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestReadAll(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000) // 10 000 bytes
	tests := []struct {
		name    string
		r       io.Reader
		bufLen  int
		wantN   int
		wantBuf string
	}{
		{"fits", bytes.NewReader(body[:100]), 256, 100, string(body[:100])},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(body[:300])), 256, 300, string(body[:256])},
		{"longer than the buffer", bytes.NewReader(body), 64, 10000, string(body[:64])},
		{"empty", bytes.NewReader(nil), 16, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, tc.bufLen)
			n, err := readAll(tc.r, buf)
			if err != nil || n != tc.wantN {
				t.Fatalf("readAll = %d, %v; want %d, nil", n, err, tc.wantN)
			}
			if got := string(buf[:min(n, tc.bufLen)]); got != tc.wantBuf {
				t.Errorf("buffer holds %q, want %q", clip(got, 20), clip(tc.wantBuf, 20))
			}
		})
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), make([]byte, 8)); err != io.ErrUnexpectedEOF {
		t.Errorf("readAll of a failing reader: err %v, want %v", err, io.ErrUnexpectedEOF)
	}
}

// answerFixture is a download answer as a server would send it.
func answerFixture() Answer {
	h := http.Header{}
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("X-Acs-Request-Id", "0C68048B-0F70-40DA-B8AE-1B79B5CF62E3")
	return Answer{Status: 200, Header: h, Body: []byte(`{"RequestId":"0C68048B-0F70-40DA-B8AE-1B79B5CF62E3","VpnConnectionConfig":{"Local":"198.51.100.7"}}`)}
}

func TestBaselineAnswersTheExactBytes(t *testing.T) {
	a := answerFixture()
	b, err := StartBaseline("127.0.0.1:0", a)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	client := NewClient(2)
	for _, tc := range []struct{ name, method, target string }{
		{"signed GET", http.MethodGet, "/?Action=DownloadVpnConnectionConfig&Signature=x"},
		{"POST", http.MethodPost, "/"},
		{"any path", http.MethodGet, "/elsewhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "http://"+b.Endpoint()+tc.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || !bytes.Equal(body, a.Body) {
				t.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, a.Body)
			}
			for _, h := range []string{"Content-Type", "X-Acs-Request-Id"} {
				if got, want := resp.Header.Get(h), a.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if resp.ContentLength != int64(len(a.Body)) {
				t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(a.Body))
			}
		})
	}
}

func TestDownloadRequestsAreSignedAfresh(t *testing.T) {
	const ak, secret = "LTAIbenchTest0001", "benchTestSecret"
	now := time.Now()
	v := signature.NewVerifier(0)
	for _, tc := range []struct {
		name, sig, format string
	}{
		{"v1 json", SigV1, ""},
		{"v1 xml", SigV1, "XML"},
		{"v3", SigV3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Download{Endpoint: "127.0.0.1:9", AccessKeyID: ak, AccessKeySecret: secret, Region: "cn-hangzhou",
				ConnectionID: "vco-abc", Signature: tc.sig, Format: tc.format}
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
			nonces := map[string]bool{}
			for range 3 {
				req, err := d.NewRequest(context.Background(), now)
				if err != nil {
					t.Fatal(err)
				}
				var nonce string
				if tc.sig == SigV3 {
					if req.Method != http.MethodPost || req.URL.RawQuery != "RegionId=cn-hangzhou&VpnConnectionId=vco-abc" {
						t.Fatalf("v3 request %s %s", req.Method, req.URL)
					}
					auth, err := signature.ParseV3Authorization(req.Header.Get("Authorization"))
					if err != nil {
						t.Fatal(err)
					}
					query, _ := signature.AppendQuery(nil, req.URL.RawQuery)
					req.Host = req.URL.Host
					if err := v.VerifyV3(req.Method, "/", query, signature.HeaderFunc(req), auth, signature.EmptyBodySHA256, secret); err != nil {
						t.Fatalf("v3 signature does not verify: %v", err)
					}
					if got := req.Header.Get("x-acs-action"); got != "DownloadVpnConnectionConfig" {
						t.Errorf("x-acs-action %q", got)
					}
					nonce = req.Header.Get("x-acs-signature-nonce")
				} else {
					params, err := signature.AppendQuery(nil, req.URL.RawQuery)
					if err != nil {
						t.Fatal(err)
					}
					if err := v.VerifyV1(req.Method, params, secret); err != nil {
						t.Fatalf("v1 signature does not verify: %v", err)
					}
					got := map[string]string{}
					for _, p := range params {
						got[p.Name] = p.Value
					}
					wantFormat := "JSON"
					if tc.format != "" {
						wantFormat = tc.format
					}
					for k, want := range map[string]string{"Action": "DownloadVpnConnectionConfig", "Version": "2016-04-28", "RegionId": "cn-hangzhou",
						"VpnConnectionId": "vco-abc", "Format": wantFormat, "AccessKeyId": ak, "Timestamp": now.UTC().Format(signature.V1TimeFormat)} {
						if got[k] != want {
							t.Errorf("%s = %q, want %q", k, got[k], want)
						}
					}
					nonce = got["SignatureNonce"]
				}
				if len(nonce) != 32 || nonces[nonce] {
					t.Errorf("nonce %q is not a fresh 32-character nonce", nonce)
				}
				nonces[nonce] = true
			}
		})
	}
}

func TestDownloadValidate(t *testing.T) {
	good := Download{Endpoint: "127.0.0.1:8080", AccessKeyID: "a", AccessKeySecret: "s", Region: "cn-hangzhou", ConnectionID: "vco-1"}
	tests := []struct {
		name   string
		change func(d *Download)
		want   string // substring of the error; "" = valid
	}{
		{"valid", func(*Download) {}, ""},
		{"scheme", func(d *Download) { d.Endpoint = "http://127.0.0.1:8080" }, "without a scheme"},
		{"no endpoint", func(d *Download) { d.Endpoint = "" }, "--endpoint"},
		{"no secret", func(d *Download) { d.AccessKeySecret = "" }, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{"no connection", func(d *Download) { d.ConnectionID = "" }, "--connection"},
		{"bad signature", func(d *Download) { d.Signature = "v2" }, "use v1 or v3"},
		{"bad format", func(d *Download) { d.Format = "yaml" }, "use JSON or XML"},
		{"xml", func(d *Download) { d.Format = "xml" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			tc.change(&d)
			err := d.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// seeded starts a real server and seeds it.
func seeded(t *testing.T, s Seed) (*apptest.Env, SeedResult) {
	t.Helper()
	env := apptest.Start(t)
	s.AccountID = env.App.Root.AccountID
	res, err := s.Run(context.Background(), env.App.Store)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return env, res
}

func TestSeed(t *testing.T) {
	env, res := seeded(t, Seed{Connections: 250, PerGateway: 50, DualEvery: 2, Concurrency: 4})
	if res.Connections != 250 || res.Gateways != 5 || res.CustomerGateways != 100 || res.Dual != 100 {
		t.Fatalf("result %+v, want 250 connections (100 dual) on 5 gateways with 100 customer gateways", res)
	}
	if len(res.Single) != 3 || len(res.DualIDs) != 3 {
		t.Fatalf("sample ids %v %v, want 3 of each", res.Single, res.DualIDs)
	}
	ctx := context.Background()
	sc := store.Scope{AccountID: env.App.Root.AccountID, RegionID: "cn-hangzhou"}
	_, total, err := env.App.Store.ListConnections(ctx, sc, store.ConnectionFilter{}, store.Page{Number: 1, Size: 10})
	if err != nil || total != 250 {
		t.Fatalf("ListConnections total %d, %v; want 250", total, err)
	}
	for _, tc := range []struct {
		name    string
		ids     []string
		tunnels int
	}{{"single", res.Single, 0}, {"dual", res.DualIDs, 2}} {
		for _, id := range tc.ids {
			c, err := env.App.Store.GetConnection(ctx, sc, id)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.name, id, err)
			}
			if len(c.Tunnels) != tc.tunnels || (tc.tunnels == 0 && (c.CustomerGatewayID == "" || c.Ike.Psk == "")) {
				t.Errorf("%s %s: %d tunnels, cgw %q, psk set %v", tc.name, id, len(c.Tunnels), c.CustomerGatewayID, c.Ike.Psk != "")
			}
			if tc.tunnels == 2 && (c.Tunnels[0].Role != "master" || c.Tunnels[1].Role != "slave" || !c.EnableTunnelsBgp) {
				t.Errorf("%s %s: tunnels %+v", tc.name, id, c.Tunnels)
			}
		}
	}
	if _, err := (Seed{Connections: 1}).Run(ctx, env.App.Store); err == nil {
		t.Error("Seed without an account succeeded")
	}
}

// TestRunAgainstServer is a short run of the generator against the real
// server: every request must succeed, and every answer have the size of the
// first.
func TestRunAgainstServer(t *testing.T) {
	env, res := seeded(t, Seed{Connections: 20, PerGateway: 10, DualEvery: 2})
	for _, tc := range []struct {
		name, sig, format, id string
	}{
		{"v1 single json", SigV1, "", res.Single[0]},
		{"v1 dual xml", SigV1, "XML", res.DualIDs[0]},
		{"v3 dual", SigV3, "", res.DualIDs[1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Download{Endpoint: env.Endpoint, AccessKeyID: apptest.AccessKeyID, AccessKeySecret: apptest.AccessKeySecret,
				Region: "cn-hangzhou", ConnectionID: tc.id, Signature: tc.sig, Format: tc.format}
			client := NewClient(4)
			first, err := Fetch(context.Background(), client, d.NewRequest)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(first.Body, []byte(tc.id)) && !bytes.Contains(first.Body, []byte("VpnConnectionConfig")) {
				t.Fatalf("answer %s", first.Body)
			}
			for _, raw := range []bool{false, true} {
				progress := 0
				r, err := Run(context.Background(), Load{Concurrency: 4, Duration: 1200 * time.Millisecond, Client: client, NewRequest: d.NewRequest,
					Progress: func(Progress) { progress++ }, Raw: raw})
				if err != nil {
					t.Fatal(err)
				}
				if r.Errors != 0 || r.Requests == 0 {
					t.Fatalf("%d requests, %d errors (first: %s)", r.Requests, r.Errors, r.FirstError)
				}
				if r.Bytes != r.Requests*int64(len(first.Body)) {
					t.Errorf("%d bytes for %d requests of %d bytes", r.Bytes, r.Requests, len(first.Body))
				}
				if r.Latency.Count != int(r.Requests) || r.Latency.Max < r.Latency.P50 || r.Latency.P50 <= 0 {
					t.Errorf("latency %+v", r.Latency)
				}
				if progress < 1 {
					t.Errorf("Progress called %d times in 1.2 s, want at least once", progress)
				}
			}
		})
	}
}

func TestRunCountsErrors(t *testing.T) {
	env, res := seeded(t, Seed{Connections: 1})
	d := Download{Endpoint: env.Endpoint, AccessKeyID: apptest.AccessKeyID, AccessKeySecret: "wrong-secret",
		Region: "cn-hangzhou", ConnectionID: res.Single[0]}
	for _, raw := range []bool{false, true} {
		r, err := Run(context.Background(), Load{Concurrency: 2, Duration: 200 * time.Millisecond, Client: NewClient(2), NewRequest: d.NewRequest, Raw: raw})
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests != 0 || r.Errors == 0 || !strings.Contains(r.FirstError, "HTTP 400") || !strings.Contains(r.FirstError, "SignatureDoesNotMatch") {
			t.Fatalf("raw %v: %d ok, %d errors, first %q; want only HTTP 400 SignatureDoesNotMatch errors", raw, r.Requests, r.Errors, r.FirstError)
		}
	}
	if _, err := Run(context.Background(), Load{Duration: time.Second}); err == nil {
		t.Error("Run without a client succeeded")
	}
}

func TestRunPaced(t *testing.T) {
	b, err := StartBaseline("127.0.0.1:0", answerFixture())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	d := Download{Endpoint: b.Endpoint(), AccessKeyID: "a", AccessKeySecret: "s", Region: "cn-hangzhou", ConnectionID: "vco-1"}
	// 100/s for 1 s: exactly the 100 scheduled requests are sent, however
	// fast the server is.
	for _, raw := range []bool{false, true} {
		r, err := Run(context.Background(), Load{Concurrency: 4, Duration: time.Second, Rate: 100, Client: NewClient(4), NewRequest: d.NewRequest, Raw: raw})
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests != 100 || r.Errors != 0 {
			t.Fatalf("raw %v: %d requests, %d errors; want 100, 0", raw, r.Requests, r.Errors)
		}
	}
}

func TestAlternate(t *testing.T) {
	var sides []Side
	for _, name := range []string{"a", "b"} {
		b, err := StartBaseline("127.0.0.1:0", answerFixture())
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		d := Download{Endpoint: b.Endpoint(), AccessKeyID: "a", AccessKeySecret: "s", Region: "cn-hangzhou", ConnectionID: "vco-1"}
		sides = append(sides, Side{Name: name, Client: NewClient(2), NewRequest: d.NewRequest})
	}
	cmp, err := Alternate(context.Background(), Alternation{Sides: sides, Rounds: 2, Duration: 150 * time.Millisecond, Warmup: 50 * time.Millisecond, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, tu := range cmp.Turns {
		order = append(order, tu.Side+string(rune('0'+tu.Round)))
		if tu.Result.Errors != 0 || tu.Result.Requests == 0 {
			t.Errorf("turn %+v", tu)
		}
	}
	if got := strings.Join(order, " "); got != "a1 b1 a2 b2" {
		t.Errorf("turns %s, want a1 b1 a2 b2", got)
	}
	for _, name := range []string{"a", "b"} {
		tot := cmp.Total[name]
		var sum int64
		for _, tu := range cmp.Turns {
			if tu.Side == name {
				sum += tu.Result.Requests
			}
		}
		if tot.Requests != sum || tot.Latency.Count != int(sum) {
			t.Errorf("%s total %d requests (%d latencies), turns sum to %d", name, tot.Requests, tot.Latency.Count, sum)
		}
	}
	want := cmp.Total["a"].Throughput() / cmp.Total["b"].Throughput()
	if got := cmp.Ratio("a", "b"); got != want || got <= 0 {
		t.Errorf("Ratio = %v, want %v", got, want)
	}
	if got := cmp.Ratio("a", "missing"); got != 0 {
		t.Errorf("Ratio against a missing side = %v, want 0", got)
	}
}

func TestCreates(t *testing.T) {
	env := apptest.Start(t)
	c := &Client{Endpoint: env.Endpoint, AccessKeyID: apptest.AccessKeyID, AccessKeySecret: apptest.AccessKeySecret, HTTP: NewClient(4)}
	ctx := context.Background()
	cr, err := PrepareCreates(ctx, c, "cn-hangzhou", 3, 40, 1000, 4)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Capacity() != 120 {
		t.Fatalf("capacity %d, want 120", cr.Capacity())
	}
	r, err := Run(ctx, Load{Concurrency: 4, Duration: 300 * time.Millisecond, Rate: 200, Client: c.HTTP, NewRequest: cr.NewRequest})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Requests != 60 {
		t.Fatalf("%d created, %d errors (first %s); want 60, 0", r.Requests, r.Errors, r.FirstError)
	}
	var list struct{ TotalCount int }
	if err := c.Call(ctx, "DescribeVpnConnections", []signature.Param{{Name: "RegionId", Value: "cn-hangzhou"}}, &list); err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 60 {
		t.Errorf("DescribeVpnConnections TotalCount %d, want 60", list.TotalCount)
	}
	// Pairs run out with a clear error.
	cr.next.Store(int64(cr.Capacity()))
	if _, err := cr.NewRequest(ctx, time.Now()); err == nil || !strings.Contains(err.Error(), "pairs are used") {
		t.Errorf("NewRequest past capacity: %v", err)
	}
	var bad struct{}
	if err := c.Call(ctx, "CreateVpnGateway", []signature.Param{{Name: "RegionId", Value: "cn-hangzhou"}}, &bad); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("a failing call: %v", err)
	}
}

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name, line string
		want       time.Duration
		wantErr    bool
	}{
		{"plain", "2016 (cat) R 1912 1912 27200 0 -1 4194304 131 0 0 0 25 7 0 0 20 0 1 0", 320 * time.Millisecond, false},
		{"name with spaces and parens", "77 (my (odd) name) S 1 77 77 0 -1 0 0 0 0 0 100 50 0 0 20 0", 1500 * time.Millisecond, false},
		{"truncated", "77 (x) S 1 2 3", 0, true},
		{"no name", "77 x S", 0, true},
		{"not numbers", "77 (x) S 1 77 77 0 -1 0 0 0 0 0 a b 0 0", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU(tc.line)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("parseStatCPU = %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := ProcessCPU(os.Getpid()); err != nil {
		t.Errorf("ProcessCPU(self): %v", err)
	}
}

func TestDownloadSpreadsOverConnectionIDs(t *testing.T) {
	d := Download{Endpoint: "127.0.0.1:9", AccessKeyID: "a", AccessKeySecret: "s", Region: "cn-hangzhou",
		ConnectionIDs: []string{"vco-a", "vco-b", "vco-c"}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 300 {
		req, err := d.NewRequest(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		seen[req.URL.Query().Get("VpnConnectionId")]++
	}
	if len(seen) != 3 || seen["vco-a"] == 0 || seen["vco-b"] == 0 || seen["vco-c"] == 0 {
		t.Errorf("ids asked for: %v, want all of vco-a, vco-b, vco-c and nothing else", seen)
	}
}

// TestRawClient: the lean client reads Content-Length answers whole,
// reconnects after Connection: close or a dropped connection, counts
// non-200 answers, and refuses chunked answers with a clear error.
func TestRawClient(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		switch r.URL.Query().Get("k") {
		case "close":
			w.Header().Set("Connection", "close")
		case "chunked":
			w.(http.Flusher).Flush() // no Content-Length: chunked
			_, _ = io.WriteString(w, "part")
			return
		case "404":
			w.Header().Set("Content-Length", "9")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, "not found")
			return
		case "hijack":
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		body := strings.Repeat("x", 5000)
		w.Header().Set("Content-Length", "5000")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	var rc rawConn
	defer rc.close()
	buf := make([]byte, 1024) // smaller than the body: the rest is counted
	get := func(k string) (int, int, error) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/?k="+k, nil)
		req.Header.Set("X-Test", "1")
		return rc.do(req, buf)
	}
	for _, k := range []string{"", "", "close", "", "hijack", "", "404"} {
		status, got, err := get(k)
		switch k {
		case "hijack":
			if err == nil {
				t.Errorf("dropped connection: no error")
			}
		case "404":
			if err != nil || status != 404 || got != 9 || string(buf[:9]) != "not found" {
				t.Errorf("404: %d %d %v %q", status, got, err, buf[:9])
			}
		default:
			if err != nil || status != 200 || got != 5000 || buf[0] != 'x' {
				t.Errorf("%q: status %d, %d bytes, %v", k, status, got, err)
			}
		}
	}
	if _, _, err := get("chunked"); !errors.Is(err, errUnsupported) {
		t.Errorf("chunked: %v, want errUnsupported", err)
	}
	if _, _, err := get(""); err != nil {
		t.Errorf("after chunked: %v", err)
	}
	if n.Load() != 9 {
		t.Errorf("server saw %d requests, want 9", n.Load())
	}
	post, _ := http.NewRequest(http.MethodPost, "http://"+host+"/", strings.NewReader("body"))
	if _, _, err := rc.do(post, buf); err == nil || !strings.Contains(err.Error(), "bodies are not supported") {
		t.Errorf("request body: %v", err)
	}
}

// TestSplitLoad: with WorkerRequest from Split, even-numbered workers send
// to the first server and odd ones to the second, every answered request is
// counted once, and Alternate runs such a side like any other.
func TestSplitLoad(t *testing.T) {
	var hits [2]atomic.Int64
	var reqs []RequestFunc
	for i := range hits {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			w.Header().Set("Content-Length", "2")
			w.Write([]byte("ok"))
		}))
		defer srv.Close()
		d := Download{Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKeyID: "a", AccessKeySecret: "s", Region: "cn-hangzhou", ConnectionID: "vco-1"}
		reqs = append(reqs, d.NewRequest)
	}
	for _, raw := range []bool{false, true} {
		hits[0].Store(0)
		hits[1].Store(0)
		r, err := Run(context.Background(), Load{Concurrency: 4, Duration: 300 * time.Millisecond, Client: NewClient(4), WorkerRequest: Split(reqs...), Raw: raw})
		if err != nil {
			t.Fatal(err)
		}
		a, b := hits[0].Load(), hits[1].Load()
		if r.Errors != 0 || a == 0 || b == 0 || a+b != r.Requests || r.Bytes != 2*r.Requests {
			t.Errorf("raw %v: %d requests (%d bytes, %d errors), servers got %d and %d", raw, r.Requests, r.Bytes, r.Errors, a, b)
		}
	}
	// One worker: everything goes to the first server.
	hits[0].Store(0)
	hits[1].Store(0)
	r, err := Run(context.Background(), Load{Concurrency: 1, Duration: 100 * time.Millisecond, Client: NewClient(1), WorkerRequest: Split(reqs...)})
	if err != nil {
		t.Fatal(err)
	}
	if hits[0].Load() != r.Requests || hits[1].Load() != 0 || r.Requests == 0 {
		t.Errorf("one worker: %d requests, servers got %d and %d", r.Requests, hits[0].Load(), hits[1].Load())
	}
	cmp, err := Alternate(context.Background(), Alternation{Concurrency: 2, Rounds: 1, Duration: 100 * time.Millisecond, Sides: []Side{
		{Name: "one", Client: NewClient(2), NewRequest: reqs[0]},
		{Name: "two", Client: NewClient(2), WorkerRequest: Split(reqs...), OtherPIDs: []int{0}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Total["one"].Requests == 0 || cmp.Total["two"].Requests == 0 || cmp.Total["two"].Errors != 0 {
		t.Errorf("totals %+v", cmp.Total)
	}
	if _, err := Run(context.Background(), Load{Duration: time.Second, Client: NewClient(1)}); err == nil {
		t.Error("Run without NewRequest or WorkerRequest succeeded")
	}
}

func TestSidePIDs(t *testing.T) {
	for _, tc := range []struct {
		s    Side
		want []int
	}{
		{Side{}, nil},
		{Side{PID: 3}, []int{3}},
		{Side{PID: 3, OtherPIDs: []int{0, 7}}, []int{3, 7}},
		{Side{OtherPIDs: []int{7}}, []int{7}},
	} {
		if got := tc.s.pids(); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: pids %v, want %v", tc.s, got, tc.want)
		}
	}
	self := os.Getpid()
	if got, want := cpuSum([]int{self, self}), cpuNow(self); got < 2*want || got > 2*want+100*time.Millisecond {
		t.Errorf("cpuSum of this process twice = %v, its CPU %v", got, want)
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		text, id, secret, err string
	}{
		{"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIx\nALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr=t\n", "LTAIx", "s3cr=t", ""},
		{"# a key\n\n  ALIBABA_CLOUD_ACCESS_KEY_SECRET=s  \nALIBABA_CLOUD_ACCESS_KEY_ID=LTAIy", "LTAIy", "s", ""},
		{"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIx\n", "", "", "needs both"},
		{"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIx\nSECRET=hidden\n", "", "", "line 2: want"},
	} {
		p := filepath.Join(dir, "key")
		if err := os.WriteFile(p, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		id, secret, err := ReadKeyFile(p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "hidden") {
				t.Errorf("%q: err %v, want one with %q (and no secret)", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil || id != tc.id || secret != tc.secret {
			t.Errorf("%q: %q %q %v", tc.text, id, secret, err)
		}
	}
	if _, _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file read")
	}
}

// TestWriteKeyReadsBack: what WriteKey writes is exactly the two lines, and
// ReadKeyFile reads the key back (a secret with '=' included).
func TestWriteKeyReadsBack(t *testing.T) {
	var b bytes.Buffer
	if err := WriteKey(&b, "LTAIwritten", "s3=cr/t+"); err != nil {
		t.Fatal(err)
	}
	if want := "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIwritten\nALIBABA_CLOUD_ACCESS_KEY_SECRET=s3=cr/t+\n"; b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if id, secret, err := ReadKeyFile(p); err != nil || id != "LTAIwritten" || secret != "s3=cr/t+" {
		t.Fatalf("read back %q %q %v", id, secret, err)
	}
}
