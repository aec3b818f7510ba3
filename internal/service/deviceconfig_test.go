package service_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/peertest"
	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/service"
)

// sdkErr returns the Code and HTTP status of a V2 SDK error.
func sdkErr(err error) (string, int) {
	var se *tea.SDKError
	if !errors.As(err, &se) {
		return "", 0
	}
	return tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
}

// sdkMessage returns the Message of a V2 SDK error's answer body.
func sdkMessage(err error) string {
	var se *tea.SDKError
	if !errors.As(err, &se) {
		return ""
	}
	var body struct{ Message string }
	if json.Unmarshal([]byte(tea.StringValue(se.Data)), &body) != nil {
		return ""
	}
	return body.Message
}

func TestDescribeVpnConnectionDeviceTypes(t *testing.T) {
	t.Parallel()
	w := peertest.NewWorld(t, false)
	body, err := peertest.CallAction(w.Client, "DescribeVpnConnectionDeviceTypes", map[string]string{"RegionId": peertest.Region})
	if err != nil {
		t.Fatal(err)
	}
	var want []any
	for _, d := range render.Devices() {
		var vs []any
		for _, v := range d.IKEVersions {
			vs = append(vs, v)
		}
		want = append(want, map[string]any{
			"DeviceTypeId": d.ID, "Vendor": d.Vendor, "Platform": d.Platform, "Software": d.Software,
			"IkeVersions":    map[string]any{"IkeVersion": vs},
			"AggressiveMode": d.Aggressive, "RouteBased": d.RouteBased, "Bgp": d.BGP, "DualTunnel": d.Backup, "Notes": d.Notes,
		})
	}
	if len(want) != 15 {
		t.Fatalf("render.Devices() has %d devices, want 15 (update docs/DEVICES.md too)", len(want))
	}
	got := body["DeviceTypes"].(map[string]any)["DeviceType"]
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DeviceTypes (-want +got):\n%s", d)
	}
	if fmt.Sprint(body["TotalCount"]) != "15" {
		t.Errorf("TotalCount = %v, want 15", body["TotalCount"])
	}
	first := got.([]any)[0].(map[string]any)
	if first["DeviceTypeId"] != "cisco-asa" || first["Vendor"] != "Cisco" {
		t.Errorf("first device %v, want cisco-asa by Cisco (sorted by id)", first)
	}

	for _, tc := range []struct {
		name     string
		query    map[string]string
		code     string
		status   int
		contains string
	}{
		{"missing region", map[string]string{}, "MissingRegionId", 400, "RegionId"},
		{"unknown region", map[string]string{"RegionId": "xx-nowhere-1"}, "InvalidRegionId.NotFound", 404, "xx-nowhere-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := peertest.CallAction(w.Client, "DescribeVpnConnectionDeviceTypes", tc.query)
			if code, status := sdkErr(err); code != tc.code || status != tc.status || !strings.Contains(sdkMessage(err), tc.contains) {
				t.Errorf("error %s %d %q, want %s %d containing %q (%v)", code, status, sdkMessage(err), tc.code, tc.status, tc.contains, err)
			}
		})
	}
}

