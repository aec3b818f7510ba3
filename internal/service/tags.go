package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// tagErr maps the store's errors of the tag actions.
func tagErr(err error, t vpn.TagType) error {
	var nf *store.NotFoundError
	if errors.As(err, &nf) {
		return apierror.Newf("InvalidInstanceIds.NotFound", "The %s %s does not exist in this region.", t.Name, nf.ID)
	}
	var lim *store.LimitError
	if errors.As(err, &lim) {
		return apierror.Newf("QuotaExceeded.TagNum", "The %s %s would carry more than %d tags; remove some first.", t.Name, lim.ID, store.MaxTagsPerResource)
	}
	return storeErr(err)
}

// authorizeEach authorizes action on every resource of the request; the
// resources are the caller's (the store only finds the caller's).
func (s *Service) authorizeEach(ctx context.Context, r *Request, action string, in vpn.TagRequest) error {
	for _, id := range in.IDs {
		r.Resource = arn(in.RegionID, r.Principal.AccountID, in.Type.ARN, id)
		if err := s.authorize(ctx, r, action, r.Resource, r.Principal.AccountID); err != nil {
			return err
		}
	}
	return nil
}

// TagResources adds tags to resources of one type.
func (s *Service) TagResources(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseTagResources(r.Params)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeEach(ctx, r, "vpc:TagResources", in); err != nil {
		return nil, err
	}
	if err := s.Store.TagResources(ctx, scope(r, in.RegionID), in.Type.Kind, in.IDs, in.Tags); err != nil {
		return nil, tagErr(err, in.Type)
	}
	return nil, nil
}

// UnTagResources removes tags from resources of one type.
func (s *Service) UnTagResources(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseUnTagResources(r.Params)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeEach(ctx, r, "vpc:UnTagResources", in); err != nil {
		return nil, err
	}
	if err := s.Store.UntagResources(ctx, scope(r, in.RegionID), in.Type.Kind, in.IDs, in.Keys, in.All); err != nil {
		return nil, tagErr(err, in.Type)
	}
	return nil, nil
}

// ListTagResources lists the tags of the caller's resources of one type.
func (s *Service) ListTagResources(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseListTagResources(r.Params)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, "vpc:ListTagResources", arn(in.RegionID, r.Principal.AccountID, in.Type.ARN, "*"), r.Principal.AccountID); err != nil {
		return nil, err
	}
	tags, more, err := s.Store.ListTagResources(ctx, scope(r, in.RegionID), in.Type.Kind, in.IDs, in.Tags, in.Offset, in.Limit)
	if err != nil {
		return nil, tagErr(err, in.Type)
	}
	out := vpn.ListTagResourcesResponse{NextToken: vpn.NextToken(in.Offset+len(tags), more),
		TagResources: vpn.TagResourceList{TagResource: make([]vpn.TagResourceItem, len(tags))}}
	for i, t := range tags {
		out.TagResources.TagResource[i] = vpn.TagResourceItem{ResourceId: t.ResourceID, ResourceType: in.Type.Name, TagKey: t.Key, TagValue: t.Value}
	}
	return out, nil
}
