package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// DescribeRegions lists the regions this endpoint serves.
func (s *Service) DescribeRegions(ctx context.Context, r *Request) (any, error) {
	lang, err := vpn.ParseAcceptLanguage(r.Params)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, r.Meta.RAM, "*", r.Principal.AccountID); err != nil {
		return nil, err
	}
	return vpn.NewDescribeRegionsResponse(lang), nil
}

func scope(r *Request, region string) store.Scope {
	return store.Scope{AccountID: r.Principal.AccountID, RegionID: region}
}

func idem(r *Request, token string) store.Idempotency {
	if token == "" {
		return store.Idempotency{}
	}
	return store.Idempotency{Action: r.Action, Token: token, RequestHash: requestHash(r.Params)}
}

// storeErr maps the store's typed errors that a use case did not handle
// itself onto wire errors.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if e := tableErr(err, anyOp, about{}); e != nil {
		return e
	}
	if errors.Is(err, store.ErrTokenMismatch) {
		return apierror.New("IdempotentParameterMismatch")
	}
	if errors.Is(err, store.ErrConflict) {
		return apierror.Newf("VpnGateway.Configuring", "The resource is being changed by another request; retry.")
	}
	var dup *store.DuplicateError
	if errors.Is(err, store.ErrDuplicate) && !errors.As(err, &dup) {
		// A uniqueness rule no use case names (a generated id taken at
		// the same moment, or a duplicate that kept recurring through
		// the store's retries): the write was rolled back, so the same
		// request may succeed when sent again. ServiceUnavailable with
		// a retry hint (apierror.As), not InternalError.
		return &store.BusyError{Attempts: 1, Cause: err}
	}
	return err
}

// storeErrOf is storeErr for use case o, whose own rows (and what it knows
// of the request, a) come first.
func storeErrOf(err error, o op, a about) error {
	if e := tableErr(err, o, a); e != nil {
		return e
	}
	return storeErr(err)
}

// CreateVpc creates a VPC.
func (s *Service) CreateVpc(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseCreateVpc(r.Params)
	if err != nil {
		return nil, err
	}
	v := in.Vpc
	v.AccountID = r.Principal.AccountID
	r.Resource = arn(v.RegionID, v.AccountID, "vpc", "*")
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, v.AccountID); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	v.VpcID = vpn.NewID(vpn.PrefixVpc)
	v.VRouterID = vpn.NewID(vpn.PrefixVRouter)
	v.RouteTableID = vpn.NewID(vpn.PrefixRouteTable)
	if v.ResourceGroupID == "" {
		v.ResourceGroupID = vpn.DefaultResourceGroupID(v.AccountID)
	}
	v.CreatedAt = s.now().UTC()
	created, err := s.store.CreateVpc(ctx, v, idem(r, in.ClientToken))
	if err != nil {
		return nil, storeErr(err)
	}
	got, err := s.store.GetVpc(ctx, scope(r, v.RegionID), created.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(v.RegionID, v.AccountID, "vpc", got.VpcID)
	return vpn.NewCreateVpcResponse(got), nil
}

// DescribeVpcs lists the caller's VPCs in a region.
func (s *Service) DescribeVpcs(ctx context.Context, r *Request) (any, error) {
	f, err := vpn.ParseDescribe("DescribeVpcs", r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(f.RegionID, acct, "vpc"))
	if err != nil {
		return nil, err
	}
	if err := la.named(ctx, idARNs(f.RegionID, acct, "vpc", f.IDs)); err != nil {
		return nil, err
	}
	if err := dryRunParam(r); err != nil {
		return nil, err
	}
	vpcs, total, err := listPage(ctx, la, f.Page, func(pg store.Page) ([]vpn.Vpc, int, error) {
		return s.store.ListVpcs(ctx, scope(r, f.RegionID), store.VpcFilter{IDs: f.IDs, VpcName: f.Name, ResourceGroupID: f.ResourceGroupID, Tags: f.Tags}, pg)
	}, func(v *vpn.Vpc) string { return arn(f.RegionID, acct, "vpc", v.VpcID) })
	if err != nil {
		return nil, err
	}
	switches := map[string][]string{}
	for _, v := range vpcs {
		sws, _, err := s.store.ListVSwitches(ctx, scope(r, f.RegionID), store.VSwitchFilter{VpcID: v.VpcID}, store.Page{Number: 1, Size: 1000})
		if err != nil {
			return nil, storeErr(err)
		}
		for _, sw := range sws {
			switches[v.VpcID] = append(switches[v.VpcID], sw.VSwitchID)
		}
	}
	return vpn.NewDescribeVpcsResponse(vpcs, switches, f.Page, total), nil
}

