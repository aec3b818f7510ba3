package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/httpfront"
	"github.com/vpcvpn/vpcvpn/internal/logging"
	"github.com/vpcvpn/vpcvpn/internal/web"
)

type serverOptions struct {
	listen        string
	dataDir       string
	database      string
	masterKeyFile string
	pool          string
	logLevel      string
	logFormat     string
	shutdownGrace time.Duration
	httpFront     string
	console       bool
	consoleLife   time.Duration
	nonceMemory   int
	agentPoll     time.Duration
	sec           securityOptions // TLS, audit trail, throttling (audit.go)
	quotas        quotaOptions    // per-account quotas (quota.go)
}

func newServerCmd() *cobra.Command {
	o := serverOptions{}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the API server",
		Long: `Run the vpcvpn API server.

On an empty store the server creates the root account and its AccessKey: from VPCVPN_ROOT_ACCESS_KEY_ID and
VPCVPN_ROOT_ACCESS_KEY_SECRET when both are set, otherwise generated, printed once on stdout and written to
<data-dir>/root-access-key.txt (mode 0600).

Secrets (pre-shared keys, AccessKey secrets) are sealed with AES-256-GCM under a master key: --master-key-file,
or <data-dir>/master.key, generated on first start. BACK THE MASTER KEY UP: without it the store's secrets
cannot be opened.

GET /healthz answers 200 when the server is ready; GET /metrics serves Prometheus metrics.
The web console is served at /console/ (e.g. http://127.0.0.1:8080/console/): sign in with an AccessKey
pair or STS credentials; it acts through the same authorisation and audit trail as the API. --console=false
turns it off; sessions last --console-session-lifetime. See docs/CONSOLE.md.
Logs go to stderr (--log-format text or json): a request line per API call, written in batches every 50 ms;
warnings and errors are written at once.
SIGTERM or SIGINT drain in-flight requests and exit.

TLS: --tls-cert/--tls-key serve HTTPS (the SDKs' default protocol); --tls-self-signed generates an ECDSA
certificate for localhost/127.0.0.1 in the data dir for trials and prints its SHA-256 fingerprint.
Every API call is written to the audit trail (<data-dir>/audit, JSON lines; read it with 'vpcvpn audit' or
ActionTrail's LookupEvents, Version 2020-07-06). Each AccessKey has token buckets per action class (read,
write, secret-read: the two Download actions); an exhausted bucket answers Throttling.User with
x-acs-retry-after, and more than --max-in-flight requests at once answer ServiceUnavailable.
Tenancy: --quota-* bound what one account may create (VPN gateways, connections per gateway, customer
gateways, RAM users, AccessKeys); a tenant cannot exhaust the gateway address pool.
Floods: --max-connections and --max-connections-per-address bound the open connections (at the limit the
longest-waiting idle ones are closed first), and --max-body-memory bounds the request bodies being read
(a body beyond it answers ServiceUnavailable); bodies are read before a request takes an in-flight slot.
HTTP: --http-front lean (the default) serves HTTP/1.1 with vpcvpn's own server, which refuses
chunked request bodies (411: send Content-Length, as the SDKs do) and does not speak HTTP/2;
--http-front net/http uses Go's server instead (HTTP/2 over TLS too), at a higher CPU cost per request.
See docs/SECURITY.md.`,
		Example: `  vpcvpn server
  vpcvpn server --listen 0.0.0.0:8080 --gateway-address-pool 198.51.100.0/24,192.0.2.0/25
  VPCVPN_ROOT_ACCESS_KEY_ID=LTAIexample VPCVPN_ROOT_ACCESS_KEY_SECRET=secret vpcvpn server`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServer(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "directory for the embedded database, master key and root key file")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, sqlite:PATH, or postgres://... (PostgreSQL)")
	f.StringVar(&o.masterKeyFile, "master-key-file", "", "file holding the 32-byte master key as 64 hex characters (default <data-dir>/master.key, generated on first start)")
	f.StringVar(&o.pool, "gateway-address-pool", app.DefaultAddressPool, "comma-separated IPv4 CIDRs from which VPN gateways get their public addresses")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace", 30*time.Second, "how long to wait for in-flight requests on SIGTERM")
	addHTTPFrontFlag(f, &o.httpFront)
	f.BoolVar(&o.console, "console", true, "serve the web console at /console/ (--console=false turns it off)")
	f.DurationVar(&o.consoleLife, "console-session-lifetime", web.DefaultSessionLifetime, "how long a console sign-in lasts (5m to 24h)")
	addNonceMemoryFlag(f, &o.nonceMemory)
	addAgentPollFlag(f, &o.agentPoll)
	o.sec.addFlags(f)
	o.quotas.addFlags(f)
	return cmd
}

