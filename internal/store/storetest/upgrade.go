package storetest

import (
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// OldRowsV1 are rows written by a schema-0001 server (literal SQL both
// backends accept): a VPC, one of its vSwitches and a tagged customer
// gateway. A backend's in-place migration test inserts them into a store at
// version 1, upgrades it and calls CheckUpgradedV1.
var OldRowsV1 = []string{
	`INSERT INTO vpcs (vpc_id, account_id, region_id, vpc_name, description, cidr_block, status, created_at)
		VALUES ('vpc-old', '` + Account + `', '` + Region + `', 'old', '', '10.0.0.0/8', 'Available', 1735689600000000000)`,
	`INSERT INTO vswitches (vswitch_id, account_id, region_id, vpc_id, zone_id, cidr_block, vswitch_name, description, status, created_at)
		VALUES ('vsw-old', '` + Account + `', '` + Region + `', 'vpc-old', 'cn-hangzhou-h', '10.1.0.0/16', 'sw', '', 'Available', 1735689601000000000)`,
	`INSERT INTO customer_gateways (customer_gateway_id, account_id, region_id, name, description, ip_address, asn, auth_key, created_at)
		VALUES ('cgw-old', '` + Account + `', '` + Region + `', 'cg', '', '198.51.100.1', 65001, '', 1735689602000000000)`,
	`INSERT INTO tags (resource_id, position, tag_key, tag_value) VALUES ('cgw-old', 0, 'env', 'prod')`,
}

// CheckUpgradedV1 checks what the migrations made of OldRowsV1: the VPC has
// vRouter and route table ids derived from its own, every record is in the
// account's default resource group and can be found by it, tags are kept.
func CheckUpgradedV1(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	sc := scope()
	rg := vpn.DefaultResourceGroupID(Account)
	v, err := s.GetVpc(ctx, sc, "vpc-old")
	must(t, err)
	diff(t, "upgraded VPC", v, vpn.Vpc{AccountID: Account, RegionID: Region, VpcID: "vpc-old", VpcName: "old", CidrBlock: "10.0.0.0/8",
		Status: "Available", VRouterID: "vrt-old", RouteTableID: "vtb-old", ResourceGroupID: rg, CreatedAt: time.Unix(0, 1735689600000000000).UTC()})
	sw, err := s.GetVSwitch(ctx, sc, "vsw-old")
	must(t, err)
	if sw.ResourceGroupID != rg {
		t.Fatalf("upgraded vSwitch resource group %q, want %q", sw.ResourceGroupID, rg)
	}
	cg, err := s.GetCustomerGateway(ctx, sc, "cgw-old")
	must(t, err)
	diff(t, "upgraded customer gateway tags", cg.Tags, []vpn.Tag{{Key: "env", Value: "prod"}})
	if cg.ResourceGroupID != rg {
		t.Fatalf("upgraded customer gateway resource group %q, want %q", cg.ResourceGroupID, rg)
	}
	vs, n, err := s.ListVpcs(ctx, sc, store.VpcFilter{ResourceGroupID: rg, RouteTableID: "vtb-old"}, store.Page{Number: 1, Size: 10})
	must(t, err)
	if n != 1 || len(vs) != 1 {
		t.Fatalf("VPCs of the default group by route table = %d (%d)", len(vs), n)
	}
	if _, n, _ := s.ListVSwitches(ctx, sc, store.VSwitchFilter{ResourceGroupID: "rg-other"}, store.Page{Number: 1, Size: 10}); n != 0 {
		t.Fatalf("vSwitches of another group = %d", n)
	}
}
