package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/bench"
)

func init() { extraCommands = append(extraCommands, newBenchCmd) }

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a server: load generator and store seeding",
		Long: `Benchmark tools. See docs/PERFORMANCE.md for the figures they produced and how.

  vpcvpn bench seed      fill a store with realistic connections for scale tests
  vpcvpn bench download  load a server with signed DownloadVpnConnectionConfig requests
  vpcvpn bench create    load a server with CreateVpnConnection requests
  vpcvpn bench server    'vpcvpn server' writing a CPU profile, for go tool pprof`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBenchDownloadCmd(), newBenchSeedCmd(), newBenchCreateCmd(), newBenchServerCmd(), newBenchBaselineServerCmd())
	return cmd
}

type benchDownloadOptions struct {
	d           bench.Download
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	rate        float64
	baseline    bool
	baseProcess bool
	baseCPUs    string
	quiet       bool
	serverPID   int
	idsFile     string
	cpuProfile  string
	client      string
	name        string
	keyFile     string
	b           benchSideB
	split       bool
}

// benchSideB is the second side of 'bench download' (--b-* flags): what it
// leaves empty is the first side's.
type benchSideB struct {
	name, endpoint, connection, idsFile, keyFile string
	pid                                          int
}

func (b benchSideB) set() bool {
	return b.endpoint != "" || b.connection != "" || b.idsFile != "" || b.keyFile != ""
}

