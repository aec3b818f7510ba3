package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	vpcv1 "github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// client drives one of the four official client modes with a small common
// surface, so every test runs the same steps in each mode and compares parsed
// values.
type client struct {
	t    *testing.T
	env  *apptest.Env
	mode apptest.Mode
	v2   *vpc.Client
	v1   *vpcv1.Client
}

func newClient(t *testing.T, env *apptest.Env, mode apptest.Mode) *client {
	c := &client{t: t, env: env, mode: mode}
	switch mode {
	case apptest.V2Default:
		c.v2 = env.V2(t, "", apptest.AccessKeyID, apptest.AccessKeySecret)
	case apptest.V2HMAC:
		c.v2 = env.V2(t, "v2", apptest.AccessKeyID, apptest.AccessKeySecret)
	default:
		c.v1 = env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	}
	return c
}

func (c *client) xml() bool { return c.mode == apptest.V1XML }

type region struct{ RegionId, LocalName, RegionEndpoint string }

func (c *client) describeRegions(lang string) []region {
	c.t.Helper()
	var out []region
	if c.v2 != nil {
		req := &vpc.DescribeRegionsRequest{}
		if lang != "" {
			req.AcceptLanguage = dara.String(lang)
		}
		resp, err := c.v2.DescribeRegions(req)
		if err != nil {
			c.t.Fatalf("%s DescribeRegions: %v", c.mode, err)
		}
		for _, r := range resp.Body.Regions.Region {
			out = append(out, region{dara.StringValue(r.RegionId), dara.StringValue(r.LocalName), dara.StringValue(r.RegionEndpoint)})
		}
		return out
	}
	req := vpcv1.CreateDescribeRegionsRequest()
	c.env.PrepareV1(req, &req.AcceptFormat, c.xml())
	req.AcceptLanguage = lang
	resp, err := c.v1.DescribeRegions(req)
	if err != nil {
		c.t.Fatalf("%s DescribeRegions: %v", c.mode, err)
	}
	for _, r := range resp.Regions.Region {
		out = append(out, region{r.RegionId, r.LocalName, r.RegionEndpoint})
	}
	return out
}

func (c *client) createVpc(regionID, cidr, name string) string {
	c.t.Helper()
	if c.v2 != nil {
		resp, err := c.v2.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(regionID), CidrBlock: dara.String(cidr), VpcName: dara.String(name)})
		if err != nil {
			c.t.Fatalf("%s CreateVpc: %v", c.mode, err)
		}
		return dara.StringValue(resp.Body.VpcId)
	}
	req := vpcv1.CreateCreateVpcRequest()
	c.env.PrepareV1(req, &req.AcceptFormat, c.xml())
	req.RegionId, req.CidrBlock, req.VpcName = regionID, cidr, name
	resp, err := c.v1.CreateVpc(req)
	if err != nil {
		c.t.Fatalf("%s CreateVpc: %v", c.mode, err)
	}
	return resp.VpcId
}

type vpcInfo struct {
	VpcId, VpcName, CidrBlock, Status, RegionId string
	VSwitchIds                                  []string
}

func (c *client) describeVpcs(regionID string, page, size int) ([]vpcInfo, int) {
	c.t.Helper()
	var out []vpcInfo
	if c.v2 != nil {
		resp, err := c.v2.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: dara.String(regionID), PageNumber: dara.Int32(int32(page)), PageSize: dara.Int32(int32(size))})
		if err != nil {
			c.t.Fatalf("%s DescribeVpcs: %v", c.mode, err)
		}
		for _, v := range resp.Body.Vpcs.Vpc {
			var sws []string
			if v.VSwitchIds != nil {
				sws = dara.StringSliceValue(v.VSwitchIds.VSwitchId)
			}
			out = append(out, vpcInfo{dara.StringValue(v.VpcId), dara.StringValue(v.VpcName), dara.StringValue(v.CidrBlock), dara.StringValue(v.Status), dara.StringValue(v.RegionId), sws})
		}
		return out, int(dara.Int32Value(resp.Body.TotalCount))
	}
	req := vpcv1.CreateDescribeVpcsRequest()
	c.env.PrepareV1(req, &req.AcceptFormat, c.xml())
	req.RegionId = regionID
	req.PageNumber = requestsInt(page)
	req.PageSize = requestsInt(size)
	resp, err := c.v1.DescribeVpcs(req)
	if err != nil {
		c.t.Fatalf("%s DescribeVpcs: %v", c.mode, err)
	}
	for _, v := range resp.Vpcs.Vpc {
		out = append(out, vpcInfo{v.VpcId, v.VpcName, v.CidrBlock, v.Status, v.RegionId, v.VSwitchIds.VSwitchId})
	}
	return out, resp.TotalCount
}

func (c *client) createVSwitch(regionID, vpcID, zone, cidr, name string) string {
	c.t.Helper()
	if c.v2 != nil {
		resp, err := c.v2.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(regionID), VpcId: dara.String(vpcID), ZoneId: dara.String(zone), CidrBlock: dara.String(cidr), VSwitchName: dara.String(name)})
		if err != nil {
			c.t.Fatalf("%s CreateVSwitch: %v", c.mode, err)
		}
		return dara.StringValue(resp.Body.VSwitchId)
	}
	req := vpcv1.CreateCreateVSwitchRequest()
	c.env.PrepareV1(req, &req.AcceptFormat, c.xml())
	req.RegionId, req.VpcId, req.ZoneId, req.CidrBlock, req.VSwitchName = regionID, vpcID, zone, cidr, name
	resp, err := c.v1.CreateVSwitch(req)
	if err != nil {
		c.t.Fatalf("%s CreateVSwitch: %v", c.mode, err)
	}
	return resp.VSwitchId
}

