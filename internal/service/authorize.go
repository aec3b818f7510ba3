package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/authz"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// Authorizer decides whether a request may perform action ("vpc:CreateVpc")
// on the resource ARN owned by account owner. It returns nil when allowed and
// the 403 wire error (Forbbiden.SubUser or Forbidden with AccessDeniedDetail)
// otherwise.
//
// AuthorizeAll decides action on every resource whose ARN starts with prefix
// (a list: ".../vpnconnection/") at once. uniform is true when the answer is
// the same for all of them: err is then nil when all are allowed and the
// 403 of prefix+"*" when none is. When uniform is false the answer depends
// on the resource and the caller asks Authorize item by item. A caller's
// policies are read once per request however many decisions it takes.
type Authorizer interface {
	Authorize(ctx context.Context, r *Request, action, resourceARN, owner string) error
	AuthorizeAll(ctx context.Context, r *Request, action, prefix, owner string) (uniform bool, err error)
}

// authorize checks one action on one resource. Without an Authorizer only the
// root identity of the owning account is allowed. action is the request's
// own RAM action (r.Meta.RAM, from the dispatch table) but where a use case
// needs another's; a request that did not come through the dispatch table
// has none and is refused.
func (s *Service) authorize(ctx context.Context, r *Request, action, arn, owner string) error {
	if action == "" {
		return errNoMeta(r)
	}
	if s.authz != nil {
		return s.authz.Authorize(ctx, r, action, arn, owner)
	}
	return rootOnly(r, action, owner)
}

// authorizeAll is Authorizer.AuthorizeAll, or rootOnly for the whole list
// without an Authorizer.
func (s *Service) authorizeAll(ctx context.Context, r *Request, action, prefix, owner string) (bool, error) {
	if action == "" {
		return false, errNoMeta(r)
	}
	if s.authz != nil {
		return s.authz.AuthorizeAll(ctx, r, action, prefix, owner)
	}
	return true, rootOnly(r, action, owner)
}

// errNoMeta is the internal error of a request without its action's
// metadata (a caller that built a Request by hand without Meta).
func errNoMeta(r *Request) error {
	return fmt.Errorf("service: %s called without its RAM action (Request.Meta from the dispatch table)", r.Action)
}

// rootOnly allows only the root identity of owner.
func rootOnly(r *Request, action, owner string) error {
	if r.Principal.Kind == iam.PrincipalRoot && r.Principal.AccountID == owner {
		return nil
	}
	e := apierror.New("Forbidden")
	e.AccessDenied = &apierror.AccessDeniedDetail{
		AuthAction:               action,
		AuthPrincipalType:        r.Principal.Kind,
		AuthPrincipalDisplayName: r.Principal.DisplayName(),
		AuthPrincipalOwnerId:     r.Principal.AccountID,
		NoPermissionType:         authz.ImplicitDeny.String(),
	}
	return e
}

// arn builds the ARN of a VPC resource.
func arn(region, account, typ, id string) string {
	return authz.ARN("vpc", region, account, typ, id)
}

// commonParams are the request parameters that do not describe what is asked
// for; they are left out of a ClientToken's request hash.
var commonParams = map[string]bool{
	"Action": true, "Version": true, "Format": true, "AccessKeyId": true, "Signature": true,
	"SignatureMethod": true, "SignatureVersion": true, "SignatureNonce": true, "SignatureType": true,
	"Timestamp": true, "SecurityToken": true, "ClientToken": true, "RegionId": false, "DryRun": true,
	"OwnerId": true, "OwnerAccount": true, "ResourceOwnerId": true, "ResourceOwnerAccount": true,
}

// requestHash identifies what a create asks for, so that a ClientToken reused
// with other parameters is detected.
func requestHash(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if !commonParams[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(params[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dryRun answers DryRunOperation when the request only asked for validation.
func dryRun(on bool) error {
	if on {
		return apierror.New("DryRunOperation")
	}
	return nil
}

func lower(s string) string { return strings.ToLower(s) }