func newBenchDownloadCmd() *cobra.Command {
	o := benchDownloadOptions{}
	cmd := &cobra.Command{
		Use:   "download",
		Short: "Load a server with signed DownloadVpnConnectionConfig requests",
		Long: `Send DownloadVpnConnectionConfig requests from --concurrency workers over keep-alive connections
for --duration, each signed afresh (new nonce, current timestamp), and report requests, errors,
throughput and latency percentiles on stdout (a progress line goes to stderr each second).

With --baseline the command also starts, in this process, a minimal net/http server that answers
every request with the exact bytes of a real answer of the server, and measures both with the same
generator in turns (vpcvpn, baseline, vpcvpn, baseline, ... for --rounds rounds), then prints the
ratio of vpcvpn's throughput to the baseline's. --baseline-process adds the same minimal server run
as a process of its own ('vpcvpn bench baseline-server') as a third side: the in-process baseline
shares the generator's Go runtime, so its answers never cross between processes, while vpcvpn's
always do; the separate process shows what that costs on its own.

With --rate the workers are paced to that many requests per second in total (use it for latency at
a given load): a request whose worker was still waiting for an earlier answer counts its latency
from when it was due, one whose worker slept until its slot from when the worker woke.

--client raw replaces Go's net/http client with a lean HTTP/1.1 writer and reader (one keep-alive
connection per worker, Content-Length answers only), which leaves more of a shared machine to the
server under test.

Side by side: the --b-* flags describe a second side B, measured in turns with the first (A, named
by --name): another server (--b-endpoint, e.g. a node on PostgreSQL against one on SQLite, with its
own --b-connection or --b-connections-file and --b-server-pid) and/or another key (--b-key-file,
e.g. a RAM user's key against root's on the same server). Whatever B does not set is A's. Both are
printed, and the throughput ratio B/A overall and per round. --key-file gives A's key the same way
(a file of ALIBABA_CLOUD_ACCESS_KEY_ID=... and ALIBABA_CLOUD_ACCESS_KEY_SECRET=... lines, as
'bench seed --ram-key-out' writes).

Two nodes: with --split and --b-endpoint the sides are "1-node" (every worker on A) and "2-nodes"
(the same workers split between A and B: even-numbered ones on A, odd ones on B, so --concurrency
16 puts 8 on each) and the ratio is 2-nodes/1-node; the 2-nodes figures are the total of both
endpoints, its server CPU that of both --server-pid and --b-server-pid. Use it for two servers on
one database.

Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET or the flags.
The exit status is 1 when any request failed.`,
		Example: `  vpcvpn bench seed --data-dir /tmp/vpcvpn-bench --connections 100000
  vpcvpn server --data-dir /tmp/vpcvpn-bench &
  vpcvpn bench download --connection vco-... --concurrency 16 --duration 8s --baseline --rounds 3

  # a RAM user's key against root's, on the same server:
  vpcvpn bench seed --data-dir /tmp/vpcvpn-bench --connections 100 --ram-user dl --ram-key-out /tmp/dl.env
  vpcvpn bench download --connection vco-... --name root --b-key-file /tmp/dl.env --b-name ram --rounds 6

  # a PostgreSQL node against a SQLite node:
  vpcvpn bench download --endpoint 127.0.0.1:18090 --connection vco-... --server-pid 1234 --name sqlite \
    --b-endpoint 127.0.0.1:18091 --b-connection vco-... --b-server-pid 1235 --b-name postgres --rounds 6

  # two nodes on one database, the load split between them, against one node:
  vpcvpn bench download --endpoint 127.0.0.1:18091 --connection vco-... --b-endpoint 127.0.0.1:18092 --split`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchDownload(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.d.Endpoint, "endpoint", "127.0.0.1:8080", "server to load (host:port)")
	f.StringVar(&o.d.ConnectionID, "connection", "", "VpnConnectionId to download (required)")
	f.StringVar(&o.d.Region, "region", "cn-hangzhou", "RegionId of the connection")
	f.StringVar(&o.d.Signature, "signature", bench.SigV1, "signature scheme: v1 (HMAC-SHA1, GET) or v3 (ACS3-HMAC-SHA256, POST)")
	f.StringVar(&o.d.Format, "format", "", "answer format for v1: JSON (default) or XML")
	f.StringVar(&o.d.AccessKeyID, "access-key-id", os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), "AccessKeyId (default $ALIBABA_CLOUD_ACCESS_KEY_ID)")
	f.StringVar(&o.d.AccessKeySecret, "access-key-secret", "", "AccessKeySecret (default $ALIBABA_CLOUD_ACCESS_KEY_SECRET; prefer the environment)")
	f.IntVar(&o.concurrency, "concurrency", 16, "concurrent workers, one keep-alive connection each")
	f.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured turn")
	f.DurationVar(&o.warmup, "warmup", 2*time.Second, "untimed load on each server before the first turn (0: none)")
	f.IntVar(&o.rounds, "rounds", 1, "number of turns per server (with --baseline: vpcvpn, baseline, vpcvpn, ...)")
	f.Float64Var(&o.rate, "rate", 0, "total requests per second (0: as fast as answered)")
	f.BoolVar(&o.baseline, "baseline", false, "also measure a minimal net/http server answering the same bytes, alternately, and print the ratio")
	f.BoolVar(&o.baseProcess, "baseline-process", false, "also measure the minimal server run as a separate process (implies --baseline)")
	f.StringVar(&o.baseCPUs, "baseline-process-cpus", "", "run the separate baseline process pinned to these CPUs (taskset -c LIST), as the server under test is")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress line on stderr")
	f.StringVar(&o.idsFile, "connections-file", "", "file of VpnConnectionIds, one a line (bench seed --ids-out): each request asks for one at random")
	f.IntVar(&o.serverPID, "server-pid", 0, "process id of the server on this machine: also report CPU time per request (Linux)")
	f.StringVar(&o.client, "client", "net/http", "HTTP client of the workers: net/http (Go's, as the SDKs use) or raw (a lean HTTP/1.1 writer and reader that leaves the server more of a shared machine)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the generator, and the in-process baseline) to this file")
	f.StringVar(&o.name, "name", "vpcvpn", "name of the first side (A) in the report")
	f.StringVar(&o.keyFile, "key-file", "", "read A's AccessKey from this file (ALIBABA_CLOUD_ACCESS_KEY_ID=... and ALIBABA_CLOUD_ACCESS_KEY_SECRET=... lines, as bench seed --ram-key-out writes)")
	f.StringVar(&o.b.name, "b-name", "b", "name of side B in the report")
	f.StringVar(&o.b.endpoint, "b-endpoint", "", "side B's server (host:port; default A's): measure it in turns with A")
	f.StringVar(&o.b.connection, "b-connection", "", "VpnConnectionId side B downloads (default A's)")
	f.StringVar(&o.b.idsFile, "b-connections-file", "", "file of VpnConnectionIds for side B, as --connections-file")
	f.StringVar(&o.b.keyFile, "b-key-file", "", "side B's AccessKey file, as --key-file (default A's key)")
	f.IntVar(&o.b.pid, "b-server-pid", 0, "process id of side B's server, as --server-pid (default --server-pid's without --b-endpoint)")
	f.BoolVar(&o.split, "split", false, "two nodes: compare all workers on A (1-node) with the workers split between A and --b-endpoint (2-nodes)")
	return cmd
}

