package web

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// topology is the layout of a gateway's picture, drawn as SVG by the
// gateway template: the gateway on the left (one port per public address),
// its customer gateways on the right, one line per tunnel coloured by the
// tunnel's status. Coordinates are computed here; every string is escaped
// by html/template.
type topology struct {
	Width, Height int
	Gateway       topoBox
	Ports         []topoPort
	Peers         []topoBox
	Edges         []topoEdge
	Empty         bool
}

type topoBox struct {
	X, Y, W, H   int
	ID, Label    string
	Full         string // the untruncated label (tooltip)
	Sub          string
	Href         string
	TextX, TextY int
}

type topoPort struct {
	X, Y  int
	Label string
}

type topoEdge struct {
	X1, Y1, X2, Y2 int
	LX, LY         int // label position
	Label, Full    string
	Status, Class  string
	StatusLabel    string
	Href           string
	Key            string // data-status key: connection id or connection/tunnel
}

const (
	topoWidth    = 860
	topoRowH     = 90
	topoPeerX    = 600
	topoPeerW    = 240
	topoBoxH     = 60
	topoGatewayW = 240
)

func layoutTopology(region string, g vpn.VpnGatewayItem, conns []vpn.VpnConnectionsItem, cgws map[string]vpn.CustomerGatewayItem) topology {
	base := Prefix + "r/" + region
	var peers []string
	index := map[string]int{}
	add := func(id string) {
		if _, ok := index[id]; !ok && id != "" {
			index[id] = len(peers)
			peers = append(peers, id)
		}
	}
	for _, c := range conns {
		add(c.CustomerGatewayId)
		if t := c.TunnelOptionsSpecification; t != nil {
			for _, o := range t.TunnelOptions {
				add(o.CustomerGatewayId)
			}
		}
	}
	rows := max(len(peers), 2)
	t := topology{Width: topoWidth, Height: 40 + rows*topoRowH, Empty: len(conns) == 0}
	gh := max(140, t.Height-80)
	gy := (t.Height - gh) / 2
	label := g.Name
	if label == "" {
		label = g.VpnGatewayId
	}
	agent := "no agent"
	if a := g.GatewayAgent; a != nil && a.Connected {
		agent = "agent connected"
	} else if a != nil && a.LastReportTime != 0 {
		agent = "agent not connected"
	}
	t.Gateway = topoBox{X: 20, Y: gy, W: topoGatewayW, H: gh, ID: g.VpnGatewayId, Label: short(label, 24), Full: label, Sub: g.Spec + " · " + agent,
		TextX: 36, TextY: gy + 28}
	portX := 20 + topoGatewayW
	// The ports sit below the gateway's name and its second line.
	master := topoPort{X: portX, Y: gy + gh*55/100, Label: g.InternetIp}
	slave := topoPort{X: portX, Y: gy + gh*82/100, Label: g.DisasterRecoveryInternetIp}
	if g.DisasterRecoveryInternetIp == "" {
		master.Y = gy + gh*65/100
		t.Ports = []topoPort{master}
	} else {
		t.Ports = []topoPort{master, slave}
	}
	for i, id := range peers {
		y := 40 + i*topoRowH
		c := cgws[id]
		lbl := c.Name
		if lbl == "" {
			lbl = id
		}
		sub := c.IpAddress
		if c.Asn != 0 {
			sub += " · AS" + strconv.FormatInt(c.Asn, 10)
		}
		t.Peers = append(t.Peers, topoBox{X: topoPeerX, Y: y, W: topoPeerW, H: topoBoxH, ID: id, Label: short(lbl, 24), Full: lbl, Sub: sub,
			Href: base + "/customer-gateways", TextX: topoPeerX + 14, TextY: y + 24})
	}
	n := 0
	edge := func(c vpn.VpnConnectionsItem, from topoPort, cgw, status, key, role string) {
		i, ok := index[cgw]
		if !ok {
			return
		}
		y2 := 40 + i*topoRowH + topoBoxH/2
		name := c.Name
		if name == "" {
			name = c.VpnConnectionId
		}
		if role != "" {
			name += " (" + role + ")"
		}
		label := short(name, 36)
		lx, ly := edgeLabel(from.X, from.Y, topoPeerX, y2, label, n%2 == 1)
		n++
		t.Edges = append(t.Edges, topoEdge{X1: from.X, Y1: from.Y, X2: topoPeerX, Y2: y2, LX: lx, LY: ly, Label: label, Full: name,
			Status: status, Class: statusClass(status), StatusLabel: statusLabel(status),
			Href: base + "/connections/" + c.VpnConnectionId, Key: key})
	}
	for _, c := range conns {
		if ts := c.TunnelOptionsSpecification; ts != nil && len(ts.TunnelOptions) > 0 {
			for _, o := range ts.TunnelOptions {
				from := t.Ports[0]
				if o.Role == "slave" && len(t.Ports) > 1 {
					from = t.Ports[1]
				}
				edge(c, from, o.CustomerGatewayId, o.Status, c.VpnConnectionId+"/"+o.TunnelId, o.Role)
			}
			continue
		}
		edge(c, t.Ports[0], c.CustomerGatewayId, c.Status, c.VpnConnectionId, "")
	}
	return t
}

