package vpn

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// TagType is a taggable resource type of TagResources, UnTagResources and
// ListTagResources.
type TagType struct {
	Name   string // as ListTagResources answers it (Alibaba's spelling)
	Kind   string // the store's kind (store.Kind*)
	Prefix string // the ids' prefix
	ARN    string // the ARN's resource type
}

// tagTypes are keyed by the upper-case ResourceType: clients send it in any
// case (Terraform sends VpnGateWay, CUSTOMERGATEWAY, VPNCONNECTION).
var tagTypes = map[string]TagType{
	"VPC":             {"VPC", "Vpc", PrefixVpc, "vpc"},
	"VSWITCH":         {"VSWITCH", "VSwitch", PrefixVSwitch, "vswitch"},
	"ROUTETABLE":      {"ROUTETABLE", "RouteTable", PrefixRouteTable, "routetable"},
	"VPNGATEWAY":      {"VpnGateway", "VpnGateway", PrefixVpnGateway, "vpngateway"},
	"CUSTOMERGATEWAY": {"CustomerGateway", "CustomerGateway", PrefixCustomerGateway, "customergateway"},
	"VPNCONNECTION":   {"VpnConnection", "VpnConnection", PrefixVpnConnection, "vpnconnection"},
}

// TagTypes returns every taggable resource type (tests check their Kind
// against the store's kinds).
func TagTypes() []TagType {
	out := make([]TagType, 0, len(tagTypes))
	for _, t := range tagTypes {
		out = append(out, t)
	}
	return out
}

// Limits of the tag actions.
const (
	maxTagResourceIDs = 50 // ResourceId.N
	maxTagsPerRequest = 20 // Tag.N, TagKey.N
	maxTagText        = 128
	defaultMaxResults = 50
)

// TagRequest is a validated TagResources, UnTagResources or
// ListTagResources request.
type TagRequest struct {
	RegionID string
	Type     TagType
	IDs      []string // ResourceId.N in order of N, without repeats
	Tags     []Tag    // TagResources, ListTagResources (Value "" matches any)
	Keys     []string // UnTagResources TagKey.N
	All      bool     // UnTagResources All
	// ListTagResources paging: the offset NextToken encodes and MaxResults.
	Offset, Limit int
}

// ParseTagResources validates TagResources: RegionId, ResourceType
// (case-insensitive; InvalidInstanceType.NotFound), ResourceId.N (1-50,
// SizeLimitExceeded.ResourceId beyond; a malformed id is
// InvalidInstanceIds.NotFound), Tag.N.Key/Value (1-20,
// SizeLimitExceeded.TagNum beyond; see checkTag).
func ParseTagResources(p Params) (TagRequest, error) {
	r, err := parseTagTarget(p, true)
	if err != nil {
		return r, err
	}
	if r.Tags, err = parseTagPairs(p, true); err != nil {
		return r, err
	}
	if len(r.Tags) == 0 {
		return r, apierror.Missing("Tag.1.Key")
	}
	return r, nil
}

// ParseUnTagResources validates UnTagResources: RegionId, ResourceType,
// ResourceId.N as TagResources; TagKey.N (1-20) or All=true.
func ParseUnTagResources(p Params) (TagRequest, error) {
	r, err := parseTagTarget(p, true)
	if err != nil {
		return r, err
	}
	if r.All, err = p.boolParam("All", false); err != nil {
		return r, err
	}
	vals, err := indexed(p, "TagKey", maxTagsPerRequest, "SizeLimitExceeded.TagNum")
	if err != nil {
		return r, err
	}
	for _, k := range vals {
		if err := checkTagKey("TagKey", k); err != nil {
			return r, err
		}
		r.Keys = append(r.Keys, k)
	}
	if len(r.Keys) == 0 && !r.All {
		return r, apierror.Missing("TagKey.1")
	}
	return r, nil
}

// ParseListTagResources validates ListTagResources: RegionId, ResourceType,
// ResourceId.N (up to 50) and/or Tag.N (up to 20; at least one of the two),
// MaxResults (1-50, default 50, InvalidMaxResults.Malformed), NextToken (as
// answered, InvalidNextToken.Malformed).
func ParseListTagResources(p Params) (TagRequest, error) {
	r, err := parseTagTarget(p, false)
	if err != nil {
		return r, err
	}
	if r.Tags, err = parseTagPairs(p, false); err != nil {
		return r, err
	}
	if len(r.IDs) == 0 && len(r.Tags) == 0 {
		return r, apierror.Missing("ResourceId.1")
	}
	r.Limit = defaultMaxResults
	if v, ok := p["MaxResults"]; ok {
		n, ok := wirenum.Int(v)
		if !ok || n < 1 || n > defaultMaxResults {
			return r, malformed("MaxResults", v, "it must be an integer from 1 to 50")
		}
		r.Limit = int(n)
	}
	if v := p["NextToken"]; v != "" {
		n, ok := wirenum.Int(v)
		if !ok || n < 0 {
			return r, malformed("NextToken", v, "give the NextToken of the previous answer")
		}
		r.Offset = int(n)
	}
	return r, nil
}

// NextToken is the NextToken answered after a page that ended at offset
// ("" when nothing follows).
func NextToken(offset int, more bool) string {
	if !more {
		return ""
	}
	return strconv.Itoa(offset)
}

