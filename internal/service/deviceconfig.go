package service

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The two actions below are vpcvpn extensions of the VPC API (Version
// 2016-04-28): Alibaba Cloud has no such actions. They expose the peer device
// templates of internal/render over the API. DownloadVpnConnectionDeviceConfig
// reveals the connection's pre-shared key exactly as
// DownloadVpnConnectionConfig does, so it is authorized the same way (on the
// connection's ARN) under its own RAM action name.

// DeviceTypeItem is one entry of DescribeVpnConnectionDeviceTypes.
type DeviceTypeItem struct {
	DeviceTypeId string      `json:"DeviceTypeId" xml:"DeviceTypeId"`
	Vendor       string      `json:"Vendor" xml:"Vendor"`
	Platform     string      `json:"Platform" xml:"Platform"`
	Software     string      `json:"Software" xml:"Software"`
	IkeVersions  IkeVersions `json:"IkeVersions" xml:"IkeVersions"`
	// AggressiveMode: IKEv1 aggressive mode can be written.
	AggressiveMode bool `json:"AggressiveMode" xml:"AggressiveMode"`
	// RouteBased: the template builds a tunnel interface.
	RouteBased bool `json:"RouteBased" xml:"RouteBased"`
	// Bgp: BgpConfigs are rendered; without it a connection with BGP is refused.
	Bgp bool `json:"Bgp" xml:"Bgp"`
	// DualTunnel tells how both tunnels of a dual-tunnel connection are written.
	DualTunnel string `json:"DualTunnel" xml:"DualTunnel"`
	Notes      string `json:"Notes" xml:"Notes"`
}

// IkeVersions wraps the IKE version list ("ikev1", "ikev2").
type IkeVersions struct {
	IkeVersion []string `json:"IkeVersion" xml:"IkeVersion"`
}

// DeviceTypes wraps the device list.
type DeviceTypes struct {
	DeviceType []DeviceTypeItem `json:"DeviceType" xml:"DeviceType"`
}

// DescribeVpnConnectionDeviceTypesResponse is the answer body of
// DescribeVpnConnectionDeviceTypes (RequestId is added by the HTTP layer).
type DescribeVpnConnectionDeviceTypesResponse struct {
	XMLName     xml.Name    `json:"-" xml:"DescribeVpnConnectionDeviceTypesResponse"`
	TotalCount  int         `json:"TotalCount" xml:"TotalCount"`
	DeviceTypes DeviceTypes `json:"DeviceTypes" xml:"DeviceTypes"`
}

// DownloadVpnConnectionDeviceConfigResponse is the answer body of
// DownloadVpnConnectionDeviceConfig: DeviceConfig is exactly
// render.Render(DeviceType, the DownloadVpnConnectionConfig view, Tunnel).
type DownloadVpnConnectionDeviceConfigResponse struct {
	XMLName         xml.Name `json:"-" xml:"DownloadVpnConnectionDeviceConfigResponse"`
	VpnConnectionId string   `json:"VpnConnectionId" xml:"VpnConnectionId"`
	DeviceType      string   `json:"DeviceType" xml:"DeviceType"`
	Tunnel          string   `json:"Tunnel,omitempty" xml:"Tunnel,omitempty"`
	DeviceConfig    string   `json:"DeviceConfig" xml:"DeviceConfig"`
}

// DescribeVpnConnectionDeviceTypes lists the peer device templates, sorted by
// DeviceTypeId. RegionId is required (as on every VPC action) and checked;
// the list does not depend on it. Authorized as
// vpc:DescribeVpnConnectionDeviceTypes on the caller's vpnconnection/* ARN.
func (s *Service) DescribeVpnConnectionDeviceTypes(ctx context.Context, r *Request) (any, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, r.Meta.RAM, arn(region, r.Principal.AccountID, "vpnconnection", "*"), r.Principal.AccountID); err != nil {
		return nil, err
	}
	return &DescribeVpnConnectionDeviceTypesResponse{TotalCount: len(s.deviceTypes),
		DeviceTypes: DeviceTypes{DeviceType: s.deviceTypes}}, nil
}

