package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// consoleNode starts one server with the console on the shared database and
// data dir (whose master key file every node shares).
func consoleNode(t *testing.T, dir, dsn string) *httptest.Server {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{DataDir: dir, Database: dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RootAccessKeyID: apptest.AccessKeyID, RootAccessKeySecret: apptest.AccessKeySecret, Console: &app.ConsoleOptions{}})
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	srv := httptest.NewServer(a.HTTP)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return srv
}

// TestSessionAcrossNodes: with several servers on one PostgreSQL and one
// master key, a console session started on one node works on the other,
// forms included (its CSRF token travels in the sealed cookie).
func TestSessionAcrossNodes(t *testing.T) {
	dsn := apptest.PostgresDSN(t, "vpcvpn_web_test")
	dir := t.TempDir()
	nodeA, nodeB := consoleNode(t, dir, dsn), consoleNode(t, dir, dsn)
	b := (&env{srv: nodeA}).browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")

	// The same cookie jar, now talking to node B.
	u, _ := url.Parse(nodeA.URL + "/console/")
	ub, _ := url.Parse(nodeB.URL + "/console/")
	b.c.Jar.SetCookies(ub, b.c.Jar.Cookies(u))
	b.base = nodeB.URL
	p := b.get("/console/r/cn-hangzhou/customer-gateways")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "No customer gateways in cn-hangzhou")
	p = b.post("/console/r/cn-hangzhou/customer-gateways/new", url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.80"}, "Name": {"made-on-b"}})
	wantStatus(t, p, http.StatusSeeOther)
	b.base = nodeA.URL
	wantBody(t, b.get("/console/r/cn-hangzhou/customer-gateways"), "made-on-b", "198.51.100.80")
}

// TestSignoutAcrossNodes: signing out on one node ends the session on the
// other: a copy of the cookie replayed there is sent to sign in and its
// forms are refused.
func TestSignoutAcrossNodes(t *testing.T) {
	dsn := apptest.PostgresDSN(t, "vpcvpn_web_test")
	dir := t.TempDir()
	nodeA, nodeB := consoleNode(t, dir, dsn), consoleNode(t, dir, dsn)
	ea, eb := &env{srv: nodeA}, &env{srv: nodeB}
	b := ea.browser(t)
	tok := b.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	stolen := b.sessionCookie()
	wantStatus(t, replay(t, eb, nodeB.URL, stolen).get("/console/regions"), http.StatusOK)

	wantStatus(t, b.post("/console/signout", url.Values{"csrf_token": {tok}}), http.StatusSeeOther)

	wantSignedOut(t, replay(t, eb, nodeB.URL, stolen).get("/console/regions"))
	wantSignedOut(t, replay(t, ea, nodeA.URL, stolen).get("/console/regions"))
	p := replay(t, eb, nodeB.URL, stolen).do("POST", "/console/r/cn-hangzhou/customer-gateways/new",
		url.Values{"csrf_token": {tok}, "IpAddress": {"198.51.100.81"}, "Name": {"after-signout"}}, map[string]string{"Accept": "text/html"})
	wantStatus(t, p, http.StatusUnauthorized)

	// A new session on B works, and sees that nothing was created.
	nb := eb.browser(t)
	nb.signIn(apptest.AccessKeyID, apptest.AccessKeySecret, "")
	wantBody(t, nb.get("/console/r/cn-hangzhou/customer-gateways"), "No customer gateways in cn-hangzhou")
}