// readIDs reads a --connections-file.
func readIDs(flag, path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", flag, err)}
	}
	ids := strings.Fields(string(b))
	if len(ids) == 0 {
		return nil, usageError{fmt.Errorf("%s %s holds no ids", flag, path)}
	}
	return ids, nil
}

// sideB builds side B's download from A's and the --b-* flags.
func (o benchDownloadOptions) sideB() (bench.Download, error) {
	d := o.d
	if o.b.endpoint != "" {
		d.Endpoint = o.b.endpoint
	}
	if o.b.connection != "" {
		d.ConnectionID, d.ConnectionIDs = o.b.connection, nil
	}
	if o.b.idsFile != "" {
		ids, err := readIDs("--b-connections-file", o.b.idsFile)
		if err != nil {
			return d, err
		}
		d.ConnectionIDs = ids
	}
	if o.b.keyFile != "" {
		id, secret, err := bench.ReadKeyFile(o.b.keyFile)
		if err != nil {
			return d, usageError{fmt.Errorf("--b-key-file: %w", err)}
		}
		d.AccessKeyID, d.AccessKeySecret = id, secret
	}
	return d, d.Validate()
}

// download resolves the flags into the run they ask for; its errors are
// usage errors.
func (o benchDownloadOptions) download() (bench.DownloadBench, error) {
	if o.d.AccessKeySecret == "" {
		o.d.AccessKeySecret = os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	}
	if o.keyFile != "" {
		id, secret, err := bench.ReadKeyFile(o.keyFile)
		if err != nil {
			return bench.DownloadBench{}, usageError{fmt.Errorf("--key-file: %w", err)}
		}
		o.d.AccessKeyID, o.d.AccessKeySecret = id, secret
	}
	if o.idsFile != "" {
		ids, err := readIDs("--connections-file", o.idsFile)
		if err != nil {
			return bench.DownloadBench{}, err
		}
		o.d.ConnectionIDs = ids
	}
	if err := o.d.Validate(); err != nil {
		return bench.DownloadBench{}, usageError{err}
	}
	if o.d.Format != "" {
		o.d.Format = strings.ToUpper(o.d.Format)
	}
	withB := o.b.set()
	if o.b.endpoint == "" && o.b.pid == 0 {
		o.b.pid = o.serverPID // the same server
	}
	run := bench.DownloadBench{A: o.d, Name: o.name, PID: o.serverPID, BName: o.b.name, BPID: o.b.pid, Split: o.split,
		Baseline: o.baseline, BaselineProcess: o.baseProcess, BaselineCPUs: o.baseCPUs,
		Concurrency: o.concurrency, Rounds: o.rounds, Duration: o.duration, Warmup: o.warmup, Rate: o.rate, Client: o.client}
	if withB {
		bd, err := o.sideB()
		if err != nil {
			var ue usageError
			if errors.As(err, &ue) {
				return run, err
			}
			return run, usageError{fmt.Errorf("side B: %w", err)}
		}
		run.B = &bd
	}
	switch {
	case o.split && o.b.endpoint == "":
		return run, usageError{errors.New("--split needs --b-endpoint: the second node")}
	case withB && (o.baseline || o.baseProcess):
		return run, usageError{errors.New("--baseline and --baseline-process measure one server: leave out the --b-* flags")}
	case o.name == "" || o.b.name == "" || (withB && !o.split && o.name == o.b.name):
		return run, usageError{errors.New("--name and --b-name must be set and differ")}
	}
	if o.concurrency < 1 || o.duration <= 0 || o.rounds < 1 || o.rate < 0 || o.warmup < 0 {
		return run, usageError{errors.New("--concurrency, --duration and --rounds must be positive, --rate and --warmup not negative")}
	}
	if o.client != "net/http" && o.client != "raw" {
		return run, usageError{fmt.Errorf("--client %q: use net/http or raw", o.client)}
	}
	return run, nil
}

