package vpn

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// tosPrefix is the flattened prefix of the dual-tunnel options. Both official
// SDKs send them as form/query fields: the V2 SDK's openapiutil.Query flattens
// the []*TunnelOptionsSpecification slice to
// TunnelOptionsSpecification.{N}.{Field}[.{SubField}] with N from 1, and the
// V1 SDK's "Repeated"/"Struct" field tags produce the same names
// (sdk/requests/acs_request.go flatRepeatedList). A JSON array in a single
// TunnelOptionsSpecification parameter is accepted too (older tools).
const tosPrefix = "TunnelOptionsSpecification"

// singleTunnelParams are refused on a dual-tunnel request
// (InvalidParameter.TunnelMode).
var singleTunnelParams = []string{"CustomerGatewayId", "IkeConfig", "IpsecConfig", "BgpConfig", "EnableDpd", "EnableNatTraversal"}

// singleTunnelsBgp checks EnableTunnelsBgp on a single-tunnel request:
// Terraform sends it with every connection, so false (what a single-tunnel
// connection answers) is accepted; true is InvalidParameter.TunnelMode,
// since a single tunnel's BGP is BgpConfig.EnableBgp.
func singleTunnelsBgp(p Params) error {
	v, set, err := p.optBool("EnableTunnelsBgp")
	if err != nil || !set || !v {
		return err
	}
	return apierror.Invalid("InvalidParameter.TunnelMode", "EnableTunnelsBgp=true applies to dual-tunnel connections; a single-tunnel connection turns BGP on with BgpConfig.EnableBgp.")
}

// CreateVpnConnectionRequest is a validated CreateVpnConnection request.
type CreateVpnConnectionRequest struct {
	// Connection has RegionID, VpnGatewayID, CustomerGatewayID (single
	// tunnel), Name, canonical subnets, the booleans with their defaults,
	// Ike/Ipsec with the context-free defaults (Psk, LocalID, RemoteID and
	// the BGP ASN are filled by ApplyConnectionDefaults), Bgp, HealthCheck,
	// Tunnels (master first; TunnelIDs empty: the service assigns them) and
	// Tags. AccountID, VpnConnectionID, Status, State and CreatedAt are left
	// to the service.
	Connection Connection
	Options
}

// ParseCreateVpnConnection validates a CreateVpnConnection request.
//
// Single-tunnel: CustomerGatewayId is required and the IkeConfig,
// IpsecConfig, BgpConfig and HealthCheckConfig JSON strings are optional.
// Dual-tunnel (any TunnelOptionsSpecification.* parameter): exactly entries 1
// and 2, roles master and slave once each (default: 1 master, 2 slave), each
// with its CustomerGatewayId; the single-tunnel parameters are refused, as is
// EnableTunnelsBgp on a single-tunnel request (InvalidParameter.TunnelMode).
// Booleans must be exactly "true" or "false"; defaults: EnableDpd,
// EnableNatTraversal, AutoConfigRoute true, EffectImmediately false.
func ParseCreateVpnConnection(p Params) (CreateVpnConnectionRequest, error) {
	var req CreateVpnConnectionRequest
	c := &req.Connection
	var err error
	if c.RegionID, err = ParseRegion(p); err != nil {
		return req, err
	}
	if c.VpnGatewayID, err = RequiredID(p, "VpnGatewayId", PrefixVpnGateway); err != nil {
		return req, err
	}
	local, err := p.required("LocalSubnet")
	if err != nil {
		return req, err
	}
	remote, err := p.required("RemoteSubnet")
	if err != nil {
		return req, err
	}
	if c.LocalSubnet, c.RemoteSubnet, err = ParseSubnets(local, remote); err != nil {
		return req, err
	}
	if c.Name, _, err = p.text("Name", 100, true); err != nil {
		return req, err
	}
	if req.Options, err = p.options(); err != nil {
		return req, err
	}
	c.ClientToken = req.ClientToken
	if c.Tags, err = p.tags("Tags"); err != nil {
		return req, err
	}
	if c.AutoConfigRoute, err = p.boolParam("AutoConfigRoute", true); err != nil {
		return req, err
	}
	if c.EffectImmediately, err = p.boolParam("EffectImmediately", false); err != nil {
		return req, err
	}
	if err = rejectRemoteCa(p, "RemoteCaCertificate"); err != nil {
		return req, err
	}
	hc := HealthCheckConfig{}
	if s, ok := p["HealthCheckConfig"]; ok {
		pt, err := ParseHealthCheckConfig(s)
		if err != nil {
			return req, err
		}
		pt.Apply(&hc)
		if err := finishHealth(&hc); err != nil {
			return req, err
		}
	}
	c.HealthCheck = hc

	tunnels, dual, err := tunnelEntries(p)
	if err != nil {
		return req, err
	}
	if dual {
		if err := rejectParams(p, singleTunnelParams, "a dual-tunnel request (TunnelOptionsSpecification)"); err != nil {
			return req, err
		}
		if c.EnableTunnelsBgp, err = p.boolParam("EnableTunnelsBgp", false); err != nil {
			return req, err
		}
		c.Tunnels, err = createTunnels(tunnels, c.EnableTunnelsBgp)
		return req, err
	}
	if err := singleTunnelsBgp(p); err != nil {
		return req, err
	}
	if c.CustomerGatewayID, err = RequiredID(p, "CustomerGatewayId", PrefixCustomerGateway); err != nil {
		return req, err
	}
	if c.EnableDpd, err = p.boolParam("EnableDpd", true); err != nil {
		return req, err
	}
	if c.EnableNatTraversal, err = p.boolParam("EnableNatTraversal", true); err != nil {
		return req, err
	}
	c.Ike, c.Ipsec = DefaultIke(), DefaultIpsec()
	if err := applyJSONConfigs(p, &c.Ike, &c.Ipsec, &c.Bgp); err != nil {
		return req, err
	}
	return req, nil
}

