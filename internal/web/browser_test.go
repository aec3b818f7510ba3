package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// chromiumPath is Debian's Chromium (scripts/install-test-deps.sh installs
// it).
const chromiumPath = "/usr/bin/chromium"

// chrome is one headless Chromium for the whole test, with one browser
// context (own cookies) per user.
type chrome struct {
	t         *testing.T
	root      context.Context
	downloads string
	mu        sync.Mutex
	done      map[string]string // download GUID -> file path
	read      map[string]bool   // downloads already returned
	doneCh    chan struct{}
	shots     string
}

func startChrome(t *testing.T) *chrome {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: run scripts/install-test-deps.sh (Debian package chromium): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	c := &chrome{t: t, root: ctx, downloads: t.TempDir(), done: map[string]string{}, read: map[string]bool{}, doneCh: make(chan struct{}, 16)}
	// Screenshots go to $VPCVPN_SCREENSHOTS when set (to look at them),
	// else to a temporary directory.
	c.shots = os.Getenv("VPCVPN_SCREENSHOTS")
	if c.shots == "" {
		c.shots = t.TempDir()
	} else if err := os.MkdirAll(c.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	events := chromedp.BrowserEvents(ctx, cdpbrowser.DownloadProgress)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			if ev.State == cdpbrowser.DownloadProgressStateCompleted {
				c.mu.Lock()
				c.done[ev.GUID] = ev.FilePath
				c.mu.Unlock()
				select {
				case c.doneCh <- struct{}{}:
				default:
				}
			}
		}
	}()
	return c
}

// tab opens a tab in a new browser context (its own cookies), with
// downloads saved under c.downloads and the clipboard allowed for origin.
func (c *chrome) tab(origin string, js bool) context.Context {
	c.t.Helper()
	ctx, _ := chromedp.NewContext(c.root, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		c.t.Fatal(err)
	}
	id := chromedp.FromContext(ctx).BrowserContextID
	yes := true
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: id, DownloadPath: c.downloads, EventsEnabled: &yes}); err != nil {
		c.t.Fatal(err)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted,
			Origin: origin, BrowserContextID: id}); err != nil {
			c.t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		c.t.Fatal(err)
	}
	if !js {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			c.t.Fatal(err)
		}
	}
	// A Content-Security-Policy violation (inline script or style, a
	// foreign resource) or a script error fails the test.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		c.t.Fatal(err)
	}
	entries := chromedp.Events(ctx, cdplog.EntryAdded)
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			e := ev.Entry
			if e.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy") ||
				(e.Source == cdplog.EntrySourceJavascript && e.Level == cdplog.EntryLevelError) {
				c.t.Errorf("browser %s %s: %s (%s)", e.Source, e.Level, e.Text, e.URL)
			}
		}
	}()
	// A script injected through a name would open a dialog: fail on any.
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			c.t.Errorf("a JavaScript dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

func (c *chrome) do(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		c.shot(ctx, "failure")
		c.t.Fatalf("at %s: %v", loc, err)
	}
}

func run[T any](c *chrome, ctx context.Context, a chromedp.Action[T]) T {
	c.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

// shot saves a full-page PNG screenshot.
func (c *chrome) shot(ctx context.Context, name string) {
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(c.shots, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// download clicks sel and returns the downloaded file's bytes.
func (c *chrome) download(ctx context.Context, sel string) []byte {
	c.t.Helper()
	c.mu.Lock()
	before := len(c.done)
	c.mu.Unlock()
	c.do(ctx, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.After(60 * time.Second)
	for {
		c.mu.Lock()
		n := len(c.done)
		var path string
		if n > before {
			for guid, p := range c.done {
				if p == "" {
					p = filepath.Join(c.downloads, guid)
				}
				if _, seen := c.read[guid]; !seen {
					path = p
					c.read[guid] = true
				}
			}
		}
		c.mu.Unlock()
		if path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				c.t.Fatal(err)
			}
			return b
		}
		select {
		case <-c.doneCh:
		case <-deadline:
			c.t.Fatalf("no download after clicking %s", sel)
		}
	}
}

func (c *chrome) text(ctx context.Context, sel string) string {
	c.t.Helper()
	return run(c, ctx, chromedp.Text(chromedp.CSS(sel)))
}

func (c *chrome) location(ctx context.Context) string {
	c.t.Helper()
	return run(c, ctx, chromedp.Location())
}

// signIn fills the sign-in form.
func (c *chrome) signIn(ctx context.Context, base, ak, secret string) {
	c.t.Helper()
	c.do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="AccessKeyId"]`), ak),
		chromedp.SendKeys(chromedp.CSS(`input[name="AccessKeySecret"]`), secret),
		chromedp.Click(chromedp.CSS(`form.signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
	)
}

