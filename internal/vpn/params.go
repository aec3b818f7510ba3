package vpn

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// Params are the business parameters of one request: query string and form
// body merged by the HTTP layer, which has already rejected a name given twice
// with different values. Names are case-sensitive, as Alibaba's are.
type Params map[string]string

// Options are the request-level flags shared by the Create* actions.
type Options struct {
	ClientToken string // idempotency token, at most 64 ASCII characters
	DryRun      bool   // validate only; the service answers DryRunOperation
}

// maxShown is how much of a bad value an error message repeats.
const maxShown = 64

// shown returns v quoted and truncated to maxShown characters for an error
// message, so a hostile value can neither flood the answer nor break it.
func shown(v string) string {
	return strconv.Quote(apierror.Clip(v, maxShown))
}

// malformed returns Invalid{name}.Malformed for a bad value of parameter name
// (for a flattened name, the code uses its last part: see codeName).
func malformed(name, value, why string) *apierror.Error {
	return apierror.Invalid("Invalid"+codeName(name)+".Malformed",
		"The specified %s %s is not valid: %s.", name, shown(value), why)
}

// codeName turns a flattened parameter name into a code segment: its last
// dot-separated part ("TunnelOptionsSpecification.1.EnableDpd" ->
// "EnableDpd"); messages keep the full name.
func codeName(name string) string {
	return name[strings.LastIndex(name, ".")+1:]
}

// required returns the value of a required parameter, or Missing{name} when it
// is absent or empty.
func (p Params) required(name string) (string, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return "", apierror.Missing(name)
	}
	return v, nil
}

// boolParam reads an optional boolean that must be exactly "true" or "false".
// It returns def when the parameter is absent.
func (p Params) boolParam(name string, def bool) (bool, error) {
	v, ok := p[name]
	if !ok {
		return def, nil
	}
	return parseBool(name, v)
}

// optBool is boolParam for partial updates: set reports presence.
func (p Params) optBool(name string) (val, set bool, err error) {
	v, ok := p[name]
	if !ok {
		return false, false, nil
	}
	b, err := parseBool(name, v)
	return b, true, err
}

func parseBool(name, v string) (bool, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, malformed(name, v, `it must be "true" or "false"`)
}

