package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/audit"
	"github.com/vpcvpn/vpcvpn/internal/httpfront"
	"github.com/vpcvpn/vpcvpn/internal/throttle"
	"github.com/vpcvpn/vpcvpn/internal/tlsconf"
)

func init() { extraCommands = append(extraCommands, newAuditCmd) }

// Throttling defaults of 'vpcvpn server': per AccessKey and action class.
const (
	defaultRatePerSecond = 200
	defaultBurst         = 400
	defaultMaxInFlight   = 4096
)

// securityOptions are the TLS, audit and throttling flags of 'vpcvpn server'
// and 'vpcvpn bench server' (both register them with addFlags, so both have
// the same defaults: audit trail on, throttling and connection limits on).
// The zero value, never used by a command, means no TLS, no audit trail and
// no limits.
type securityOptions struct {
	tlsCert, tlsKey string
	tlsSelfSigned   bool

	audit          bool
	auditDir       string
	auditNode      string
	auditRetention ageValue

	read, write, secret struct {
		rate  float64
		burst int
	}
	maxInFlight int

	// Connection and body limits (docs/SECURITY.md, "Floods"); zero means
	// unlimited, as 'vpcvpn bench server' leaves them.
	maxConns, maxConnsPerAddr int
	bodyMiB, bodyPerAddrMiB   int
}

// Defaults of the connection and body limits.
const (
	defaultMaxConnsCap      = 10000
	defaultMaxConnsPerAddr  = 512
	defaultBodyMiB          = 64
	defaultBodyPerAddrMiB   = 8
	minConnectionsPerServer = 64
)

// defaultMaxConns is half of the open-file limit (Go raises the soft limit
// to the hard one at start), at most defaultMaxConnsCap: the other half
// stays for the database, the audit trail and sockets the server opens.
func defaultMaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return defaultMaxConnsCap
	}
	return int(max(min(rl.Cur/2, defaultMaxConnsCap), minConnectionsPerServer))
}

func (o *securityOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file; needs --tls-key")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	f.BoolVar(&o.tlsSelfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed ECDSA certificate for localhost/127.0.0.1 kept in the data dir (trials only); prints its SHA-256 fingerprint")
	f.BoolVar(&o.audit, "audit", true, "record every API call in the audit trail (--audit=false disables it and the LookupEvents action)")
	f.StringVar(&o.auditDir, "audit-dir", "", "audit trail directory (default <data-dir>/audit); servers sharing a directory need distinct --audit-node names")
	f.StringVar(&o.auditNode, "audit-node", "", "name of this server in the audit file names (<day>-<node>.jsonl); letters, digits, '.', '_', '-'")
	o.auditRetention = ageValue(audit.DefaultRetention)
	f.Var(&o.auditRetention, "audit-retention", "delete audit events older than this (e.g. 90d, 720h; 0 keeps them forever)")
	f.Float64Var(&o.read.rate, "throttle-read-rate", defaultRatePerSecond, "per-AccessKey requests per second of read actions (Describe*, List*, Get*, LookupEvents); 0 disables the limit")
	f.IntVar(&o.read.burst, "throttle-read-burst", defaultBurst, "per-AccessKey burst of read actions")
	f.Float64Var(&o.write.rate, "throttle-write-rate", defaultRatePerSecond, "per-AccessKey requests per second of write actions (Create*, Modify*, Delete*, ...); 0 disables the limit")
	f.IntVar(&o.write.burst, "throttle-write-burst", defaultBurst, "per-AccessKey burst of write actions")
	f.Float64Var(&o.secret.rate, "throttle-secret-read-rate", defaultRatePerSecond, "per-AccessKey requests per second of secret reads (DownloadVpnConnectionConfig, DownloadVpnConnectionDeviceConfig, DownloadVpnGatewayAgentConfig); 0 disables the limit")
	f.IntVar(&o.secret.burst, "throttle-secret-read-burst", defaultBurst, "per-AccessKey burst of secret reads")
	f.IntVar(&o.maxInFlight, "max-in-flight", defaultMaxInFlight, "requests processed at once; more are answered ServiceUnavailable (503); 0 means unlimited")
	f.IntVar(&o.maxConns, "max-connections", defaultMaxConns(), "open connections at most (the default is half of the open-file limit, at most 10000); at the limit the longest-waiting idle connections are closed for new ones; 0 means unlimited")
	f.IntVar(&o.maxConnsPerAddr, "max-connections-per-address", defaultMaxConnsPerAddr, "open connections of one client address (IPv6: its /64) at most; raise it behind a proxy, which connects for all its clients; 0 means unlimited")
	f.IntVar(&o.bodyMiB, "max-body-memory", defaultBodyMiB, "MiB of request bodies read or processed at once; a body beyond it answers ServiceUnavailable (503); 0 means unlimited")
	f.IntVar(&o.bodyPerAddrMiB, "max-body-memory-per-address", defaultBodyPerAddrMiB, "MiB of request bodies of one client address at once (at most --max-body-memory)")
}

