// Package apptest starts a real vpcvpn server for tests: the production wiring
// (internal/app) on a fresh SQLite store in a temporary directory, served by
// the production HTTP front (internal/httpfront) on a loopback listener, with
// clients of Alibaba's official SDKs pointed at it.
package apptest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/httpfront"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
)

// Fixed root credentials of a test server.
const (
	AccessKeyID     = "LTAItestRootAccessKey01"
	AccessKeySecret = "testRootAccessKeySecret0123456789"
)

// Env is a running test server.
type Env struct {
	App      *app.App
	Server   *httpfront.Server
	Endpoint string // host:port
	Dir      string
}

// Options tune Start.
type Options struct {
	Database    string // "" = SQLite in a temp dir
	AddressPool string
	Logger      *slog.Logger
	// Console serves the web console under /console/, its pages
	// refreshing statuses every ConsoleRefresh (0: the default).
	Console        bool
	ConsoleRefresh time.Duration
	// Audit enables the audit trail (in <Dir>/audit).
	Audit bool
	// Throttle enables the rate limits, in-flight limit and body budget
	// (nil: none).
	Throttle *throttle.Config
	// Quotas are the per-account quotas (nil: none).
	Quotas *store.Quotas
	// Secure makes the server treat requests as arriving over TLS
	// (acs:SecureTransport true) while it serves plain HTTP.
	Secure bool
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir := t.TempDir()
	ao := app.Options{
		DataDir:             dir,
		Database:            o.Database,
		AddressPool:         o.AddressPool,
		Logger:              o.Logger,
		RootAccessKeyID:     AccessKeyID,
		RootAccessKeySecret: AccessKeySecret,
	}
	if o.Console {
		ao.Console = &app.ConsoleOptions{RefreshInterval: o.ConsoleRefresh}
	}
	ao.Throttle = o.Throttle
	ao.Quotas = o.Quotas
	ao.Secure = o.Secure
	if o.Audit {
		ao.Audit = &audit.Options{FlushInterval: 10 * time.Millisecond}
	}
	a, err := app.Open(context.Background(), ao)
	if err != nil {
		t.Fatalf("start vpcvpn: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		t.Fatalf("listen: %v", err)
	}
	// Header limit 1 MiB (the production server's is 64 KiB) so hostile
	// tests can hand the API handler inputs larger than production lets
	// through.
	srv := &httpfront.Server{Handler: a.HTTP, Logger: o.Logger, MaxHeaderBytes: 1 << 20}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, httpfront.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &Env{App: a, Server: srv, Endpoint: ln.Addr().String(), Dir: dir}
}

// Mode is one of the four official client modes.
type Mode string

const (
	V2Default Mode = "v2sdk-v3sig" // V2 SDK, ACS3-HMAC-SHA256
	V2HMAC    Mode = "v2sdk-v1sig" // V2 SDK with SignatureAlgorithm "v2" (HMAC-SHA1)
	V1JSON    Mode = "v1sdk-json"
	V1XML     Mode = "v1sdk-xml"
)

// Modes lists all four client modes.
var Modes = []Mode{V2Default, V2HMAC, V1JSON, V1XML}

// V2 returns a V2 SDK client (signature "v3" default or "v2" = HMAC-SHA1).
func (e *Env) V2(t testing.TB, sig string, ak, secret string) *vpc.Client {
	t.Helper()
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(ak),
		AccessKeySecret: dara.String(secret),
		Endpoint:        dara.String(e.Endpoint),
		Protocol:        dara.String("HTTP"),
		RegionId:        dara.String("cn-hangzhou"),
	}
	if sig == "v2" {
		cfg.SignatureAlgorithm = dara.String("v2")
	}
	c, err := vpc.NewClient(cfg)
	if err != nil {
		t.Fatalf("V2 SDK client: %v", err)
	}
	return c
}

// RootV2 is the V2 SDK client of the root account in the default V3 mode.
func (e *Env) RootV2(t testing.TB) *vpc.Client { return e.V2(t, "", AccessKeyID, AccessKeySecret) }

// V1 returns a V1 SDK client. Callers set per request: req.Scheme = "http",
// req.Domain = e.Endpoint and, for XML, req.AcceptFormat = "XML" (see Prepare).
func (e *Env) V1(t testing.TB, ak, secret string) *vpcv1.Client {
	t.Helper()
	c, err := vpcv1.NewClientWithAccessKey("cn-hangzhou", ak, secret)
	if err != nil {
		t.Fatalf("V1 SDK client: %v", err)
	}
	return c
}

// V1Request is what PrepareV1 needs of a V1 SDK request.
type V1Request interface {
	SetScheme(string)
	SetDomain(string)
}

// PrepareV1 points a V1 SDK request at the test server; xmlFormat switches it
// to Format=XML. acceptFormat must be the request's AcceptFormat field.
func (e *Env) PrepareV1(req V1Request, acceptFormat *string, xmlFormat bool) {
	req.SetScheme("http")
	req.SetDomain(e.Endpoint)
	if xmlFormat {
		*acceptFormat = "XML"
	}
}
