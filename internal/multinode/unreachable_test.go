package multinode

import (
	"net/url"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/crashtest"
)

// TestDatabaseUnreachable runs a node whose database is reached through a
// TCP proxy. While the proxy holds every byte (a database host that stopped
// answering), the official SDK's call is answered ServiceUnavailable (503)
// within a 10 s read timeout (the V1 SDK's default), not hung and not
// InternalError; while the proxy refuses connections (a database that is
// down), the same.
// Each time the database answers again, so does the node, without a
// restart.
func TestDatabaseUnreachable(t *testing.T) {
	c := newCluster(t, "198.18.5.0/24")
	u, err := url.Parse(c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := crashtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	n := c.startOn(t, "a", u.String())
	n.waitReady(t)
	cl := n.v2(t)
	cl.ReadTimeout = dara.Int(10000) // the V2 SDK waits without limit by default
	describe := func() error {
		_, err := cl.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: dara.String(region)})
		return err
	}
	if err := describe(); err != nil {
		t.Fatalf("reachable: %v", err)
	}
	unavailable := func(what string) {
		t.Helper()
		err := describe()
		if code, status := sdkCode(err); code != "ServiceUnavailable" || status != 503 ||
			!strings.Contains(err.Error(), apierror.UnavailableUnchangedMessage) {
			t.Fatalf("%s: %s %d: %v", what, code, status, err)
		}
	}

	// recovered: the node answers again. A pooled connection that the
	// database's restart left behind (pgx pings only those idle for 1 s)
	// may fail a request or two first, answered ServiceUnavailable too.
	recovered := func(what string) {
		t.Helper()
		for attempt := 1; ; attempt++ {
			err := describe()
			if err == nil {
				return
			}
			if code, status := sdkCode(err); code != "ServiceUnavailable" || status != 503 || attempt == 5 {
				t.Fatalf("%s, attempt %d: %s %d: %v", what, attempt, code, status, err)
			}
		}
	}

	proxy.Freeze()
	unavailable("database not answering")
	proxy.Thaw()
	recovered("after the database answered again")

	proxy.Refuse()
	unavailable("database down")
	proxy.Accept(t)
	recovered("after the database was up again")
	if !strings.Contains(n.stderr.String(), `msg="database unavailable, answered ServiceUnavailable"`) {
		t.Errorf("no database-unavailable log line:\n%s", n.stderr.String())
	}
}