// edgeLabel places an edge's label (13 px text, centred) at the middle of
// the line, above it (below when below is set, for every second edge, so
// that labels of neighbouring edges do not meet), far enough that the
// sloped line clears the whole text rather than crossing its ends.
func edgeLabel(x1, y1, x2, y2 int, label string, below bool) (int, int) {
	lx, ym := (x1+x2)/2, (y1+y2)/2
	halfWidth := float64(utf8.RuneCountInString(label)) * 3.7
	rise := 0
	if x2 != x1 {
		rise = int(math.Abs(float64(y2-y1)) / float64(x2-x1) * halfWidth)
	}
	if below {
		return lx, ym + 17 + rise // baseline: the text's top ~4 px under the line
	}
	return lx, ym - 7 - rise
}

// short truncates s to n characters (runes) with an ellipsis, so a long
// name stays inside its box; the full name is the element's tooltip.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ---- connection logs (DescribeVpnConnectionLogs, when the API has it)

// logsAnswer is DescribeVpnConnectionLogs' answer as Alibaba names it.
type logsAnswer struct {
	Count       int  `json:"Count"`
	PageNumber  int  `json:"PageNumber"`
	PageSize    int  `json:"PageSize"`
	IsCompleted bool `json:"IsCompleted"`
	Data        struct {
		Logs []string `json:"Logs"`
	} `json:"Data"`
}

type logsView struct {
	ID        string
	Available bool
	Minutes   int
	Logs      []string
	Page      listPage
}

func (h *Handler) connectionLogs(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	v := logsView{ID: id, Available: h.b.has("DescribeVpnConnectionLogs"), Minutes: 60}
	if m, err := strconv.Atoi(q.r.URL.Query().Get("minutes")); err == nil && m >= 1 && m <= 7*24*60 {
		v.Minutes = m
	}
	if !v.Available {
		q.page(http.StatusOK, "logs", "Connection logs: "+id, "connections", v, nil)
		return
	}
	now := q.h.now()
	params := map[string]string{"RegionId": q.region, "VpnConnectionId": id,
		"From": strconv.FormatInt(now.Add(-time.Duration(v.Minutes)*time.Minute).UnixMilli(), 10), "To": strconv.FormatInt(now.UnixMilli(), 10),
		"PageNumber": strconv.Itoa(pageNumber(q.r)), "PageSize": "50"}
	body, sr, err := h.b.call(q.r, q.p, "DescribeVpnConnectionLogs", params)
	if err != nil {
		q.page(errStatus(err), "logs", "Connection logs: "+id, "connections", v, h.errorView(err, sr.RequestID))
		return
	}
	var a logsAnswer
	b, err := json.Marshal(body)
	if err == nil {
		err = json.Unmarshal(b, &a)
	}
	if err != nil {
		q.page(http.StatusInternalServerError, "logs", "Connection logs: "+id, "connections", v, h.errorView(err, sr.RequestID))
		return
	}
	v.Logs = a.Data.Logs
	// Count is the number of lines on this page: another page may follow
	// a full one.
	v.Page = listPage{Number: max(a.PageNumber, 1)}
	if v.Page.Number > 1 {
		v.Page.Prev = v.Page.Number - 1
	}
	if a.PageSize > 0 && len(a.Data.Logs) >= a.PageSize {
		v.Page.Next = v.Page.Number + 1
	}
	q.page(http.StatusOK, "logs", "Connection logs: "+id, "connections", v, nil)
}
