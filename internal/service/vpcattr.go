package service

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// vpc loads a VPC by RegionId and VpcId (of any account) and authorizes
// action on it.
func (s *Service) vpc(ctx context.Context, r *Request, action string) (vpn.Vpc, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return vpn.Vpc{}, err
	}
	id, err := vpn.RequiredID(r.Params, "VpcId", vpn.PrefixVpc)
	if err != nil {
		return vpn.Vpc{}, err
	}
	v, err := s.store.GetVpc(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return vpn.Vpc{}, storeErr(err)
	}
	r.Resource = arn(region, v.AccountID, "vpc", id)
	if err := s.authorize(ctx, r, action, r.Resource, v.AccountID); err != nil {
		return vpn.Vpc{}, err
	}
	return v, nil
}

// vswitch loads a vSwitch by RegionId and VSwitchId and authorizes action on
// it.
func (s *Service) vswitch(ctx context.Context, r *Request, action string) (vpn.VSwitch, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return vpn.VSwitch{}, err
	}
	id, err := vpn.RequiredID(r.Params, "VSwitchId", vpn.PrefixVSwitch)
	if err != nil {
		return vpn.VSwitch{}, err
	}
	sw, err := s.store.GetVSwitch(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return vpn.VSwitch{}, storeErr(err)
	}
	r.Resource = arn(region, sw.AccountID, "vswitch", id)
	if err := s.authorize(ctx, r, action, r.Resource, sw.AccountID); err != nil {
		return vpn.VSwitch{}, err
	}
	return sw, nil
}

// vswitchIDs returns the ids of the VPC's vSwitches in creation order.
func (s *Service) vswitchIDs(ctx context.Context, sc store.Scope, vpcID string) ([]string, error) {
	sws, _, err := s.store.ListVSwitches(ctx, sc, store.VSwitchFilter{VpcID: vpcID}, store.Page{})
	if err != nil {
		return nil, storeErr(err)
	}
	ids := make([]string, len(sws))
	for i, sw := range sws {
		ids[i] = sw.VSwitchID
	}
	return ids, nil
}

