package api_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// placeholders replaces the values that differ between runs (RequestId and
// generated ids) with stable names, in order of first appearance.
func placeholders(body string, ids map[string]string) string {
	body = regexp.MustCompile(`[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}`).ReplaceAllString(body, "REQUEST-ID")
	for id, name := range ids {
		body = strings.ReplaceAll(body, id, name)
	}
	return body
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api -run TestGoldenDownload -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// rawDownload fetches the exact bytes of a DownloadVpnConnectionConfig answer.
func rawDownload(t *testing.T, env *apptest.Env, id, format string) (string, string) {
	t.Helper()
	q := v1Params("GET", p("Action", "DownloadVpnConnectionConfig", "Version", "2016-04-28", "Format", format, "RegionId", "cn-hangzhou", "VpnConnectionId", id),
		apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), nonce())
	r := getV1(t, env, q)
	if r.Status != 200 {
		t.Fatalf("download %s: %d %s", format, r.Status, r.Body)
	}
	return r.Body, r.ContentType
}

// TestGoldenDownload pins the exact JSON and XML bytes of
// DownloadVpnConnectionConfig for a single-tunnel, a dual-tunnel and a BGP
// connection, fetched from a real server.
func TestGoldenDownload(t *testing.T) {
	cases := []struct {
		name string
		dual bool
		bgp  bool
	}{{"single", false, false}, {"dual", true, false}, {"bgp", true, true}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.Start(t, apptest.Options{AddressPool: "203.0.113.0/28"})
			f := newFixture(t, env, tc.dual)
			ids := map[string]string{}
			var req *vpc.CreateVpnConnectionRequest
			if tc.dual {
				req = dualRequest(f, tc.bgp)
			} else {
				req = &vpc.CreateVpnConnectionRequest{
					RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw), CustomerGatewayId: dara.String(f.cgws[0]),
					LocalSubnet: dara.String("192.168.1.0/24,192.168.2.0/24"), RemoteSubnet: dara.String("10.10.0.0/16"),
					IkeConfig: dara.String(`{"Psk":"golden<Key>&1"}`),
				}
			}
			resp, err := f.v2.CreateVpnConnection(req)
			if err != nil {
				t.Fatal(err)
			}
			id := dara.StringValue(resp.Body.VpnConnectionId)
			ids[id] = "vco-CONNECTION"
			if _, tunnels := describe(t, f.v2, f.region, id); len(tunnels) == 2 {
				ids[tunnels[0]], ids[tunnels[1]] = "tun-MASTER", "tun-SLAVE"
			}
			jsonBody, ct := rawDownload(t, env, id, "JSON")
			if ct != "application/json;charset=utf-8" {
				t.Fatalf("JSON Content-Type %q", ct)
			}
			xmlBody, ct := rawDownload(t, env, id, "XML")
			if ct != "text/xml;charset=utf-8" {
				t.Fatalf("XML Content-Type %q", ct)
			}
			golden(t, tc.name+".json", placeholders(jsonBody, ids))
			golden(t, tc.name+".xml", placeholders(xmlBody, ids))
		})
	}
}
