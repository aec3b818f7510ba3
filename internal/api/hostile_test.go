package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

const (
	vpcVersion = "2016-04-28"
	ramVersion = "2015-05-01"
	hzRegion   = "cn-hangzhou"
)

// answer is one parsed HTTP answer of the hostile tests.
type answer struct {
	Status      int
	ContentType string
	Body        []byte
	// Error fields, when the body is an Alibaba error document.
	RequestID, HostID, Code, Message string
}

// send performs req with a client that never follows redirects (a redirect
// is an answer to assert, not to chase) and parses an error body.
func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %.200s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return parseAnswer(resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

// parseAnswer fills the error fields from a JSON or XML error body; they stay
// empty when the body is not one.
func parseAnswer(status int, ct string, b []byte) answer {
	a := answer{Status: status, ContentType: ct, Body: b}
	var e struct {
		XMLName                          xml.Name `json:"-" xml:"Error"`
		RequestId, HostId, Code, Message string
	}
	switch ct {
	case "application/json;charset=utf-8":
		if json.Unmarshal(b, &e) != nil {
			return a
		}
	case "text/xml;charset=utf-8":
		if xml.Unmarshal(b, &e) != nil {
			return a
		}
	default:
		return a
	}
	a.RequestID, a.HostID, a.Code, a.Message = e.RequestId, e.HostId, e.Code, e.Message
	return a
}

// checkWellFormed asserts what every answer of the API must be: no 5xx, the
// JSON or XML Content-Type, a body that parses, a 36-character upper-case
// RequestId, and for an error a Code from the table (with the table's
// status) or of the Missing*/Invalid* families (400).
func checkWellFormed(t *testing.T, a answer) string {
	t.Helper()
	if a.Status >= 500 {
		t.Fatalf("status %d: %.300s", a.Status, a.Body)
	}
	var doc struct {
		RequestId string
	}
	switch a.ContentType {
	case "application/json;charset=utf-8":
		if err := json.Unmarshal(a.Body, &doc); err != nil {
			t.Fatalf("JSON body does not parse: %v: %.300q", err, a.Body)
		}
	case "text/xml;charset=utf-8":
		if !bytes.HasPrefix(a.Body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
			t.Fatalf("XML body without declaration: %.300q", a.Body)
		}
		if err := xml.Unmarshal(a.Body, &doc); err != nil {
			t.Fatalf("XML body does not parse: %v: %.300q", err, a.Body)
		}
	default:
		t.Fatalf("status %d Content-Type %q: %.300q", a.Status, a.ContentType, a.Body)
	}
	if len(doc.RequestId) != 36 || strings.ToUpper(doc.RequestId) != doc.RequestId {
		t.Fatalf("RequestId %q in %.300q", doc.RequestId, a.Body)
	}
	if a.Status == http.StatusOK {
		return doc.RequestId
	}
	if a.RequestID != doc.RequestId || a.Code == "" || a.Message == "" {
		t.Fatalf("error body without Code/Message: %.300q", a.Body)
	}
	if ent, ok := apierror.Table[a.Code]; ok {
		if ent.Status != a.Status {
			t.Fatalf("code %s answered with %d, the table says %d", a.Code, a.Status, ent.Status)
		}
		return doc.RequestId
	}
	if (strings.HasPrefix(a.Code, "Missing") || strings.HasPrefix(a.Code, "Invalid")) && a.Status == http.StatusBadRequest {
		return doc.RequestId
	}
	t.Fatalf("code %q (status %d) is neither in the table nor a Missing*/Invalid* code", a.Code, a.Status)
	return ""
}

// harness is a running server with a fixture of one of each resource.
type harness struct {
	env *apptest.Env
	fx  hostileFixture
}

type hostileFixture struct {
	vpc, vsw1, vsw2, gw, cgw1, cgw2, conn, user, role, policy string
}

func (h *harness) target(path, query string) string {
	u := "http://" + h.env.Endpoint + path
	if query != "" {
		u += "?" + query
	}
	return u
}

// signV1 signs the name/value pairs kv (V1, HMAC-SHA1) with the root key
// for method and returns the encoded parameters.
func signV1(method string, kv ...string) string {
	return signature.V1Query(signature.SignV1(method, p(kv...), apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), nonce()))
}

// call sends a V1-signed GET of kv and requires a 200 with a JSON body,
// which it returns decoded.
func (h *harness) call(t *testing.T, kv ...string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.target("/", signV1("GET", kv...)), nil)
	a := send(t, req)
	checkWellFormed(t, a)
	if a.Status != http.StatusOK {
		t.Fatalf("%v: %d %s %s", kv[:4], a.Status, a.Code, a.Message)
	}
	var m map[string]any
	if err := json.Unmarshal(a.Body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// vpcAct is the parameters of a VPC action in the test region followed by kv.
func vpcAct(action string, kv ...string) []string {
	return append([]string{"Action", action, "Version", vpcVersion, "RegionId", hzRegion}, kv...)
}

func ramAct(action string, kv ...string) []string {
	return append([]string{"Action", action, "Version", ramVersion}, kv...)
}

// newHarness starts a server and creates the fixture: a VPC with two
// vSwitches, a VPN gateway, two customer gateways, a single-tunnel
// connection, a RAM user, a role and a custom policy attached to the user.
func newHarness(t *testing.T) *harness {
	h := &harness{env: apptest.Start(t)}
	f := &h.fx
	f.vpc = str(h.call(t, vpcAct("CreateVpc", "CidrBlock", "192.168.0.0/16", "VpcName", "base")...), "VpcId")
	f.vsw1 = str(h.call(t, vpcAct("CreateVSwitch", "VpcId", f.vpc, "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.1.0/24")...), "VSwitchId")
	f.vsw2 = str(h.call(t, vpcAct("CreateVSwitch", "VpcId", f.vpc, "ZoneId", "cn-hangzhou-i", "CidrBlock", "192.168.2.0/24")...), "VSwitchId")
	f.gw = str(h.call(t, vpcAct("CreateVpnGateway", "VpcId", f.vpc, "VSwitchId", f.vsw1, "Bandwidth", "10", "Name", "gw")...), "VpnGatewayId")
	f.cgw1 = str(h.call(t, vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.10", "Asn", "65010", "Name", "dc1", "AuthKey", "md5key")...), "CustomerGatewayId")
	f.cgw2 = str(h.call(t, vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.11", "Name", "dc2")...), "CustomerGatewayId")
	f.conn = str(h.call(t, vpcAct("CreateVpnConnection", "VpnGatewayId", f.gw, "CustomerGatewayId", f.cgw1, "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.0.0.0/8", "Name", "conn",
		"IkeConfig", `{"Psk":"fixturePsk123","LocalId":"left","RemoteId":"right"}`)...), "VpnConnectionId")
	for _, id := range []string{f.vpc, f.vsw1, f.vsw2, f.gw, f.cgw1, f.cgw2, f.conn} {
		if id == "" {
			t.Fatalf("fixture incomplete: %+v", *f)
		}
	}
	f.user, f.role, f.policy = "alice", "ops", "hostile-base"
	h.call(t, ramAct("CreateUser", "UserName", f.user, "DisplayName", "Alice")...)
	h.call(t, ramAct("CreateRole", "RoleName", f.role, "AssumeRolePolicyDocument",
		`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::`+h.env.App.Root.AccountID+`:root"]}}],"Version":"1"}`)...)
	h.call(t, ramAct("CreatePolicy", "PolicyName", f.policy, "PolicyDocument", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:Describe*","Resource":"*"}]}`)...)
	h.call(t, ramAct("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", f.policy, "UserName", f.user)...)
	return h
}

// storeSnapshot is everything the store holds that a request could change,
// read through the store interfaces. Access-key secrets are replaced by
// their SHA-256 so that a failure message never shows one.
type storeSnapshot struct {
	Accounts    []iam.Account
	AccessKeys  map[string][]iam.AccessKey
	Vpcs        map[string][]vpn.Vpc
	VSwitches   map[string][]vpn.VSwitch
	Gateways    map[string][]vpn.Gateway
	Customer    map[string][]vpn.CustomerGateway
	Connections map[string][]vpn.Connection
	Users       map[string][]iam.User
	Policies    map[string][]iam.Policy
	Versions    map[string][]iam.PolicyVersion
	Attachments map[string][]iam.Attachment
	Roles       map[string]iam.Role
}

// roleNamesProbed are looked up by snapshot (the store cannot list roles):
// the fixture's and those the hostile cases try to create.
func roleNamesProbed() []string { return []string{"ops", "x';DROP TABLE roles;--", "evil"} }

func snapshot(t *testing.T, st store.Store) storeSnapshot {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
	}
	s := storeSnapshot{AccessKeys: map[string][]iam.AccessKey{}, Vpcs: map[string][]vpn.Vpc{}, VSwitches: map[string][]vpn.VSwitch{},
		Gateways: map[string][]vpn.Gateway{}, Customer: map[string][]vpn.CustomerGateway{}, Connections: map[string][]vpn.Connection{},
		Users: map[string][]iam.User{}, Policies: map[string][]iam.Policy{}, Versions: map[string][]iam.PolicyVersion{},
		Attachments: map[string][]iam.Attachment{}, Roles: map[string]iam.Role{}}
	var err error
	s.Accounts, err = st.ListAccounts(ctx)
	must(err)
	all := store.Page{Number: 1, Size: 100000}
	is, _ := st.(store.IAMStore)
	for _, acc := range s.Accounts {
		id := acc.AccountID
		keys, err := st.ListAccessKeys(ctx, id, "")
		must(err)
		if is != nil {
			users, _, err := is.ListUsers(ctx, id, "", 100000)
			must(err)
			s.Users[id] = users
			for _, u := range users {
				more, err := st.ListAccessKeys(ctx, id, u.UserName)
				must(err)
				keys = append(keys, more...)
				at, err := is.ListAttachments(ctx, id, "User", u.UserName)
				must(err)
				s.Attachments[id+"/user/"+u.UserName] = at
			}
			pols, _, err := is.ListPolicies(ctx, id, "", 100000)
			must(err)
			s.Policies[id] = pols
			for _, pl := range pols {
				vs, err := is.ListPolicyVersions(ctx, id, pl.PolicyName)
				must(err)
				s.Versions[id+"/"+pl.PolicyName] = vs
			}
			for _, rn := range roleNamesProbed() {
				if r, err := is.GetRole(ctx, id, rn); err == nil {
					s.Roles[id+"/"+rn] = r
					at, err := is.ListAttachments(ctx, id, "Role", rn)
					must(err)
					s.Attachments[id+"/role/"+rn] = at
				}
			}
		}
		for i := range keys {
			sum := sha256.Sum256([]byte(keys[i].Secret))
			keys[i].Secret = hex.EncodeToString(sum[:8])
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].AccessKeyID < keys[j].AccessKeyID })
		s.AccessKeys[id] = keys
		for _, r := range vpn.Regions() {
			sc := store.Scope{AccountID: id, RegionID: r.ID}
			k := id + "/" + r.ID
			vpcs, _, err := st.ListVpcs(ctx, sc, store.VpcFilter{}, all)
			must(err)
			sws, _, err := st.ListVSwitches(ctx, sc, store.VSwitchFilter{}, all)
			must(err)
			gws, _, err := st.ListGateways(ctx, sc, store.GatewayFilter{}, all)
			must(err)
			cgws, _, err := st.ListCustomerGateways(ctx, sc, store.CustomerGatewayFilter{}, all)
			must(err)
			conns, _, err := st.ListConnections(ctx, sc, store.ConnectionFilter{}, all)
			must(err)
			if len(vpcs) > 0 {
				s.Vpcs[k] = vpcs
			}
			if len(sws) > 0 {
				s.VSwitches[k] = sws
			}
			if len(gws) > 0 {
				s.Gateways[k] = gws
			}
			if len(cgws) > 0 {
				s.Customer[k] = cgws
			}
			if len(conns) > 0 {
				s.Connections[k] = conns
			}
		}
	}
	return s
}

// diffSnapshots names the parts of two snapshots that differ.
func diffSnapshots(a, b storeSnapshot) []string {
	var out []string
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := 0; i < va.NumField(); i++ {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s: before %+v\nafter %+v", va.Type().Field(i).Name, va.Field(i).Interface(), vb.Field(i).Interface()))
		}
	}
	return out
}

// counts is a short summary of a snapshot, to show that it is not empty.
func (s storeSnapshot) counts() string {
	n := func(m any) int {
		v := reflect.ValueOf(m)
		total := 0
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			if e.Kind() == reflect.Slice {
				total += e.Len()
			} else {
				total++
			}
		}
		return total
	}
	return fmt.Sprintf("accounts=%d keys=%d vpcs=%d vswitches=%d gateways=%d cgws=%d conns=%d users=%d policies=%d versions=%d attachments=%d roles=%d",
		len(s.Accounts), n(s.AccessKeys), n(s.Vpcs), n(s.VSwitches), n(s.Gateways), n(s.Customer), n(s.Connections), n(s.Users), n(s.Policies), n(s.Versions), n(s.Attachments), n(s.Roles))
}

// builder makes the request of a case when the case runs, so that its
// timestamp and nonce are fresh.
type builder func(h *harness) *http.Request

// get is a V1-signed GET of kv.
func sget(kv ...string) builder {
	return func(h *harness) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, h.target("/", signV1("GET", kv...)), nil)
		return r
	}
}

