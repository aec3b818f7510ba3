package api

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsObserve: successes and errors are counted per action and
// code, unknown actions under "unknown", latencies per action; actions
// never called do not appear.
func TestMetricsObserve(t *testing.T) {
	m := NewMetrics([]Action{{Name: "DescribeVpcs"}, {Name: "CreateVpc"}, {Name: "DeleteVpc"}})
	m.observe("DescribeVpcs", "", time.Millisecond)
	m.observe("DescribeVpcs", "", 3*time.Millisecond)
	m.observe("DescribeVpcs", "Throttling.User", time.Millisecond)
	m.observe("CreateVpc", "InvalidVpcName.Malformed", time.Millisecond)
	m.observe("NoSuchAction", "InvalidAction.NotFound", time.Millisecond)
	m.observe("", "MissingAction", time.Millisecond)
	want := `
# HELP vpcvpn_api_requests_total API requests by action and result code (empty code: success).
# TYPE vpcvpn_api_requests_total counter
vpcvpn_api_requests_total{action="CreateVpc",code=""} 0
vpcvpn_api_requests_total{action="CreateVpc",code="InvalidVpcName.Malformed"} 1
vpcvpn_api_requests_total{action="DescribeVpcs",code=""} 2
vpcvpn_api_requests_total{action="DescribeVpcs",code="Throttling.User"} 1
vpcvpn_api_requests_total{action="unknown",code=""} 0
vpcvpn_api_requests_total{action="unknown",code="InvalidAction.NotFound"} 1
vpcvpn_api_requests_total{action="unknown",code="MissingAction"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "vpcvpn_api_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.latency); n != 3 {
		t.Errorf("%d latency series, want 3 (DescribeVpcs, CreateVpc, unknown)", n)
	}
}