// TestDownloadVpnConnectionDeviceConfigEveryDevice: for every device, the
// action answers exactly render.Render of the DownloadVpnConnectionConfig
// view, or InvalidDeviceType.Unsupported with the renderer's message.
func TestDownloadVpnConnectionDeviceConfigEveryDevice(t *testing.T) {
	t.Parallel()
	w := peertest.NewWorld(t, false)
	id := w.Connection(t, &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(t, "203.0.113.2")),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")})
	cfg := w.Fetch(t, id)
	rendered, refused := 0, 0
	for _, d := range render.Devices() {
		t.Run(d.ID, func(t *testing.T) {
			want, rerr := render.Render(d.ID, cfg, render.Options{})
			body, err := peertest.CallAction(w.Client, "DownloadVpnConnectionDeviceConfig",
				map[string]string{"RegionId": peertest.Region, "VpnConnectionId": id, "DeviceType": d.ID})
			if rerr != nil {
				refused++
				code, status := sdkErr(err)
				wantMsg := strings.TrimPrefix(rerr.Error(), "render: ")
				if code != "InvalidDeviceType.Unsupported" || status != 400 || sdkMessage(err) != wantMsg {
					t.Errorf("error %s %d %q, want InvalidDeviceType.Unsupported 400 %q", code, status, sdkMessage(err), wantMsg)
				}
				if !strings.Contains(wantMsg, d.ID) {
					t.Errorf("refusal %q does not name the device", wantMsg)
				}
				return
			}
			rendered++
			if err != nil {
				t.Fatal(err)
			}
			wantBody := map[string]any{"VpnConnectionId": id, "DeviceType": d.ID, "DeviceConfig": want}
			delete(body, "RequestId")
			if diff := cmp.Diff(wantBody, body); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
	// The documented defaults (ikev1 aes/md5/group2) with real subnets: Libreswan 4.x has no modp1024,
	// a Cisco static VTI negotiates 0.0.0.0/0 only and frr needs BGP; every other device renders.
	if rendered != 12 || refused != 3 {
		t.Errorf("rendered %d, refused %d; want 12 and 3 (libreswan: group2, cisco-ios-vti: subnets, frr: no BGP)", rendered, refused)
	}
}

func TestDownloadVpnConnectionDeviceConfigDualAndErrors(t *testing.T) {
	t.Parallel()
	w := peertest.NewWorld(t, true)
	spec := func(role, cgw string) *vpc.CreateVpnConnectionRequestTunnelOptionsSpecification {
		return &vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{Role: dara.String(role), CustomerGatewayId: dara.String(cgw),
			TunnelIkeConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIkeConfig{IkeVersion: dara.String("ikev2"),
				IkeEncAlg: dara.String("aes256"), IkeAuthAlg: dara.String("sha256"), IkePfs: dara.String("group14"), Psk: dara.String(role + "-Psk_1")},
			TunnelIpsecConfig: &vpc.CreateVpnConnectionRequestTunnelOptionsSpecificationTunnelIpsecConfig{IpsecEncAlg: dara.String("aes256"),
				IpsecAuthAlg: dara.String("sha256"), IpsecPfs: dara.String("group14")},
		}
	}
	dual := w.Connection(t, &vpc.CreateVpnConnectionRequest{LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"),
		TunnelOptionsSpecification: []*vpc.CreateVpnConnectionRequestTunnelOptionsSpecification{
			spec("master", w.CustomerGateway(t, "203.0.113.2")), spec("slave", w.CustomerGateway(t, "203.0.113.18"))}})
	cfg := w.Fetch(t, dual)

	for _, tc := range []struct{ device, tunnel string }{
		{"strongswan-swanctl", ""}, {"strongswan-swanctl", "master"}, {"strongswan-swanctl", "slave"},
		{"huawei-usg", "slave"}, {"vyos", ""},
	} {
		t.Run(tc.device+"/"+tc.tunnel, func(t *testing.T) {
			want, err := render.Render(tc.device, cfg, render.Options{Tunnel: tc.tunnel})
			if err != nil {
				t.Fatal(err)
			}
			if got := w.DeviceConfig(t, dual, tc.device, tc.tunnel); got != want {
				t.Errorf("DeviceConfig:\n%s\nwant:\n%s", got, want)
			}
		})
	}

	// A single-tunnel connection (on a single-tunnel gateway) for the Tunnel mismatch.
	ws := peertest.NewWorld(t, false)
	single := ws.Connection(t, &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(ws.CustomerGateway(t, "203.0.113.3")),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")})

	q := func(kv ...string) map[string]string {
		m := map[string]string{"RegionId": peertest.Region, "VpnConnectionId": dual, "DeviceType": "strongswan-swanctl"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "-" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		query  map[string]string
		code   string
		status int
		msg    string
	}{
		{"missing DeviceType", q("DeviceType", "-"), "MissingDeviceType", 400, "DeviceType is mandatory for this action."},
		{"unknown DeviceType", q("DeviceType", "cisco-pix"), "InvalidDeviceType.NotFound", 400,
			`The specified DeviceType "cisco-pix" is not a known device; call DescribeVpnConnectionDeviceTypes for the list.`},
		{"bad Tunnel", q("Tunnel", "backup"), "InvalidTunnel.Malformed", 400, `The specified Tunnel "backup" is not "master" or "slave".`},
		{"Tunnel on a single-tunnel connection", q("VpnConnectionId", single, "Tunnel", "master"), "InvalidTunnel.Mismatch", 400,
			`Tunnel "master" applies only to a dual-tunnel connection; ` + single + ` is a single-tunnel connection, leave Tunnel out.`},
		{"device that cannot write both tunnels", q("DeviceType", "huawei-usg"), "InvalidDeviceType.Unsupported", 400,
			`device huawei-usg cannot express both tunnels in one configuration; render Tunnel "master" and "slave" separately`},
		{"device that cannot express the subnets", q("DeviceType", "cisco-ios-vti", "Tunnel", "master"), "InvalidDeviceType.Unsupported", 400,
			`device cisco-ios-vti cannot express subnet "198.51.100.0/24" (its tunnel interface negotiates 0.0.0.0/0 only; set both subnet lists of the connection to 0.0.0.0/0)`},
		{"unknown connection", q("VpnConnectionId", "vco-doesnotexist0000000"), "InvalidVpnConnectionInstanceId.NotFound", 404, ""},
		{"missing connection", q("VpnConnectionId", "-"), "MissingVpnConnectionId", 400, ""},
		{"unknown region", q("RegionId", "xx-nowhere-1"), "InvalidRegionId.NotFound", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := w.Client
			if tc.query["VpnConnectionId"] == single {
				c = ws.Client
			}
			_, err := peertest.CallAction(c, "DownloadVpnConnectionDeviceConfig", tc.query)
			code, status := sdkErr(err)
			if code != tc.code || status != tc.status || (tc.msg != "" && sdkMessage(err) != tc.msg) {
				t.Errorf("error %s %d %q\nwant  %s %d %q", code, status, sdkMessage(err), tc.code, tc.status, tc.msg)
			}
		})
	}
}

// TestDeviceConfigAuthorization: another account's root cannot read the
// device configuration (it holds the PSK) nor learn about the connection;
// the owner can.
func TestDeviceConfigAuthorization(t *testing.T) {
	t.Parallel()
	w := peertest.NewWorld(t, false)
	id := w.Connection(t, &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(t, "203.0.113.2")),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")})
	ctx := context.Background()
	now := time.Now()
	acct, err := service.NewAccount(ctx, w.Env.App.Store, "other", now)
	if err != nil {
		t.Fatal(err)
	}
	key, err := service.NewAccessKey(acct.AccountID, "", "", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Env.App.Store.CreateAccessKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	other := w.Env.V2(t, "", key.AccessKeyID, key.Secret)
	query := map[string]string{"RegionId": peertest.Region, "VpnConnectionId": id, "DeviceType": "strongswan-swanctl"}

	_, err = peertest.CallAction(other, "DownloadVpnConnectionDeviceConfig", query)
	code, status := sdkErr(err)
	if status != 403 || code != "Forbidden" {
		t.Fatalf("other account: %s %d (%v), want 403 Forbidden", code, status, err)
	}
	var se *tea.SDKError
	errors.As(err, &se)
	var detail struct {
		AccessDeniedDetail struct{ AuthAction, AuthPrincipalOwnerId, NoPermissionType string }
	}
	if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &detail); err != nil {
		t.Fatal(err)
	}
	if d := detail.AccessDeniedDetail; d.AuthAction != "vpc:DownloadVpnConnectionDeviceConfig" || d.AuthPrincipalOwnerId != acct.AccountID || d.NoPermissionType != "ImplicitDeny" {
		t.Errorf("AccessDeniedDetail %+v, want AuthAction %s, owner %s, ImplicitDeny", d, "vpc:DownloadVpnConnectionDeviceConfig", acct.AccountID)
	}
	if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "connections {") {
		t.Errorf("the refusal carries configuration text: %v", err)
	}
	// Both download actions refuse alike.
	_, err2 := other.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(peertest.Region), VpnConnectionId: dara.String(id)})
	if code2, status2 := sdkErr(err2); code2 != code || status2 != status {
		t.Errorf("DownloadVpnConnectionConfig refused %s %d, extension %s %d; want the same", code2, status2, code, status)
	}
	if _, err := peertest.CallAction(other, "DescribeVpnConnectionDeviceTypes", map[string]string{"RegionId": peertest.Region}); err != nil {
		t.Errorf("another account's root lists device types: %v, want allowed (its own account)", err)
	}
	if _, err := peertest.CallAction(w.Client, "DownloadVpnConnectionDeviceConfig", query); err != nil {
		t.Errorf("owner: %v", err)
	}
}

// TestDeviceConfigRAM: a RAM user needs vpc:DownloadVpnConnectionDeviceConfig
// itself; vpc:DownloadVpnConnectionConfig alone does not allow the extension.
func TestDeviceConfigRAM(t *testing.T) {
	t.Parallel()
	w := peertest.NewWorld(t, false)
	id := w.Connection(t, &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(t, "203.0.113.2")),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24")})
	ram := func(action string, q map[string]string) map[string]any {
		t.Helper()
		body, err := peertest.CallVersion(w.Client, "2015-05-01", action, q)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return body
	}
	ram("CreateUser", map[string]string{"UserName": "netops"})
	key := ram("CreateAccessKey", map[string]string{"UserName": "netops"})["AccessKey"].(map[string]any)
	user := w.Env.V2(t, "", key["AccessKeyId"].(string), key["AccessKeySecret"].(string))
	policy := func(name string, actions ...string) {
		t.Helper()
		doc, _ := json.Marshal(map[string]any{"Version": "1", "Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": "*"}}})
		ram("CreatePolicy", map[string]string{"PolicyName": name, "PolicyDocument": string(doc)})
		ram("AttachPolicyToUser", map[string]string{"PolicyType": "Custom", "PolicyName": name, "UserName": "netops"})
	}
	download := map[string]string{"RegionId": peertest.Region, "VpnConnectionId": id, "DeviceType": "vyos"}
	list := map[string]string{"RegionId": peertest.Region}
	wantDenied := func(action string, q map[string]string) {
		t.Helper()
		_, err := peertest.CallAction(user, action, q)
		if code, status := sdkErr(err); code != "Forbbiden.SubUser" || status != 403 {
			t.Errorf("%s as a RAM user: %s %d (%v), want 403 Forbbiden.SubUser", action, code, status, err)
		}
	}

	policy("download-only", "vpc:DownloadVpnConnectionConfig")
	if _, err := user.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{RegionId: dara.String(peertest.Region), VpnConnectionId: dara.String(id)}); err != nil {
		t.Fatalf("DownloadVpnConnectionConfig with vpc:DownloadVpnConnectionConfig allowed: %v", err)
	}
	wantDenied("DownloadVpnConnectionDeviceConfig", download)
	wantDenied("DescribeVpnConnectionDeviceTypes", list)

	policy("device-config", "vpc:DownloadVpnConnectionDeviceConfig", "vpc:DescribeVpnConnectionDeviceTypes")
	body, err := peertest.CallAction(user, "DownloadVpnConnectionDeviceConfig", download)
	if err != nil {
		t.Fatalf("with vpc:DownloadVpnConnectionDeviceConfig allowed: %v", err)
	}
	want, err := render.Render("vyos", w.Fetch(t, id), render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if body["DeviceConfig"] != want {
		t.Errorf("DeviceConfig as the RAM user differs from the owner's rendering")
	}
	if _, err := peertest.CallAction(user, "DescribeVpnConnectionDeviceTypes", list); err != nil {
		t.Errorf("DescribeVpnConnectionDeviceTypes with the action allowed: %v", err)
	}
}