// finishHealth applies the health check defaults (interval 3, retry 3,
// policy revoke_route) to an enabled check and requires its sip and dip.
func finishHealth(hc *HealthCheckConfig) error {
	if !hc.Enable {
		return nil
	}
	if hc.Sip == "" {
		return apierror.Invalid("InvalidHealthCheckConfig.sip", "HealthCheckConfig.sip is required when the health check is enabled.")
	}
	if hc.Dip == "" {
		return apierror.Invalid("InvalidHealthCheckConfig.dip", "HealthCheckConfig.dip is required when the health check is enabled.")
	}
	if hc.Interval == 0 {
		hc.Interval = DefaultHealthInterval
	}
	if hc.Retry == 0 {
		hc.Retry = DefaultHealthRetry
	}
	if hc.Policy == "" {
		hc.Policy = "revoke_route"
	}
	return nil
}

// applyJSONConfigs applies the single-tunnel JSON parameters that are present.
func applyJSONConfigs(p Params, ike *IkeConfig, ipsec *IpsecConfig, bgp *BgpConfig) error {
	if s, ok := p["IkeConfig"]; ok {
		pt, err := ParseIkeConfig(s)
		if err != nil {
			return err
		}
		pt.Apply(ike)
	}
	if s, ok := p["IpsecConfig"]; ok {
		pt, err := ParseIpsecConfig(s)
		if err != nil {
			return err
		}
		pt.Apply(ipsec)
	}
	if s, ok := p["BgpConfig"]; ok {
		pt, err := ParseBgpConfig(s)
		if err != nil {
			return err
		}
		pt.Apply(bgp)
	}
	return nil
}

// rejectRemoteCa refuses RemoteCaCertificate (ShangMi certificates are not
// supported by vpcvpn).
func rejectRemoteCa(p Params, name string) error {
	if v, ok := p[name]; ok && v != "" {
		return apierror.Invalid("InvalidParameter", "The parameter %s is not supported by this server (certificate authentication is not implemented).", name)
	}
	return nil
}

func rejectParams(p Params, names []string, what string) error {
	for _, n := range names {
		if _, ok := p[n]; ok {
			return apierror.Invalid("InvalidParameter.TunnelMode", "The parameter %s cannot be used in %s.", n, what)
		}
	}
	return nil
}

// tunnelEntry is one TunnelOptionsSpecification.N: its flat fields (after
// "TunnelOptionsSpecification.N.") as strings.
type tunnelEntry struct {
	index int
	where string // "TunnelOptionsSpecification.N"
	flat  map[string]string
}

var tunnelTopKeys = []string{"Role", "CustomerGatewayId", "EnableDpd", "EnableNatTraversal", "RemoteCaCertificate", "TunnelId"}

