package authz

import (
	"net/netip"
	"testing"
	"time"
)

func mustParse(t testing.TB, d string) *Policy {
	t.Helper()
	p, err := Parse(d)
	if err != nil {
		t.Fatalf("Parse(%s): %v", d, err)
	}
	return p
}

const (
	connARN = "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-1"
	gwARN   = "acs:vpc:cn-hangzhou:1234567890123456:vpngateway/vpn-1"
)

func TestDecisionString(t *testing.T) {
	tests := []struct {
		d    Decision
		want string
	}{
		{ImplicitDeny, "ImplicitDeny"},
		{Allow, "Allow"},
		{ExplicitDeny, "ExplicitDeny"},
		{Decision(7), "Decision(7)"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("Decision(%d).String() = %q, want %q", int(tt.d), got, tt.want)
		}
	}
	if ImplicitDeny != 0 {
		t.Errorf("the zero Decision must be ImplicitDeny")
	}
}

func TestPolicyEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		action string
		res    string
		want   Decision
	}{
		{"allow exact", doc(`{"Effect":"Allow","Action":"vpc:DownloadVpnConnectionConfig","Resource":"` + connARN + `"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"action case-insensitive", doc(`{"Effect":"Allow","Action":"VPC:downloadvpnconnectionconfig","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"request action case-insensitive", doc(`{"Effect":"Allow","Action":"vpc:Download*","Resource":"*"}`),
			"VPC:DOWNLOADVPNCONNECTIONCONFIG", connARN, Allow},
		{"resource case-sensitive", doc(`{"Effect":"Allow","Action":"*","Resource":"acs:vpc:*:*:VpnConnection/*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ImplicitDeny},
		{"resource wildcard", doc(`{"Effect":"Allow","Action":"*","Resource":"acs:vpc:*:*:vpnconnection/*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"resource wildcard other type", doc(`{"Effect":"Allow","Action":"*","Resource":"acs:vpc:*:*:vpnconnection/*"}`),
			"vpc:DescribeVpnGateway", gwARN, ImplicitDeny},
		{"resource question mark", doc(`{"Effect":"Allow","Action":"*","Resource":"acs:vpc:*:*:vpnconnection/vco-?"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"other action", doc(`{"Effect":"Allow","Action":"vpc:Describe*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ImplicitDeny},
		{"other product", doc(`{"Effect":"Allow","Action":"ecs:*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ImplicitDeny},
		{"action list any-of", doc(`{"Effect":"Allow","Action":["ecs:*","vpc:Download*"],"Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"resource list any-of", doc(`{"Effect":"Allow","Action":"*","Resource":["` + gwARN + `","` + connARN + `"]}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"deny only", doc(`{"Effect":"Deny","Action":"*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ExplicitDeny},
		{"deny beats allow (allow first)", doc(allowAll, `{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ExplicitDeny},
		{"deny beats allow (deny first)", doc(`{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}`, allowAll),
			"vpc:DownloadVpnConnectionConfig", connARN, ExplicitDeny},
		{"deny not applicable", doc(allowAll, `{"Effect":"Deny","Action":"vpc:Delete*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"deny other resource", doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"`+gwARN+`"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"NotAction allow matches others", doc(`{"Effect":"Allow","NotAction":"vpc:Delete*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"NotAction allow excludes listed", doc(`{"Effect":"Allow","NotAction":["vpc:Delete*","vpc:download*"],"Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ImplicitDeny},
		{"NotAction deny everything but", doc(allowAll, `{"Effect":"Deny","NotAction":"vpc:Describe*","Resource":"*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ExplicitDeny},
		{"NotAction deny spares listed", doc(allowAll, `{"Effect":"Deny","NotAction":"vpc:Describe*","Resource":"*"}`),
			"vpc:DescribeVpnConnections", connARN, Allow},
		{"NotResource allow others", doc(`{"Effect":"Allow","Action":"*","NotResource":"acs:vpc:*:*:vpngateway/*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"NotResource allow excludes listed", doc(`{"Effect":"Allow","Action":"*","NotResource":"acs:vpc:*:*:vpnconnection/*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ImplicitDeny},
		{"NotResource deny", doc(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"acs:vpc:cn-shanghai:*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, ExplicitDeny},
		{"NotResource is case-sensitive", doc(`{"Effect":"Allow","Action":"*","NotResource":"acs:vpc:*:*:VPNCONNECTION/*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"NotAction and NotResource", doc(`{"Effect":"Allow","NotAction":"ram:*","NotResource":"acs:ram:*"}`),
			"vpc:DownloadVpnConnectionConfig", connARN, Allow},
		{"empty request action", doc(`{"Effect":"Allow","Action":"vpc:*","Resource":"*"}`),
			"", connARN, ImplicitDeny},
		{"star action matches empty", doc(allowAll), "", "", Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.policy)
			r := Request{Action: tt.action, Resource: tt.res}
			if got := p.Evaluate(r); got != tt.want {
				t.Errorf("Evaluate(%q, %q) = %v, want %v", tt.action, tt.res, got, tt.want)
			}
		})
	}
}

func TestConditionalDeny(t *testing.T) {
	// A typical guard: allow downloads, but deny everything from outside the
	// office network or over plain HTTP.
	p := mustParse(t, doc(
		`{"Effect":"Allow","Action":"vpc:DownloadVpnConnectionConfig","Resource":"acs:vpc:*:*:vpnconnection/*"}`,
		`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}`,
		`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}`,
	))
	tests := []struct {
		name string
		ip   string
		tls  bool
		want Decision
	}{
		{"office over TLS", "192.0.2.7", true, Allow},
		{"office IPv6 over TLS", "2001:db8::7", true, Allow},
		{"office plain HTTP", "192.0.2.7", false, ExplicitDeny},
		{"outside", "198.51.100.1", true, ExplicitDeny},
		{"unknown source IP", "", true, ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ip netip.Addr
			if tt.ip != "" {
				ip = netip.MustParseAddr(tt.ip)
			}
			r := Request{Action: "vpc:DownloadVpnConnectionConfig", Resource: connARN, SourceIP: ip, SecureTransport: tt.tls, CurrentTime: t2026}
			if got := p.Evaluate(r); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateSet(t *testing.T) {
	allow := mustParse(t, doc(`{"Effect":"Allow","Action":"vpc:*","Resource":"*"}`))
	deny := mustParse(t, doc(`{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}`))
	other := mustParse(t, doc(`{"Effect":"Allow","Action":"ecs:*","Resource":"*"}`))
	timed := mustParse(t, doc(`{"Effect":"Allow","Action":"vpc:*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"}}}`))
	tests := []struct {
		name     string
		policies []*Policy
		when     time.Time
		want     Decision
	}{
		{"none", nil, t2026, ImplicitDeny},
		{"nil entries", []*Policy{nil, nil}, t2026, ImplicitDeny},
		{"allow", []*Policy{allow}, t2026, Allow},
		{"unrelated", []*Policy{other}, t2026, ImplicitDeny},
		{"allow and unrelated", []*Policy{other, nil, allow}, t2026, Allow},
		{"deny in other policy wins", []*Policy{allow, deny}, t2026, ExplicitDeny},
		{"deny first wins", []*Policy{deny, allow}, t2026, ExplicitDeny},
		{"deny alone", []*Policy{deny}, t2026, ExplicitDeny},
		{"expired allow", []*Policy{timed}, t2026, ImplicitDeny},
		{"allow before expiry", []*Policy{timed}, t2026.AddDate(-1, 0, 0), Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Action: "vpc:DownloadVpnConnectionConfig", Resource: connARN, CurrentTime: tt.when}
			if got := Evaluate(tt.policies, r); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
	var nilPolicy *Policy
	if got := nilPolicy.Evaluate(Request{Action: "vpc:X"}); got != ImplicitDeny {
		t.Errorf("nil policy Evaluate = %v, want ImplicitDeny", got)
	}
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	policies := benchPolicies(t)
	r := benchRequest()
	allocs := testing.AllocsPerRun(100, func() {
		if Evaluate(policies, r) != Allow {
			t.Fatal("not allowed")
		}
	})
	if allocs != 0 {
		t.Errorf("Evaluate allocates %v times per run, want 0", allocs)
	}
}

func benchPolicies(t testing.TB) []*Policy {
	return []*Policy{
		mustParse(t, SystemPolicies()[PolicyVPCReadOnly].Document),
		mustParse(t, doc(
			`{"Effect":"Deny","Action":"vpc:Delete*","Resource":"*"}`,
			`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":["192.0.2.0/24","10.0.0.0/8"]}}}`,
			`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}`,
			`{"Effect":"Allow","Action":["vpc:DescribeVpn*","vpc:DownloadVpnConnectionConfig"],"Resource":"acs:vpc:*:1234567890123456:vpnconnection/*",
			  "Condition":{"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"},"StringLike":{"acs:UserAgent":"*aliyun*"},"StringEquals":{"acs:UserId":["1","2","3"]}}}`,
		)),
		mustParse(t, SystemPolicies()[PolicyVPNGatewayReadOnly].Document),
	}
}

func benchRequest() Request {
	return Request{
		Action:          "vpc:DownloadVpnConnectionConfig",
		Resource:        connARN,
		SourceIP:        netip.MustParseAddr("10.1.2.3"),
		SecureTransport: true,
		CurrentTime:     t2026,
		Extra:           map[string]string{"acs:UserAgent": "AlibabaCloud (linux; amd64) Go/1.26 Core/1.63 aliyun-cli", "acs:UserId": "2"},
	}
}

// BenchmarkEvaluate evaluates a realistic set of three policies (nine
// statements, conditions on every typed key) per op; run with -benchmem to
// see that it does not allocate.
func BenchmarkEvaluate(b *testing.B) {
	policies := benchPolicies(b)
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if Evaluate(policies, r) != Allow {
			b.Fatal("not allowed")
		}
	}
}

func TestEvaluateSession(t *testing.T) {
	roleAll := mustParse(t, doc(`{"Effect":"Allow","Action":"vpc:*","Resource":"*"}`))
	roleDeny := mustParse(t, doc(`{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}`))
	narrow := mustParse(t, doc(`{"Effect":"Allow","Action":"vpc:Describe*","Resource":"*"}`))
	wide := mustParse(t, doc(allowAll))
	sessDeny := mustParse(t, doc(allowAll, `{"Effect":"Deny","Action":"vpc:Download*","Resource":"*"}`))
	tests := []struct {
		name    string
		role    []*Policy
		session *Policy
		want    Decision
	}{
		{"no session policy", []*Policy{roleAll}, nil, Allow},
		{"no session policy, role silent", nil, nil, ImplicitDeny},
		{"session allows too", []*Policy{roleAll}, wide, Allow},
		{"session narrows it away", []*Policy{roleAll}, narrow, ImplicitDeny},
		{"session cannot widen", nil, wide, ImplicitDeny},
		{"session denies", []*Policy{roleAll}, sessDeny, ExplicitDeny},
		{"session denies, role silent", nil, sessDeny, ExplicitDeny},
		{"role denies", []*Policy{roleAll, roleDeny}, wide, ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Action: "vpc:DownloadVpnConnectionConfig", Resource: connARN}
			if got := EvaluateSession(tt.role, tt.session, r); got != tt.want {
				t.Errorf("EvaluateSession = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestConcurrentEvaluate shares one parsed policy set between goroutines; run
// with -race.
func TestConcurrentEvaluate(t *testing.T) {
	policies := benchPolicies(t)
	done := make(chan Decision)
	for range 8 {
		go func() {
			d := Allow
			for range 200 {
				if got := Evaluate(policies, benchRequest()); got != Allow {
					d = got
				}
			}
			done <- d
		}()
	}
	for range 8 {
		if d := <-done; d != Allow {
			t.Errorf("a goroutine saw %v, want Allow", d)
		}
	}
}