// connLimits are the HTTP front's connection limits.
func (o *securityOptions) connLimits() httpfront.ConnLimits {
	return httpfront.ConnLimits{Max: o.maxConns, MaxPerAddr: o.maxConnsPerAddr}
}

// checkLimits refuses negative limits as usage errors.
func (o *securityOptions) checkLimits() error {
	for _, v := range []struct {
		name string
		n    int
	}{{"--max-connections", o.maxConns}, {"--max-connections-per-address", o.maxConnsPerAddr}, {"--max-body-memory", o.bodyMiB}, {"--max-body-memory-per-address", o.bodyPerAddrMiB}, {"--max-in-flight", o.maxInFlight}} {
		if v.n < 0 {
			return usageError{fmt.Errorf("%s %d: must not be negative (0 means unlimited)", v.name, v.n)}
		}
	}
	return nil
}

// tlsConfig returns the server's TLS configuration, nil for plain HTTP. A
// generated self-signed certificate's fingerprint is printed on stdout.
func (o *securityOptions) tlsConfig(dataDir string, log *slog.Logger) (*tls.Config, error) {
	switch {
	case o.tlsSelfSigned && (o.tlsCert != "" || o.tlsKey != ""):
		return nil, usageError{fmt.Errorf("--tls-self-signed and --tls-cert/--tls-key exclude each other")}
	case o.tlsSelfSigned:
		cfg, info, err := tlsconf.SelfSigned(dataDir, time.Now())
		if err != nil {
			return nil, fmt.Errorf("self-signed TLS certificate: %w", err)
		}
		verb := "Using"
		if info.Generated {
			verb = "Generated"
		}
		fmt.Printf("%s self-signed TLS certificate %s (for localhost, 127.0.0.1, ::1; valid until %s).\n  SHA-256 fingerprint: %s\nFor trials only: clients must trust this file or skip verification.\n",
			verb, info.CertFile, info.NotAfter.UTC().Format(time.DateOnly), info.Fingerprint)
		log.Info("TLS", "cert", info.CertFile, "sha256", info.Fingerprint, "self_signed", true)
		return cfg, nil
	case o.tlsCert != "" || o.tlsKey != "":
		cfg, info, err := tlsconf.Load(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, usageError{err}
		}
		log.Info("TLS", "cert", info.CertFile, "sha256", info.Fingerprint, "not_after", info.NotAfter)
		return cfg, nil
	}
	return nil, nil
}

func (o *securityOptions) auditOptions() *audit.Options {
	if !o.audit {
		return nil
	}
	ret := time.Duration(o.auditRetention)
	if ret == 0 {
		ret = -1 // keep forever
	}
	return &audit.Options{Dir: o.auditDir, Node: o.auditNode, Retention: ret}
}

func (o *securityOptions) throttleConfig() *throttle.Config {
	return &throttle.Config{
		Read:        throttle.Rate{PerSecond: o.read.rate, Burst: o.read.burst},
		Write:       throttle.Rate{PerSecond: o.write.rate, Burst: o.write.burst},
		SecretRead:  throttle.Rate{PerSecond: o.secret.rate, Burst: o.secret.burst},
		MaxInFlight: o.maxInFlight,
		BodyBytes:   int64(o.bodyMiB) << 20,
		// At most the whole budget; 0 (unset) means the whole budget.
		BodyBytesPerAddress: int64(o.bodyPerAddrMiB) << 20,
	}
}

func (o *securityOptions) logSettings(log *slog.Logger, a *app.App) {
	if a.Audit != nil {
		log.Info("audit trail", "dir", a.Audit.Dir(), "retention", o.auditRetention.String())
	} else {
		log.Warn("audit trail disabled (--audit=false)")
	}
	log.Info("throttling per AccessKey",
		"read", fmt.Sprintf("%g/s burst %d", o.read.rate, o.read.burst),
		"write", fmt.Sprintf("%g/s burst %d", o.write.rate, o.write.burst),
		"secret_read", fmt.Sprintf("%g/s burst %d", o.secret.rate, o.secret.burst),
		"max_in_flight", o.maxInFlight)
	log.Info("flood limits", "max_connections", o.maxConns, "max_connections_per_address", o.maxConnsPerAddr,
		"max_body_memory_mib", o.bodyMiB, "max_body_memory_per_address_mib", o.bodyPerAddrMiB)
}