// tunnelEntries collects the TunnelOptionsSpecification entries, in order of
// N (1 and 2 only). dual reports whether any was given.
func tunnelEntries(p Params) ([]tunnelEntry, bool, error) {
	flat := map[string]string{}
	for k, v := range p {
		if strings.HasPrefix(k, tosPrefix+".") {
			flat[k] = v
		}
	}
	if js, ok := p[tosPrefix]; ok {
		if len(flat) > 0 {
			return nil, false, apierror.Invalid("InvalidParameter", "Give %s either as flattened %s.N.* parameters or as one JSON array, not both.", tosPrefix, tosPrefix)
		}
		var err error
		if flat, err = flattenTunnelJSON(js); err != nil {
			return nil, false, err
		}
	}
	if len(flat) == 0 {
		return nil, false, nil
	}
	byIndex := map[int]*tunnelEntry{}
	for k, v := range flat {
		rest := strings.TrimPrefix(k, tosPrefix+".")
		idx, field, ok := strings.Cut(rest, ".")
		n64, canonical := wirenum.Int(idx)
		n := int(n64)
		if !ok || !canonical || (n != 1 && n != 2) {
			return nil, false, apierror.Invalid("InvalidTunnelOptionsSpecification.Malformed",
				"The parameter %s is not valid: use %s.1.* and %s.2.* (exactly two tunnels).", shown(k), tosPrefix, tosPrefix)
		}
		if !knownTunnelField(field) {
			return nil, false, apierror.Invalid("InvalidTunnelOptionsSpecification.Malformed",
				"The parameter %s is not supported.", shown(k))
		}
		e := byIndex[n]
		if e == nil {
			e = &tunnelEntry{index: n, where: tosPrefix + "." + idx, flat: map[string]string{}}
			byIndex[n] = e
		}
		e.flat[field] = v
	}
	out := make([]tunnelEntry, 0, 2)
	for _, n := range []int{1, 2} {
		if e := byIndex[n]; e != nil {
			out = append(out, *e)
		}
	}
	return out, true, nil
}

func knownTunnelField(field string) bool {
	for _, k := range tunnelTopKeys {
		if field == k {
			return true
		}
	}
	sect, key, ok := strings.Cut(field, ".")
	if !ok {
		return false
	}
	var keys []string
	switch sect {
	case "TunnelIkeConfig":
		keys = ikeKeys
	case "TunnelIpsecConfig":
		keys = ipsecKeys
	case "TunnelBgpConfig":
		keys = tunBgpKeys
	}
	for _, k := range keys {
		if key == k {
			return true
		}
	}
	return false
}

// flattenTunnelJSON turns a JSON array of tunnel option objects into the
// flattened names the SDKs send.
func flattenTunnelJSON(s string) (map[string]string, error) {
	if err := uniqueKeys(tosPrefix, s); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var list []map[string]any
	if err := dec.Decode(&list); err != nil {
		return nil, malformedJSON(tosPrefix, s, "it must be a JSON array of tunnel option objects")
	}
	if strings.TrimSpace(s[dec.InputOffset():]) != "" {
		return nil, malformedJSON(tosPrefix, s, "it has data after the JSON array")
	}
	out := map[string]string{}
	for i, obj := range list {
		base := tosPrefix + "." + strconv.Itoa(i+1) + "."
		for k, v := range obj {
			if sub, ok := v.(map[string]any); ok {
				for kk, vv := range sub {
					if vv != nil {
						out[base+k+"."+kk] = render(vv)
					}
				}
				continue
			}
			if v != nil {
				out[base+k] = render(v)
			}
		}
	}
	return out, nil
}

// sub returns the fields of one nested config (TunnelIkeConfig...) of e.
func (e tunnelEntry) sub(section string) fields {
	f := fields{section: section, where: e.where + "." + section, m: map[string]any{}}
	for k, v := range e.flat {
		if key, ok := strings.CutPrefix(k, section+"."); ok {
			f.m[key] = v
		}
	}
	return f
}

func (e tunnelEntry) params() Params {
	p := Params{}
	for k, v := range e.flat {
		p[e.where+"."+k] = v
	}
	return p
}

