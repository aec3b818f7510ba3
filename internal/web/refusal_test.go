package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestNotSignedIn: every console page needs a session.
func TestNotSignedIn(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	for _, path := range []string{"/console/", "/console/regions", "/console/r/cn-hangzhou/connections",
		"/console/r/cn-hangzhou/connections/vco-abc/config.json", "/console/r/cn-hangzhou/gateways/vpn-abc"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusSeeOther)
		loc := p.header.Get("Location")
		if !strings.HasPrefix(loc, "/console/signin") {
			t.Fatalf("%s: Location %q", path, loc)
		}
		if path != "/console/" && !strings.Contains(loc, "next="+url.QueryEscape(path)) {
			t.Fatalf("%s: Location %q does not come back", path, loc)
		}
	}
	// Script requests and forms get 401, not a redirect.
	p := b.do("GET", "/console/r/cn-hangzhou/connections/status", nil, map[string]string{"Accept": "application/json"})
	wantStatus(t, p, http.StatusUnauthorized)
	p = b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"IpAddress": {"198.51.100.1"}})
	wantStatus(t, p, http.StatusUnauthorized)
	p = b.do("POST", "/console/r/cn-hangzhou/customer-gateways/new", url.Values{"IpAddress": {"198.51.100.1"}}, map[string]string{"Accept": "text/html"})
	wantStatus(t, p, http.StatusUnauthorized)
	wantBody(t, p, "nothing was done", `<a href="/console/signin">Sign in</a>`)
	if n := len(e.root(t, "DescribeCustomerGateways", map[string]string{"RegionId": "cn-hangzhou"}).(vpn.DescribeCustomerGatewaysResponse).CustomerGateways.CustomerGateway); n != 0 {
		t.Fatalf("%d customer gateways created without a session", n)
	}
	// The sign-in page: labelled fields named as the API names them.
	p = b.get("/console/signin")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, `<label for="ak">AccessKeyId</label>`, `name="AccessKeyId"`, `name="AccessKeySecret" type="password"`, `name="SecurityToken"`)
}

