// Package app wires vpcvpn's server together: data dir, master key, store,
// root identity, service and HTTP handler. cmd/vpcvpn and the tests that
// start a real server both use it, so they run the same wiring.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/nonce"
	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/postgres"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
	"github.com/vpcvpn/vpcvpn/internal/web"
)

// DefaultAddressPool is the gateway address pool used when the operator gives
// none: TEST-NET-3, documentation space that is never routed, so a trial
// installation hands out addresses that cannot collide with real ones.
const DefaultAddressPool = "203.0.113.0/24"

// DownloadCacheEntries bounds the single-node cache of encoded
// DownloadVpnConnectionConfig answers (about 3 KB each).
const DownloadCacheEntries = 20000

// CredentialCacheEntries and CredentialCacheTTL bound the single-node cache
// of resolved AccessKeys (api.Authenticator.CacheCredentials): a key changed
// through this server's RAM actions takes effect at once, one changed by
// another process writing the same SQLite file within CredentialCacheTTL.
const (
	CredentialCacheEntries = 4096
	CredentialCacheTTL     = 2 * time.Second
)

// CheckedCredentialTTL bounds how long a server on a shared database keeps
// a resolved AccessKey (api.Authenticator.CacheCheckedCredentials). Every
// use is checked against the account's credentials generation read with the
// request's nonce, so this only makes every key read again from the database
// at least this often.
const CheckedCredentialTTL = 10 * time.Minute

// UsageError marks errors caused by how vpcvpn was invoked (bad flag values).
type UsageError struct{ error }

func (e UsageError) Unwrap() error { return e.error }

// Options configure an App.
type Options struct {
	DataDir       string // required
	Database      string // "" = SQLite in DataDir; sqlite:PATH; postgres://...
	MasterKeyFile string
	AddressPool   string // comma-separated CIDRs; "" = DefaultAddressPool
	Logger        *slog.Logger
	// RequestLog writes the request line of every API call (the server
	// passes its internal/logging.Output); nil logs it through Logger.
	RequestLog api.RequestLogger
	// RootAccessKeyID/Secret seed the root key of a new store.
	RootAccessKeyID     string
	RootAccessKeySecret string
	// RootKeyOut receives the one-time announcement of a generated root key
	// (stdout for the server command); nil discards it.
	RootKeyOut io.Writer
	Secure     bool
	// Audit enables the audit trail and the ActionTrail LookupEvents
	// action; nil disables both. An empty Dir means <DataDir>/audit.
	Audit *audit.Options
	// Throttle enables per-AccessKey rate limits, the in-flight limit and
	// the request body budget; nil disables them.
	Throttle *throttle.Config
	// Quotas bound what one account may hold (store.Quotas; zero fields
	// and nil mean no bound). The limit of AccessKeys per identity
	// (iam.MaxAccessKeysPerUser) is always enforced by the store.
	Quotas *store.Quotas
	// Console serves the web console (internal/web) under /console/;
	// nil leaves it out.
	Console *ConsoleOptions
	// NonceMemory bounds the in-memory replay store of a single node, in
	// bytes (0: DefaultNonceMemory; internal/nonce, Options.MaxBytes).
	NonceMemory int64
	// AgentPoll is how often a server on a shared database looks for
	// other servers' desired-state changes while agents' long-polls wait
	// (0: AgentGenerationPoll). On PostgreSQL change notifications wake
	// them sooner; the poll is what a missed notification falls back to.
	AgentPoll time.Duration
}

// DefaultNonceMemory is the default bound of a single node's replay store:
// enough for about 46 000 signed requests/s sustained (15-minute expiries,
// 11.5 bytes a nonce at most; internal/nonce).
const DefaultNonceMemory = 512 << 20

// ConsoleOptions configure the web console.
type ConsoleOptions struct {
	// SessionLifetime bounds a sign-in; 0 means web.DefaultSessionLifetime.
	SessionLifetime time.Duration
	// RefreshInterval is how often open pages refresh statuses; 0 means
	// 10 s.
	RefreshInterval time.Duration
}