// TestDeviceConfigXML: the V1 SDK's generic CommonRequest with Format=XML
// gets the same DeviceConfig text (XML-escaped on the wire) and the device
// list.
func TestDeviceConfigXML(t *testing.T) {
	t.Parallel()
	w := peertest.NewWorld(t, false)
	id := w.Connection(t, &vpc.CreateVpnConnectionRequest{CustomerGatewayId: dara.String(w.CustomerGateway(t, "203.0.113.2")),
		LocalSubnet: dara.String("192.0.2.0/24"), RemoteSubnet: dara.String("198.51.100.0/24"),
		IkeConfig: dara.String(`{"Psk":"a<b>&c\"d"}`)})
	cfg := w.Fetch(t, id)
	want, err := render.Render("strongswan-swanctl", cfg, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(want, "0x") {
		t.Fatalf("the PSK with '\"' is not hex-encoded in swanctl.conf:\n%s", want)
	}
	c := w.Env.V1(t, apptest.AccessKeyID, apptest.AccessKeySecret)
	call := func(action string, q map[string]string) []byte {
		t.Helper()
		req := requests.NewCommonRequest()
		req.Method, req.Scheme, req.Domain, req.Version, req.ApiName = "POST", "http", w.Env.Endpoint, "2016-04-28", action
		req.AcceptFormat = "XML"
		for k, v := range q {
			req.QueryParams[k] = v
		}
		resp, err := c.ProcessCommonRequest(req)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return resp.GetHttpContentBytes()
	}
	var dl struct {
		XMLName                                              xml.Name `xml:"DownloadVpnConnectionDeviceConfigResponse"`
		RequestId, VpnConnectionId, DeviceType, DeviceConfig string
	}
	raw := call("DownloadVpnConnectionDeviceConfig", map[string]string{"RegionId": peertest.Region, "VpnConnectionId": id, "DeviceType": "strongswan-swanctl"})
	if err := xml.Unmarshal(raw, &dl); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if dl.DeviceConfig != want || dl.VpnConnectionId != id || dl.DeviceType != "strongswan-swanctl" || dl.RequestId == "" {
		t.Errorf("XML answer %+v\nwant DeviceConfig:\n%s", dl, want)
	}
	var list struct {
		XMLName     xml.Name `xml:"DescribeVpnConnectionDeviceTypesResponse"`
		TotalCount  int
		DeviceTypes struct {
			DeviceType []struct {
				DeviceTypeId string
				IkeVersions  struct{ IkeVersion []string }
			}
		}
	}
	raw = call("DescribeVpnConnectionDeviceTypes", map[string]string{"RegionId": peertest.Region})
	if err := xml.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	devices := render.Devices()
	if list.TotalCount != len(devices) || len(list.DeviceTypes.DeviceType) != len(devices) {
		t.Fatalf("XML list: TotalCount %d, %d items; want %d", list.TotalCount, len(list.DeviceTypes.DeviceType), len(devices))
	}
	for i, d := range devices {
		got := list.DeviceTypes.DeviceType[i]
		if got.DeviceTypeId != d.ID || strings.Join(got.IkeVersions.IkeVersion, ",") != "ikev1,ikev2" {
			t.Errorf("XML item %d = %+v, want %s with ikev1,ikev2", i, got, d.ID)
		}
	}
}