// TestSigninRefusals: wrong, unknown, disabled keys and missing fields are
// refused with one message that does not tell which keys exist; a sign-in
// without its CSRF token or from another site is refused.
func TestSigninRefusals(t *testing.T) {
	e := start(t)
	ak, secret := e.readOnlyUser(t, "reader")
	e.root(t, "UpdateAccessKey", map[string]string{"UserName": "reader", "UserAccessKeyId": ak, "Status": "Inactive"})
	generic := "The AccessKeyId and AccessKeySecret do not match an active AccessKey."
	cases := []struct {
		name, ak, secret string
		status           int
		want             string
	}{
		{"wrong secret", apptest.AccessKeyID, "nope", 401, generic},
		{"unknown key", "LTAIdoesnotexist000000", "nope", 401, generic},
		{"inactive key", ak, secret, 401, generic},
		{"missing secret", apptest.AccessKeyID, "", 400, "Enter an AccessKeyId and its AccessKeySecret"},
		{"missing key", "", "someSecret42", 400, "Enter an AccessKeyId and its AccessKeySecret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := e.browser(t)
			tok := csrf(t, b.get("/console/signin"))
			p := b.post("/console/signin", url.Values{"csrf_token": {tok}, "AccessKeyId": {c.ak}, "AccessKeySecret": {c.secret}})
			wantStatus(t, p, c.status)
			wantBody(t, p, c.want)
			if c.secret != "" {
				wantNotBody(t, p, c.secret)
			}
			for _, ck := range p.header.Values("Set-Cookie") {
				if strings.HasPrefix(ck, "vpcvpn_console=") {
					t.Fatalf("a failed sign-in set a session: %s", ck)
				}
			}
		})
	}
	t.Run("no csrf cookie", func(t *testing.T) {
		b := e.browser(t)
		p := b.post("/console/signin", url.Values{"csrf_token": {"x"}, "AccessKeyId": {apptest.AccessKeyID}, "AccessKeySecret": {apptest.AccessKeySecret}})
		wantStatus(t, p, http.StatusForbidden)
		wantBody(t, p, "CSRF token")
	})
	t.Run("wrong csrf token", func(t *testing.T) {
		b := e.browser(t)
		b.get("/console/signin")
		p := b.post("/console/signin", url.Values{"csrf_token": {"forged"}, "AccessKeyId": {apptest.AccessKeyID}, "AccessKeySecret": {apptest.AccessKeySecret}})
		wantStatus(t, p, http.StatusForbidden)
	})
	t.Run("cross-site", func(t *testing.T) {
		b := e.browser(t)
		tok := csrf(t, b.get("/console/signin"))
		f := url.Values{"csrf_token": {tok}, "AccessKeyId": {apptest.AccessKeyID}, "AccessKeySecret": {apptest.AccessKeySecret}}
		wantStatus(t, b.do("POST", "/console/signin", f, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusForbidden)
		wantStatus(t, b.do("POST", "/console/signin", f, map[string]string{"Origin": "http://evil.example"}), http.StatusForbidden)
	})
	t.Run("open redirect", func(t *testing.T) {
		b := e.browser(t)
		for _, next := range []string{"//evil.example/", "https://evil.example/", "/console/\\evil", "/elsewhere",
			"/console/%2e%2e/elsewhere", "/console/%2E%2e/%2e%2E/x", "/console/.%2e/x", "/console/%2f%2fevil.example"} {
			tok := csrf(t, b.get("/console/signin?next="+url.QueryEscape(next)))
			p := b.post("/console/signin", url.Values{"csrf_token": {tok}, "AccessKeyId": {apptest.AccessKeyID},
				"AccessKeySecret": {apptest.AccessKeySecret}, "next": {next}})
			wantStatus(t, p, http.StatusSeeOther)
			if loc := p.header.Get("Location"); loc != "/console/" {
				t.Fatalf("next=%q: Location %q", next, loc)
			}
		}
	})
	// Failed sign-ins are audited without the secret.
	if err := e.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs := auditEvents(t, e)
	n := 0
	for _, ev := range evs {
		if ev.EventName == audit.EventConsoleSignin && ev.ErrorCode != "" {
			n++
			if ev.EventType != audit.EventConsoleSignin || ev.ServiceName != "Console" {
				t.Fatalf("event %+v", ev)
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d failed sign-in events, want 3", n)
	}
}

func auditEvents(t *testing.T, e *env) []audit.Event {
	t.Helper()
	if err := e.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	_, err := audit.Scan(e.App.Audit.Dir(), audit.Query{Until: time.Now().Add(time.Hour)}, func(ev *audit.Event) error {
		out = append(out, *ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSessionRefusals: a tampered, foreign or expired cookie is no session,
// and a session whose key is disabled ends at once.
func TestSessionRefusals(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	u, _ := url.Parse(e.srv.URL + "/console/")
	var cookie *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "vpcvpn_console" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	if strings.Contains(cookie.Value, apptest.AccessKeySecret) || strings.Contains(cookie.Value, apptest.AccessKeyID) {
		t.Fatal("the session cookie holds the key in the clear")
	}
	try := func(value string) page {
		req, _ := http.NewRequest("GET", e.srv.URL+"/console/regions", nil)
		req.AddCookie(&http.Cookie{Name: "vpcvpn_console", Value: value})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return page{status: resp.StatusCode, header: resp.Header}
	}
	wantStatus(t, try(cookie.Value), http.StatusOK)
	tampered := []byte(cookie.Value)
	tampered[len(tampered)/2] ^= 1
	for _, v := range []string{string(tampered), "v1%3AAAAA", "", strings.Repeat("A", 20000)} {
		if p := try(v); p.status != http.StatusSeeOther {
			t.Fatalf("cookie %.20q...: status %d", v, p.status)
		}
	}
	// Another server's session (another master key) does not open here.
	other := start(t)
	ob := other.browser(t)
	ob.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	ou, _ := url.Parse(other.srv.URL + "/console/")
	for _, c := range ob.c.Jar.Cookies(ou) {
		if c.Name == "vpcvpn_console" {
			if p := try(c.Value); p.status != http.StatusSeeOther {
				t.Fatalf("a session of another master key: %d", p.status)
			}
		}
	}
	// A RAM user's session ends when its key is disabled.
	ak, secret := e.readOnlyUser(t, "reader")
	rb := e.browser(t)
	rb.signIn(ak, secret, "")
	wantStatus(t, rb.get("/console/r/cn-hangzhou/connections"), http.StatusOK)
	e.root(t, "UpdateAccessKey", map[string]string{"UserName": "reader", "UserAccessKeyId": ak, "Status": "Inactive"})
	p := rb.get("/console/r/cn-hangzhou/connections")
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.Contains(p.header.Get("Location"), "ended=1") {
		t.Fatalf("Location %q", p.header.Get("Location"))
	}
}

// TestCSRF: a state-changing request without the session's CSRF token, with
// another one, or from another site changes nothing.
func TestCSRF(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	other := e.browser(t)
	otherTok := other.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	if otherTok == tok {
		t.Fatal("two sessions share a CSRF token")
	}
	form := func(tok string) url.Values {
		f := url.Values{"IpAddress": {"198.51.100.7"}}
		if tok != "" {
			f.Set("csrf_token", tok)
		}
		return f
	}
	for name, p := range map[string]page{
		"missing":    b.post("/console/r/cn-hangzhou/customer-gateways/new", form("")),
		"wrong":      b.post("/console/r/cn-hangzhou/customer-gateways/new", form("x"+tok)),
		"other":      b.post("/console/r/cn-hangzhou/customer-gateways/new", form(otherTok)),
		"cross-site": b.do("POST", "/console/r/cn-hangzhou/customer-gateways/new", form(tok), map[string]string{"Sec-Fetch-Site": "cross-site"}),
		"origin":     b.do("POST", "/console/r/cn-hangzhou/customer-gateways/new", form(tok), map[string]string{"Origin": "http://evil.example"}),
		"signout":    b.post("/console/signout", url.Values{}),
		"reveal":     b.post("/console/r/cn-hangzhou/connections/vco-x/reveal", url.Values{}),
	} {
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "Nothing was changed") {
			t.Fatalf("%s: %d\n%s", name, p.status, p.body)
		}
	}
	if n := len(e.root(t, "DescribeCustomerGateways", map[string]string{"RegionId": "cn-hangzhou"}).(vpn.DescribeCustomerGatewaysResponse).CustomerGateways.CustomerGateway); n != 0 {
		t.Fatalf("%d customer gateways created", n)
	}
	// The session is still there (the refused sign-out did nothing).
	wantStatus(t, b.get("/console/regions"), http.StatusOK)
	// With the token it works.
	wantStatus(t, b.post("/console/r/cn-hangzhou/customer-gateways/new", form(tok)), http.StatusSeeOther)
}

// TestReadOnlyUser: a RAM user with AliyunVPNGatewayReadOnlyAccess sees the
// lists and gets the API's refusal, readable, on create, modify, delete and
// reveal; nothing changes.
func TestReadOnlyUser(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, false)
	cg := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.20", "Name": "dc"}).(vpn.CreateCustomerGatewayResponse)
	vco := e.root(t, "CreateVpnConnection", map[string]string{"RegionId": "cn-hangzhou", "VpnGatewayId": gw, "CustomerGatewayId": cg.CustomerGatewayId,
		"LocalSubnet": "192.168.0.0/16", "RemoteSubnet": "10.0.0.0/8", "IkeConfig": `{"Psk":"readerCannotSee1"}`}).(vpn.CreateVpnConnectionResponse).VpnConnectionId
	ak, secret := e.readOnlyUser(t, "reader")
	b := e.browser(t)
	tok := b.signIn(ak, secret, "")
	// The region picker explains the refusal and offers a region field.
	p := b.get("/console/regions")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "<code>vpc:DescribeRegions</code>", `action="/console/go"`)
	p = b.get("/console/go?region=cn-hangzhou")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/r/cn-hangzhou/connections" {
		t.Fatalf("go: %d %s", p.status, p.header.Get("Location"))
	}
	p = b.get("/console/r/cn-hangzhou/connections")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, vco, "acs:ram::"+e.App.Root.AccountID+":user/reader")
	wantBody(t, b.get("/console/r/cn-hangzhou/customer-gateways"), cg.CustomerGatewayId)

	user := "reader"
	refused := func(p page, action string) {
		t.Helper()
		wantStatus(t, p, http.StatusForbidden)
		wantBody(t, p, "You are not allowed to do this", "Forbbiden.SubUser", "<code>vpc:"+action+"</code>", user, "ImplicitDeny")
	}
	refused(b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.21"}}), "CreateCustomerGateway")
	refused(b.post("/console/r/cn-hangzhou/connections/new", url.Values{"csrf_token": {tok}, "Tunnels": {"1"}, "VpnGatewayId": {gw},
		"CustomerGatewayId": {cg.CustomerGatewayId}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"172.16.0.0/12"}}), "CreateVpnConnection")
	refused(b.post("/console/r/cn-hangzhou/connections/"+vco+"/edit", url.Values{"csrf_token": {tok}, "Tunnels": {"1"}, "Name": {"x"}}), "ModifyVpnConnectionAttribute")
	refused(b.post("/console/r/cn-hangzhou/connections/"+vco+"/delete", url.Values{"csrf_token": {tok}}), "DeleteVpnConnection")
	refused(b.post("/console/r/cn-hangzhou/customer-gateways/"+cg.CustomerGatewayId+"/delete", url.Values{"csrf_token": {tok}}), "DeleteCustomerGateway")
	// The read-only policy allows downloads; a user allowed only to list
	// and describe connections is refused the keys.
	e.root(t, "CreateUser", map[string]string{"UserName": "lister"})
	e.root(t, "CreatePolicy", map[string]string{"PolicyName": "ListOnly", "PolicyDocument": `{"Version":"1","Statement":[{"Effect":"Allow","Action":["vpc:DescribeVpnConnection*"],"Resource":"*"}]}`})
	e.root(t, "AttachPolicyToUser", map[string]string{"UserName": "lister", "PolicyType": "Custom", "PolicyName": "ListOnly"})
	lk := e.root(t, "CreateAccessKey", map[string]string{"UserName": "lister"}).(*iam.CreateAccessKeyAnswer)
	lb := e.browser(t)
	user = "lister"
	ltok := lb.signIn(lk.AccessKey.AccessKeyId, lk.AccessKey.AccessKeySecret, "")
	p = lb.get("/console/r/cn-hangzhou/connections/" + vco)
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "Reveal")
	wantNotBody(t, p, "readerCannotSee1")
	rev := lb.post("/console/r/cn-hangzhou/connections/"+vco+"/reveal", url.Values{"csrf_token": {ltok}})
	refused(rev, "DownloadVpnConnectionConfig")
	wantNotBody(t, rev, "readerCannotSee1")
	refused(lb.get("/console/r/cn-hangzhou/connections/"+vco+"/config.json"), "DownloadVpnConnectionConfig")
	refused(lb.get("/console/r/cn-hangzhou/connections/"+vco+"/device?DeviceType=cisco-ios"), "DownloadVpnConnectionDeviceConfig")
	refused(lb.get("/console/r/cn-hangzhou/customer-gateways"), "DescribeCustomerGateways")

	// Nothing changed.
	if n := len(e.root(t, "DescribeCustomerGateways", map[string]string{"RegionId": "cn-hangzhou"}).(vpn.DescribeCustomerGatewaysResponse).CustomerGateways.CustomerGateway); n != 1 {
		t.Fatalf("%d customer gateways", n)
	}
	// The refusals are audited as console operations of the RAM user.
	denied := 0
	for _, ev := range auditEvents(t, e) {
		if ev.EventType == "ConsoleOperation" && ev.ErrorCode == "Forbbiden.SubUser" {
			denied++
			if ev.UserIdentity.Type != "ram-user" || !strings.HasPrefix(ev.UserAgent, "vpcvpn-console/1 ") {
				t.Fatalf("event %+v", ev)
			}
		}
	}
	// 9 above, and DescribeRegions on the region picker: twice for the
	// reader (sign-in helper and the check), once for the lister.
	if denied != 12 {
		t.Fatalf("%d refused console operations in the audit trail, want 12", denied)
	}
}