// deviceTypeItems is DescribeVpnConnectionDeviceTypes' list of the device
// registry (render.Devices builds it anew on every call): New builds it
// once, and every answer shares it, read-only.
func deviceTypeItems() []DeviceTypeItem {
	ds := render.Devices()
	items := make([]DeviceTypeItem, 0, len(ds))
	for _, d := range ds {
		items = append(items, DeviceTypeItem{
			DeviceTypeId: d.ID, Vendor: d.Vendor, Platform: d.Platform, Software: d.Software,
			IkeVersions:    IkeVersions{IkeVersion: append([]string{}, d.IKEVersions...)},
			AggressiveMode: d.Aggressive, RouteBased: d.RouteBased, Bgp: d.BGP, DualTunnel: d.Backup, Notes: d.Notes,
		})
	}
	return items
}

// DownloadVpnConnectionDeviceConfig renders the customer-side configuration
// of a connection for one peer device. Parameters: RegionId, VpnConnectionId,
// DeviceType (a DeviceTypeId of DescribeVpnConnectionDeviceTypes), optional
// Tunnel ("master" or "slave", dual-tunnel connections only).
//
// Errors, in this order: the region and id checks of
// DownloadVpnConnectionConfig; MissingDeviceType; InvalidDeviceType.NotFound
// (400) for an unknown device; InvalidTunnel.Malformed for a Tunnel other
// than master/slave; InvalidVpnConnectionInstanceId.NotFound; Forbidden
// (vpc:DownloadVpnConnectionDeviceConfig on the connection's ARN);
// InvalidTunnel.Mismatch when Tunnel is given for a single-tunnel connection;
// InvalidDeviceType.Unsupported (400) with the renderer's message (which names
// the device and the value) when the device cannot express the connection.
func (s *Service) DownloadVpnConnectionDeviceConfig(ctx context.Context, r *Request) (any, error) {
	region, err := vpn.ParseRegion(r.Params)
	if err != nil {
		return nil, err
	}
	id, err := vpn.RequiredID(r.Params, "VpnConnectionId", vpn.PrefixVpnConnection)
	if err != nil {
		return nil, err
	}
	device := r.Params["DeviceType"]
	if device == "" {
		return nil, apierror.Missing("DeviceType")
	}
	if !knownDevice(device) {
		return nil, apierror.Newf("InvalidDeviceType.NotFound", "The specified DeviceType %q is not a known device; call DescribeVpnConnectionDeviceTypes for the list.", clip(device, 64))
	}
	tunnel := r.Params["Tunnel"]
	if tunnel != "" && tunnel != "master" && tunnel != "slave" {
		return nil, apierror.Newf("InvalidTunnel.Malformed", "The specified Tunnel %q is not \"master\" or \"slave\".", clip(tunnel, 64))
	}
	c, err := s.store.GetConnection(ctx, store.Scope{RegionID: region}, id)
	if err != nil {
		return nil, storeErr(err)
	}
	r.Resource = arn(region, c.AccountID, "vpnconnection", id)
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, c.AccountID); err != nil {
		return nil, err
	}
	gw, cgws, err := s.connectionDeps(ctx, ownerScope(&c), &c)
	if err != nil {
		return nil, err
	}
	view := vpn.CustomerView(c, gw, cgws)
	dual := view.TunnelsConfig != nil && len(view.TunnelsConfig.TunnelConfig) > 0
	if tunnel != "" && !dual {
		return nil, apierror.Newf("InvalidTunnel.Mismatch", "Tunnel %q applies only to a dual-tunnel connection; %s is a single-tunnel connection, leave Tunnel out.", tunnel, id)
	}
	text, err := render.Render(device, view, render.Options{Tunnel: tunnel})
	if err != nil {
		return nil, apierror.Newf("InvalidDeviceType.Unsupported", "%s", strings.TrimPrefix(err.Error(), "render: "))
	}
	return &DownloadVpnConnectionDeviceConfigResponse{VpnConnectionId: id, DeviceType: device, Tunnel: tunnel, DeviceConfig: text}, nil
}

func knownDevice(id string) bool { return render.Known(id) }

// clip shortens an echoed parameter value so an error message stays small.
func clip(s string, n int) string { return apierror.Clip(s, n) }
