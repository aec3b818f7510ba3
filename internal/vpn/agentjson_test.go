package vpn

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// tunnelReportCases are Tunnels.N values: the agent's own encoding, other
// spellings of the same JSON, and values outside the fast path's subset.
var tunnelReportCases = []string{
	`[]`,
	` [ ] `,
	`[{}]`,
	`[{"VpnConnectionId":"vco-a1","Status":"ipsec_sa_established","IkeSaState":"ESTABLISHED","ChildSaState":"INSTALLED","IkeSaUniqueId":"12","EstablishedTime":1765000000000,"BytesIn":100,"BytesOut":200,"PacketsIn":1,"PacketsOut":2}]`,
	"[\n {\"VpnConnectionId\" : \"vco-a1\" ,\t\"TunnelId\":\"tun-b2\", \"Status\":\"ike_sa_not_established\",\"LastError\":\"giving up after 3 retransmits\",\"LastErrorTime\":5,\"BytesIn\":0},\r\n{\"VpnConnectionId\":\"vco-c3\",\"Status\":\"ike_sa_established\"} ]\n",
	`[{"VpnConnectionId":"vco-a","VpnConnectionId":"vco-b","Status":"ike_sa_established"}]`, // duplicate: the last one
	`[{"vpnconnectionid":"vco-a","Status":"ike_sa_established"}]`,                           // folded case: encoding/json's
	`[{"VpnConnectionId":"vco-a","Status":"ike_sa_established","Extra":1}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":-1}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":1.5}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":1e3}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":01}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":99999999999999999999}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":999999999999999999}]`,
	`[{"VpnConnectionId":"vco-a","BytesIn":"1"}]`,
	`[{"VpnConnectionId":null,"Status":"ike_sa_established"}]`,
	`[{"VpnConnectionId":"vco-\u0061","LastError":"a\"b\\c\nd"}]`,
	`[{"VpnConnectionId":"vco-a","LastError":"caf` + "\xc3\xa9" + `"}]`,
	`[{"VpnConnectionId":"vco-a","LastError":"bad ` + "\xff" + `"}]`,
	`[{"VpnConnectionId":"vco-a"}] x`,
	`[{"VpnConnectionId":"vco-a"}][]`,
	`[{"VpnConnectionId":"vco-a"},]`,
	`[{"VpnConnectionId":"vco-a",}]`,
	`[{"VpnConnectionId":"vco-a"`,
	`[{"VpnConnectionId":"vco-a}]`,
	`[{"VpnConnectionId" "vco-a"}]`,
	`{"VpnConnectionId":"vco-a"}`,
	`[1]`,
	`[[]]`,
	`null`,
	``,
	`[{"BytesIn":1 }]`,
	`[{"BytesIn":1}  ,  {"BytesOut":2}]`,
}

// slowTunnelReports decodes as ParseAgentReport did before the fast path.
func slowTunnelReports(s string) ([]AgentTunnelReport, error) {
	var items []AgentTunnelReport
	err := decodeStrict([]byte(s), &items)
	return items, err
}

func agreeTunnelReports(t *testing.T, s string) {
	fast, ok := fastTunnelReports(nil, s)
	slow, err := slowTunnelReports(s)
	if !ok {
		return // encoding/json decides
	}
	if err != nil {
		t.Fatalf("%q: the fast path accepts what encoding/json refuses (%v): %+v", s, err, fast)
	}
	if len(fast) == 0 && len(slow) == 0 {
		return
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast %+v\nslow %+v", s, fast, slow)
	}
}

func TestFastTunnelReportsAgreesWithEncodingJSON(t *testing.T) {
	accepted := 0
	for _, s := range tunnelReportCases {
		agreeTunnelReports(t, s)
		if _, ok := fastTunnelReports(nil, s); ok {
			accepted++
		}
	}
	// The agent's encoding takes the fast path.
	ts := []AgentTunnelReport{{VpnConnectionId: "vco-a1", TunnelId: "tun-b2", Status: StatusIpsecEstablished, IkeSaState: "ESTABLISHED",
		ChildSaState: "INSTALLED", IkeSaUniqueId: "7", EstablishedTime: 1765000000000, BytesIn: 1 << 40, BytesOut: 3, PacketsIn: 4,
		PacketsOut: 5, LastError: "no proposal chosen", LastErrorTime: 1765000000001}, {VpnConnectionId: "vco-c3", Status: StatusIkeNotEstablished}}
	raw, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := fastTunnelReports(nil, string(raw))
	if !ok || !reflect.DeepEqual(got, ts) {
		t.Fatalf("the agent's encoding %s: %v %+v", raw, ok, got)
	}
	if accepted != 9 {
		t.Fatalf("the fast path took %d of the cases, want 9", accepted)
	}
}