// parseTagTarget reads RegionId, ResourceType and ResourceId.N.
func parseTagTarget(p Params, idsRequired bool) (TagRequest, error) {
	var r TagRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	typ, err := p.required("ResourceType")
	if err != nil {
		return r, err
	}
	t, ok := tagTypes[strings.ToUpper(typ)]
	if !ok {
		return r, apierror.Newf("InvalidInstanceType.NotFound", "The ResourceType %s is not taggable here: use VPC, VSWITCH, ROUTETABLE, VpnGateway, CustomerGateway or VpnConnection (any case).", shown(typ))
	}
	r.Type = t
	ids, err := indexed(p, "ResourceId", maxTagResourceIDs, "SizeLimitExceeded.ResourceId")
	if err != nil {
		return r, err
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !ValidID(t.Prefix, id) {
			return r, apierror.Newf("InvalidInstanceIds.NotFound", "The resource %s is not a %s.", shown(id), t.Name)
		}
		if !seen[id] {
			seen[id] = true
			r.IDs = append(r.IDs, id)
		}
	}
	if idsRequired && len(r.IDs) == 0 {
		return r, apierror.Missing("ResourceId.1")
	}
	return r, nil
}

// parseTagPairs reads Tag.N.Key / Tag.N.Value (up to 20). strict (tagging)
// checks keys and values; a ListTagResources filter only needs a key.
func parseTagPairs(p Params, strict bool) ([]Tag, error) {
	byIndex, err := p.tagPairs("Tag", 0)
	if err != nil {
		return nil, err
	}
	if len(byIndex) > maxTagsPerRequest {
		return nil, apierror.Newf("SizeLimitExceeded.TagNum", "%d tags were given; at most %d are allowed in one request.", len(byIndex), maxTagsPerRequest)
	}
	idxs := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idxs = append(idxs, n)
	}
	sort.Ints(idxs)
	out := make([]Tag, 0, len(idxs))
	seen := map[string]bool{}
	for _, n := range idxs {
		t := *byIndex[n]
		name := "Tag." + strconv.Itoa(n)
		if err := checkTagKey(name+".Key", t.Key); err != nil {
			return nil, err
		}
		if strict {
			if utf8.RuneCountInString(t.Value) > maxTagText || strings.Contains(t.Value, "http://") || strings.Contains(t.Value, "https://") {
				return nil, apierror.Newf("InvalidTagValue", "The tag value %s.Value %s is not valid: at most 128 characters, no http:// or https://.", name, shown(t.Value))
			}
			if seen[t.Key] {
				return nil, apierror.Newf("Forbidden.TagKey.Duplicated", "The tag key %s is given more than once.", shown(t.Key))
			}
		}
		seen[t.Key] = true
		out = append(out, t)
	}
	return out, nil
}

// checkTagKey checks a tag key: 1-128 characters without http:// or
// https:// (InvalidTagKey), not starting with aliyun or acs:, which are
// reserved for the system (Forbidden.TagKeys).
func checkTagKey(name, k string) error {
	switch {
	case k == "" || utf8.RuneCountInString(k) > maxTagText || strings.Contains(k, "http://") || strings.Contains(k, "https://"):
		return apierror.Newf("InvalidTagKey", "The tag key %s %s is not valid: 1 to 128 characters, no http:// or https://.", name, shown(k))
	case hasPrefixFold(k, "aliyun") || hasPrefixFold(k, "acs:"):
		return apierror.Newf("Forbidden.TagKeys", "The tag key %s %s is reserved: keys starting with aliyun or acs: belong to the system.", name, shown(k))
	}
	return nil
}

// indexed reads prefix.N (N from 1) in order of N; more than max values
// answer code.
func indexed(p Params, prefix string, max int, code string) ([]string, error) {
	byIndex := map[int]string{}
	for k, v := range p {
		idx, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		n, ok := wirenum.Int(idx)
		if !ok || n < 1 {
			return nil, apierror.Invalid("InvalidParameter", "The parameter %s is not valid: use %s.N with N from 1.", shown(k), prefix)
		}
		byIndex[int(n)] = v
	}
	if len(byIndex) > max {
		return nil, apierror.Newf(code, "%d values of %s.N were given; at most %d are allowed.", len(byIndex), prefix, max)
	}
	idxs := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idxs = append(idxs, n)
	}
	sort.Ints(idxs)
	out := make([]string, len(idxs))
	for i, n := range idxs {
		out[i] = byIndex[n]
	}
	return out, nil
}

// ListTagResourcesResponse is the ListTagResources answer.
type ListTagResourcesResponse struct {
	NextToken    string          `json:"NextToken" xml:"NextToken"`
	TagResources TagResourceList `json:"TagResources" xml:"TagResources"`
}

// TagResourceList wraps TagResource[].
type TagResourceList struct {
	TagResource []TagResourceItem `json:"TagResource" xml:"TagResource"`
}

// TagResourceItem is one tag of one resource.
type TagResourceItem struct {
	ResourceId   string `json:"ResourceId" xml:"ResourceId"`
	ResourceType string `json:"ResourceType" xml:"ResourceType"`
	TagKey       string `json:"TagKey" xml:"TagKey"`
	TagValue     string `json:"TagValue" xml:"TagValue"`
}