// App is a wired server.
type App struct {
	Handler *api.Server
	// HTTP is what the server serves: the API, and the console under
	// /console/ when Options.Console is set.
	HTTP    http.Handler
	Console *web.Handler // nil without Options.Console
	Service *service.Service
	Store   store.Store
	// Keys is the master keyring: it seals pre-shared keys, AccessKey
	// secrets and STS SecurityTokens.
	Keys    *secret.Keyring
	Root    service.RootKey
	Audit   *audit.Writer        // nil without Options.Audit
	Limiter *throttle.Limiter    // nil without Options.Throttle
	Bodies  *throttle.BodyBudget // nil without Options.Throttle.BodyBytes
	// ReplayFloor, when set, is the time from which the server should
	// serve: requests signed before it are refused (their nonces were
	// kept by an earlier process, in memory). Zero for a store created by
	// this Open; for a shared database (whose nonces outlive processes),
	// set only when its nonce epoch was written just now (a new database,
	// or the first start after a crash of PostgreSQL), and Open has then
	// already waited for it (at most a second).
	ReplayFloor time.Time
	describe    string
	closeOnce   func() error
}

// Describe names the database for logs (never a password).
func (a *App) Describe() string { return a.describe }

// Close releases the store.
func (a *App) Close() error { return a.closeOnce() }

// Open wires an App.
func Open(ctx context.Context, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.AddressPool == "" {
		o.AddressPool = DefaultAddressPool
	}
	pool, err := ParsePool(o.AddressPool)
	if err != nil {
		return nil, err
	}
	e, err := openEnv(ctx, o.DataDir, o.Database, o.MasterKeyFile, o.Logger)
	if err != nil {
		return nil, err
	}
	if db, ok := e.store.(*postgres.DB); ok {
		// A server: a database that stops answering fails a request
		// (ServiceUnavailable) instead of holding it.
		db.BoundStatements()
	}
	setQuotas(e.store, o.Quotas)
	// The audit trail is opened first: the service reads it
	// (LookupEvents).
	trail, closeAll, err := openTrail(o, e)
	if err != nil {
		e.store.Close()
		return nil, err
	}
	svc, err := service.New(serviceConfig(o, e, pool, trail))
	if err != nil {
		closeAll()
		return nil, err
	}
	root, err := svc.EnsureRoot(ctx, o.RootAccessKeyID, o.RootAccessKeySecret)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("create root account: %w", err)
	}
	if root.Created {
		if err := announceRootKey(o.DataDir, root, o.RootAccessKeyID != "", o.RootKeyOut, o.Logger); err != nil {
			closeAll()
			return nil, err
		}
	}
	if err := e.checkMasterKey(ctx); err != nil {
		closeAll()
		return nil, err
	}
	a := &App{Service: svc, Store: e.store, Keys: e.keys, Root: root, describe: e.describe, closeOnce: closeAll}
	auth, err := a.authenticator(ctx, o, e)
	if err != nil {
		closeAll()
		return nil, err
	}
	a.serve(o, e, auth, trail)
	a.startBackground(o, e)
	return a, nil
}

// setQuotas gives a store that enforces quotas the configured ones (none
// when q is nil) and the RAM limit of keys per identity.
func setQuotas(s store.Store, q *store.Quotas) {
	qs, ok := s.(store.QuotaSetter)
	if !ok {
		return
	}
	var set store.Quotas
	if q != nil {
		set = *q
	}
	set.AccessKeysPerIdentity = iam.MaxAccessKeysPerUser
	qs.SetQuotas(set)
}

// openTrail opens the audit trail when o.Audit asks for one (nil otherwise)
// and returns the function that closes it and the store.
func openTrail(o Options, e *env) (*audit.Trail, func() error, error) {
	if o.Audit == nil {
		return nil, e.store.Close, nil
	}
	ao := *o.Audit
	if ao.Dir == "" {
		ao.Dir = filepath.Join(o.DataDir, "audit")
	}
	if ao.Logger == nil {
		ao.Logger = o.Logger
	}
	w, err := audit.Open(ao)
	if err != nil {
		return nil, nil, err
	}
	return &audit.Trail{Dir: ao.Dir, Writer: w}, func() error { return errors.Join(w.Close(), e.store.Close()) }, nil
}