// DeleteVpc deletes a VPC without vSwitches or VPN gateway.
//
// ForceDelete: Alibaba's forced delete removes only an IPv4 or IPv6 gateway
// and the routes pointing to it, which vpcvpn does not have; vSwitches and
// VPN gateways block the delete with or without it (as on Alibaba), and the
// answer says so.
func (s *Service) DeleteVpc(ctx context.Context, r *Request) (any, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return nil, err
	}
	id, err := vpn.RequiredID(r.Params, "VpcId", vpn.PrefixVpc)
	if err != nil {
		return nil, err
	}
	force, err := vpn.ParseForceDelete(r.Params)
	if err != nil {
		return nil, err
	}
	forced := ""
	if force {
		forced = " ForceDelete does not remove vSwitches or VPN gateways (it removes only IPv4/IPv6 gateways, which this server does not have)."
	}
	v, err := s.store.GetVpc(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(region, v.AccountID, "vpc", id)
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, v.AccountID); err != nil {
		return nil, err
	}
	sc := store.Scope{AccountID: v.AccountID, RegionID: region}
	err = dryRunOr(r, func() error { return s.vpcInUse(ctx, sc, id) }, func() error { return s.store.DeleteVpc(ctx, sc, id) })
	if err != nil {
		return nil, storeErrOf(err, opDeleteVpc, about{Target: id, Detail: forced})
	}
	return nil, nil
}

// CreateVSwitch creates a vSwitch inside a VPC.
func (s *Service) CreateVSwitch(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseCreateVSwitch(r.Params)
	if err != nil {
		return nil, err
	}
	sw := in.VSwitch
	sw.AccountID = r.Principal.AccountID
	r.Resource = arn(sw.RegionID, sw.AccountID, "vswitch", "*")
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, sw.AccountID); err != nil {
		return nil, err
	}
	sc := scope(r, sw.RegionID)
	vpc, err := s.store.GetVpc(ctx, sc, sw.VpcID)
	if err != nil {
		return nil, storeErr(err)
	}
	siblings, _, err := s.store.ListVSwitches(ctx, sc, store.VSwitchFilter{VpcID: sw.VpcID}, store.Page{Number: 1, Size: 1000})
	if err != nil {
		return nil, storeErr(err)
	}
	if err := vpn.ValidateVSwitchCidr(sw, vpc, siblings); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	// A vSwitch belongs to its VPC's resource group.
	sw.ResourceGroupID = vpc.ResourceGroupID
	sw.VSwitchID = vpn.NewID(vpn.PrefixVSwitch)
	sw.CreatedAt = s.now().UTC()
	created, err := s.store.CreateVSwitch(ctx, sw, idem(r, in.ClientToken))
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(sw.RegionID, sw.AccountID, "vswitch", created.ID)
	return vpn.CreateVSwitchResponse{VSwitchId: created.ID}, nil
}

// DescribeVSwitches lists the caller's vSwitches in a region.
func (s *Service) DescribeVSwitches(ctx context.Context, r *Request) (any, error) {
	f, err := vpn.ParseDescribe("DescribeVSwitches", r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(f.RegionID, acct, "vswitch"))
	if err != nil {
		return nil, err
	}
	sc := scope(r, f.RegionID)
	if err := la.named(ctx, idARNs(f.RegionID, acct, "vswitch", f.IDs)); err != nil {
		return nil, err
	}
	if err := dryRunParam(r); err != nil {
		return nil, err
	}
	sws, total, err := listPage(ctx, la, f.Page, func(pg store.Page) ([]vpn.VSwitch, int, error) {
		return s.store.ListVSwitches(ctx, sc, store.VSwitchFilter{IDs: f.IDs, VpcID: f.VpcID, ZoneID: f.ZoneID, VSwitchName: f.Name, ResourceGroupID: f.ResourceGroupID, Tags: f.Tags}, pg)
	}, func(v *vpn.VSwitch) string { return arn(f.RegionID, acct, "vswitch", v.VSwitchID) })
	if err != nil {
		return nil, err
	}
	tables := map[string]string{}
	for _, sw := range sws {
		if _, ok := tables[sw.VpcID]; ok {
			continue
		}
		v, err := s.store.GetVpc(ctx, sc, sw.VpcID)
		if err != nil {
			return nil, storeErr(err)
		}
		tables[sw.VpcID] = v.RouteTableID
	}
	return vpn.NewDescribeVSwitchesResponse(sws, tables, f.Page, total), nil
}

// DeleteVSwitch deletes a vSwitch no VPN gateway uses.
func (s *Service) DeleteVSwitch(ctx context.Context, r *Request) (any, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return nil, err
	}
	id, err := vpn.RequiredID(r.Params, "VSwitchId", vpn.PrefixVSwitch)
	if err != nil {
		return nil, err
	}
	sw, err := s.store.GetVSwitch(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(region, sw.AccountID, "vswitch", id)
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, sw.AccountID); err != nil {
		return nil, err
	}
	sc := store.Scope{AccountID: sw.AccountID, RegionID: region}
	err = dryRunOr(r, func() error { return s.vswitchInUse(ctx, sc, sw) }, func() error { return s.store.DeleteVSwitch(ctx, sc, id) })
	if err != nil {
		return nil, storeErrOf(err, opDeleteVSwitch, about{Target: id})
	}
	return nil, nil
}
