package service

import (
	"context"
	"slices"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/store/storetest"
)

// TestDeviceTypesBuiltOnce: DescribeVpnConnectionDeviceTypes answers the
// list New built from the device registry (every device, in the registry's
// order), the same list for every request: the registry is not rebuilt per
// request (it was: 211 allocations a call, the console's connection page
// included).
func TestDeviceTypesBuiltOnce(t *testing.T) {
	s, err := New(Config{Store: struct{ store.Store }{}})
	if err != nil {
		t.Fatal(err)
	}
	call := func() []DeviceTypeItem {
		r := &Request{Action: "DescribeVpnConnectionDeviceTypes", Meta: action.Meta{RAM: "vpc:DescribeVpnConnectionDeviceTypes", Class: action.Read},
			Principal: iam.Principal{Kind: iam.PrincipalRoot, AccountID: storetest.Account}, Params: map[string]string{"RegionId": storetest.Region}}
		out, err := s.DescribeVpnConnectionDeviceTypes(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		a := out.(*DescribeVpnConnectionDeviceTypesResponse)
		if a.TotalCount != len(a.DeviceTypes.DeviceType) {
			t.Fatalf("TotalCount %d, %d devices", a.TotalCount, len(a.DeviceTypes.DeviceType))
		}
		return a.DeviceTypes.DeviceType
	}
	first, second := call(), call()
	ds := render.Devices()
	if len(first) != len(ds) || len(ds) == 0 {
		t.Fatalf("%d device types, registry has %d", len(first), len(ds))
	}
	for i, d := range ds {
		it := first[i]
		if it.DeviceTypeId != d.ID || it.Vendor != d.Vendor || it.Platform != d.Platform || it.Software != d.Software ||
			!slices.Equal(it.IkeVersions.IkeVersion, d.IKEVersions) || it.AggressiveMode != d.Aggressive ||
			it.RouteBased != d.RouteBased || it.Bgp != d.BGP || it.DualTunnel != d.Backup || it.Notes != d.Notes {
			t.Errorf("device %d = %+v, registry %+v", i, it, d)
		}
	}
	if &first[0] != &second[0] {
		t.Error("each answer built its own list")
	}
}