// signInByKeyboard signs in with the keyboard only: type the key id, Tab
// to the secret, Enter submits.
func (c *chrome) signInByKeyboard(ctx context.Context, base, ak, secret string) {
	c.t.Helper()
	c.do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)),
		chromedp.Focus(chromedp.CSS(`input[name="AccessKeyId"]`)),
		chromedp.KeyEvent(ak+"\t"+secret+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
	)
}

// apiDownload calls DownloadVpnConnectionConfig on the API (V1 signature)
// and returns the raw answer.
func apiDownload(t *testing.T, endpoint, id, format string) []byte {
	t.Helper()
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	ps := []signature.Param{{Name: "Action", Value: "DownloadVpnConnectionConfig"}, {Name: "Version", Value: "2016-04-28"},
		{Name: "RegionId", Value: "cn-hangzhou"}, {Name: "VpnConnectionId", Value: id}, {Name: "Format", Value: format}}
	signed := signature.SignV1("GET", ps, apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), hex.EncodeToString(nonce[:]))
	resp, err := http.Get("http://" + endpoint + "/?" + signature.V1Query(signed))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("API download: %d %s", resp.StatusCode, b)
	}
	return b
}

var requestIDRE = regexp.MustCompile(`"RequestId":"[0-9A-F-]{36}"|<RequestId>[0-9A-F-]{36}</RequestId>`)

// withoutRequestID blanks the RequestId of an answer (each call has its own).
func withoutRequestID(b []byte) []byte {
	return requestIDRE.ReplaceAll(b, []byte("REQUESTID"))
}

// peerConfig runs `vpcvpn peer-config` against the server.
func peerConfig(t *testing.T, bin, endpoint, id, device string) []byte {
	t.Helper()
	cmd := exec.Command(bin, "peer-config", "--endpoint", endpoint, "--insecure", "--region", "cn-hangzhou", "--connection", id, "--device", device)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+apptest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+apptest.AccessKeySecret,
		"ALIBABA_CLOUD_SECURITY_TOKEN=", "ALIBABA_CLOUD_PROFILE=", "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("vpcvpn peer-config: %v\n%s", err, stderr.String())
	}
	return out
}

