package storetest

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// SeedConnections stores n full single-tunnel connections in the fixture
// scope (Account, Region), 100 per gateway, and returns their ids. It is the
// data set of the backends' GetConnection benchmarks.
func SeedConnections(tb testing.TB, s store.Store, n int) []string {
	tb.Helper()
	ctx := context.Background()
	pool := store.AddressPool{netip.MustParsePrefix("10.0.0.0/16")}
	const perGateway = 100
	var ids []string
	for g := 0; g*perGateway < n; g++ {
		vpcID, gwID := fmt.Sprintf("vpc-b%d", g), fmt.Sprintf("vpn-b%d", g)
		if _, err := s.CreateVpc(ctx, vpn.Vpc{AccountID: Account, RegionID: Region, VpcID: vpcID}, store.Idempotency{}); err != nil {
			tb.Fatal(err)
		}
		if _, err := s.CreateGateway(ctx, vpn.Gateway{AccountID: Account, RegionID: Region, VpnGatewayID: gwID, VpcID: vpcID}, pool, store.Idempotency{}); err != nil {
			tb.Fatal(err)
		}
		for c := 0; c < perGateway && len(ids) < n; c++ {
			cgwID := fmt.Sprintf("cgw-b%d", c)
			if g == 0 {
				if _, err := s.CreateCustomerGateway(ctx, vpn.CustomerGateway{AccountID: Account, RegionID: Region,
					CustomerGatewayID: cgwID, IPAddress: fmt.Sprintf("192.0.2.%d", c)}, store.Idempotency{}); err != nil {
					tb.Fatal(err)
				}
			}
			id := fmt.Sprintf("vco-b%05d", len(ids))
			if _, err := s.CreateConnection(ctx, SingleConnection(id, gwID, cgwID, "psk-"+id), store.Idempotency{}); err != nil {
				tb.Fatal(err)
			}
			ids = append(ids, id)
		}
	}
	return ids
}
