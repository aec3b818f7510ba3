package bench

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestCreateBenchRun prepares and creates against a real server and checks
// both report lines (not the figures); a wrong key fails the preparation
// with the endpoint named.
func TestCreateBenchRun(t *testing.T) {
	env := apptest.Start(t)
	b := CreateBench{Client: Client{Endpoint: env.Endpoint, AccessKeyID: apptest.AccessKeyID, AccessKeySecret: apptest.AccessKeySecret},
		Region: "cn-hangzhou", Gateways: 2, Customers: 300, Offset: 5000, Prepare: 2, Concurrency: 2, Duration: 100 * time.Millisecond}
	var out, progress bytes.Buffer
	b.Progress = &progress
	if err := b.Run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	re := regexp.MustCompile(`^prepared 2 VPN gateways and 300 customer gateways in [0-9.]+m?s\n` +
		`CreateVpnConnection on ` + regexp.QuoteMeta(env.Endpoint) + `: 2 workers for 100ms: [1-9][0-9]* created \([0-9]+/s\), 0 errors, ` +
		`latency p50 [0-9.]+(us|ms) p90 [0-9.]+(us|ms) p99 [0-9.]+(us|ms) p99.9 [0-9.]+(us|ms) max [0-9.]+(us|ms)\n$`)
	if !re.MatchString(out.String()) {
		t.Fatalf("output:\n%s", out.String())
	}
	if p := progress.String(); !strings.HasSuffix(p, "\r\033[K") {
		t.Fatalf("progress %q", p)
	}
	if b.Client.HTTP != nil {
		t.Fatal("Run changed the caller's Client")
	}

	b.Client.AccessKeySecret = "wrong"
	b.Progress = nil
	err := b.Run(context.Background(), new(bytes.Buffer))
	if want := "prepare gateways and customer gateways on " + env.Endpoint + ": "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want it to start with %q", err, want)
	}
}