// post is a V1-signed POST of kv as a form body.
func post(kv ...string) builder {
	return func(h *harness) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, h.target("/", ""), strings.NewReader(signV1("POST", kv...)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
}

// getFx is get with the fixture at hand, for parameters naming its records.
func getFx(kv func(f hostileFixture) []string) builder {
	return func(h *harness) *http.Request { return sget(kv(h.fx)...)(h) }
}

// rawReq sends method path?query with body exactly as given, unsigned.
func rawReq(method, path, query, body string) builder {
	return func(h *harness) *http.Request {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r, err := http.NewRequest(method, h.target(path, ""), rd)
		if err != nil {
			panic(err)
		}
		r.URL.Opaque = "//" + h.env.Endpoint + path // sent verbatim, not cleaned or re-escaped
		r.URL.RawQuery = query
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return r
	}
}

// signedPlus is a V1-signed GET of kv with extra appended to the query
// after signing (for raw encodings a signer cannot produce).
func signedPlus(extra string, kv ...string) builder {
	return func(h *harness) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, h.target("/", ""), nil)
		r.URL.RawQuery = signV1("GET", kv...) + "&" + extra
		return r
	}
}

// withHeader is b with a header set after signing.
func withHeader(b builder, k, v string) builder {
	return func(h *harness) *http.Request {
		r := b(h)
		r.Header.Set(k, v)
		return r
	}
}

// v3 is a V3-signed POST of the action with the query q.
func v3(action, version, q string, hdr map[string]string) builder {
	return func(h *harness) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, h.target("/", q), nil)
		r.Header.Set("x-acs-action", action)
		r.Header.Set("x-acs-version", version)
		n := nonce()
		for k, v := range hdr {
			if k == "x-acs-signature-nonce" {
				n = v
				continue
			}
			r.Header.Set(k, v)
		}
		if err := signature.SignV3(r, apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), n, signature.EmptyBodySHA256); err != nil {
			panic(err)
		}
		return r
	}
}

type hostileCase struct {
	name   string
	req    builder
	status int
	code   string // "" only for answers net/http gives before the handler runs
}

// Payloads.
const (
	sqlDrop  = "x');DROP TABLE vpcs;--"
	sqlOr    = "' OR '1'='1"
	tmplGo   = "{{.Secret}}{{template \"x\"}}"
	tmplJinj = "${jndi:ldap://evil/a}{{7*7}}<%= 7*7 %>"
)

// repeatTo repeats s until it has more than n characters (runes).
func repeatTo(s string, n int) string {
	var b strings.Builder
	for c := 0; c <= n; c += len([]rune(s)) {
		b.WriteString(s)
	}
	return b.String()
}

func manyParams(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "P%d=%d", i, i)
	}
	return b.String()
}

