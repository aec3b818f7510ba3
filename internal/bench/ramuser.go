package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// DownloadPolicy is the least-privilege policy the README recommends for
// downloading configurations: DownloadVpnConnectionConfig and the
// DescribeVpnConnection* reads, on every connection.
const DownloadPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["vpc:DownloadVpnConnectionConfig","vpc:DescribeVpnConnection*"],"Resource":"*"}]}`

// DownloadPolicyName is the custom policy SeedRAMUser attaches.
const DownloadPolicyName = "vpcvpn-bench-download"

// SeedRAMUser creates, in account, the RAM user name with the custom policy
// DownloadPolicyName (DownloadPolicy; created unless the account has it)
// attached and a new AccessKey, which it returns with its secret: the
// identity a least-privilege client downloads with. A user of that name
// must not exist yet.
func SeedRAMUser(ctx context.Context, st store.Store, account, name string) (iam.AccessKey, error) {
	is := st
	now := time.Now().UTC()
	uid, err := iam.NewUserID()
	if err != nil {
		return iam.AccessKey{}, err
	}
	if err := is.CreateUser(ctx, iam.User{AccountID: account, UserName: name, UserID: uid, DisplayName: name,
		Comments: "vpcvpn bench: downloads only", CreateDate: now, UpdateDate: now}); err != nil {
		return iam.AccessKey{}, fmt.Errorf("bench: create RAM user %s: %w", name, err)
	}
	err = is.CreatePolicy(ctx, iam.Policy{AccountID: account, PolicyName: DownloadPolicyName, PolicyType: iam.PolicyTypeCustom,
		Description: "vpcvpn bench: DownloadVpnConnectionConfig and DescribeVpnConnection*", Document: DownloadPolicy, CreateDate: now, UpdateDate: now})
	if err != nil && !errors.Is(err, store.ErrDuplicate) {
		return iam.AccessKey{}, fmt.Errorf("bench: create policy %s: %w", DownloadPolicyName, err)
	}
	if err := is.AttachPolicy(ctx, iam.Attachment{AccountID: account, PrincipalType: iam.AttachToUser, PrincipalName: name,
		PolicyType: iam.PolicyTypeCustom, PolicyName: DownloadPolicyName, AttachDate: now}); err != nil {
		return iam.AccessKey{}, fmt.Errorf("bench: attach %s to %s: %w", DownloadPolicyName, name, err)
	}
	k, err := service.NewAccessKey(account, name, "", "", now)
	if err != nil {
		return iam.AccessKey{}, err
	}
	if err := st.CreateAccessKey(ctx, k); err != nil {
		return iam.AccessKey{}, fmt.Errorf("bench: create an AccessKey for %s: %w", name, err)
	}
	return k, nil
}

// WriteKey writes an AccessKey in the key file format ReadKeyFile reads: an
// ALIBABA_CLOUD_ACCESS_KEY_ID=... and an ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
// line ('bench seed --ram-key-out' writes it to a new file of mode 0600).
func WriteKey(w io.Writer, id, secret string) error {
	_, err := fmt.Fprintf(w, "ALIBABA_CLOUD_ACCESS_KEY_ID=%s\nALIBABA_CLOUD_ACCESS_KEY_SECRET=%s\n", id, secret)
	return err
}

// ReadKeyFile reads an AccessKey from a file of ALIBABA_CLOUD_ACCESS_KEY_ID=...
// and ALIBABA_CLOUD_ACCESS_KEY_SECRET=... lines (what 'bench seed
// --ram-key-out' writes; blank lines and # comments are ignored). The
// secret is never put in an error.
func ReadKeyFile(path string) (id, secret string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		switch {
		case ok && name == "ALIBABA_CLOUD_ACCESS_KEY_ID":
			id = value
		case ok && name == "ALIBABA_CLOUD_ACCESS_KEY_SECRET":
			secret = value
		default:
			return "", "", fmt.Errorf("%s line %d: want ALIBABA_CLOUD_ACCESS_KEY_ID=... or ALIBABA_CLOUD_ACCESS_KEY_SECRET=...", path, n+1)
		}
	}
	if id == "" || secret == "" {
		return "", "", fmt.Errorf("%s: needs both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET", path)
	}
	return id, secret, nil
}