// TestBrowser drives the console in Debian's Chromium: the scenarios of
// issue #18's "How it is proven" section.
func TestBrowser(t *testing.T) {
	// Build the CLI for the peer-config comparison while the browser
	// starts.
	bin := filepath.Join(t.TempDir(), "vpcvpn")
	built := make(chan error, 1)
	go func() {
		out, err := exec.Command("go", "build", "-o", bin, "github.com/vpcvpn/vpcvpn/cmd/vpcvpn").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, out)
		}
		built <- err
	}()
	e := apptest.Start(t, apptest.Options{Console: true, Audit: true, ConsoleRefresh: time.Second})
	base := "http://" + e.Endpoint
	ev := &env{Env: e}
	gw := ev.gateway(t, true)
	readerAK, readerSecret := ev.readOnlyUser(t, "reader")
	c := startChrome(t)

	// ---- root: sign in, create two customer gateways and a dual-tunnel
	// connection through the forms.
	admin := c.tab(base, true)
	c.do(admin, chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)))
	c.shot(admin, "01-signin")
	c.signIn(admin, base, apptest.AccessKeyID, apptest.AccessKeySecret)
	c.shot(admin, "02-regions")
	c.do(admin, chromedp.Click(chromedp.CSS(`a[href="/console/r/cn-hangzhou/connections"]`)), chromedp.WaitVisible(chromedp.CSS(`p.empty`)))
	if got := c.text(admin, "p.empty"); got != "No IPsec connections in cn-hangzhou: create one." {
		t.Fatalf("empty state %q", got)
	}
	c.shot(admin, "03-connections-empty")
	xss := `<script>alert("xss")</script><img src=x onerror=alert(2)>`
	for i, ip := range []string{"198.51.100.10", "198.51.100.11"} {
		name := "dc" + fmt.Sprint(i+1)
		if i == 0 {
			name = xss
		}
		if i == 1 {
			// With the keyboard only: Enter on the link, type each field
			// and Tab to the next, Tab past the BGP key to Create, Enter.
			c.do(admin,
				chromedp.Navigate(base+"/console/r/cn-hangzhou/customer-gateways"),
				chromedp.Focus(chromedp.CSS(`a[href="/console/r/cn-hangzhou/customer-gateways/new"]`)),
				chromedp.KeyEvent("\r"),
				chromedp.WaitVisible(chromedp.CSS(`#IpAddress`)),
				chromedp.Focus(chromedp.CSS(`#IpAddress`)),
				chromedp.KeyEvent(ip+"\t6501"+fmt.Sprint(i)+"\t"+name+"\track "+fmt.Sprint(i+1)+"\t\t"),
			)
			if got := run(c, admin, chromedp.Evaluate[string](`document.activeElement.textContent`)); got != "Create" {
				t.Fatalf("Tab from the last field reached %q, not the Create button", got)
			}
			c.do(admin, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
			continue
		}
		c.do(admin,
			chromedp.Navigate(base+"/console/r/cn-hangzhou/customer-gateways"),
			chromedp.Click(chromedp.CSS(`a[href="/console/r/cn-hangzhou/customer-gateways/new"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#IpAddress`)),
			chromedp.SendKeys(chromedp.CSS(`#IpAddress`), ip),
			chromedp.SendKeys(chromedp.CSS(`#Asn`), "6501"+fmt.Sprint(i)),
			chromedp.SendKeys(chromedp.CSS(`#Name`), name),
			chromedp.SendKeys(chromedp.CSS(`#Description`), "rack "+fmt.Sprint(i+1)),
			chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		)
	}
	if got := c.text(admin, "p.notice"); got != "Customer gateway created." {
		t.Fatalf("notice %q", got)
	}
	names := run(c, admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("td .name")).map(e => e.textContent)`))
	if !contains(names, xss) {
		t.Fatalf("the injected name is not shown as text: %q", names)
	}
	if n := run(c, admin, chromedp.Evaluate[int](`document.scripts.length + document.images.length`)); n != 1 {
		t.Fatalf("the injected markup became %d script/img elements", n)
	}
	c.shot(admin, "04-customer-gateways")
	cgws := run(c, admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("td > span.id")).map(e => e.textContent)`))
	if len(cgws) != 2 {
		t.Fatalf("customer gateways %q", cgws)
	}

	c.do(admin,
		chromedp.Navigate(base+"/console/r/cn-hangzhou/connections"),
		chromedp.Click(chromedp.CSS(`a[href="/console/r/cn-hangzhou/connections/new?tunnels=2"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#VpnGatewayId`)),
		chromedp.SetValue(chromedp.CSS(`#VpnGatewayId`), gw),
		chromedp.SendKeys(chromedp.CSS(`#Name`), "hz-dc"),
		chromedp.SendKeys(chromedp.CSS(`#LocalSubnet`), "192.168.0.0/16"),
		chromedp.SendKeys(chromedp.CSS(`#RemoteSubnet`), "10.0.0.0/8"),
		chromedp.SetValue(chromedp.CSS(`[id="TunnelOptionsSpecification.1.CustomerGatewayId"]`), cgws[0]),
		chromedp.SetValue(chromedp.CSS(`[id="TunnelOptionsSpecification.2.CustomerGatewayId"]`), cgws[1]),
		chromedp.SendKeys(chromedp.CSS(`[id="TunnelOptionsSpecification.1.TunnelIkeConfig.Psk"]`), "masterPsk2024"),
		chromedp.SendKeys(chromedp.CSS(`[id="TunnelOptionsSpecification.2.TunnelIkeConfig.Psk"]`), "slavePsk2024"),
		chromedp.SetValue(chromedp.CSS(`[id="TunnelOptionsSpecification.1.TunnelIkeConfig.IkeVersion"]`), "ikev2"),
		chromedp.SetValue(chromedp.CSS(`[id="TunnelOptionsSpecification.2.TunnelIkeConfig.IkeVersion"]`), "ikev2"),
	)
	// A validation error first: the API's message above the form.
	c.do(admin,
		chromedp.Click(chromedp.CSS(`details.advanced > summary`)),
		chromedp.SendKeys(chromedp.CSS(`[id="TunnelOptionsSpecification.1.TunnelIkeConfig.IkeLifetime"]`), "1day"),
		chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.error`)),
	)
	if msg := c.text(admin, "section.error p"); !strings.Contains(msg, "IkeLifetime") {
		t.Fatalf("validation message %q", msg)
	}
	c.shot(admin, "05-connection-form-error")
	c.do(admin,
		chromedp.Clear(chromedp.CSS(`[id="TunnelOptionsSpecification.1.TunnelIkeConfig.IkeLifetime"]`)),
		chromedp.SendKeys(chromedp.CSS(`[id="TunnelOptionsSpecification.1.TunnelIkeConfig.Psk"]`), "masterPsk2024"),
		chromedp.SendKeys(chromedp.CSS(`[id="TunnelOptionsSpecification.2.TunnelIkeConfig.Psk"]`), "slavePsk2024"),
		chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`h2#download`)),
	)
	loc := c.location(admin)
	m := regexp.MustCompile(`/connections/(vco-[a-z0-9]+)\?done=vco-created$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after create: %s", loc)
	}
	vco := m[1]
	c.shot(admin, "06-connection-detail")

	// ---- the connection in the list, statuses refreshed without reload.
	c.do(admin, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections"), chromedp.WaitVisible(chromedp.CSS(`table.conns`)))
	statuses := run(c, admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("[data-status]")).map(e => e.textContent)`))
	if len(statuses) != 2 || statuses[0] != "Phase 1 not established" {
		t.Fatalf("statuses %q", statuses)
	}
	c.shot(admin, "07-connections")
	run(c, admin, chromedp.Evaluate[bool](`window.__noReload = true`))
	setTunnelStatus(t, e, vco, "master", "ipsec_sa_established")
	c.do(admin, chromedp.WaitVisible(chromedp.CSS(`span.status.up[data-status^="`+vco+`/"]`)))
	if !run(c, admin, chromedp.Evaluate[bool](`window.__noReload === true`)) {
		t.Fatal("the page reloaded")
	}
	if got := c.text(admin, `span.status.up`); got != "Up (phase 2 established)" {
		t.Fatalf("refreshed status %q", got)
	}
	c.shot(admin, "08-connections-refreshed")

	// ---- read-only RAM user, JavaScript off, phone width: sees the lists,
	// gets the readable refusal on create.
	reader := c.tab(base, false)
	c.do(reader, chromedp.EmulateViewport(390, 844))
	c.signInByKeyboard(reader, base, readerAK, readerSecret)
	// Without vpc:DescribeRegions the picker says why and offers a field.
	c.do(reader, chromedp.WaitVisible(chromedp.CSS(`section.error`)))
	if got := c.text(reader, "section.error"); !strings.Contains(got, "vpc:DescribeRegions") {
		t.Fatalf("reader's region picker %q", got)
	}
	c.shot(reader, "09a-reader-regions-phone")
	c.do(reader, chromedp.Focus(chromedp.CSS(`input[name="region"]`)), chromedp.KeyEvent("cn-hangzhou\r"), chromedp.WaitVisible(chromedp.CSS(`table.conns`)))
	c.do(reader, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections"), chromedp.WaitVisible(chromedp.CSS(`table.conns`)))
	if got := c.text(reader, `table.conns a.id`); got != vco {
		t.Fatalf("reader's list: %q", got)
	}
	c.shot(reader, "09-reader-connections-phone")
	c.do(reader,
		chromedp.Navigate(base+"/console/r/cn-hangzhou/customer-gateways/new"),
		chromedp.WaitVisible(chromedp.CSS(`#IpAddress`)),
		chromedp.SendKeys(chromedp.CSS(`#IpAddress`), "198.51.100.99"),
		chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.error`)),
	)
	refusal := c.text(reader, "section.error")
	for _, want := range []string{"You are not allowed to do this", "Forbbiden.SubUser", "vpc:CreateCustomerGateway", "reader", "ImplicitDeny"} {
		if !strings.Contains(refusal, want) {
			t.Fatalf("refusal lacks %q: %q", want, refusal)
		}
	}
	c.shot(reader, "10-reader-refused-phone")
	// Still without JavaScript: the connection's page, the reveal (a plain
	// form; the read-only policy allows DownloadVpnConnectionConfig), the
	// topology, the other lists.
	c.do(reader, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/"+vco), chromedp.WaitVisible(chromedp.CSS(`h2#download`)))
	// Copy needs the script: without it the buttons are not shown (not
	// merely marked hidden while a display rule shows them).
	if n := run(c, reader, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("button.copy")).filter(b => b.offsetParent !== null).length`)); n != 0 {
		t.Fatalf("%d copy buttons shown without JavaScript", n)
	}
	// At phone width nothing is wider than the screen: lists are stacked.
	if w := run(c, reader, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Fatalf("the connection page is %d px wide at a 390 px viewport", w)
	}
	c.shot(reader, "10b-reader-connection-phone")
	c.do(reader, chromedp.Click(chromedp.CSS(`button.reveal`)), chromedp.WaitVisible(chromedp.CSS(`code.psk`)))
	if psks := run(c, reader, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("code.psk")).map(e => e.textContent)`)); len(psks) != 2 || psks[0] != "masterPsk2024" {
		t.Fatalf("reader revealed %q", psks)
	}
	c.shot(reader, "10c-reader-revealed-phone")
	c.do(reader, chromedp.Navigate(base+"/console/r/cn-hangzhou/gateways/"+gw), chromedp.WaitVisible(chromedp.CSS(`figure.topology svg`)))
	// The picture keeps a readable size (its text at least 0.7 of its
	// drawn size) and scrolls inside its frame, not the page.
	if w := run(c, reader, chromedp.Evaluate[int](`document.querySelector("figure.topology svg").getBoundingClientRect().width`)); w < 600 {
		t.Fatalf("the topology is drawn %d px wide at phone width", w)
	}
	if w := run(c, reader, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Fatalf("the gateway page is %d px wide at a 390 px viewport", w)
	}
	c.shot(reader, "10d-reader-topology-phone")
	c.do(reader, chromedp.Navigate(base+"/console/r/cn-hangzhou/customer-gateways"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	if w := run(c, reader, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Fatalf("the customer gateway list is %d px wide at a 390 px viewport", w)
	}
	if got := run(c, reader, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("td[data-label=Created]"), "::before").content`)); got != `attr(data-label)` && got != `"Created"` {
		t.Fatalf("stacked cell label %q", got)
	}
	c.shot(reader, "10e-reader-customer-gateways-phone")
	c.do(reader, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/new?tunnels=2"), chromedp.WaitVisible(chromedp.CSS(`#VpnGatewayId`)))
	c.shot(reader, "10f-reader-connection-form-phone")
	// The VPN read-only policy has no vpc:DescribeVpcs (that is
	// AliyunVPCReadOnlyAccess): the reader gets the readable refusal.
	for _, l := range []struct{ path, readerSel, name string }{
		{"/console/r/cn-hangzhou/gateways", `table`, "12c-gateways"},
		{"/console/r/cn-hangzhou/vpcs", `section.error`, "12d-vpcs"},
	} {
		c.do(admin, chromedp.Navigate(base+l.path), chromedp.WaitVisible(chromedp.CSS(`table`)))
		c.shot(admin, l.name)
		c.do(reader, chromedp.Navigate(base+l.path), chromedp.WaitVisible(chromedp.CSS(l.readerSel)))
		c.shot(reader, l.name+"-phone")
	}
	if got := c.text(reader, "section.error"); !strings.Contains(got, "vpc:DescribeVpcs") || !strings.Contains(got, "You are not allowed to do this") {
		t.Fatalf("reader's VPC page %q", got)
	}

	// ---- detail: downloads (bytes as the API and peer-config), copy,
	// reveal.
	c.do(admin, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/"+vco), chromedp.WaitVisible(chromedp.CSS(`h2#download`)))
	body := run(c, admin, chromedp.Text(chromedp.CSS("main")))
	if strings.Contains(body, "masterPsk2024") || strings.Contains(body, "slavePsk2024") {
		t.Fatal("a pre-shared key is on the page before it was revealed")
	}
	got := c.download(admin, `a[href$="/config.json"]`)
	want := apiDownload(t, e.Endpoint, vco, "JSON")
	if !bytes.Equal(withoutRequestID(got), withoutRequestID(want)) {
		t.Fatalf("console JSON:\n%s\nAPI JSON:\n%s", got, want)
	}
	if !bytes.Contains(got, []byte(`"Psk":"masterPsk2024"`)) {
		t.Fatalf("JSON without the key: %s", got)
	}
	gotXML := c.download(admin, `a[href$="/config.xml"]`)
	if wantXML := apiDownload(t, e.Endpoint, vco, "XML"); !bytes.Equal(withoutRequestID(gotXML), withoutRequestID(wantXML)) {
		t.Fatalf("console XML:\n%s\nAPI XML:\n%s", gotXML, wantXML)
	}
	swan := c.download(admin, `a[data-device="strongswan-swanctl"]`)
	if err := <-built; err != nil {
		t.Fatalf("go build: %v", err)
	}
	if want := peerConfig(t, bin, e.Endpoint, vco, "strongswan-swanctl"); !bytes.Equal(swan, want) {
		t.Fatalf("console strongswan-swanctl:\n%s\npeer-config:\n%s", swan, want)
	}
	c.do(admin, chromedp.Click(chromedp.CSS(`button[data-copy*="DeviceType=strongswan-swanctl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-copied="1"]`)))
	clip := run(c, admin, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if clip != string(swan) {
		t.Fatalf("clipboard holds %d bytes, not the %d of the file", len(clip), len(swan))
	}
	c.do(admin, chromedp.Click(chromedp.CSS(`button.reveal`)), chromedp.WaitVisible(chromedp.CSS(`code.psk`)))
	psks := run(c, admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("code.psk")).map(e => e.textContent)`))
	if len(psks) != 2 || psks[0] != "masterPsk2024" || psks[1] != "slavePsk2024" {
		t.Fatalf("revealed %q", psks)
	}
	c.shot(admin, "11-connection-revealed")

	// ---- modify.
	c.do(admin,
		chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/"+vco+"/edit"),
		chromedp.WaitVisible(chromedp.CSS(`#Name`)),
		chromedp.SetValue(chromedp.CSS(`#Name`), "hz-dc-renamed"),
		chromedp.SetValue(chromedp.CSS(`#RemoteSubnet`), "10.0.0.0/8,172.16.0.0/12"),
		chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	if got := c.text(admin, "dd.name"); got != "hz-dc-renamed" {
		t.Fatalf("name after modify %q", got)
	}
	if got := c.text(admin, "p.notice"); got != "IPsec connection saved." {
		t.Fatalf("notice %q", got)
	}

	// ---- topology.
	c.do(admin, chromedp.Navigate(base+"/console/r/cn-hangzhou/gateways/"+gw), chromedp.WaitVisible(chromedp.CSS(`figure.topology svg`)))
	edges := run(c, admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("svg [data-edge]")).map(e => e.getAttribute("class"))`))
	if len(edges) != 2 || edges[0] != "edge up" || edges[1] != "edge down" {
		t.Fatalf("topology edges %q", edges)
	}
	if got := c.text(admin, "span.agent"); got != "connected" {
		t.Fatalf("gateway agent %q", got)
	}
	c.shot(admin, "12-gateway-topology")
	// The picture's colours follow the tunnels' statuses without a reload.
	run(c, admin, chromedp.Evaluate[bool](`window.__noReload = true`))
	setTunnelStatus(t, e, vco, "slave", "ike_sa_established")
	c.do(admin, chromedp.WaitVisible(chromedp.CSS(`svg g.edge.partial`)))
	edges = run(c, admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("svg [data-edge]")).map(e => e.getAttribute("class"))`))
	if len(edges) != 2 || edges[0] != "edge up" || edges[1] != "edge partial" || !run(c, admin, chromedp.Evaluate[bool](`window.__noReload === true`)) {
		t.Fatalf("topology edges after the refresh %q", edges)
	}
	c.shot(admin, "12a-gateway-topology-refreshed")

	// ---- the connection's logs, as the agent shipped them.
	c.do(admin, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/"+vco), chromedp.Click(chromedp.CSS(`a[href$="/`+vco+`/logs"]`)),
		chromedp.WaitVisible(chromedp.CSS(`pre.logs`)))
	if got := c.text(admin, "pre.logs"); !strings.Contains(got, "master: ipsec_sa_established") {
		t.Fatalf("logs %q", got)
	}
	c.shot(admin, "12b-connection-logs")

	// ---- a form without its CSRF token is refused.
	c.do(admin,
		chromedp.Navigate(base+"/console/r/cn-hangzhou/customer-gateways/new"),
		chromedp.WaitVisible(chromedp.CSS(`#IpAddress`)),
		chromedp.SendKeys(chromedp.CSS(`#IpAddress`), "198.51.100.50"),
	)
	run(c, admin, chromedp.Evaluate[bool](`document.querySelector('form.card input[name="csrf_token"]').remove() || true`))
	c.do(admin, chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`section.error`)))
	if got := c.text(admin, "section.error"); !strings.Contains(got, "InvalidCsrfToken") || !strings.Contains(got, "Nothing was changed") {
		t.Fatalf("CSRF refusal %q", got)
	}

	// ---- a session signed out elsewhere: the open page, refreshing its
	// statuses, finds out and leaves for the sign-in form, taking the
	// revealed keys off the screen.
	other := c.tab(base, true)
	c.signIn(other, base, apptest.AccessKeyID, apptest.AccessKeySecret)
	c.do(other, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/"+vco), chromedp.Click(chromedp.CSS(`button.reveal`)),
		chromedp.WaitVisible(chromedp.CSS(`code.psk`)))
	otherTok := run(c, other, chromedp.Evaluate[string](`document.querySelector('form.signout input[name="csrf_token"]').value`))
	otherJar, err := chromedp.Call(other, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/console/"}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := http.NewRequest("POST", base+"/console/signout", strings.NewReader("csrf_token="+otherTok))
	out.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range otherJar.Cookies {
		out.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	resp, err := (&http.Transport{}).RoundTrip(out)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out from outside the browser: %d", resp.StatusCode)
	}
	c.do(other, chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)))
	if loc := c.location(other); !strings.HasSuffix(loc, "/console/signin?next=%2Fconsole%2Fr%2Fcn-hangzhou%2Fconnections%2F"+vco) {
		t.Fatalf("the signed-out page went to %s", loc)
	}
	if body := run(c, other, chromedp.Text(chromedp.CSS("body"))); strings.Contains(body, "masterPsk2024") {
		t.Fatal("a revealed key stayed on the screen after the session ended")
	}

	// ---- delete with confirmation.
	c.do(admin,
		chromedp.Navigate(base+"/console/r/cn-hangzhou/connections/"+vco),
		chromedp.Click(chromedp.CSS(`a[href$="/`+vco+`/delete"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.danger`)),
	)
	c.shot(admin, "13-delete-confirm")
	c.do(admin, chromedp.Click(chromedp.CSS(`form.danger button`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	if got := c.text(admin, "p.empty"); !strings.HasPrefix(got, "No IPsec connections in cn-hangzhou") {
		t.Fatalf("after delete %q", got)
	}

	// ---- sign-out ends the session, also for a copy of its cookie taken
	// before.
	jar, err := chromedp.Call(admin, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/console/"}})
	if err != nil {
		t.Fatal(err)
	}
	var stolen *network.Cookie
	for _, ck := range jar.Cookies {
		if ck.Name == "vpcvpn_console" {
			stolen = ck
		}
	}
	if stolen == nil || !stolen.HTTPOnly || stolen.SameSite != network.CookieSameSiteStrict || stolen.Path != "/console/" {
		t.Fatalf("session cookie %+v", stolen)
	}
	c.do(admin, chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)))
	c.do(admin, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections"), chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)))
	if loc := c.location(admin); !strings.Contains(loc, "/console/signin?next=") {
		t.Fatalf("after sign-out: %s", loc)
	}
	if _, err := chromedp.Call(admin, network.SetCookie, network.SetCookieParams{Name: stolen.Name, Value: stolen.Value,
		URL: base + "/console/", Path: "/console/", HTTPOnly: &stolen.HTTPOnly, SameSite: network.CookieSameSiteStrict}); err != nil {
		t.Fatal(err)
	}
	c.do(admin, chromedp.Navigate(base+"/console/r/cn-hangzhou/connections"), chromedp.WaitVisible(chromedp.CSS(`input[name="AccessKeyId"]`)))
	if loc := c.location(admin); !strings.Contains(loc, "/console/signin?") || !strings.Contains(loc, "ended=1") {
		t.Fatalf("the copied cookie after sign-out: %s", loc)
	}
	if got := c.text(admin, "p.notice"); got != "Your session has ended. Sign in again." {
		t.Fatalf("sign-in notice %q", got)
	}
	c.shot(admin, "14-signed-out-copy-refused")

	// ---- the audit trail: console calls, the reveal and downloads as
	// secret reads.
	events := auditEvents(t, ev)
	kinds := map[string]int{}
	for _, a := range events {
		if a.EventType == "ConsoleOperation" && a.SecretRead && a.ErrorCode == "" {
			kinds[a.EventName]++
		}
		if a.EventType == "ApiCall" && strings.HasPrefix(a.UserAgent, "vpcvpn-console") {
			t.Fatalf("console call recorded as ApiCall: %+v", a)
		}
	}
	// config.json, config.xml, three reveals (root twice, reader); the
	// swanctl download and its copy.
	if kinds["DownloadVpnConnectionConfig"] != 5 || kinds["DownloadVpnConnectionDeviceConfig"] != 2 {
		t.Fatalf("secret reads %v", kinds)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// setTunnelStatus reports a tunnel's status as the gateway agent does
// (ReportVpnGatewayAgentStatus through the service, as the gateway's owner).
func setTunnelStatus(t *testing.T, e *apptest.Env, id, role, status string) {
	t.Helper()
	ctx := context.Background()
	c, err := e.App.Store.GetConnection(ctx, store.Scope{RegionID: "cn-hangzhou"}, id)
	if err != nil {
		t.Fatal(err)
	}
	var tunnel string
	for _, tu := range c.Tunnels {
		if tu.Role == role {
			tunnel = tu.TunnelID
		}
	}
	report := fmt.Sprintf(`[{"VpnConnectionId":%q,"TunnelId":%q,"Status":%q}]`, id, tunnel, status)
	logs := fmt.Sprintf(`[{"VpnConnectionId":%q,"TunnelId":%q,"Time":%d,"Line":"%s: %s"}]`, id, tunnel, time.Now().UnixMilli(), role, status)
	r := &service.Request{Action: "ReportVpnGatewayAgentStatus", Meta: action.Meta{RAM: "vpc:ReportVpnGatewayAgentStatus", Class: action.Write},
		Principal: iam.Principal{Kind: iam.PrincipalRoot, AccountID: c.AccountID},
		Params: map[string]string{"RegionId": "cn-hangzhou", "VpnGatewayId": c.VpnGatewayID, "AgentInstanceId": "webtest",
			"Sequence": fmt.Sprint(reportSeq.Add(1)), "AgentVersion": "webtest-1", "Tunnels.1": report, "LogLines.1": logs}}
	if _, err := e.App.Service.ReportVpnGatewayAgentStatus(ctx, r); err != nil {
		t.Fatal(err)
	}
}

var reportSeq atomic.Int64
