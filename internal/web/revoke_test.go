package web_test

import (
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// sessionCookie returns the console session cookie b holds for base.
func (b *browser) sessionCookie() *http.Cookie {
	b.t.Helper()
	u, _ := url.Parse(b.base + "/console/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "vpcvpn_console" {
			return c
		}
	}
	b.t.Fatal("no session cookie")
	return nil
}

// replay is a browser holding only a copy of cookie, talking to base.
func replay(t *testing.T, e *env, base string, c *http.Cookie) *browser {
	r := e.browser(t)
	r.base = base
	u, _ := url.Parse(base + "/console/")
	r.c.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/console/"}})
	return r
}

// wantSignedOut: p is the redirect to the sign-in page that ends a session
// (and deletes the cookie).
func wantSignedOut(t *testing.T, p page) {
	t.Helper()
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.header.Get("Location"); !strings.HasPrefix(loc, "/console/signin?") || !strings.Contains(loc, "ended=1") {
		t.Fatalf("Location %q, want the sign-in page with ended=1", loc)
	}
	if sc := p.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "vpcvpn_console=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("Set-Cookie %q, want the session cookie deleted", sc)
	}
}

func countCustomerGateways(t *testing.T, e *env) int {
	t.Helper()
	return len(e.root(t, "DescribeCustomerGateways", map[string]string{"RegionId": "cn-hangzhou"}).(vpn.DescribeCustomerGatewaysResponse).CustomerGateways.CustomerGateway)
}

// TestSignoutRevokes: a copy of the session cookie taken before sign-out is
// refused after it, for pages and for forms (with the session's own CSRF
// token), while another session of the same key goes on.
func TestSignoutRevokes(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	other := e.browser(t)
	otherTok := other.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	stolen := b.sessionCookie()

	// Before sign-out the copy works.
	wantStatus(t, replay(t, e, e.srv.URL, stolen).get("/console/regions"), http.StatusOK)

	p := b.post("/console/signout", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.header.Get("Location"); loc != "/console/signin" {
		t.Fatalf("sign-out Location %q", loc)
	}

	c := replay(t, e, e.srv.URL, stolen)
	wantSignedOut(t, c.get("/console/regions"))
	// The copy again (the refusal deleted it from c's jar).
	c = replay(t, e, e.srv.URL, stolen)
	wantSignedOut(t, c.get("/console/r/cn-hangzhou/connections"))
	c = replay(t, e, e.srv.URL, stolen)
	p = c.do("POST", "/console/r/cn-hangzhou/customer-gateways/new",
		url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.9"}}, map[string]string{"Accept": "text/html"})
	wantStatus(t, p, http.StatusUnauthorized)
	wantBody(t, p, "nothing was done")
	c = replay(t, e, e.srv.URL, stolen)
	p = c.do("GET", "/console/r/cn-hangzhou/connections/status", nil, map[string]string{"Accept": "application/json"})
	wantStatus(t, p, http.StatusUnauthorized)
	// Signing out the stolen copy again is refused too (no second event).
	c = replay(t, e, e.srv.URL, stolen)
	wantStatus(t, c.do("POST", "/console/signout", url.Values{"csrf_token": {tok}}, map[string]string{"Accept": "text/html"}), http.StatusUnauthorized)
	if n := countCustomerGateways(t, e); n != 0 {
		t.Fatalf("%d customer gateways created by a signed-out session", n)
	}

	// The replays are in the server's log (the key id, never a secret).
	if n := strings.Count(e.logs.String(), `msg="console: signed-out session presented" access_key_id=`+apptest.AccessKeyID+` source_ip=127.0.0.1`); n != 5 {
		t.Fatalf("%d log lines of a signed-out session presented, want 5:\n%s", n, e.logs.String())
	}
	if strings.Contains(e.logs.String(), apptest.AccessKeySecret) {
		t.Fatal("the AccessKeySecret reached the log")
	}

	// The other session of the same key is not affected.
	wantStatus(t, other.get("/console/regions"), http.StatusOK)
	wantStatus(t, other.post("/console/r/cn-hangzhou/customer-gateways/new",
		url.Values{"csrf_token": {otherTok}, "IpAddress": {"198.51.100.10"}}), http.StatusSeeOther)
	if n := countCustomerGateways(t, e); n != 1 {
		t.Fatalf("%d customer gateways, want 1", n)
	}

	// One sign-out event, and no audited call by the revoked session.
	outs := 0
	for _, ev := range auditEvents(t, e) {
		if ev.EventName == audit.EventConsoleSignout {
			outs++
		}
		if ev.EventName == "CreateCustomerGateway" && ev.ErrorCode != "" {
			t.Fatalf("a revoked session reached the service: %+v", ev)
		}
	}
	if outs != 1 {
		t.Fatalf("%d ConsoleSignout events, want 1", outs)
	}
}

// TestRevocationStoreFailure: when the store cannot tell whether a session
// was signed out, the console answers 503 and does nothing (it neither lets
// the request through nor ends the session); when it cannot record a
// sign-out, the sign-out is refused and the session stays, so the user
// can retry instead of leaving a valid cookie behind.
func TestRevocationStoreFailure(t *testing.T) {
	e := start(t)
	b := e.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.Dir, "vpcvpn.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(stmt string) {
		t.Helper()
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	exec(`ALTER TABLE console_revocations RENAME TO console_revocations_away`)
	p := b.get("/console/regions")
	wantStatus(t, p, http.StatusServiceUnavailable)
	wantBody(t, p, "ServiceUnavailable", "Nothing was changed")
	if p.header.Get("Set-Cookie") != "" {
		t.Fatalf("the failure touched the cookie: %s", p.header.Get("Set-Cookie"))
	}
	p = b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.9"}})
	wantStatus(t, p, http.StatusServiceUnavailable)
	if n := countCustomerGateways(t, e); n != 0 {
		t.Fatalf("%d customer gateways created", n)
	}
	exec(`ALTER TABLE console_revocations_away RENAME TO console_revocations`)
	// Readable again, but not writable: the sign-out is refused.
	exec(`CREATE TRIGGER no_revocations BEFORE INSERT ON console_revocations BEGIN SELECT RAISE(ABORT, 'injected'); END`)
	p = b.post("/console/signout", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusServiceUnavailable)
	if p.header.Get("Set-Cookie") != "" {
		t.Fatalf("a failed sign-out touched the cookie: %s", p.header.Get("Set-Cookie"))
	}
	wantStatus(t, b.get("/console/regions"), http.StatusOK)
	exec(`DROP TRIGGER no_revocations`)
	stolen := b.sessionCookie()
	wantStatus(t, b.post("/console/signout", url.Values{"csrf_token": {tok}}), http.StatusSeeOther)
	wantSignedOut(t, replay(t, e, e.srv.URL, stolen).get("/console/regions"))
	if strings.Contains(e.logs.String(), apptest.AccessKeySecret) {
		t.Fatal("the AccessKeySecret reached the log")
	}
}
