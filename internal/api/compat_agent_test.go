package api_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/peertest"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// agentCall calls a VPC action through the V2 SDK's generic CallApi with the
// parameters in a form body (as large reports go), and returns the JSON
// answer.
func agentCall(c *vpc.Client, action string, params map[string]string) (map[string]any, error) {
	body := map[string]any{}
	for k, v := range params {
		body[k] = v
	}
	p := &openapiutil.Params{
		Action: dara.String(action), Version: dara.String("2016-04-28"), Protocol: dara.String("HTTP"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}
	res, err := c.CallApi(p, &openapiutil.OpenApiRequest{Body: body}, &dara.RuntimeOptions{ReadTimeout: dara.Int(40000)})
	if err != nil {
		return nil, err
	}
	out, ok := res["body"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: answer body is %T", action, res["body"])
	}
	return out, nil
}

// agentConfig calls DownloadVpnGatewayAgentConfig and decodes the answer.
func agentConfig(t *testing.T, c *vpc.Client, params map[string]string) vpn.AgentConfig {
	t.Helper()
	body, err := agentCall(c, "DownloadVpnGatewayAgentConfig", params)
	if err != nil {
		t.Fatalf("DownloadVpnGatewayAgentConfig %v: %v", params, err)
	}
	b, _ := json.Marshal(body)
	var out vpn.AgentConfig
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if body["RequestId"] == "" {
		t.Fatal("no RequestId")
	}
	return out
}

// sdkError returns the Code, HTTP status and answer body of a V2 SDK error.
func sdkError(err error) (string, int, string) {
	code, status := sdkCode(err)
	var body string
	if se, ok := err.(*tea.SDKError); ok {
		body = tea.StringValue(se.Data)
	} else if se, ok := err.(*dara.SDKError); ok {
		body = dara.StringValue(se.Data)
	}
	return code, status, body
}

func tunnelReports(t *testing.T, ts ...vpn.AgentTunnelReport) string {
	t.Helper()
	b, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCompatAgentConfig: the desired state carries every connection of the
// gateway with exactly the customer-side view DownloadVpnConnectionConfig
// answers, a generation that moves with every connection write, NotModified
// for a current generation, and a long-poll that wakes on a change and holds
// no in-flight slot while it waits.
func TestCompatAgentConfig(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, apptest.Options{Throttle: &throttle.Config{MaxInFlight: 3}})
	f := newFixture(t, env, false)
	c := env.RootV2(t)
	mk := func(cgw string, immediate bool) string {
		r, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw),
			CustomerGatewayId: dara.String(cgw), LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String("10.1.0.0/16"),
			EffectImmediately: dara.Bool(immediate)})
		if err != nil {
			t.Fatal(err)
		}
		return dara.StringValue(r.Body.VpnConnectionId)
	}
	a, b := mk(f.cgws[0], true), mk(f.cgws[1], false)
	cfg := agentConfig(t, c, map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw})
	if cfg.Generation != 2 || cfg.NotModified || cfg.VpnGatewayId != f.gw || cfg.InternetIp != f.gwIP || cfg.ReportInterval != 5 ||
		cfg.RegionId != f.region || len(cfg.VpnConnections.VpnConnection) != 2 {
		t.Fatalf("desired state = %+v", cfg)
	}
	for i, id := range []string{a, b} {
		got := cfg.VpnConnections.VpnConnection[i]
		if got.VpnConnectionId != id || got.EffectImmediately != (i == 0) || !got.EnableDpd || !got.EnableNatTraversal || got.Tunnels != nil {
			t.Errorf("connection %d = %+v", i, got)
		}
		if d := cmp.Diff(download(t, env, apptest.V2Default, f.region, id), got.VpnConnectionConfig); d != "" {
			t.Errorf("connection %s: VpnConnectionConfig differs from DownloadVpnConnectionConfig (-download +agent):\n%s", id, d)
		}
	}
	// Current generation: NotModified at once, without connections.
	nm := agentConfig(t, c, map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw, "Generation": "2"})
	if !nm.NotModified || nm.Generation != 2 || len(nm.VpnConnections.VpnConnection) != 0 {
		t.Fatalf("NotModified answer = %+v", nm)
	}
	// An old generation answers the state at once, even with a wait.
	if old := agentConfig(t, c, map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw, "Generation": "1", "WaitSeconds": "25"}); old.NotModified || old.Generation != 2 {
		t.Fatalf("old generation answered %+v", old)
	}
	// An unchanged generation waits WaitSeconds.
	start := time.Now()
	if w := agentConfig(t, c, map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw, "Generation": "2", "WaitSeconds": "1"}); !w.NotModified {
		t.Fatalf("long-poll without a change = %+v", w)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("a 1 s long-poll answered after %v", el)
	}

	// Four long-polls park one after the other: the server admits at
	// most 3 requests at once, so a long-poll that kept its slot would
	// make the fourth answer ServiceUnavailable.
	var wg sync.WaitGroup
	results := make([]vpn.AgentConfig, 4)
	errs := make([]error, 4)
	started := time.Now()
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := agentCall(c, "DownloadVpnGatewayAgentConfig", map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw, "Generation": "2", "WaitSeconds": "25"})
			if errs[i] = err; err == nil {
				b, _ := json.Marshal(body)
				errs[i] = json.Unmarshal(b, &results[i])
			}
		}()
		waitFor(t, func() bool { return env.App.Service.AgentLongPolls() == i+1 && env.App.Limiter.InFlight() == 0 })
	}
	for range 5 {
		if _, err := c.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw)}); err != nil {
			t.Fatalf("with four long-polls waiting: %v", err)
		}
	}
	if _, err := c.ModifyVpnConnectionAttribute(&vpc.ModifyVpnConnectionAttributeRequest{RegionId: dara.String(f.region),
		VpnConnectionId: dara.String(b), Name: dara.String("renamed")}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("long-poll %d: %v", i, err)
		}
	}
	if el := time.Since(started); el > 20*time.Second {
		t.Fatalf("the change did not wake the long-polls (answered after %v)", el)
	}
	for i, r := range results {
		if r.NotModified || r.Generation != 3 || len(r.VpnConnections.VpnConnection) != 2 || r.VpnConnections.VpnConnection[1].Name != "renamed" {
			t.Errorf("long-poll %d answered %+v", i, r)
		}
	}
	// Deleting a connection moves the generation too.
	if _, err := c.DeleteVpnConnection(&vpc.DeleteVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(a)}); err != nil {
		t.Fatal(err)
	}
	if d := agentConfig(t, c, map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw, "Generation": "3"}); d.Generation != 4 || len(d.VpnConnections.VpnConnection) != 1 {
		t.Fatalf("after delete: %+v", d)
	}
	// Shutting down ends a waiting long-poll at once.
	done := make(chan vpn.AgentConfig, 1)
	go func() {
		done <- agentConfig(t, c, map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw, "Generation": "4", "WaitSeconds": "25"})
	}()
	waitFor(t, func() bool { return env.App.Service.AgentLongPolls() == 1 })
	env.App.Service.StopAgentWaits()
	select {
	case r := <-done:
		if !r.NotModified {
			t.Fatalf("at shutdown: %+v", r)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("StopAgentWaits did not end the long-poll")
	}
	// Bad parameters.
	for _, tc := range []struct {
		params map[string]string
		code   string
	}{
		{map[string]string{"WaitSeconds": "26"}, "InvalidWaitSeconds.Malformed"},
		{map[string]string{"WaitSeconds": "-1"}, "InvalidWaitSeconds.Malformed"},
		{map[string]string{"Generation": "x"}, "InvalidGeneration.Malformed"},
		{map[string]string{"VpnGatewayId": "vpn-nope"}, "InvalidVpnGatewayInstanceId.NotFound"},
	} {
		p := map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw}
		for k, v := range tc.params {
			p[k] = v
		}
		_, err := agentCall(c, "DownloadVpnGatewayAgentConfig", p)
		if code, _, _ := sdkError(err); code != tc.code {
			t.Errorf("%v: %v, want %s", tc.params, err, tc.code)
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCompatAgentStatus: a report shows in DescribeVpnConnection(s) (through
// both SDKs), in DescribeVpnGateway(s)' GatewayAgent and in
// DescribeVpnGatewayAgentStatus; BGP is never reported as up.
func TestCompatAgentStatus(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	f := newFixture(t, env, false)
	df := newFixture(t, env, true)
	c := env.RootV2(t)
	r, err := c.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw),
		CustomerGatewayId: dara.String(f.cgws[0]), LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String("10.1.0.0/16"),
		BgpConfig: dara.String(`{"EnableBgp":true,"LocalAsn":45104,"TunnelCidr":"169.254.10.0/30","LocalBgpIp":"169.254.10.1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	single := dara.StringValue(r.Body.VpnConnectionId)
	dual := df.dual(t)
	d, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(dual)})
	if err != nil {
		t.Fatal(err)
	}
	master := dara.StringValue(d.Body.TunnelOptionsSpecification.TunnelOptions[0].TunnelId)
	slave := dara.StringValue(d.Body.TunnelOptionsSpecification.TunnelOptions[1].TunnelId)

	// Before any report: not established, agent not connected, BGP not up.
	ds, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(single)})
	if err != nil {
		t.Fatal(err)
	}
	if st := dara.StringValue(ds.Body.Status); st != "ike_sa_not_established" || dara.StringValue(ds.Body.VpnBgpConfig.Status) != "failed" {
		t.Fatalf("before a report: Status %s, BGP %s", st, dara.StringValue(ds.Body.VpnBgpConfig.Status))
	}
	gw, err := peertest.CallAction(c, "DescribeVpnGateway", map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(gw["GatewayAgent"]); got != "map[AgentVersion: Connected:false LastReportTime:0]" {
		t.Fatalf("GatewayAgent before a report: %s", got)
	}

	before := time.Now()
	report := func(gwID, seq string, ts ...vpn.AgentTunnelReport) {
		t.Helper()
		body, err := agentCall(c, "ReportVpnGatewayAgentStatus", map[string]string{"RegionId": f.region, "VpnGatewayId": gwID,
			"AgentInstanceId": "test-1", "Sequence": seq, "AgentVersion": "0.9.0", "Hostname": "gw1.example", "Generation": "1",
			"Tunnels.1": tunnelReports(t, ts...)})
		if err != nil {
			t.Fatalf("report: %v", err)
		}
		if fmt.Sprint(body["Sequence"]) != seq || fmt.Sprint(body["ReportInterval"]) != "5" {
			t.Fatalf("report answer %v", body)
		}
	}
	report(f.gw, "1", vpn.AgentTunnelReport{VpnConnectionId: single, Status: "ipsec_sa_established", IkeSaState: "ESTABLISHED",
		ChildSaState: "INSTALLED", IkeSaUniqueId: "7", EstablishedTime: 1778000000000, BytesIn: 1000, BytesOut: 2000, PacketsIn: 10, PacketsOut: 20})
	report(df.gw, "1",
		vpn.AgentTunnelReport{VpnConnectionId: dual, TunnelId: master, Status: "ike_sa_established", IkeSaState: "ESTABLISHED"},
		vpn.AgentTunnelReport{VpnConnectionId: dual, TunnelId: slave, Status: "ipsec_sa_not_established", IkeSaState: "ESTABLISHED",
			LastError: "received TS_UNACCEPTABLE notify", LastErrorTime: 1778000001000})

	// V2 SDK, typed.
	ds, err = c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(single)})
	if err != nil {
		t.Fatal(err)
	}
	if st := dara.StringValue(ds.Body.Status); st != "ipsec_sa_established" {
		t.Fatalf("single Status = %s", st)
	}
	if st := dara.StringValue(ds.Body.VpnBgpConfig.Status); st != "failed" {
		t.Fatalf("BGP status = %s, want failed (no BGP speaker runs)", st)
	}
	dd, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(dual)})
	if err != nil {
		t.Fatal(err)
	}
	to := dd.Body.TunnelOptionsSpecification.TunnelOptions
	if got := fmt.Sprintln(dara.StringValue(dd.Body.Status), dara.StringValue(to[0].Status), dara.StringValue(to[1].Status)); got != "ipsec_sa_not_established ike_sa_established ipsec_sa_not_established\n" {
		t.Fatalf("dual statuses = %s", got)
	}
	list, err := c.DescribeVpnConnections(&vpc.DescribeVpnConnectionsRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Body.VpnConnections.VpnConnection); n != 1 || dara.StringValue(list.Body.VpnConnections.VpnConnection[0].Status) != "ipsec_sa_established" {
		t.Fatalf("DescribeVpnConnections = %v", list.Body.VpnConnections)
	}
	// V1 SDK (XML).
	v1 := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateDescribeVpnConnectionRequest()
	env.PrepareV1(req, &req.AcceptFormat, true)
	req.RegionId, req.VpnConnectionId = f.region, dual
	resp, err := v1.DescribeVpnConnection(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != "ipsec_sa_not_established" || resp.TunnelOptionsSpecification.TunnelOptions[0].Status != "ike_sa_established" {
		t.Fatalf("V1 XML: %s / %+v", resp.Status, resp.TunnelOptionsSpecification.TunnelOptions)
	}

	// GatewayAgent, and the agent's own view.
	gw, err = peertest.CallAction(c, "DescribeVpnGateways", map[string]string{"RegionId": f.region})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range gw["VpnGateways"].(map[string]any)["VpnGateway"].([]any) {
		ga := it.(map[string]any)["GatewayAgent"].(map[string]any)
		last, _ := strconv.ParseInt(fmt.Sprint(ga["LastReportTime"]), 10, 64)
		if ga["Connected"] != true || ga["AgentVersion"] != "0.9.0" || last < before.UnixMilli() || last > time.Now().UnixMilli() {
			t.Errorf("GatewayAgent of %v = %v", it.(map[string]any)["VpnGatewayId"], ga)
		}
	}
	st, err := peertest.CallAction(c, "DescribeVpnGatewayAgentStatus", map[string]string{"RegionId": f.region, "VpnGatewayId": df.gw})
	if err != nil {
		t.Fatal(err)
	}
	tunnels := st["Tunnels"].(map[string]any)["Tunnel"].([]any)
	if st["Connected"] != true || st["Hostname"] != "gw1.example" || fmt.Sprint(st["Generation"]) != "1" || fmt.Sprint(st["TotalCount"]) != "2" || len(tunnels) != 2 {
		t.Fatalf("agent status = %v", st)
	}
	var sl map[string]any
	for _, x := range tunnels {
		if x.(map[string]any)["TunnelId"] == slave {
			sl = x.(map[string]any)
		}
	}
	if sl == nil || sl["Status"] != "ipsec_sa_not_established" || sl["LastError"] != "received TS_UNACCEPTABLE notify" || fmt.Sprint(sl["LastErrorTime"]) != "1778000001000" {
		t.Fatalf("slave tunnel = %v", sl)
	}
}

// dual creates a dual-tunnel connection on the fixture's gateway.
func (f *fixture) dual(t *testing.T) string {
	t.Helper()
	tun := func(role, cgw string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
		return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{Role: dara.String(role), CustomerGatewayId: dara.String(cgw),
			TunnelIkeConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{IkeVersion: dara.String("ikev2")}}
	}
	r, err := f.v2.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw),
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8"),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{tun("master", f.cgws[0]), tun("slave", f.cgws[1])}})
	if err != nil {
		t.Fatal(err)
	}
	return dara.StringValue(r.Body.VpnConnectionId)
}

// TestCompatConnectionLogs: DescribeVpnConnectionLogs through both SDKs'
// own request and response models.
func TestCompatConnectionLogs(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	f := newFixture(t, env, true)
	c := env.RootV2(t)
	id := f.dual(t)
	d, err := c.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(f.region), VpnConnectionId: dara.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	master := dara.StringValue(d.Body.TunnelOptionsSpecification.TunnelOptions[0].TunnelId)
	slave := dara.StringValue(d.Body.TunnelOptionsSpecification.TunnelOptions[1].TunnelId)
	now := time.Now().Truncate(time.Second)
	t0 := now.Add(-3 * time.Minute)
	var lines []vpn.AgentLogLine
	for i := range 12 {
		tun := master
		if i%3 == 2 {
			tun = slave
		}
		lines = append(lines, vpn.AgentLogLine{VpnConnectionId: id, TunnelId: tun, Time: t0.Add(time.Duration(i) * 10 * time.Second).UnixMilli(),
			Line: fmt.Sprintf("[IKE] line %02d", i)})
	}
	b, _ := json.Marshal(lines)
	if _, err := agentCall(c, "ReportVpnGatewayAgentStatus", map[string]string{"RegionId": f.region, "VpnGatewayId": f.gw,
		"AgentInstanceId": "a", "Sequence": "1", "LogLines.1": string(b)}); err != nil {
		t.Fatal(err)
	}
	stamp := func(i int) string {
		return t0.Add(time.Duration(i) * 10 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	}

	// V2: seconds in the SDK's int32 fields; page 1 of the master tunnel.
	resp, err := c.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(f.region),
		VpnConnectionId: dara.String(id), TunnelId: dara.String(master), From: dara.Int32(int32(t0.Unix())),
		To: dara.Int32(int32(now.Unix())), PageSize: dara.Int32(5)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range resp.Body.Data.Logs {
		got = append(got, dara.StringValue(l))
	}
	want := []string{stamp(0) + " [IKE] line 00", stamp(1) + " [IKE] line 01", stamp(3) + " [IKE] line 03", stamp(4) + " [IKE] line 04", stamp(6) + " [IKE] line 06"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("page 1 (-want +got):\n%s", d)
	}
	if dara.Int32Value(resp.Body.Count) != 5 || dara.Int32Value(resp.Body.PageNumber) != 1 || dara.Int32Value(resp.Body.PageSize) != 5 ||
		!dara.BoolValue(resp.Body.IsCompleted) || dara.StringValue(resp.Body.RequestId) == "" {
		t.Fatalf("page 1 answer %s", resp.Body)
	}
	resp, err = c.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(f.region),
		VpnConnectionId: dara.String(id), TunnelId: dara.String(master), From: dara.Int32(int32(t0.Unix())),
		To: dara.Int32(int32(now.Unix())), PageSize: dara.Int32(5), PageNumber: dara.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.Body.Data.Logs); n != 3 || dara.Int32Value(resp.Body.Count) != 3 || dara.StringValue(resp.Body.Data.Logs[2]) != stamp(10)+" [IKE] line 10" {
		t.Fatalf("page 2 = %s", resp.Body)
	}
	// MinutePeriod with From: the first minute, both tunnels.
	resp, err = c.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(f.region),
		VpnConnectionId: dara.String(id), From: dara.Int32(int32(t0.Unix())), MinutePeriod: dara.Int32(1), PageSize: dara.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.Body.Data.Logs); n != 7 { // lines 0-6 (line 6 at exactly From + 60 s)
		t.Fatalf("MinutePeriod=1 from t0: %d lines: %s", n, resp.Body)
	}
	// A range that ends in the future is not complete yet.
	resp, err = c.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(f.region),
		VpnConnectionId: dara.String(id), From: dara.Int32(int32(now.Unix())), To: dara.Int32(int32(now.Add(time.Hour).Unix()))})
	if err != nil {
		t.Fatal(err)
	}
	if dara.BoolValue(resp.Body.IsCompleted) || len(resp.Body.Data.Logs) != 0 {
		t.Fatalf("future range = %s", resp.Body)
	}

	// V1 SDK, XML, milliseconds.
	v1 := env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	req := vpcv1.CreateDescribeVpnConnectionLogsRequest()
	env.PrepareV1(req, &req.AcceptFormat, true)
	req.RegionId, req.VpnConnectionId, req.TunnelId = f.region, id, slave
	req.From, req.To = "1", requests.Integer(fmt.Sprint(now.UnixMilli()))
	v1resp, err := v1.DescribeVpnConnectionLogs(req)
	if err != nil {
		t.Fatal(err)
	}
	if v1resp.Count != 4 || len(v1resp.Data.Logs) != 4 || v1resp.Data.Logs[0] != stamp(2)+" [IKE] line 02" || !v1resp.IsCompleted || v1resp.PageSize != 10 {
		t.Fatalf("V1 XML answer %+v", v1resp)
	}

	// Errors.
	for _, tc := range []struct {
		req  *vpc.DescribeVpnConnectionLogsRequest
		code string
	}{
		{&vpc.DescribeVpnConnectionLogsRequest{}, "MissingParameter"},
		{&vpc.DescribeVpnConnectionLogsRequest{From: dara.Int32(100)}, "MissingParameter"},
		{&vpc.DescribeVpnConnectionLogsRequest{MinutePeriod: dara.Int32(11)}, "InvalidMinutePeriod.Malformed"},
		{&vpc.DescribeVpnConnectionLogsRequest{From: dara.Int32(200), To: dara.Int32(100)}, "InvalidParameter"},
		{&vpc.DescribeVpnConnectionLogsRequest{MinutePeriod: dara.Int32(1), PageSize: dara.Int32(51)}, "InvalidPageSize.Malformed"},
		{&vpc.DescribeVpnConnectionLogsRequest{MinutePeriod: dara.Int32(1), TunnelId: dara.String("tun-nope")}, "InvalidTunnelId.NotFound"},
	} {
		tc.req.RegionId, tc.req.VpnConnectionId = dara.String(f.region), dara.String(id)
		_, err := c.DescribeVpnConnectionLogs(tc.req)
		if code, _, _ := sdkError(err); code != tc.code {
			t.Errorf("%s: %v, want %s", tc.req, err, tc.code)
		}
	}
	if _, err := c.DescribeVpnConnectionLogs(&vpc.DescribeVpnConnectionLogsRequest{RegionId: dara.String(f.region),
		VpnConnectionId: dara.String("vco-nope"), MinutePeriod: dara.Int32(1)}); !strings.Contains(fmt.Sprint(err), "InvalidVpnConnectionInstanceId.NotFound") {
		t.Errorf("unknown connection: %v", err)
	}
}

// TestCompatAgentRAM: a RAM policy scoped to one gateway's ARN is all an
// agent needs; its key can neither read nor report for another gateway
// (403 Forbbiden.SubUser, nothing of the other gateway in the answer).
func TestCompatAgentRAM(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	fa := newFixture(t, env, false)
	fb := newFixture(t, env, false)
	root := env.RootV2(t)
	var psks []string
	for _, f := range []*fixture{fa, fb} {
		psk := "Psk-" + f.gw[len(f.gw)-8:]
		psks = append(psks, psk)
		if _, err := root.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(f.region), VpnGatewayId: dara.String(f.gw),
			CustomerGatewayId: dara.String(f.cgws[0]), LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String("10.1.0.0/16"),
			IkeConfig: dara.String(`{"Psk":"` + psk + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	ak, secret := peertest.CreateAgentUser(t, root, "agent-a", fa.gw)
	agent := env.V2(t, "", ak, secret)
	cfg := agentConfig(t, agent, map[string]string{"RegionId": fa.region, "VpnGatewayId": fa.gw})
	if len(cfg.VpnConnections.VpnConnection) != 1 || cfg.VpnConnections.VpnConnection[0].VpnConnectionConfig.IkeConfig.Psk != psks[0] {
		t.Fatalf("agent a's own gateway: %+v", cfg)
	}
	bConn := ""
	list, err := root.DescribeVpnConnections(&vpc.DescribeVpnConnectionsRequest{RegionId: dara.String(fb.region), VpnGatewayId: dara.String(fb.gw)})
	if err != nil {
		t.Fatal(err)
	}
	bConn = dara.StringValue(list.Body.VpnConnections.VpnConnection[0].VpnConnectionId)
	for _, call := range []struct {
		action string
		params map[string]string
	}{
		{"DownloadVpnGatewayAgentConfig", map[string]string{"RegionId": fb.region, "VpnGatewayId": fb.gw}},
		{"ReportVpnGatewayAgentStatus", map[string]string{"RegionId": fb.region, "VpnGatewayId": fb.gw, "AgentInstanceId": "x", "Sequence": "1",
			"Tunnels.1": tunnelReports(t, vpn.AgentTunnelReport{VpnConnectionId: bConn, Status: "ipsec_sa_established"})}},
		{"DescribeVpnGatewayAgentStatus", map[string]string{"RegionId": fa.region, "VpnGatewayId": fa.gw}},
		{"DescribeVpnConnections", map[string]string{"RegionId": fa.region}},
	} {
		_, err := agentCall(agent, call.action, call.params)
		code, status, body := sdkError(err)
		if code != "Forbbiden.SubUser" || status != 403 {
			t.Errorf("%s: %v, want 403 Forbbiden.SubUser", call.action, err)
		}
		for _, secret := range append(psks, fb.gwIP, bConn) {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the 403 answer leaks %q: %s", call.action, secret, body)
			}
		}
	}
	// A report of gateway a naming b's connection changes nothing of b.
	if _, err := agentCall(agent, "ReportVpnGatewayAgentStatus", map[string]string{"RegionId": fa.region, "VpnGatewayId": fa.gw,
		"AgentInstanceId": "x", "Sequence": "1", "Tunnels.1": tunnelReports(t, vpn.AgentTunnelReport{VpnConnectionId: bConn, Status: "ipsec_sa_established"})}); err != nil {
		t.Fatal(err)
	}
	d, err := root.DescribeVpnConnection(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(fb.region), VpnConnectionId: dara.String(bConn)})
	if err != nil {
		t.Fatal(err)
	}
	if st := dara.StringValue(d.Body.Status); st != "ike_sa_not_established" {
		t.Fatalf("b's connection after a's report naming it: %s", st)
	}
}
