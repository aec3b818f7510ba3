package api_test

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// sdkAnswers names, for every VPC action vpcvpn answers, the V2 SDK's model
// of its answer.
var sdkAnswers = map[string]any{
	"DescribeRegions":                  vpc.DescribeRegionsResponseBody{},
	"CreateVpc":                        vpc.CreateVpcResponseBody{},
	"DescribeVpcs":                     vpc.DescribeVpcsResponseBody{},
	"DescribeVpcAttribute":             vpc.DescribeVpcAttributeResponseBody{},
	"ModifyVpcAttribute":               vpc.ModifyVpcAttributeResponseBody{},
	"DeleteVpc":                        vpc.DeleteVpcResponseBody{},
	"CreateVSwitch":                    vpc.CreateVSwitchResponseBody{},
	"DescribeVSwitches":                vpc.DescribeVSwitchesResponseBody{},
	"DescribeVSwitchAttributes":        vpc.DescribeVSwitchAttributesResponseBody{},
	"ModifyVSwitchAttribute":           vpc.ModifyVSwitchAttributeResponseBody{},
	"DeleteVSwitch":                    vpc.DeleteVSwitchResponseBody{},
	"DescribeRouteTableList":           vpc.DescribeRouteTableListResponseBody{},
	"ModifyRouteTableAttributes":       vpc.ModifyRouteTableAttributesResponseBody{},
	"CreateVpnGateway":                 vpc.CreateVpnGatewayResponseBody{},
	"DescribeVpnGateway":               vpc.DescribeVpnGatewayResponseBody{},
	"DescribeVpnGateways":              vpc.DescribeVpnGatewaysResponseBody{},
	"ModifyVpnGatewayAttribute":        vpc.ModifyVpnGatewayAttributeResponseBody{},
	"DeleteVpnGateway":                 vpc.DeleteVpnGatewayResponseBody{},
	"DescribeVpnGatewayAvailableZones": vpc.DescribeVpnGatewayAvailableZonesResponseBody{},
	"MoveVpnResourceGroup":             vpc.MoveVpnResourceGroupResponseBody{},
	"MoveResourceGroup":                vpc.MoveResourceGroupResponseBody{},
	"CreateCustomerGateway":            vpc.CreateCustomerGatewayResponseBody{},
	"DescribeCustomerGateway":          vpc.DescribeCustomerGatewayResponseBody{},
	"DescribeCustomerGateways":         vpc.DescribeCustomerGatewaysResponseBody{},
	"ModifyCustomerGatewayAttribute":   vpc.ModifyCustomerGatewayAttributeResponseBody{},
	"DeleteCustomerGateway":            vpc.DeleteCustomerGatewayResponseBody{},
	"CreateVpnConnection":              vpc.CreateVpnConnectionResponseBody{},
	"DescribeVpnConnection":            vpc.DescribeVpnConnectionResponseBody{},
	"DescribeVpnConnections":           vpc.DescribeVpnConnectionsResponseBody{},
	"ModifyVpnConnectionAttribute":     vpc.ModifyVpnConnectionAttributeResponseBody{},
	"ModifyTunnelAttribute":            vpc.ModifyTunnelAttributeResponseBody{},
	"DeleteVpnConnection":              vpc.DeleteVpnConnectionResponseBody{},
	"DownloadVpnConnectionConfig":      vpc.DownloadVpnConnectionConfigResponseBody{},
	"TagResources":                     vpc.TagResourcesResponseBody{},
	"UnTagResources":                   vpc.UnTagResourcesResponseBody{},
	"ListTagResources":                 vpc.ListTagResourcesResponseBody{},
	"CreateVpnRouteEntry":              vpc.CreateVpnRouteEntryResponseBody{},
	"DescribeVpnRouteEntries":          vpc.DescribeVpnRouteEntriesResponseBody{},
	"ModifyVpnRouteEntryWeight":        vpc.ModifyVpnRouteEntryWeightResponseBody{},
	"DeleteVpnRouteEntry":              vpc.DeleteVpnRouteEntryResponseBody{},
	"CreateVpnPbrRouteEntry":           vpc.CreateVpnPbrRouteEntryResponseBody{},
	"DescribeVpnPbrRouteEntries":       vpc.DescribeVpnPbrRouteEntriesResponseBody{},
	"ModifyVpnPbrRouteEntryWeight":     vpc.ModifyVpnPbrRouteEntryWeightResponseBody{},
	"ModifyVpnPbrRouteEntryPriority":   vpc.ModifyVpnPbrRouteEntryPriorityResponseBody{},
	"ModifyVpnPbrRouteEntryAttribute":  vpc.ModifyVpnPbrRouteEntryAttributeResponseBody{},
	"DeleteVpnPbrRouteEntry":           vpc.DeleteVpnPbrRouteEntryResponseBody{},
	"PublishVpnRouteEntry":             vpc.PublishVpnRouteEntryResponseBody{},
	"DescribeVpnConnectionLogs":        vpc.DescribeVpnConnectionLogsResponseBody{},
}

