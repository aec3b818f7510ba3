package audit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/crashtest"
	"github.com/vpcvpn/vpcvpn/internal/peertest"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
)

// call calls any action over HTTPS (the env's CA) through the V2 SDK's
// generic CallApi, parameters in a form body.
func (e *tlsEnv) call(c *vpc.Client, version, action string, params map[string]string) (map[string]any, error) {
	body := map[string]any{}
	for k, v := range params {
		body[k] = v
	}
	p := &openapiutil.Params{
		Action: dara.String(action), Version: dara.String(version), Protocol: dara.String("HTTPS"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}
	res, err := c.CallApi(p, &openapiutil.OpenApiRequest{Body: body}, e.rt())
	if err != nil {
		return nil, err
	}
	out, ok := res["body"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: answer body is %T", action, res["body"])
	}
	return out, nil
}

func sdkErrCode(err error) (string, int) {
	var te *tea.SDKError
	if errors.As(err, &te) {
		return dara.StringValue(te.Code), dara.IntValue(te.StatusCode)
	}
	var de *dara.SDKError
	if errors.As(err, &de) {
		return dara.StringValue(de.Code), dara.IntValue(de.StatusCode)
	}
	return "", 0
}

// TestAgentDesiredStateIsASecretRead: the gateway agent's
// DownloadVpnGatewayAgentConfig hands out pre-shared keys, so it is audited
// as a secret read (EventRW Read, secretRead true, the gateway's ARN, the
// agent user's identity), found by LookupEvents' SecretRead filter, and
// throttled in the secret-read class (one bucket per AccessKey with
// DownloadVpnConnectionConfig; the agent's reports, writes, are not
// affected). The PSK it answers is in neither the audit trail nor the
// server's log, at any level.
func TestAgentDesiredStateIsASecretRead(t *testing.T) {
	frozen := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var logs crashtest.Buffer
	e := startTLSLogging(t, &throttle.Config{
		SecretRead: throttle.Rate{PerSecond: 2, Burst: 1},
		Write:      throttle.Rate{PerSecond: 100, Burst: 100},
		Now:        func() time.Time { return frozen },
	}, &logs)
	id := e.connection(t)
	root := e.v2(t, rootSecret)
	d, err := root.DescribeVpnConnectionWithOptions(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)}, e.rt())
	if err != nil {
		t.Fatal(err)
	}
	gw := dara.StringValue(d.Body.VpnGatewayId)

	// The agent's least-privilege user (the README's policy: its gateway's
	// ARN only).
	const ram = "2015-05-01"
	for _, c := range []struct {
		action string
		params map[string]string
	}{
		{"CreateUser", map[string]string{"UserName": "agent-1"}},
		{"CreatePolicy", map[string]string{"PolicyName": "agent-1", "PolicyDocument": peertest.AgentPolicy(region, gw)}},
		{"AttachPolicyToUser", map[string]string{"PolicyType": "Custom", "PolicyName": "agent-1", "UserName": "agent-1"}},
	} {
		if _, err := e.call(root, ram, c.action, c.params); err != nil {
			t.Fatalf("%s: %v", c.action, err)
		}
	}
	kb, err := e.call(root, ram, "CreateAccessKey", map[string]string{"UserName": "agent-1"})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := kb["AccessKey"].(map[string]any)
	agentAK, agentSecret := fmt.Sprint(k["AccessKeyId"]), fmt.Sprint(k["AccessKeySecret"])
	agent, err := vpc.NewClient(&openapiutil.Config{AccessKeyId: dara.String(agentAK), AccessKeySecret: dara.String(agentSecret),
		Endpoint: dara.String(e.endpoint), Protocol: dara.String("HTTPS"), RegionId: dara.String(region)})
	if err != nil {
		t.Fatal(err)
	}

	desired := map[string]string{"RegionId": region, "VpnGatewayId": gw}
	body, err := e.call(agent, "2016-04-28", "DownloadVpnGatewayAgentConfig", desired)
	if err != nil {
		t.Fatalf("the agent's desired state: %v", err)
	}
	if !strings.Contains(fmt.Sprint(body), psk) {
		t.Fatalf("the desired state carries no PSK: %v", body)
	}
	requestID := fmt.Sprint(body["RequestId"])
	// The secret-read bucket of the agent's key (burst 1) is empty now:
	// the next desired state is throttled, its reports (writes) are not.
	_, err = e.call(agent, "2016-04-28", "DownloadVpnGatewayAgentConfig", desired)
	if code, status := sdkErrCode(err); code != "Throttling.User" || status != 400 {
		t.Fatalf("second desired state: %v, want 400 Throttling.User", err)
	}
	if _, err := e.call(agent, "2016-04-28", "ReportVpnGatewayAgentStatus", map[string]string{"RegionId": region, "VpnGatewayId": gw,
		"AgentInstanceId": "a1", "Sequence": "1", "Tunnels.1": `[{"VpnConnectionId":"` + id + `","Status":"ike_sa_established"}]`}); err != nil {
		t.Fatalf("a report with the secret reads throttled: %v", err)
	}
	// One class with DownloadVpnConnectionConfig: root's customer-side
	// download empties root's bucket, and root's desired state is
	// throttled too.
	if _, err := root.DownloadVpnConnectionConfigWithOptions(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(region),
		VpnConnectionId: dara.String(id)}, e.rt()); err != nil {
		t.Fatalf("root's download: %v", err)
	}
	_, err = e.call(root, "2016-04-28", "DownloadVpnGatewayAgentConfig", desired)
	if code, status := sdkErrCode(err); code != "Throttling.User" || status != 400 {
		t.Fatalf("root's desired state after a download: %v, want 400 Throttling.User", err)
	}

	events, raw := e.events(t)
	var got []string
	var ok *audit.Event
	for i, ev := range events {
		if ev.EventName == "DownloadVpnGatewayAgentConfig" || ev.EventName == "ReportVpnGatewayAgentStatus" {
			got = append(got, fmt.Sprintf("%s %s %s secret=%v %d %s", ev.EventName, ev.UserIdentity.AccessKeyID, ev.EventRW, ev.SecretRead, ev.HTTPStatus, ev.ErrorCode))
			if ev.EventID == requestID {
				ok = &events[i]
			}
		}
	}
	want := []string{
		"DownloadVpnGatewayAgentConfig " + agentAK + " Read secret=true 200 ",
		"DownloadVpnGatewayAgentConfig " + agentAK + " Read secret=true 400 Throttling.User",
		"ReportVpnGatewayAgentStatus " + agentAK + " Write secret=false 200 ",
		"DownloadVpnGatewayAgentConfig " + rootAK + " Read secret=true 400 Throttling.User",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("agent events\n got %q\nwant %q", got, want)
	}
	acct := e.app.Root.AccountID
	if ok == nil || ok.ResourceName != "acs:vpc:"+region+":"+acct+":vpngateway/"+gw || ok.UserIdentity.Type != "ram-user" ||
		ok.UserIdentity.UserName != "agent-1" || ok.ServiceName != "Vpc" || !ok.SecureTransport {
		t.Fatalf("the desired state's event %+v", ok)
	}
	// LookupEvents' SecretRead filter finds the agent's reads.
	lb, err := e.call(root, "2020-07-06", "LookupEvents", map[string]string{"LookupAttribute.1.Key": "SecretRead", "LookupAttribute.1.Value": "true",
		"LookupAttribute.2.Key": "EventName", "LookupAttribute.2.Value": "DownloadVpnGatewayAgentConfig"})
	if err != nil {
		t.Fatalf("LookupEvents: %v", err)
	}
	if evs, _ := lb["Events"].([]any); len(evs) != 3 {
		t.Fatalf("LookupEvents SecretRead+EventName found %d events, want 3: %v", len(evs), lb)
	}
	for _, s := range []string{psk, agentSecret, rootSecret} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the audit trail holds the secret %q", s)
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("the server's log holds the secret %q", s)
		}
	}
	if logs.String() == "" {
		t.Error("the server logged nothing at debug level: the log check proves nothing")
	}
}
