package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

var (
	controlRE = regexp.MustCompile(`<(input|select|textarea)\b([^>]*)>`)
	attrRE    = regexp.MustCompile(`\b(type|id|name|aria-label)="([^"]*)"`)
	labelRE   = regexp.MustCompile(`<label\b[^>]*\bfor="([^"]*)"`)
)

// unlabelled returns the form controls of page that a user cannot identify:
// no id with a <label for>, and no aria-label (hidden inputs aside).
func unlabelled(body string) []string {
	labels := map[string]bool{}
	for _, m := range labelRE.FindAllStringSubmatch(body, -1) {
		labels[html.UnescapeString(m[1])] = true
	}
	var out []string
	for _, m := range controlRE.FindAllStringSubmatch(body, -1) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		if attrs["type"] == "hidden" || attrs["aria-label"] != "" {
			continue
		}
		if id := attrs["id"]; id == "" || !labels[id] {
			out = append(out, m[0])
		}
	}
	return out
}

// TestFormsLabelled: every field of every console form (sign-in, region,
// customer gateway create/edit, connection create single/dual and edit,
// logs) has a label naming it, and no tabindex takes a control out of the
// keyboard order.
func TestFormsLabelled(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, true)
	cg := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.40"}).(vpn.CreateCustomerGatewayResponse).CustomerGatewayId
	cg2 := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.41"}).(vpn.CreateCustomerGatewayResponse).CustomerGatewayId
	vco := e.root(t, "CreateVpnConnection", map[string]string{"RegionId": "cn-hangzhou", "VpnGatewayId": gw, "LocalSubnet": "192.168.0.0/16", "RemoteSubnet": "10.0.0.0/8",
		"TunnelOptionsSpecification": `[{"CustomerGatewayId":"` + cg + `","Role":"master"},{"CustomerGatewayId":"` + cg2 + `","Role":"slave"}]`}).(vpn.CreateVpnConnectionResponse).VpnConnectionId
	b := e.browser(t)
	signin := b.get("/console/signin")
	if bad := unlabelled(signin.body); len(bad) > 0 {
		t.Fatalf("sign-in: unlabelled %q", bad)
	}
	b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	pages := []string{
		"/console/r/cn-hangzhou/customer-gateways/new",
		"/console/r/cn-hangzhou/customer-gateways/" + cg + "/edit",
		"/console/r/cn-hangzhou/connections/new",
		"/console/r/cn-hangzhou/connections/new?tunnels=2",
		"/console/r/cn-hangzhou/connections/" + vco + "/edit",
		"/console/r/cn-hangzhou/connections/" + vco + "/logs",
		"/console/r/cn-hangzhou/connections/" + vco,
	}
	controls := 0
	for _, path := range pages {
		p := b.get(path)
		wantStatus(t, p, http.StatusOK)
		if bad := unlabelled(p.body); len(bad) > 0 {
			t.Fatalf("%s: unlabelled %q", path, bad)
		}
		if strings.Contains(p.body, `tabindex="-`) {
			t.Fatalf("%s: a negative tabindex", path)
		}
		controls += len(controlRE.FindAllString(p.body, -1))
	}
	if controls < 60 {
		t.Fatalf("only %d controls on the form pages: the check looked at the wrong pages", controls)
	}
}

// TestSecureCookies: a server that takes requests as TLS (--tls-cert, or
// Options.Secure behind a TLS proxy) marks the session and sign-in cookies
// Secure.
func TestSecureCookies(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Console: true, Secure: true})
	srv := httptest.NewServer(e.App.HTTP)
	t.Cleanup(srv.Close)
	b := (&env{Env: e, srv: srv}).browser(t)
	p := b.get("/console/signin")
	sc := p.header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "vpcvpn_console_signin=") || !strings.Contains(sc, "; Secure") {
		t.Fatalf("sign-in cookie %q", sc)
	}
	tok := csrf(t, p)
	f := url.Values{"csrf_token": {tok}, "AccessKeyId": {apptest.AccessKeyID}, "AccessKeySecret": {apptest.AccessKeySecret}}
	// The jar keeps a Secure cookie off plain HTTP: send it by hand.
	got := b.do("POST", "/console/signin", f, map[string]string{"Cookie": "vpcvpn_console_signin=" + tok})
	wantStatus(t, got, http.StatusSeeOther)
	var session string
	for _, c := range got.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "vpcvpn_console=") {
			session = c
		}
	}
	for _, want := range []string{"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/console/"} {
		if !strings.Contains(session, want) {
			t.Fatalf("session cookie %q lacks %q", session, want)
		}
	}
}

