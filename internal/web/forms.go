package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The forms post fields named as the API's parameters; the console passes
// them to the action unchanged (JSON-valued parameters such as IkeConfig are
// assembled from their fields, "IkeConfig.IkeVersion" -> IkeConfig's
// IkeVersion), leaving out empty fields so that the API's defaults apply.
// The API validates: its messages are shown above the form, which keeps
// what was typed (never a secret).

// formValues is a form's fields by name, for re-filling it.
type formValues map[string]string

// Get returns a field (templates call .V.Get "Name").
func (f formValues) Get(name string) string { return f[name] }

// Is reports whether field name has value v (select options).
func (f formValues) Is(name, v string) bool { return f[name] == v }

// posted returns the posted fields whose names are in allowed.
func posted(r *http.Request, allowed func(string) bool) formValues {
	out := formValues{}
	for k, vs := range r.PostForm {
		if len(vs) > 0 && allowed(k) {
			out[k] = strings.TrimSpace(vs[0])
		}
	}
	return out
}

// withoutSecrets is f for re-filling a form: pre-shared keys and BGP auth
// keys are not echoed into the page.
func (f formValues) withoutSecrets() formValues {
	out := formValues{}
	for k, v := range f {
		if strings.HasSuffix(k, "Psk") || k == "AuthKey" {
			continue
		}
		out[k] = v
	}
	return out
}

// formView is what the form templates get.
type formView struct {
	V      formValues
	Edit   bool
	ID     string
	Dual   bool
	Tokens string // ClientToken of a create form
	// Options of the selects.
	Gateways         []option
	CustomerGateways []option
	Choices          map[string][]string
	// Tunnels of a dual-tunnel edit form (ids and roles).
	Tunnels []tunnelRow
}

type option struct{ Value, Label string }

// choices are the values the selects offer (the API validates).
var choices = map[string][]string{
	"IkeVersion":   {"ikev1", "ikev2"},
	"IkeMode":      {"main", "aggressive"},
	"IkeEncAlg":    {"aes", "aes192", "aes256", "des", "3des"},
	"IkeAuthAlg":   {"md5", "sha1", "sha256", "sha384", "sha512"},
	"IkePfs":       {"group1", "group2", "group5", "group14", "group24"},
	"IpsecEncAlg":  {"aes", "aes192", "aes256", "des", "3des"},
	"IpsecAuthAlg": {"md5", "sha1", "sha256", "sha384", "sha512"},
	"IpsecPfs":     {"disabled", "group1", "group2", "group5", "group14", "group24"},
	"Policy":       {"revoke_route", "reserve_route"},
}

// ---- customer gateways

var cgwFields = map[string]bool{"IpAddress": true, "Asn": true, "Name": true, "Description": true, "AuthKey": true, "ClientToken": true}

func (h *Handler) customerGatewayNew(q *req) {
	q.page(http.StatusOK, "cgw_form", "New customer gateway", "cgws", formView{V: formValues{}, Tokens: randomToken()[:32]}, nil)
}

func (h *Handler) customerGatewayCreate(q *req) {
	f := posted(q.r, func(k string) bool { return cgwFields[k] })
	params := map[string]string{}
	for k, v := range f {
		if v != "" {
			params[k] = v
		}
	}
	v, rid, err := do[vpn.CreateCustomerGatewayResponse](q, "CreateCustomerGateway", params)
	if err != nil {
		q.page(errStatus(err), "cgw_form", "New customer gateway", "cgws", formView{V: f.withoutSecrets(), Tokens: f["ClientToken"]}, h.errorView(err, rid))
		return
	}
	_ = v
	q.redirect("customer-gateways", "cgw-created")
}

