package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// syncBuffer collects the server's log for checks that no secret is logged.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a real vpcvpn app (SQLite, audit trail, console) behind httptest.
type env struct {
	*apptest.Env
	srv  *httptest.Server
	logs *syncBuffer
}

func start(t *testing.T) *env {
	t.Helper()
	logs := &syncBuffer{}
	e := apptest.Start(t, apptest.Options{Console: true, Audit: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	srv := httptest.NewServer(e.App.HTTP)
	t.Cleanup(srv.Close)
	return &env{Env: e, srv: srv, logs: logs}
}

// root runs an action as the root identity through the API's dispatch
// table (test setup).
func (e *env) root(t *testing.T, action string, params map[string]string) any {
	t.Helper()
	return e.as(t, iam.Principal{Kind: iam.PrincipalRoot, AccountID: e.App.Root.AccountID, AccessKeyID: apptest.AccessKeyID}, action, params)
}

func (e *env) as(t *testing.T, p iam.Principal, action string, params map[string]string) any {
	t.Helper()
	for _, a := range api.Actions(e.App.Service) {
		if a.Name == action {
			out, err := a.Handle(context.Background(), &service.Request{RequestID: "test", Action: action, Version: a.Version, Meta: a.Meta, Params: params, Principal: p})
			if err != nil {
				t.Fatalf("%s: %v", action, err)
			}
			return out
		}
	}
	t.Fatalf("no action %s", action)
	return nil
}

// gateway creates a VPC, a vSwitch and a VPN gateway in cn-hangzhou and
// returns the gateway id. A dual gateway has a disaster recovery address
// (and takes dual-tunnel connections only).
func (e *env) gateway(t *testing.T, dual bool) string {
	t.Helper()
	v := e.root(t, "CreateVpc", map[string]string{"RegionId": "cn-hangzhou", "CidrBlock": "192.168.0.0/16", "VpcName": "prod"}).(vpn.CreateVpcResponse)
	sw := e.root(t, "CreateVSwitch", map[string]string{"RegionId": "cn-hangzhou", "VpcId": v.VpcId, "ZoneId": "cn-hangzhou-h", "CidrBlock": "192.168.1.0/24"}).(vpn.CreateVSwitchResponse)
	params := map[string]string{"RegionId": "cn-hangzhou", "VpcId": v.VpcId, "VSwitchId": sw.VSwitchId, "Bandwidth": "10", "Name": "hz-gw"}
	if dual {
		sw2 := e.root(t, "CreateVSwitch", map[string]string{"RegionId": "cn-hangzhou", "VpcId": v.VpcId, "ZoneId": "cn-hangzhou-i", "CidrBlock": "192.168.2.0/24"}).(vpn.CreateVSwitchResponse)
		params["DisasterRecoveryVSwitchId"] = sw2.VSwitchId
	}
	return e.root(t, "CreateVpnGateway", params).(vpn.CreateVpnGatewayResponse).VpnGatewayId
}

// readOnlyUser creates a RAM user with AliyunVPNGatewayReadOnlyAccess and
// returns its key.
func (e *env) readOnlyUser(t *testing.T, name string) (string, string) {
	t.Helper()
	e.root(t, "CreateUser", map[string]string{"UserName": name})
	e.root(t, "AttachPolicyToUser", map[string]string{"UserName": name, "PolicyType": "System", "PolicyName": "AliyunVPNGatewayReadOnlyAccess"})
	k := e.root(t, "CreateAccessKey", map[string]string{"UserName": name}).(*iam.CreateAccessKeyAnswer)
	return k.AccessKey.AccessKeyId, k.AccessKey.AccessKeySecret
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, hdr map[string]string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

func (b *browser) get(path string) page { b.t.Helper(); return b.do("GET", path, nil, nil) }

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.do("POST", path, form, nil)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf_token on the page:\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

// signIn signs in and returns the CSRF token of the session.
func (b *browser) signIn(ak, secret, token string) string {
	b.t.Helper()
	p := b.get("/console/signin")
	f := url.Values{"csrf_token": {csrf(b.t, p)}, "AccessKeyId": {ak}, "AccessKeySecret": {secret}, "SecurityToken": {token}}
	got := b.post("/console/signin", f)
	if got.status != http.StatusSeeOther || got.header.Get("Location") != "/console/" {
		b.t.Fatalf("sign-in: %d %s\n%s", got.status, got.header.Get("Location"), got.body)
	}
	return csrf(b.t, b.get("/console/regions"))
}

func wantStatus(t *testing.T, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
	}
}

func wantBody(t *testing.T, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page lacks %q:\n%s", s, p.body)
		}
	}
}

func wantNotBody(t *testing.T, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if s != "" && strings.Contains(p.body, s) {
			t.Fatalf("page contains %q:\n%s", s, p.body)
		}
	}
}