// DescribeVpcAttribute describes one VPC.
func (s *Service) DescribeVpcAttribute(ctx context.Context, r *Request) (any, error) {
	v, err := s.vpc(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	if err := dryRunParam(r); err != nil {
		return nil, err
	}
	sc := store.Scope{AccountID: v.AccountID, RegionID: v.RegionID}
	ids, err := s.vswitchIDs(ctx, sc, v.VpcID)
	if err != nil {
		return nil, err
	}
	_, gateways, err := s.store.ListGateways(ctx, sc, store.GatewayFilter{VpcID: v.VpcID}, store.Page{Number: 1, Size: 1})
	if err != nil {
		return nil, storeErr(err)
	}
	return vpn.NewDescribeVpcAttributeResponse(v, ids, gateways), nil
}

// ModifyVpcAttribute renames a VPC, changes its description or its CIDR
// block (which must still hold every vSwitch).
func (s *Service) ModifyVpcAttribute(ctx context.Context, r *Request) (any, error) {
	cur, err := s.vpc(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	next, err := vpn.ParseModifyVpc(r.Params, cur)
	if err != nil {
		return nil, err
	}
	err = dryRunOr(r, nil, func() error { return s.store.UpdateVpc(ctx, next) })
	if err != nil {
		return nil, storeErrOf(err, opModifyVpcAttribute, about{Target: next.VpcID, Detail: next.CidrBlock})
	}
	return nil, nil
}

// DescribeVSwitchAttributes describes one vSwitch.
func (s *Service) DescribeVSwitchAttributes(ctx context.Context, r *Request) (any, error) {
	sw, err := s.vswitch(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	if err := dryRunParam(r); err != nil {
		return nil, err
	}
	v, err := s.store.GetVpc(ctx, store.Scope{AccountID: sw.AccountID, RegionID: sw.RegionID}, sw.VpcID)
	if err != nil {
		return nil, storeErr(err)
	}
	return vpn.NewVSwitchItem(sw, v.RouteTableID), nil
}

// ModifyVSwitchAttribute renames a vSwitch or changes its description.
func (s *Service) ModifyVSwitchAttribute(ctx context.Context, r *Request) (any, error) {
	cur, err := s.vswitch(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	next, err := vpn.ParseModifyVSwitch(r.Params, cur)
	if err != nil {
		return nil, err
	}
	if err := dryRunOr(r, nil, func() error { return s.store.UpdateVSwitch(ctx, next) }); err != nil {
		return nil, storeErr(err)
	}
	return nil, nil
}

// DescribeRouteTableList lists the caller's route tables in a region: the
// System route table of each VPC.
func (s *Service) DescribeRouteTableList(ctx context.Context, r *Request) (any, error) {
	f, err := vpn.ParseDescribeRouteTableList(r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(f.RegionID, acct, "routetable"))
	if err != nil {
		return nil, err
	}
	if f.RouteTableID != "" {
		if err := la.named(ctx, idARNs(f.RegionID, acct, "routetable", []string{f.RouteTableID})); err != nil {
			return nil, err
		}
	}
	if !f.RouteTableMatches() {
		return vpn.NewDescribeRouteTableListResponse(nil, f.Page, 0), nil
	}
	sc := scope(r, f.RegionID)
	filter := store.VpcFilter{VRouterID: f.RouterID, RouteTableID: f.RouteTableID, RouteTableName: f.RouteTableName, ResourceGroupID: f.ResourceGroupID, RouteTableTags: f.Tags}
	if f.VpcID != "" {
		filter.IDs = []string{f.VpcID}
	}
	// One System route table per VPC: the items are the VPCs' tables.
	vpcs, total, err := listPage(ctx, la, f.Page, func(pg store.Page) ([]vpn.Vpc, int, error) {
		return s.store.ListVpcs(ctx, sc, filter, pg)
	}, func(v *vpn.Vpc) string { return arn(f.RegionID, acct, "routetable", v.RouteTableID) })
	if err != nil {
		return nil, err
	}
	items := make([]vpn.RouteTableItem, 0, len(vpcs))
	for _, v := range vpcs {
		ids, err := s.vswitchIDs(ctx, sc, v.VpcID)
		if err != nil {
			return nil, err
		}
		tags, _, err := s.store.ListTagResources(ctx, sc, store.KindRouteTable, []string{v.RouteTableID}, nil, 0, store.MaxTagsPerResource)
		if err != nil {
			return nil, storeErr(err)
		}
		var ts []vpn.Tag
		for _, t := range tags {
			ts = append(ts, vpn.Tag{Key: t.Key, Value: t.Value})
		}
		items = append(items, vpn.NewRouteTableItem(v, ids, ts))
	}
	return vpn.NewDescribeRouteTableListResponse(items, f.Page, total), nil
}

// ModifyRouteTableAttributes renames a VPC's System route table or changes
// its description (the route table of a VPC of the caller's account).
func (s *Service) ModifyRouteTableAttributes(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseModifyRouteTable(r.Params)
	if err != nil {
		return nil, err
	}
	sc := scope(r, in.RegionID)
	vpcs, _, err := s.store.ListVpcs(ctx, sc, store.VpcFilter{RouteTableID: in.RouteTableID}, store.Page{Number: 1, Size: 1})
	if err != nil {
		return nil, storeErr(err)
	}
	if len(vpcs) == 0 {
		return nil, apierror.Newf("InvalidRouteTableId.NotFound", "The specified RouteTableId %s does not exist.", in.RouteTableID)
	}
	v := vpcs[0]
	r.Resource = arn(in.RegionID, v.AccountID, "routetable", in.RouteTableID)
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, v.AccountID); err != nil {
		return nil, err
	}
	if in.Name != nil {
		v.RouteTableName = *in.Name
	}
	if in.Description != nil {
		v.RouteTableDescription = *in.Description
	}
	if err := dryRunOr(r, nil, func() error { return s.store.UpdateVpc(ctx, v) }); err != nil {
		return nil, storeErr(err)
	}
	return nil, nil
}
