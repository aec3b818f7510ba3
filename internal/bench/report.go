package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// DownloadBench is one run of `vpcvpn bench download`: side A's download,
// optionally a second side B measured in turns with it (another server and/or
// another key, or with Split the same workers spread over A and B), and
// optionally the minimal baseline servers, all with one generator. The
// command resolves its flags into it; Run checks nothing the flags decide.
type DownloadBench struct {
	A    Download // side A
	Name string   // side A's name in the report
	PID  int      // side A's server process, for its CPU time (0: not measured)
	// B, when set, is side B: every field already resolved (what its flags
	// leave empty is A's).
	B     *Download
	BName string // side B's name in the report
	BPID  int    // side B's server process (0: not measured)
	// Split, with B, compares every worker on A ("1-node") with the same
	// workers split between A and B ("2-nodes").
	Split bool
	// Baseline adds the in-process minimal server answering A's bytes;
	// BaselineProcess the same server as a process of this executable
	// (pinned to BaselineCPUs when set), and implies Baseline.
	Baseline        bool
	BaselineProcess bool
	BaselineCPUs    string
	Concurrency     int
	Rounds          int
	Duration        time.Duration // of each turn
	Warmup          time.Duration // untimed, per side, before the first round
	Rate            float64       // total requests per second (0: closed loop)
	Client          string        // "net/http" or "raw" (see Load.Raw)
	// Progress, when set, gets a progress line (ended by "\r") each second
	// and a line-clearing sequence at the end.
	Progress io.Writer
}

// Run measures and writes the report to out: the header lines, a table of
// every turn and of each side's total, the throughput ratios and the CPU per
// request. It fails before measuring when a side's first request fails, and
// after the report when any request failed (counting all sides, naming the
// first error).
func (b DownloadBench) Run(ctx context.Context, out io.Writer) error {
	client := NewClient(b.Concurrency)
	answer, err := Fetch(ctx, client, b.A.NewRequest)
	if err != nil {
		return fmt.Errorf("first request to %s failed: %w (is the server running, are the key and --connection right?)", b.A.Endpoint, err)
	}
	sides := []Side{{Name: b.Name, Client: client, NewRequest: b.A.NewRequest, PID: b.PID}}
	if b.B != nil {
		bd := b.B
		if _, err := Fetch(ctx, NewClient(1), bd.NewRequest); err != nil {
			return fmt.Errorf("first request of side B to %s failed: %w (is the server running, are --b-key-file and --b-connection right?)", bd.Endpoint, err)
		}
		if b.Split {
			sides[0].Name = "1-node"
			two := Side{Name: "2-nodes", Client: NewClient(b.Concurrency),
				WorkerRequest: Split(b.A.NewRequest, bd.NewRequest), PID: b.PID}
			if b.BPID != 0 {
				two.OtherPIDs = []int{b.BPID}
			}
			sides = append(sides, two)
		} else {
			sides = append(sides, Side{Name: b.BName, Client: NewClient(b.Concurrency), NewRequest: bd.NewRequest, PID: b.BPID})
		}
	}
	b.Baseline = b.Baseline || b.BaselineProcess
	if b.Baseline {
		bl, err := StartBaseline("127.0.0.1:0", answer)
		if err != nil {
			return err
		}
		defer bl.Close()
		bd := b.A
		bd.Endpoint = bl.Endpoint()
		sides = append(sides, Side{Name: "baseline", Client: NewClient(b.Concurrency), NewRequest: bd.NewRequest})
	}
	if b.BaselineProcess {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("--baseline-process: %w", err)
		}
		p, err := StartBaselineProcess(exe, b.BaselineCPUs, answer)
		if err != nil {
			return err
		}
		defer p.Close()
		bd := b.A
		bd.Endpoint = p.Endpoint()
		sides = append(sides, Side{Name: "baseline-process", Client: NewClient(b.Concurrency), NewRequest: bd.NewRequest, PID: p.PID()})
	}
	alt := Alternation{Sides: sides, Rounds: b.Rounds, Duration: b.Duration, Warmup: b.Warmup, Concurrency: b.Concurrency, Rate: b.Rate,
		Raw: b.Client == "raw"}
	if b.Progress != nil {
		alt.Progress = func(round int, side string, p Progress) {
			what := fmt.Sprintf("round %d/%d", round, b.Rounds)
			if round == 0 {
				what = "warm-up"
			}
			fmt.Fprintf(b.Progress, "\r%s %-8s %5.1fs %9d requests %8.0f/s %d errors   ", what, side, p.Elapsed.Seconds(), p.Requests,
				float64(p.Requests)/p.Elapsed.Seconds(), p.Errors)
		}
	}
	cmp, err := Alternate(ctx, alt)
	if alt.Progress != nil {
		fmt.Fprint(b.Progress, "\r\033[K")
	}
	if err != nil {
		return err
	}
	b.report(out, len(answer.Body), sides, cmp)
	return failures(cmp, sides)
}