func FuzzFastTunnelReports(f *testing.F) {
	for _, s := range tunnelReportCases {
		f.Add(s)
	}
	f.Fuzz(agreeTunnelReports)
}

// ParseAgentReport answers exactly as before for values outside the fast
// path: the same code and message.
func TestParseAgentReportMalformedTunnels(t *testing.T) {
	base := Params{"RegionId": "cn-hangzhou", "VpnGatewayId": "vpn-abc", "AgentInstanceId": "i-1", "Sequence": "1"}
	for _, c := range []struct{ tunnels, msg string }{
		{`[{"VpnConnectionId":"vco-a","Status":"up"}]`, `The specified Tunnels.1[0].Status "up" is not valid: it must be ike_sa_not_established, ike_sa_established, ipsec_sa_not_established or ipsec_sa_established.`},
		{`[{"VpnConnectionId":"vco-a","Status":"ipsec_sa_established","Extra":1}]`, `The specified Tunnels.1 is not valid: it must be a JSON array of tunnel reports (json: unknown field "Extra").`},
		{`{"VpnConnectionId":"vco-a"}`, `The specified Tunnels.1 is not valid: it must be a JSON array of tunnel reports (json: cannot unmarshal object into Go value of type []vpn.AgentTunnelReport).`},
		{`[{"VpnConnectionId":"vco-a","Status":"ike_sa_established"}] x`, `The specified Tunnels.1 is not valid: it must be a JSON array of tunnel reports (trailing data after the JSON value).`},
		{`[{"VpnConnectionId":"vco-a","Status":"ike_sa_established"},{"VpnConnectionId":"x","Status":"ike_sa_established"}]`, `The specified Tunnels.1[1].VpnConnectionId "x" is not valid: it is not a connection id.`},
		{`[{"VpnConnectionId":"vco-a","Status":"ike_sa_established","BytesIn":-1}]`, `The specified Tunnels.1[0].BytesIn "-1" is not valid: it must not be negative.`},
	} {
		p := Params{"Tunnels.1": c.tunnels}
		for k, v := range base {
			p[k] = v
		}
		_, err := ParseAgentReport(p)
		if err == nil || !strings.Contains(err.Error(), "InvalidTunnels.Malformed") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want InvalidTunnels.Malformed: %s", c.tunnels, err, c.msg)
		}
	}
	// Two parts in order of N; a valid report's LastError cleaned.
	p := Params{"Tunnels.2": `[{"VpnConnectionId":"vco-b","Status":"ike_sa_established","LastError":"a\tb"}]`,
		"Tunnels.1": `[{"VpnConnectionId":"vco-a","Status":"ipsec_sa_established","BytesIn":5}]`}
	for k, v := range base {
		p[k] = v
	}
	r, err := ParseAgentReport(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentTunnelReport{{VpnConnectionId: "vco-a", Status: StatusIpsecEstablished, BytesIn: 5},
		{VpnConnectionId: "vco-b", Status: StatusIkeEstablished, LastError: "a b"}}
	if !reflect.DeepEqual(r.Tunnels, want) {
		t.Fatalf("tunnels %+v, want %+v", r.Tunnels, want)
	}
}

// BenchmarkParseAgentReport: a report of 4 tunnels, as
// BenchmarkControlPlaneReports sends.
func BenchmarkParseAgentReport(b *testing.B) {
	ts := make([]AgentTunnelReport, 4)
	for i := range ts {
		ts[i] = AgentTunnelReport{VpnConnectionId: "vco-bp1" + strconv.Itoa(1000000+i), Status: StatusIpsecEstablished, IkeSaState: "ESTABLISHED",
			ChildSaState: "INSTALLED", IkeSaUniqueId: strconv.Itoa(i + 1), EstablishedTime: 1765000000000, BytesIn: 100000, BytesOut: 200000,
			PacketsIn: 100, PacketsOut: 200}
	}
	raw, _ := json.Marshal(ts)
	p := Params{"RegionId": "cn-hangzhou", "VpnGatewayId": "vpn-bp1abc", "AgentInstanceId": "bench-1", "Sequence": "12",
		"AgentVersion": "bench", "Generation": "4", "Tunnels.1": string(raw)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAgentReport(p); err != nil {
			b.Fatal(err)
		}
	}
}