// vpcvpnExtensions are VPC actions of vpcvpn's own, without an SDK model.
var vpcvpnExtensions = []string{"DescribeVpnConnectionDeviceTypes", "DownloadVpnConnectionDeviceConfig",
	"DownloadVpnGatewayAgentConfig", "ReportVpnGatewayAgentStatus", "DescribeVpnGatewayAgentStatus"}

// sdkPaths lists the fields of an SDK model as dotted JSON paths, "[]"
// marking list items: the leaves (scalars and lists of scalars).
func sdkPaths(t reflect.Type, prefix string, out map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || (prefix == "" && name == "RequestId") {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			sdkPaths(ft, prefix+name+".", out)
		case ft.Kind() == reflect.Slice:
			et := ft.Elem()
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				sdkPaths(et, prefix+name+"[].", out)
			} else {
				out[prefix+name] = true
			}
		default:
			out[prefix+name] = true
		}
	}
}

// filledPaths marks the paths of v (an answer decoded from JSON) that hold a
// value other than the zero one: a non-empty string, a non-zero number,
// true, a non-empty list of scalars.
func filledPaths(v any, path string, out map[string]bool) {
	child := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			filledPaths(vv, child(k), out)
		}
	case []any:
		for _, it := range x {
			if obj, ok := it.(map[string]any); ok {
				for k, vv := range obj {
					filledPaths(vv, path+"[]."+k, out)
				}
			} else if fmt.Sprint(it) != "" {
				out[path] = true
			}
		}
	case nil:
	case bool:
		if x {
			out[path] = true
		}
	case string:
		if x != "" {
			out[path] = true
		}
	default:
		if s := fmt.Sprint(x); s != "0" && s != "" {
			out[path] = true
		}
	}
}

// cannotApply reads the table of answer fields that cannot apply from
// docs/API.md: rows "| Actions | Fields | Why |" under the heading
// "## Answer fields that cannot apply", actions and fields comma-separated,
// a field covering its whole subtree.
func cannotApply(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Answer fields that cannot apply"
			continue
		}
		if !in || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Actions") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			t.Fatalf("docs/API.md: malformed row %q", line)
		}
		for _, a := range strings.Split(cells[1], ",") {
			for _, fld := range strings.Split(cells[2], ",") {
				a, fld := strings.TrimSpace(a), strings.Trim(strings.TrimSpace(fld), "`")
				out[a] = append(out[a], fld)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("docs/API.md has no table under \"## Answer fields that cannot apply\"")
	}
	return out
}

func covers(doc []string, path string) (string, bool) {
	for _, d := range doc {
		if path == d || strings.HasPrefix(path, d+".") || strings.HasPrefix(path, d+"[].") {
			return d, true
		}
	}
	return "", false
}

