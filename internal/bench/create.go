package bench

import (
	"context"
	"fmt"
	"io"
	"time"
)

// CreateBench is one run of `vpcvpn bench create`: it creates Gateways VPN
// gateways (each in a VPC of its own) and Customers customer gateways through
// the API, then sends CreateVpnConnection requests, each on a pair not used
// before, from Concurrency workers for Duration. The command resolves its
// flags into it; Run checks nothing the flags decide.
type CreateBench struct {
	Client      Client // endpoint and key; Run sets its HTTP client
	Region      string
	Gateways    int
	Customers   int
	Offset      int // first customer gateway address, as an offset in 10.0.0.0/8
	Prepare     int // workers creating the gateways and customer gateways
	Concurrency int
	Duration    time.Duration
	// Progress, when set, gets a progress line (ended by "\r") each second
	// and a line-clearing sequence at the end.
	Progress io.Writer
}

// Run prepares, measures and writes one line for each on out. It fails when
// the preparation fails, and after the report when any create failed (naming
// the first error).
func (b CreateBench) Run(ctx context.Context, out io.Writer) error {
	c := b.Client
	c.HTTP = NewClient(b.Concurrency)
	start := time.Now()
	cr, err := PrepareCreates(ctx, &c, b.Region, b.Gateways, b.Customers, b.Offset, b.Prepare)
	if err != nil {
		return fmt.Errorf("prepare gateways and customer gateways on %s: %w", c.Endpoint, err)
	}
	fmt.Fprintf(out, "prepared %d VPN gateways and %d customer gateways in %s\n", b.Gateways, b.Customers, time.Since(start).Round(time.Millisecond))
	l := Load{Concurrency: b.Concurrency, Duration: b.Duration, Client: c.HTTP, NewRequest: cr.NewRequest}
	if b.Progress != nil {
		l.Progress = func(p Progress) {
			fmt.Fprintf(b.Progress, "\r%5.1fs %8d created %7.0f/s %d errors   ", p.Elapsed.Seconds(), p.Requests, float64(p.Requests)/p.Elapsed.Seconds(), p.Errors)
		}
	}
	res, err := Run(ctx, l)
	if l.Progress != nil {
		fmt.Fprint(b.Progress, "\r\033[K")
	}
	if err != nil {
		return err
	}
	lat := res.Latency
	fmt.Fprintf(out, "CreateVpnConnection on %s: %d workers for %s: %d created (%.0f/s), %d errors, latency p50 %s p90 %s p99 %s p99.9 %s max %s\n",
		c.Endpoint, b.Concurrency, b.Duration, res.Requests, res.Throughput(), res.Errors, micros(lat.P50), micros(lat.P90), micros(lat.P99), micros(lat.P999), micros(lat.Max))
	if res.Errors > 0 {
		return fmt.Errorf("%d requests failed%s; first: %s", res.Errors, throttleHint(res.FirstError), res.FirstError)
	}
	return nil
}
