package service

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The one table from the store's typed errors to wire errors. The store
// names what it refused by kind of record (store.Kind: NotFoundError,
// InUseError, QuotaError) or by rule (store.Rule: DuplicateError,
// LimitError) and never knows wire codes; every answer a client sees for
// one of them is a row here, and TestStoreErrorTable fails when a
// store.Kinds() or store.Rules() value has no row or a row's code is not in
// apierror.Table.
//
// A row may differ by use case (op): a VPN gateway that still uses a
// vSwitch refuses DeleteVSwitch with one message and DeleteVpc with
// another. Rows under anyOp answer every use case that has no row of its
// own; a kind or rule without a row for the use case is not mapped (the
// error reaches the api layer as a cause: InternalError).

// op names a use case whose answers to a store error differ from the
// kind's general one.
type op string

const (
	anyOp                    op = ""
	opDeleteVpc              op = "DeleteVpc"
	opModifyVpcAttribute     op = "ModifyVpcAttribute"
	opDeleteVSwitch          op = "DeleteVSwitch"
	opCreateVpnGateway       op = "CreateVpnGateway"
	opDeleteVpnGateway       op = "DeleteVpnGateway"
	opCreateCustomerGateway  op = "CreateCustomerGateway"
	opDeleteCustomerGateway  op = "DeleteCustomerGateway"
	opCreateVpnConnection    op = "CreateVpnConnection"
	opUpdateVpnConnection    op = "UpdateVpnConnection" // ModifyVpnConnectionAttribute, ModifyTunnelAttribute
	opDeleteVpnConnection    op = "DeleteVpnConnection"
	opDeleteUser             op = "DeleteUser"
	opDeleteRole             op = "DeleteRole"
	opDeletePolicy           op = "DeletePolicy"
	opTagResources           op = "TagResources"           // and UnTagResources
	opAttachPolicyToIdentity op = "AttachPolicyToIdentity" // AttachPolicyToUser, AttachPolicyToRole
)

// about is what a use case knows of a refused write beyond the store's
// error; the messages quote it.
type about struct {
	// Target is the record the request acts on: the deleted or changed
	// record's id, a new VPN gateway's VPC, a route entry's VPN gateway,
	// the RAM user a key or policy is deleted from.
	Target string
	// Detail is one more value a message quotes: a new CIDR block, a
	// customer gateway's address, a route's next hop, a tag type's name,
	// DeleteVpc's ForceDelete note.
	Detail string
	// limit is a QuotaError's Limit (set by tableErr).
	limit int
}

// reply is one row: a code of apierror.Table and its message.
type reply struct {
	code string
	// roleCode, when set, is the code for an ID of a role's
	// ("Role/...": attachments, per-identity limits).
	roleCode string
	// msg builds the message from the id the store's error names and
	// what the use case adds; nil: the code's default message.
	msg func(id string, a about) string
}

// byOp is the rows of one kind or rule for one error, by use case.
type byOp map[op]reply

// kindRow says what a client sees for a kind's errors.
type kindRow struct {
	notFound byOp // *store.NotFoundError{Kind}
	inUse    byOp // *store.InUseError{Kind}: records of the kind refuse the write
	quota    byOp // *store.QuotaError{Kind}
	// internal documents a kind that never reaches a client by itself (a
	// bug or a lost race when it does: InternalError).
	internal string
}

// ruleRow says what a client sees for a rule's errors.
type ruleRow struct {
	duplicate byOp // *store.DuplicateError{Rule}
	limit     byOp // *store.LimitError{Rule}
	internal  string
}

func any1(w reply) byOp { return byOp{anyOp: w} }

// f returns a message builder quoting the id in format.
func f(format string) func(string, about) string {
	return func(id string, _ about) string { return fmt.Sprintf(format, id) }
}

// notFoundOfPrefix is a NotFound row of a VPC-family resource: its code is
// vpn's for the id prefix (the code a malformed id answers, vpn.NotFound).
func notFoundOfPrefix(prefix, format string) byOp {
	return any1(reply{code: vpn.NotFoundCode(prefix), msg: f(format)})
}

