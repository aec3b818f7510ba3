package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// ModifyVpnGatewayAttribute renames a VPN gateway, changes its description
// or its AutoPropagate flag, and answers the gateway.
func (s *Service) ModifyVpnGatewayAttribute(ctx context.Context, r *Request) (any, error) {
	cur, err := s.gateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	next, err := vpn.ParseModifyVpnGateway(r.Params, cur)
	if err != nil {
		return nil, err
	}
	if err := dryRunOr(r, nil, func() error { return s.store.UpdateGateway(ctx, next) }); err != nil {
		return nil, storeErr(err)
	}
	sc := store.Scope{AccountID: cur.AccountID, RegionID: cur.RegionID}
	got, err := s.store.GetGateway(ctx, sc, cur.VpnGatewayID)
	if err != nil {
		return nil, storeErr(err)
	}
	bgp, err := s.gatewayHasBgp(ctx, sc, got.VpnGatewayID)
	if err != nil {
		return nil, err
	}
	return vpn.NewModifyVpnGatewayAttributeResponse(got, bgp), nil
}

// DescribeVpnGatewayAvailableZones lists the zones of a region where a VPN
// gateway of a given spec can be created.
func (s *Service) DescribeVpnGatewayAvailableZones(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseDescribeVpnGatewayAvailableZones(r.Params)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, r.Meta.RAM, "*", r.Principal.AccountID); err != nil {
		return nil, err
	}
	return vpn.NewDescribeVpnGatewayAvailableZonesResponse(in), nil
}

// MoveVpnResourceGroup moves a VPN gateway (with its connections) or a
// customer gateway to another resource group.
func (s *Service) MoveVpnResourceGroup(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseMoveVpnResourceGroup(r.Params)
	if err != nil {
		return nil, err
	}
	return nil, s.move(ctx, r, r.Meta.RAM, in)
}

// MoveResourceGroup moves a VPC to another resource group.
func (s *Service) MoveResourceGroup(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseMoveResourceGroup(r.Params)
	if err != nil {
		return nil, err
	}
	return nil, s.move(ctx, r, r.Meta.RAM, in)
}

// move authorizes action on the resource (of any account: another
// account's resource is 403, a missing one its NotFound) and moves it.
func (s *Service) move(ctx context.Context, r *Request, action string, in vpn.MoveRequest) error {
	any := store.Scope{RegionID: in.RegionID}
	var owner string
	var err error
	switch storeKind(in.Type) {
	case store.KindVpc:
		var v vpn.Vpc
		v, err = s.store.GetVpc(ctx, any, in.ID)
		owner = v.AccountID
	case store.KindVpnGateway:
		var g vpn.Gateway
		g, err = s.store.GetGateway(ctx, any, in.ID)
		owner = g.AccountID
	case store.KindCustomerGateway:
		var c vpn.CustomerGateway
		c, err = s.store.GetCustomerGateway(ctx, any, in.ID)
		owner = c.AccountID
	default:
		return errors.New("service: move of " + in.Type.Kind)
	}
	if err != nil {
		return storeErr(err)
	}
	r.Resource = arn(in.RegionID, owner, in.Type.ARN, in.ID)
	if err := s.authorize(ctx, r, action, r.Resource, owner); err != nil {
		return err
	}
	if err := dryRunOr(r, nil, func() error {
		return s.store.MoveResourceGroup(ctx, store.Scope{AccountID: owner, RegionID: in.RegionID}, storeKind(in.Type), in.ID, in.Group)
	}); err != nil {
		return storeErr(err)
	}
	return nil
}