func runBenchDownload(ctx context.Context, o benchDownloadOptions, stdout, stderr io.Writer) error {
	run, err := o.download()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return usageError{fmt.Errorf("--cpuprofile: %w", err)}
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if !o.quiet {
		run.Progress = stderr
	}
	return run.Run(ctx, stdout)
}

type benchSeedOptions struct {
	dataDir       string
	database      string
	masterKeyFile string
	pool          string
	idsOut        string
	ramUser       string
	ramKeyOut     string
	seed          bench.Seed
}

func newBenchSeedCmd() *cobra.Command {
	o := benchSeedOptions{}
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill a store with realistic connections for scale tests",
		Long: `Create --connections IPsec connections, with their VPCs, VPN gateways and customer gateways, in the
root account of a store, directly through the storage layer. A server on the same SQLite store may keep
running (SQLite takes writers from several processes, and new connections are not in its answer
cache), but seeding goes faster without it. --per-gateway connections share one VPN gateway; every
--dual-every-th gateway is dual-tunnel with BGP. Prints a few connection ids for
'vpcvpn bench download --connection'.

The store is opened as 'vpcvpn server' opens it (same --data-dir, --database and --master-key-file);
a new store gets its root account from VPCVPN_ROOT_ACCESS_KEY_ID / VPCVPN_ROOT_ACCESS_KEY_SECRET.`,
		Example: `  VPCVPN_ROOT_ACCESS_KEY_ID=LTAIbench VPCVPN_ROOT_ACCESS_KEY_SECRET=benchsecret \
    vpcvpn bench seed --data-dir /tmp/vpcvpn-bench --connections 100000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchSeed(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "data directory, as for 'vpcvpn server'")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, sqlite:PATH, or postgres://...")
	f.StringVar(&o.masterKeyFile, "master-key-file", "", "master key file, as for 'vpcvpn server'")
	f.IntVar(&o.seed.Connections, "connections", 1000, "number of connections to create")
	f.IntVar(&o.seed.PerGateway, "per-gateway", 100, "connections per VPN gateway")
	f.IntVar(&o.seed.DualEvery, "dual-every", 4, "every N-th gateway (and its connections) is dual-tunnel; -1 for none")
	f.IntVar(&o.seed.Concurrency, "concurrency", 8, "goroutines writing")
	f.StringVar(&o.seed.Region, "region", "cn-hangzhou", "RegionId of everything created")
	f.StringVar(&o.idsOut, "ids-out", "", "also write every connection id to this file, one a line (for bench download --connections-file)")
	f.StringVar(&o.pool, "gateway-address-pool", bench.SeedPool, "comma-separated IPv4 CIDRs for the gateways' addresses")
	f.StringVar(&o.ramUser, "ram-user", "", "also create this RAM user, allowed only DownloadVpnConnectionConfig and DescribeVpnConnection* (policy "+bench.DownloadPolicyName+"), with an AccessKey (needs --ram-key-out)")
	f.StringVar(&o.ramKeyOut, "ram-key-out", "", "file (mode 0600) to write the RAM user's AccessKey to, as ALIBABA_CLOUD_ACCESS_KEY_ID=... and ALIBABA_CLOUD_ACCESS_KEY_SECRET=... lines")
	return cmd
}

func runBenchSeed(ctx context.Context, o benchSeedOptions, stdout, stderr io.Writer) error {
	if o.seed.Connections <= 0 || o.seed.PerGateway <= 0 || o.seed.Concurrency <= 0 {
		return usageError{errors.New("--connections, --per-gateway and --concurrency must be positive")}
	}
	if (o.ramUser == "") != (o.ramKeyOut == "") {
		return usageError{errors.New("--ram-user and --ram-key-out go together: give both (the key's secret is written only to that file)")}
	}
	pool, err := app.ParsePool(o.pool)
	if err != nil {
		return usageError{err}
	}
	o.seed.Pool = pool
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, app.Options{
		DataDir:             o.dataDir,
		Database:            o.database,
		MasterKeyFile:       o.masterKeyFile,
		RootAccessKeyID:     os.Getenv("VPCVPN_ROOT_ACCESS_KEY_ID"),
		RootAccessKeySecret: os.Getenv("VPCVPN_ROOT_ACCESS_KEY_SECRET"),
		RootKeyOut:          stderr,
	})
	if err != nil {
		var ue app.UsageError
		if errors.As(err, &ue) {
			return usageError{err}
		}
		return err
	}
	defer a.Close()
	o.seed.AccountID = a.Root.AccountID
	start := time.Now()
	o.seed.Progress = func(done int) {
		el := time.Since(start).Seconds()
		fmt.Fprintf(stderr, "\r%d/%d connections, %.0f/s   ", done, o.seed.Connections, float64(done)/el)
	}
	res, err := o.seed.Run(ctx, a.Store)
	fmt.Fprint(stderr, "\r\033[K")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %d connections (%d dual-tunnel) on %d VPN gateways with %d customer gateways in account %s, %s, in %s (%.0f connections/s)\n",
		res.Connections, res.Dual, res.Gateways, res.CustomerGateways, a.Root.AccountID, o.seed.Region, res.Elapsed.Round(time.Millisecond),
		float64(res.Connections)/res.Elapsed.Seconds())
	if o.idsOut != "" {
		if err := os.WriteFile(o.idsOut, []byte(strings.Join(res.IDs, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d ids to %s\n", len(res.IDs), o.idsOut)
	}
	fmt.Fprintf(stdout, "single-tunnel: %s\n", strings.Join(res.Single, " "))
	if len(res.DualIDs) > 0 {
		fmt.Fprintf(stdout, "dual-tunnel:   %s\n", strings.Join(res.DualIDs, " "))
	}
	if o.ramUser != "" {
		k, err := bench.SeedRAMUser(ctx, a.Store, a.Root.AccountID, o.ramUser)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(o.ramKeyOut, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("--ram-key-out: %w (it must not exist yet)", err)
		}
		if err := errors.Join(bench.WriteKey(f, k.AccessKeyID, k.Secret), f.Close()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "RAM user %s (policy %s) with AccessKeyId %s; its key is in %s\n", o.ramUser, bench.DownloadPolicyName, k.AccessKeyID, o.ramKeyOut)
	}
	return nil
}

func newBenchServerCmd() *cobra.Command {
	o := serverOptions{}
	var cpuProfile, memProfile, blockProfile, mutexProfile, traceFile string
	var cpuOnSignal bool
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run 'vpcvpn server' while writing a CPU profile",
		Long: `Run the API server exactly as 'vpcvpn server' does (same wiring, same HTTP server settings) and write
a CPU profile of its whole run to --cpuprofile (and heap, blocking and mutex profiles at exit to
--memprofile, --blockprofile and --mutexprofile), for 'go tool pprof', and an execution trace to --trace
for 'go tool trace' (e.g. -pprof=sched: where goroutines waited to run). Stop it with SIGINT or SIGTERM to
write the profiles. With --cpuprofile-on-signal the CPU profile starts when the process receives SIGUSR1
(a steady state's profile: send the signal after the warm-up).`,
		Example: `  vpcvpn bench server --data-dir /tmp/vpcvpn-bench --cpuprofile /tmp/cpu.pprof &
  vpcvpn bench download --connection vco-... --duration 20s
  kill -INT %1; go tool pprof -top vpcvpn /tmp/cpu.pprof`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, r := range []struct {
				file  string
				start func(io.Writer) error
				stop  func()
			}{{cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {traceFile, trace.Start, trace.Stop}} {
				if r.file == "" {
					continue
				}
				f, err := os.Create(r.file)
				if err != nil {
					return err
				}
				defer f.Close()
				if cpuOnSignal && r.file == cpuProfile {
					// The profile of a steady state: from SIGUSR1 on.
					usr1 := make(chan os.Signal, 1)
					signal.Notify(usr1, syscall.SIGUSR1)
					var mu sync.Mutex
					started := false
					go func() {
						<-usr1
						mu.Lock()
						defer mu.Unlock()
						started = pprof.StartCPUProfile(f) == nil
					}()
					defer func() {
						signal.Stop(usr1)
						mu.Lock()
						defer mu.Unlock()
						if started {
							pprof.StopCPUProfile()
						}
					}()
					continue
				}
				if err := r.start(f); err != nil {
					return err
				}
				defer r.stop()
			}
			if blockProfile != "" {
				runtime.SetBlockProfileRate(int(10 * time.Microsecond))
			}
			if mutexProfile != "" {
				runtime.SetMutexProfileFraction(10)
			}
			err := runServer(cmd.Context(), o)
			for _, p := range []struct{ name, file string }{{"heap", memProfile}, {"block", blockProfile}, {"mutex", mutexProfile}} {
				if p.file == "" {
					continue
				}
				f, ferr := os.Create(p.file)
				if ferr != nil {
					err = errors.Join(err, ferr)
					continue
				}
				err = errors.Join(err, pprof.Lookup(p.name).WriteTo(f, 0), f.Close())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "directory for the embedded database, master key and root key file")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, sqlite:PATH, or postgres://...")
	f.StringVar(&o.masterKeyFile, "master-key-file", "", "master key file (default <data-dir>/master.key)")
	f.StringVar(&o.pool, "gateway-address-pool", app.DefaultAddressPool, "comma-separated IPv4 CIDRs for new VPN gateways")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace", 5*time.Second, "how long to wait for in-flight requests on SIGTERM")
	addHTTPFrontFlag(f, &o.httpFront)
	addNonceMemoryFlag(f, &o.nonceMemory)
	addAgentPollFlag(f, &o.agentPoll)
	o.sec.addFlags(f)
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	f.BoolVar(&cpuOnSignal, "cpuprofile-on-signal", false, "start the --cpuprofile profile when the process receives SIGUSR1 rather than at start (to profile a steady state, e.g. after a warm-up)")
	f.StringVar(&memProfile, "memprofile", "", "write a heap profile at exit to this file")
	f.StringVar(&blockProfile, "blockprofile", "", "write a profile of where goroutines waited (blocking events of 10us and more) at exit to this file")
	f.StringVar(&mutexProfile, "mutexprofile", "", "write a mutex contention profile (1 in 10 events) at exit to this file")
	f.StringVar(&traceFile, "trace", "", "write an execution trace of the whole run to this file (large: tens of MB per second under load)")
	return cmd
}

type benchCreateOptions struct {
	c           bench.Client
	region      string
	gateways    int
	customers   int
	offset      int
	concurrency int
	prepare     int
	duration    time.Duration
	quiet       bool
}

func newBenchCreateCmd() *cobra.Command {
	o := benchCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Load a server with CreateVpnConnection requests",
		Long: `Create, through the API, --gateways VPCs with a VPN gateway each and --customer-gateways customer
gateways, then send CreateVpnConnection requests from --concurrency workers for --duration, each on a
pair of gateway and customer gateway not used before, and report the rate of acknowledged creates
and their latency. Every VPN gateway takes an address of the server's gateway address pool (the
default pool of 'vpcvpn server' has 254), so use a fresh data dir or a larger pool for repeated runs.
It makes more VPN gateways, customer gateways and connections per gateway than the default per-account
quotas of 'vpcvpn server' allow: start the server with --quota-vpn-gateways 0 --quota-customer-gateways 0
--quota-connections-per-gateway 0 (or 'vpcvpn bench server', which has no quotas).

Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET or the flags.
The exit status is 1 when any request failed.`,
		Example: `  vpcvpn bench create --endpoint 127.0.0.1:8080 --duration 10s`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchCreate(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.c.Endpoint, "endpoint", "127.0.0.1:8080", "server to load (host:port)")
	f.StringVar(&o.region, "region", "cn-hangzhou", "RegionId to create in")
	f.StringVar(&o.c.AccessKeyID, "access-key-id", os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), "AccessKeyId (default $ALIBABA_CLOUD_ACCESS_KEY_ID)")
	f.StringVar(&o.c.AccessKeySecret, "access-key-secret", "", "AccessKeySecret (default $ALIBABA_CLOUD_ACCESS_KEY_SECRET; prefer the environment)")
	f.IntVar(&o.gateways, "gateways", 50, "VPN gateways to create first")
	f.IntVar(&o.customers, "customer-gateways", 1000, "customer gateways to create first (gateways x customer gateways bounds the creates)")
	f.IntVar(&o.offset, "address-offset", -1, "first customer gateway address, as an offset in 10.0.0.0/8 (-1: random)")
	f.IntVar(&o.concurrency, "concurrency", 16, "concurrent workers, one keep-alive connection each")
	f.IntVar(&o.prepare, "prepare-concurrency", 0, "concurrent workers creating the gateways and customer gateways first (0: --concurrency)")
	f.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send creates")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress line on stderr")
	return cmd
}