// TestValidation: the API's validation messages are shown above the form,
// which keeps what was typed but no secret.
func TestValidation(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, false)
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	p := b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"300.1.1.1"},
		"Name": {"edge <1>"}, "AuthKey": {"bgpSecret99"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "The request was refused", "<code>InvalidIpAddress", `value="300.1.1.1"`, `value="edge &lt;1&gt;"`)
	wantNotBody(t, p, "bgpSecret99")

	cg := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.30"}).(vpn.CreateCustomerGatewayResponse)
	p = b.post("/console/r/cn-hangzhou/connections/new", url.Values{"csrf_token": {tok}, "Tunnels": {"1"}, "VpnGatewayId": {gw},
		"CustomerGatewayId": {cg.CustomerGatewayId}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8"},
		"IkeConfig.IkeEncAlg": {"rot13"}, "IkeConfig.Psk": {"typedSecret77"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "InvalidIkeConfig", "rot13")
	wantNotBody(t, p, "typedSecret77")
	p = b.post("/console/r/cn-hangzhou/connections/new", url.Values{"csrf_token": {tok}, "Tunnels": {"2"}, "VpnGatewayId": {gw},
		"LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8"},
		"TunnelOptionsSpecification.1.CustomerGatewayId": {cg.CustomerGatewayId}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "TunnelOptionsSpecification.2.CustomerGatewayId")
}

// TestNotFound: unknown pages, malformed and unknown ids.
func TestNotFound(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	for _, path := range []string{"/console/nope", "/console/r/CN_BAD/connections", "/console/r/cn-hangzhou/connections/vco-%3Cx%3E",
		"/console/r/cn-hangzhou/nothing"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusNotFound)
	}
	p := b.get("/console/r/cn-hangzhou/connections/vco-doesnotexist0000")
	wantStatus(t, p, http.StatusNotFound)
	wantBody(t, p, "InvalidVpnConnectionInstanceId.NotFound")
	p = b.get("/console/r/xx-nowhere-1/connections")
	wantStatus(t, p, http.StatusNotFound)
	wantBody(t, p, "InvalidRegionId.NotFound")
	p = b.get("/console/r/cn-hangzhou/connections/vco-doesnotexist0000/device?DeviceType=nosuch")
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "InvalidDeviceType.NotFound")
}

