package vpn

import "encoding/xml"

// The types below are the DownloadVpnConnectionConfig answer: the customer
// (data-center) side view of a connection. Field order is the order of the
// documented sample answer; JSON and XML names are Alibaba's. Lists are wrapped
// in an object named for the item, as both official SDKs require.

// ConnectionConfig is VpnConnectionConfig in the answer.
type ConnectionConfig struct {
	XMLName       xml.Name         `json:"-" xml:"VpnConnectionConfig"`
	Remote        string           `json:"Remote,omitempty" xml:"Remote,omitempty"`
	Local         string           `json:"Local,omitempty" xml:"Local,omitempty"`
	RemoteSubnet  string           `json:"RemoteSubnet" xml:"RemoteSubnet"`
	LocalSubnet   string           `json:"LocalSubnet" xml:"LocalSubnet"`
	IkeConfig     *ViewIkeConfig   `json:"IkeConfig,omitempty" xml:"IkeConfig,omitempty"`
	IpsecConfig   *ViewIpsecConfig `json:"IpsecConfig,omitempty" xml:"IpsecConfig,omitempty"`
	TunnelsConfig *TunnelsConfig   `json:"TunnelsConfig,omitempty" xml:"TunnelsConfig,omitempty"`
	BgpConfigs    *BgpConfigs      `json:"BgpConfigs,omitempty" xml:"BgpConfigs,omitempty"`
}

// ViewIkeConfig is phase 1 from the customer side: LocalId is the customer's
// identity, RemoteId the gateway's.
type ViewIkeConfig struct {
	Psk         string `json:"Psk" xml:"Psk"`
	IkeVersion  string `json:"IkeVersion" xml:"IkeVersion"`
	IkeMode     string `json:"IkeMode" xml:"IkeMode"`
	IkeEncAlg   string `json:"IkeEncAlg" xml:"IkeEncAlg"`
	IkeAuthAlg  string `json:"IkeAuthAlg" xml:"IkeAuthAlg"`
	IkePfs      string `json:"IkePfs" xml:"IkePfs"`
	IkeLifetime int64  `json:"IkeLifetime" xml:"IkeLifetime"`
	LocalId     string `json:"LocalId" xml:"LocalId"`
	RemoteId    string `json:"RemoteId" xml:"RemoteId"`
}

// ViewIpsecConfig is phase 2.
type ViewIpsecConfig struct {
	IpsecAuthAlg  string `json:"IpsecAuthAlg" xml:"IpsecAuthAlg"`
	IpsecEncAlg   string `json:"IpsecEncAlg" xml:"IpsecEncAlg"`
	IpsecPfs      string `json:"IpsecPfs" xml:"IpsecPfs"`
	IpsecLifetime int64  `json:"IpsecLifetime" xml:"IpsecLifetime"`
}

// TunnelsConfig wraps the per-tunnel list.
type TunnelsConfig struct {
	TunnelConfig []TunnelConfig `json:"TunnelConfig" xml:"TunnelConfig"`
}

// TunnelConfig is one tunnel from the customer side: Local is that tunnel's
// customer gateway address, Remote the gateway address (InternetIp for the
// master tunnel, DisasterRecoveryInternetIp for the slave). The master tunnel
// is always first in the list.
type TunnelConfig struct {
	TunnelId    string           `json:"TunnelId" xml:"TunnelId"`
	Local       string           `json:"Local" xml:"Local"`
	Remote      string           `json:"Remote" xml:"Remote"`
	IkeConfig   *ViewIkeConfig   `json:"IkeConfig" xml:"IkeConfig"`
	IpsecConfig *ViewIpsecConfig `json:"IpsecConfig" xml:"IpsecConfig"`
}

// BgpConfigs wraps the BGP list.
type BgpConfigs struct {
	BgpConfig []ViewBgpConfig `json:"BgpConfig" xml:"BgpConfig"`
}

// ViewBgpConfig is one BGP session from the customer side: LocalAsn is the
// customer's ASN, PeerAsn the gateway's; ASNs are strings on the wire. TunnelId
// is empty for a single-tunnel connection.
type ViewBgpConfig struct {
	TunnelId   string `json:"TunnelId,omitempty" xml:"TunnelId,omitempty"`
	LocalAsn   string `json:"LocalAsn" xml:"LocalAsn"`
	PeerAsn    string `json:"PeerAsn" xml:"PeerAsn"`
	TunnelCidr string `json:"TunnelCidr" xml:"TunnelCidr"`
	LocalBgpIp string `json:"LocalBgpIp" xml:"LocalBgpIp"`
	PeerBgpIp  string `json:"PeerBgpIp" xml:"PeerBgpIp"`
}
