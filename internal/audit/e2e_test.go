package audit_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
	"github.com/vpcvpn/vpcvpn/internal/tlsconf"
)

const (
	rootAK     = "LTAIauditRootKey0001"
	rootSecret = "auditRootSecret0123456789abcdef"
	region     = "cn-hangzhou"
	psk        = "PskNeverInAudit42"
)

var _ api.AuditSink = (*audit.Writer)(nil)

// tlsEnv is a real server (production wiring) behind HTTPS with a
// self-signed certificate; it remembers every signature it was sent.
type tlsEnv struct {
	app      *app.App
	endpoint string
	caPEM    string
	dir      string

	mu         sync.Mutex
	signatures []string
}

func startTLS(t *testing.T, th *throttle.Config) *tlsEnv {
	t.Helper()
	return startTLSLogging(t, th, io.Discard)
}

// startTLSLogging is startTLS with the server's log (every level) written
// to logw.
func startTLSLogging(t *testing.T, th *throttle.Config, logw io.Writer) *tlsEnv {
	t.Helper()
	dir := t.TempDir()
	a, err := app.Open(context.Background(), app.Options{
		DataDir: dir, Logger: slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RootAccessKeyID: rootAK, RootAccessKeySecret: rootSecret,
		Audit:    &audit.Options{FlushInterval: time.Hour},
		Throttle: th,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, info, err := tlsconf.SelfSigned(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(info.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	e := &tlsEnv{app: a, caPEM: string(ca), dir: dir}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		if s := r.URL.Query().Get("Signature"); s != "" {
			e.signatures = append(e.signatures, s)
		}
		if h := r.Header.Get("Authorization"); h != "" {
			_, s, _ := strings.Cut(h, "Signature=")
			e.signatures = append(e.signatures, s)
		}
		e.mu.Unlock()
		a.Handler.ServeHTTP(w, r)
	}))
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	e.endpoint = strings.TrimPrefix(srv.URL, "https://")
	return e
}

// v2 is a V2 SDK client in its default mode (HTTPS, ACS3-HMAC-SHA256).
func (e *tlsEnv) v2(t *testing.T, secret string) *vpc.Client {
	c, err := vpc.NewClient(&openapiutil.Config{AccessKeyId: dara.String(rootAK), AccessKeySecret: dara.String(secret),
		Endpoint: dara.String(e.endpoint), Protocol: dara.String("HTTPS"), RegionId: dara.String(region)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *tlsEnv) rt() *dara.RuntimeOptions { return &dara.RuntimeOptions{Ca: dara.String(e.caPEM)} }

// connection creates a VPC, vSwitch, gateway, customer gateway and a
// connection with a known PSK through the V2 SDK over HTTPS.
func (e *tlsEnv) connection(t *testing.T) string {
	t.Helper()
	c, rt := e.v2(t, rootSecret), e.rt()
	v, err := c.CreateVpcWithOptions(&vpc.CreateVpcRequest{RegionId: dara.String(region), CidrBlock: dara.String("192.168.0.0/16")}, rt)
	if err != nil {
		t.Fatalf("CreateVpc over HTTPS: %v", err)
	}
	sw, err := c.CreateVSwitchWithOptions(&vpc.CreateVSwitchRequest{RegionId: dara.String(region), VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")}, rt)
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateVpnGatewayWithOptions(&vpc.CreateVpnGatewayRequest{RegionId: dara.String(region), VpcId: v.Body.VpcId, VSwitchId: sw.Body.VSwitchId, Bandwidth: dara.Int32(10)}, rt)
	if err != nil {
		t.Fatal(err)
	}
	cg, err := c.CreateCustomerGatewayWithOptions(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(region), IpAddress: dara.String("198.51.100.10")}, rt)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.CreateVpnConnectionWithOptions(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(region),
		VpnGatewayId: g.Body.VpnGatewayId, CustomerGatewayId: cg.Body.CustomerGatewayId,
		LocalSubnet: dara.String("192.168.1.0/24"), RemoteSubnet: dara.String("10.10.0.0/16"),
		IkeConfig: dara.String(`{"Psk":"` + psk + `"}`)}, rt)
	if err != nil {
		t.Fatalf("CreateVpnConnection: %v", err)
	}
	return dara.StringValue(conn.Body.VpnConnectionId)
}

func (e *tlsEnv) events(t *testing.T) ([]audit.Event, []byte) {
	t.Helper()
	if err := e.app.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	if _, err := audit.Scan(e.app.Audit.Dir(), audit.Query{}, func(ev *audit.Event) error { out = append(out, *ev); return nil }); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	files, _ := filepath.Glob(filepath.Join(e.app.Audit.Dir(), "*.jsonl"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		raw = append(raw, b...)
	}
	return out, raw
}

// TestTLSAuditWithBothSDKs: both official SDKs work over HTTPS; every call
// is audited with every field; the secret read is flagged; no PSK,
// AccessKey secret or signature reaches the trail; LookupEvents (V1 SDK,
// ActionTrail 2020-07-06) finds the download.
func TestTLSAuditWithBothSDKs(t *testing.T) {
	e := startTLS(t, nil)
	before := time.Now()
	id := e.connection(t)

	// V2 SDK, HTTPS with the CA: the secret read.
	dl, err := e.v2(t, rootSecret).DownloadVpnConnectionConfigWithOptions(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)}, e.rt())
	if err != nil {
		t.Fatalf("DownloadVpnConnectionConfig over HTTPS: %v", err)
	}
	if got := dara.StringValue(dl.Body.VpnConnectionConfig.IkeConfig.Psk); got != psk {
		t.Fatalf("downloaded PSK %q, want %q", got, psk)
	}
	// V1 SDK, HTTPS without verification (JSON and XML).
	v1, err := vpcv1.NewClientWithAccessKey(region, rootAK, rootSecret)
	if err != nil {
		t.Fatal(err)
	}
	v1.SetHTTPSInsecure(true)
	for _, format := range []string{"JSON", "XML"} {
		req := vpcv1.CreateDescribeVpnConnectionRequest()
		req.Scheme, req.Domain, req.AcceptFormat = "https", e.endpoint, format
		req.RegionId, req.VpnConnectionId = region, id
		resp, err := v1.DescribeVpnConnection(req)
		if err != nil {
			t.Fatalf("V1 SDK %s over HTTPS: %v", format, err)
		}
		if resp.VpnConnectionId != id {
			t.Errorf("V1 %s: VpnConnectionId %q", format, resp.VpnConnectionId)
		}
	}
	// A wrong secret: audited as a failure, and the echoed string to sign
	// must not reach the trail.
	_, err = e.v2(t, "wrongSecret").DescribeVpnConnectionWithOptions(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)}, e.rt())
	if err == nil {
		t.Fatal("wrong secret accepted")
	}
	after := time.Now()

	events, raw := e.events(t)
	var names []string
	for _, ev := range events {
		names = append(names, ev.EventName+":"+ev.ErrorCode)
	}
	want := []string{"CreateVpc:", "CreateVSwitch:", "CreateVpnGateway:", "CreateCustomerGateway:", "CreateVpnConnection:",
		"DownloadVpnConnectionConfig:", "DescribeVpnConnection:", "DescribeVpnConnection:", "DescribeVpnConnection:SignatureDoesNotMatch"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("audited calls\n got %v\nwant %v", names, want)
	}
	d := events[5]
	acct := e.app.Root.AccountID
	if d.EventID != dara.StringValue(dl.Body.RequestId) || d.RequestID != d.EventID {
		t.Errorf("eventId/requestId %q/%q, want the answer's RequestId %q", d.EventID, d.RequestID, dara.StringValue(dl.Body.RequestId))
	}
	if d.EventTime.Before(before) || d.EventTime.After(after) {
		t.Errorf("eventTime %v outside the call", d.EventTime)
	}
	if !strings.Contains(d.UserAgent, "AlibabaCloud") {
		t.Errorf("userAgent %q", d.UserAgent)
	}
	if d.LatencyMs <= 0 {
		t.Errorf("latencyMs %v", d.LatencyMs)
	}
	d.EventTime, d.UserAgent, d.LatencyMs = time.Time{}, "", 0
	wantD := audit.Event{EventID: d.EventID, RequestID: d.EventID, EventName: "DownloadVpnConnectionConfig", EventType: "ApiCall",
		EventRW: "Read", SecretRead: true, ServiceName: "Vpc", APIVersion: "2016-04-28", AcsRegion: region,
		SourceIP: "127.0.0.1", SecureTransport: true,
		UserIdentity: audit.Identity{Type: "root-account", AccountID: acct, ARN: "acs:ram::" + acct + ":root", AccessKeyID: rootAK},
		ResourceName: "acs:vpc:" + region + ":" + acct + ":vpnconnection/" + id, HTTPStatus: 200}
	if d != wantD {
		t.Errorf("download event\n got %+v\nwant %+v", d, wantD)
	}
	if f := events[8]; f.HTTPStatus != 400 || f.UserIdentity.AccountID != "" || !f.SecureTransport {
		t.Errorf("failed call event %+v", f)
	}
	for _, ev := range events {
		if ev.EventRW == "Write" && ev.SecretRead || ev.EventName == "CreateVpc" && ev.EventRW != "Write" {
			t.Errorf("classification of %s: rw %s secret %v", ev.EventName, ev.EventRW, ev.SecretRead)
		}
	}
	e.mu.Lock()
	secrets := append([]string{psk, rootSecret, "wrongSecret", "string to sign"}, e.signatures...)
	e.mu.Unlock()
	if len(secrets) < 13 {
		t.Fatalf("only %d signatures seen", len(secrets)-4)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(raw), s) {
			t.Errorf("the audit trail holds the secret %q", s)
		}
	}

	// LookupEvents through the V1 SDK's ActionTrail client.
	at, err := actiontrail.NewClientWithAccessKey(region, rootAK, rootSecret)
	if err != nil {
		t.Fatal(err)
	}
	at.SetHTTPSInsecure(true)
	lr := actiontrail.CreateLookupEventsRequest()
	lr.Scheme, lr.Domain = "https", e.endpoint
	lr.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{{Key: "SecretRead", Value: "true"}}
	lresp, err := at.LookupEvents(lr)
	if err != nil {
		t.Fatalf("LookupEvents: %v", err)
	}
	if len(lresp.Events) != 1 {
		t.Fatalf("LookupEvents found %d secret reads, want 1: %v", len(lresp.Events), lresp.Events)
	}
	got := lresp.Events[0]
	for k, v := range map[string]any{"eventName": "DownloadVpnConnectionConfig", "eventId": wantD.EventID, "secretRead": true,
		"resourceName": wantD.ResourceName, "sourceIpAddress": "127.0.0.1", "httpStatus": float64(200)} {
		if got[k] != v {
			t.Errorf("LookupEvents event %s = %v, want %v", k, got[k], v)
		}
	}
	if ui, _ := got["userIdentity"].(map[string]any); ui["accessKeyId"] != rootAK || ui["type"] != "root-account" {
		t.Errorf("userIdentity %v", got["userIdentity"])
	}
	if lresp.NextToken != "" || lresp.RequestId == "" {
		t.Errorf("NextToken %q RequestId %q", lresp.NextToken, lresp.RequestId)
	}
	// The lookup itself is audited, as a read of the trail.
	events, _ = e.events(t)
	if last := events[len(events)-1]; last.EventName != "LookupEvents" || last.ServiceName != "Actiontrail" || last.APIVersion != "2020-07-06" ||
		last.EventRW != "Read" || last.ResourceName != "acs:actiontrail:*:"+acct+":*" {
		t.Errorf("LookupEvents event %+v", last)
	}
}

