// Package bench is vpcvpn's load generator and benchmark harness: it sends
// freshly signed DownloadVpnConnectionConfig requests over keep-alive
// connections and measures throughput and latency (Run), compares a server
// with a minimal net/http server answering the same bytes, measured
// alternately by the same generator (Baseline, Alternate), and fills a store
// with realistic connections for scale tests (Seed).
//
// Nothing here asserts timings: the figures are for people (docs/PERFORMANCE.md);
// tests check only that the machinery counts and answers correctly.
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// RequestFunc builds one freshly signed request (a new nonce, the time now).
type RequestFunc func(ctx context.Context, now time.Time) (*http.Request, error)

// Load is one measured period of load.
type Load struct {
	// Concurrency is the number of workers, each with its own keep-alive
	// connection (at least 1).
	Concurrency int
	// Duration is how long requests are started for.
	Duration time.Duration
	// Rate, when > 0, paces the workers together to Rate requests per
	// second (an open schedule: a request whose slot came while its worker
	// was still waiting for an earlier answer counts its latency from the
	// time it was due, so a stalled server is not hidden by waiting workers;
	// one whose worker slept until the slot counts from when it woke).
	// 0 sends as fast as the server answers (closed loop).
	Rate float64
	// Client sends the requests; build it with NewClient(Concurrency).
	Client *http.Client
	// Raw sends the requests with the lean HTTP/1.1 client of raw.go
	// instead of Client (each worker its own keep-alive connection to the
	// request's host); answers must carry a Content-Length.
	Raw bool
	// NewRequest builds each request.
	NewRequest RequestFunc
	// WorkerRequest, when set, replaces NewRequest: worker i (0 to
	// Concurrency-1) builds its requests with WorkerRequest(i). Split uses
	// it to spread the workers over several servers.
	WorkerRequest func(worker int) RequestFunc
	// Progress, if set, is called about once a second with the figures so
	// far (from the run's own goroutine, never concurrently).
	Progress func(p Progress)
}

// Progress is a running count.
type Progress struct {
	Elapsed  time.Duration
	Requests int64
	Errors   int64
}

// Result is the outcome of one Load.
type Result struct {
	Requests   int64 // answered with 200
	Errors     int64 // transport errors and non-200 answers
	FirstError string
	Bytes      int64 // body bytes of 200 answers
	Elapsed    time.Duration
	Latency    Latency // of the 200 answers
}

// Throughput is answered requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// NewClient returns an HTTP client for n concurrent workers against one
// host: n keep-alive connections, no compression, no proxy.
func NewClient(n int) *http.Client {
	if n < 1 {
		n = 1
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        n,
			MaxIdleConnsPerHost: n,
			MaxConnsPerHost:     n,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		Timeout: 30 * time.Second,
	}
}

// worker is one worker's private tallies, merged when the run ends.
type worker struct {
	newRequest RequestFunc
	raw        rawConn
	lat        []time.Duration
	errors     int64
	firstErr   string
	bytes      int64
	buf        []byte
}

// Run applies l until its Duration has passed (or ctx ends) and waits for
// the requests in flight. It returns an error only when l is unusable;
// failed requests are counted in Result.Errors.
func Run(ctx context.Context, l Load) (Result, error) {
	res, _, err := runKeep(ctx, l)
	return res, err
}