type vswitchInfo struct{ VSwitchId, VpcId, ZoneId, CidrBlock, VSwitchName, Status string }

func (c *client) describeVSwitches(regionID, vpcID string) ([]vswitchInfo, int) {
	c.t.Helper()
	var out []vswitchInfo
	if c.v2 != nil {
		resp, err := c.v2.DescribeVSwitches(&vpc.DescribeVSwitchesRequest{RegionId: dara.String(regionID), VpcId: dara.String(vpcID)})
		if err != nil {
			c.t.Fatalf("%s DescribeVSwitches: %v", c.mode, err)
		}
		for _, v := range resp.Body.VSwitches.VSwitch {
			out = append(out, vswitchInfo{dara.StringValue(v.VSwitchId), dara.StringValue(v.VpcId), dara.StringValue(v.ZoneId), dara.StringValue(v.CidrBlock), dara.StringValue(v.VSwitchName), dara.StringValue(v.Status)})
		}
		return out, int(dara.Int32Value(resp.Body.TotalCount))
	}
	req := vpcv1.CreateDescribeVSwitchesRequest()
	c.env.PrepareV1(req, &req.AcceptFormat, c.xml())
	req.RegionId, req.VpcId = regionID, vpcID
	resp, err := c.v1.DescribeVSwitches(req)
	if err != nil {
		c.t.Fatalf("%s DescribeVSwitches: %v", c.mode, err)
	}
	for _, v := range resp.VSwitches.VSwitch {
		out = append(out, vswitchInfo{v.VSwitchId, v.VpcId, v.ZoneId, v.CidrBlock, v.VSwitchName, v.Status})
	}
	return out, resp.TotalCount
}

// TestCompatVpcResources drives DescribeRegions, CreateVpc, DescribeVpcs,
// CreateVSwitch and DescribeVSwitches through all four official client
// modes and asserts the parsed values.
func TestCompatVpcResources(t *testing.T) {
	env := apptest.Start(t)
	var wantRegions []region
	for _, r := range vpn.Regions() {
		wantRegions = append(wantRegions, region{r.ID, r.LocalName("en-US"), r.Endpoint})
	}
	for i, mode := range apptest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := newClient(t, env, mode)
			if d := cmp.Diff(wantRegions, c.describeRegions("en-US")); d != "" {
				t.Fatalf("regions (-want +got):\n%s", d)
			}
			zh := c.describeRegions("")
			if zh[0].RegionId != wantRegions[0].RegionId || zh[0].LocalName != vpn.Regions()[0].LocalName("zh-CN") {
				t.Fatalf("zh-CN default: %+v", zh[0])
			}
			regionID := "cn-shanghai"
			name := fmt.Sprintf("vpc-%s", mode)
			cidr := fmt.Sprintf("10.%d.0.0/16", i)
			id := c.createVpc(regionID, cidr, name)
			if !vpn.ValidID(vpn.PrefixVpc, id) {
				t.Fatalf("VpcId %q", id)
			}
			sw1 := c.createVSwitch(regionID, id, "cn-shanghai-b", fmt.Sprintf("10.%d.1.0/24", i), "sw-a")
			sw2 := c.createVSwitch(regionID, id, "cn-shanghai-e", fmt.Sprintf("10.%d.2.0/24", i), "sw-b")
			vpcs, total := c.describeVpcs(regionID, 1, 50)
			if total != i+1 || len(vpcs) != i+1 {
				t.Fatalf("DescribeVpcs: total %d, %d items, want %d", total, len(vpcs), i+1)
			}
			idx := slices.IndexFunc(vpcs, func(v vpcInfo) bool { return v.VpcId == id })
			if idx < 0 {
				t.Fatalf("VPC %s not listed: %+v", id, vpcs)
			}
			got := vpcs[idx]
			slices.Sort(got.VSwitchIds)
			wantSw := []string{sw1, sw2}
			slices.Sort(wantSw)
			want := vpcInfo{VpcId: id, VpcName: name, CidrBlock: cidr, Status: "Available", RegionId: regionID, VSwitchIds: wantSw}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("vpc (-want +got):\n%s", d)
			}
			// Paging: one per page.
			if page, total := c.describeVpcs(regionID, 1, 1); len(page) != 1 || total != i+1 {
				t.Fatalf("page size 1: %d items, total %d", len(page), total)
			}
			sws, total := c.describeVSwitches(regionID, id)
			if total != 2 {
				t.Fatalf("vswitches total %d", total)
			}
			wantSws := []vswitchInfo{
				{sw1, id, "cn-shanghai-b", fmt.Sprintf("10.%d.1.0/24", i), "sw-a", "Available"},
				{sw2, id, "cn-shanghai-e", fmt.Sprintf("10.%d.2.0/24", i), "sw-b", "Available"},
			}
			if d := cmp.Diff(wantSws, sws); d != "" {
				t.Fatalf("vswitches (-want +got):\n%s", d)
			}
			// Another region sees nothing.
			if other, total := c.describeVpcs("cn-beijing", 1, 10); len(other) != 0 || total != 0 {
				t.Fatalf("cn-beijing: %+v", other)
			}
		})
	}
}

func requestsInt(n int) requests.Integer { return requests.NewInteger(n) }
