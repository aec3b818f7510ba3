package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

func testTags(t *testing.T, s store.Store) {
	ctx := t.Context()
	v1, v2 := mkVpc(t, s, 1), mkVpc(t, s, 2)
	must(t, s.TagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID, v2.VpcID}, []vpn.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "net"}}))
	// An existing key keeps its place and takes the new value; new keys are
	// appended.
	must(t, s.TagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID}, []vpn.Tag{{Key: "x", Value: ""}, {Key: "env", Value: "dev"}}))
	got, err := s.GetVpc(ctx, scope(), v1.VpcID)
	must(t, err)
	diff(t, "tags after merge", got.Tags, []vpn.Tag{{Key: "env", Value: "dev"}, {Key: "team", Value: "net"}, {Key: "x", Value: ""}})

	// Unknown, other-account and other-region records: nothing is written.
	err = s.TagResources(ctx, scope(), store.KindVpc, []string{v2.VpcID, "vpc-none"}, []vpn.Tag{{Key: "new", Value: "1"}})
	wantNotFound(t, err, store.KindVpc, "vpc-none")
	err = s.TagResources(ctx, store.Scope{AccountID: OtherAccount, RegionID: Region}, store.KindVpc, []string{v1.VpcID}, []vpn.Tag{{Key: "k", Value: "v"}})
	wantNotFound(t, err, store.KindVpc, v1.VpcID)
	err = s.TagResources(ctx, scope(), store.KindVSwitch, []string{v1.VpcID}, []vpn.Tag{{Key: "k", Value: "v"}})
	wantNotFound(t, err, store.KindVSwitch, v1.VpcID)
	got, _ = s.GetVpc(ctx, scope(), v2.VpcID)
	diff(t, "tags after refused write", got.Tags, []vpn.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "net"}})

	// 20 tags per record.
	var many []vpn.Tag
	for i := range 17 {
		many = append(many, vpn.Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	must(t, s.TagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID}, many))
	err = s.TagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID}, []vpn.Tag{{Key: "one-too-many", Value: "v"}})
	var lim *store.LimitError
	if !errors.As(err, &lim) || !errors.Is(err, store.ErrLimit) || lim.Rule != store.RuleTagsPerResource || lim.ID != v1.VpcID {
		t.Fatalf("21st tag: err = %v", err)
	}
	must(t, s.TagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID}, []vpn.Tag{{Key: "k00", Value: "replaced"}}))

	// Untag by key (unknown keys ignored), then all.
	must(t, s.UntagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID, v2.VpcID}, []string{"team", "absent"}, false))
	got, _ = s.GetVpc(ctx, scope(), v2.VpcID)
	diff(t, "tags after untag", got.Tags, []vpn.Tag{{Key: "env", Value: "prod"}})
	must(t, s.UntagResources(ctx, scope(), store.KindVpc, []string{v1.VpcID}, nil, true))
	got, _ = s.GetVpc(ctx, scope(), v1.VpcID)
	if len(got.Tags) != 0 {
		t.Fatalf("tags after untag all: %v", got.Tags)
	}
	wantNotFound(t, s.UntagResources(ctx, scope(), store.KindVpc, []string{"vpc-none"}, []string{"env"}, false), store.KindVpc, "vpc-none")

	// Every kind; a route table is tagged under its own id.
	g := mkGateway(t, s, 3, false)
	cg := mkCgw(t, s, 1)
	c := SingleConnection("vco-tag", g.VpnGatewayID, cg.CustomerGatewayID, "psk")
	_, err = s.CreateConnection(ctx, c, store.Idempotency{})
	must(t, err)
	sw := vpn.VSwitch{AccountID: Account, RegionID: Region, VSwitchID: "vsw-tag", VpcID: v2.VpcID, ZoneID: "z", CidrBlock: "192.168.7.0/24",
		Status: "Available", ResourceGroupID: RG, CreatedAt: at(50)}
	_, err = s.CreateVSwitch(ctx, sw, store.Idempotency{})
	must(t, err)
	tagged := map[store.Kind]string{store.KindVSwitch: sw.VSwitchID, store.KindRouteTable: v2.RouteTableID, store.KindVpnGateway: g.VpnGatewayID,
		store.KindCustomerGateway: cg.CustomerGatewayID, store.KindVpnConnection: c.VpnConnectionID}
	for kind, id := range tagged {
		must(t, s.TagResources(ctx, scope(), kind, []string{id}, []vpn.Tag{{Key: "kind", Value: string(kind)}}))
	}
	gw, _ := s.GetGateway(ctx, scope(), g.VpnGatewayID)
	diff(t, "gateway tags", gw.Tags, []vpn.Tag{{Key: "kind", Value: string(store.KindVpnGateway)}})
	cgot, _ := s.GetCustomerGateway(ctx, scope(), cg.CustomerGatewayID)
	diff(t, "customer gateway tags", cgot.Tags, []vpn.Tag{{Key: "kind", Value: string(store.KindCustomerGateway)}})
	conn, _ := s.GetConnection(ctx, scope(), c.VpnConnectionID)
	diff(t, "connection tags", conn.Tags, append(c.Tags, vpn.Tag{Key: "kind", Value: string(store.KindVpnConnection)}))
	swGot, _ := s.GetVSwitch(ctx, scope(), sw.VSwitchID)
	diff(t, "vSwitch tags", swGot.Tags, []vpn.Tag{{Key: "kind", Value: string(store.KindVSwitch)}})

	// ListTagResources: by ids, by tag (value "" = any), paged.
	list, more, err := s.ListTagResources(ctx, scope(), store.KindVpnConnection, []string{c.VpnConnectionID, "vco-none"}, nil, 0, 50)
	must(t, err)
	diff(t, "list by id", list, []store.TagResource{
		{ResourceID: c.VpnConnectionID, Kind: store.KindVpnConnection, Key: "env", Value: "prod"},
		{ResourceID: c.VpnConnectionID, Kind: store.KindVpnConnection, Key: "team", Value: "net"},
		{ResourceID: c.VpnConnectionID, Kind: store.KindVpnConnection, Key: "kind", Value: string(store.KindVpnConnection)},
	})
	if more {
		t.Fatal("more after the last page")
	}
	list, more, err = s.ListTagResources(ctx, scope(), store.KindVpnConnection, nil, []vpn.Tag{{Key: "team"}}, 1, 1)
	must(t, err)
	diff(t, "list by tag, second page", list, []store.TagResource{{ResourceID: c.VpnConnectionID, Kind: store.KindVpnConnection, Key: "team", Value: "net"}})
	if !more {
		t.Fatal("no more before the last page")
	}
	list, _, err = s.ListTagResources(ctx, scope(), store.KindVpc, nil, []vpn.Tag{{Key: "env", Value: "prod"}}, 0, 50)
	must(t, err)
	diff(t, "VPCs tagged env=prod", list, []store.TagResource{{ResourceID: v2.VpcID, Kind: store.KindVpc, Key: "env", Value: "prod"}})
	list, _, err = s.ListTagResources(ctx, store.Scope{AccountID: OtherAccount, RegionID: Region}, store.KindVpc, []string{v2.VpcID}, nil, 0, 50)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("another account sees %v", list)
	}

	// Tag filters of the lists count what matches.
	page := store.Page{Number: 1, Size: 1}
	if l, n, err := s.ListVpcs(ctx, scope(), store.VpcFilter{Tags: []vpn.Tag{{Key: "env", Value: "prod"}}}, page); err != nil || n != 1 || len(l) != 1 || l[0].VpcID != v2.VpcID {
		t.Fatalf("ListVpcs by tag = %v, %d, %v", l, n, err)
	}
	if l, n, err := s.ListVpcs(ctx, scope(), store.VpcFilter{RouteTableTags: []vpn.Tag{{Key: "kind"}}}, page); err != nil || n != 1 || l[0].VpcID != v2.VpcID {
		t.Fatalf("ListVpcs by route table tag = %v, %d, %v", l, n, err)
	}
	if _, n, err := s.ListVpcs(ctx, scope(), store.VpcFilter{Tags: []vpn.Tag{{Key: "env", Value: "prod"}, {Key: "absent"}}}, page); err != nil || n != 0 {
		t.Fatalf("ListVpcs by two tags = %d, %v", n, err)
	}
	if l, n, err := s.ListVSwitches(ctx, scope(), store.VSwitchFilter{Tags: []vpn.Tag{{Key: "kind", Value: string(store.KindVSwitch)}}}, page); err != nil || n != 1 || l[0].VSwitchID != sw.VSwitchID {
		t.Fatalf("ListVSwitches by tag = %v, %d, %v", l, n, err)
	}
	if l, n, err := s.ListGateways(ctx, scope(), store.GatewayFilter{Tags: []vpn.Tag{{Key: "kind"}}}, page); err != nil || n != 1 || l[0].VpnGatewayID != g.VpnGatewayID {
		t.Fatalf("ListGateways by tag = %v, %d, %v", l, n, err)
	}
	if l, n, err := s.ListCustomerGateways(ctx, scope(), store.CustomerGatewayFilter{Tags: []vpn.Tag{{Key: "kind", Value: "x"}}}, page); err != nil || n != 0 || len(l) != 0 {
		t.Fatalf("ListCustomerGateways by a missing value = %v, %d, %v", l, n, err)
	}
	if l, n, err := s.ListConnections(ctx, scope(), store.ConnectionFilter{Tags: []vpn.Tag{{Key: "team", Value: "net"}}}, page); err != nil || n != 1 || l[0].VpnConnectionID != c.VpnConnectionID {
		t.Fatalf("ListConnections by tag = %v, %d, %v", l, n, err)
	}

	// Deleting a record deletes its tags (a VPC also its route table's).
	must(t, s.DeleteConnection(ctx, scope(), c.VpnConnectionID))
	must(t, s.DeleteVSwitch(ctx, scope(), sw.VSwitchID))
	must(t, s.DeleteVpc(ctx, scope(), v2.VpcID))
	for kind, id := range map[store.Kind]string{store.KindVpnConnection: c.VpnConnectionID, store.KindVSwitch: sw.VSwitchID, store.KindRouteTable: v2.RouteTableID, store.KindVpc: v2.VpcID} {
		list, _, err := s.ListTagResources(ctx, scope(), kind, []string{id}, nil, 0, 50)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("tags of deleted %s: %v", id, list)
		}
	}
}