// TestAnswersFillSDKFields compares every answer with the V2 SDK's model of
// it: over a run that calls every VPC action in the states clients meet
// (single- and dual-tunnel, BGP, health checks, SSL-VPN, tags, routes,
// resource groups), each field of the model must be filled with a
// non-zero value at least once, unless docs/API.md lists it as a field that
// cannot apply (and then it must never be filled).
func TestAnswersFillSDKFields(t *testing.T) {
	for _, a := range api.Actions(nil) {
		if a.Version != api.VersionVPC {
			continue
		}
		if _, ok := sdkAnswers[a.Name]; !ok && !slices.Contains(vpcvpnExtensions, a.Name) {
			t.Errorf("action %s has no SDK model in sdkAnswers", a.Name)
		}
	}
	env := apptest.Start(t)
	c := newTFClient(t, env)
	c.rec = map[string][]map[string]any{}
	answerCorpus(t, c)

	doc := cannotApply(t)
	used := map[string]bool{}
	actions := make([]string, 0, len(sdkAnswers))
	for a := range sdkAnswers {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		answers := c.rec[a]
		if len(answers) == 0 {
			t.Errorf("%s: the corpus never called it", a)
			continue
		}
		want, got := map[string]bool{}, map[string]bool{}
		sdkPaths(reflect.TypeOf(sdkAnswers[a]), "", want)
		for _, ans := range answers {
			delete(ans, "RequestId")
			filledPaths(ans, "", got)
		}
		paths := make([]string, 0, len(want))
		for p := range want {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			d, documented := covers(doc[a], p)
			if documented {
				used[a+" "+d] = true
			}
			switch {
			case got[p] && documented:
				t.Errorf("%s.%s is filled but docs/API.md lists %s as a field that cannot apply", a, p, d)
			case !got[p] && !documented:
				t.Errorf("%s.%s is never filled: fill it, or list it in docs/API.md under \"Answer fields that cannot apply\"", a, p)
			}
		}
	}
	for a, fields := range doc {
		for _, f := range fields {
			if !used[a+" "+f] {
				t.Errorf("docs/API.md lists %s.%s, which is no field of the SDK model", a, f)
			}
		}
	}
}