func runBenchCreate(ctx context.Context, o benchCreateOptions, stdout, stderr io.Writer) error {
	if o.c.AccessKeySecret == "" {
		o.c.AccessKeySecret = os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	}
	if o.c.AccessKeyID == "" || o.c.AccessKeySecret == "" {
		return usageError{errors.New("no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET or give --access-key-id and --access-key-secret")}
	}
	if o.gateways < 1 || o.customers < 1 || o.concurrency < 1 || o.duration <= 0 || o.prepare < 0 {
		return usageError{errors.New("--gateways, --customer-gateways, --concurrency and --duration must be positive, --prepare-concurrency not negative")}
	}
	if o.prepare == 0 {
		o.prepare = o.concurrency
	}
	if o.offset < 0 {
		o.offset = rand.IntN(1<<24 - o.customers)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := bench.CreateBench{Client: o.c, Region: o.region, Gateways: o.gateways, Customers: o.customers, Offset: o.offset,
		Prepare: o.prepare, Concurrency: o.concurrency, Duration: o.duration}
	if !o.quiet {
		run.Progress = stderr
	}
	return run.Run(ctx, stdout)
}

type benchBaselineOptions struct {
	listen      string
	bodyFile    string
	contentType string
	requestID   string
}

func newBenchBaselineServerCmd() *cobra.Command {
	o := benchBaselineOptions{}
	cmd := &cobra.Command{
		Use:   "baseline-server",
		Short: "Run the minimal net/http server of bench download --baseline on its own",
		Long: `Run the minimal net/http server that 'bench download --baseline' compares vpcvpn with, as a process
of its own: every request, whatever it asks, is answered with 200 and the bytes of --body-file (with
Content-Type, X-Acs-Request-Id and Content-Length). It prints "listening on HOST:PORT" on stdout once
it accepts connections and runs until interrupted. 'bench download --baseline-process' starts it itself.`,
		Example: `  vpcvpn bench baseline-server --listen 127.0.0.1:18080 --body-file answer.json --content-type 'application/json;charset=utf-8'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchBaselineServer(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	f.StringVar(&o.bodyFile, "body-file", "", "file holding the answer body (required)")
	f.StringVar(&o.contentType, "content-type", "application/json;charset=utf-8", "Content-Type of the answer")
	f.StringVar(&o.requestID, "request-id", "", "X-Acs-Request-Id of the answer (none when empty)")
	return cmd
}

func runBenchBaselineServer(ctx context.Context, o benchBaselineOptions, stdout io.Writer) error {
	if o.bodyFile == "" {
		return usageError{errors.New("--body-file is required")}
	}
	body, err := os.ReadFile(o.bodyFile)
	if err != nil {
		return usageError{fmt.Errorf("--body-file: %w", err)}
	}
	h := http.Header{}
	if o.contentType != "" {
		h.Set("Content-Type", o.contentType)
	}
	if o.requestID != "" {
		h.Set("X-Acs-Request-Id", o.requestID)
	}
	b, err := bench.StartBaseline(o.listen, bench.Answer{Status: http.StatusOK, Header: h, Body: body})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", b.Endpoint())
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return b.Close()
}
