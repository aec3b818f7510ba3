package vpn

import (
	"slices"
	"sync"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// Region is one Alibaba Cloud region with its display names, its VPC API
// endpoint (as Alibaba's DescribeRegions answers it) and its zones.
type Region struct {
	ID       string
	NameZh   string // LocalName for AcceptLanguage zh-CN (the default)
	NameEn   string // LocalName for AcceptLanguage en-US
	Endpoint string
	Zones    []string
}

// LocalName returns the region's name in lang ("en-US" or anything else for
// zh-CN, Alibaba's default).
func (r Region) LocalName(lang string) string {
	if lang == "en-US" {
		return r.NameEn
	}
	return r.NameZh
}

// regionTable is constant data: never modified, and only copies leave the
// package.
func regionTable() []Region {
	z := func(region string, suffixes ...string) []string {
		out := make([]string, len(suffixes))
		for i, s := range suffixes {
			out[i] = region + "-" + s
		}
		return out
	}
	const central = "vpc.aliyuncs.com"
	ep := func(region string) string { return "vpc." + region + ".aliyuncs.com" }
	return []Region{
		{"cn-qingdao", "华北1（青岛）", "China (Qingdao)", central, z("cn-qingdao", "b", "c")},
		{"cn-beijing", "华北2（北京）", "China (Beijing)", central, z("cn-beijing", "a", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")},
		{"cn-zhangjiakou", "华北3（张家口）", "China (Zhangjiakou)", ep("cn-zhangjiakou"), z("cn-zhangjiakou", "a", "b", "c")},
		{"cn-huhehaote", "华北5（呼和浩特）", "China (Hohhot)", ep("cn-huhehaote"), z("cn-huhehaote", "a", "b")},
		{"cn-wulanchabu", "华北6（乌兰察布）", "China (Ulanqab)", ep("cn-wulanchabu"), z("cn-wulanchabu", "a", "b", "c")},
		{"cn-hangzhou", "华东1（杭州）", "China (Hangzhou)", central, z("cn-hangzhou", "b", "f", "g", "h", "i", "j", "k")},
		{"cn-shanghai", "华东2（上海）", "China (Shanghai)", central, z("cn-shanghai", "a", "b", "c", "d", "e", "f", "g", "l", "m", "n")},
		{"cn-nanjing", "华东5（南京-本地地域）", "China (Nanjing - Local Region)", ep("cn-nanjing"), z("cn-nanjing", "a")},
		{"cn-shenzhen", "华南1（深圳）", "China (Shenzhen)", central, z("cn-shenzhen", "a", "b", "c", "d", "e", "f")},
		{"cn-heyuan", "华南2（河源）", "China (Heyuan)", ep("cn-heyuan"), z("cn-heyuan", "a", "b")},
		{"cn-guangzhou", "华南3（广州）", "China (Guangzhou)", ep("cn-guangzhou"), z("cn-guangzhou", "a", "b")},
		{"cn-chengdu", "西南1（成都）", "China (Chengdu)", ep("cn-chengdu"), z("cn-chengdu", "a", "b")},
		{"cn-hongkong", "中国香港", "China (Hong Kong)", central, z("cn-hongkong", "b", "c", "d")},
		{"ap-northeast-1", "日本（东京）", "Japan (Tokyo)", ep("ap-northeast-1"), z("ap-northeast-1", "a", "b", "c")},
		{"ap-northeast-2", "韩国（首尔）", "South Korea (Seoul)", ep("ap-northeast-2"), z("ap-northeast-2", "a")},
		{"ap-southeast-1", "新加坡", "Singapore", central, z("ap-southeast-1", "a", "b", "c")},
		{"ap-southeast-3", "马来西亚（吉隆坡）", "Malaysia (Kuala Lumpur)", ep("ap-southeast-3"), z("ap-southeast-3", "a", "b")},
		{"ap-southeast-5", "印度尼西亚（雅加达）", "Indonesia (Jakarta)", ep("ap-southeast-5"), z("ap-southeast-5", "a", "b", "c")},
		{"ap-southeast-6", "菲律宾（马尼拉）", "Philippines (Manila)", ep("ap-southeast-6"), z("ap-southeast-6", "a", "b")},
		{"ap-southeast-7", "泰国（曼谷）", "Thailand (Bangkok)", ep("ap-southeast-7"), z("ap-southeast-7", "a")},
		{"us-east-1", "美国（弗吉尼亚）", "US (Virginia)", central, z("us-east-1", "a", "b")},
		{"us-west-1", "美国（硅谷）", "US (Silicon Valley)", central, z("us-west-1", "a", "b")},
		{"eu-west-1", "英国（伦敦）", "UK (London)", ep("eu-west-1"), z("eu-west-1", "a", "b")},
		{"eu-central-1", "德国（法兰克福）", "Germany (Frankfurt)", ep("eu-central-1"), z("eu-central-1", "a", "b", "c")},
		{"me-east-1", "阿联酋（迪拜）", "UAE (Dubai)", ep("me-east-1"), z("me-east-1", "a")},
		{"me-central-1", "沙特（利雅得）", "SAU (Riyadh - Partner Region)", ep("me-central-1"), z("me-central-1", "a", "b")},
	}
}

// Regions returns the region list in Alibaba's DescribeRegions order. The
// caller owns the returned slice.
func Regions() []Region { return regionTable() }

// regionsByID indexes one table built at first use; nothing outside this
// file reads it, and LookupRegion hands out copies.
var regionsByID = sync.OnceValue(func() map[string]*Region {
	t := regionTable()
	m := make(map[string]*Region, len(t))
	for i := range t {
		m[t[i].ID] = &t[i]
	}
	return m
})

// LookupRegion returns the region with the given id (a copy the caller
// owns).
func LookupRegion(id string) (Region, bool) {
	r, ok := regionsByID()[id]
	if !ok {
		return Region{}, false
	}
	c := *r
	c.Zones = slices.Clone(r.Zones)
	return c, true
}

// ValidZone reports whether zone is a zone of region.
func ValidZone(region, zone string) bool {
	r, ok := regionsByID()[region]
	return ok && slices.Contains(r.Zones, zone)
}

// ParseRegion reads the required RegionId: absent -> MissingRegionId, unknown
// -> InvalidRegionId.NotFound.
func ParseRegion(p Params) (string, error) {
	v, err := p.required("RegionId")
	if err != nil {
		return "", err
	}
	if _, ok := regionsByID()[v]; !ok {
		return "", apierror.Newf("InvalidRegionId.NotFound", "The specified RegionId %s does not exist.", shown(v))
	}
	return v, nil
}

// ParseAcceptLanguage reads DescribeRegions' AcceptLanguage: zh-CN (default)
// or en-US; anything else is InvalidAcceptLanguage.Malformed.
func ParseAcceptLanguage(p Params) (string, error) {
	v, ok := p["AcceptLanguage"]
	if !ok || v == "" {
		return "zh-CN", nil
	}
	if v != "zh-CN" && v != "en-US" {
		return "", malformed("AcceptLanguage", v, "it must be zh-CN or en-US")
	}
	return v, nil
}