var kindTable = map[store.Kind]kindRow{
	store.KindVpc: {
		notFound: notFoundOfPrefix(vpn.PrefixVpc, "The specified VpcId %s does not exist."),
	},
	store.KindVSwitch: {
		notFound: notFoundOfPrefix(vpn.PrefixVSwitch, "The specified VSwitchId %s does not exist."),
		inUse: byOp{
			opDeleteVpc: {code: "DependencyViolation.VSwitch", msg: func(id string, a about) string {
				return fmt.Sprintf("The VPC %s still has vSwitch %s; delete its vSwitches first.%s", a.Target, id, a.Detail)
			}},
			opModifyVpcAttribute: {code: "InvalidCidrBlock.VSwitchOutside", msg: func(id string, a about) string {
				return fmt.Sprintf("The CidrBlock %s of VPC %s would not contain vSwitch %s; a VPC's block must hold all its vSwitches.", a.Detail, a.Target, id)
			}},
		},
	},
	store.KindRouteTable: {internal: "a route table is its VPC's: the tag actions answer InvalidInstanceIds.NotFound for every kind"},
	store.KindVpnGateway: {
		notFound: notFoundOfPrefix(vpn.PrefixVpnGateway, "The specified vpn gateway instance id %s does not exist."),
		inUse: byOp{
			opDeleteVpc: {code: "DependencyViolation.VpnGateway", msg: func(id string, a about) string {
				return fmt.Sprintf("The VPC %s still has VPN gateway %s; delete the VPN gateway first.%s", a.Target, id, a.Detail)
			}},
			opDeleteVSwitch: {code: "DependencyViolation.VpnGateway", msg: func(id string, a about) string {
				return fmt.Sprintf("The vSwitch %s is used by VPN gateway %s; delete the VPN gateway first.", a.Target, id)
			}},
		},
		quota: any1(reply{code: "QuotaExceeded.VpnGateway", msg: func(_ string, a about) string {
			return fmt.Sprintf("The account already has %d VPN gateways, its quota (all regions together); delete unused VPN gateways or ask the operator to raise --quota-vpn-gateways.", a.limit)
		}}),
	},
	store.KindCustomerGateway: {
		notFound: notFoundOfPrefix(vpn.PrefixCustomerGateway, "The specified customer gateway instance id %s does not exist."),
		quota: any1(reply{code: "QuotaExceeded.CustomerGateway", msg: func(_ string, a about) string {
			return fmt.Sprintf("The account already has %d customer gateways, its quota (all regions together); delete unused customer gateways or ask the operator to raise --quota-customer-gateways.", a.limit)
		}}),
	},
	store.KindVpnConnection: {
		notFound: notFoundOfPrefix(vpn.PrefixVpnConnection, "The specified vpn connection instance id %s does not exist."),
		inUse: byOp{
			opDeleteVpnGateway: {code: "DependencyViolation.VpnConnection", msg: func(id string, a about) string {
				return fmt.Sprintf("The VPN gateway %s still has IPsec-VPN connection %s; delete its connections first.", a.Target, id)
			}},
			opDeleteCustomerGateway: {code: "DependencyViolation.VpnConnection", msg: func(id string, a about) string {
				return fmt.Sprintf("The customer gateway %s is used by IPsec-VPN connection %s; delete the connection first.", a.Target, id)
			}},
		},
		quota: any1(reply{code: "Resource.QuotaFull", msg: func(id string, a about) string {
			return fmt.Sprintf("The VPN gateway %s already carries %d IPsec-VPN connections, the quota per gateway; delete unused connections or ask the operator to raise --quota-connections-per-gateway.", id, a.limit)
		}}),
	},
	store.KindNextHop: {
		notFound: any1(reply{code: "InvalidNextHop.NotFound", msg: func(_ string, a about) string {
			return fmt.Sprintf("The next hop %s is not an IPsec-VPN connection of VPN gateway %s.", a.Detail, a.Target)
		}}),
	},
	store.KindRouteEntry: {
		notFound: any1(reply{code: "InvalidRouteEntry.NotFound", msg: func(id string, a about) string {
			return fmt.Sprintf("VPN gateway %s has no such route entry to %s via %s.", a.Target, id, a.Detail)
		}}),
	},
	store.KindVpnRouteEntry: {
		inUse: byOp{opDeleteVpnConnection: {code: "DependencyViolation.VpnRouteEntry", msg: func(id string, a about) string {
			return fmt.Sprintf("The IPsec-VPN connection %s is the next hop of a route entry of VPN gateway %s; delete its route entries first.", a.Target, id)
		}}},
	},
	store.KindAccount: {internal: "requests come from existing accounts; a missing one is a broken store"},
	store.KindAccessKey: {
		notFound: any1(reply{code: "EntityNotExist.User.AccessKey", msg: f("The user access key does not exist: %s.")}),
		inUse: byOp{opDeleteUser: {code: "DeleteConflict.User.AccessKey", msg: func(id string, a about) string {
			return fmt.Sprintf("The user CAN NOT has any access key while deleting the user: delete access key %s of %s first.", id, a.Target)
		}}},
		quota: any1(reply{code: "QuotaExceeded.AccessKey", msg: func(_ string, a about) string {
			return fmt.Sprintf("The account already has %d AccessKeys (root identity and RAM users together), its quota; delete unused keys or ask the operator to raise --quota-access-keys.", a.limit)
		}}),
	},
	store.KindUser: {
		notFound: any1(reply{code: "EntityNotExist.User", msg: f("The user does not exist: %s.")}),
		inUse: byOp{opDeletePolicy: {code: "DeleteConflict.Policy.User",
			msg: f("The policy CAN NOT been attached to any user while deleting the policy: it is attached to user %s.")}},
		quota: any1(reply{code: "LimitExceeded.User", msg: func(_ string, a about) string {
			return fmt.Sprintf("The count of users beyond the current limits: the account already has %d RAM users, its quota; ask the operator to raise --quota-ram-users.", a.limit)
		}}),
	},
	store.KindPolicy: {
		notFound: any1(reply{code: "EntityNotExist.Policy", msg: f("The policy does not exist: %s.")}),
		inUse: byOp{
			opDeleteUser: {code: "DeleteConflict.User.Policy", msg: func(id string, a about) string {
				return fmt.Sprintf("The user CAN NOT has any attached policy while deleting the user: detach policy %s from %s first.", id, a.Target)
			}},
			opDeleteRole: {code: "DeleteConflict.Role.Policy",
				msg: f("The role CAN NOT has any attached policy while deleting the role: detach policy %s first.")},
		},
	},
	store.KindPolicyVersion: {
		notFound: any1(reply{code: "EntityNotExist.Policy.Version", msg: f("The policy version does not exist: %s.")}),
	},
	store.KindRole: {
		notFound: any1(reply{code: "EntityNotExist.Role", msg: f("The role does not exist: %s.")}),
		inUse: byOp{opDeletePolicy: {code: "DeleteConflict.Policy.Role",
			msg: f("The policy CAN NOT been attached to any role while deleting the policy: it is attached to role %s.")}},
	},
	store.KindAttachment: {
		notFound: any1(reply{code: "EntityNotExist.User.Policy", roleCode: "EntityNotExist.Role.Policy", msg: func(id string, _ about) string {
			if isRoleID(id) {
				return fmt.Sprintf("The indicate policy of the role does not exist: %s.", id)
			}
			return fmt.Sprintf("The indicate policy of the user does not exist: %s.", id)
		}}),
	},
	store.KindIdentityAccessKey: {
		quota: any1(reply{code: "LimitExceeded.User.AccessKey", msg: func(string, about) string {
			return fmt.Sprintf("The access key count of the user access keys beyond the current limits: an identity has at most %d access keys.", iam.MaxAccessKeysPerUser)
		}}),
	},
}

