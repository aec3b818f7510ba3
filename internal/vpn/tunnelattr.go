package vpn

import (
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// ParseModifyTunnel applies ModifyTunnelAttribute to cur (the stored
// connection, looked up from RegionId and VpnConnectionId by the service):
// TunnelId (required; InvalidTunnelId.NotFound when the connection has no
// such tunnel) and TunnelOptionsSpecification.{CustomerGatewayId, EnableDpd,
// EnableNatTraversal, TunnelIkeConfig.*, TunnelIpsecConfig.*,
// TunnelBgpConfig.*}: the struct the SDKs flatten without an index. Only
// given fields change, as with ModifyVpnConnectionAttribute. A single-tunnel
// connection has no tunnels to modify (InvalidParameter.TunnelMode). It
// returns the changed copy and the index of the tunnel.
func ParseModifyTunnel(p Params, cur Connection) (Connection, int, Options, error) {
	opts, err := p.options()
	if err != nil {
		return cur, -1, opts, err
	}
	id, err := p.required("TunnelId")
	if err != nil {
		return cur, -1, opts, err
	}
	if !cur.DualTunnel() {
		return cur, -1, opts, apierror.Invalid("InvalidParameter.TunnelMode", "The connection %s is a single-tunnel connection: change it with ModifyVpnConnectionAttribute.", cur.VpnConnectionID)
	}
	c := cloneConnection(cur)
	i := -1
	for j := range c.Tunnels {
		if c.Tunnels[j].TunnelID == id {
			i = j
		}
	}
	if i < 0 || !ValidID(PrefixTunnel, id) {
		return cur, -1, opts, apierror.Newf("InvalidTunnelId.NotFound", "The specified TunnelId %s does not exist in connection %s.", shown(id), cur.VpnConnectionID)
	}
	e := tunnelEntry{index: i + 1, where: tosPrefix, flat: map[string]string{}}
	for k, v := range p {
		field, ok := strings.CutPrefix(k, tosPrefix+".")
		if !ok {
			continue
		}
		first, _, _ := strings.Cut(field, ".")
		if _, err := strconv.Atoi(first); err == nil || field == "TunnelId" || field == "Role" || !knownTunnelField(field) {
			return cur, -1, opts, apierror.Invalid("InvalidTunnelOptionsSpecification.Malformed",
				"The parameter %s is not supported by ModifyTunnelAttribute: give TunnelId on its own and the options as %s.Field.", shown(k), tosPrefix)
		}
		e.flat[field] = v
	}
	if _, ok := p[tosPrefix]; ok {
		return cur, -1, opts, apierror.Invalid("InvalidTunnelOptionsSpecification.Malformed", "Give %s as flattened %s.Field parameters.", tosPrefix, tosPrefix)
	}
	if err := applyTunnelEntry(e, &c.Tunnels[i]); err != nil {
		return cur, -1, opts, err
	}
	c.Tunnels[i].Bgp.EnableBgp = c.EnableTunnelsBgp
	return c, i, opts, nil
}

// ModifyTunnelAttributeResponse is the ModifyTunnelAttribute answer: the
// tunnel as it now is (booleans and integers typed as in the SDK model).
type ModifyTunnelAttributeResponse struct {
	TunnelId           string                  `json:"TunnelId" xml:"TunnelId"`
	Role               string                  `json:"Role" xml:"Role"`
	CustomerGatewayId  string                  `json:"CustomerGatewayId" xml:"CustomerGatewayId"`
	InternetIp         string                  `json:"InternetIp" xml:"InternetIp"`
	EnableDpd          bool                    `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal bool                    `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	State              string                  `json:"State" xml:"State"`
	TunnelIkeConfig    IkeConfigItem           `json:"TunnelIkeConfig" xml:"TunnelIkeConfig"`
	TunnelIpsecConfig  IpsecConfigItem         `json:"TunnelIpsecConfig" xml:"TunnelIpsecConfig"`
	TunnelBgpConfig    ModifyTunnelBgpResponse `json:"TunnelBgpConfig" xml:"TunnelBgpConfig"`
	ZoneNo             string                  `json:"ZoneNo,omitempty" xml:"ZoneNo,omitempty"`
}

// ModifyTunnelBgpResponse is the tunnel's BGP in the answer.
type ModifyTunnelBgpResponse struct {
	EnableBgp  bool   `json:"EnableBgp" xml:"EnableBgp"`
	LocalAsn   int64  `json:"LocalAsn" xml:"LocalAsn"`
	PeerAsn    int64  `json:"PeerAsn,omitempty" xml:"PeerAsn,omitempty"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
}

// NewModifyTunnelAttributeResponse answers ModifyTunnelAttribute for tunnel
// i of c, built from the same data as NewModifyVpnConnectionAttributeResponse.
func NewModifyTunnelAttributeResponse(c Connection, i int, gw Gateway, cgws map[string]CustomerGateway) ModifyTunnelAttributeResponse {
	m := NewModifyVpnConnectionAttributeResponse(c, gw, cgws)
	t := c.Tunnels[i]
	var item ModifyTunnelOptionsItem
	for _, it := range m.TunnelOptionsSpecification.TunnelOptions {
		if it.TunnelId == t.TunnelID {
			item = it
		}
	}
	out := ModifyTunnelAttributeResponse{TunnelId: item.TunnelId, Role: item.Role, CustomerGatewayId: item.CustomerGatewayId, InternetIp: item.InternetIp,
		EnableDpd: item.EnableDpd, EnableNatTraversal: item.EnableNatTraversal, State: item.State, TunnelIkeConfig: item.TunnelIkeConfig,
		TunnelIpsecConfig: item.TunnelIpsecConfig, ZoneNo: item.ZoneNo,
		TunnelBgpConfig: ModifyTunnelBgpResponse{EnableBgp: t.Bgp.EnableBgp, LocalAsn: t.Bgp.LocalAsn, TunnelCidr: t.Bgp.TunnelCidr, LocalBgpIp: t.Bgp.LocalBgpIP}}
	if b := item.TunnelBgpConfig; b != nil {
		out.TunnelBgpConfig.PeerAsn, out.TunnelBgpConfig.PeerBgpIp = b.PeerAsn, b.PeerBgpIp
	}
	return out
}
