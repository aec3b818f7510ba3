package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

var vcoRE = regexp.MustCompile(`/connections/(vco-[a-z0-9]+)\?done=vco-created`)

// TestFlow walks the console's pages with plain HTTP (no JavaScript): sign
// in, create a customer gateway and a dual-tunnel connection through the
// forms, see them, reveal the keys, download, modify, delete, sign out.
func TestFlow(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, true)
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")

	wantBody(t, b.get("/console/regions"), "cn-hangzhou", "/console/r/cn-hangzhou/connections")
	p := b.get("/console/r/cn-hangzhou/connections")
	wantStatus(t, p, 200)
	wantBody(t, p, "No IPsec connections in cn-hangzhou: <a href=\"/console/r/cn-hangzhou/connections/new\">create one</a>")
	wantBody(t, b.get("/console/r/cn-hangzhou/customer-gateways"), "No customer gateways in cn-hangzhou")
	wantBody(t, b.get("/console/r/cn-hangzhou/vpcs"), "prod", "192.168.1.0/24", "cn-hangzhou-i")
	wantBody(t, b.get("/console/r/cn-hangzhou/gateways"), gw, "hz-gw", "10M")

	// Two customer gateways through the form.
	for i, ip := range []string{"198.51.100.10", "198.51.100.11"} {
		f := url.Values{"csrf_token": {tok}, "IpAddress": {ip}, "Asn": {"65010"}, "Name": {"dc" + string(rune('1'+i))}, "Description": {"<b>rack</b>"}}
		p = b.post("/console/r/cn-hangzhou/customer-gateways/new", f)
		wantStatus(t, p, http.StatusSeeOther)
	}
	p = b.get("/console/r/cn-hangzhou/customer-gateways?done=cgw-created")
	wantBody(t, p, "Customer gateway created.", "198.51.100.10", "dc2", "&lt;b&gt;rack&lt;/b&gt;")
	cgws := e.root(t, "DescribeCustomerGateways", map[string]string{"RegionId": "cn-hangzhou"}).(vpn.DescribeCustomerGatewaysResponse).CustomerGateways.CustomerGateway
	if len(cgws) != 2 {
		t.Fatalf("%d customer gateways", len(cgws))
	}

	// A dual-tunnel connection through the form.
	p = b.get("/console/r/cn-hangzhou/connections/new?tunnels=2")
	wantStatus(t, p, 200)
	wantBody(t, p, `name="TunnelOptionsSpecification.2.TunnelIkeConfig.IkeVersion"`, cgws[0].CustomerGatewayId)
	f := url.Values{"csrf_token": {tok}, "Tunnels": {"2"}, "ClientToken": {"tok-1"}, "Name": {"<script>alert(1)</script>"},
		"VpnGatewayId": {gw}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8"}, "EnableTunnelsBgp": {"false"},
		"TunnelOptionsSpecification.1.CustomerGatewayId":          {cgws[0].CustomerGatewayId},
		"TunnelOptionsSpecification.2.CustomerGatewayId":          {cgws[1].CustomerGatewayId},
		"TunnelOptionsSpecification.1.TunnelIkeConfig.Psk":        {"masterKey123"},
		"TunnelOptionsSpecification.1.TunnelIkeConfig.IkeVersion": {"ikev2"},
		"TunnelOptionsSpecification.2.TunnelIkeConfig.Psk":        {"slaveKey456"},
		"TunnelOptionsSpecification.2.TunnelIkeConfig.IkeVersion": {"ikev2"},
	}
	p = b.post("/console/r/cn-hangzhou/connections/new", f)
	wantStatus(t, p, http.StatusSeeOther)
	m := vcoRE.FindStringSubmatch(p.header.Get("Location"))
	if m == nil {
		t.Fatalf("redirect %q", p.header.Get("Location"))
	}
	vco := m[1]
	list := b.get("/console/r/cn-hangzhou/connections")
	wantBody(t, list, vco, "&lt;script&gt;alert(1)&lt;/script&gt;", "master:", "slave:", "Phase 1 not established")
	wantNotBody(t, list, "<script>alert(1)", "masterKey123", "slaveKey456")

	detail := b.get("/console/r/cn-hangzhou/connections/" + vco)
	wantStatus(t, detail, 200)
	wantBody(t, detail, "Reveal", "strongswan-swanctl", "config.json", "config.xml", "<dt>BGP</dt><dd>off</dd>",
		"<dt>DPD / NAT traversal</dt><dd>on / on</dd>")
	wantNotBody(t, detail, "masterKey123", "slaveKey456")
	rev := b.post("/console/r/cn-hangzhou/connections/"+vco+"/reveal", url.Values{"csrf_token": {tok}})
	wantStatus(t, rev, 200)
	wantBody(t, rev, "masterKey123", "slaveKey456")

	js := b.get("/console/r/cn-hangzhou/connections/" + vco + "/config.json")
	wantStatus(t, js, 200)
	if cd := js.header.Get("Content-Disposition"); cd != `attachment; filename="`+vco+`.json"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	wantBody(t, js, `{"RequestId":"`, `"Psk":"masterKey123"`)
	sw := b.get("/console/r/cn-hangzhou/connections/" + vco + "/device?DeviceType=strongswan-swanctl")
	wantStatus(t, sw, 200)
	wantBody(t, sw, "masterKey123", "slaveKey456")

	// Gateway page: topology.
	g := b.get("/console/r/cn-hangzhou/gateways/" + gw)
	wantStatus(t, g, 200)
	wantBody(t, g, "<svg", "dc1", "dc2", `data-edge="`+vco+`/tun-`)

	// Status JSON.
	st := b.do("GET", "/console/r/cn-hangzhou/connections/status", nil, map[string]string{"Accept": "application/json"})
	wantStatus(t, st, 200)
	wantBody(t, st, `"id":"`+vco+`"`, `"label":"Phase 1 not established"`)
	wantNotBody(t, st, "masterKey123")

	// Modify.
	edit := b.get("/console/r/cn-hangzhou/connections/" + vco + "/edit")
	wantStatus(t, edit, 200)
	wantNotBody(t, edit, "masterKey123")
	ef := url.Values{"csrf_token": {tok}, "Tunnels": {"2"}, "Name": {"renamed"}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8,172.16.0.0/12"}}
	for _, k := range []string{"TunnelOptionsSpecification.1.TunnelId", "TunnelOptionsSpecification.2.TunnelId"} {
		re := regexp.MustCompile(`name="` + regexp.QuoteMeta(k) + `" value="([^"]+)"`)
		mm := re.FindStringSubmatch(edit.body)
		if mm == nil {
			t.Fatalf("edit form lacks %s", k)
		}
		ef.Set(k, mm[1])
	}
	p = b.post("/console/r/cn-hangzhou/connections/"+vco+"/edit", ef)
	wantStatus(t, p, http.StatusSeeOther)
	wantBody(t, b.get("/console/r/cn-hangzhou/connections/"+vco), "renamed", "172.16.0.0/12")

	// Delete.
	wantBody(t, b.get("/console/r/cn-hangzhou/connections/"+vco+"/delete"), "cannot be undone")
	p = b.post("/console/r/cn-hangzhou/connections/"+vco+"/delete", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	wantBody(t, b.get("/console/r/cn-hangzhou/connections?done=vco-deleted"), "IPsec connection deleted.", "No IPsec connections")

	// Sign out ends the session.
	p = b.post("/console/signout", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	p = b.get("/console/r/cn-hangzhou/connections")
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.HasPrefix(p.header.Get("Location"), "/console/signin") {
		t.Fatalf("after sign-out: %s", p.header.Get("Location"))
	}
	if strings.Contains(e.logs.String(), "masterKey123") {
		t.Fatal("a pre-shared key reached the log")
	}
}

// TestSingleTunnel: a single-tunnel connection created and changed through
// the forms (its IkeConfig and IpsecConfig assembled from the fields), a
// customer gateway edited, and the status JSON of one connection.
func TestSingleTunnel(t *testing.T) {
	e := start(t)
	gw := e.gateway(t, false)
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	cg := e.root(t, "CreateCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "IpAddress": "198.51.100.70", "Asn": "65070", "Name": "old"}).(vpn.CreateCustomerGatewayResponse).CustomerGatewayId

	// Edit the customer gateway: name, description, a new BGP key.
	edit := b.get("/console/r/cn-hangzhou/customer-gateways/" + cg + "/edit")
	wantBody(t, edit, `value="old"`, `value="198.51.100.70" readonly`, `value="65070"`)
	p := b.post("/console/r/cn-hangzhou/customer-gateways/"+cg+"/edit", url.Values{"csrf_token": {tok}, "Name": {"new"}, "Description": {"moved"}, "AuthKey": {"bgpKey1"}})
	wantStatus(t, p, http.StatusSeeOther)
	got := e.root(t, "DescribeCustomerGateway", map[string]string{"RegionId": "cn-hangzhou", "CustomerGatewayId": cg}).(vpn.CustomerGatewayItem)
	if got.Name != "new" || got.Description != "moved" || got.AuthKey != "bgpKey1" {
		t.Fatalf("after edit: %+v", got)
	}
	list := b.get("/console/r/cn-hangzhou/customer-gateways?done=cgw-modified")
	wantBody(t, list, "Customer gateway saved.", "moved")
	wantNotBody(t, list, "bgpKey1")

	p = b.get("/console/r/cn-hangzhou/connections/new")
	wantBody(t, p, `name="IkeConfig.IkeVersion"`, `name="CustomerGatewayId"`)
	wantNotBody(t, p, "TunnelOptionsSpecification")
	p = b.post("/console/r/cn-hangzhou/connections/new", url.Values{"csrf_token": {tok}, "Tunnels": {"1"}, "ClientToken": {"c1"}, "Name": {"single"},
		"VpnGatewayId": {gw}, "CustomerGatewayId": {cg}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8"},
		"EnableDpd": {"false"}, "IkeConfig.Psk": {"singleKey1"}, "IkeConfig.IkeVersion": {"ikev2"}, "IkeConfig.IkeEncAlg": {"aes256"},
		"IkeConfig.IkeLifetime": {"3600"}, "IpsecConfig.IpsecPfs": {"group14"}, "BgpConfig.EnableBgp": {"false"}, "HealthCheckConfig.enable": {"false"}})
	wantStatus(t, p, http.StatusSeeOther)
	vco := vcoRE.FindStringSubmatch(p.header.Get("Location"))[1]
	c := e.root(t, "DescribeVpnConnection", map[string]string{"RegionId": "cn-hangzhou", "VpnConnectionId": vco}).(vpn.VpnConnectionItem)
	if c.EnableDpd || c.IkeConfig.Psk != "singleKey1" || c.IkeConfig.IkeVersion != "ikev2" || c.IkeConfig.IkeEncAlg != "aes256" ||
		c.IkeConfig.IkeLifetime != 3600 || c.IkeConfig.IkeAuthAlg != "md5" || c.IpsecConfig.IpsecPfs != "group14" || c.VcoHealthCheck != nil {
		t.Fatalf("created: %+v %+v %+v", c, c.IkeConfig, c.IpsecConfig)
	}
	// The same form again (a reload) creates nothing new: its ClientToken.
	p = b.post("/console/r/cn-hangzhou/connections/new", url.Values{"csrf_token": {tok}, "Tunnels": {"1"}, "ClientToken": {"c1"}, "Name": {"single"},
		"VpnGatewayId": {gw}, "CustomerGatewayId": {cg}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8"},
		"EnableDpd": {"false"}, "IkeConfig.Psk": {"singleKey1"}, "IkeConfig.IkeVersion": {"ikev2"}, "IkeConfig.IkeEncAlg": {"aes256"},
		"IkeConfig.IkeLifetime": {"3600"}, "IpsecConfig.IpsecPfs": {"group14"}, "BgpConfig.EnableBgp": {"false"}, "HealthCheckConfig.enable": {"false"}})
	if loc := p.header.Get("Location"); !strings.Contains(loc, vco) {
		t.Fatalf("resubmitted form: %d %s", p.status, loc)
	}

	// Modify: the form comes back filled (no key), a health check is added,
	// the key is kept when left empty.
	edit = b.get("/console/r/cn-hangzhou/connections/" + vco + "/edit")
	wantBody(t, edit, `value="3600"`, `<option value="aes256" selected>`)
	wantNotBody(t, edit, "singleKey1")
	f := url.Values{"csrf_token": {tok}, "Tunnels": {"1"}, "Name": {"single2"}, "LocalSubnet": {"192.168.0.0/16"}, "RemoteSubnet": {"10.0.0.0/8"},
		"EnableDpd": {"true"}, "EnableNatTraversal": {"true"}, "EffectImmediately": {"false"}, "CustomerGatewayId": {cg}, "VpnGatewayId": {gw},
		"IkeConfig.IkeVersion": {"ikev2"}, "IkeConfig.IkeEncAlg": {"aes256"}, "IkeConfig.IkeLifetime": {"7200"}, "IkeConfig.Psk": {""},
		"HealthCheckConfig.enable": {"true"}, "HealthCheckConfig.sip": {"192.168.1.1"}, "HealthCheckConfig.dip": {"10.0.0.1"}}
	p = b.post("/console/r/cn-hangzhou/connections/"+vco+"/edit", f)
	wantStatus(t, p, http.StatusSeeOther)
	c = e.root(t, "DescribeVpnConnection", map[string]string{"RegionId": "cn-hangzhou", "VpnConnectionId": vco}).(vpn.VpnConnectionItem)
	if c.Name != "single2" || !c.EnableDpd || c.IkeConfig.Psk != "singleKey1" || c.IkeConfig.IkeLifetime != 7200 || c.VcoHealthCheck == nil || c.VcoHealthCheck.Dip != "10.0.0.1" {
		t.Fatalf("modified: %+v %+v %+v", c, c.IkeConfig, c.VcoHealthCheck)
	}
	detail := b.get("/console/r/cn-hangzhou/connections/" + vco)
	wantBody(t, detail, "Probing 10.0.0.1 from 192.168.1.1", `data-status-src="/console/r/cn-hangzhou/connections/status?VpnConnectionId=`+vco+`"`)
	st := b.do("GET", "/console/r/cn-hangzhou/connections/status?VpnConnectionId="+vco, nil, map[string]string{"Accept": "application/json"})
	wantStatus(t, st, http.StatusOK)
	if !strings.HasPrefix(st.body, `{"connections":[{"id":"`+vco+`","status":"ike_sa_not_established"`) {
		t.Fatalf("status JSON %s", st.body)
	}
	// The device file inline, for reading without JavaScript.
	v := b.get("/console/r/cn-hangzhou/connections/" + vco + "/device?DeviceType=cisco-ios&view=1")
	wantStatus(t, v, http.StatusOK)
	if ct, cd := v.header.Get("Content-Type"), v.header.Get("Content-Disposition"); ct != "text/plain; charset=utf-8" || !strings.HasPrefix(cd, "inline;") {
		t.Fatalf("view: %s %s", ct, cd)
	}
	wantBody(t, v, "singleKey1")
	// A tunnel of a single-tunnel connection is the API's refusal.
	p = b.get("/console/r/cn-hangzhou/connections/" + vco + "/device?DeviceType=cisco-ios&Tunnel=master")
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "InvalidTunnel.Mismatch")
	// The logs page, empty, says where logs come from.
	wantBody(t, b.get("/console/r/cn-hangzhou/connections/"+vco+"/logs"), "gateway agent")

	// The gateway agent reports: the gateway shows it connected, the
	// connection its status, the logs page charon's lines (escaped).
	wantBody(t, b.get("/console/r/cn-hangzhou/gateways"), "no agent has reported")
	now := time.Now().UnixMilli()
	e.root(t, "ReportVpnGatewayAgentStatus", map[string]string{"RegionId": "cn-hangzhou", "VpnGatewayId": gw, "AgentInstanceId": "webtest",
		"Sequence": "1", "AgentVersion": "9.9.9",
		"Tunnels.1":  `[{"VpnConnectionId":"` + vco + `","Status":"ipsec_sa_established","BytesIn":0,"BytesOut":0,"PacketsIn":0,"PacketsOut":0}]`,
		"LogLines.1": `[{"VpnConnectionId":"` + vco + `","Time":` + strconv.FormatInt(now, 10) + `,"Line":"IKE_SA vco[1] established <b>bold</b>"}]`})
	wantBody(t, b.get("/console/r/cn-hangzhou/gateways"), `<span class="agent on"`, ">connected</span>")
	g := b.get("/console/r/cn-hangzhou/gateways/" + gw)
	wantBody(t, g, "version 9.9.9", "agent connected", `class="edge up"`)
	wantBody(t, b.get("/console/r/cn-hangzhou/connections/"+vco), `<span class="status up" data-status="`+vco+`"`, `/logs">Logs</a>`)
	logs := b.get("/console/r/cn-hangzhou/connections/" + vco + "/logs")
	wantStatus(t, logs, http.StatusOK)
	wantBody(t, logs, "IKE_SA vco[1] established &lt;b&gt;bold&lt;/b&gt;")
	wantNotBody(t, logs, "<b>bold")
	wantBody(t, b.get("/console/r/cn-hangzhou/connections/"+vco+"/logs?minutes=15&page=2"), "No log lines")
}