// hostileCases are malformed or hostile requests with the exact status and
// code each must get. None may change the store.
func hostileCases() []hostileCase {
	var cs []hostileCase
	add := func(name string, b builder, status int, code string) {
		cs = append(cs, hostileCase{name, b, status, code})
	}

	// ---- Free-text fields: too long (with injection text), URL prefix,
	// invalid UTF-8, NUL. The injection text itself is legal (see
	// TestHostileTextStoredVerbatim); these variants are not.
	type textField struct {
		action string
		name   string
		max    int
		base   func(f hostileFixture) []string
		code   string // code of a too long / URL value
	}
	fields := []textField{
		{"CreateVpc", "VpcName", 128, func(hostileFixture) []string { return vpcAct("CreateVpc") }, "InvalidVpcName.Malformed"},
		{"CreateVpc", "Description", 256, func(hostileFixture) []string { return vpcAct("CreateVpc") }, "InvalidDescription.Malformed"},
		{"CreateVSwitch", "VSwitchName", 128, func(f hostileFixture) []string {
			return vpcAct("CreateVSwitch", "VpcId", f.vpc, "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.3.0/24")
		}, "InvalidVSwitchName.Malformed"},
		{"CreateVSwitch", "Description", 256, func(f hostileFixture) []string {
			return vpcAct("CreateVSwitch", "VpcId", f.vpc, "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.3.0/24")
		}, "InvalidDescription.Malformed"},
		{"CreateVpnGateway", "Name", 100, func(f hostileFixture) []string {
			return vpcAct("CreateVpnGateway", "VpcId", f.vpc, "VSwitchId", f.vsw1, "Bandwidth", "10")
		}, "InvalidName.Malformed"},
		{"CreateCustomerGateway", "Name", 100, func(hostileFixture) []string {
			return vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.20")
		}, "InvalidName.Malformed"},
		{"CreateCustomerGateway", "Description", 100, func(hostileFixture) []string {
			return vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.20")
		}, "InvalidDescription.Malformed"},
		{"CreateVpnConnection", "Name", 100, func(f hostileFixture) []string {
			return vpcAct("CreateVpnConnection", "VpnGatewayId", f.gw, "CustomerGatewayId", f.cgw2, "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.1.0.0/16")
		}, "InvalidName.Malformed"},
		{"ModifyVpnConnectionAttribute", "Name", 100, func(f hostileFixture) []string {
			return vpcAct("ModifyVpnConnectionAttribute", "VpnConnectionId", f.conn)
		}, "InvalidName.Malformed"},
		{"ModifyCustomerGatewayAttribute", "Name", 100, func(f hostileFixture) []string {
			return vpcAct("ModifyCustomerGatewayAttribute", "CustomerGatewayId", f.cgw1)
		}, "InvalidName.Malformed"},
		{"ModifyCustomerGatewayAttribute", "Description", 100, func(f hostileFixture) []string {
			return vpcAct("ModifyCustomerGatewayAttribute", "CustomerGatewayId", f.cgw1)
		}, "InvalidDescription.Malformed"},
	}
	for _, tf := range fields {
		with := func(v string) builder {
			return getFx(func(f hostileFixture) []string { return append(tf.base(f), tf.name, v) })
		}
		pre := tf.action + " " + tf.name + " "
		add(pre+"SQL injection too long", with(repeatTo(sqlDrop, tf.max)), 400, tf.code)
		add(pre+"template injection too long (multi-byte)", with(repeatTo(tmplGo+"中文", tf.max)), 400, tf.code)
		add(pre+"http:// prefix with SQL", with("http://"+sqlOr), 400, tf.code)
		add(pre+"https:// prefix with template", with("https://"+tmplJinj), 400, tf.code)
		add(pre+"invalid UTF-8", with("ok\xff\xfe"), 400, "InvalidParameter.Encoding")
		add(pre+"NUL byte", with("a\x00b"), 400, "InvalidParameter")
	}

	// ---- Secrets and identities.
	for _, ak := range []struct{ name, v string }{
		{"SQL with spaces", sqlOr}, {"65 characters", strings.Repeat("k", 65)}, {"empty", ""},
		{"tab", "key\tkey"}, {"non-ASCII", "密钥"}, {"template with space", "{{ .Secret }}"},
	} {
		add("CreateCustomerGateway AuthKey "+ak.name, sget(vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.21", "AuthKey", ak.v)...), 400, "InvalidAuthKey.Malformed")
		v := ak.v
		add("ModifyCustomerGatewayAttribute AuthKey "+ak.name, getFx(func(f hostileFixture) []string {
			return vpcAct("ModifyCustomerGatewayAttribute", "CustomerGatewayId", f.cgw1, "AuthKey", v)
		}), 400, "InvalidAuthKey.Malformed")
	}
	createConn := func(kv ...string) builder {
		return getFx(func(f hostileFixture) []string {
			return append(vpcAct("CreateVpnConnection", "VpnGatewayId", f.gw, "CustomerGatewayId", f.cgw2, "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.1.0.0/16"), kv...)
		})
	}
	modifyConn := func(kv ...string) builder {
		return getFx(func(f hostileFixture) []string {
			return append(vpcAct("ModifyVpnConnectionAttribute", "VpnConnectionId", f.conn), kv...)
		})
	}
	jsonStr := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, ik := range []struct{ key, name, v string }{
		{"Psk", "SQL quote", "x';DROP TABLE connections;--"},
		{"Psk", "space", "a b"},
		{"Psk", "101 characters", strings.Repeat("p", 101)},
		{"Psk", "empty", ""},
		{"Psk", "template with space", "{{ .Secret }}"},
		{"Psk", "non-ASCII", "密钥"},
		{"LocalId", "SQL with spaces", sqlOr},
		{"LocalId", "101 characters", strings.Repeat("i", 101)},
		{"LocalId", "newline", "a\nb"},
		{"RemoteId", "SQL with spaces", sqlOr},
		{"RemoteId", "template with spaces", "{{ template \"x\" }}"},
		{"RemoteId", "empty", ""},
	} {
		js := `{"` + ik.key + `":` + jsonStr(ik.v) + `}`
		add("CreateVpnConnection IkeConfig."+ik.key+" "+ik.name, createConn("IkeConfig", js), 400, "InvalidIkeConfig."+ik.key)
		add("ModifyVpnConnectionAttribute IkeConfig."+ik.key+" "+ik.name, modifyConn("IkeConfig", js), 400, "InvalidIkeConfig."+ik.key)
	}

	// ---- Tags.
	for _, tg := range []struct {
		name string
		kv   []string
		code string
	}{
		{"key aliyun prefix with SQL", []string{".1.Key", "aliyun" + sqlDrop}, "InvalidTagKey.Malformed"},
		{"key acs: prefix with template", []string{".1.Key", "acs:" + tmplGo}, "InvalidTagKey.Malformed"},
		{"key 129 characters", []string{".1.Key", repeatTo(sqlOr, 128)}, "InvalidTagKey.Malformed"},
		{"value with http://", []string{".1.Key", "k", ".1.Value", "x http://evil/" + sqlOr}, "InvalidTagValue.Malformed"},
		{"value 129 characters", []string{".1.Key", "k", ".1.Value", repeatTo(tmplJinj, 128)}, "InvalidTagValue.Malformed"},
		{"value without key", []string{".1.Value", sqlOr}, "InvalidTagKey.Malformed"},
		{"index 0", []string{".0.Key", "k"}, "InvalidParameter"},
		{"index 21", []string{".21.Key", "k"}, "InvalidParameter"},
		{"index 01", []string{".01.Key", "k"}, "InvalidParameter"},
		{"index -1", []string{".-1.Key", "k"}, "InvalidParameter"},
		{"index overflowing", []string{".99999999999999999999.Key", "k"}, "InvalidParameter"},
		{"unknown field", []string{".1.Evil", sqlOr}, "InvalidParameter"},
		{"duplicate key", []string{".1.Key", "k", ".2.Key", "k"}, "InvalidTagKey.Duplicate"},
	} {
		mk := func(prefix string) []string {
			var out []string
			for i := 0; i < len(tg.kv); i += 2 {
				out = append(out, prefix+tg.kv[i], tg.kv[i+1])
			}
			return out
		}
		add("CreateVpc Tag "+tg.name, sget(vpcAct("CreateVpc", mk("Tag")...)...), 400, tg.code)
		add("CreateCustomerGateway Tags "+tg.name, sget(vpcAct("CreateCustomerGateway", append([]string{"IpAddress", "198.51.100.22"}, mk("Tags")...)...)...), 400, tg.code)
	}
	add("CreateVpnConnection Tags key acs:", createConn("Tags.1.Key", "acs:"+sqlDrop), 400, "InvalidTagKey.Malformed")
	add("DescribeVpcs Tag index 0", sget(vpcAct("DescribeVpcs", "Tag.0.Key", sqlOr)...), 400, "InvalidParameter")

	// ---- Numbers.
	for _, n := range []string{"-1", "0", "51", "99999999999999999999", "-99999999999999999999", "1e1", "0x10", " 10", "10 ", "1.0", sqlOr} {
		add("DescribeVpcs PageSize "+n, sget(vpcAct("DescribeVpcs", "PageSize", n)...), 400, "InvalidPageSize.Malformed")
	}
	for _, n := range []string{"-1", "0", "99999999999999999999", "1073741825", "NaN"} {
		add("DescribeVpnGateways PageNumber "+n, sget(vpcAct("DescribeVpnGateways", "PageNumber", n)...), 400, "InvalidPageNumber.Malformed")
	}
	add("DescribeVpnConnections PageSize -1", sget(vpcAct("DescribeVpnConnections", "PageSize", "-1")...), 400, "InvalidPageSize.Malformed")
	add("DescribeCustomerGateways PageNumber 0", sget(vpcAct("DescribeCustomerGateways", "PageNumber", "0")...), 400, "InvalidPageNumber.Malformed")
	// Canonical decimal only, as Alibaba's API reads numbers: "010" and
	// "+10" are refused, not read as 10.
	for _, n := range []string{"-1", "0", "7", "99999999999999999999", "9223372036854775808", "10.0", "1e1", " 10", "010", "+10", sqlDrop} {
		add("CreateVpnGateway Bandwidth "+n, getFx(func(f hostileFixture) []string {
			return vpcAct("CreateVpnGateway", "VpcId", f.vpc, "Bandwidth", n)
		}), 400, "InvalidBandwidth.Malformed")
	}
	for _, n := range []string{"-1", "0", "4294967296", "99999999999999999999", "45104", "+65000", "065000", "0x1", "65000 ", sqlOr} {
		add("CreateCustomerGateway Asn "+n, sget(vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.23", "Asn", n)...), 400, "InvalidAsn.Malformed")
	}
	for _, lt := range []struct{ name, v string }{
		{"-1", "-1"}, {"86401", "86401"}, {"overflowing", "99999999999999999999"},
		{"1e309", "1e309"}, {"fraction", "1.5"}, {"string SQL", jsonStr(sqlOr)}, {"bool", "true"},
	} {
		add("CreateVpnConnection IkeConfig.IkeLifetime "+lt.name, createConn("IkeConfig", `{"IkeLifetime":`+lt.v+`}`), 400, "InvalidIkeConfig.IkeLifetime")
		add("ModifyVpnConnectionAttribute IpsecConfig.IpsecLifetime "+lt.name, modifyConn("IpsecConfig", `{"IpsecLifetime":`+lt.v+`}`), 400, "InvalidIpsecConfig.IpsecLifetime")
	}
	add("CreateVpnConnection BgpConfig.LocalAsn overflowing", createConn("BgpConfig", `{"EnableBgp":true,"LocalAsn":99999999999999999999}`), 400, "InvalidBgpConfig.LocalAsn")
	add("CreateVpnConnection BgpConfig.LocalAsn negative", createConn("BgpConfig", `{"LocalAsn":-65000}`), 400, "InvalidBgpConfig.LocalAsn")
	add("CreateVpnConnection HealthCheckConfig.interval negative", createConn("HealthCheckConfig", `{"enable":true,"sip":"192.168.1.1","dip":"10.0.0.1","interval":-1}`), 400, "InvalidHealthCheckConfig.interval")
	add("CreateVpnConnection HealthCheckConfig.retry overflowing", createConn("HealthCheckConfig", `{"enable":true,"sip":"192.168.1.1","dip":"10.0.0.1","retry":99999999999999999999}`), 400, "InvalidHealthCheckConfig.retry")
	add("ListUsers MaxItems -1", sget(ramAct("ListUsers", "MaxItems", "-1")...), 400, "InvalidParameter.MaxItems")
	add("ListUsers MaxItems overflowing", sget(ramAct("ListUsers", "MaxItems", "99999999999999999999")...), 400, "InvalidParameter.MaxItems")

	// ---- JSON configs and structured values.
	for _, js := range []struct{ name, param, v, code string }{
		{"not JSON", "IkeConfig", sqlDrop, "InvalidIkeConfig.Malformed"},
		{"array", "IkeConfig", `[{"Psk":"a"}]`, "InvalidIkeConfig.Malformed"},
		{"trailing data", "IkeConfig", `{"Psk":"a"}{"Psk":"b"}`, "InvalidIkeConfig.Malformed"},
		{"deep nesting", "IkeConfig", strings.Repeat("[", 30000), "InvalidIkeConfig.Malformed"},
		{"unknown key __proto__", "IkeConfig", `{"__proto__":{"admin":true}}`, "InvalidIkeConfig.UnknownKey"},
		{"SQL in enum", "IkeConfig", `{"IkeEncAlg":"aes'; DROP TABLE x;--"}`, "InvalidIkeConfig.IkeEncAlg"},
		{"duplicate key, last invalid", "IkeConfig", `{"IkeEncAlg":"aes","IkeEncAlg":"rot13"}`, "InvalidIkeConfig.DuplicateKey"},
		{"duplicate Psk, both valid", "IkeConfig", `{"Psk":"firstPsk1","Psk":"secondPsk2"}`, "InvalidIkeConfig.DuplicateKey"},
		{"duplicate key, equal values", "IkeConfig", `{"IkeVersion":"ikev2","IkeVersion":"ikev2"}`, "InvalidIkeConfig.DuplicateKey"},
		{"duplicate key after an unknown one", "IpsecConfig", `{"IpsecPfs":"group2","x":1,"IpsecPfs":"disabled"}`, "InvalidIpsecConfig.DuplicateKey"},
		{"duplicate key", "BgpConfig", `{"EnableBgp":true,"LocalAsn":65000,"LocalAsn":65001}`, "InvalidBgpConfig.DuplicateKey"},
		{"duplicate key", "HealthCheckConfig", `{"enable":true,"enable":false}`, "InvalidHealthCheckConfig.DuplicateKey"},
		{"duplicate key in a nested object", "IkeConfig", `{"LocalId":"a","x":{"y":1,"y":2}}`, "InvalidIkeConfig.DuplicateKey"},
		{"null object", "IpsecConfig", `null`, "InvalidIpsecConfig.Malformed"},
		{"template in enum", "IpsecConfig", `{"IpsecPfs":"{{.}}"}`, "InvalidIpsecConfig.IpsecPfs"},
		{"SQL in TunnelCidr", "BgpConfig", `{"TunnelCidr":"169.254.10.0/30' OR 1=1"}`, "InvalidBgpConfig.TunnelCidr"},
		{"number as IP", "BgpConfig", `{"LocalBgpIp":3232235777}`, "InvalidBgpConfig.LocalBgpIp"},
		{"SQL in sip", "HealthCheckConfig", `{"enable":true,"sip":"1.1.1.1' --","dip":"2.2.2.2"}`, "InvalidHealthCheckConfig.sip"},
		{"policy injection", "HealthCheckConfig", `{"policy":"revoke_route;rm -rf /"}`, "InvalidHealthCheckConfig.policy"},
	} {
		add("CreateVpnConnection "+js.param+" "+js.name, createConn(js.param, js.v), 400, js.code)
	}
	add("CreateVpnConnection LocalSubnet SQL", getFx(func(f hostileFixture) []string {
		return vpcAct("CreateVpnConnection", "VpnGatewayId", f.gw, "CustomerGatewayId", f.cgw2, "LocalSubnet", "192.168.0.0/16' OR '1'='1", "RemoteSubnet", "10.1.0.0/16")
	}), 400, "InvalidLocalSubnet.Malformed")
	add("CreateVpnConnection RemoteSubnet 2 000 entries", getFx(func(f hostileFixture) []string {
		list := make([]string, 2000)
		for i := range list {
			list[i] = fmt.Sprintf("%d.0.0.0/8", i%200+1)
		}
		return vpcAct("CreateVpnConnection", "VpnGatewayId", f.gw, "CustomerGatewayId", f.cgw2, "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", strings.Join(list, ","))
	}), 400, "InvalidRemoteSubnet.Malformed")
	add("CreateVpnConnection TunnelOptionsSpecification JSON not array", createConn("TunnelOptionsSpecification", sqlDrop), 400, "InvalidTunnelOptionsSpecification.Malformed")
	add("CreateVpnConnection TunnelOptionsSpecification JSON duplicate Psk", createConn("TunnelOptionsSpecification",
		`[{"Role":"master","TunnelIkeConfig":{"Psk":"a1","Psk":"b2"}},{"Role":"slave"}]`), 400, "InvalidTunnelOptionsSpecification.DuplicateKey")
	add("CreateVpnConnection TunnelOptionsSpecification JSON duplicate Role", createConn("TunnelOptionsSpecification",
		`[{"Role":"master","Role":"slave"},{"Role":"slave"}]`), 400, "InvalidTunnelOptionsSpecification.DuplicateKey")
	add("CreateVpnConnection TunnelOptionsSpecification index 3", createConn("TunnelOptionsSpecification.3.Role", "master"), 400, "InvalidTunnelOptionsSpecification.Malformed")
	add("CreateVpnConnection TunnelOptionsSpecification unknown field", createConn("TunnelOptionsSpecification.1.Evil", sqlOr), 400, "InvalidTunnelOptionsSpecification.Malformed")
	add("CreateVpc RegionId SQL", sget("Action", "CreateVpc", "Version", vpcVersion, "RegionId", "cn-hangzhou' OR '1'='1"), 404, "InvalidRegionId.NotFound")
	add("CreateVpc CidrBlock SQL", sget(vpcAct("CreateVpc", "CidrBlock", "10.0.0.0/8;DROP TABLE vpcs")...), 400, "InvalidCidrBlock.Malformed")
	add("CreateVpc CidrBlock /33", sget(vpcAct("CreateVpc", "CidrBlock", "10.0.0.0/33")...), 400, "InvalidCidrBlock.Malformed")
	add("CreateVSwitch ZoneId SQL", getFx(func(f hostileFixture) []string {
		return vpcAct("CreateVSwitch", "VpcId", f.vpc, "ZoneId", "cn-hangzhou-h' --", "CidrBlock", "192.168.3.0/24")
	}), 404, "InvalidZoneId.NotFound")
	add("CreateCustomerGateway IpAddress SQL", sget(vpcAct("CreateCustomerGateway", "IpAddress", "198.51.100.1' OR 1=1")...), 400, "InvalidIpAddress.WrongFormat")
	add("CreateVpnGateway NetworkType template", getFx(func(f hostileFixture) []string {
		return vpcAct("CreateVpnGateway", "VpcId", f.vpc, "Bandwidth", "10", "NetworkType", tmplGo)
	}), 400, "InvalidNetworkType.Malformed")
	add("CreateVpc DryRun SQL", sget(vpcAct("CreateVpc", "DryRun", sqlOr)...), 400, "InvalidDryRun.Malformed")
	add("CreateVpc ClientToken 65 characters", sget(vpcAct("CreateVpc", "ClientToken", strings.Repeat("t", 65))...), 400, "InvalidClientToken.Malformed")
	add("CreateVpc ClientToken with space", sget(vpcAct("CreateVpc", "ClientToken", sqlOr)...), 400, "InvalidClientToken.Malformed")
	add("DescribeRegions AcceptLanguage template", sget("Action", "DescribeRegions", "Version", vpcVersion, "AcceptLanguage", tmplJinj), 400, "InvalidAcceptLanguage.Malformed")
	add("DescribeVpnGateways Status SQL", sget(vpcAct("DescribeVpnGateways", "Status", sqlOr)...), 400, "InvalidStatus.Malformed")
	// Numbers are canonical decimal, as Alibaba's API reads them.
	add("DescribeVpcs PageSize +10", sget(vpcAct("DescribeVpcs", "PageSize", "+10")...), 400, "InvalidPageSize.Malformed")
	add("DescribeVpcs PageNumber 01", sget(vpcAct("DescribeVpcs", "PageNumber", "01")...), 400, "InvalidPageNumber.Malformed")
	add("ListUsers MaxItems +5", sget(ramAct("ListUsers", "MaxItems", "+5")...), 400, "InvalidParameter.MaxItems")
	add("DescribeVpcs 21 VpcIds", sget(vpcAct("DescribeVpcs", "VpcId", strings.Repeat(sqlOr+",", 21))...), 400, "InvalidVpcId.Malformed")

	// ---- Ids carrying injection name nothing.
	for _, id := range []struct{ action, param, code string }{
		{"DeleteVpc", "VpcId", "InvalidVpcId.NotFound"},
		{"DeleteVSwitch", "VSwitchId", "InvalidVSwitchId.NotFound"},
		{"DeleteVpnGateway", "VpnGatewayId", "InvalidVpnGatewayInstanceId.NotFound"},
		{"DeleteCustomerGateway", "CustomerGatewayId", "InvalidCustomerGatewayInstanceId.NotFound"},
		{"DeleteVpnConnection", "VpnConnectionId", "InvalidVpnConnectionInstanceId.NotFound"},
		{"DownloadVpnConnectionConfig", "VpnConnectionId", "InvalidVpnConnectionInstanceId.NotFound"},
		{"DescribeVpnGateway", "VpnGatewayId", "InvalidVpnGatewayInstanceId.NotFound"},
	} {
		prefix := map[string]string{"VpcId": "vpc-", "VSwitchId": "vsw-", "VpnGatewayId": "vpn-", "CustomerGatewayId": "cgw-", "VpnConnectionId": "vco-"}[id.param]
		add(id.action+" "+id.param+" SQL", sget(vpcAct(id.action, id.param, prefix+"x' OR '1'='1")...), 404, id.code)
		add(id.action+" "+id.param+" path traversal", sget(vpcAct(id.action, id.param, prefix+"../../etc/passwd")...), 404, id.code)
	}
	add("CreateVSwitch VpcId SQL", sget(vpcAct("CreateVSwitch", "VpcId", "vpc-1 OR 1=1", "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.3.0/24")...), 404, "InvalidVpcId.NotFound")
	add("ModifyVpnConnectionAttribute TunnelId SQL on single tunnel", modifyConn("TunnelOptionsSpecification.1.TunnelId", "tun-' OR 1=1"), 400, "InvalidParameter.TunnelMode")
	add("ModifyVpnConnectionAttribute CustomerGatewayId change", getFx(func(f hostileFixture) []string {
		return vpcAct("ModifyVpnConnectionAttribute", "VpnConnectionId", f.conn, "CustomerGatewayId", f.cgw2)
	}), 400, "InvalidParameter")

	// ---- RAM free text.
	add("CreateUser UserName SQL", sget(ramAct("CreateUser", "UserName", "x';DROP TABLE users;--")...), 400, "InvalidParameter.UserName.InvalidChars")
	add("CreateUser UserName template", sget(ramAct("CreateUser", "UserName", tmplGo)...), 400, "InvalidParameter.UserName.InvalidChars")
	add("CreateUser UserName 65 characters", sget(ramAct("CreateUser", "UserName", strings.Repeat("u", 65))...), 400, "InvalidParameter.UserName.Length")
	add("CreateUser DisplayName control character", sget(ramAct("CreateUser", "UserName", "evil", "DisplayName", sqlOr+"\x1b[2J")...), 400, "InvalidParameter.DisplayName.InvalidChars")
	add("CreateUser DisplayName too long", sget(ramAct("CreateUser", "UserName", "evil", "DisplayName", repeatTo(tmplGo, 128))...), 400, "InvalidParameter.DisplayName.Length")
	add("CreateUser Comments too long", sget(ramAct("CreateUser", "UserName", "evil", "Comments", repeatTo(sqlDrop, 128))...), 400, "InvalidParameter.Comments.Length")
	add("CreateUser Email injection", sget(ramAct("CreateUser", "UserName", "evil", "Email", "a@b.c' OR 1=1")...), 400, "InvalidParameter.Email.Format")
	add("CreateUser MobilePhone injection", sget(ramAct("CreateUser", "UserName", "evil", "MobilePhone", "86-1' OR 1=1")...), 400, "InvalidParameter.MobilePhone.Format")
	add("GetUser UserName SQL", sget(ramAct("GetUser", "UserName", sqlOr)...), 400, "InvalidParameter.UserName.InvalidChars")
	add("UpdateUser NewUserName SQL", sget(ramAct("UpdateUser", "UserName", "alice", "NewUserName", sqlDrop)...), 400, "InvalidParameter.NewUserName.InvalidChars")
	add("CreatePolicy PolicyName SQL", sget(ramAct("CreatePolicy", "PolicyName", "p';DROP TABLE policies;--", "PolicyDocument", `{"Version":"1","Statement":[]}`)...), 400, "InvalidParameter.PolicyName.InvalidChars")
	add("CreatePolicy PolicyDocument SQL", sget(ramAct("CreatePolicy", "PolicyName", "evil", "PolicyDocument", sqlDrop)...), 400, "MalformedPolicyDocument")
	for _, pd := range []struct{ name, doc string }{
		{"duplicate Effect", `{"Version":"1","Statement":[{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"duplicate condition operator", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"},"Bool":{}}}]}`},
		{"duplicate condition key", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8","acs:SourceIp":"0.0.0.0/0"}}}]}`},
		{"misspelt condition key acs:SourceIpAddress", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIpAddress":"10.0.0.0/8"}}}]}`},
		{"condition key of another product", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"ecs:tag/env":"prod"}}}]}`},
		{"trust key in an identity policy", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}`},
	} {
		add("CreatePolicy PolicyDocument "+pd.name, sget(ramAct("CreatePolicy", "PolicyName", "evil", "PolicyDocument", pd.doc)...), 400, "MalformedPolicyDocument")
		add("CreatePolicyVersion PolicyDocument "+pd.name, sget(ramAct("CreatePolicyVersion", "PolicyName", "hostile-base", "PolicyDocument", pd.doc)...), 400, "MalformedPolicyDocument")
	}
	for _, tp := range []struct{ name, doc string }{
		{"duplicate Effect ignoring case", `{"Version":"1","Statement":[{"Effect":"Deny","effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["1"]}}]}`},
		{"duplicate Principal RAM", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["1"],"RAM":["*"]}}]}`},
		{"misspelt condition key sts:ExternalID2", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["1"]},"Condition":{"StringEquals":{"sts:ExternalID2":"x"}}}]}`},
	} {
		add("CreateRole trust policy "+tp.name, sget(ramAct("CreateRole", "RoleName", "evil", "AssumeRolePolicyDocument", tp.doc)...), 400, "MalformedPolicyDocument")
	}
	add("CreatePolicy PolicyDocument deep nesting", sget(ramAct("CreatePolicy", "PolicyName", "evil", "PolicyDocument", strings.Repeat(`{"a":`, 1000))...), 400, "MalformedPolicyDocument")
	add("CreateRole RoleName SQL", sget(ramAct("CreateRole", "RoleName", "x';DROP TABLE roles;--", "AssumeRolePolicyDocument", `{"Version":"1","Statement":[]}`)...), 400, "InvalidParameter.RoleName.InvalidChars")
	add("CreateRole trust policy template", sget(ramAct("CreateRole", "RoleName", "evil", "AssumeRolePolicyDocument", tmplGo)...), 400, "MalformedPolicyDocument")

	add("ListUsers Marker SQL", sget(ramAct("ListUsers", "Marker", sqlOr)...), 400, "InvalidParameter.Marker")
	add("ListUsers Marker of invalid UTF-8", sget(ramAct("ListUsers", "Marker", "_w")...), 400, "InvalidParameter.Marker")
	add("ListUsers MaxItems 0", sget(ramAct("ListUsers", "MaxItems", "0")...), 400, "InvalidParameter.MaxItems")
	add("ListPolicies PolicyType SQL", sget(ramAct("ListPolicies", "PolicyType", "Custom' OR 1=1")...), 400, "InvalidParameter.PolicyType")
	add("AttachPolicyToUser PolicyType template", sget(ramAct("AttachPolicyToUser", "PolicyType", tmplGo, "PolicyName", "AdministratorAccess", "UserName", "alice")...), 400, "InvalidParameter.PolicyType")
	add("UpdateUser NewEmail injection", sget(ramAct("UpdateUser", "UserName", "alice", "NewEmail", "x@y.z\"><script>")...), 400, "InvalidParameter.NewEmail.Format")
	add("UpdateAccessKey Status SQL", sget(ramAct("UpdateAccessKey", "UserAccessKeyId", apptest.AccessKeyID, "Status", "Inactive' --")...), 400, "InvalidParameter.Status")
	add("CreatePolicyVersion SetAsDefault SQL", sget(ramAct("CreatePolicyVersion", "PolicyName", "hostile-base", "PolicyDocument", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:*","Resource":"*"}]}`, "SetAsDefault", sqlOr)...), 400, "InvalidParameter.SetAsDefault")
	add("CreatePolicyVersion RotateStrategy template", sget(ramAct("CreatePolicyVersion", "PolicyName", "hostile-base", "PolicyDocument", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:*","Resource":"*"}]}`, "RotateStrategy", tmplJinj)...), 400, "InvalidParameter.RotateStrategy")
	sts := func(kv ...string) builder {
		return func(h *harness) *http.Request {
			base := []string{"Action", "AssumeRole", "Version", "2015-04-01", "RoleArn", "acs:ram::" + h.env.App.Root.AccountID + ":role/ops", "RoleSessionName", "s1"}
			return sget(append(base, kv...)...)(h)
		}
	}
	add("AssumeRole RoleArn SQL", sget("Action", "AssumeRole", "Version", "2015-04-01", "RoleArn", "acs:ram::1:role/x' OR '1'='1", "RoleSessionName", "s1"), 400, "InvalidParameter.RoleArn")
	add("AssumeRole RoleSessionName template", func(h *harness) *http.Request {
		return sget("Action", "AssumeRole", "Version", "2015-04-01", "RoleArn", "acs:ram::"+h.env.App.Root.AccountID+":role/ops", "RoleSessionName", tmplGo)(h)
	}, 400, "InvalidParameter.RoleSessionName")
	add("AssumeRole DurationSeconds -1", sts("DurationSeconds", "-1"), 400, "InvalidParameter.DurationSeconds")
	add("AssumeRole DurationSeconds overflowing", sts("DurationSeconds", "99999999999999999999"), 400, "InvalidParameter.DurationSeconds")
	add("AssumeRole Policy of 2049 bytes", sts("Policy", `{"Version":"1","Statement":[],"x":"`+strings.Repeat("a", 2049)+`"}`), 400, "InvalidParameter.PolicySize")
	add("AssumeRole Policy SQL", sts("Policy", sqlDrop), 400, "InvalidParameter.PolicyGrammar")
	add("AssumeRole Policy misspelt condition key", sts("Policy", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransports":"false"}}}]}`), 400, "InvalidParameter.PolicyGrammar")
	add("AssumeRole Policy duplicate Effect", sts("Policy", `{"Version":"1","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}]}`), 400, "InvalidParameter.PolicyGrammar")
	add("AssumeRole ExternalId with spaces", sts("ExternalId", sqlOr), 400, "InvalidParameter.ExternalId")

	// ---- Encoding and structure of the request itself.
	add("invalid UTF-8 in a name", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&%FF=1", ""), 400, "InvalidParameter.Encoding")
	add("invalid UTF-8 raw byte in a value", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&X=a%C3%28", ""), 400, "InvalidParameter.Encoding")
	add("overlong UTF-8 encoding of /", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&X=%C0%AF", ""), 400, "InvalidParameter.Encoding")
	add("UTF-16 surrogate half", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&X=%ED%A0%80", ""), 400, "InvalidParameter.Encoding")
	add("bad percent escape", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&X=%zz", ""), 400, "InvalidParameter.Encoding")
	add("truncated percent escape", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&X=%4", ""), 400, "InvalidParameter.Encoding")
	add("NUL in a name", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&A%00B=1", ""), 400, "InvalidParameter")
	add("NUL in Action", rawReq("GET", "/", "Action=DescribeRegions%00&Version=2016-04-28", ""), 400, "InvalidParameter")
	add("empty parameter name", rawReq("GET", "/", "Action=DescribeRegions&Version=2016-04-28&=x", ""), 400, "InvalidParameter")
	add("signed, then invalid UTF-8 appended", signedPlus("Name=%FF", vpcAct("CreateVpc")...), 400, "InvalidParameter.Encoding")
	add("10 000 parameters in the query", rawReq("GET", "/", manyParams(10000), ""), 400, "InvalidParameter.TooMany")
	add("10 000 parameters in the body", rawReq("POST", "/", "", manyParams(10000)), 400, "InvalidParameter.TooMany")
	add("1 001 parameters, signed", sget(append(vpcAct("CreateVpc"), strings.Split(strings.ReplaceAll(manyParams(1001), "=", "&"), "&")...)...), 400, "InvalidParameter.TooMany")
	add("value of 32 KiB + 1", sget(vpcAct("CreateVpc", "Description", strings.Repeat("d", 32<<10+1))...), 400, "InvalidParameter.TooLong")
	add("name of 257 bytes", sget(vpcAct("CreateVpc", strings.Repeat("N", 257), "v")...), 400, "InvalidParameter.TooLong")
	add("body of 1 MiB + 1", rawReq("POST", "/", "", "Action=DescribeRegions&Version=2016-04-28&X="+strings.Repeat("x", 1<<20)), 413, "RequestEntityTooLarge")
	add("signed body of 1 MiB + 1", func(h *harness) *http.Request {
		body := signV1("POST", vpcAct("CreateVpc")...) + "&Pad=" + strings.Repeat("p", 1<<20)
		r, _ := http.NewRequest(http.MethodPost, h.target("/", ""), strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}, 413, "RequestEntityTooLarge")
	add("Format YAML", sget(vpcAct("CreateVpc", "Format", "YAML")...), 400, "InvalidFormat")
	add("Format injection", sget(vpcAct("CreateVpc", "Format", "JSON'--")...), 400, "InvalidFormat")
	add("duplicate RegionId with conflicting values", sget(append(vpcAct("CreateVpc"), "RegionId", "cn-beijing")...), 400, "InvalidParameter.Duplicate")
	add("duplicate Action with conflicting values", sget("Action", "DescribeVpcs", "Action", "DeleteVpc", "Version", vpcVersion, "RegionId", hzRegion), 400, "InvalidParameter.Duplicate")
	add("duplicate VpcName, second with SQL", sget(vpcAct("CreateVpc", "VpcName", "a", "VpcName", sqlDrop)...), 400, "InvalidParameter.Duplicate")
	add("duplicate Signature appended", signedPlus("Signature=AAAA", vpcAct("CreateVpc")...), 400, "InvalidParameter.Duplicate")
	add("duplicate: query and form body disagree", func(h *harness) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, h.target("/", "RegionId=cn-beijing"), strings.NewReader(signV1("POST", vpcAct("CreateVpc")...)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}, 400, "InvalidParameter.Duplicate")
	add("V3 query with conflicting RegionId values", v3("DescribeVpcs", vpcVersion, "RegionId=cn-hangzhou&RegionId=cn-beijing", nil), 400, "InvalidParameter.Duplicate")

	// ---- Methods and paths.
	for _, m := range []string{"PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
		add("method "+m, rawReq(m, "/", signV1(m, vpcAct("CreateVpc")...), ""), 400, "UnsupportedHTTPMethod")
	}
	for _, pth := range []string{"/../", "//", "/%2e%2e/", "/a/../", "/./", "/%2F", "/..%2f", "/index.php", "/healthz/..", "/metrics/../", "/\\..\\"} {
		add("path "+pth, func(h *harness) *http.Request {
			return rawReq("GET", pth, signV1("GET", vpcAct("CreateVpc")...), "")(h)
		}, 404, "InvalidPath")
	}
	add("path /?/ (a parameter named /)", rawReq("GET", "/", "/", ""), 400, "MissingAction")
	add("path /?/ signed", func(h *harness) *http.Request {
		return rawReq("GET", "/", "/&"+signV1("GET", vpcAct("CreateVpc")...), "")(h)
	}, 400, "SignatureDoesNotMatch")
	add("unknown action with SQL", sget("Action", "DescribeVpcs'--", "Version", vpcVersion), 404, "InvalidAction.NotFound")
	add("unknown version with template", sget("Action", "CreateVpc", "Version", tmplGo), 400, "InvalidVersion")
	add("action of another version", sget("Action", "CreateUser", "Version", vpcVersion, "UserName", "evil"), 404, "InvalidAction.NotFound")

	// ---- Authentication fields.
	add("AccessKeyId SQL", func(h *harness) *http.Request {
		q := signature.V1Query(signature.SignV1("GET", p(vpcAct("CreateVpc")...), "LTAI' OR '1'='1", apptest.AccessKeySecret, time.Now(), nonce()))
		r, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
		return r
	}, 404, "InvalidAccessKeyId.NotFound")
	add("SignatureNonce of 129 characters", func(h *harness) *http.Request {
		q := signature.V1Query(signature.SignV1("GET", p(vpcAct("CreateVpc")...), apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), strings.Repeat("n", 129)))
		r, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
		return r
	}, 400, "InvalidParameter.TooLong")
	add("Timestamp injection", func(h *harness) *http.Request {
		q := strings.Replace(signV1("GET", vpcAct("CreateVpc")...), "Timestamp=", "Timestamp=%27%20OR%201%3D1--", 1)
		r, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
		return r
	}, 400, "InvalidTimeStamp.Format")
	add("SignatureMethod template", func(h *harness) *http.Request {
		q := strings.Replace(signV1("GET", vpcAct("CreateVpc")...), "SignatureMethod=HMAC-SHA1", "SignatureMethod=%7B%7B.%7D%7D", 1)
		r, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
		return r
	}, 400, "InvalidSignatureMethod")
	add("SecurityToken garbage", sget(append(vpcAct("CreateVpc"), "SecurityToken", sqlDrop)...), 400, "InvalidSecurityToken.Malformed")
	add("V3 Authorization of 512 KiB", withHeader(v3("CreateVpc", vpcVersion, "RegionId=cn-hangzhou", nil), "Authorization", "ACS3-HMAC-SHA256 "+strings.Repeat("Credential=", 512<<10/11)), 400, "IncompleteSignature")
	add("V3 Authorization SQL", withHeader(v3("CreateVpc", vpcVersion, "RegionId=cn-hangzhou", nil), "Authorization", "ACS3-HMAC-SHA256 Credential=' OR 1=1,SignedHeaders=host,Signature=x"), 400, "IncompleteSignature")
	add("V3 nonce of 200 characters", v3("CreateVpc", vpcVersion, "RegionId=cn-hangzhou", map[string]string{"x-acs-signature-nonce": strings.Repeat("n", 200)}), 400, "InvalidParameter.TooLong")
	add("V3 x-acs-action header of 100 KiB", v3(strings.Repeat("A", 100<<10), vpcVersion, "RegionId=cn-hangzhou", nil), 404, "InvalidAction.NotFound")
	add("V3 content hash of a different body", func(h *harness) *http.Request {
		r := v3("CreateVpc", vpcVersion, "RegionId=cn-hangzhou", nil)(h)
		r.Body = io.NopCloser(strings.NewReader("VpcName=" + url.QueryEscape(sqlDrop)))
		r.ContentLength = int64(len("VpcName=" + url.QueryEscape(sqlDrop)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}, 400, "SignatureDoesNotMatch")

	// ---- What is signed is what is used (issue #19): V3 header values the
	// canonicalisation would trim or join, and unsigned headers of V1.
	v3lines := func(mut func(h map[string][]string)) builder {
		return func(h *harness) *http.Request {
			hdr := v3Hdr("CreateVpc", vpcVersion, nonce())
			mut(hdr)
			return signV3Lines(h.env.Endpoint, "RegionId=cn-hangzhou&CidrBlock=10.0.0.0%2F8", hdr)
		}
	}
	setNonce := func(f func(n string) []string) builder {
		return v3lines(func(h map[string][]string) { h["x-acs-signature-nonce"] = f(h["x-acs-signature-nonce"][0]) })
	}
	for _, ws := range []struct{ name, r string }{{"U+00A0", "\u00a0"}, {"U+0085", "\u0085"}, {"U+2003", "\u2003"}, {"U+3000", "\u3000"}, {"U+FEFF", "\ufeff"}} {
		r := ws.r
		add("V3 nonce followed by "+ws.name, setNonce(func(n string) []string { return []string{n + r} }), 400, "InvalidParameter.SignatureNonce")
		add("V3 nonce preceded by "+ws.name, setNonce(func(n string) []string { return []string{r + n} }), 400, "InvalidParameter.SignatureNonce")
		if ws.name != "U+FEFF" { // not white space: signed as sent, then an unknown action
			add("V3 x-acs-action followed by "+ws.name, v3lines(func(h map[string][]string) { h["x-acs-action"] = []string{"CreateVpc" + r} }), 400, "InvalidParameter")
		} else {
			add("V3 x-acs-action followed by "+ws.name, v3lines(func(h map[string][]string) { h["x-acs-action"] = []string{"CreateVpc" + r} }), 404, "InvalidAction.NotFound")
		}
		add("V1 SignatureNonce followed by "+ws.name, func(h *harness) *http.Request {
			q := signature.V1Query(signature.SignV1("GET", p(vpcAct("CreateVpc")...), apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), nonce()+r))
			req, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
			return req
		}, 400, "InvalidParameter.SignatureNonce")
	}
	add("V3 nonce on two lines", setNonce(func(n string) []string { return []string{n, nonce()} }), 400, "InvalidParameter.Duplicate")
	add("V3 nonce on two equal lines", setNonce(func(n string) []string { return []string{n, n} }), 400, "InvalidParameter.Duplicate")
	add("V3 nonce with a comma", setNonce(func(n string) []string { return []string{n + "," + nonce()} }), 400, "InvalidParameter.SignatureNonce")
	add("V3 nonce with a space inside", setNonce(func(n string) []string { return []string{n + " " + nonce()} }), 400, "InvalidParameter.SignatureNonce")
	add("V3 nonce with SQL", setNonce(func(string) []string { return []string{sqlOr} }), 400, "InvalidParameter.SignatureNonce")
	add("V3 nonce with a template", setNonce(func(string) []string { return []string{tmplGo} }), 400, "InvalidParameter.SignatureNonce")
	for _, hn := range []string{"x-acs-action", "x-acs-version", "x-acs-date", "x-acs-content-sha256"} {
		name := hn
		add("V3 "+name+" on two equal lines", v3lines(func(h map[string][]string) { h[name] = append(h[name], h[name][0]) }), 400, "InvalidParameter.Duplicate")
	}
	add("V3 x-acs-action on two lines naming two actions", v3lines(func(h map[string][]string) { h["x-acs-action"] = []string{"DescribeVpcs", "CreateVpc"} }), 400, "InvalidParameter.Duplicate")
	add("V3 x-acs-security-token on two lines", v3lines(func(h map[string][]string) { h["x-acs-security-token"] = []string{"a", "b"} }), 400, "InvalidParameter.Duplicate")
	add("V3 Authorization on two lines", func(h *harness) *http.Request {
		r := v3lines(func(map[string][]string) {})(h)
		r.Header["Authorization"] = append(r.Header["Authorization"], r.Header["Authorization"][0])
		return r
	}, 400, "InvalidParameter.Duplicate")
	add("V3 query Action disagrees with x-acs-action", func(h *harness) *http.Request {
		hdr := v3Hdr("DescribeVpcs", vpcVersion, nonce())
		return signV3Lines(h.env.Endpoint, "Action=CreateVpc&RegionId=cn-hangzhou", hdr)
	}, 400, "InvalidParameter.Duplicate")
	add("V1 without Action, with an x-acs-action header", func(h *harness) *http.Request {
		q := signature.V1Query(signature.SignV1("GET", p("Version", vpcVersion, "RegionId", hzRegion), apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), nonce()))
		req, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
		req.Header.Set("x-acs-action", "CreateVpc")
		return req
	}, 400, "MissingAction")
	add("V1 SignatureNonce with a comma", func(h *harness) *http.Request {
		q := signature.V1Query(signature.SignV1("GET", p(vpcAct("CreateVpc")...), apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), "a,"+nonce()))
		req, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
		return req
	}, 400, "InvalidParameter.SignatureNonce")
	add("header of 2 MiB (the HTTP front refuses it before the handler)", withHeader(sget(vpcAct("CreateVpc")...), "X-Pad", strings.Repeat("h", 2<<20)), 431, "")
	return cs
}

// TestHostileRequests sends every hostile case to a real server with a
// fixture and asserts the exact status and code, a well-formed error body,
// and that the store is exactly as before.
func TestHostileRequests(t *testing.T) {
	h := newHarness(t)
	before := snapshot(t, h.env.App.Store)
	t.Logf("store before: %s", before.counts())
	cases := hostileCases()
	if len(cases) < 150 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	names := map[string]bool{}
	for _, tc := range cases {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, tc.req(h))
			if tc.code == "" {
				// net/http's own refusal: only the status is ours to check.
				if a.Status != tc.status {
					t.Fatalf("got %d %.200q, want %d", a.Status, a.Body, tc.status)
				}
			} else {
				checkWellFormed(t, a)
				if a.Status != tc.status || a.Code != tc.code {
					t.Fatalf("got %d %s (%.300s), want %d %s", a.Status, a.Code, a.Message, tc.status, tc.code)
				}
				if a.HostID == "" {
					t.Fatalf("no HostId in %.300s", a.Body)
				}
			}
			if d := diffSnapshots(before, snapshot(t, h.env.App.Store)); len(d) > 0 {
				t.Fatalf("store changed:\n%s", strings.Join(d, "\n"))
			}
		})
	}
	t.Logf("%d hostile cases", len(cases))
}

// TestHostileTextStoredVerbatim: SQL and template text that passes
// validation is stored byte for byte and answered unchanged, both by the
// Describe actions and in the downloaded configuration; an id filter made of
// SQL matches nothing.
func TestHostileTextStoredVerbatim(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	st := h.env.App.Store
	root := h.env.App.Root.AccountID
	sc := store.Scope{AccountID: root, RegionID: hzRegion}
	payloads := []string{
		sqlDrop,
		sqlOr,
		"Robert'); DROP TABLE vpcs;-- \"; DELETE FROM access_keys WHERE '1'='1",
		tmplGo,
		tmplJinj,
		`<script>alert(1)</script>&amp;]]><![CDATA[`,
		"%00%27%22 \\x00 \\' 中文 😀",
	}
	for i, pl := range payloads {
		t.Run(fmt.Sprintf("payload %d", i), func(t *testing.T) {
			tags := []string{"Tag.1.Key", "k" + pl, "Tag.1.Value", pl}
			vpcID := str(h.call(t, vpcAct("CreateVpc", append([]string{"CidrBlock", "10.0.0.0/16", "VpcName", pl, "Description", pl}, tags...)...)...), "VpcId")
			got, err := st.GetVpc(ctx, sc, vpcID)
			if err != nil || got.VpcName != pl || got.Description != pl {
				t.Fatalf("stored VPC %+v, %v", got, err)
			}
			d := h.call(t, vpcAct("DescribeVpcs", "VpcId", vpcID)...)
			vpcs := d["Vpcs"].(map[string]any)["Vpc"].([]any)
			if len(vpcs) != 1 || str(vpcs[0].(map[string]any), "VpcName") != pl || str(vpcs[0].(map[string]any), "Description") != pl {
				t.Fatalf("DescribeVpcs answered %v", d)
			}
			swID := str(h.call(t, vpcAct("CreateVSwitch", "VpcId", vpcID, "ZoneId", "cn-hangzhou-h", "CidrBlock", "10.0.1.0/24", "VSwitchName", pl, "Description", pl)...), "VSwitchId")
			sw, err := st.GetVSwitch(ctx, sc, swID)
			if err != nil || sw.VSwitchName != pl || sw.Description != pl {
				t.Fatalf("stored vSwitch %+v, %v", sw, err)
			}
			d = h.call(t, vpcAct("DescribeVSwitches", "VSwitchId", swID)...)
			sws := d["VSwitches"].(map[string]any)["VSwitch"].([]any)
			if len(sws) != 1 || str(sws[0].(map[string]any), "VSwitchName") != pl {
				t.Fatalf("DescribeVSwitches answered %v", d)
			}
			gwID := str(h.call(t, vpcAct("CreateVpnGateway", "VpcId", vpcID, "VSwitchId", swID, "Bandwidth", "10", "Name", pl)...), "VpnGatewayId")
			gw, err := st.GetGateway(ctx, sc, gwID)
			if err != nil || gw.Name != pl {
				t.Fatalf("stored gateway %+v, %v", gw, err)
			}
			if d := h.call(t, vpcAct("DescribeVpnGateway", "VpnGatewayId", gwID)...); str(d, "Name") != pl {
				t.Fatalf("DescribeVpnGateway Name %q", str(d, "Name"))
			}
			ip := fmt.Sprintf("198.51.100.%d", 100+i)
			cgwID := str(h.call(t, vpcAct("CreateCustomerGateway", append([]string{"IpAddress", ip, "Name", pl, "Description", pl, "Tags.1.Key", "k" + pl, "Tags.1.Value", pl}, "AuthKey", "md5'--{{.}}")...)...), "CustomerGatewayId")
			cgw, err := st.GetCustomerGateway(ctx, sc, cgwID)
			if err != nil || cgw.Name != pl || cgw.Description != pl || cgw.AuthKey != "md5'--{{.}}" || len(cgw.Tags) != 1 || cgw.Tags[0].Key != "k"+pl || cgw.Tags[0].Value != pl {
				t.Fatalf("stored customer gateway %+v, %v", cgw, err)
			}
			if d := h.call(t, vpcAct("DescribeCustomerGateway", "CustomerGatewayId", cgwID)...); str(d, "Name") != pl || str(d, "Description") != pl {
				t.Fatalf("DescribeCustomerGateway answered %v", d)
			}
			psk := "{{.Secret}}--;\"<>`$(id)"
			connID := str(h.call(t, vpcAct("CreateVpnConnection", "VpnGatewayId", gwID, "CustomerGatewayId", cgwID, "LocalSubnet", "10.0.0.0/16", "RemoteSubnet", "172.16.0.0/16", "Name", pl,
				"IkeConfig", `{"Psk":`+jsonString(psk)+`,"LocalId":"{{.LocalId}}'--","RemoteId":"'OR'1'='1"}`, "Tags.1.Key", "k"+pl, "Tags.1.Value", pl)...), "VpnConnectionId")
			conn, err := st.GetConnection(ctx, sc, connID)
			if err != nil || conn.Name != pl || conn.Ike.Psk != psk || conn.Ike.LocalID != "{{.LocalId}}'--" || conn.Ike.RemoteID != "'OR'1'='1" {
				t.Fatalf("stored connection Name %q Psk ok %v LocalID %q RemoteID %q, %v", conn.Name, conn.Ike.Psk == psk, conn.Ike.LocalID, conn.Ike.RemoteID, err)
			}
			d = h.call(t, vpcAct("DescribeVpnConnection", "VpnConnectionId", connID)...)
			if str(d, "Name") != pl {
				t.Fatalf("DescribeVpnConnection Name %q", str(d, "Name"))
			}
			dl := h.call(t, vpcAct("DownloadVpnConnectionConfig", "VpnConnectionId", connID)...)
			cfg, _ := dl["VpnConnectionConfig"].(map[string]any)
			ike, _ := cfg["IkeConfig"].(map[string]any)
			if ike == nil || str(ike, "Psk") != psk || str(ike, "LocalId") != "'OR'1'='1" || str(ike, "RemoteId") != "{{.LocalId}}'--" {
				t.Fatalf("DownloadVpnConnectionConfig answered %v", dl)
			}
			// ModifyVpnConnectionAttribute stores a new hostile Name verbatim.
			h.call(t, vpcAct("ModifyVpnConnectionAttribute", "VpnConnectionId", connID, "Name", tmplJinj+pl[:1])...)
			if c, err := st.GetConnection(ctx, sc, connID); err != nil || c.Name != tmplJinj+pl[:1] {
				t.Fatalf("modified Name %q, %v", c.Name, err)
			}
			// Clean up so the next payload can reuse the addresses.
			for _, del := range [][]string{
				vpcAct("DeleteVpnConnection", "VpnConnectionId", connID),
				vpcAct("DeleteCustomerGateway", "CustomerGatewayId", cgwID),
				vpcAct("DeleteVpnGateway", "VpnGatewayId", gwID),
				vpcAct("DeleteVSwitch", "VSwitchId", swID),
				vpcAct("DeleteVpc", "VpcId", vpcID),
			} {
				h.call(t, del...)
			}
		})
	}
	t.Run("SQL in list filters matches nothing", func(t *testing.T) {
		for _, q := range [][]string{
			vpcAct("DescribeVpcs", "VpcId", "' OR '1'='1"),
			vpcAct("DescribeVpcs", "VpcName", "' OR '1'='1"),
			vpcAct("DescribeVSwitches", "VpcId", "x' OR 1=1 --"),
			vpcAct("DescribeVpnGateways", "VpcId", "%' OR vpc_id LIKE '%"),
			vpcAct("DescribeCustomerGateways", "CustomerGatewayId", "' UNION SELECT * FROM access_keys --"),
			vpcAct("DescribeVpnConnections", "VpnGatewayId", "' OR ''='"),
		} {
			d := h.call(t, q...)
			if n, _ := d["TotalCount"].(float64); n != 0 {
				t.Fatalf("%v: TotalCount %v", q[1], d["TotalCount"])
			}
		}
	})
	t.Run("RAM free text", func(t *testing.T) {
		is := st.(store.IAMStore)
		h.call(t, ramAct("CreateUser", "UserName", "bob", "DisplayName", sqlOr+tmplGo, "Comments", sqlDrop)...)
		u, err := is.GetUser(ctx, root, "bob")
		if err != nil || u.DisplayName != sqlOr+tmplGo || u.Comments != sqlDrop {
			t.Fatalf("stored user %+v, %v", u, err)
		}
		d := h.call(t, ramAct("GetUser", "UserName", "bob")...)
		user, _ := d["User"].(map[string]any)
		if str(user, "DisplayName") != sqlOr+tmplGo || str(user, "Comments") != sqlDrop {
			t.Fatalf("GetUser answered %v", d)
		}
		desc := sqlDrop + tmplJinj
		h.call(t, ramAct("CreatePolicy", "PolicyName", "verbatim", "Description", desc, "PolicyDocument", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"vpc:Describe*","Resource":"acs:vpc:*:*:vpc/'; DROP TABLE x;--"}]}`)...)
		pol, err := is.GetPolicy(ctx, root, "verbatim")
		if err != nil || pol.Description != desc || !strings.Contains(pol.Document, "'; DROP TABLE x;--") {
			t.Fatalf("stored policy %+v, %v", pol, err)
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// FuzzRequest sends arbitrary requests through the real handler in-process
// (apptest wiring, httptest.ResponseRecorder). path is the request's path as
// the server sees it after parsing ("" means "/"). mode selects how query and
// body are sent: bit 0 signs the pairs of query (decoded leniently) with V1
// so the request gets past authentication; bit 1 sends a POST with body as
// a form body (with bit 0: the signed pairs go in the body); bit 2 adds
// Format=XML. It asserts that no answer is a 5xx and that every answer is a
// well-formed JSON or XML document with a RequestId (also in the
// x-acs-request-id header), an error's Code being in the table (with its
// status) or a Missing*/Invalid* code; /healthz and /metrics answer 200.
func FuzzRequest(f *testing.F) {
	for _, s := range []struct {
		path, q, body string
		mode          uint8
	}{
		{"", "", "", 0},
		{"", "Action=DescribeRegions&Version=2016-04-28", "", 1},
		{"", "Action=DescribeRegions&Version=2016-04-28&AcceptLanguage=en-US", "", 5},
		{"", "Action=CreateVpc&Version=2016-04-28&RegionId=cn-hangzhou&VpcName=a&CidrBlock=10.0.0.0/8", "", 1},
		{"", "Action=CreateVpc&Version=2016-04-28&RegionId=cn-hangzhou&Tag.1.Key=a&Tag.1.Value=b", "", 3},
		{"", "Action=DescribeVpcs&Version=2016-04-28&RegionId=cn-hangzhou&PageSize=50&PageNumber=2", "", 1},
		{"", "Action=CreateCustomerGateway&Version=2016-04-28&RegionId=cn-hangzhou&IpAddress=198.51.100.1&Asn=65000&AuthKey=k", "", 1},
		{"", "Action=CreateVpnGateway&Version=2016-04-28&RegionId=cn-hangzhou&VpcId=vpc-abc&Bandwidth=10", "", 1},
		{"", "Action=CreateVpnConnection&Version=2016-04-28&RegionId=cn-hangzhou&VpnGatewayId=vpn-a&CustomerGatewayId=cgw-b&LocalSubnet=10.0.0.0/8&RemoteSubnet=192.168.0.0/16&IkeConfig={\"IkeLifetime\":86400}", "", 1},
		{"", "Action=CreateVpnConnection&Version=2016-04-28&RegionId=cn-hangzhou&TunnelOptionsSpecification.1.Role=master&TunnelOptionsSpecification.2.TunnelIkeConfig.Psk=x", "", 1},
		{"", "Action=DownloadVpnConnectionConfig&Version=2016-04-28&RegionId=cn-hangzhou&VpnConnectionId=vco-1", "", 5},
		{"", "Action=CreateUser&Version=2015-05-01&UserName=u&DisplayName=d", "", 1},
		{"", "Action=CreatePolicy&Version=2015-05-01&PolicyName=p&PolicyDocument={\"Version\":\"1\",\"Statement\":[]}", "", 1},
		{"", "Action=AssumeRole&Version=2015-04-01&RoleArn=acs:ram::1:role/r&RoleSessionName=s", "", 1},
		{"", "Action=GetCallerIdentity&Version=2015-04-01", "", 1},
		{"", "Action=DescribeRegions&Version=2016-04-28&SecurityToken=CAIS.x.y", "", 1},
		{"", "Action=ListUsers&Version=2015-05-01&Marker=YWxpY2U&MaxItems=1", "", 1},
		{"", "Action=AssumeRole&Version=2015-04-01&RoleArn=acs:ram::1:role/ops&RoleSessionName=s&DurationSeconds=900&Policy={\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "", 1},
		{"", "Action=CreateRole&Version=2015-05-01&RoleName=r&AssumeRolePolicyDocument={\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"RAM\":[\"acs:ram::1:root\"]}}]}", "", 1},
		{"", "Action=ModifyVpnConnectionAttribute&Version=2016-04-28&RegionId=cn-hangzhou&VpnConnectionId=vco-x&HealthCheckConfig={\"enable\":true}", "", 1},
		{"", "Format=XML&Action=x", "", 0},
		{"", "a=%zz", "b=%00", 2},
		{"", "Action=DescribeRegions&Version=2016-04-28", "Action=DescribeVpcs", 2},
		{"/../", "Action=DescribeRegions&Version=2016-04-28", "", 1},
		{"//", "Action=CreateVpc&Version=2016-04-28&RegionId=cn-hangzhou", "", 1},
		{"/healthz", "", "", 0},
		{"/metrics/..", "", "", 0},
	} {
		f.Add(s.path, s.q, s.body, s.mode)
	}
	env := apptest.Start(f)
	h := env.App.Handler
	f.Fuzz(func(t *testing.T, path, query, body string, mode uint8) {
		if path == "" {
			path = "/"
		}
		method := http.MethodGet
		if mode&2 != 0 {
			method = http.MethodPost
		}
		if mode&1 != 0 {
			var kv []string
			for _, pair := range strings.Split(query, "&") {
				if pair == "" {
					continue
				}
				k, v, _ := strings.Cut(pair, "=")
				if u, err := url.QueryUnescape(k); err == nil {
					k = u
				}
				if u, err := url.QueryUnescape(v); err == nil {
					v = u
				}
				kv = append(kv, k, v)
			}
			if mode&4 != 0 {
				kv = append(kv, "Format", "XML")
			}
			signed := signV1(method, kv...)
			if method == http.MethodPost {
				query, body = "", signed
			} else {
				query = signed
			}
		} else if mode&4 != 0 {
			query += "&Format=XML"
		}
		req := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path, RawQuery: query},
			Host:       "vpcvpn.test",
			Header:     http.Header{},
			RemoteAddr: "192.0.2.1:1234",
			Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		}
		req = req.WithContext(context.Background())
		if method == http.MethodPost {
			req.Body = io.NopCloser(strings.NewReader(body))
			req.ContentLength = int64(len(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if path == "/healthz" || path == "/metrics" {
			// Operational endpoints answer plain text, never an error.
			if rec.Code != http.StatusOK {
				t.Fatalf("%s answered %d", path, rec.Code)
			}
			return
		}
		a := parseAnswer(rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		rid := checkWellFormed(t, a)
		if a.Status != http.StatusOK && a.HostID != "vpcvpn.test" {
			t.Fatalf("HostId %q", a.HostID)
		}
		if id := rec.Header().Get("x-acs-request-id"); id != rid {
			t.Fatalf("x-acs-request-id header %q, body RequestId %q", id, rid)
		}
	})
}

// TestHostileTextInXMLAnswers stores text with XML metacharacters and
// control characters through the API and reads every list and detail
// action of the fixture back as Format=XML: each answer is a 200 with a
// well-formed XML document (encoding/xml replaces characters XML cannot
// carry by U+FFFD), and the JSON answer carries the text unchanged.
func TestHostileTextInXMLAnswers(t *testing.T) {
	h := newHarness(t)
	nasty := "]]><x a=\"&amp;\">\x01\x1b\u2028\ufffe😀</x><!--"
	vpcID := str(h.call(t, vpcAct("CreateVpc", "CidrBlock", "10.0.0.0/16", "VpcName", nasty, "Description", nasty)...), "VpcId")
	h.call(t, ramAct("CreateUser", "UserName", "xmluser", "Comments", nasty)...)
	d := h.call(t, vpcAct("DescribeVpcs", "VpcId", vpcID)...)
	if vpcs := d["Vpcs"].(map[string]any)["Vpc"].([]any); len(vpcs) != 1 || str(vpcs[0].(map[string]any), "VpcName") != nasty {
		t.Fatalf("JSON DescribeVpcs %v", d)
	}
	f := h.fx
	for _, kv := range [][]string{
		vpcAct("DescribeVpcs"),
		vpcAct("DescribeVSwitches"),
		vpcAct("DescribeVpnGateways"),
		vpcAct("DescribeVpnGateway", "VpnGatewayId", f.gw),
		vpcAct("DescribeCustomerGateways"),
		vpcAct("DescribeCustomerGateway", "CustomerGatewayId", f.cgw1),
		vpcAct("DescribeVpnConnections"),
		vpcAct("DescribeVpnConnection", "VpnConnectionId", f.conn),
		vpcAct("DownloadVpnConnectionConfig", "VpnConnectionId", f.conn),
		{"Action", "DescribeRegions", "Version", vpcVersion},
		ramAct("GetUser", "UserName", "xmluser"),
		ramAct("ListUsers"),
		ramAct("GetPolicy", "PolicyType", "Custom", "PolicyName", f.policy),
		ramAct("ListPolicies"),
		ramAct("ListPoliciesForUser", "UserName", f.user),
		ramAct("GetRole", "RoleName", f.role),
		ramAct("ListAccessKeys"),
		{"Action", "GetCallerIdentity", "Version", "2015-04-01"},
	} {
		t.Run(kv[1], func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, h.target("/", signV1("GET", append(kv, "Format", "XML")...)), nil)
			a := send(t, req)
			checkWellFormed(t, a)
			if a.Status != http.StatusOK || a.ContentType != "text/xml;charset=utf-8" {
				t.Fatalf("%d %s %s: %.300s", a.Status, a.ContentType, a.Code, a.Body)
			}
			dec := xml.NewDecoder(bytes.NewReader(a.Body))
			for {
				_, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("XML token stream: %v in %.300q", err, a.Body)
				}
			}
		})
	}
}

// TestHostileSessionWithoutUserName: an STS session calling an access-key
// action without UserName gets MissingUserName (400), not a panic (the
// service once built that code with apierror.Newf, which panics on a code
// outside the table).
func TestHostileSessionWithoutUserName(t *testing.T) {
	h := newHarness(t)
	before := snapshot(t, h.env.App.Store)
	d := h.call(t, "Action", "AssumeRole", "Version", "2015-04-01", "RoleArn", "acs:ram::"+h.env.App.Root.AccountID+":role/"+h.fx.role, "RoleSessionName", "hostile")
	creds, _ := d["Credentials"].(map[string]any)
	ak, sk, tok := str(creds, "AccessKeyId"), str(creds, "AccessKeySecret"), str(creds, "SecurityToken")
	if ak == "" || sk == "" || tok == "" {
		t.Fatalf("AssumeRole answered %v", d)
	}
	for _, action := range []string{"ListAccessKeys", "CreateAccessKey"} {
		t.Run(action, func(t *testing.T) {
			q := signature.V1Query(signature.SignV1("GET", p("Action", action, "Version", ramVersion, "SecurityToken", tok), ak, sk, time.Now(), nonce()))
			req, _ := http.NewRequest(http.MethodGet, h.target("/", q), nil)
			a := send(t, req)
			checkWellFormed(t, a)
			if a.Status != 400 || a.Code != "MissingUserName" {
				t.Fatalf("got %d %s (%s), want 400 MissingUserName", a.Status, a.Code, a.Message)
			}
		})
	}
	if diff := diffSnapshots(before, snapshot(t, h.env.App.Store)); len(diff) > 0 {
		t.Fatalf("store changed:\n%s", strings.Join(diff, "\n"))
	}
}