var ruleTable = map[store.Rule]ruleRow{
	store.RuleVpcGateway: {duplicate: byOp{opCreateVpnGateway: {code: "VpnGateway.AlreadyExists", msg: func(id string, a about) string {
		return fmt.Sprintf("The VPC %s already has VPN gateway %s; a VPC has at most one VPN gateway.", a.Target, id)
	}}}},
	store.RuleCustomerGatewayIP: {duplicate: byOp{opCreateCustomerGateway: {code: "InvalidIpAddress.AlreadyExist", msg: func(id string, a about) string {
		return fmt.Sprintf("The IpAddress %s is already used by customer gateway %s in this region.", a.Detail, id)
	}}}},
	store.RuleConnectionPair: {duplicate: byOp{
		opCreateVpnConnection: {code: "InvalidVpnConnection.AlreadyExists", msg: func(id string, a about) string {
			return fmt.Sprintf("The VPN gateway %s and this customer gateway already have IPsec-VPN connection %s; a gateway/customer gateway pair carries at most one connection.", a.Target, id)
		}},
		opUpdateVpnConnection: {code: "InvalidVpnConnection.AlreadyExists", msg: func(id string, a about) string {
			return fmt.Sprintf("The VPN gateway %s and this customer gateway already have IPsec-VPN connection %s.", a.Target, id)
		}},
	}},
	store.RuleRouteEntry: {duplicate: any1(reply{code: "VpnRouteEntry.AlreadyExists", msg: func(_ string, a about) string {
		return fmt.Sprintf("VPN gateway %s already has this route entry via %s.", a.Target, a.Detail)
	}})},
	store.RuleAccessKeyID: {internal: "AccessKey ids are generated: a taken one is a lost race"},
	store.RuleAccountID:   {internal: "accounts are created by the operator, not by API calls"},
	store.RuleUserName:    {duplicate: any1(reply{code: "EntityAlreadyExists.User", msg: f("The user does already EXIST: %s.")})},
	store.RulePolicyName:  {duplicate: any1(reply{code: "EntityAlreadyExists.Policy", msg: f("The policy does already EXIST: %s.")})},
	store.RuleRoleName:    {duplicate: any1(reply{code: "EntityAlreadyExists.Role", msg: f("The role does already EXIST: %s.")})},
	store.RuleAttachment:  {duplicate: any1(reply{code: "EntityAlreadyExists.User.Policy", roleCode: "EntityAlreadyExists.Role.Policy"})},
	store.RulePolicyVersions: {limit: any1(reply{code: "LimitExceeded.Policy.Version", msg: func(string, about) string {
		return fmt.Sprintf("The count of policy version beyond the current limits: a policy has at most %d versions; use RotateStrategy=DeleteOldestNonDefaultVersionWhenLimitExceeded.", iam.MaxPolicyVersions)
	}})},
	store.RuleCustomPoliciesPerIdentity: {limit: byOp{opAttachPolicyToIdentity: policiesPerIdentity(iam.MaxCustomPoliciesPerID, iam.PolicyTypeCustom)}},
	store.RuleSystemPoliciesPerIdentity: {limit: byOp{opAttachPolicyToIdentity: policiesPerIdentity(iam.MaxSystemPoliciesPerID, iam.PolicyTypeSystem)}},
	store.RuleTagsPerResource: {limit: byOp{opTagResources: {code: "QuotaExceeded.TagNum", msg: func(id string, a about) string {
		return fmt.Sprintf("The %s %s would carry more than %d tags; remove some first.", a.Detail, id, store.MaxTagsPerResource)
	}}}},
}

