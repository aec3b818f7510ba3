package service

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// CreateCustomerGateway registers the customer's gateway device.
func (s *Service) CreateCustomerGateway(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseCreateCustomerGateway(r.Params)
	if err != nil {
		return nil, err
	}
	c := in.CustomerGateway
	c.AccountID = r.Principal.AccountID
	r.Resource = arn(c.RegionID, c.AccountID, "customergateway", "*")
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, c.AccountID); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	c.CustomerGatewayID = vpn.NewID(vpn.PrefixCustomerGateway)
	if c.ResourceGroupID == "" {
		c.ResourceGroupID = vpn.DefaultResourceGroupID(c.AccountID)
	}
	c.CreatedAt = s.now().UTC()
	created, err := s.store.CreateCustomerGateway(ctx, c, idem(r, in.ClientToken))
	if err != nil {
		return nil, storeErrOf(err, opCreateCustomerGateway, about{Detail: c.IPAddress})
	}
	got, err := s.store.GetCustomerGateway(ctx, scope(r, c.RegionID), created.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(c.RegionID, c.AccountID, "customergateway", got.CustomerGatewayID)
	return vpn.NewCreateCustomerGatewayResponse(got), nil
}

// customerGateway loads a customer gateway by id and authorizes action on it.
func (s *Service) customerGateway(ctx context.Context, r *Request, action string) (vpn.CustomerGateway, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return vpn.CustomerGateway{}, err
	}
	id, err := vpn.RequiredID(r.Params, "CustomerGatewayId", vpn.PrefixCustomerGateway)
	if err != nil {
		return vpn.CustomerGateway{}, err
	}
	c, err := s.store.GetCustomerGateway(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return vpn.CustomerGateway{}, storeErr(err)
	}
	r.Resource = arn(region, c.AccountID, "customergateway", id)
	if err := s.authorize(ctx, r, action, r.Resource, c.AccountID); err != nil {
		return vpn.CustomerGateway{}, err
	}
	return c, nil
}

// DescribeCustomerGateway describes one customer gateway.
func (s *Service) DescribeCustomerGateway(ctx context.Context, r *Request) (any, error) {
	c, err := s.customerGateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	return vpn.NewCustomerGatewayItem(c), nil
}

// DescribeCustomerGateways lists the caller's customer gateways in a region.
func (s *Service) DescribeCustomerGateways(ctx context.Context, r *Request) (any, error) {
	f, err := vpn.ParseDescribe("DescribeCustomerGateways", r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(f.RegionID, acct, "customergateway"))
	if err != nil {
		return nil, err
	}
	if err := la.named(ctx, idARNs(f.RegionID, acct, "customergateway", f.IDs)); err != nil {
		return nil, err
	}
	cs, total, err := listPage(ctx, la, f.Page, func(pg store.Page) ([]vpn.CustomerGateway, int, error) {
		return s.store.ListCustomerGateways(ctx, scope(r, f.RegionID), store.CustomerGatewayFilter{IDs: f.IDs, ResourceGroupID: f.ResourceGroupID, Tags: f.Tags}, pg)
	}, func(c *vpn.CustomerGateway) string {
		return arn(f.RegionID, acct, "customergateway", c.CustomerGatewayID)
	})
	if err != nil {
		return nil, err
	}
	return vpn.NewDescribeCustomerGatewaysResponse(cs, f.Page, total), nil
}

// ModifyCustomerGatewayAttribute changes a customer gateway's name,
// description or AuthKey.
func (s *Service) ModifyCustomerGatewayAttribute(ctx context.Context, r *Request) (any, error) {
	cur, err := s.customerGateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	next, opts, err := vpn.ParseModifyCustomerGateway(r.Params, cur)
	if err != nil {
		return nil, err
	}
	if err := dryRun(opts.DryRun); err != nil {
		return nil, err
	}
	if err := s.store.UpdateCustomerGateway(ctx, next); err != nil {
		return nil, storeErr(err)
	}
	s.invalidateDownloads()
	return vpn.NewModifyCustomerGatewayAttributeResponse(next), nil
}

// DeleteCustomerGateway deletes a customer gateway no connection uses.
func (s *Service) DeleteCustomerGateway(ctx context.Context, r *Request) (any, error) {
	c, err := s.customerGateway(ctx, r, r.Meta.RAM)
	if err != nil {
		return nil, err
	}
	sc := store.Scope{AccountID: c.AccountID, RegionID: c.RegionID}
	err = dryRunOr(r, func() error {
		return s.connectionsInUse(ctx, sc, store.ConnectionFilter{CustomerGatewayID: c.CustomerGatewayID})
	},
		func() error { return s.store.DeleteCustomerGateway(ctx, sc, c.CustomerGatewayID) })
	if err != nil {
		return nil, storeErrOf(err, opDeleteCustomerGateway, about{Target: c.CustomerGatewayID})
	}
	return nil, nil
}