func (q *req) redirect(path, done string) {
	http.Redirect(q.w, q.r, Prefix+"r/"+q.region+"/"+path+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

func (h *Handler) customerGatewayEdit(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	c, rid, err := do[vpn.CustomerGatewayItem](q, "DescribeCustomerGateway", map[string]string{"CustomerGatewayId": id})
	if err != nil {
		q.fail("Edit customer gateway", "cgws", err, rid)
		return
	}
	f := formValues{"IpAddress": c.IpAddress, "Name": c.Name, "Description": c.Description}
	if c.Asn != 0 {
		f["Asn"] = strconv.FormatInt(c.Asn, 10)
	}
	q.page(http.StatusOK, "cgw_form", "Edit customer gateway "+id, "cgws", formView{V: f, Edit: true, ID: id}, nil)
}

func (h *Handler) customerGatewayModify(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	f := posted(q.r, func(k string) bool {
		return k == "Name" || k == "Description" || k == "AuthKey" || k == "IpAddress" || k == "Asn"
	})
	params := map[string]string{"CustomerGatewayId": id, "Name": f["Name"], "Description": f["Description"]}
	if f["AuthKey"] != "" {
		params["AuthKey"] = f["AuthKey"]
	}
	_, rid, err := do[vpn.ModifyCustomerGatewayAttributeResponse](q, "ModifyCustomerGatewayAttribute", params)
	if err != nil {
		q.page(errStatus(err), "cgw_form", "Edit customer gateway "+id, "cgws", formView{V: f.withoutSecrets(), Edit: true, ID: id}, h.errorView(err, rid))
		return
	}
	q.redirect("customer-gateways", "cgw-modified")
}

// confirmView is a delete confirmation.
type confirmView struct {
	What, ID, Name, Action, Back string
}

func (h *Handler) customerGatewayDeleteForm(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	c, rid, err := do[vpn.CustomerGatewayItem](q, "DescribeCustomerGateway", map[string]string{"CustomerGatewayId": id})
	q.confirm("customer gateway", "cgws", "customer-gateways", id, c.Name, "", err, rid)
}

// confirm shows the confirmation of deleting the what with id (of the list
// at path), or the error of reading it.
func (q *req) confirm(what, nav, path, id, name, back string, err error, rid string) {
	title := "Delete " + what + " " + id
	if err != nil {
		q.fail(title, nav, err, rid)
		return
	}
	base := Prefix + "r/" + q.region + "/" + path
	if back == "" {
		back = base
	}
	q.page(http.StatusOK, "confirm", title, nav, confirmView{What: what, ID: id, Name: name, Action: base + "/" + id + "/delete", Back: back}, nil)
}

// remove runs a Delete* action on the id in the path and returns to the
// list at path.
func (q *req) remove(action, idParam, what, nav, path, done string) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	_, sr, err := q.h.b.call(q.r, q.p, action, map[string]string{"RegionId": q.region, idParam: id})
	if err != nil {
		q.fail("Delete "+what+" "+id, nav, err, sr.RequestID)
		return
	}
	q.redirect(path, done)
}

func (h *Handler) customerGatewayDelete(q *req) {
	q.remove("DeleteCustomerGateway", "CustomerGatewayId", "customer gateway", "cgws", "customer-gateways", "cgw-deleted")
}

// ---- connections

// connField reports whether a posted name belongs to the connection forms.
func connField(k string) bool {
	switch k {
	case "Name", "VpnGatewayId", "CustomerGatewayId", "LocalSubnet", "RemoteSubnet", "EffectImmediately",
		"EnableDpd", "EnableNatTraversal", "EnableTunnelsBgp", "ClientToken", "Tunnels":
		return true
	}
	for _, p := range []string{"IkeConfig.", "IpsecConfig.", "BgpConfig.", "HealthCheckConfig.",
		"TunnelOptionsSpecification.1.", "TunnelOptionsSpecification.2."} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// connParams turns the connection form into API parameters: plain fields
// as they are, the single-tunnel JSON configs assembled from their fields,
// the dual-tunnel TunnelOptionsSpecification.N.* fields as the SDKs flatten
// them. Empty fields are left out (API defaults, or unchanged on modify).
func connParams(f formValues) map[string]string {
	p := map[string]string{}
	groups := map[string]map[string]string{}
	for k, v := range f {
		if v == "" || k == "Tunnels" {
			continue
		}
		if g, field, ok := strings.Cut(k, "."); ok && g != "TunnelOptionsSpecification" {
			if groups[g] == nil {
				groups[g] = map[string]string{}
			}
			groups[g][field] = v
			continue
		}
		p[k] = v
	}
	for g, m := range groups {
		if g == "BgpConfig" && m["EnableBgp"] != "true" && len(m) <= 1 {
			continue // BGP off and nothing else given: leave it alone
		}
		if g == "HealthCheckConfig" && m["enable"] != "true" && len(m) <= 1 {
			continue
		}
		b, _ := json.Marshal(m)
		p[g] = string(b)
	}
	return p
}

// connForm prepares a connection form's selects.
func (h *Handler) connForm(q *req, fv formView) (formView, bool) {
	gws, rid, err := all(q, "DescribeVpnGateways", nil, func(r vpn.DescribeVpnGatewaysResponse) (int, vpn.Paging) {
		return len(r.VpnGateways.VpnGateway), r.Paging
	})
	if err != nil {
		q.fail("IPsec connection", "connections", err, rid)
		return fv, false
	}
	cgws, rid, err := all(q, "DescribeCustomerGateways", nil, cgwItems)
	if err != nil {
		q.fail("IPsec connection", "connections", err, rid)
		return fv, false
	}
	fv.Gateways, fv.CustomerGateways = nil, nil
	for _, p := range gws {
		for _, g := range p.VpnGateways.VpnGateway {
			label := g.VpnGatewayId + " (" + g.InternetIp
			if g.DisasterRecoveryInternetIp != "" {
				label += ", " + g.DisasterRecoveryInternetIp
			}
			label += ")"
			if g.Name != "" {
				label = g.Name + " — " + label
			}
			fv.Gateways = append(fv.Gateways, option{g.VpnGatewayId, label})
		}
	}
	for _, p := range cgws {
		for _, c := range p.CustomerGateways.CustomerGateway {
			label := c.CustomerGatewayId + " (" + c.IpAddress + ")"
			if c.Name != "" {
				label = c.Name + " — " + label
			}
			fv.CustomerGateways = append(fv.CustomerGateways, option{c.CustomerGatewayId, label})
		}
	}
	fv.Choices = choices
	return fv, true
}

func (h *Handler) connectionNew(q *req) {
	dual := q.r.URL.Query().Get("tunnels") == "2"
	fv := formView{V: formValues{}, Dual: dual, Tokens: randomToken()[:32]}
	if g := q.r.URL.Query().Get("VpnGatewayId"); g != "" {
		fv.V["VpnGatewayId"] = clip(g, 64)
	}
	fv, ok := h.connForm(q, fv)
	if !ok {
		return
	}
	q.page(http.StatusOK, "conn_form", newConnTitle(dual), "connections", fv, nil)
}

func newConnTitle(dual bool) string {
	if dual {
		return "New IPsec connection (dual tunnel)"
	}
	return "New IPsec connection (single tunnel)"
}

func (h *Handler) connectionCreate(q *req) {
	f := posted(q.r, connField)
	dual := f["Tunnels"] == "2"
	params := connParams(f)
	if dual {
		params["TunnelOptionsSpecification.1.Role"] = "master"
		params["TunnelOptionsSpecification.2.Role"] = "slave"
	}
	c, rid, err := do[vpn.CreateVpnConnectionResponse](q, "CreateVpnConnection", params)
	if err != nil {
		fv, ok := h.connForm(q, formView{V: f.withoutSecrets(), Dual: dual, Tokens: f["ClientToken"]})
		if ok {
			q.page(errStatus(err), "conn_form", newConnTitle(dual), "connections", fv, h.errorView(err, rid))
		}
		return
	}
	http.Redirect(q.w, q.r, Prefix+"r/"+q.region+"/connections/"+c.VpnConnectionId+"?done=vco-created", http.StatusSeeOther)
}

// connValues fills the edit form from a connection (no pre-shared key).
func connValues(c vpn.VpnConnectionItem) (formValues, []tunnelRow) {
	f := formValues{"Name": c.Name, "LocalSubnet": c.LocalSubnet, "RemoteSubnet": c.RemoteSubnet,
		"EffectImmediately": strconv.FormatBool(c.EffectImmediately), "EnableDpd": strconv.FormatBool(c.EnableDpd),
		"EnableNatTraversal": strconv.FormatBool(c.EnableNatTraversal), "EnableTunnelsBgp": strconv.FormatBool(c.EnableTunnelsBgp),
		"VpnGatewayId": c.VpnGatewayId, "CustomerGatewayId": c.CustomerGatewayId}
	if k := c.IkeConfig; k != nil {
		for name, v := range map[string]string{"IkeVersion": k.IkeVersion, "IkeMode": k.IkeMode, "IkeEncAlg": k.IkeEncAlg,
			"IkeAuthAlg": k.IkeAuthAlg, "IkePfs": k.IkePfs, "IkeLifetime": strconv.FormatInt(k.IkeLifetime, 10), "LocalId": k.LocalId, "RemoteId": k.RemoteId} {
			f["IkeConfig."+name] = v
		}
	}
	if s := c.IpsecConfig; s != nil {
		for name, v := range map[string]string{"IpsecEncAlg": s.IpsecEncAlg, "IpsecAuthAlg": s.IpsecAuthAlg, "IpsecPfs": s.IpsecPfs,
			"IpsecLifetime": strconv.FormatInt(s.IpsecLifetime, 10)} {
			f["IpsecConfig."+name] = v
		}
	}
	if b := c.VpnBgpConfig; b != nil {
		f["BgpConfig.EnableBgp"] = b.EnableBgp
		if b.EnableBgp == "true" {
			f["BgpConfig.LocalAsn"] = strconv.FormatInt(b.LocalAsn, 10)
			f["BgpConfig.TunnelCidr"], f["BgpConfig.LocalBgpIp"] = b.TunnelCidr, b.LocalBgpIp
		}
	}
	if hc := c.VcoHealthCheck; hc != nil {
		f["HealthCheckConfig.enable"] = hc.Enable
		f["HealthCheckConfig.sip"], f["HealthCheckConfig.dip"], f["HealthCheckConfig.policy"] = hc.Sip, hc.Dip, hc.Policy
		f["HealthCheckConfig.interval"] = strconv.Itoa(int(hc.Interval))
		f["HealthCheckConfig.retry"] = strconv.Itoa(int(hc.Retry))
	}
	var tunnels []tunnelRow
	if t := c.TunnelOptionsSpecification; t != nil {
		for i, o := range t.TunnelOptions {
			n := "TunnelOptionsSpecification." + strconv.Itoa(i+1) + "."
			tunnels = append(tunnels, tunnelRow{ID: o.TunnelId, Role: o.Role, CustomerGatewayID: o.CustomerGatewayId})
			k, s := o.TunnelIkeConfig, o.TunnelIpsecConfig
			for name, v := range map[string]string{"TunnelId": o.TunnelId, "CustomerGatewayId": o.CustomerGatewayId,
				"EnableDpd": o.EnableDpd, "EnableNatTraversal": o.EnableNatTraversal,
				"TunnelIkeConfig.IkeVersion": k.IkeVersion, "TunnelIkeConfig.IkeMode": k.IkeMode, "TunnelIkeConfig.IkeEncAlg": k.IkeEncAlg,
				"TunnelIkeConfig.IkeAuthAlg": k.IkeAuthAlg, "TunnelIkeConfig.IkePfs": k.IkePfs, "TunnelIkeConfig.IkeLifetime": k.IkeLifetime,
				"TunnelIkeConfig.LocalId": k.LocalId, "TunnelIkeConfig.RemoteId": k.RemoteId,
				"TunnelIpsecConfig.IpsecEncAlg": s.IpsecEncAlg, "TunnelIpsecConfig.IpsecAuthAlg": s.IpsecAuthAlg,
				"TunnelIpsecConfig.IpsecPfs": s.IpsecPfs, "TunnelIpsecConfig.IpsecLifetime": s.IpsecLifetime} {
				f[n+name] = v
			}
			if b := o.TunnelBgpConfig; b != nil {
				f[n+"TunnelBgpConfig.LocalAsn"], f[n+"TunnelBgpConfig.TunnelCidr"], f[n+"TunnelBgpConfig.LocalBgpIp"] = b.LocalAsn, b.TunnelCidr, b.LocalBgpIp
			}
		}
	}
	return f, tunnels
}

func (h *Handler) connectionEdit(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	c, rid, err := do[vpn.VpnConnectionItem](q, "DescribeVpnConnection", map[string]string{"VpnConnectionId": id})
	if err != nil {
		q.fail("Edit IPsec connection", "connections", err, rid)
		return
	}
	f, tunnels := connValues(c)
	fv, ok := h.connForm(q, formView{V: f, Edit: true, ID: id, Dual: len(tunnels) > 0, Tunnels: tunnels})
	if !ok {
		return
	}
	q.page(http.StatusOK, "conn_form", "Edit IPsec connection "+id, "connections", fv, nil)
}

func (h *Handler) connectionModify(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	f := posted(q.r, connField)
	dual := f["Tunnels"] == "2"
	g := formValues{}
	for k, v := range f {
		switch {
		case k == "VpnGatewayId", k == "ClientToken":
			// not modifiable
		case k == "CustomerGatewayId" && !dual:
			// a single-tunnel connection's customer gateway is fixed
		case dual && (k == "EnableDpd" || k == "EnableNatTraversal"):
		case !dual && k == "EnableTunnelsBgp":
		default:
			g[k] = v
		}
	}
	params := connParams(g)
	params["VpnConnectionId"] = id
	if _, ok := f["Name"]; ok {
		params["Name"] = f["Name"] // may be emptied
	}
	_, rid, err := do[vpn.ModifyVpnConnectionAttributeResponse](q, "ModifyVpnConnectionAttribute", params)
	if err != nil {
		var tunnels []tunnelRow
		if dual {
			for _, n := range []string{"1", "2"} {
				p := "TunnelOptionsSpecification." + n + "."
				tunnels = append(tunnels, tunnelRow{ID: f[p+"TunnelId"], Role: map[string]string{"1": "master", "2": "slave"}[n]})
			}
		}
		fv, ok := h.connForm(q, formView{V: f.withoutSecrets(), Edit: true, ID: id, Dual: dual, Tunnels: tunnels})
		if ok {
			q.page(errStatus(err), "conn_form", "Edit IPsec connection "+id, "connections", fv, h.errorView(err, rid))
		}
		return
	}
	http.Redirect(q.w, q.r, Prefix+"r/"+q.region+"/connections/"+id+"?done=vco-modified", http.StatusSeeOther)
}

func (h *Handler) connectionDeleteForm(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	c, rid, err := do[vpn.VpnConnectionItem](q, "DescribeVpnConnection", map[string]string{"VpnConnectionId": id})
	q.confirm("IPsec connection", "connections", "connections", id, c.Name, Prefix+"r/"+q.region+"/connections/"+id, err, rid)
}

func (h *Handler) connectionDelete(q *req) {
	q.remove("DeleteVpnConnection", "VpnConnectionId", "IPsec connection", "connections", "connections", "vco-deleted")
}
