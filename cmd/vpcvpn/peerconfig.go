package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/peerclient"
	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

func init() { extraCommands = append(extraCommands, newPeerConfigCmd) }

// peerConfigFlags are the flags of `vpcvpn peer-config`.
type peerConfigFlags struct {
	endpoint, region, connection, device, tunnel string
	profile, aliyunConfig, fromFile              string
	insecure, listDevices, passive               bool
}

func newPeerConfigCmd() *cobra.Command {
	var f peerConfigFlags
	cmd := &cobra.Command{
		Use:   "peer-config",
		Short: "Print the configuration of the customer's gateway device for an IPsec-VPN connection",
		Long: `peer-config downloads a connection's customer-side configuration with DownloadVpnConnectionConfig
(through Alibaba Cloud's official V2 SDK) and prints a ready-to-apply configuration for one peer device.
The same command works against a vpcvpn server (--endpoint) and against Alibaba Cloud itself (no --endpoint:
vpc.REGION.aliyuncs.com over HTTPS).

Credentials, in this order: the aliyun CLI profile named by --profile; ALIBABA_CLOUD_ACCESS_KEY_ID,
ALIBABA_CLOUD_ACCESS_KEY_SECRET and the optional ALIBABA_CLOUD_SECURITY_TOKEN; the profile named by
ALIBABA_CLOUD_PROFILE or the current profile of ~/.aliyun/config.json (modes AK and StsToken).

The configuration is written to stdout; a device with several files (strongswan-ipsec, libreswan) has
each file preceded by a "# ==== file: NAME ====" line. Errors go to stderr. Exit status: 0 done,
1 failed (API error, the device cannot express the connection), 2 wrong usage.
Interface names in the output (eth0, outside, ge-0/0/0.0 ...) are placeholders: see docs/DEVICES.md.
A Linux peer of a connection with BGP takes the BGP part from --device frr (FRR's frr.conf) beside
its IPsec device; --device generic prints a parameter sheet (IANA names, every device's spellings)
for a device without a template.`,
		Example: `  # List the devices
  vpcvpn peer-config --list-devices

  # From a local vpcvpn server (plain HTTP), root credentials in the environment
  export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI... ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
  vpcvpn peer-config --endpoint 127.0.0.1:8080 --insecure --region cn-hangzhou \
      --connection vco-bp1xxxxxxxxxxxxxxxxxx --device strongswan-swanctl > /etc/swanctl/conf.d/vpcvpn.conf

  # From Alibaba Cloud with an aliyun CLI profile, the slave tunnel of a dual-tunnel connection
  vpcvpn peer-config --profile prod --region cn-shanghai --connection vco-uf6xxxxxxxxxxxxxxxxxx \
      --device huawei-usg --tunnel slave

  # Offline, from a saved answer (aliyun vpc DownloadVpnConnectionConfig ... > download.json)
  vpcvpn peer-config --from-file download.json --device cisco-ios

  # A Linux peer with BGP: strongSwan plus FRR
  vpcvpn peer-config --from-file download.json --device strongswan-swanctl > /etc/swanctl/conf.d/vpcvpn.conf
  vpcvpn peer-config --from-file download.json --device frr > vpcvpn-frr.conf && vtysh -f vpcvpn-frr.conf`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unexpected argument %q: peer-config takes flags only (see --help)", args[0])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPeerConfig(cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "endpoint", "", "vpcvpn API endpoint HOST:PORT (default: Alibaba Cloud, vpc.REGION.aliyuncs.com)")
	fl.BoolVar(&f.insecure, "insecure", false, "use plain HTTP to --endpoint (as the aliyun CLI's --insecure)")
	fl.StringVar(&f.region, "region", "", "region of the connection, e.g. cn-hangzhou (default: ALIBABA_CLOUD_REGION_ID or the profile's region_id)")
	fl.StringVar(&f.connection, "connection", "", "VpnConnectionId, e.g. vco-bp1xxxxxxxxxxxxxxxxxx")
	fl.StringVar(&f.device, "device", "", "device id (see --list-devices)")
	fl.StringVar(&f.tunnel, "tunnel", "", "master or slave: only that tunnel of a dual-tunnel connection (default: both)")
	fl.StringVar(&f.profile, "profile", "", "aliyun CLI profile to take credentials from")
	fl.StringVar(&f.aliyunConfig, "aliyun-config", "", "aliyun CLI config file (default ~/.aliyun/config.json)")
	fl.StringVar(&f.fromFile, "from-file", "", "render from a saved DownloadVpnConnectionConfig JSON answer instead of calling the API")
	fl.BoolVar(&f.listDevices, "list-devices", false, "list the device ids (id, vendor, platform; tab-separated) and exit")
	fl.BoolVar(&f.passive, "passive", false, "strongSwan/Libreswan: load connections without starting them (for test harnesses that initiate)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see vpcvpn peer-config --help)", err)}
	})
	return cmd
}