// runKeep is Run also returning the latency samples (sorted).
func runKeep(ctx context.Context, l Load) (Result, []time.Duration, error) {
	if (l.NewRequest == nil && l.WorkerRequest == nil) || l.Client == nil {
		return Result{}, nil, fmt.Errorf("bench: Load needs NewRequest (or WorkerRequest) and Client")
	}
	if l.Concurrency < 1 {
		l.Concurrency = 1
	}
	if l.Duration <= 0 {
		return Result{}, nil, fmt.Errorf("bench: Load.Duration must be positive")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ok, failed atomic.Int64
	var seq atomic.Int64 // schedule slots handed out (Rate > 0)
	start := time.Now()
	deadline := start.Add(l.Duration)
	var interval time.Duration
	if l.Rate > 0 {
		interval = time.Duration(float64(time.Second) / l.Rate)
		if interval <= 0 {
			interval = 1
		}
	}
	workers := make([]*worker, l.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{lat: make([]time.Duration, 0, 4096), buf: make([]byte, 32<<10), newRequest: l.NewRequest}
		if l.WorkerRequest != nil {
			w.newRequest = l.WorkerRequest(i)
		}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.raw.close()
			for ctx.Err() == nil {
				var due time.Time
				if interval > 0 {
					due = start.Add(time.Duration(seq.Add(1)-1) * interval)
					if !due.Before(deadline) {
						return
					}
					if d := time.Until(due); d > 0 {
						t := time.NewTimer(d)
						select {
						case <-ctx.Done():
							t.Stop()
							return
						case <-t.C:
						}
						// The worker was idle until the slot: any delay past
						// due is this process's timer firing late (Go's
						// netpoller sleeps in whole milliseconds), not the
						// server's doing, so latency counts from now.
						// A worker that takes a slot already due (it was busy
						// with a slow answer) still counts from due.
						due = time.Now()
					}
				} else {
					due = time.Now()
					if !due.Before(deadline) {
						return
					}
				}
				if w.do(ctx, l, due) {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			if l.Progress != nil {
				l.Progress(Progress{Elapsed: time.Since(start), Requests: ok.Load(), Errors: failed.Load()})
			}
		}
	}
	elapsed := time.Since(start)
	res := Result{Elapsed: elapsed}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		res.Errors += w.errors
		res.Bytes += w.bytes
		if res.FirstError == "" {
			res.FirstError = w.firstErr
		}
	}
	res.Requests = int64(len(all))
	res.Latency = Summarize(all)
	return res, all, nil
}

// do sends one request and records it; it reports success.
func (w *worker) do(ctx context.Context, l Load, due time.Time) bool {
	req, err := w.newRequest(ctx, time.Now())
	if err != nil {
		return w.fail("build request: " + err.Error())
	}
	var status, n int
	if l.Raw {
		status, n, err = w.raw.do(req, w.buf)
		if err != nil {
			if ctx.Err() != nil {
				return w.fail("cancelled")
			}
			return w.fail(err.Error())
		}
	} else {
		resp, err := l.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return w.fail("cancelled")
			}
			return w.fail(err.Error())
		}
		n, err = readAll(resp.Body, w.buf)
		resp.Body.Close()
		if err != nil {
			return w.fail("read answer: " + err.Error())
		}
		status = resp.StatusCode
	}
	if status != http.StatusOK {
		end := n
		if end > len(w.buf) {
			end = len(w.buf)
		}
		return w.fail(fmt.Sprintf("HTTP %d: %s", status, clip(string(w.buf[:end]), 300)))
	}
	w.lat = append(w.lat, time.Since(due))
	w.bytes += int64(n)
	return true
}

func (w *worker) fail(msg string) bool {
	w.errors++
	if w.firstErr == "" {
		w.firstErr = msg
	}
	return false
}

// readAll reads r to its end through buf and returns the number of bytes;
// the first len(buf) of them stay in buf.
func readAll(r io.Reader, buf []byte) (int, error) {
	n := 0
	for {
		var m int
		var err error
		if n < len(buf) {
			m, err = r.Read(buf[n:])
		} else {
			var scratch [4096]byte
			m, err = r.Read(scratch[:])
		}
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Split spreads workers over several request builders (one per server, say):
// worker i uses reqs[i % len(reqs)], so with an even number of workers and
// two builders each gets half. For Load.WorkerRequest and Side.WorkerRequest.
func Split(reqs ...RequestFunc) func(worker int) RequestFunc {
	return func(i int) RequestFunc { return reqs[i%len(reqs)] }
}
