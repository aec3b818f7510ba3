package bench

import (
	"context"
	"errors"
	"fmt"
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
	is, ok := st.(store.IAMStore)
	if !ok {
		return iam.AccessKey{}, fmt.Errorf("bench: the store %T holds no RAM users", st)
	}
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