// TestMoreRefusals: oversized and malformed form bodies (signed in and at
// sign-in), methods the console has no page for, a malformed region typed
// in the picker, and a user allowed nothing: each is refused readably, with
// the right status, changing nothing and never answering 500.
func TestMoreRefusals(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, false)
	cg := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.30"}).(vpn.CreateCustomerGatewayResponse).CustomerGatewayId
	vco := e.root(t, "CreateVpnConnection", map[string]string{"RegionId": "cn-hangzhou", "VpnGatewayId": gw, "CustomerGatewayId": cg,
		"LocalSubnet": "192.168.0.0/16", "RemoteSubnet": "10.0.0.0/8"}).(vpn.CreateVpnConnectionResponse).VpnConnectionId
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")

	big := url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.31"}, "Description": {strings.Repeat("x", 70<<10)}}
	p := b.post("/console/r/cn-hangzhou/customer-gateways/new", big)
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	wantBody(t, p, "RequestTooLarge", "64 KiB", "Nothing was changed")
	p = b.do("POST", "/console/r/cn-hangzhou/connections/"+vco+"/delete", url.Values{}, nil)
	wantStatus(t, p, http.StatusForbidden) // no token
	// A malformed body (bad percent-encoding) is not a CSRF failure either.
	req, _ := http.NewRequest("POST", b.base+"/console/r/cn-hangzhou/connections/"+vco+"/delete", strings.NewReader("csrf_token="+url.QueryEscape(tok)+"&x=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed body: %d", resp.StatusCode)
	}
	if n := countCustomerGateways(t, e); n != 1 {
		t.Fatalf("%d customer gateways", n)
	}
	if n := len(e.root(t, "DescribeVpnConnections", map[string]string{"RegionId": "cn-hangzhou"}).(vpn.DescribeVpnConnectionsResponse).VpnConnections.VpnConnection); n != 1 {
		t.Fatalf("%d connections", n)
	}

	// Sign-in with an oversized body.
	nb := e.browser(t)
	stok := csrf(t, nb.get("/console/signin"))
	p = nb.post("/console/signin", url.Values{"csrf_token": {stok}, "AccessKeyId": {apptest.AccessKeyID}, "AccessKeySecret": {apptest.AccessKeySecret},
		"SecurityToken": {strings.Repeat("t", 70<<10)}})
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	if sc := p.header.Get("Set-Cookie"); strings.HasPrefix(sc, "vpcvpn_console=") {
		t.Fatalf("an oversized sign-in started a session: %s", sc)
	}

	// Methods without a page: 404, not 500 (and nothing deleted).
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		p := b.do(m, "/console/r/cn-hangzhou/connections/"+vco, url.Values{"csrf_token": {tok}}, nil)
		wantStatus(t, p, http.StatusNotFound)
	}
	p = b.get("/console/r/cn-hangzhou/connections/" + vco + "/reveal")
	wantStatus(t, p, http.StatusNotFound)

	// A malformed region typed in the picker goes back to it.
	for _, reg := range []string{"CN_HZ", "", "../x", strings.Repeat("a", 41)} {
		p := b.get("/console/go?region=" + url.QueryEscape(reg))
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/regions" {
			t.Fatalf("go %q: %d %s", reg, p.status, p.header.Get("Location"))
		}
	}

	// A RAM user allowed nothing: every page says so readably, the status
	// refresh answers JSON with the code.
	e.root(t, "CreateUser", map[string]string{"UserName": "nobody"})
	k := e.root(t, "CreateAccessKey", map[string]string{"UserName": "nobody"}).(*iam.CreateAccessKeyAnswer)
	u := e.browser(t)
	u.signIn(k.AccessKey.AccessKeyId, k.AccessKey.AccessKeySecret, "")
	for path, action := range map[string]string{
		"/console/r/cn-hangzhou/vpcs":                              "DescribeVpcs",
		"/console/r/cn-hangzhou/gateways":                          "DescribeVpnGateways",
		"/console/r/cn-hangzhou/gateways/" + gw:                    "DescribeVpnGateway",
		"/console/r/cn-hangzhou/customer-gateways":                 "DescribeCustomerGateways",
		"/console/r/cn-hangzhou/connections":                       "DescribeVpnConnections",
		"/console/r/cn-hangzhou/connections/" + vco:                "DescribeVpnConnection",
		"/console/r/cn-hangzhou/connections/" + vco + "/logs":      "DescribeVpnConnectionLogs",
		"/console/r/cn-hangzhou/connections/" + vco + "/edit":      "DescribeVpnConnection",
		"/console/r/cn-hangzhou/customer-gateways/" + cg + "/edit": "DescribeCustomerGateway",
	} {
		p := u.get(path)
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "You are not allowed to do this") || !strings.Contains(p.body, "<code>vpc:"+action+"</code>") {
			t.Fatalf("%s: %d, want the refusal of %s\n%s", path, p.status, action, p.body)
		}
	}
	st := u.do("GET", "/console/r/cn-hangzhou/connections/status?page=1", nil, map[string]string{"Accept": "application/json"})
	wantStatus(t, st, http.StatusForbidden)
	if ct := st.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status refusal Content-Type %q", ct)
	}
	wantBody(t, st, `"code":"Forbbiden.SubUser"`)
}
