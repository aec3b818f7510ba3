package store

// Kind names a kind of record in the store's typed errors: what was not
// found (NotFoundError), what still references a record (InUseError), what
// a quota counts (QuotaError). The service maps each to its wire error in
// one table (internal/service/storeerr.go); the store never knows wire
// codes. Kinds lists them all, so that table's test fails when a kind has
// no row.
type Kind string

// Kinds of records. The first six are also the taggable kinds (TagStore)
// and the kinds MoveResourceGroup moves.
const (
	KindVpc             Kind = "Vpc"
	KindVSwitch         Kind = "VSwitch"
	KindRouteTable      Kind = "RouteTable"
	KindVpnGateway      Kind = "VpnGateway"
	KindCustomerGateway Kind = "CustomerGateway"
	KindVpnConnection   Kind = "VpnConnection"

	KindNextHop       Kind = "NextHop"       // a route entry's next hop that is no connection of its gateway
	KindRouteEntry    Kind = "RouteEntry"    // a route entry of a VPN gateway
	KindVpnRouteEntry Kind = "VpnRouteEntry" // route entries using a connection as their next hop (InUseError)

	KindAccount       Kind = "Account"
	KindAccessKey     Kind = "AccessKey" // NotFound, InUse (DeleteUser); as a quota, the account's AccessKeys
	KindUser          Kind = "User"
	KindPolicy        Kind = "Policy"
	KindPolicyVersion Kind = "PolicyVersion"
	KindRole          Kind = "Role"
	// KindAttachment: a policy attached to a user or a role (ID
	// "PrincipalType/PrincipalName/PolicyType/PolicyName").
	KindAttachment Kind = "Attachment"
	// KindIdentityAccessKey is the quota of AccessKeys of one identity (a
	// RAM user or the root identity; QuotaError.ID the user).
	KindIdentityAccessKey Kind = "IdentityAccessKey"
)

// Kinds returns every Kind, in declaration order.
func Kinds() []Kind {
	return []Kind{KindVpc, KindVSwitch, KindRouteTable, KindVpnGateway, KindCustomerGateway, KindVpnConnection,
		KindNextHop, KindRouteEntry, KindVpnRouteEntry,
		KindAccount, KindAccessKey, KindUser, KindPolicy, KindPolicyVersion, KindRole, KindAttachment, KindIdentityAccessKey}
}

// Rule names the uniqueness rule of a DuplicateError or the limit of a
// LimitError. Rules lists them all, for the same table test as Kinds.
type Rule string

// Uniqueness rules (DuplicateError).
const (
	RuleVpcGateway        Rule = "VpcGateway"        // a VPC has at most one VPN gateway
	RuleCustomerGatewayIP Rule = "CustomerGatewayIp" // a customer gateway's address is unique in its account and region
	RuleConnectionPair    Rule = "ConnectionPair"    // a (gateway, customer gateway) pair carries at most one connection
	RuleRouteEntry        Rule = "RouteEntry"        // a route entry (ID its gateway) exists
	RuleAccessKeyID       Rule = "AccessKeyId"
	RuleAccountID         Rule = "AccountId"
	RuleUserName          Rule = "UserName"
	RulePolicyName        Rule = "PolicyName"
	RuleRoleName          Rule = "RoleName"
	RuleAttachment        Rule = "Attachment" // ID as KindAttachment's
)

// Limits (LimitError).
const (
	RulePolicyVersions Rule = "PolicyVersions"
	// The policies attached to one identity (ID "PrincipalType/PrincipalName").
	RuleCustomPoliciesPerIdentity Rule = "CustomPoliciesPerIdentity"
	RuleSystemPoliciesPerIdentity Rule = "SystemPoliciesPerIdentity"
	RuleTagsPerResource           Rule = "TagsPerResource"
)

// Rules returns every Rule, in declaration order.
func Rules() []Rule {
	return []Rule{RuleVpcGateway, RuleCustomerGatewayIP, RuleConnectionPair, RuleRouteEntry, RuleAccessKeyID, RuleAccountID,
		RuleUserName, RulePolicyName, RuleRoleName, RuleAttachment,
		RulePolicyVersions, RuleCustomPoliciesPerIdentity, RuleSystemPoliciesPerIdentity, RuleTagsPerResource}
}