// answerCorpus calls every VPC action of the dispatch table at least once,
// in the states whose answers differ: a VPC with vSwitches, tags and a
// tagged route table; a dual-tunnel SSL-VPN gateway with a BGP and
// health-checked connection; a single-tunnel gateway with a BGP connection
// to a customer gateway with an AuthKey; both route families; paged tags;
// moves; deletes.
func answerCorpus(t *testing.T, c *tfClient) {
	r := tfRegion
	c.post("DescribeRegions", nil, m("AcceptLanguage", "en-US"))
	vpcID := sv(c.post("CreateVpc", nil, m("RegionId", r, "CidrBlock", "192.168.0.0/16", "VpcName", "v", "Description", "d",
		"ResourceGroupId", "rg-acfmcorpus", "Tag.1.Key", "k", "Tag.1.Value", "v", "Tag.2.Key", "k2", "Tag.2.Value", "v2")), "VpcId")
	sw1 := sv(c.post("CreateVSwitch", nil, m("RegionId", r, "VpcId", vpcID, "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.1.0/24",
		"VSwitchName", "a", "Description", "d", "Tag.1.Key", "k", "Tag.1.Value", "v")), "VSwitchId")
	sw2 := sv(c.post("CreateVSwitch", nil, m("RegionId", r, "VpcId", vpcID, "ZoneId", "cn-hangzhou-i", "CidrBlock", "192.168.2.0/24")), "VSwitchId")
	c.post("ModifyVpcAttribute", nil, m("RegionId", r, "VpcId", vpcID, "Description", "d2"))
	c.post("ModifyVSwitchAttribute", nil, m("RegionId", r, "VSwitchId", sw1, "Description", "d2"))
	c.post("DescribeVpcs", nil, m("RegionId", r))
	c.post("DescribeVpcAttribute", nil, m("RegionId", r, "VpcId", vpcID))
	c.post("DescribeVSwitches", nil, m("RegionId", r))
	c.post("DescribeVSwitchAttributes", nil, m("RegionId", r, "VSwitchId", sw1))
	tables := c.post("DescribeRouteTableList", nil, m("RegionId", r, "VpcId", vpcID))
	vtb := sv(path(tables, "RouterTableList", "RouterTableListType").([]any)[0].(map[string]any), "RouteTableId")
	c.post("TagResources", nil, m("RegionId", r, "ResourceType", "ROUTETABLE", "ResourceId.1", vtb, "Tag.1.Key", "rt", "Tag.1.Value", "1"))
	c.post("ModifyRouteTableAttributes", nil, m("RegionId", r, "RouteTableId", vtb, "RouteTableName", "rt", "Description", "d"))
	c.post("DescribeRouteTableList", nil, m("RegionId", r, "VpcId", vpcID))

	// A dual-tunnel SSL-VPN gateway and a BGP, health-checked connection.
	gw := sv(c.post("CreateVpnGateway", nil, m("RegionId", r, "VpcId", vpcID, "VSwitchId", sw1, "DisasterRecoveryVSwitchId", sw2, "Bandwidth", 10,
		"EnableSsl", true, "SslConnections", 10, "Name", "gw")), "VpnGatewayId")
	c.post("TagResources", nil, m("RegionId", r, "ResourceType", "VpnGateway", "ResourceId.1", gw, "Tag.1.Key", "k", "Tag.1.Value", "v"))
	c.post("DescribeVpnGatewayAvailableZones", nil, m("RegionId", r, "Spec", "10M"))
	var cgs []string
	for i, ip := range []string{"198.51.100.61", "198.51.100.62", "198.51.100.63"} {
		cgs = append(cgs, sv(c.post("CreateCustomerGateway", nil, m("RegionId", r, "IpAddress", ip, "Asn", fmt.Sprint(65061+i), "AuthKey", "md5key",
			"Name", "cg", "Description", "d", "Tags.1.Key", "k", "Tags.1.Value", "v")), "CustomerGatewayId"))
	}
	c.post("ModifyCustomerGatewayAttribute", nil, m("RegionId", r, "CustomerGatewayId", cgs[0], "Description", "d2"))
	c.post("DescribeCustomerGateway", nil, m("RegionId", r, "CustomerGatewayId", cgs[0]))
	c.post("DescribeCustomerGateways", nil, m("RegionId", r))
	hc := `{"enable":true,"sip":"192.168.1.1","dip":"10.0.0.1","interval":3,"retry":3,"policy":"revoke_route"}`
	tun := func(role, cg, cidr, ip string) map[string]any {
		return map[string]any{"Role": role, "CustomerGatewayId": cg, "TunnelBgpConfig": map[string]any{"TunnelCidr": cidr, "LocalBgpIp": ip}}
	}
	dual := sv(c.post("CreateVpnConnection", nil, m("RegionId", r, "VpnGatewayId", gw, "LocalSubnet", "192.168.0.0/16", "RemoteSubnet", "10.0.0.0/8",
		"Name", "dual", "EnableTunnelsBgp", true, "HealthCheckConfig", hc, "EffectImmediately", true, "Tags.1.Key", "k", "Tags.1.Value", "v",
		"TunnelOptionsSpecification", []map[string]any{tun("master", cgs[0], "169.254.1.0/30", "169.254.1.1"), tun("slave", cgs[1], "169.254.2.0/30", "169.254.2.1")})),
		"VpnConnectionId")
	dq := m("RegionId", r, "VpnConnectionId", dual)
	c.post("DescribeVpnConnection", dq, nil)
	c.post("ModifyVpnConnectionAttribute", dq, m("Name", "dual2"))
	d := c.post("DescribeVpnConnection", dq, nil)
	tunnelID := sv(path(d, "TunnelOptionsSpecification", "TunnelOptions").([]any)[0].(map[string]any), "TunnelId")
	c.post("ModifyTunnelAttribute", dq, m("TunnelId", tunnelID, "TunnelOptionsSpecification.EnableDpd", true))
	c.post("DownloadVpnConnectionConfig", dq, nil)
	c.post("ModifyVpnGatewayAttribute", m("VpnGatewayId", gw), m("RegionId", r, "Description", "d", "AutoPropagate", true))
	c.post("DescribeVpnGateway", m("RegionId", r, "VpnGatewayId", gw), nil)
	c.post("DescribeVpnGateways", nil, m("RegionId", r))

	// A single-tunnel gateway in another VPC with a BGP connection.
	vpc2 := sv(c.post("CreateVpc", nil, m("RegionId", r, "CidrBlock", "172.16.0.0/16")), "VpcId")
	sw3 := sv(c.post("CreateVSwitch", nil, m("RegionId", r, "VpcId", vpc2, "ZoneId", "cn-hangzhou-h", "CidrBlock", "172.16.1.0/24")), "VSwitchId")
	gw2 := sv(c.post("CreateVpnGateway", nil, m("RegionId", r, "VpcId", vpc2, "VSwitchId", sw3, "Bandwidth", 10)), "VpnGatewayId")
	single := sv(c.post("CreateVpnConnection", nil, m("RegionId", r, "VpnGatewayId", gw2, "CustomerGatewayId", cgs[2], "LocalSubnet", "172.16.0.0/16",
		"RemoteSubnet", "10.0.0.0/8", "Name", "single", "HealthCheckConfig", hc, "EffectImmediately", true,
		"BgpConfig", `{"EnableBgp":true,"TunnelCidr":"169.254.3.0/30","LocalBgpIp":"169.254.3.1"}`)), "VpnConnectionId")
	sq := m("RegionId", r, "VpnConnectionId", single)
	c.post("DescribeVpnConnection", sq, nil)
	c.post("ModifyVpnConnectionAttribute", sq, m("Name", "single2"))
	c.post("DownloadVpnConnectionConfig", sq, nil)
	c.post("DescribeVpnConnections", nil, m("RegionId", r))

	// charon's log lines, shipped by the gateway agent, read back for a
	// closed range (IsCompleted: the agent reported after it).
	now := time.Now()
	line := fmt.Sprintf(`[{"VpnConnectionId":%q,"Time":%d,"Line":"[IKE] initiating Main Mode"}]`, single, now.Add(-5*time.Minute).UnixMilli())
	c.post("ReportVpnGatewayAgentStatus", nil, m("RegionId", r, "VpnGatewayId", gw2, "AgentInstanceId", "corpus", "Sequence", 1, "LogLines.1", line))
	c.post("DescribeVpnConnectionLogs", nil, m("RegionId", r, "VpnConnectionId", single, "From", now.Add(-10*time.Minute).Unix(), "To", now.Add(-time.Minute).Unix()))

	// Tags, paged.
	c.post("ListTagResources", nil, m("RegionId", r, "ResourceType", "VPC", "ResourceId.1", vpcID, "MaxResults", 1))
	c.post("UnTagResources", nil, m("RegionId", r, "ResourceType", "VPC", "ResourceId.1", vpcID, "All", true))

	// Routes of both families.
	rq := func(kv ...any) map[string]any {
		return m(append([]any{"RegionId", r, "VpnGatewayId", gw2, "NextHop", single}, kv...)...)
	}
	c.post("CreateVpnRouteEntry", nil, rq("RouteDest", "10.0.0.0/8", "Weight", 100, "PublishVpc", true, "Description", "d"))
	c.post("DescribeVpnRouteEntries", nil, m("RegionId", r, "VpnGatewayId", gw2))
	c.post("PublishVpnRouteEntry", nil, rq("RouteDest", "10.0.0.0/8", "RouteType", "dbr", "PublishVpc", false))
	c.post("ModifyVpnRouteEntryWeight", nil, rq("RouteDest", "10.0.0.0/8", "Weight", 100, "NewWeight", 0))
	c.post("CreateVpnPbrRouteEntry", nil, rq("RouteSource", "172.16.1.0/24", "RouteDest", "10.1.0.0/16", "Weight", 100, "PublishVpc", true, "Description", "d"))
	c.post("DescribeVpnPbrRouteEntries", nil, m("RegionId", r, "VpnGatewayId", gw2))
	c.post("ModifyVpnPbrRouteEntryWeight", nil, rq("RouteSource", "172.16.1.0/24", "RouteDest", "10.1.0.0/16", "Weight", 100, "NewWeight", 0))
	c.post("ModifyVpnPbrRouteEntryPriority", nil, rq("RouteSource", "172.16.1.0/24", "RouteDest", "10.1.0.0/16", "NewPriority", 5))
	c.post("ModifyVpnPbrRouteEntryAttribute", nil, rq("RouteSource", "172.16.1.0/24", "RouteDest", "10.1.0.0/16", "NewPriority", 6))
	c.post("DeleteVpnPbrRouteEntry", nil, rq("RouteSource", "172.16.1.0/24", "RouteDest", "10.1.0.0/16"))
	c.post("DeleteVpnRouteEntry", nil, rq("RouteDest", "10.0.0.0/8"))

	// Moves and deletes.
	c.post("MoveVpnResourceGroup", m("InstanceId", gw2), m("RegionId", r, "NewResourceGroupId", "rg-acfmmoved", "ResourceType", "VpnGateway"))
	c.post("MoveResourceGroup", nil, m("RegionId", r, "ResourceId", vpc2, "NewResourceGroupId", "rg-acfmmoved", "ResourceType", "Vpc"))
	c.post("DeleteVpnConnection", sq, nil)
	c.post("DeleteVpnGateway", m("RegionId", r, "VpnGatewayId", gw2), nil)
	c.post("DeleteCustomerGateway", nil, m("RegionId", r, "CustomerGatewayId", cgs[2]))
	c.post("DeleteVSwitch", nil, m("RegionId", r, "VSwitchId", sw3))
	c.post("DeleteVpc", nil, m("RegionId", r, "VpcId", vpc2))
}