// applyTunnelEntry applies the fields of e to t (all optional here).
func applyTunnelEntry(e tunnelEntry, t *Tunnel) error {
	p := e.params()
	if v, ok := e.flat["Role"]; ok {
		if v != "master" && v != "slave" {
			return apierror.Invalid("InvalidTunnelOptionsSpecification.Role",
				"The specified %s.Role %s is not valid: valid values are master, slave.", e.where, shown(v))
		}
		t.Role = v
	}
	if err := rejectRemoteCa(p, e.where+".RemoteCaCertificate"); err != nil {
		return err
	}
	if _, ok := e.flat["CustomerGatewayId"]; ok {
		id, err := RequiredID(p, e.where+".CustomerGatewayId", PrefixCustomerGateway)
		if err != nil {
			return err
		}
		t.CustomerGatewayID = id
	}
	var err error
	if v, set, e2 := p.optBool(e.where + ".EnableDpd"); e2 != nil {
		return e2
	} else if set {
		t.EnableDpd = v
	}
	if v, set, e2 := p.optBool(e.where + ".EnableNatTraversal"); e2 != nil {
		return e2
	} else if set {
		t.EnableNatTraversal = v
	}
	ike, err := e.sub("TunnelIkeConfig").ike()
	if err != nil {
		return err
	}
	ike.Apply(&t.Ike)
	ipsec, err := e.sub("TunnelIpsecConfig").ipsec()
	if err != nil {
		return err
	}
	ipsec.Apply(&t.Ipsec)
	bgp, err := e.sub("TunnelBgpConfig").bgp()
	if err != nil {
		return err
	}
	bgp.Apply(&t.Bgp)
	return nil
}

// createTunnels builds the two tunnels of a CreateVpnConnection request.
func createTunnels(entries []tunnelEntry, bgp bool) ([]Tunnel, error) {
	if len(entries) != 2 {
		return nil, apierror.Invalid("InvalidTunnelOptionsSpecification.Malformed",
			"A dual-tunnel connection needs exactly two tunnels: %s.1.* and %s.2.*.", tosPrefix, tosPrefix)
	}
	out := make([]Tunnel, 2)
	for i, e := range entries {
		if _, ok := e.flat["TunnelId"]; ok {
			return nil, apierror.Invalid("InvalidParameter", "The parameter %s.TunnelId is only accepted by ModifyVpnConnectionAttribute.", e.where)
		}
		t := Tunnel{EnableDpd: true, EnableNatTraversal: true, Ike: DefaultIke(), Ipsec: DefaultIpsec()}
		if e.index == 1 {
			t.Role = "master"
		} else {
			t.Role = "slave"
		}
		if _, ok := e.flat["CustomerGatewayId"]; !ok {
			return nil, apierror.Missing(e.where + ".CustomerGatewayId")
		}
		if err := applyTunnelEntry(e, &t); err != nil {
			return nil, err
		}
		t.Bgp.EnableBgp = bgp
		out[i] = t
	}
	if out[0].Role == out[1].Role {
		return nil, apierror.Invalid("InvalidTunnelOptionsSpecification.Role",
			"The two tunnels both have Role %s: one must be master and the other slave.", out[0].Role)
	}
	if out[0].Role == "slave" {
		out[0], out[1] = out[1], out[0]
	}
	return out, nil
}

// matchTunnel finds the tunnel a modify entry is for: by its TunnelId when
// given (InvalidTunnelId.NotFound when the connection has none such), else
// by its Role (master, slave), else by its position (entry 1 the master,
// entry 2 the slave): Terraform sends the tunnels' options without
// TunnelId, in the order DescribeVpnConnection lists them, with their Role.
func matchTunnel(e tunnelEntry, tunnels []Tunnel) (int, error) {
	if id, ok := e.flat["TunnelId"]; ok {
		for j := range tunnels {
			if tunnels[j].TunnelID == id && ValidID(PrefixTunnel, id) {
				return j, nil
			}
		}
		return -1, apierror.Newf("InvalidTunnelId.NotFound", "The specified %s.TunnelId %s does not exist in this connection.", e.where, shown(id))
	}
	if role, ok := e.flat["Role"]; ok {
		for j := range tunnels {
			if tunnels[j].Role == role {
				return j, nil
			}
		}
		return -1, apierror.Invalid("InvalidTunnelOptionsSpecification.Role",
			"The specified %s.Role %s is not valid: valid values are master, slave.", e.where, shown(role))
	}
	want := "master"
	if e.index == 2 {
		want = "slave"
	}
	for j := range tunnels {
		if tunnels[j].Role == want {
			return j, nil
		}
	}
	return -1, apierror.Newf("InvalidTunnelId.NotFound", "The connection has no %s tunnel for %s.", want, e.where)
}