// policiesPerIdentity is the row of a limit of policies attached to one
// identity (ID "PrincipalType/PrincipalName").
func policiesPerIdentity(max int, policyType string) reply {
	return reply{code: "LimitExceeded.User.Policy", roleCode: "LimitExceeded.Role.Policy", msg: func(id string, _ about) string {
		_, name, _ := strings.Cut(id, "/")
		return fmt.Sprintf("The policy count of %s beyond the current limits: at most %d %s policies.", name, max, strings.ToLower(policyType))
	}}
}

func isRoleID(id string) bool { return strings.HasPrefix(id, iam.AttachToRole+"/") }

// pick returns the row of o (or anyOp's).
func (b byOp) pick(o op) (reply, bool) {
	if w, ok := b[o]; ok {
		return w, true
	}
	w, ok := b[anyOp]
	return w, ok
}

// answer builds the wire error of row w for the record id.
func (w reply) answer(id string, a about) *apierror.Error {
	code := w.code
	if w.roleCode != "" && isRoleID(id) {
		code = w.roleCode
	}
	e := apierror.New(code)
	if w.msg != nil {
		e.Message = w.msg(id, a)
	}
	return e
}

// tableErr maps the store's typed errors in err through the table, for use
// case o; it returns nil when err holds none that has a row for o.
func tableErr(err error, o op, a about) *apierror.Error {
	var (
		nf    *store.NotFoundError
		inUse *store.InUseError
		dup   *store.DuplicateError
		lim   *store.LimitError
		qe    *store.QuotaError
	)
	switch {
	case errors.As(err, &nf):
		if w, ok := kindTable[nf.Kind].notFound.pick(o); ok {
			return w.answer(nf.ID, a)
		}
	case errors.As(err, &inUse):
		if w, ok := kindTable[inUse.Kind].inUse.pick(o); ok {
			return w.answer(inUse.ID, a)
		}
	case errors.As(err, &dup):
		if w, ok := ruleTable[dup.Rule].duplicate.pick(o); ok {
			return w.answer(dup.ID, a)
		}
	case errors.As(err, &lim):
		if w, ok := ruleTable[lim.Rule].limit.pick(o); ok {
			return w.answer(lim.ID, a)
		}
	case errors.As(err, &qe):
		a.limit = qe.Limit
		if w, ok := kindTable[qe.Kind].quota.pick(o); ok {
			return w.answer(qe.ID, a)
		}
		return apierror.Newf("QuotaExceeded", "A quota of %d %s is reached.", qe.Limit, qe.Kind)
	}
	return nil
}

// storeKind is the store's kind of a taggable resource type (vpn names it
// as a string: vpn sits below store; TestTagTypesAreStoreKinds checks it).
func storeKind(t vpn.TagType) store.Kind { return store.Kind(t.Kind) }
