package service

import (
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// quotaErr maps a *store.QuotaError onto its wire error (nil for any other
// error). The quotas are the operator's (vpcvpn server --quota-*); each
// message names the quota and what to do.
func quotaErr(err error) error {
	var qe *store.QuotaError
	if !errors.As(err, &qe) {
		return nil
	}
	switch qe.Kind {
	case "VpnGateway":
		return apierror.Newf("QuotaExceeded.VpnGateway", "The account already has %d VPN gateways, its quota (all regions together); delete unused VPN gateways or ask the operator to raise --quota-vpn-gateways.", qe.Limit)
	case "VpnConnection":
		return apierror.Newf("Resource.QuotaFull", "The VPN gateway %s already carries %d IPsec-VPN connections, the quota per gateway; delete unused connections or ask the operator to raise --quota-connections-per-gateway.", qe.ID, qe.Limit)
	case "CustomerGateway":
		return apierror.Newf("QuotaExceeded.CustomerGateway", "The account already has %d customer gateways, its quota (all regions together); delete unused customer gateways or ask the operator to raise --quota-customer-gateways.", qe.Limit)
	case "User":
		return apierror.Newf("LimitExceeded.User", "The count of users beyond the current limits: the account already has %d RAM users, its quota; ask the operator to raise --quota-ram-users.", qe.Limit)
	case "AccessKey":
		return apierror.Newf("QuotaExceeded.AccessKey", "The account already has %d AccessKeys (root identity and RAM users together), its quota; delete unused keys or ask the operator to raise --quota-access-keys.", qe.Limit)
	case "IdentityAccessKey":
		return apierror.Newf("LimitExceeded.User.AccessKey", "The access key count of the user access keys beyond the current limits: an identity has at most %d access keys.", iam.MaxAccessKeysPerUser)
	}
	return apierror.Newf("QuotaExceeded", "A quota of %d %s is reached.", qe.Limit, qe.Kind)
}