// TestThrottlingWithSDKs: an exhausted secret-read bucket answers
// Throttling.User (400) to both SDKs, with x-acs-retry-after and
// x-ratelimit-user (TimeLeft in ms) in the headers; other classes
// are unaffected. The limiter's clock is frozen, so nothing refills.
func TestThrottlingWithSDKs(t *testing.T) {
	frozen := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e := startTLS(t, &throttle.Config{
		SecretRead: throttle.Rate{PerSecond: 2, Burst: 1},
		Write:      throttle.Rate{PerSecond: 100, Burst: 100},
		Now:        func() time.Time { return frozen },
	})
	id := e.connection(t)
	c := e.v2(t, rootSecret)
	req := &vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)}
	if _, err := c.DownloadVpnConnectionConfigWithOptions(req, e.rt()); err != nil {
		t.Fatalf("first download: %v", err)
	}
	_, err := c.DownloadVpnConnectionConfigWithOptions(req, e.rt())
	// This generation of the V2 VPC client reports throttling as a
	// tea.SDKError (newer darabonba clients turn x-ratelimit-user's
	// TimeLeft into ThrottlingError.RetryAfter).
	var te *tea.SDKError
	if !errors.As(err, &te) {
		t.Fatalf("second download: %T %v, want *tea.SDKError", err, err)
	}
	if dara.StringValue(te.Code) != "Throttling.User" || dara.IntValue(te.StatusCode) != 400 {
		t.Errorf("SDKError code %s status %d; want Throttling.User 400", dara.StringValue(te.Code), dara.IntValue(te.StatusCode))
	}

	v1, err := vpcv1.NewClientWithAccessKey(region, rootAK, rootSecret)
	if err != nil {
		t.Fatal(err)
	}
	v1.SetHTTPSInsecure(true)
	r1 := vpcv1.CreateDownloadVpnConnectionConfigRequest()
	r1.Scheme, r1.Domain, r1.RegionId, r1.VpnConnectionId = "https", e.endpoint, region, id
	_, err = v1.DownloadVpnConnectionConfig(r1)
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("V1 download: %T %v", err, err)
	}
	if se.ErrorCode() != "Throttling.User" || se.HttpStatus() != 400 {
		t.Errorf("V1: %s %d", se.ErrorCode(), se.HttpStatus())
	}
	h := http.Header(se.RespHeaders)
	if h.Get("X-Acs-Retry-After") != "500" || h.Get("Retry-After") != "1" || !strings.HasPrefix(h.Get("X-Ratelimit-User"), "Limit:1,Remain:0,TimeLeft:500,Reset:") {
		t.Errorf("V1 response headers: %v", se.RespHeaders)
	}
	// Reads have their own (unlimited here) bucket.
	if _, err := c.DescribeVpnConnectionWithOptions(&vpc.DescribeVpnConnectionRequest{RegionId: dara.String(region), VpnConnectionId: dara.String(id)}, e.rt()); err != nil {
		t.Errorf("read after throttled secret reads: %v", err)
	}
	events, _ := e.events(t)
	n := 0
	for _, ev := range events {
		if ev.ErrorCode == "Throttling.User" {
			n++
			if !ev.SecretRead || ev.HTTPStatus != 400 || ev.UserIdentity.AccessKeyID != rootAK {
				t.Errorf("throttled event %+v", ev)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d throttled calls audited, want 2", n)
	}
}

// TestPlainHTTPIsNotSecureTransport: over plain HTTP the request's
// SecureTransport (acs:SecureTransport) is false, and so is the event's.
func TestPlainHTTPIsNotSecureTransport(t *testing.T) {
	a, err := app.Open(context.Background(), app.Options{
		DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RootAccessKeyID: rootAK, RootAccessKeySecret: rootSecret, Audit: &audit.Options{},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer func() { srv.Close(); a.Close() }()
	params := signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "DescribeRegions"}, {Name: "Version", Value: "2016-04-28"}},
		rootAK, rootSecret, time.Now(), "nonce-plain-http-1")
	resp, err := http.Get(srv.URL + "/?" + signature.V1Query(params))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if err := a.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []audit.Event
	if _, err := audit.Scan(a.Audit.Dir(), audit.Query{}, func(e *audit.Event) error { got = append(got, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SecureTransport || got[0].EventName != "DescribeRegions" || got[0].UserIdentity.Type != "root-account" {
		t.Errorf("events %+v", got)
	}
	if want := filepath.Join(a.Audit.Dir()); !strings.HasSuffix(want, "/audit") {
		t.Errorf("default audit dir %s", want)
	}
}

type sdkTarget interface {
	SetScheme(string)
	SetDomain(string)
}

func plain[T sdkTarget](endpoint string, req T) T {
	req.SetScheme("http")
	req.SetDomain(endpoint)
	return req
}

// TestLookupEventsRAMAuthorization: a RAM user needs actiontrail:LookupEvents
// (the real PolicyAuthorizer decides); with it, the user sees its account's
// trail, including the root's calls and its own refused one. The secret of
// a key created through the API never reaches the trail.
func TestLookupEventsRAMAuthorization(t *testing.T) {
	a, err := app.Open(context.Background(), app.Options{
		DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RootAccessKeyID: rootAK, RootAccessKeySecret: rootSecret, Audit: &audit.Options{},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer func() { srv.Close(); a.Close() }()
	ep := strings.TrimPrefix(srv.URL, "http://")
	root, err := ram.NewClientWithAccessKey(region, rootAK, rootSecret)
	if err != nil {
		t.Fatal(err)
	}
	cu := plain(ep, ram.CreateCreateUserRequest())
	cu.UserName = "auditor"
	if _, err := root.CreateUser(cu); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	ck := plain(ep, ram.CreateCreateAccessKeyRequest())
	ck.UserName = "auditor"
	key, err := root.CreateAccessKey(ck)
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	auditor, err := actiontrail.NewClientWithAccessKey(region, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func() (*actiontrail.LookupEventsResponse, error) {
		return auditor.LookupEvents(plain(ep, actiontrail.CreateLookupEventsRequest()))
	}
	_, err = lookup()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.HttpStatus() != 403 || se.AccessDeniedDetail()["AuthAction"] != "actiontrail:LookupEvents" {
		t.Fatalf("LookupEvents without a policy: %v", err)
	}
	deniedCode := se.ErrorCode()

	cp := plain(ep, ram.CreateCreatePolicyRequest())
	cp.PolicyName = "trail-read"
	cp.PolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"actiontrail:LookupEvents","Resource":"*"}]}`
	if _, err := root.CreatePolicy(cp); err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	ap := plain(ep, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", "trail-read", "auditor"
	if _, err := root.AttachPolicyToUser(ap); err != nil {
		t.Fatalf("AttachPolicyToUser: %v", err)
	}
	resp, err := lookup()
	if err != nil {
		t.Fatalf("LookupEvents with the policy: %v", err)
	}
	var got []string
	for _, e := range resp.Events {
		ui, _ := e["userIdentity"].(map[string]any)
		got = append(got, e["eventName"].(string)+"/"+ui["type"].(string)+"/"+e["errorCode"].(string))
	}
	want := []string{"AttachPolicyToUser/root-account/", "CreatePolicy/root-account/", "LookupEvents/ram-user/" + deniedCode,
		"CreateAccessKey/root-account/", "CreateUser/root-account/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("trail seen by the auditor\n got %v\nwant %v", got, want)
	}
	var raw []byte
	files, _ := filepath.Glob(filepath.Join(a.Audit.Dir(), "*.jsonl"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if len(raw) == 0 {
		t.Fatal("empty trail")
	}
	if strings.Contains(string(raw), key.AccessKey.AccessKeySecret) || strings.Contains(string(raw), rootSecret) {
		t.Error("an AccessKey secret is in the audit trail")
	}
}

// TestLookupEventsAuthorizedLikeOtherActions: LookupEvents is authorised by
// the service like every other action: a RAM user without
// actiontrail:LookupEvents gets the answer a RAM user without
// vpc:DescribeVpcs gets (403 Forbbiden.SubUser, the same message and
// AccessDeniedDetail but for the action), and one allowed sees its own
// account's events only, never another account's.
func TestLookupEventsAuthorizedLikeOtherActions(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{
		DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RootAccessKeyID: rootAK, RootAccessKeySecret: rootSecret, Audit: &audit.Options{},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer func() { srv.Close(); a.Close() }()
	ep := strings.TrimPrefix(srv.URL, "http://")

	// Another account, whose root leaves events in the trail.
	other, err := service.NewAccount(ctx, a.Store, "other", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ok, err := service.NewAccessKey(other.AccountID, "", "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateAccessKey(ctx, ok); err != nil {
		t.Fatal(err)
	}
	otherRAM, err := ram.NewClientWithAccessKey(region, ok.AccessKeyID, ok.Secret)
	if err != nil {
		t.Fatal(err)
	}
	ou := plain(ep, ram.CreateCreateUserRequest())
	ou.UserName = "other-user"
	if _, err := otherRAM.CreateUser(ou); err != nil {
		t.Fatalf("other account's CreateUser: %v", err)
	}

	root, err := ram.NewClientWithAccessKey(region, rootAK, rootSecret)
	if err != nil {
		t.Fatal(err)
	}
	cu := plain(ep, ram.CreateCreateUserRequest())
	cu.UserName = "reader"
	if _, err := root.CreateUser(cu); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	ck := plain(ep, ram.CreateCreateAccessKeyRequest())
	ck.UserName = "reader"
	key, err := root.CreateAccessKey(ck)
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	trail, err := actiontrail.NewClientWithAccessKey(region, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	vpcs, err := vpcv1.NewClientWithAccessKey(region, key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	denied := func(err error) *sdkerrors.ServerError {
		t.Helper()
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) {
			t.Fatalf("want a server error, got %v", err)
		}
		return se
	}
	_, err = trail.LookupEvents(plain(ep, actiontrail.CreateLookupEventsRequest()))
	le := denied(err)
	_, err = vpcs.DescribeVpcs(plain(ep, vpcv1.CreateDescribeVpcsRequest()))
	de := denied(err)
	t.Logf("LookupEvents denied: %d %s %q %v", le.HttpStatus(), le.ErrorCode(), le.Message(), le.AccessDeniedDetail())
	if le.HttpStatus() != 403 || le.ErrorCode() != "Forbbiden.SubUser" {
		t.Errorf("LookupEvents denied: %d %s, want 403 Forbbiden.SubUser", le.HttpStatus(), le.ErrorCode())
	}
	if le.HttpStatus() != de.HttpStatus() || le.ErrorCode() != de.ErrorCode() || le.Message() != de.Message() {
		t.Errorf("LookupEvents denied %d %s %q; DescribeVpcs denied %d %s %q",
			le.HttpStatus(), le.ErrorCode(), le.Message(), de.HttpStatus(), de.ErrorCode(), de.Message())
	}
	ld, dd := le.AccessDeniedDetail(), de.AccessDeniedDetail()
	if ld["AuthAction"] != "actiontrail:LookupEvents" || dd["AuthAction"] != "vpc:DescribeVpcs" {
		t.Errorf("AuthAction %v, %v", ld["AuthAction"], dd["AuthAction"])
	}
	for _, k := range []string{"AuthPrincipalType", "AuthPrincipalDisplayName", "AuthPrincipalOwnerId", "NoPermissionType", "PolicyType"} {
		if ld[k] != dd[k] {
			t.Errorf("AccessDeniedDetail %s: LookupEvents %v, DescribeVpcs %v", k, ld[k], dd[k])
		}
	}
	if ld["AuthPrincipalType"] != "SubUser" || ld["AuthPrincipalDisplayName"] != "reader" || ld["NoPermissionType"] != "ImplicitDeny" {
		t.Errorf("AccessDeniedDetail %v", ld)
	}

	cp := plain(ep, ram.CreateCreatePolicyRequest())
	cp.PolicyName = "trail-read"
	cp.PolicyDocument = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"actiontrail:LookupEvents","Resource":"*"}]}`
	if _, err := root.CreatePolicy(cp); err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	ap := plain(ep, ram.CreateAttachPolicyToUserRequest())
	ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", "trail-read", "reader"
	if _, err := root.AttachPolicyToUser(ap); err != nil {
		t.Fatalf("AttachPolicyToUser: %v", err)
	}
	resp, err := trail.LookupEvents(plain(ep, actiontrail.CreateLookupEventsRequest()))
	if err != nil {
		t.Fatalf("LookupEvents with the policy: %v", err)
	}
	var got []string
	for _, e := range resp.Events {
		ui, _ := e["userIdentity"].(map[string]any)
		if ui["accountId"] != rootAccount(t, a) {
			t.Errorf("event of account %v: %v", ui["accountId"], e)
		}
		got = append(got, e["eventName"].(string)+"/"+e["errorCode"].(string))
	}
	want := []string{"AttachPolicyToUser/", "CreatePolicy/", "DescribeVpcs/Forbbiden.SubUser", "LookupEvents/Forbbiden.SubUser",
		"CreateAccessKey/", "CreateUser/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("trail seen by the reader\n got %v\nwant %v", got, want)
	}
}

// rootAccount is the account of the server's root AccessKey.
func rootAccount(t *testing.T, a *app.App) string {
	t.Helper()
	k, err := a.Store.GetAccessKey(context.Background(), rootAK)
	if err != nil {
		t.Fatal(err)
	}
	return k.AccountID
}