// serviceConfig is the service's configuration for this store: its policy
// authorizer, the audit trail, and a download cache that, when several
// servers share the database, is used only under a current generation
// reading (and not at all without one).
func serviceConfig(o Options, e *env, pool store.AddressPool, trail *audit.Trail) service.Config {
	gens, _ := e.store.(cachegen.Source)
	pa := service.NewPolicyAuthorizer(e.store, o.Logger)
	pa.Gens = gens
	sc := service.Config{Store: e.store, Pool: pool, Logger: o.Logger, Authz: pa, Sealer: e.keys,
		DownloadCache: service.DownloadCacheConfig{Entries: DownloadCacheEntries}}
	if trail != nil {
		sc.Trail = trail
	}
	if e.shared != nil {
		if _, ok := e.shared.(api.GenerationClaimer); ok {
			sc.DownloadCache.Checked = true
		} else {
			sc.DownloadCache = service.DownloadCacheConfig{}
		}
	}
	return sc
}

// authenticator builds the request authenticator over the nonce store of
// this deployment (the shared database's, or a bounded one in memory) with
// its credential cache, and sets the replay floor: requests signed before
// it are refused.
func (a *App) authenticator(ctx context.Context, o Options, e *env) (*api.Authenticator, error) {
	var nonces store.NonceStore
	if e.shared != nil {
		// Several servers share the database: nonces must not live in
		// one process's memory.
		nonces = e.shared
	} else {
		if o.NonceMemory <= 0 {
			o.NonceMemory = DefaultNonceMemory
		}
		nonces = boundedNonces{nonce.New(nonce.Options{Window: api.NonceLifetime, MaxBytes: o.NonceMemory})}
	}
	auth := api.NewAuthenticator(a.Service, nonces)
	if _, ok := nonces.(api.GenerationClaimer); ok {
		auth.CacheCheckedCredentials(CredentialCacheEntries, CheckedCredentialTTL)
	}
	if f, ok := nonces.(nonceFloorer); ok && time.Until(f.NonceFloor()) > 0 {
		// The shared nonce store's epoch was written just now: requests
		// signed before it are refused, so serve from then on. Open
		// waits for it (at most a second) so that no caller, the server
		// command or a program embedding this package, answers its first
		// requests with InvalidTimeStamp.Expired.
		a.ReplayFloor = f.NonceFloor()
		select {
		case <-time.After(time.Until(a.ReplayFloor)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if e.shared == nil {
		auth.CacheCredentials(CredentialCacheEntries, CredentialCacheTTL)
		if !a.Root.Created {
			// The nonces of requests answered before this process
			// started are gone with the process: refuse requests signed
			// before it (their timestamps may still be in the window),
			// or a captured request could be replayed after a restart.
			// Timestamps have whole seconds: the floor is the next
			// whole second, and the server serves from then on
			// (ReplayFloor). A store created just now has answered
			// nothing yet.
			a.ReplayFloor = time.Now().Truncate(time.Second).Add(time.Second)
			auth.NotBefore = a.ReplayFloor
		}
	}
	return auth, nil
}

// serve builds the API handler (dispatch table, audit, throttling) and,
// when asked for, the console beside it.
func (a *App) serve(o Options, e *env, auth *api.Authenticator, trail *audit.Trail) {
	svc := a.Service
	actions := api.Actions(svc)
	cfg := api.Config{Logger: o.Logger, RequestLog: o.RequestLog, Auth: auth, Secure: o.Secure}
	if _, ok := e.store.(*postgres.DB); ok {
		cfg.Unavailable = postgres.Unavailable
	}
	if trail != nil {
		a.Audit, cfg.Audit = trail.Writer, trail.Writer
		actions = append(actions, api.LookupEventsAction(svc))
	}
	if o.Throttle != nil {
		a.Limiter = throttle.New(*o.Throttle)
		cfg.Limiter = a.Limiter
		if o.Throttle.BodyBytes > 0 {
			a.Bodies = throttle.NewBodyBudget(o.Throttle.BodyBytes, o.Throttle.BodyBytesPerAddress)
			cfg.Bodies = a.Bodies
		}
	}
	cfg.Actions, cfg.Metrics = actions, api.NewMetrics(actions)
	if cs, ok := e.store.(claimStatser); ok {
		registerClaimMetrics(cfg.Metrics.Registry(), cs)
	}
	a.Handler = api.NewServer(cfg)
	a.HTTP = a.Handler
	if o.Console == nil {
		return
	}
	wc := web.Config{Actions: actions, Resolve: svc.Resolve, Keys: e.keys, Logger: o.Logger,
		Secure: o.Secure, SessionLifetime: o.Console.SessionLifetime, RefreshInterval: o.Console.RefreshInterval}
	if a.Audit != nil {
		wc.Audit = a.Audit
	}
	if a.Limiter != nil {
		wc.Limiter = a.Limiter
	}
	if ss, ok := e.store.(store.SessionStore); ok {
		wc.Revocations = ss
	}
	a.Console = web.New(wc)
	a.HTTP = withConsole{api: a.Handler, console: a.Console}
}

// startBackground starts the App's background work: the agents' status
// flush, and the ways other writers' changes reach this server's caches and
// agent long-polls.
func (a *App) startBackground(o Options, e *env) {
	svc := a.Service
	// Gateway agents' counters and report times reach the store in one
	// transaction per interval (state changes when they are reported).
	a.background(svc.FlushAgentStatus)
	if e.shared != nil {
		// Other servers write too: their changes to a gateway's
		// connections must wake this server's agent long-polls.
		poll := o.AgentPoll
		if poll <= 0 {
			poll = AgentGenerationPoll
		}
		a.background(func(ctx context.Context) { svc.PollAgentGenerations(ctx, poll) })
		if l, ok := e.store.(listener); ok {
			a.background(func(ctx context.Context) {
				l.Listen(ctx, func(n postgres.Notification) {
					if n.Resync {
						svc.ResyncAgents()
					} else {
						svc.GatewayChanged(n.Gateway)
					}
				})
			})
		}
	} else if p, ok := e.store.(generationPoller); ok {
		// Another process writing the same SQLite file (a second server,
		// an operator command) reaches this server's caches within
		// GenerationPoll; this server's own writes at once.
		a.background(func(ctx context.Context) { p.PollGenerations(ctx, GenerationPoll) })
	}
}

// boundedNonces answers a request whose nonce the full in-memory replay
// store cannot remember with 503 ServiceUnavailable: the client may retry
// later, and no replay is ever let through.
type boundedNonces struct{ *nonce.Store }

func (b boundedNonces) UseNonce(ctx context.Context, key string, expires time.Time) (bool, error) {
	fresh, err := b.Store.UseNonce(ctx, key, expires)
	if errors.Is(err, nonce.ErrFull) {
		return false, apierror.Newf("ServiceUnavailable", "The server remembers as many signature nonces as its --nonce-memory allows; retry in a minute.")
	}
	return fresh, err
}

// GenerationPoll is how often a single-node server reads the cache
// generations (internal/cachegen) from its SQLite file, for writes made by
// other processes on the same file.
const GenerationPoll = time.Second

// nonceFloorer is a shared nonce store that refuses requests signed before
// a time (internal/store/postgres: its nonce epoch).
type nonceFloorer interface{ NonceFloor() time.Time }

// claimStatser is a store that claims nonces in batches
// (internal/store/postgres).
type claimStatser interface{ ClaimStats() postgres.ClaimStats }

// registerClaimMetrics exports a shared nonce store's claim counters:
// claims per batch is the ratio of the first two, and batches claimed again
// count the replays (and expired nonces reused) that met a held nonce.
func registerClaimMetrics(reg prometheus.Registerer, cs claimStatser) {
	counter := func(name, help string, f func(postgres.ClaimStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(cs.ClaimStats())) })
	}
	reg.MustRegister(
		counter("vpcvpn_nonce_claim_batches_total", "Batches of signature-nonce claims sent to the database (a statement and commit each, two for a retried batch).", func(s postgres.ClaimStats) int64 { return s.Batches }),
		counter("vpcvpn_nonce_claims_total", "Signature-nonce claims (and generation readings) in those batches.", func(s postgres.ClaimStats) int64 { return s.Claims }),
		counter("vpcvpn_nonce_claim_batches_retried_total", "Batches sent again with ON CONFLICT because a nonce in them was held already (a replay, or an expired nonce not yet deleted).", func(s postgres.ClaimStats) int64 { return s.Retried }),
		counter("vpcvpn_nonce_claim_batches_direct_total", "Batches sent with ON CONFLICT at once, in the 64 batches after one that held a nonce.", func(s postgres.ClaimStats) int64 { return s.Direct }),
	)
}

// listener is a store that passes on other servers' change notifications
// (internal/store/postgres).
type listener interface {
	Listen(ctx context.Context, handle func(postgres.Notification))
}

// generationPoller is a store that can poll its cache generations
// (internal/store/sqlcore).
type generationPoller interface {
	PollGenerations(ctx context.Context, interval time.Duration)
}

// background runs f until the App closes (before the store does).
func (a *App) background(f func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ctx)
	}()
	closeRest := a.closeOnce
	a.closeOnce = func() error {
		cancel()
		<-done
		return closeRest()
	}
}

