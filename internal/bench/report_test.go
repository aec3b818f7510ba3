package bench

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func us(n int) time.Duration { return time.Duration(n) * time.Microsecond }

// twoRounds is a comparison of sides a and b over two rounds of 1s each.
func twoRounds() Comparison {
	lat := func(n int) Latency {
		return Latency{P50: us(n), P90: us(2 * n), P99: us(4 * n), P999: us(8 * n), Max: ms(12)}
	}
	turn := func(round int, side string, req, errs int64, n int, self, server time.Duration) Turn {
		return Turn{Round: round, Side: side, SelfCPU: self, ServerCPU: server,
			Result: Result{Requests: req, Errors: errs, Elapsed: time.Second, Latency: lat(n)}}
	}
	return Comparison{
		Turns: []Turn{
			turn(1, "a", 1000, 0, 100, ms(50), ms(200)),
			turn(1, "b", 500, 0, 200, ms(40), ms(150)),
			turn(2, "a", 1200, 0, 90, ms(60), ms(240)),
			turn(2, "b", 800, 2, 150, ms(50), ms(180)),
		},
		Total: map[string]Result{
			"a": {Requests: 2200, Elapsed: 2 * time.Second, Latency: lat(95)},
			"b": {Requests: 1300, Errors: 2, Elapsed: 2 * time.Second, Latency: lat(170), FirstError: "HTTP 503: busy"},
		},
	}
}

// TestDownloadBenchReport: the report of a side-by-side run, byte for byte.
func TestDownloadBenchReport(t *testing.T) {
	b := DownloadBench{
		A:     Download{Endpoint: "127.0.0.1:1", AccessKeyID: "LTAIa", ConnectionID: "vco-a"},
		Name:  "a",
		B:     &Download{Endpoint: "127.0.0.1:2", AccessKeyID: "LTAIb", ConnectionIDs: []string{"vco-1", "vco-2", "vco-3"}},
		BName: "b", Concurrency: 4, Rounds: 2, Duration: time.Second, Rate: 900, Client: "raw",
	}
	sides := []Side{{Name: "a", PID: 10}, {Name: "b", PID: 11}}
	var out bytes.Buffer
	b.report(&out, 1234, sides, twoRounds())
	want := `DownloadVpnConnectionConfig vco-a on 127.0.0.1:1: signature v1, raw client, 4 connections, paced at 900/s, 2 x 1s turns, answer 1234 bytes
a: vco-a on 127.0.0.1:1 with AccessKeyId LTAIa; b: of 3 connections at random on 127.0.0.1:2 with AccessKeyId LTAIb
  round  server  requests  errors  req/s    p50    p90    p99   p99.9     max
      1       a      1000       0   1000  100us  200us  400us   800us  12.0ms
      1       b       500       0    500  200us  400us  800us  1600us  12.0ms
      2       a      1200       0   1200   90us  180us  360us   720us  12.0ms
      2       b       800       2    800  150us  300us  600us  1200us  12.0ms
    all       a      2200       0   1100   95us  190us  380us   760us  12.0ms
    all       b      1300       2    650  170us  340us  680us  1360us  12.0ms
throughput ratio b/a: 0.59 (per round: 0.50 0.67)
CPU per request: a turns: generator 50.0us + a server 200.0us; b turns: generator 69.2us + b server 253.8us
`
	if got := out.String(); got != want {
		t.Fatalf("report:\n%s\nwant:\n%s", got, want)
	}
}