// runPeerConfig does the work of peer-config; errors it returns are printed on
// stderr by main (usageError: exit 2, others exit 1).
func runPeerConfig(out io.Writer, f peerConfigFlags) error {
	if f.listDevices {
		if f.device != "" || f.connection != "" || f.fromFile != "" {
			return usageError{errors.New("--list-devices takes no other flags")}
		}
		for _, d := range render.Devices() {
			if _, err := fmt.Fprintf(out, "%s\t%s\t%s\n", d.ID, d.Vendor, d.Platform); err != nil {
				return err
			}
		}
		return nil
	}
	if f.device == "" {
		return usageError{errors.New("--device is required (vpcvpn peer-config --list-devices lists them)")}
	}
	if !peerKnownDevice(f.device) {
		return usageError{fmt.Errorf("--device %q is not a known device; known: %s", f.device, strings.Join(peerDeviceIDs(), ", "))}
	}
	if f.tunnel != "" && f.tunnel != "master" && f.tunnel != "slave" {
		return usageError{fmt.Errorf("--tunnel %q: use master or slave (or leave it out for both tunnels)", f.tunnel)}
	}
	var cfg vpn.ConnectionConfig
	if f.fromFile != "" {
		if f.connection != "" || f.endpoint != "" || f.insecure || f.profile != "" {
			return usageError{errors.New("--from-file renders offline: leave out --connection, --endpoint, --insecure and --profile")}
		}
		data, err := os.ReadFile(f.fromFile)
		if err != nil {
			return fmt.Errorf("--from-file: %w", err)
		}
		if cfg, err = peerclient.ParseDownload(data); err != nil {
			return fmt.Errorf("--from-file %s: %w", f.fromFile, err)
		}
	} else {
		if f.connection == "" {
			return usageError{errors.New("--connection is required (or --from-file for a saved answer)")}
		}
		if f.insecure && f.endpoint == "" {
			return usageError{errors.New("--insecure needs --endpoint: Alibaba Cloud is only reached over HTTPS")}
		}
		creds, err := peerclient.LoadCredentials(peerclient.CredentialOptions{ConfigPath: f.aliyunConfig, Profile: f.profile})
		if err != nil {
			return err
		}
		region, err := regionOf(f.region, creds)
		if err != nil {
			return err
		}
		if cfg, err = peerclient.Download(creds, peerclient.Target{Endpoint: f.endpoint, Insecure: f.insecure, Region: region}, f.connection); err != nil {
			return err
		}
	}
	text, err := render.Render(f.device, cfg, render.Options{Tunnel: f.tunnel, Passive: f.passive})
	if err != nil {
		msg := err.Error()
		if !strings.Contains(msg, "device "+f.device) {
			msg = "device " + f.device + ": " + msg
		}
		return fmt.Errorf("%s\n  next: pick another --device (docs/DEVICES.md says what each refuses), render one --tunnel, or change the connection (ModifyVpnConnectionAttribute)", msg)
	}
	_, err = io.WriteString(out, text)
	return err
}

func peerKnownDevice(id string) bool {
	for _, d := range render.Devices() {
		if d.ID == id {
			return true
		}
	}
	return false
}

func peerDeviceIDs() []string {
	var ids []string
	for _, d := range render.Devices() {
		ids = append(ids, d.ID)
	}
	return ids
}

// regionOf is the region a command acts in: --region, else the credentials'
// (ALIBABA_CLOUD_REGION_ID or the aliyun profile's region_id).
func regionOf(flag string, creds peerclient.Credentials) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if creds.Region != "" {
		return creds.Region, nil
	}
	return "", usageError{errors.New("--region is required (or set ALIBABA_CLOUD_REGION_ID, or region_id in the aliyun profile)")}
}
