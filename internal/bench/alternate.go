package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Side is one server measured by Alternate.
type Side struct {
	Name       string
	Client     *http.Client
	NewRequest RequestFunc
	// WorkerRequest, when set, replaces NewRequest per worker (see
	// Load.WorkerRequest; Split builds one that spreads the side's load
	// over several servers).
	WorkerRequest func(worker int) RequestFunc
	// PID is the server's process when it runs apart from the generator
	// (its CPU time is then measured per turn); 0 when unknown or when the
	// server runs inside this process.
	PID int
	// OtherPIDs are further server processes of the side (a side whose
	// load is split over several servers): Turn.ServerCPU counts them too.
	OtherPIDs []int
}

// pids is every server process of the side.
func (s Side) pids() []int {
	var p []int
	if s.PID != 0 {
		p = append(p, s.PID)
	}
	for _, o := range s.OtherPIDs {
		if o != 0 {
			p = append(p, o)
		}
	}
	return p
}

// Alternation measures several servers with the same generator in turns
// (A B A B ...): on a shared, noisy machine only figures taken close together
// in time can be compared.
type Alternation struct {
	Sides       []Side
	Rounds      int           // at least 1
	Duration    time.Duration // of each side's turn
	Warmup      time.Duration // one untimed turn per side before the first round (0: none)
	Concurrency int
	Rate        float64 // see Load.Rate
	Raw         bool    // see Load.Raw
	// Progress, if set, is told which turn runs and how it goes.
	Progress func(round int, side string, p Progress)
}

// Turn is one side's measured period.
type Turn struct {
	Round  int
	Side   string
	Result Result
	// CPU used during the turn by this process (the generator, plus the
	// server when it runs inside this process) and by the side's server
	// processes together (Side.PID and Side.OtherPIDs; 0 without any).
	// Linux only; 0 where unavailable.
	SelfCPU, ServerCPU time.Duration
}

// CPUPerRequest is cpu divided by the turn's answered requests.
func (t Turn) CPUPerRequest(cpu time.Duration) time.Duration {
	if t.Result.Requests == 0 {
		return 0
	}
	return cpu / time.Duration(t.Result.Requests)
}

// Comparison is the outcome of an Alternation.
type Comparison struct {
	Turns []Turn
	// Total per side, over all rounds (Latency over all its samples).
	Total map[string]Result
}

// Ratio is a's throughput over b's, from their totals (0 when b has none).
func (c Comparison) Ratio(a, b string) float64 {
	tb := c.Total[b].Throughput()
	if tb == 0 {
		return 0
	}
	return c.Total[a].Throughput() / tb
}

// RoundRatio is a's throughput over b's in one round.
func (c Comparison) RoundRatio(round int, a, b string) float64 {
	var ta, tb float64
	for _, t := range c.Turns {
		if t.Round != round {
			continue
		}
		switch t.Side {
		case a:
			ta = t.Result.Throughput()
		case b:
			tb = t.Result.Throughput()
		}
	}
	if tb == 0 {
		return 0
	}
	return ta / tb
}

// cpuNow is ProcessCPU, 0 when pid is 0 or unreadable.
func cpuNow(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	d, err := ProcessCPU(pid)
	if err != nil {
		return 0
	}
	return d
}

// cpuSum is the CPU time of the processes pids together (see cpuNow).
func cpuSum(pids []int) time.Duration {
	var d time.Duration
	for _, p := range pids {
		d += cpuNow(p)
	}
	return d
}

// Alternate runs the alternation.
func Alternate(ctx context.Context, alt Alternation) (Comparison, error) {
	if len(alt.Sides) == 0 {
		return Comparison{}, fmt.Errorf("bench: nothing to measure")
	}
	rounds := max(alt.Rounds, 1)
	load := func(s Side, round int, d time.Duration) Load {
		l := Load{Concurrency: alt.Concurrency, Duration: d, Rate: alt.Rate, Raw: alt.Raw, Client: s.Client, NewRequest: s.NewRequest,
			WorkerRequest: s.WorkerRequest}
		if alt.Progress != nil {
			l.Progress = func(p Progress) { alt.Progress(round, s.Name, p) }
		}
		return l
	}
	if alt.Warmup > 0 {
		for _, s := range alt.Sides {
			if _, err := Run(ctx, load(s, 0, alt.Warmup)); err != nil {
				return Comparison{}, err
			}
		}
	}
	cmp := Comparison{Total: map[string]Result{}}
	samples := map[string][]time.Duration{}
	for r := 1; r <= rounds && ctx.Err() == nil; r++ {
		for _, s := range alt.Sides {
			pids := s.pids()
			self0, server0 := cpuNow(os.Getpid()), cpuSum(pids)
			res, lat, err := runKeep(ctx, load(s, r, alt.Duration))
			if err != nil {
				return Comparison{}, err
			}
			turn := Turn{Round: r, Side: s.Name, Result: res, SelfCPU: cpuNow(os.Getpid()) - self0}
			if len(pids) > 0 {
				turn.ServerCPU = cpuSum(pids) - server0
			}
			cmp.Turns = append(cmp.Turns, turn)
			t := cmp.Total[s.Name]
			t.Requests += res.Requests
			t.Errors += res.Errors
			t.Bytes += res.Bytes
			t.Elapsed += res.Elapsed
			if t.FirstError == "" {
				t.FirstError = res.FirstError
			}
			cmp.Total[s.Name] = t
			samples[s.Name] = append(samples[s.Name], lat...)
		}
	}
	for name, lat := range samples {
		t := cmp.Total[name]
		t.Latency = Summarize(lat)
		cmp.Total[name] = t
	}
	return cmp, ctx.Err()
}