// withConsole sends /console and /console/... to the web console and
// everything else to the API.
type withConsole struct {
	api     *api.Server
	console *web.Handler
}

func (h withConsole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; p == "/console" || strings.HasPrefix(p, web.Prefix) {
		h.console.ServeHTTP(w, r)
		return
	}
	h.api.ServeHTTP(w, r)
}

// AgentGenerationPoll is how often a server on a shared database looks for
// desired-state changes written by other servers while gateway agents wait
// for them (the most they wait longer than on the server that took the
// write).
const AgentGenerationPoll = 2 * time.Second

// BeginShutdown prepares the App for the server's draining: the gateway
// agents' long-polls answer at once instead of holding the drain.
func (a *App) BeginShutdown() { a.Service.StopAgentWaits() }

// ParsePool parses a comma-separated list of IPv4 CIDRs.
func ParsePool(s string) (store.AddressPool, error) {
	var pool store.AddressPool
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil || !p.Addr().Is4() {
			return nil, UsageError{fmt.Errorf("--gateway-address-pool: %q is not an IPv4 CIDR such as 203.0.113.0/24", part)}
		}
		pool = append(pool, p.Masked())
	}
	if len(pool) == 0 {
		return nil, UsageError{errors.New("--gateway-address-pool is empty; give at least one IPv4 CIDR")}
	}
	return pool, nil
}