func TestDownloadBenchReportSplitAndBaselines(t *testing.T) {
	cmp := twoRounds()
	rename := map[string]string{"a": "1-node", "b": "2-nodes"}
	for i := range cmp.Turns {
		cmp.Turns[i].Side = rename[cmp.Turns[i].Side]
	}
	cmp.Total = map[string]Result{"1-node": cmp.Total["a"], "2-nodes": cmp.Total["b"]}
	b := DownloadBench{A: Download{Endpoint: "h:1", AccessKeyID: "K", ConnectionID: "vco-a", Signature: SigV3},
		Name: "vpcvpn", B: &Download{Endpoint: "h:2", AccessKeyID: "K", ConnectionID: "vco-a"}, BName: "b", Split: true,
		Concurrency: 2, Rounds: 2, Duration: time.Second, Client: "net/http"}
	var out bytes.Buffer
	b.report(&out, 10, []Side{{Name: "1-node", PID: 10}, {Name: "2-nodes", PID: 10, OtherPIDs: []int{11}}}, cmp)
	lines := strings.Split(out.String(), "\n")
	for i, want := range map[int]string{
		0:  "DownloadVpnConnectionConfig vco-a on h:1: signature v3, net/http client, 2 connections, closed loop, 2 x 1s turns, answer 10 bytes",
		1:  "1-node: every worker on h:1 (AccessKeyId K); 2-nodes: the workers split between h:1 and h:2 (vco-a, AccessKeyId K)",
		9:  "throughput ratio 2-nodes/1-node: 0.59 (per round: 0.50 0.67)",
		10: "CPU per request: 1-node turns: generator 50.0us + 1-node server 200.0us; 2-nodes turns: generator 69.2us + 2-nodes server 253.8us",
	} {
		if lines[i] != want {
			t.Errorf("line %d: %q, want %q", i, lines[i], want)
		}
	}

	// One server against both baselines: three ratios, the in-process
	// baseline's CPU is the generator's and its own together.
	cmp = twoRounds()
	rename = map[string]string{"a": "vpcvpn", "b": "baseline"}
	for i := range cmp.Turns {
		cmp.Turns[i].Side = rename[cmp.Turns[i].Side]
	}
	cmp.Turns = append(cmp.Turns, Turn{Round: 1, Side: "baseline-process", SelfCPU: ms(10), ServerCPU: ms(20), Result: Result{Requests: 100, Elapsed: time.Second}},
		Turn{Round: 2, Side: "baseline-process", SelfCPU: ms(10), ServerCPU: ms(20), Result: Result{Requests: 300, Elapsed: time.Second}})
	cmp.Total = map[string]Result{"vpcvpn": cmp.Total["a"], "baseline": cmp.Total["b"], "baseline-process": {Requests: 400, Elapsed: 2 * time.Second}}
	b = DownloadBench{A: Download{Endpoint: "h:1", ConnectionID: "vco-a"}, Name: "vpcvpn", BaselineProcess: true,
		Concurrency: 2, Rounds: 2, Duration: time.Second, Client: "net/http"}
	out.Reset()
	b.report(&out, 10, []Side{{Name: "vpcvpn"}, {Name: "baseline"}, {Name: "baseline-process", PID: 12}}, cmp)
	got := out.String()
	tail := `throughput ratio vpcvpn/baseline: 1.69 (per round: 2.00 1.50)
throughput ratio vpcvpn/baseline-process: 5.50 (per round: 10.00 4.00)
throughput ratio baseline-process/baseline: 0.31 (per round: 0.20 0.38)
CPU per request: vpcvpn turns: generator 50.0us; baseline turns: generator + baseline server 69.2us; baseline-process turns: generator 50.0us + baseline-process server 100.0us
`
	if !strings.HasSuffix(got, tail) || strings.Count(got, "\n") != 15 {
		t.Fatalf("report:\n%s\nwant it to end with:\n%s", got, tail)
	}
}

