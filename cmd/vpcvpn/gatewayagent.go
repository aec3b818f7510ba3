package main

import (
	"context"
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

	"github.com/vpcvpn/vpcvpn/internal/agent"
	"github.com/vpcvpn/vpcvpn/internal/peerclient"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

func init() { extraCommands = append(extraCommands, newGatewayAgentCmd) }

// agentVersion is reported by the agent (AgentVersion of its reports).
const agentVersion = "vpcvpn-gateway-agent/1"

type gatewayAgentFlags struct {
	endpoint, caFile, region, gateway, vici, drVici  string
	metrics, logLevel, logFormat, profile, aliyunCfg string
	insecure                                         bool
}

func newGatewayAgentCmd() *cobra.Command {
	var f gatewayAgentFlags
	cmd := &cobra.Command{
		Use:   "gateway-agent",
		Short: "Run the data plane of one VPN gateway: drive strongSwan's charon over VICI",
		Long: `gateway-agent makes every IPsec-VPN connection of one VPN gateway a live tunnel of strongSwan's charon.
Run one per gateway, on the host that holds the gateway's public address(es) (InternetIp and, for a
dual-tunnel gateway, DisasterRecoveryInternetIp). It does not start charon and does not touch interfaces or
routes: run strongSwan as docs/GATEWAY.md describes; the agent owns the connections and keys it loads
(their names start with vpcvpn.<gateway id>.) and never touches others.

It long-polls the gateway's desired state from the API (DownloadVpnGatewayAgentConfig), loads new and
changed tunnels (load-shared + load-conn), removes the ones no longer desired (terminate + unload-conn), and
reports every tunnel's status and charon's log lines (ReportVpnGatewayAgentStatus) on every SA event and at
least every 5 s. An unchanged tunnel is never reloaded, so restarting the agent does not disturb traffic.
If charon restarts the agent reconnects and loads everything again; if the API cannot be reached the
tunnels stay as they are and the agent retries. SIGTERM or SIGINT stop it (exit 0) and leave the tunnels up.

Credentials, as 'vpcvpn peer-config': ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and
the optional ALIBABA_CLOUD_SECURITY_TOKEN, not renewed), or an aliyun CLI profile (--profile). A RAM user
with vpc:DownloadVpnGatewayAgentConfig and vpc:ReportVpnGatewayAgentStatus on the gateway's ARN is enough
(README, "A least-privilege user for a gateway agent").

Logs go to stderr: a line per change (connection loaded, reloaded, removed, tunnel status). Metrics on
--metrics-listen /metrics (Prometheus). Exit status: 0 stopped by a signal, 1 failed (the API refused the
agent's key or gateway at start), 2 wrong usage.`,
		Example: `  export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI... ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
  vpcvpn gateway-agent --endpoint vpn-api.example.com:443 --ca-file /etc/vpcvpn/ca.pem \
      --region cn-hangzhou --vpn-gateway vpn-bp1xxxxxxxxxxxxxxxxxx

  # A dual-tunnel gateway whose two addresses are held by two charons on this host
  vpcvpn gateway-agent --endpoint 127.0.0.1:8080 --insecure --region cn-hangzhou \
      --vpn-gateway vpn-bp1xxxxxxxxxxxxxxxxxx --vici /run/charon-master/charon.vici --dr-vici /run/charon-slave/charon.vici`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unexpected argument %q: gateway-agent takes flags only (see --help)", args[0])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runGatewayAgent(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "endpoint", "", "vpcvpn API endpoint HOST:PORT (required)")
	fl.BoolVar(&f.insecure, "insecure", false, "use plain HTTP to --endpoint (default HTTPS)")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM file of the CA certificates that sign the API's TLS certificate (default: the system's)")
	fl.StringVar(&f.region, "region", "", "region of the gateway, e.g. cn-hangzhou (default: ALIBABA_CLOUD_REGION_ID or the profile's region_id)")
	fl.StringVar(&f.gateway, "vpn-gateway", "", "VpnGatewayId of the gateway this agent serves, e.g. vpn-bp1xxxxxxxxxxxxxxxxxx (required)")
	fl.StringVar(&f.vici, "vici", "/var/run/charon.vici", "VICI socket of the charon that holds the gateway's InternetIp")
	fl.StringVar(&f.drVici, "dr-vici", "", "VICI socket of the charon that holds DisasterRecoveryInternetIp (slave tunnels; default: --vici)")
	fl.StringVar(&f.metrics, "metrics-listen", "127.0.0.1:9586", "address of the /metrics endpoint (\"\" disables it)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.profile, "profile", "", "aliyun CLI profile to take credentials from")
	fl.StringVar(&f.aliyunCfg, "aliyun-config", "", "aliyun CLI config file (default ~/.aliyun/config.json)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see vpcvpn gateway-agent --help)", err)}
	})
	return cmd
}

