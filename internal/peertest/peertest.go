// Package peertest proves peer device configurations end to end: resources
// are created through the official V2 SDK against a real vpcvpn server
// (apptest), the customer side is downloaded through the client code path
// of `vpcvpn peer-config` (peerclient.Download) or the extension action
// DownloadVpnConnectionDeviceConfig, and the tests in this package bring both
// ends up with real strongSwan daemons (internal/tunneltest).
//
// The helpers here are for tests: failures are fatal to the calling test.
package peertest

import (
	"fmt"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/peerclient"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// AddressPool is the gateway address pool of a World's server: a
// single-tunnel gateway gets 203.0.113.1, a dual-tunnel gateway 203.0.113.1
// (InternetIp) and 203.0.113.17 (DisasterRecoveryInternetIp), so that each
// gateway address sits in its own /28 of the lab.
const AddressPool = "203.0.113.1/32,203.0.113.17/32"

// Region is the region every World resource lives in.
const Region = "cn-hangzhou"

// World is a running server with one VPC and one VPN gateway of the root
// account.
type World struct {
	Env    *apptest.Env
	Client *vpc.Client // root, V2 SDK, ACS3-HMAC-SHA256
	VpcID  string
	// GatewayID and its addresses (GatewayDRIP is "" for a single-tunnel gateway).
	GatewayID, GatewayIP, GatewayDRIP string
}

// NewWorld starts a server with AddressPool and creates a VPC
// (192.168.0.0/16), its vSwitch(es) and a VPN gateway, dual-tunnel when dual.
func NewWorld(t testing.TB, dual bool) *World {
	t.Helper()
	env := apptest.Start(t, apptest.Options{AddressPool: AddressPool})
	w := &World{Env: env, Client: env.RootV2(t)}
	v, err := w.Client.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(Region), CidrBlock: dara.String("192.168.0.0/16")})
	must(t, err, "CreateVpc")
	w.VpcID = dara.StringValue(v.Body.VpcId)
	sw1, err := w.Client.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(Region), VpcId: dara.String(w.VpcID),
		ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
	must(t, err, "CreateVSwitch")
	req := &vpc.CreateVpnGatewayRequest{RegionId: dara.String(Region), VpcId: dara.String(w.VpcID), Bandwidth: dara.Int32(10),
		VSwitchId: sw1.Body.VSwitchId}
	if dual {
		sw2, err := w.Client.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: dara.String(Region), VpcId: dara.String(w.VpcID),
			ZoneId: dara.String("cn-hangzhou-i"), CidrBlock: dara.String("192.168.2.0/24")})
		must(t, err, "CreateVSwitch (disaster recovery)")
		req.DisasterRecoveryVSwitchId = sw2.Body.VSwitchId
	}
	g, err := w.Client.CreateVpnGateway(req)
	must(t, err, "CreateVpnGateway")
	w.GatewayID = dara.StringValue(g.Body.VpnGatewayId)
	d, err := w.Client.DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: dara.String(Region), VpnGatewayId: dara.String(w.GatewayID)})
	must(t, err, "DescribeVpnGateway")
	w.GatewayIP, w.GatewayDRIP = dara.StringValue(d.Body.InternetIp), dara.StringValue(d.Body.DisasterRecoveryInternetIp)
	wantDR := ""
	if dual {
		wantDR = "203.0.113.17"
	}
	if w.GatewayIP != "203.0.113.1" || w.GatewayDRIP != wantDR {
		t.Fatalf("gateway addresses %q/%q, want 203.0.113.1/%q (pool %s)", w.GatewayIP, w.GatewayDRIP, wantDR, AddressPool)
	}
	return w
}

func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// CustomerGateway creates a customer gateway with address ip and returns its id.
func (w *World) CustomerGateway(t testing.TB, ip string) string {
	t.Helper()
	c, err := w.Client.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(Region), IpAddress: dara.String(ip)})
	must(t, err, "CreateCustomerGateway "+ip)
	return dara.StringValue(c.Body.CustomerGatewayId)
}

// Connection creates a connection with req (RegionId and VpnGatewayId are
// filled in) and returns its id.
func (w *World) Connection(t testing.TB, req *vpc.CreateVpnConnectionRequest) string {
	t.Helper()
	req.RegionId, req.VpnGatewayId = dara.String(Region), dara.String(w.GatewayID)
	r, err := w.Client.CreateVpnConnection(req)
	must(t, err, "CreateVpnConnection")
	return dara.StringValue(r.Body.VpnConnectionId)
}

// Modify changes a connection with ModifyVpnConnectionAttribute.
func (w *World) Modify(t testing.TB, req *vpc.ModifyVpnConnectionAttributeRequest) {
	t.Helper()
	req.RegionId = dara.String(Region)
	_, err := w.Client.ModifyVpnConnectionAttribute(req)
	must(t, err, "ModifyVpnConnectionAttribute")
}

// Fetch downloads the customer-side configuration of connection id through
// the client code path of `vpcvpn peer-config` (peerclient.Download, official
// V2 SDK, plain HTTP to the test server, root credentials).
func (w *World) Fetch(t testing.TB, id string) vpn.ConnectionConfig {
	t.Helper()
	cfg, err := peerclient.Download(peerclient.Credentials{AccessKeyID: apptest.AccessKeyID, AccessKeySecret: apptest.AccessKeySecret},
		peerclient.Target{Endpoint: w.Env.Endpoint, Insecure: true, Region: Region}, id)
	must(t, err, "peerclient.Download "+id)
	return cfg
}

// CallAction calls any VPC action (Version 2016-04-28) through the V2 SDK's
// generic CallApi with the given client and query parameters, and returns
// the decoded JSON body. SDK errors are returned unchanged.
func CallAction(c *vpc.Client, action string, query map[string]string) (map[string]any, error) {
	return CallVersion(c, "2016-04-28", action, query)
}

// CallVersion is CallAction for any product version (e.g. RAM 2015-05-01)
// on the same endpoint.
func CallVersion(c *vpc.Client, version, action string, query map[string]string) (map[string]any, error) {
	q := map[string]any{}
	for k, v := range query {
		q[k] = v
	}
	params := &openapiutil.Params{
		Action: dara.String(action), Version: dara.String(version), Protocol: dara.String("HTTP"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}
	res, err := c.CallApi(params, &openapiutil.OpenApiRequest{Query: openapiutil.Query(q)}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, ok := res["body"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: answer body is %T, want a JSON object", action, res["body"])
	}
	return body, nil
}

// DeviceConfig calls DownloadVpnConnectionDeviceConfig as root and returns
// DeviceConfig; errors are fatal.
func (w *World) DeviceConfig(t testing.TB, id, device, tunnel string) string {
	t.Helper()
	q := map[string]string{"RegionId": Region, "VpnConnectionId": id, "DeviceType": device}
	if tunnel != "" {
		q["Tunnel"] = tunnel
	}
	body, err := CallAction(w.Client, "DownloadVpnConnectionDeviceConfig", q)
	must(t, err, "DownloadVpnConnectionDeviceConfig "+device)
	text, ok := body["DeviceConfig"].(string)
	if !ok || text == "" {
		t.Fatalf("DownloadVpnConnectionDeviceConfig %s: no DeviceConfig in %v", device, body)
	}
	return text
}