// report writes the outcome of the alternation of sides; bodyBytes is the
// size of A's answer.
func (b DownloadBench) report(w io.Writer, bodyBytes int, sides []Side, cmp Comparison) {
	sig := b.A.Signature
	if sig == "" {
		sig = SigV1
	}
	load := "closed loop"
	if b.Rate > 0 {
		load = fmt.Sprintf("paced at %.0f/s", b.Rate)
	}
	target := describeTarget(b.A)
	fmt.Fprintf(w, "DownloadVpnConnectionConfig %s on %s: signature %s, %s client, %d connections, %s, %d x %s turns, answer %d bytes\n",
		target, b.A.Endpoint, sig, b.Client, b.Concurrency, load, b.Rounds, b.Duration, bodyBytes)
	if b.B != nil {
		bd := b.B
		btarget := describeTarget(*bd)
		if b.Split {
			fmt.Fprintf(w, "1-node: every worker on %s (AccessKeyId %s); 2-nodes: the workers split between %s and %s (%s, AccessKeyId %s)\n",
				b.A.Endpoint, b.A.AccessKeyID, b.A.Endpoint, bd.Endpoint, btarget, bd.AccessKeyID)
		} else {
			fmt.Fprintf(w, "%s: %s on %s with AccessKeyId %s; %s: %s on %s with AccessKeyId %s\n",
				b.Name, target, b.A.Endpoint, b.A.AccessKeyID, b.BName, btarget, bd.Endpoint, bd.AccessKeyID)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tserver\trequests\terrors\treq/s\tp50\tp90\tp99\tp99.9\tmax\t")
	row := func(round, name string, r Result) {
		l := r.Latency
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", round, name, r.Requests, r.Errors, r.Throughput(),
			micros(l.P50), micros(l.P90), micros(l.P99), micros(l.P999), micros(l.Max))
	}
	for _, t := range cmp.Turns {
		row(fmt.Sprint(t.Round), t.Side, t.Result)
	}
	for _, s := range sides {
		row("all", s.Name, cmp.Total[s.Name])
	}
	tw.Flush()
	ratio := func(x, y string) {
		var per []string
		for r := 1; r <= b.Rounds; r++ {
			per = append(per, fmt.Sprintf("%.2f", cmp.RoundRatio(r, x, y)))
		}
		fmt.Fprintf(w, "throughput ratio %s/%s: %.2f (per round: %s)\n", x, y, cmp.Ratio(x, y), strings.Join(per, " "))
	}
	if b.B != nil {
		ratio(sides[1].Name, sides[0].Name)
	}
	if b.Baseline || b.BaselineProcess {
		ratio(b.Name, "baseline")
	}
	if b.BaselineProcess {
		ratio(b.Name, "baseline-process")
		ratio("baseline-process", "baseline")
	}
	writeCPU(w, cmp, sides)
}

// describeTarget names what d downloads, for the report.
func describeTarget(d Download) string {
	if len(d.ConnectionIDs) > 0 {
		return fmt.Sprintf("of %d connections at random", len(d.ConnectionIDs))
	}
	return d.ConnectionID
}

// failures is nil when no request of any side failed, otherwise an error
// counting them and naming the first error of the first side that had one.
func failures(cmp Comparison, sides []Side) error {
	var failed int64
	var first string
	for _, s := range sides {
		t := cmp.Total[s.Name]
		failed += t.Errors
		if first == "" && t.FirstError != "" {
			first = s.Name + ": " + t.FirstError
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d requests failed%s; first: %s", failed, throttleHint(first), first)
	}
	return nil
}

// writeCPU writes CPU time per answered request, per side: this process's
// in the side's turns (the generator) and the side's server processes'
// (Side.PID, Side.OtherPIDs); for the in-process baseline, this process's in
// its turns (the generator and the baseline server together: their shares
// cannot be told apart, and the generator's cost per request depends on how
// fast the server answers). Nothing when the first side has no figures.
func writeCPU(w io.Writer, cmp Comparison, sides []Side) {
	type tally struct {
		self, server time.Duration
		n            int64
	}
	per := map[string]*tally{}
	for _, t := range cmp.Turns {
		x := per[t.Side]
		if x == nil {
			x = &tally{}
			per[t.Side] = x
		}
		x.self += t.SelfCPU
		x.server += t.ServerCPU
		x.n += t.Result.Requests
	}
	perReq := func(d time.Duration, n int64) float64 { return float64(d) / float64(time.Microsecond) / float64(n) }
	var parts []string
	for i, s := range sides {
		x := per[s.Name]
		if x == nil || x.n == 0 || (i == 0 && x.self == 0) {
			if i == 0 {
				return
			}
			continue
		}
		if s.Name == "baseline" && s.PID == 0 {
			parts = append(parts, fmt.Sprintf("baseline turns: generator + baseline server %.1fus", perReq(x.self, x.n)))
			continue
		}
		p := fmt.Sprintf("%s turns: generator %.1fus", s.Name, perReq(x.self, x.n))
		if s.PID != 0 || len(s.OtherPIDs) > 0 {
			p += fmt.Sprintf(" + %s server %.1fus", s.Name, perReq(x.server, x.n))
		}
		parts = append(parts, p)
	}
	fmt.Fprintln(w, "CPU per request: "+strings.Join(parts, "; "))
}

// micros formats a latency for the reports: whole microseconds below 10ms
// ("950us"), milliseconds with one decimal from there ("12.5ms").
func micros(d time.Duration) string {
	if d >= 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dus", d.Microseconds())
}

// throttleHint explains a Throttling answer (firstError is the first failed
// request's error): the server's default per-key rate limits stop a one-key
// load test. It is "" for any other error.
func throttleHint(firstError string) string {
	if !strings.Contains(firstError, "Throttling") {
		return ""
	}
	return " (the server throttles each AccessKey: for a load test start it with --throttle-secret-read-rate 0 --throttle-write-rate 0 --throttle-read-rate 0)"
}