// TestHeaders: CSP without inline script, cookies HttpOnly, SameSite=Strict,
// bounded, scoped to /console/.
func TestHeaders(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	p := b.get("/console/signin")
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP allows inline: %q", csp)
	}
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") || strings.Contains(p.body, " onclick") {
		t.Fatal("inline script or style on the sign-in page")
	}
	f := url.Values{"csrf_token": {csrf(t, p)}, "AccessKeyId": {apptest.AccessKeyID}, "AccessKeySecret": {apptest.AccessKeySecret}}
	p = b.post("/console/signin", f)
	var sc string
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "vpcvpn_console=") {
			sc = c
		}
	}
	for _, want := range []string{"Path=/console/", "Max-Age=28800", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("session cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Fatalf("Secure cookie over plain HTTP: %q", sc)
	}
	if got := b.get("/console/regions").header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control %q", got)
	}
	if got := b.get("/console/static/console.js"); got.status != 200 || !strings.Contains(got.body, "use strict") {
		t.Fatalf("console.js: %d", got.status)
	}
}

// TestConsoleOff: without the console the API answers /console/ itself.
func TestConsoleOff(t *testing.T) {
	e := apptest.Start(t)
	resp, err := http.Get("http://" + e.Endpoint + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if e.App.Console != nil {
		t.Fatal("console wired")
	}
	_ = iam.PrincipalRoot
}

// TestSTS: STS credentials sign in through the same credential path (and
// are refused without or with a wrong SecurityToken); the session then acts
// as the assumed role, and ends when the role is deleted.
func TestSTS(t *testing.T) {
	e := start(t)
	acct := e.App.Root.AccountID
	e.root(t, "CreateRole", map[string]string{"RoleName": "VpnReader",
		"AssumeRolePolicyDocument": `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acct + `:root"]}}]}`})
	e.root(t, "AttachPolicyToRole", map[string]string{"RoleName": "VpnReader", "PolicyType": "System", "PolicyName": "AliyunVPNGatewayReadOnlyAccess"})
	cr := e.root(t, "AssumeRole", map[string]string{"RoleArn": "acs:ram::" + acct + ":role/vpnreader", "RoleSessionName": "alice"}).(*iam.AssumeRoleAnswer).Credentials

	b := e.browser(t)
	for _, c := range []struct{ token, want string }{
		{"", "an STS AccessKeyId must be sent with its SecurityToken"},
		{"garbage", "InvalidSecurityToken"},
	} {
		tok := csrf(t, b.get("/console/signin"))
		p := b.post("/console/signin", url.Values{"csrf_token": {tok}, "AccessKeyId": {cr.AccessKeyId}, "AccessKeySecret": {cr.AccessKeySecret}, "SecurityToken": {c.token}})
		wantStatus(t, p, http.StatusUnauthorized)
		wantBody(t, p, c.want)
		wantNotBody(t, p, cr.AccessKeySecret)
	}
	tok := b.signIn(cr.AccessKeyId, cr.AccessKeySecret, cr.SecurityToken)
	p := b.get("/console/r/cn-hangzhou/connections")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "assumed-role/VpnReader/alice")
	p = b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.40"}})
	wantStatus(t, p, http.StatusForbidden)
	wantBody(t, p, "vpc:CreateCustomerGateway")
	e.root(t, "DetachPolicyFromRole", map[string]string{"RoleName": "VpnReader", "PolicyType": "System", "PolicyName": "AliyunVPNGatewayReadOnlyAccess"})
	e.root(t, "DeleteRole", map[string]string{"RoleName": "VpnReader"})
	p = b.get("/console/r/cn-hangzhou/connections")
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.Contains(p.header.Get("Location"), "ended=1") {
		t.Fatalf("Location %q", p.header.Get("Location"))
	}
}

// TestThrottled: console calls draw on the AccessKey's token buckets like
// API calls, and an exhausted bucket is shown as the API's Throttling.User.
func TestThrottled(t *testing.T) {
	logs := &syncBuffer{}
	ae := apptest.Start(t, apptest.Options{Console: true, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Throttle: &throttle.Config{Write: throttle.Rate{PerSecond: 0.001, Burst: 1}}})
	srv := httptest.NewServer(ae.App.HTTP)
	t.Cleanup(srv.Close)
	e := &env{Env: ae, srv: srv, logs: logs}
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	wantStatus(t, b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.60"}}), http.StatusSeeOther)
	p := b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.61"}})
	wantStatus(t, p, http.StatusBadRequest) // Throttling.User is a 400, as on Alibaba Cloud
	wantBody(t, p, "Too many requests", "Throttling.User")
}

// TestNoSecretsInPages: a BGP connection's customer gateway AuthKey and
// pre-shared key reach neither the lists nor the connection's page (nor the
// edit form) unless the key is revealed.
func TestNoSecretsInPages(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, false)
	cg := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.90", "Asn": "65090",
		"AuthKey": "bgpAuthSecret9"}).(vpn.CreateCustomerGatewayResponse).CustomerGatewayId
	vco := e.root(t, "CreateVpnConnection", map[string]string{"RegionId": "cn-hangzhou", "VpnGatewayId": gw, "CustomerGatewayId": cg,
		"LocalSubnet": "192.168.0.0/16", "RemoteSubnet": "10.0.0.0/8", "IkeConfig": `{"Psk":"pskSecret9"}`,
		"BgpConfig": `{"EnableBgp":true,"TunnelCidr":"169.254.10.0/30","LocalBgpIp":"169.254.10.1"}`}).(vpn.CreateVpnConnectionResponse).VpnConnectionId
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	for _, path := range []string{"/console/r/cn-hangzhou/connections", "/console/r/cn-hangzhou/customer-gateways",
		"/console/r/cn-hangzhou/connections/" + vco, "/console/r/cn-hangzhou/connections/" + vco + "/edit",
		"/console/r/cn-hangzhou/customer-gateways/" + cg + "/edit", "/console/r/cn-hangzhou/gateways/" + gw,
		"/console/r/cn-hangzhou/connections/status?page=1"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusOK)
		wantNotBody(t, p, "bgpAuthSecret9", "pskSecret9")
	}
	wantBody(t, b.get("/console/r/cn-hangzhou/connections/"+vco), "169.254.10.1", "65090")
	rev := b.post("/console/r/cn-hangzhou/connections/"+vco+"/reveal", url.Values{"csrf_token": {tok}})
	wantBody(t, rev, "pskSecret9")
	wantNotBody(t, rev, "bgpAuthSecret9")
}