// newLogger returns the server's log on stderr (internal/logging: buffered,
// warnings and errors written at once), which the caller closes before
// exiting.
func newLogger(level, format string) (*logging.Output, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", level)}
	}
	if format != "text" && format != "json" {
		return nil, usageError{fmt.Errorf("--log-format %q: use text or json", format)}
	}
	return logging.New(os.Stderr, format, lv), nil
}

func runServer(ctx context.Context, o serverOptions) error {
	// Before the store is opened (and a new data directory created).
	if err := checkHTTPFront(o.httpFront); err != nil {
		return err
	}
	if o.agentPoll < 100*time.Millisecond {
		return usageError{fmt.Errorf("--agent-poll-interval %s: give at least 100ms", o.agentPoll)}
	}
	if o.nonceMemory < 1 {
		return usageError{fmt.Errorf("--nonce-memory %d: give at least 1 (MiB); about 11 MiB per 1 000 signed requests/s", o.nonceMemory)}
	}
	var console *app.ConsoleOptions
	if o.console {
		if o.consoleLife < 5*time.Minute || o.consoleLife > 24*time.Hour {
			return usageError{fmt.Errorf("--console-session-lifetime %s: use a duration from 5m to 24h", o.consoleLife)}
		}
		console = &app.ConsoleOptions{SessionLifetime: o.consoleLife}
	}
	if err := o.sec.checkLimits(); err != nil {
		return err
	}
	if err := o.quotas.check(); err != nil {
		return err
	}
	out, err := newLogger(o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	defer out.Close()
	log := out.Logger
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	tlsCfg, err := o.sec.tlsConfig(o.dataDir, log)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Options{
		DataDir:             o.dataDir,
		Database:            o.database,
		MasterKeyFile:       o.masterKeyFile,
		AddressPool:         o.pool,
		Logger:              log,
		RequestLog:          out,
		RootAccessKeyID:     os.Getenv("VPCVPN_ROOT_ACCESS_KEY_ID"),
		RootAccessKeySecret: os.Getenv("VPCVPN_ROOT_ACCESS_KEY_SECRET"),
		RootKeyOut:          os.Stdout,
		Secure:              tlsCfg != nil,
		Audit:               o.sec.auditOptions(),
		Throttle:            o.sec.throttleConfig(),
		Quotas:              o.quotas.store(),
		Console:             console,
		NonceMemory:         int64(o.nonceMemory) << 20,
		AgentPoll:           o.agentPoll,
	})
	if err != nil {
		var ue app.UsageError
		if errors.As(err, &ue) {
			return usageError{err}
		}
		return err
	}
	defer a.Close()
	if wait := time.Until(a.ReplayFloor); wait > 0 {
		// Nonces live in this process's memory (SQLite): requests signed
		// before it started are refused, so serve from the next second.
		time.Sleep(wait)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server running? choose another --listen address)", o.listen, err)
	}
	srv, err := newHTTPServer(o.httpFront, a.HTTP, tlsCfg, log, o.sec.connLimits())
	if err != nil {
		return err
	}
	defer srv.Close()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("vpcvpn server ready", "listen", ln.Addr().String(), "tls", tlsCfg != nil, "http_front", o.httpFront, "database", a.Describe(), "account", a.Root.AccountID, "gateway_address_pool", o.pool, "console", o.console)
	o.sec.logSettings(log, a)
	log.Info("quotas per account", "vpn_gateways", o.quotas.vpnGateways, "connections_per_gateway", o.quotas.connsPerGateway,
		"customer_gateways", o.quotas.customerGateways, "ram_users", o.quotas.ramUsers, "access_keys", o.quotas.accessKeys)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "grace", o.shutdownGrace)
	a.BeginShutdown()
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// addHTTPFrontFlag adds --http-front, shared by 'server' and 'bench server'.
func addHTTPFrontFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "http-front", "lean", "HTTP server: lean (vpcvpn's HTTP/1.1 server, internal/httpfront) or net/http (Go's, which also speaks HTTP/2 over TLS)")
}

