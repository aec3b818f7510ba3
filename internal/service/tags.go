package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// tagErr maps the store's errors of the tag actions. A missing resource is
// InvalidInstanceIds.NotFound whatever its kind (the tag actions name it by
// the request's ResourceType); the rest goes through the table.
func tagErr(err error, t vpn.TagType) error {
	var nf *store.NotFoundError
	if errors.As(err, &nf) {
		return apierror.Newf("InvalidInstanceIds.NotFound", "The %s %s does not exist in this region.", t.Name, nf.ID)
	}
	return storeErrOf(err, opTagResources, about{Detail: t.Name})
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
	if err := s.authorizeEach(ctx, r, r.Meta.RAM, in); err != nil {
		return nil, err
	}
	if err := dryRunOr(r, nil, func() error {
		return s.store.TagResources(ctx, scope(r, in.RegionID), storeKind(in.Type), in.IDs, in.Tags)
	}); err != nil {
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
	if err := s.authorizeEach(ctx, r, r.Meta.RAM, in); err != nil {
		return nil, err
	}
	if err := dryRunOr(r, nil, func() error {
		return s.store.UntagResources(ctx, scope(r, in.RegionID), storeKind(in.Type), in.IDs, in.Keys, in.All)
	}); err != nil {
		return nil, tagErr(err, in.Type)
	}
	return nil, nil
}

// maxTagRows bounds the tag rows read at once to decide them one by one.
const maxTagRows = 1 << 20

// ListTagResources lists the tags of the caller's resources of one type,
// each resource authorised like an item of a list (see list.go).
func (s *Service) ListTagResources(ctx context.Context, r *Request) (any, error) {
	in, err := vpn.ParseListTagResources(r.Params)
	if err != nil {
		return nil, err
	}
	acct := r.Principal.AccountID
	la, err := s.listAccess(ctx, r, r.Meta.RAM, listPrefix(in.RegionID, acct, in.Type.ARN))
	if err != nil {
		return nil, err
	}
	if err := la.named(ctx, idARNs(in.RegionID, acct, in.Type.ARN, in.IDs)); err != nil {
		return nil, err
	}
	var tags []store.TagResource
	var more bool
	if la.all {
		tags, more, err = s.store.ListTagResources(ctx, scope(r, in.RegionID), storeKind(in.Type), in.IDs, in.Tags, in.Offset, in.Limit)
		if err != nil {
			return nil, tagErr(err, in.Type)
		}
	} else {
		// Decided per tagged resource: read all, keep the visible ones,
		// page them here.
		all, _, err := s.store.ListTagResources(ctx, scope(r, in.RegionID), storeKind(in.Type), in.IDs, in.Tags, 0, maxTagRows)
		if err != nil {
			return nil, tagErr(err, in.Type)
		}
		tags, _, err = visible(ctx, la, all, func(t *store.TagResource) string { return arn(in.RegionID, acct, in.Type.ARN, t.ResourceID) },
			vpn.Page{Number: 1, Size: len(all)})
		if err != nil {
			return nil, err
		}
		lo := min(in.Offset, len(tags))
		hi := min(lo+in.Limit, len(tags))
		tags, more = tags[lo:hi], hi < len(tags)
	}
	out := vpn.ListTagResourcesResponse{NextToken: vpn.NextToken(in.Offset+len(tags), more),
		TagResources: vpn.TagResourceList{TagResource: make([]vpn.TagResourceItem, len(tags))}}
	for i, t := range tags {
		out.TagResources.TagResource[i] = vpn.TagResourceItem{ResourceId: t.ResourceID, ResourceType: in.Type.Name, TagKey: t.Key, TagValue: t.Value}
	}
	return out, nil
}
