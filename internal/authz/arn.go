package authz

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
