// Command vpcvpn is a self-hosted, wire-compatible implementation of Alibaba
// Cloud VPC's IPsec-VPN API. Run `vpcvpn --help` for the subcommands.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:   "vpcvpn",
		Short: "Self-hosted, Alibaba Cloud-compatible IPsec-VPN control plane",
		Long: `vpcvpn serves Alibaba Cloud VPC's IPsec-VPN API (Version 2016-04-28) so that the official SDKs,
the aliyun CLI and existing automation work against your own infrastructure, and renders ready-to-apply
configurations for the customer's gateway device.

Start with:  vpcvpn server        (API on 127.0.0.1:8080, state in ./vpcvpn-data)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServerCmd())
	for _, add := range extraCommands {
		root.AddCommand(add())
	}
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "vpcvpn:", err)
		os.Exit(exitCode(err))
	}
}

// extraCommands are added by the other subcommand files' init functions.
var extraCommands []func() *cobra.Command

// usageError marks errors caused by how the command was called (exit 2).
type usageError struct{ error }

func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}