// announceRootKey prints a newly created root key once and keeps it in a
// new 0600 file; keys given through the environment are not written
// anywhere. The file is created with O_EXCL|O_NOFOLLOW: a file or symlink
// of that name already in the data dir (left over, or planted to make the
// server write the key elsewhere) is neither followed nor overwritten; the
// key is then only printed, with a warning.
func announceRootKey(dataDir string, root service.RootKey, fromEnv bool, out io.Writer, log *slog.Logger) error {
	if out == nil {
		out = io.Discard
	}
	if fromEnv {
		fmt.Fprintf(out, "Created root account %s with AccessKeyId %s (from VPCVPN_ROOT_ACCESS_KEY_ID).\n", root.AccountID, root.Key.AccessKeyID)
		return nil
	}
	path := filepath.Join(dataDir, RootKeyFile)
	content := fmt.Sprintf("AccountId=%s\nAccessKeyId=%s\nAccessKeySecret=%s\n", root.AccountID, root.Key.AccessKeyID, root.Key.Secret)
	werr := writeNewSecretFile(path, []byte(content))
	fmt.Fprintf(out, "Created root account %s.\n  AccessKeyId:     %s\n  AccessKeySecret: %s\n", root.AccountID, root.Key.AccessKeyID, root.Key.Secret)
	if werr != nil {
		fmt.Fprintf(out, "The key was NOT written to %s (%v). It is shown only once: keep it now.\n", path, werr)
		log.Warn("root key file not written: it is printed on stdout only", "path", path, "err", werr)
		return nil
	}
	fmt.Fprintf(out, "The key is also in %s (mode 0600). It is shown only once.\n", path)
	return nil
}

// RootKeyFile is the name, in the data dir, of the generated root key.
const RootKeyFile = "root-access-key.txt"

// writeNewSecretFile creates path (which must not exist, and is never
// followed if it is a symlink) with mode 0600 and writes b to it, synced.
func writeNewSecretFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, os.ErrExist) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link; it was not followed", filepath.Base(path))
		}
		return fmt.Errorf("%s exists already; it was not overwritten", filepath.Base(path))
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // whatever the umask
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
