// Package vpn holds the domain of vpcvpn: VPCs, vSwitches, VPN gateways,
// customer gateways and IPsec-VPN connections (with their tunnels), the
// documented defaults and validation rules, ID generation, and the
// customer-side view that DownloadVpnConnectionConfig answers.
//
// The package is pure: no storage, no HTTP. Validation failures are
// *apierror.Error values carrying the documented code.
package vpn

import "time"

// Vpc is a virtual private cloud.
type Vpc struct {
	AccountID   string
	RegionID    string
	VpcID       string
	VpcName     string
	Description string
	CidrBlock   string
	Status      string // Available
	// VRouterID and RouteTableID name the VPC's vRouter and its one System
	// route table (vrt-..., vtb-...), created with the VPC.
	VRouterID    string
	RouteTableID string
	// RouteTableName and RouteTableDescription are the System route
	// table's (ModifyRouteTableAttributes), "" until set.
	RouteTableName        string
	RouteTableDescription string
	// ResourceGroupID is the resource group (rg-...); see
	// DefaultResourceGroupID.
	ResourceGroupID string
	Tags            []Tag
	CreatedAt       time.Time
}

// VSwitch is a subnet of a VPC in one zone.
type VSwitch struct {
	AccountID       string
	RegionID        string
	VSwitchID       string
	VpcID           string
	ZoneID          string
	CidrBlock       string
	VSwitchName     string
	Description     string
	Status          string // Available
	ResourceGroupID string
	Tags            []Tag
	CreatedAt       time.Time
}

// Gateway is a VPN gateway. A gateway created with a DisasterRecoveryVSwitchID
// is dual-tunnel capable and takes only dual-tunnel connections.
type Gateway struct {
	AccountID                  string
	RegionID                   string
	VpnGatewayID               string
	VpcID                      string
	VSwitchID                  string
	DisasterRecoveryVSwitchID  string
	Name                       string
	Description                string
	InternetIP                 string
	DisasterRecoveryInternetIP string
	Bandwidth                  int64 // Mbit/s
	EnableIpsec                bool
	EnableSsl                  bool
	SslConnections             int64  // SSL-VPN clients at once; 0 without SSL-VPN
	AutoPropagate              bool   // advertise learned routes to the VPC (ModifyVpnGatewayAttribute)
	NetworkType                string // public, private
	VpnType                    string // Normal, NationalStandard
	InstanceChargeType         string // PREPAY, POSTPAY
	Status                     string // init, provisioning, active, updating, deleting
	BusinessStatus             string // Normal
	OrderID                    string
	ResourceGroupID            string
	Tags                       []Tag
	CreatedAt                  time.Time
	// ZoneID and DisasterRecoveryZoneID are the zones of VSwitchID and
	// DisasterRecoveryVSwitchID, filled by the service where answers need
	// them (not stored).
	ZoneID                 string
	DisasterRecoveryZoneID string
}

// DualTunnel reports whether the gateway is dual-tunnel capable.
func (g *Gateway) DualTunnel() bool { return g.DisasterRecoveryVSwitchID != "" }

// CustomerGateway is the customer's (data-center) IPsec device.
type CustomerGateway struct {
	AccountID         string
	RegionID          string
	CustomerGatewayID string
	Name              string
	Description       string
	IPAddress         string
	Asn               int64 // 0 when not set
	AuthKey           string
	ResourceGroupID   string
	Tags              []Tag
	CreatedAt         time.Time
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// IkeConfig is phase 1, as seen from the VPN gateway (the CreateVpnConnection
// view): LocalID is the gateway's identity, RemoteID the customer's.
type IkeConfig struct {
	Psk         string
	IkeVersion  string
	IkeMode     string
	IkeEncAlg   string
	IkeAuthAlg  string
	IkePfs      string
	IkeLifetime int64
	LocalID     string
	RemoteID    string
}

// IpsecConfig is phase 2.
type IpsecConfig struct {
	IpsecEncAlg   string
	IpsecAuthAlg  string
	IpsecPfs      string
	IpsecLifetime int64
}

// BgpConfig is the gateway-side BGP configuration of a connection or tunnel.
// The customer side of the session (its ASN, its address in TunnelCidr) is
// derived: the ASN from the customer gateway, the address as the other usable
// address of the /30 TunnelCidr.
type BgpConfig struct {
	EnableBgp  bool
	LocalAsn   int64  // gateway ASN, default 45104
	TunnelCidr string // a /30 inside 169.254.0.0/16
	LocalBgpIP string // gateway address inside TunnelCidr
}

// HealthCheckConfig is the optional health check of a connection.
type HealthCheckConfig struct {
	Enable   bool
	Sip      string
	Dip      string
	Interval int64
	Retry    int64
	Policy   string // revoke_route, reserve_route
}

// Tunnel is one tunnel of a dual-tunnel connection.
type Tunnel struct {
	TunnelID           string // tun-...
	Role               string // master, slave
	CustomerGatewayID  string
	EnableDpd          bool
	EnableNatTraversal bool
	Ike                IkeConfig
	Ipsec              IpsecConfig
	Bgp                BgpConfig
	Status             string
	State              string
}

// Connection is an IPsec-VPN connection. A single-tunnel connection has
// CustomerGatewayID, Ike, Ipsec and Bgp set and no Tunnels; a dual-tunnel
// connection has exactly two Tunnels (master first, then slave) and leaves the
// single-tunnel fields empty.
type Connection struct {
	AccountID          string
	RegionID           string
	VpnConnectionID    string // vco-...
	VpnGatewayID       string
	CustomerGatewayID  string // single-tunnel only
	Name               string
	LocalSubnet        string // VPC side, comma-separated CIDRs, canonical form
	RemoteSubnet       string // data-center side
	EffectImmediately  bool
	EnableDpd          bool
	EnableNatTraversal bool
	AutoConfigRoute    bool
	EnableTunnelsBgp   bool
	Ike                IkeConfig
	Ipsec              IpsecConfig
	Bgp                BgpConfig
	HealthCheck        HealthCheckConfig
	Tunnels            []Tunnel
	Tags               []Tag
	ResourceGroupID    string
	Status             string // ike_sa_not_established, ...
	State              string // active
	ClientToken        string
	CreatedAt          time.Time
	// Version increases with every write; caches key on it.
	Version int64
}

// DualTunnel reports whether the connection is a dual-tunnel connection.
func (c *Connection) DualTunnel() bool { return len(c.Tunnels) > 0 }

// RouteEntry is a route of a VPN gateway: destination-based (Type "dbr":
// RouteDest via NextHop) or policy-based (Type "pbr": traffic from
// RouteSource to RouteDest via NextHop). NextHop is an IPsec connection of
// the gateway. Weight 100 is the active route, 0 the standby one; Priority
// (pbr, 1-100) orders overlapping policies, lower first.
type RouteEntry struct {
	AccountID    string
	RegionID     string
	VpnGatewayID string
	Type         string // dbr, pbr
	RouteSource  string // pbr only
	RouteDest    string
	NextHop      string // vco-...
	Weight       int64
	Priority     int64 // pbr only
	Published    bool  // advertised to the VPC's route table
	Description  string
	CreatedAt    time.Time
}

// State is what DescribeVpnRouteEntries answers: published or normal.
func (e RouteEntry) State() string {
	if e.Published {
		return "published"
	}
	return "normal"
}
