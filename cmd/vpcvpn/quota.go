package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

// Per-account quota defaults of 'vpcvpn server': Alibaba Cloud's defaults
// where it has one (30 VPN gateways, 10 IPsec connections per gateway, 100
// customer gateways, 1 000 RAM users), and two AccessKeys per RAM user and
// for the root identity.
const (
	defaultQuotaVpnGateways      = 30
	defaultQuotaConnsPerGateway  = 10
	defaultQuotaCustomerGateways = 100
	defaultQuotaRAMUsers         = 1000
	defaultQuotaAccessKeys       = 2*defaultQuotaRAMUsers + 2
)

// quotaOptions are the per-account quota flags; the zero value (as 'vpcvpn
// bench server' leaves it) means no quota.
type quotaOptions struct {
	vpnGateways, connsPerGateway, customerGateways, ramUsers, accessKeys int
}

func (o *quotaOptions) addFlags(f *pflag.FlagSet) {
	f.IntVar(&o.vpnGateways, "quota-vpn-gateways", defaultQuotaVpnGateways, "VPN gateways per account (all regions together); each takes one or two addresses of --gateway-address-pool; 0 means no quota")
	f.IntVar(&o.connsPerGateway, "quota-connections-per-gateway", defaultQuotaConnsPerGateway, "IPsec-VPN connections per VPN gateway; 0 means no quota")
	f.IntVar(&o.customerGateways, "quota-customer-gateways", defaultQuotaCustomerGateways, "customer gateways per account (all regions together); 0 means no quota")
	f.IntVar(&o.ramUsers, "quota-ram-users", defaultQuotaRAMUsers, "RAM users per account; 0 means no quota")
	f.IntVar(&o.accessKeys, "quota-access-keys", defaultQuotaAccessKeys, "AccessKeys per account, root identity and RAM users together (each identity has at most 2); 0 means no quota")
}

// check refuses negative quotas as usage errors.
func (o *quotaOptions) check() error {
	for _, v := range []struct {
		name string
		n    int
	}{{"--quota-vpn-gateways", o.vpnGateways}, {"--quota-connections-per-gateway", o.connsPerGateway},
		{"--quota-customer-gateways", o.customerGateways}, {"--quota-ram-users", o.ramUsers}, {"--quota-access-keys", o.accessKeys}} {
		if v.n < 0 {
			return usageError{fmt.Errorf("%s %d: must not be negative (0 means no quota)", v.name, v.n)}
		}
	}
	return nil
}

func (o *quotaOptions) store() *store.Quotas {
	return &store.Quotas{VpnGateways: o.vpnGateways, ConnectionsPerGateway: o.connsPerGateway,
		CustomerGateways: o.customerGateways, RAMUsers: o.ramUsers, AccessKeys: o.accessKeys}
}