// text reads an optional free-text parameter (names, descriptions) of at most
// maxLen characters. Alibaba's rule that names must not start with http:// or
// https:// is applied when noURL is set.
func (p Params) text(name string, maxLen int, noURL bool) (string, bool, error) {
	v, ok := p[name]
	if !ok {
		return "", false, nil
	}
	if !utf8.ValidString(v) {
		return "", true, malformed(name, v, "it is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > maxLen {
		return "", true, malformed(name, v, "it is longer than "+strconv.Itoa(maxLen)+" characters")
	}
	if noURL && (strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")) {
		return "", true, malformed(name, v, "it must not start with http:// or https://")
	}
	return v, true, nil
}

// ParseDryRun reads DryRun: "true" or "false" (default false), else
// InvalidDryRun.Malformed.
func ParseDryRun(p Params) (bool, error) {
	return p.boolParam("DryRun", false)
}

// ParseForceDelete reads DeleteVpc's ForceDelete: "true" or "false"
// (default false), else InvalidForceDelete.Malformed.
func ParseForceDelete(p Params) (bool, error) {
	return p.boolParam("ForceDelete", false)
}

// options reads ClientToken and DryRun.
func (p Params) options() (Options, error) {
	var o Options
	if v, ok := p["ClientToken"]; ok {
		if len(v) > 64 || !isPrintableASCII(v) {
			return o, malformed("ClientToken", v, "it must be at most 64 printable ASCII characters")
		}
		o.ClientToken = v
	}
	var err error
	o.DryRun, err = p.boolParam("DryRun", false)
	return o, err
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// maxTags is Alibaba's limit of tags per resource in one request.
const maxTags = 20

// tags reads prefix.N.Key / prefix.N.Value (N from 1 to 20), in order of N.
// A Value without a Key, an empty Key, a Key longer than 128 characters or
// starting with aliyun/acs:, a Value longer than 128 characters, or an index
// outside 1-20 is InvalidTagKey.Malformed / InvalidTagValue.Malformed /
// InvalidParameter.
func (p Params) tags(prefix string) ([]Tag, error) {
	byIndex, err := p.tagPairs(prefix, maxTags)
	if err != nil {
		return nil, err
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
		name := prefix + "." + strconv.Itoa(n)
		switch {
		case t.Key == "":
			return nil, apierror.Invalid("InvalidTagKey.Malformed", "The tag key %s.Key is missing or empty.", name)
		case utf8.RuneCountInString(t.Key) > 128 || strings.HasPrefix(t.Key, "aliyun") || strings.HasPrefix(t.Key, "acs:") || strings.Contains(t.Key, "http://") || strings.Contains(t.Key, "https://"):
			return nil, apierror.Invalid("InvalidTagKey.Malformed", "The tag key %s.Key %s is not valid: at most 128 characters, not starting with aliyun or acs:, no http:// or https://.", name, shown(t.Key))
		case utf8.RuneCountInString(t.Value) > 128 || strings.HasPrefix(t.Value, "aliyun") || strings.HasPrefix(t.Value, "acs:") || strings.Contains(t.Value, "http://") || strings.Contains(t.Value, "https://"):
			return nil, apierror.Invalid("InvalidTagValue.Malformed", "The tag value %s.Value %s is not valid: at most 128 characters, not starting with aliyun or acs:, no http:// or https://.", name, shown(t.Value))
		case seen[t.Key]:
			return nil, apierror.Invalid("InvalidTagKey.Duplicate", "The tag key %s is given more than once.", shown(t.Key))
		}
		seen[t.Key] = true
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// tagPairs collects prefix.N.Key / prefix.N.Value by N (1 to maxIndex;
// maxIndex 0: no upper bound). A malformed name is InvalidParameter.
func (p Params) tagPairs(prefix string, maxIndex int) (map[int]*Tag, error) {
	byIndex := map[int]*Tag{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		n64, canonical := wirenum.Int(idx)
		n := int(n64)
		if !ok || !canonical || n < 1 || (maxIndex > 0 && n > maxIndex) || (field != "Key" && field != "Value") {
			limit := ""
			if maxIndex > 0 {
				limit = " to " + strconv.Itoa(maxIndex)
			}
			return nil, apierror.Invalid("InvalidParameter", "The parameter %s is not valid: use %s.N.Key and %s.N.Value with N from 1%s.", shown(k), prefix, prefix, limit)
		}
		t := byIndex[n]
		if t == nil {
			t = &Tag{}
			byIndex[n] = t
		}
		if field == "Key" {
			t.Key = v
		} else {
			t.Value = v
		}
	}
	return byIndex, nil
}

// Page is a validated page request.
type Page struct {
	Number int // 1-based
	Size   int // 1-50
}

// Offset is the number of items before the page.
func (pg Page) Offset() int { return (pg.Number - 1) * pg.Size }

// MaxPageSize is the largest PageSize the Describe actions accept.
const MaxPageSize = 50

// ParsePage reads PageNumber (integer >= 1, default 1) and PageSize (integer
// 1-50, default 10). Bad values are InvalidPageNumber.Malformed /
// InvalidPageSize.Malformed.
func ParsePage(p Params) (Page, error) {
	pg := Page{Number: 1, Size: 10}
	if v, ok := p["PageNumber"]; ok {
		n, ok := wirenum.Int(v)
		if !ok || n < 1 || n > 1<<30 {
			return pg, apierror.Invalid("InvalidPageNumber.Malformed", "The specified PageNumber %s is not valid: it must be an integer of at least 1.", shown(v))
		}
		pg.Number = int(n)
	}
	if v, ok := p["PageSize"]; ok {
		n, ok := wirenum.Int(v)
		if !ok || n < 1 || n > MaxPageSize {
			return pg, apierror.Invalid("InvalidPageSize.Malformed", "The specified PageSize %s is not valid: it must be an integer from 1 to %d.", shown(v), MaxPageSize)
		}
		pg.Size = int(n)
	}
	return pg, nil
}
