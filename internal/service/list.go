package service

import (
	"context"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// List authorisation. A list action returns resources, each of which the
// caller must be allowed to see: a Describe* or List* answer holds exactly
// the items whose ARN the caller's policies allow the list action on
// (item by item, as a Deny on one connection must keep its PSK out of
// DescribeVpnConnections), and TotalCount and paging count only those.
//
//   - A caller allowed every item (the root identity, or policies that allow
//     the list's ".../type/*" without a Deny or Allow naming some items) is
//     decided once for the whole list and pays nothing per item; the store
//     pages the list.
//   - A caller refused every item gets the list's 403 (AccessDeniedDetail of
//     ".../type/*").
//   - Otherwise every item is decided (its policies are evaluated in memory,
//     read once per request), the list is filtered before it is paged, and
//     TotalCount is the number of items the caller may see. When it may see
//     none and may not list the type's ".../*" either, the list's 403 is
//     answered (as when it may see no item at all).
//   - A filter that names resources by id (VpcId, VpnConnectionId, ...)
//     authorises each named id's ARN first: a refused id answers its 403
//     with AccessDeniedDetail, whether the resource exists or not (so the
//     answer does not reveal whether it exists), as the single-resource
//     Describe would.

// listAccess is the outcome of authorising a list.
type listAccess struct {
	s      *Service
	r      *Request
	action string
	owner  string
	prefix string
	all    bool // every item is allowed: no per-item decision
}

// listAccess authorises action on the list of resources whose ARNs start
// with prefix (e.g. ".../vpnconnection/"), owned by the caller's account.
// It fails with the 403 of prefix+"*" when the caller may see no item.
func (s *Service) listAccess(ctx context.Context, r *Request, action, prefix string) (*listAccess, error) {
	a := &listAccess{s: s, r: r, action: action, owner: r.Principal.AccountID, prefix: prefix}
	uniform, err := s.authorizeAll(ctx, r, action, prefix, a.owner)
	if err != nil {
		return nil, err
	}
	a.all = uniform
	return a, nil
}

// allows reports whether the caller may see the item with ARN arn.
func (a *listAccess) allows(ctx context.Context, arn string) (bool, error) {
	if a.all {
		return true, nil
	}
	err := a.s.authorize(ctx, a.r, a.action, arn, a.owner)
	if err == nil {
		return true, nil
	}
	if _, denied := apierror.As(err); denied {
		return false, nil
	}
	return false, err
}

// refuseEmpty is the answer to a list in which the caller may see no item:
// the 403 of the type's ".../*" when it may not list that either.
func (a *listAccess) refuseEmpty(ctx context.Context) error {
	if a.all {
		return nil
	}
	return a.s.authorize(ctx, a.r, a.action, a.prefix+"*", a.owner)
}

// named authorises the ARNs of the resources a filter names: the 403 of the
// first refused one.
func (a *listAccess) named(ctx context.Context, arns []string) error {
	if a.all {
		return nil
	}
	for _, arn := range arns {
		if err := a.s.authorize(ctx, a.r, a.action, arn, a.owner); err != nil {
			return err
		}
	}
	return nil
}

// allItems is the store page that reads every item matching a list's
// filters (used when the caller may see only some of them).
var allItems = store.Page{Number: 1}

// listPage reads page pg of a list through list (the store's List* with
// the action's filters, every one of them in the store's query). When the
// caller may see every item, the store pages the list; otherwise every
// matching item is read, those the caller may not see (arn names each item)
// are dropped, and the page is cut from the rest, whose number is the
// total.
func listPage[T any](ctx context.Context, a *listAccess, pg vpn.Page, list func(store.Page) ([]T, int, error), arn func(*T) string) ([]T, int, error) {
	if a.all {
		items, total, err := list(store.Page{Number: pg.Number, Size: pg.Size})
		return items, total, storeErr(err)
	}
	items, _, err := list(allItems)
	if err != nil {
		return nil, 0, storeErr(err)
	}
	return visible(ctx, a, items, arn, pg)
}

// listPrefix is the ARN prefix of the VPC resources of type typ of account
// in region (".../vpnconnection/").
func listPrefix(region, account, typ string) string {
	a := arn(region, account, typ, "*")
	return a[:len(a)-1]
}

// idARNs are the ARNs of the resources of type typ a filter names.
func idARNs(region, account, typ string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = arn(region, account, typ, id)
	}
	return out
}

// visible keeps the items the caller may see (arn names each item) and
// returns the page pg of them with their number.
func visible[T any](ctx context.Context, a *listAccess, items []T, arn func(*T) string, pg vpn.Page) ([]T, int, error) {
	kept := items[:0]
	for i := range items {
		ok, err := a.allows(ctx, arn(&items[i]))
		if err != nil {
			return nil, 0, err
		}
		if ok {
			kept = append(kept, items[i])
		}
	}
	if len(kept) == 0 {
		if err := a.refuseEmpty(ctx); err != nil {
			return nil, 0, err
		}
	}
	return pageOf(kept, pg), len(kept), nil
}

// pageOf cuts page pg out of items.
func pageOf[T any](items []T, pg vpn.Page) []T {
	lo := min(pg.Offset(), len(items))
	hi := min(lo+pg.Size, len(items))
	return items[lo:hi]
}