// addNonceMemoryFlag adds --nonce-memory, shared by 'server' and 'bench server'.
func addNonceMemoryFlag(f *pflag.FlagSet, v *int) {
	f.IntVar(v, "nonce-memory", app.DefaultNonceMemory>>20, "most memory (MiB) the replay store of signature nonces may take on a single node (SQLite): about 11 MiB per 1 000 signed requests/s sustained; when full, requests get 503 until nonces expire")
}

// addAgentPollFlag adds --agent-poll-interval, shared by 'server' and 'bench server'.
func addAgentPollFlag(f *pflag.FlagSet, v *time.Duration) {
	f.DurationVar(v, "agent-poll-interval", app.AgentGenerationPoll, "with several servers on one database: how often this one looks for the others' changes to a gateway's desired state while gateway agents wait for them (PostgreSQL change notifications wake them sooner; this is the fallback)")
}

// Server timeouts and limits, the same for both HTTP fronts.
const (
	readTimeout    = 20 * time.Second
	writeTimeout   = 30 * time.Second
	idleTimeout    = 120 * time.Second
	maxHeaderBytes = 64 << 10
)

// httpServer is what runServer needs of an HTTP server.
type httpServer interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}

// netHTTPServer serves TLS when its TLSConfig is set, as httpfront.Server
// does, and applies connection limits through its listener and ConnState.
type netHTTPServer struct {
	*http.Server
	limits *httpfront.ConnLimiter // nil without limits
}

func (s netHTTPServer) Serve(ln net.Listener) error {
	if s.limits != nil {
		ln = s.limits.Listener(ln)
	}
	if s.TLSConfig != nil {
		return s.ServeTLS(ln, "", "")
	}
	return s.Server.Serve(ln)
}

func (s netHTTPServer) Close() error {
	if s.limits != nil {
		s.limits.Close()
	}
	return s.Server.Close()
}

// checkHTTPFront refuses an unknown --http-front value as a usage error.
func checkHTTPFront(front string) error {
	if front != "lean" && front != "net/http" {
		return usageError{fmt.Errorf("--http-front %q: use lean or net/http", front)}
	}
	return nil
}

func newHTTPServer(front string, h http.Handler, tlsCfg *tls.Config, log *slog.Logger, limits httpfront.ConnLimits) (httpServer, error) {
	switch front {
	case "lean":
		return &httpfront.Server{Handler: h, TLSConfig: tlsCfg, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
			IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes, Logger: log, Limits: limits}, nil
	case "net/http":
		s := netHTTPServer{Server: &http.Server{
			Handler: h,
			// Equal read timeouts: net/http then sets one read deadline per
			// request instead of two (each is a runtime timer update).
			ReadHeaderTimeout: readTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
			TLSConfig:         tlsCfg,
		}}
		if limits.Max > 0 || limits.MaxPerAddr > 0 {
			s.limits = httpfront.NewConnLimiter(limits, idleTimeout, readTimeout)
			s.ConnState = s.limits.ConnState
		}
		return s, nil
	}
	return nil, checkHTTPFront(front)
}