// ParseModifyVpnConnection applies a ModifyVpnConnectionAttribute request to
// cur (the stored connection, identified by the service from RegionId and
// VpnConnectionId, which this function does not read) and returns the
// changed copy. Only given fields change and no defaults are re-applied;
// JSON configs are partial (absent keys keep their values). Dual-tunnel
// entries are matched to tunnels by matchTunnel (TunnelId, else Role, else
// position); two entries for one tunnel are
// InvalidTunnelOptionsSpecification.Malformed; a Role given with a TunnelId
// must be the tunnel's current role. Parameters of the other tunnel mode are
// InvalidParameter.TunnelMode. The result still needs ValidateConnection
// against its gateway and customer gateways.
func ParseModifyVpnConnection(p Params, cur Connection) (Connection, Options, error) {
	c := cloneConnection(cur)
	opts, err := p.options()
	if err != nil {
		return cur, opts, err
	}
	if name, ok, err := p.text("Name", 100, true); err != nil {
		return cur, opts, err
	} else if ok {
		c.Name = name
	}
	local, lok := p["LocalSubnet"]
	remote, rok := p["RemoteSubnet"]
	if lok || rok {
		if !lok {
			local = c.LocalSubnet
		}
		if !rok {
			remote = c.RemoteSubnet
		}
		if c.LocalSubnet, c.RemoteSubnet, err = ParseSubnets(local, remote); err != nil {
			return cur, opts, err
		}
	}
	if err := optBools(p, []string{"AutoConfigRoute", "EffectImmediately"}, []*bool{&c.AutoConfigRoute, &c.EffectImmediately}); err != nil {
		return cur, opts, err
	}
	if err := rejectRemoteCa(p, "RemoteCaCertificate"); err != nil {
		return cur, opts, err
	}
	if s, ok := p["HealthCheckConfig"]; ok {
		pt, err := ParseHealthCheckConfig(s)
		if err != nil {
			return cur, opts, err
		}
		pt.Apply(&c.HealthCheck)
		if err := finishHealth(&c.HealthCheck); err != nil {
			return cur, opts, err
		}
	}
	entries, dual, err := tunnelEntries(p)
	if err != nil {
		return cur, opts, err
	}
	if c.DualTunnel() {
		if err := rejectParams(p, singleTunnelParams, "a dual-tunnel connection"); err != nil {
			return cur, opts, err
		}
		if v, set, err := p.optBool("EnableTunnelsBgp"); err != nil {
			return cur, opts, err
		} else if set {
			c.EnableTunnelsBgp = v
		}
		taken := map[int]string{}
		for _, e := range entries {
			i, err := matchTunnel(e, c.Tunnels)
			if err != nil {
				return cur, opts, err
			}
			if prev, dup := taken[i]; dup {
				return cur, opts, apierror.Invalid("InvalidTunnelOptionsSpecification.Malformed",
					"%s and %s both name tunnel %s (%s).", prev, e.where, c.Tunnels[i].TunnelID, c.Tunnels[i].Role)
			}
			taken[i] = e.where
			id := c.Tunnels[i].TunnelID
			role := c.Tunnels[i].Role
			if err := applyTunnelEntry(e, &c.Tunnels[i]); err != nil {
				return cur, opts, err
			}
			if c.Tunnels[i].Role != role {
				return cur, opts, apierror.Invalid("InvalidTunnelOptionsSpecification.Role", "The Role of tunnel %s cannot be changed from %s.", id, role)
			}
		}
		for i := range c.Tunnels {
			c.Tunnels[i].Bgp.EnableBgp = c.EnableTunnelsBgp
		}
		return c, opts, nil
	}
	if dual {
		return cur, opts, apierror.Invalid("InvalidParameter.TunnelMode", "The parameter %s cannot be used with a single-tunnel connection.", tosPrefix)
	}
	if err := singleTunnelsBgp(p); err != nil {
		return cur, opts, err
	}
	if err := optBools(p, []string{"EnableDpd", "EnableNatTraversal"}, []*bool{&c.EnableDpd, &c.EnableNatTraversal}); err != nil {
		return cur, opts, err
	}
	if _, ok := p["CustomerGatewayId"]; ok {
		return cur, opts, apierror.Invalid("InvalidParameter", "The CustomerGatewayId of a connection cannot be changed.")
	}
	if err := applyJSONConfigs(p, &c.Ike, &c.Ipsec, &c.Bgp); err != nil {
		return cur, opts, err
	}
	return c, opts, nil
}

// cloneConnection copies c deeply enough that changing the copy's slices
// leaves c alone.
func cloneConnection(c Connection) Connection {
	c.Tunnels = append([]Tunnel(nil), c.Tunnels...)
	c.Tags = append([]Tag(nil), c.Tags...)
	return c
}

// optBools applies the optional booleans names[i] to dsts[i], in order.
func optBools(p Params, names []string, dsts []*bool) error {
	for i, name := range names {
		v, set, err := p.optBool(name)
		if err != nil {
			return err
		}
		if set {
			*dsts[i] = v
		}
	}
	return nil
}