func runGatewayAgent(ctx context.Context, f gatewayAgentFlags) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", f.logLevel)}
	}
	var h slog.Handler
	switch f.logFormat {
	case "text":
		h = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})
	case "json":
		h = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv})
	default:
		return usageError{fmt.Errorf("--log-format %q: use text or json", f.logFormat)}
	}
	log := slog.New(h)
	switch {
	case f.endpoint == "":
		return usageError{errors.New("--endpoint HOST:PORT is required (the vpcvpn API)")}
	case f.gateway == "":
		return usageError{errors.New("--vpn-gateway is required (the VpnGatewayId this agent serves)")}
	case !vpn.ValidID(vpn.PrefixVpnGateway, f.gateway):
		return usageError{fmt.Errorf("--vpn-gateway %q is not a VPN gateway id (vpn-...)", f.gateway)}
	case f.vici == "":
		return usageError{errors.New("--vici must name charon's VICI socket")}
	case f.insecure && f.caFile != "":
		return usageError{errors.New("--ca-file is for HTTPS; leave it out with --insecure")}
	}
	if _, _, err := net.SplitHostPort(f.endpoint); err != nil {
		return usageError{fmt.Errorf("--endpoint %q: want HOST:PORT", f.endpoint)}
	}
	creds, err := peerclient.LoadCredentials(peerclient.CredentialOptions{ConfigPath: f.aliyunCfg, Profile: f.profile})
	if err != nil {
		return err
	}
	region, err := regionOf(f.region, creds)
	if err != nil {
		return err
	}
	client := &agent.Client{Endpoint: f.endpoint, Insecure: f.insecure, CAFile: f.caFile, Region: region,
		AccessKeyID: creds.AccessKeyID, AccessKeySecret: creds.AccessKeySecret, SecurityToken: creds.SecurityToken,
		UserAgent: agentVersion}
	if err := client.Init(); err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	metrics := agent.NewMetrics()
	if f.metrics != "" {
		ln, err := net.Listen("tcp", f.metrics)
		if err != nil {
			return fmt.Errorf("--metrics-listen %s: %w (choose another address, or \"\" to disable)", f.metrics, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("metrics", "listen", ln.Addr().String())
	}
	host, _ := os.Hostname()
	a := agent.New(agent.Config{API: client, GatewayID: f.gateway, Vici: f.vici, DRVici: f.drVici, Logger: log,
		Metrics: metrics, Version: agentVersion, Hostname: host})
	log.Info("credentials", "access_key_id", creds.AccessKeyID, "source", creds.Source, "endpoint", f.endpoint, "region", region)
	if err := a.Run(ctx); err != nil {
		if errors.Is(err, agent.ErrStartup) {
			return fmt.Errorf("%v\n  next: check the credentials, --region and --vpn-gateway; the key needs vpc:DownloadVpnGatewayAgentConfig and vpc:ReportVpnGatewayAgentStatus on the gateway (README)", err)
		}
		return err
	}
	return nil
}
