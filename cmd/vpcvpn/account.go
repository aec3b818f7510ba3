package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/service"
)

func init() { extraCommands = append(extraCommands, newAccountCmd) }

type accountOptions struct {
	dataDir       string
	database      string
	masterKeyFile string
	name          string
}

func newAccountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Manage tenant accounts (multi-tenant installations)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("give a subcommand: vpcvpn account create")}
		},
	}
	o := accountOptions{}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a new account with its root AccessKey",
		Long: `Create a new tenant account (a 16-digit account id) and one AccessKey for its root identity, directly in
the store (the server may be running). The key is printed once on stdout as KEY=VALUE lines; keep the secret:
it cannot be shown again (create another key with RAM's CreateAccessKey if it is lost).

Every account is isolated: its resources are invisible to other accounts, whose callers get 403 Forbidden.`,
		Example: `  vpcvpn account create --name team-network
  vpcvpn account create --database postgres://vpcvpn@db:5432/vpcvpn --master-key-file /etc/vpcvpn/master.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAccountCreate(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := create.Flags()
	f.StringVar(&o.dataDir, "data-dir", "./vpcvpn-data", "the server's data directory")
	f.StringVar(&o.database, "database", "", "database: empty for SQLite in the data dir, sqlite:PATH, or postgres://...")
	f.StringVar(&o.masterKeyFile, "master-key-file", "", "master key file (default <data-dir>/master.key)")
	f.StringVar(&o.name, "name", "", "a display name for the account")
	cmd.AddCommand(create)
	return cmd
}

func runAccountCreate(ctx context.Context, o accountOptions, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if strings.ContainsAny(o.name, "\n\r\x00") || len(o.name) > 64 {
		return usageError{errors.New("--name: at most 64 characters on one line")}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := app.OpenStore(ctx, o.dataDir, o.database, o.masterKeyFile, log)
	if err != nil {
		var ue app.UsageError
		if errors.As(err, &ue) {
			return usageError{err}
		}
		return err
	}
	defer st.Close()
	now := time.Now()
	acct, err := service.NewAccount(ctx, st, o.name, now)
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	key, err := service.NewAccessKey(acct.AccountID, "", "", "", now)
	if err != nil {
		return err
	}
	if err := st.CreateAccessKey(ctx, key); err != nil {
		return fmt.Errorf("create the account's AccessKey: %w", err)
	}
	fmt.Fprintf(out, "AccountId=%s\nAccessKeyId=%s\nAccessKeySecret=%s\n", acct.AccountID, key.AccessKeyID, key.Secret)
	return nil
}
