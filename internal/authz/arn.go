package authz

import "strings"

// ARN builds a RAM resource name: acs:{product}:{region}:{account}:{type}/{id},
// e.g. ARN("vpc", "cn-hangzhou", "1234567890123456", "vpnconnection", "vco-1")
// is "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-1". An empty id
// gives "*" (the resource of a create, whose id does not exist yet); an empty
// resourceType leaves the relative part as the id alone. Region is empty for
// global products: ARN("ram", "", account, "user", name) is
// "acs:ram::{account}:user/{name}". ARN does not validate its arguments.
func ARN(product, region, account, resourceType, id string) string {
	if id == "" {
		id = "*"
	}
	rel := id
	if resourceType != "" {
		rel = resourceType + "/" + id
	}
	return "acs:" + product + ":" + region + ":" + account + ":" + rel
}

// IsRoleARN reports whether arn names a RAM role (acs:ram::{account}:role/
// {name}). RAM treats role names case-insensitively and writes them in lower
// case in ARNs (iam.RoleARN); resource patterns are matched against a role's
// ARN ignoring case, so that a Deny on "role/AdminRole" applies to the role
// whatever the case it was created or named with.
func IsRoleARN(arn string) bool {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return false
	}
	_, rel, ok := strings.Cut(rest, ":")
	return ok && strings.HasPrefix(rel, "role/")
}

// MatchResource matches a resource pattern against an ARN as policy
// evaluation does: case-sensitively (Match), except for a role's ARN
// (IsRoleARN), matched ignoring case (MatchFold).
func MatchResource(pattern, arn string) bool {
	return match(pattern, arn, IsRoleARN(arn))
}
