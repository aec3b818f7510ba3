package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestAccountCreate: a new account gets a working root key; its resources
// and the first account's are isolated (403 Forbidden across accounts, with
// AccessDeniedDetail).
func TestAccountCreate(t *testing.T) {
	env := apptest.Start(t)
	var out bytes.Buffer
	if err := runAccountCreate(context.Background(), accountOptions{dataDir: env.Dir, name: "tenant-b"}, &out); err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		kv[k] = v
	}
	if len(kv["AccountId"]) != 16 || kv["AccountId"] == env.App.Root.AccountID || !strings.HasPrefix(kv["AccessKeyId"], "LTAI") || len(kv["AccessKeySecret"]) != 30 {
		t.Fatalf("output %q", out.String())
	}
	other := env.V2(t, "", kv["AccessKeyId"], kv["AccessKeySecret"])
	root := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	v, err := root.CreateVpc(&vpc.CreateVpcRequest{RegionId: region})
	if err != nil {
		t.Fatal(err)
	}
	// The other account sees none of the first account's VPCs ...
	list, err := other.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: region})
	if err != nil || dara.Int32Value(list.Body.TotalCount) != 0 {
		t.Fatalf("other account's list: %v %v", err, list)
	}
	// ... and is refused on them by id with 403 Forbidden.
	_, err = other.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: v.Body.VpcId})
	se, ok := err.(*tea.SDKError)
	if !ok || tea.StringValue(se.Code) != "Forbidden" || tea.IntValue(se.StatusCode) != 403 || !strings.Contains(tea.StringValue(se.Data), "AccessDeniedDetail") {
		t.Fatalf("cross-account delete: %v", err)
	}
	if _, err := root.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: v.Body.VpcId}); err != nil {
		t.Fatalf("owner delete: %v", err)
	}
	// A bad name is a usage error.
	if err := runAccountCreate(context.Background(), accountOptions{dataDir: env.Dir, name: "a\nb"}, &out); exitCode(err) != 2 {
		t.Fatalf("bad name: %v", err)
	}
}