func TestWriteCPU(t *testing.T) {
	turns := func(side string, self, server time.Duration, n int64) Turn {
		return Turn{Round: 1, Side: side, SelfCPU: self, ServerCPU: server, Result: Result{Requests: n}}
	}
	for _, tc := range []struct {
		name  string
		turns []Turn
		sides []Side
		want  string
	}{
		{"no CPU figures (not Linux)", []Turn{turns("a", 0, 0, 10)}, []Side{{Name: "a", PID: 1}}, ""},
		{"first side answered nothing", []Turn{turns("a", ms(1), 0, 0), turns("b", ms(1), 0, 10)}, []Side{{Name: "a"}, {Name: "b"}}, ""},
		{"generator only without a pid", []Turn{turns("a", ms(3), ms(9), 1000)}, []Side{{Name: "a"}}, "CPU per request: a turns: generator 3.0us\n"},
		{"a later side without requests is left out", []Turn{turns("a", ms(3), ms(9), 1000), turns("b", ms(3), ms(9), 0)},
			[]Side{{Name: "a", PID: 1}, {Name: "b", PID: 2}}, "CPU per request: a turns: generator 3.0us + a server 9.0us\n"},
		{"a split side counts its other servers", []Turn{turns("a", ms(3), ms(9), 1000)}, []Side{{Name: "a", OtherPIDs: []int{2}}},
			"CPU per request: a turns: generator 3.0us + a server 9.0us\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			writeCPU(&out, Comparison{Turns: tc.turns}, tc.sides)
			if out.String() != tc.want {
				t.Fatalf("got %q, want %q", out.String(), tc.want)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	sides := []Side{{Name: "a"}, {Name: "b"}}
	if err := failures(Comparison{Total: map[string]Result{"a": {Requests: 5}, "b": {Requests: 5}}}, sides); err != nil {
		t.Fatalf("no failure: %v", err)
	}
	err := failures(twoRounds(), sides)
	if want := "2 requests failed; first: b: HTTP 503: busy"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	cmp := Comparison{Total: map[string]Result{"a": {Errors: 1, FirstError: "HTTP 400: Throttling.User"}, "b": {Errors: 3, FirstError: "EOF"}}}
	want := "4 requests failed (the server throttles each AccessKey: for a load test start it with --throttle-secret-read-rate 0 --throttle-write-rate 0 --throttle-read-rate 0); first: a: HTTP 400: Throttling.User"
	if err := failures(cmp, sides); err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestMicros(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0us", us(950): "950us", ms(10) - 1: "9999us", ms(10): "10.0ms", us(12345): "12.3ms"} {
		if got := micros(d); got != want {
			t.Errorf("micros(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestDownloadBenchRun runs two short rounds side by side against two test
// servers and checks the report's shape (not its figures) and the
// failure answers.
func TestDownloadBenchRun(t *testing.T) {
	answer := []byte(`{"RequestId":"r","VpnConnectionConfig":{}}`)
	var aCalls, bCalls atomic.Int64
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { aCalls.Add(1); w.Write(answer) }))
	defer a.Close()
	failB := atomic.Bool{}
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if bCalls.Add(1) > 1 && failB.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("Throttling.User"))
			return
		}
		w.Write(answer)
	}))
	defer b.Close()
	dl := func(endpoint string) Download {
		return Download{Endpoint: strings.TrimPrefix(endpoint, "http://"), AccessKeyID: "LTAIk", AccessKeySecret: "s", Region: "cn-hangzhou", ConnectionID: "vco-x"}
	}
	bd := dl(b.URL)
	run := DownloadBench{A: dl(a.URL), Name: "a", B: &bd, BName: "b", Concurrency: 2, Rounds: 2, Duration: 100 * time.Millisecond, Client: "raw"}
	var out, progress bytes.Buffer
	run.Progress = &progress
	if err := run.Run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	wantHead := "DownloadVpnConnectionConfig vco-x on " + run.A.Endpoint + ": signature v1, raw client, 2 connections, closed loop, 2 x 100ms turns, answer 42 bytes"
	if len(lines) < 10 || lines[0] != wantHead || !strings.HasPrefix(lines[1], "a: vco-x on "+run.A.Endpoint) ||
		!strings.HasPrefix(lines[9], "throughput ratio b/a: ") {
		t.Fatalf("report:\n%s", out.String())
	}
	if aCalls.Load() < 2 || bCalls.Load() < 2 {
		t.Fatalf("calls: a %d, b %d", aCalls.Load(), bCalls.Load())
	}
	if p := progress.String(); !strings.HasPrefix(p, "\r") || !strings.HasSuffix(p, "\r\033[K") {
		t.Fatalf("progress %q", p)
	}

	// B's answers fail after its first: the report is written, then the
	// error names side B and the throttling hint.
	failB.Store(true)
	bCalls.Store(0)
	out.Reset()
	run.Progress = nil
	err := run.Run(context.Background(), &out)
	if err == nil || !strings.Contains(err.Error(), " requests failed (the server throttles each AccessKey") ||
		!strings.HasSuffix(err.Error(), "; first: b: HTTP 503: Throttling.User") || !strings.Contains(out.String(), "throughput ratio b/a") {
		t.Fatalf("error %v\n%s", err, out.String())
	}

	// A first request that fails stops before measuring.
	bCalls.Store(1)
	err = run.Run(context.Background(), new(bytes.Buffer))
	if want := "first request of side B to " + bd.Endpoint + " failed: HTTP 503: Throttling.User (is the server running, are --b-key-file and --b-connection right?)"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}