// ageValue is a duration flag that also accepts days ("90d").
type ageValue time.Duration

func (v *ageValue) String() string {
	d := time.Duration(*v)
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func (v *ageValue) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	*v = ageValue(d)
	return nil
}

func (v *ageValue) Type() string { return "duration" }

// parseAge parses "90d", "1.5d" or a Go duration ("36h", "15m"); negative
// values are refused.
func parseAge(s string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, fmt.Errorf("%q: use e.g. 90d or 36h", s)
		}
		d = time.Duration(f * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: use e.g. 90d or 36h", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: must not be negative", s)
	}
	return d, nil
}

// parseWhen parses an RFC 3339 time or an age before now ("24h", "7d").
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	d, err := parseAge(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: use an RFC 3339 time (2026-01-02T15:04:05Z), a date (2026-01-02) or an age (24h, 7d)", s)
	}
	return now.Add(-d), nil
}

type auditCmdOptions struct {
	dataDir, auditDir              string
	since, until                   string
	action, principal, account, ak string
	resource, rw                   string
	secretOnly                     bool
}

func newAuditCmd() *cobra.Command {
	o := auditCmdOptions{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print audit trail events as JSON lines",
		Long: `Print the audit trail's events that match all given filters as JSON lines (one ActionTrail-style
event per line, oldest first), reading the audit directory directly: the server may be running or not.
Redirect the output to a file to export the trail.

Each event has eventTime, requestId, eventName (the action), eventRW, secretRead (DownloadVpnConnectionConfig
and DownloadVpnConnectionDeviceConfig), sourceIpAddress, userAgent, userIdentity (type, accountId, arn,
userName, accessKeyId), resourceName (the ARN acted on), httpStatus, errorCode and latencyMs. Events never
hold request parameters, pre-shared keys, AccessKey secrets or signatures.`,
		Example: `  vpcvpn audit --since 24h
  vpcvpn audit --since 2026-01-01 --action DownloadVpnConnectionConfig
  vpcvpn audit --principal acs:ram::1234567890123456:user/alice --secret-reads > alice-secrets.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAudit(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "data directory, as for 'vpcvpn server'")
	f.StringVar(&o.auditDir, "audit-dir", "", "audit directory, as for 'vpcvpn server' (default <data-dir>/audit)")
	f.StringVar(&o.since, "since", "", "only events at or after this time: RFC 3339, a date, or an age such as 24h or 7d")
	f.StringVar(&o.until, "until", "", "only events before this time (same forms as --since)")
	f.StringVar(&o.action, "action", "", "only this API action, e.g. DownloadVpnConnectionConfig")
	f.StringVar(&o.principal, "principal", "", "only calls by this principal: its ARN (acs:ram::<account>:user/<name>) or user name")
	f.StringVar(&o.account, "account", "", "only calls by principals of this account id")
	f.StringVar(&o.ak, "access-key-id", "", "only calls signed with this AccessKeyId")
	f.StringVar(&o.resource, "resource", "", "only calls on this resource ARN (a trailing * matches a prefix)")
	f.StringVar(&o.rw, "rw", "", "only Read or Write calls")
	f.BoolVar(&o.secretOnly, "secret-reads", false, "only secret reads (calls that return pre-shared keys)")
	return cmd
}

func runAudit(cmd *cobra.Command, o auditCmdOptions) error {
	now := time.Now()
	q := audit.Query{EventName: o.action, Principal: o.principal, AccountID: o.account, AccessKeyID: o.ak,
		ResourceName: o.resource, SecretReadOnly: o.secretOnly}
	switch o.rw {
	case "", "Read", "Write":
		q.EventRW = o.rw
	case "read", "write":
		q.EventRW = strings.ToUpper(o.rw[:1]) + o.rw[1:]
	default:
		return usageError{fmt.Errorf("--rw %q: use Read or Write", o.rw)}
	}
	var err error
	if o.since != "" {
		if q.Since, err = parseWhen(o.since, now); err != nil {
			return usageError{fmt.Errorf("--since %w", err)}
		}
	}
	if o.until != "" {
		if q.Until, err = parseWhen(o.until, now); err != nil {
			return usageError{fmt.Errorf("--until %w", err)}
		}
	}
	dir := o.auditDir
	if dir == "" {
		dir = filepath.Join(o.dataDir, "audit")
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("audit directory %s: %w (check --data-dir or --audit-dir)", dir, err)
	}
	out := bufio.NewWriter(cmd.OutOrStdout())
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	bad, err := audit.Scan(dir, q, func(e *audit.Event) error { return enc.Encode(e) })
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if bad > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "vpcvpn: skipped %d malformed audit lines (e.g. cut short by a crash)\n", bad)
	}
	return err
}
