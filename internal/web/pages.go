package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// answer converts a service answer to T (the use cases return values or
// pointers).
func answer[T any](v any) (T, error) {
	switch x := v.(type) {
	case T:
		return x, nil
	case *T:
		if x != nil {
			return *x, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("console: unexpected answer type %T", v)
}

// do runs action in the request's region and converts its answer.
func do[T any](q *req, action string, params map[string]string) (T, string, error) {
	if params == nil {
		params = map[string]string{}
	}
	if q.region != "" {
		params["RegionId"] = q.region
	}
	v, sr, err := q.h.b.call(q.r, q.p, action, params)
	if err != nil {
		var zero T
		return zero, sr.RequestID, err
	}
	out, err := answer[T](v)
	return out, sr.RequestID, err
}

// pageNumber reads ?page= (1 when absent or bad).
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

// listPage is the paging of a list page.
type listPage struct {
	Number, Pages, Total int
	Prev, Next           int // 0: none
}

func newListPage(p vpn.Paging) listPage {
	size := int(p.PageSize)
	if size < 1 {
		size = vpn.MaxPageSize
	}
	lp := listPage{Number: int(p.PageNumber), Total: int(p.TotalCount)}
	lp.Pages = (lp.Total + size - 1) / size
	if lp.Number > 1 {
		lp.Prev = lp.Number - 1
	}
	if lp.Number < lp.Pages {
		lp.Next = lp.Number + 1
	}
	return lp
}

func pageParams(r *http.Request) map[string]string {
	return map[string]string{"PageNumber": strconv.Itoa(pageNumber(r)), "PageSize": strconv.Itoa(vpn.MaxPageSize)}
}

// maxListPages bounds how many pages the console reads to fill a select or
// a topology (50 per page).
const maxListPages = 20

// all reads every page of a Describe* list (up to maxListPages).
func all[T any](q *req, action string, params map[string]string, items func(T) (int, vpn.Paging)) ([]T, string, error) {
	var out []T
	seen := 0
	for n := 1; n <= maxListPages; n++ {
		p := map[string]string{"PageNumber": strconv.Itoa(n), "PageSize": strconv.Itoa(vpn.MaxPageSize)}
		for k, v := range params {
			p[k] = v
		}
		page, rid, err := do[T](q, action, p)
		if err != nil {
			return nil, rid, err
		}
		out = append(out, page)
		k, pg := items(page)
		seen += k
		if k == 0 || seen >= int(pg.TotalCount) {
			break
		}
	}
	return out, "", nil
}

// ---- regions

// regions is the region picker. An identity that may not list regions
// (vpc:DescribeRegions) sees why, and a field to type the region instead.
func (h *Handler) regions(q *req) {
	rs, rid, err := do[vpn.DescribeRegionsResponse](q, "DescribeRegions", map[string]string{"AcceptLanguage": "en-US"})
	if err != nil {
		q.page(http.StatusOK, "regions", "Regions", "regions", []vpn.RegionItem(nil), h.errorView(err, rid))
		return
	}
	q.page(http.StatusOK, "regions", "Regions", "regions", rs.Regions.Region, nil)
}

// goRegion opens the region typed in the region picker.
func (h *Handler) goRegion(q *req) {
	reg := strings.TrimSpace(q.r.URL.Query().Get("region"))
	if !validRegionShape(reg) {
		http.Redirect(q.w, q.r, Prefix+"regions", http.StatusSeeOther)
		return
	}
	http.Redirect(q.w, q.r, Prefix+"r/"+reg+"/connections", http.StatusSeeOther)
}

func (h *Handler) regionHome(q *req) {
	http.Redirect(q.w, q.r, Prefix+"r/"+q.region+"/connections", http.StatusFound)
}

// ---- VPCs and vSwitches

type vpcRow struct {
	vpn.VpcItem
	Switches []vpn.VSwitchItem
}

func (h *Handler) vpcs(q *req) {
	vs, rid, err := do[vpn.DescribeVpcsResponse](q, "DescribeVpcs", pageParams(q.r))
	if err != nil {
		q.fail("VPCs", "vpcs", err, rid)
		return
	}
	rows := make([]vpcRow, 0, len(vs.Vpcs.Vpc))
	for _, v := range vs.Vpcs.Vpc {
		sws, rid, err := all(q, "DescribeVSwitches", map[string]string{"VpcId": v.VpcId}, func(r vpn.DescribeVSwitchesResponse) (int, vpn.Paging) {
			return len(r.VSwitches.VSwitch), r.Paging
		})
		if err != nil {
			q.fail("VPCs", "vpcs", err, rid)
			return
		}
		row := vpcRow{VpcItem: v}
		for _, s := range sws {
			row.Switches = append(row.Switches, s.VSwitches.VSwitch...)
		}
		rows = append(rows, row)
	}
	q.page(http.StatusOK, "vpcs", "VPCs and vSwitches", "vpcs", struct {
		Rows []vpcRow
		Page listPage
	}{rows, newListPage(vs.Paging)}, nil)
}

// ---- VPN gateways

func (h *Handler) gateways(q *req) {
	gs, rid, err := do[vpn.DescribeVpnGatewaysResponse](q, "DescribeVpnGateways", pageParams(q.r))
	if err != nil {
		q.fail("VPN gateways", "gateways", err, rid)
		return
	}
	q.page(http.StatusOK, "gateways", "VPN gateways", "gateways", struct {
		Rows []vpn.VpnGatewayItem
		Page listPage
	}{gs.VpnGateways.VpnGateway, newListPage(gs.Paging)}, nil)
}

func (h *Handler) gateway(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	g, rid, err := do[vpn.VpnGatewayItem](q, "DescribeVpnGateway", map[string]string{"VpnGatewayId": id})
	if err != nil {
		q.fail("VPN gateway", "gateways", err, rid)
		return
	}
	conns, rid, err := all(q, "DescribeVpnConnections", map[string]string{"VpnGatewayId": id}, connItems)
	if err != nil {
		q.fail("VPN gateway", "gateways", err, rid)
		return
	}
	cgws, rid, err := all(q, "DescribeCustomerGateways", nil, cgwItems)
	if err != nil {
		q.fail("VPN gateway", "gateways", err, rid)
		return
	}
	var cs []vpn.VpnConnectionsItem
	for _, p := range conns {
		cs = append(cs, p.VpnConnections.VpnConnection...)
	}
	byID := map[string]vpn.CustomerGatewayItem{}
	for _, p := range cgws {
		for _, c := range p.CustomerGateways.CustomerGateway {
			byID[c.CustomerGatewayId] = c
		}
	}
	rows := make([]connRow, 0, len(cs))
	for _, c := range cs {
		rows = append(rows, newConnRow(c))
	}
	q.page(http.StatusOK, "gateway", "VPN gateway "+g.VpnGatewayId, "gateways", struct {
		G        vpn.VpnGatewayItem
		Topology topology
		Rows     []connRow
	}{g, layoutTopology(q.region, g, cs, byID), rows}, nil)
}

func connItems(r vpn.DescribeVpnConnectionsResponse) (int, vpn.Paging) {
	return len(r.VpnConnections.VpnConnection), r.Paging
}

func cgwItems(r vpn.DescribeCustomerGatewaysResponse) (int, vpn.Paging) {
	return len(r.CustomerGateways.CustomerGateway), r.Paging
}

// ---- customer gateways

func (h *Handler) customerGateways(q *req) {
	cs, rid, err := do[vpn.DescribeCustomerGatewaysResponse](q, "DescribeCustomerGateways", pageParams(q.r))
	if err != nil {
		q.fail("Customer gateways", "cgws", err, rid)
		return
	}
	rows := cs.CustomerGateways.CustomerGateway
	for i := range rows {
		rows[i].AuthKey = "" // a BGP secret: never in a list page
	}
	q.page(http.StatusOK, "cgws", "Customer gateways", "cgws", struct {
		Rows []vpn.CustomerGatewayItem
		Page listPage
	}{rows, newListPage(cs.Paging)}, nil)
}

// ---- IPsec connections

// connRow is a connection in a list: no secret.
type connRow struct {
	ID, Name, GatewayID, LocalSubnet, RemoteSubnet, Status string
	CreateTime                                             int64
	Dual                                                   bool
	CustomerGateways                                       []string
	Tunnels                                                []tunnelRow
}

type tunnelRow struct {
	ID, Role, Status, CustomerGatewayID, InternetIP string
}

func newConnRow(c vpn.VpnConnectionsItem) connRow {
	row := connRow{ID: c.VpnConnectionId, Name: c.Name, GatewayID: c.VpnGatewayId, LocalSubnet: c.LocalSubnet,
		RemoteSubnet: c.RemoteSubnet, Status: c.Status, CreateTime: c.CreateTime}
	if c.CustomerGatewayId != "" {
		row.CustomerGateways = append(row.CustomerGateways, c.CustomerGatewayId)
	}
	if t := c.TunnelOptionsSpecification; t != nil && len(t.TunnelOptions) > 0 {
		row.Dual = true
		for _, o := range t.TunnelOptions {
			row.Tunnels = append(row.Tunnels, tunnelRow{ID: o.TunnelId, Role: o.Role, Status: o.Status, CustomerGatewayID: o.CustomerGatewayId, InternetIP: o.InternetIp})
			if o.CustomerGatewayId != "" && (len(row.CustomerGateways) == 0 || row.CustomerGateways[len(row.CustomerGateways)-1] != o.CustomerGatewayId) {
				row.CustomerGateways = append(row.CustomerGateways, o.CustomerGatewayId)
			}
		}
	}
	return row
}

func (h *Handler) connections(q *req) {
	cs, rid, err := do[vpn.DescribeVpnConnectionsResponse](q, "DescribeVpnConnections", pageParams(q.r))
	if err != nil {
		q.fail("IPsec connections", "connections", err, rid)
		return
	}
	rows := make([]connRow, 0, len(cs.VpnConnections.VpnConnection))
	for _, c := range cs.VpnConnections.VpnConnection {
		rows = append(rows, newConnRow(c))
	}
	q.page(http.StatusOK, "connections", "IPsec connections", "connections", struct {
		Rows []connRow
		Page listPage
	}{rows, newListPage(cs.Paging)}, nil)
}

// statusJSON is the answer of the status refresh: statuses only.
type statusJSON struct {
	Connections []connStatusJSON `json:"connections"`
}

type connStatusJSON struct {
	ID      string       `json:"id"`
	Status  string       `json:"status"`
	Label   string       `json:"label"`
	Class   string       `json:"class"`
	Tunnels []statusItem `json:"tunnels,omitempty"`
}

type statusItem struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Label  string `json:"label"`
	Class  string `json:"class"`
}

// connectionStatus answers connection statuses as JSON for console.js: of
// one page of the region's list (?page=N), of one connection
// (?VpnConnectionId=), or of one gateway's connections (?VpnGatewayId=), so
// that a refresh costs one or few API calls.
func (h *Handler) connectionStatus(q *req) {
	qs := q.r.URL.Query()
	var pages []vpn.DescribeVpnConnectionsResponse
	var err error
	switch {
	case qs.Get("VpnConnectionId") != "":
		var one vpn.DescribeVpnConnectionsResponse
		one, _, err = do[vpn.DescribeVpnConnectionsResponse](q, "DescribeVpnConnections", map[string]string{"VpnConnectionId": clip(qs.Get("VpnConnectionId"), 64)})
		pages = append(pages, one)
	case qs.Get("VpnGatewayId") != "":
		pages, _, err = all(q, "DescribeVpnConnections", map[string]string{"VpnGatewayId": clip(qs.Get("VpnGatewayId"), 64)}, connItems)
	default:
		var one vpn.DescribeVpnConnectionsResponse
		one, _, err = do[vpn.DescribeVpnConnectionsResponse](q, "DescribeVpnConnections", pageParams(q.r))
		pages = append(pages, one)
	}
	if err != nil {
		ev := h.errorView(err, "")
		q.w.Header().Set("Content-Type", "application/json")
		q.w.WriteHeader(errStatus(err))
		_ = json.NewEncoder(q.w).Encode(map[string]string{"code": ev.Code, "message": ev.Message})
		return
	}
	out := statusJSON{Connections: []connStatusJSON{}}
	for _, p := range pages {
		for _, c := range p.VpnConnections.VpnConnection {
			row := newConnRow(c)
			cj := connStatusJSON{ID: row.ID, Status: row.Status, Label: statusLabel(row.Status), Class: statusClass(row.Status)}
			for _, t := range row.Tunnels {
				cj.Tunnels = append(cj.Tunnels, statusItem{ID: t.ID, Status: t.Status, Label: statusLabel(t.Status), Class: statusClass(t.Status)})
			}
			out.Connections = append(out.Connections, cj)
		}
	}
	q.w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(q.w).Encode(out)
}

// connView is a connection's detail page; its pre-shared keys are blanked
// (and shown from Psks once revealed), its BGP authentication key always.
type connView struct {
	C        vpn.VpnConnectionItem
	Dual     bool
	Revealed bool
	// Psks holds the revealed keys: "" for a single-tunnel connection,
	// else by TunnelId.
	Psks    map[string]string
	Devices []service.DeviceTypeItem
	// DevicesErr explains why the device list is missing (refused).
	DevicesErr *errView
	HasLogs    bool
}

// blankSecrets drops the pre-shared keys and the BGP authentication key
// (the customer gateway's AuthKey) from a connection before it is shown.
func blankSecrets(c *vpn.VpnConnectionItem) {
	if c.VpnBgpConfig != nil {
		b := *c.VpnBgpConfig
		b.AuthKey = ""
		c.VpnBgpConfig = &b
	}
	if c.IkeConfig != nil {
		k := *c.IkeConfig
		k.Psk = ""
		c.IkeConfig = &k
	}
	if t := c.TunnelOptionsSpecification; t != nil {
		opts := append([]vpn.TunnelOptionsItem(nil), t.TunnelOptions...)
		for i := range opts {
			opts[i].TunnelIkeConfig.Psk = ""
		}
		c.TunnelOptionsSpecification = &vpn.TunnelOptionsList{TunnelOptions: opts}
	}
}

func (h *Handler) loadConnection(q *req) (*connView, bool) {
	id, ok := q.pathID()
	if !ok {
		return nil, false
	}
	c, rid, err := do[vpn.VpnConnectionItem](q, "DescribeVpnConnection", map[string]string{"VpnConnectionId": id})
	if err != nil {
		q.fail("IPsec connection", "connections", err, rid)
		return nil, false
	}
	blankSecrets(&c)
	v := &connView{C: c, Dual: c.TunnelOptionsSpecification != nil && len(c.TunnelOptionsSpecification.TunnelOptions) > 0,
		HasLogs: h.b.has("DescribeVpnConnectionLogs")}
	dt, rid, err := do[service.DescribeVpnConnectionDeviceTypesResponse](q, "DescribeVpnConnectionDeviceTypes", nil)
	if err != nil {
		v.DevicesErr = h.errorView(err, rid)
	} else {
		v.Devices = dt.DeviceTypes.DeviceType
	}
	return v, true
}

func (h *Handler) connection(q *req) {
	v, ok := h.loadConnection(q)
	if !ok {
		return
	}
	q.page(http.StatusOK, "connection", connTitle(v.C), "connections", v, nil)
}

func connTitle(c vpn.VpnConnectionItem) string {
	if c.Name != "" {
		return "IPsec connection " + c.Name
	}
	return "IPsec connection " + c.VpnConnectionId
}

// connectionReveal shows the connection's pre-shared keys: it reads them
// with DownloadVpnConnectionConfig, a secret read that the audit trail
// flags, and answers the page with them (POST, never cached, no key in any
// URL).
func (h *Handler) connectionReveal(q *req) {
	v, ok := h.loadConnection(q)
	if !ok {
		return
	}
	body, sr, err := h.b.call(q.r, q.p, "DownloadVpnConnectionConfig", map[string]string{"RegionId": q.region, "VpnConnectionId": v.C.VpnConnectionId})
	if err != nil {
		q.page(errStatus(err), "connection", connTitle(v.C), "connections", v, h.errorView(err, sr.RequestID))
		return
	}
	cfg, err := downloadAnswer(body)
	if err != nil {
		q.page(http.StatusInternalServerError, "connection", connTitle(v.C), "connections", v, h.errorView(err, sr.RequestID))
		return
	}
	v.Revealed, v.Psks = true, map[string]string{}
	if cfg.IkeConfig != nil {
		v.Psks[""] = cfg.IkeConfig.Psk
	}
	if cfg.TunnelsConfig != nil {
		for _, t := range cfg.TunnelsConfig.TunnelConfig {
			if t.IkeConfig != nil {
				v.Psks[t.TunnelId] = t.IkeConfig.Psk
			}
		}
	}
	q.page(http.StatusOK, "connection", connTitle(v.C), "connections", v, nil)
}

// downloadAnswer reads DownloadVpnConnectionConfig's answer to a call for
// JSON: a struct or, from the answer cache, the encoded JSON.
func downloadAnswer(body any) (vpn.ConnectionConfig, error) {
	if d, err := answer[service.DownloadVpnConnectionConfigResponse](body); err == nil {
		return d.VpnConnectionConfig, nil
	}
	if e, ok := body.(*wire.Encoded); ok && e.Format == wire.JSON {
		var d service.DownloadVpnConnectionConfigResponse
		if err := json.Unmarshal(e.Body, &d); err != nil {
			return vpn.ConnectionConfig{}, err
		}
		return d.VpnConnectionConfig, nil
	}
	return vpn.ConnectionConfig{}, fmt.Errorf("console: unexpected download answer %T", body)
}
