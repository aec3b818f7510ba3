package vpn

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// The gateway agent's side of the API (vpcvpn extensions of the VPC API, see
// docs/API.md "Gateway agent"): the wire types both the server
// (internal/service) and the agent (internal/agent) use, and the parsing of
// the agent's requests.

// Tunnel statuses (DescribeVpnConnection's Status values).
const (
	StatusIkeNotEstablished   = "ike_sa_not_established"
	StatusIkeEstablished      = "ike_sa_established"
	StatusIpsecNotEstablished = "ipsec_sa_not_established"
	StatusIpsecEstablished    = "ipsec_sa_established"
)

// StatusRank orders the statuses from not established (1) to IPsec SA
// established (4); 0 for anything else.
func StatusRank(s string) int {
	switch s {
	case StatusIkeNotEstablished:
		return 1
	case StatusIkeEstablished:
		return 2
	case StatusIpsecNotEstablished:
		return 3
	case StatusIpsecEstablished:
		return 4
	}
	return 0
}

// Timing of the agent protocol.
const (
	// MaxAgentWait bounds the long-poll of DownloadVpnGatewayAgentConfig
	// (WaitSeconds). The servers' write timeouts must exceed it.
	MaxAgentWait = 25 * time.Second
	// AgentReportInterval is how often an agent reports (the answer of
	// DownloadVpnGatewayAgentConfig tells it).
	AgentReportInterval = 5 * time.Second
	// AgentStaleAfter is how long a report counts: a tunnel (or agent)
	// not reported for longer is not established (not connected).
	AgentStaleAfter = 30 * time.Second
)

// Limits of a report. A report larger than this is sent as several.
const (
	MaxReportTunnels   = 5000 // tunnel entries per report
	MaxReportLogLines  = 5000 // log lines per report
	MaxLogLineBytes    = 2048 // one log line
	MaxLastErrorBytes  = 1024 // one LastError
	maxReportListParts = 200  // Tunnels.N and LogLines.N parameters each
)

// AgentConfig is the answer of DownloadVpnGatewayAgentConfig: the
// gateway-side desired state of one VPN gateway. With NotModified the
// generation the agent sent is still current and VpnConnections is empty.
type AgentConfig struct {
	VpnGatewayId               string              `json:"VpnGatewayId" xml:"VpnGatewayId"`
	RegionId                   string              `json:"RegionId" xml:"RegionId"`
	Generation                 int64               `json:"Generation" xml:"Generation"`
	NotModified                bool                `json:"NotModified" xml:"NotModified"`
	InternetIp                 string              `json:"InternetIp" xml:"InternetIp"`
	DisasterRecoveryInternetIp string              `json:"DisasterRecoveryInternetIp,omitempty" xml:"DisasterRecoveryInternetIp,omitempty"`
	ReportInterval             int                 `json:"ReportInterval" xml:"ReportInterval"`
	VpnConnections             AgentConnectionList `json:"VpnConnections" xml:"VpnConnections"`
}

// AgentConnectionList wraps VpnConnection[].
type AgentConnectionList struct {
	VpnConnection []AgentConnection `json:"VpnConnection" xml:"VpnConnection"`
}

// AgentConnection is one connection of the desired state: the settings the
// customer-side view does not carry, and that view itself
// (VpnConnectionConfig is exactly DownloadVpnConnectionConfig's answer), from
// which the agent renders the gateway side with render.RenderGateway.
type AgentConnection struct {
	VpnConnectionId     string           `json:"VpnConnectionId" xml:"VpnConnectionId"`
	Name                string           `json:"Name" xml:"Name"`
	CreateTime          int64            `json:"CreateTime" xml:"CreateTime"`
	EffectImmediately   bool             `json:"EffectImmediately" xml:"EffectImmediately"`
	EnableDpd           bool             `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal  bool             `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
	Tunnels             *AgentTunnelList `json:"Tunnels,omitempty" xml:"Tunnels,omitempty"`
	VpnConnectionConfig ConnectionConfig `json:"VpnConnectionConfig" xml:"VpnConnectionConfig"`
}

// AgentTunnelList wraps Tunnel[] (dual-tunnel connections, master first).
type AgentTunnelList struct {
	Tunnel []AgentTunnel `json:"Tunnel" xml:"Tunnel"`
}

// AgentTunnel is one tunnel of a dual-tunnel connection.
type AgentTunnel struct {
	TunnelId           string `json:"TunnelId" xml:"TunnelId"`
	Role               string `json:"Role" xml:"Role"`
	EnableDpd          bool   `json:"EnableDpd" xml:"EnableDpd"`
	EnableNatTraversal bool   `json:"EnableNatTraversal" xml:"EnableNatTraversal"`
}

// NewAgentConnection builds the desired state of connection c (with its
// gateway and customer gateways, as for CustomerView).
func NewAgentConnection(c Connection, gw Gateway, cgws map[string]CustomerGateway) AgentConnection {
	out := AgentConnection{
		VpnConnectionId: c.VpnConnectionID, Name: c.Name, CreateTime: millis(c.CreatedAt),
		EffectImmediately: c.EffectImmediately, EnableDpd: c.EnableDpd, EnableNatTraversal: c.EnableNatTraversal,
		VpnConnectionConfig: CustomerView(c, gw, cgws),
	}
	if c.DualTunnel() {
		out.Tunnels = &AgentTunnelList{}
		for _, t := range orderedTunnels(c.Tunnels) {
			out.Tunnels.Tunnel = append(out.Tunnels.Tunnel, AgentTunnel{TunnelId: t.TunnelID, Role: t.Role,
				EnableDpd: t.EnableDpd, EnableNatTraversal: t.EnableNatTraversal})
		}
	}
	return out
}

// AgentConfigRequest is a parsed DownloadVpnGatewayAgentConfig request.
type AgentConfigRequest struct {
	RegionID     string
	VpnGatewayID string
	// Generation is the generation the agent has; HasGeneration is false
	// when it sent none (it has nothing yet).
	Generation    int64
	HasGeneration bool
	// Wait is how long to wait for a new generation (0: answer at once).
	Wait time.Duration
}

// ParseAgentConfigRequest reads RegionId, VpnGatewayId, the optional
// Generation (an integer >= 0) and WaitSeconds (0-25, default 0).
func ParseAgentConfigRequest(p Params) (AgentConfigRequest, error) {
	var r AgentConfigRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if r.VpnGatewayID, err = RequiredID(p, "VpnGatewayId", PrefixVpnGateway); err != nil {
		return r, err
	}
	if v, ok := p["Generation"]; ok {
		n, ok := wirenum.Int(v)
		if !ok || n < 0 {
			return r, malformed("Generation", v, "it must be an integer of at least 0")
		}
		r.Generation, r.HasGeneration = n, true
	}
	if v, ok := p["WaitSeconds"]; ok {
		n, ok := wirenum.Int(v)
		if !ok || n < 0 || time.Duration(n)*time.Second > MaxAgentWait {
			return r, malformed("WaitSeconds", v, "it must be an integer from 0 to "+strconv.Itoa(int(MaxAgentWait/time.Second)))
		}
		r.Wait = time.Duration(n) * time.Second
	}
	return r, nil
}

// AgentTunnelReport is one tunnel in ReportVpnGatewayAgentStatus. TunnelId
// is empty for a single-tunnel connection. Times are Unix milliseconds (0:
// none); counters are those of the CHILD_SAs alive at the time.
type AgentTunnelReport struct {
	VpnConnectionId string `json:"VpnConnectionId"`
	TunnelId        string `json:"TunnelId,omitempty"`
	Status          string `json:"Status"`
	IkeSaState      string `json:"IkeSaState,omitempty"`
	ChildSaState    string `json:"ChildSaState,omitempty"`
	IkeSaUniqueId   string `json:"IkeSaUniqueId,omitempty"`
	EstablishedTime int64  `json:"EstablishedTime,omitempty"`
	BytesIn         int64  `json:"BytesIn"`
	BytesOut        int64  `json:"BytesOut"`
	PacketsIn       int64  `json:"PacketsIn"`
	PacketsOut      int64  `json:"PacketsOut"`
	LastError       string `json:"LastError,omitempty"`
	LastErrorTime   int64  `json:"LastErrorTime,omitempty"`
}

// AgentLogLine is one of charon's log lines for a connection.
type AgentLogLine struct {
	VpnConnectionId string `json:"VpnConnectionId"`
	TunnelId        string `json:"TunnelId,omitempty"`
	Time            int64  `json:"Time"` // Unix milliseconds
	Line            string `json:"Line"`
}

// AgentReport is a parsed ReportVpnGatewayAgentStatus request.
type AgentReport struct {
	RegionID     string
	VpnGatewayID string
	InstanceID   string
	Sequence     int64
	Version      string
	Hostname     string
	Generation   int64
	Tunnels      []AgentTunnelReport
	LogLines     []AgentLogLine
}

// ParseAgentReport reads a ReportVpnGatewayAgentStatus request: RegionId,
// VpnGatewayId, AgentInstanceId (1-64 of [A-Za-z0-9_-]), Sequence (an
// integer >= 1), optional AgentVersion (<= 64 printable ASCII), Hostname
// (<= 255 printable ASCII), Generation (>= 0), and the lists Tunnels.N and
// LogLines.N (N = 1, 2, ...: each a JSON array of AgentTunnelReport /
// AgentLogLine, unknown keys refused). Every entry is checked: ids, a known
// Status, states of upper-case letters and '_', sizes (LastError and Line
// are cut to their limits), no control characters.
func ParseAgentReport(p Params) (AgentReport, error) {
	var r AgentReport
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if r.VpnGatewayID, err = RequiredID(p, "VpnGatewayId", PrefixVpnGateway); err != nil {
		return r, err
	}
	if r.InstanceID, err = p.required("AgentInstanceId"); err != nil {
		return r, err
	}
	if len(r.InstanceID) > 64 || !isToken(r.InstanceID) {
		return r, malformed("AgentInstanceId", r.InstanceID, "it must be 1-64 letters, digits, '-' or '_'")
	}
	seq, err := p.required("Sequence")
	if err != nil {
		return r, err
	}
	var ok bool
	if r.Sequence, ok = wirenum.Int(seq); !ok || r.Sequence < 1 {
		return r, malformed("Sequence", seq, "it must be an integer of at least 1")
	}
	if v, ok := p["AgentVersion"]; ok {
		if len(v) > 64 || (v != "" && !isPrintableASCII(v)) {
			return r, malformed("AgentVersion", v, "it must be at most 64 printable ASCII characters")
		}
		r.Version = v
	}
	if v, ok := p["Hostname"]; ok {
		if len(v) > 255 || (v != "" && !isPrintableASCII(v)) {
			return r, malformed("Hostname", v, "it must be at most 255 printable ASCII characters")
		}
		r.Hostname = v
	}
	if v, ok := p["Generation"]; ok {
		if r.Generation, ok = wirenum.Int(v); !ok || r.Generation < 0 {
			return r, malformed("Generation", v, "it must be an integer of at least 0")
		}
	}
	if err := parseList(p, "Tunnels", func(name string, raw string) error {
		n := len(r.Tunnels)
		var ok bool
		if r.Tunnels, ok = fastTunnelReports(r.Tunnels, raw); !ok {
			r.Tunnels = r.Tunnels[:n]
			var items []AgentTunnelReport
			if err := decodeStrict([]byte(raw), &items); err != nil {
				return apierror.Invalid("InvalidTunnels.Malformed", "The specified %s is not valid: it must be a JSON array of tunnel reports (%v).", name, err)
			}
			r.Tunnels = append(r.Tunnels, items...)
		}
		for i := range r.Tunnels[n:] {
			if err := checkTunnelReport(name, i, &r.Tunnels[n+i]); err != nil {
				return err
			}
		}
		if len(r.Tunnels) > MaxReportTunnels {
			return apierror.Invalid("InvalidTunnels.Malformed", "The report carries more than %d tunnels; send several reports.", MaxReportTunnels)
		}
		return nil
	}); err != nil {
		return r, err
	}
	if err := parseList(p, "LogLines", func(name string, raw string) error {
		var items []AgentLogLine
		if err := decodeStrict([]byte(raw), &items); err != nil {
			return apierror.Invalid("InvalidLogLines.Malformed", "The specified %s is not valid: it must be a JSON array of log lines (%v).", name, err)
		}
		for i := range items {
			if err := checkLogLine(name, i, &items[i]); err != nil {
				return err
			}
		}
		r.LogLines = append(r.LogLines, items...)
		if len(r.LogLines) > MaxReportLogLines {
			return apierror.Invalid("InvalidLogLines.Malformed", "The report carries more than %d log lines; send several reports.", MaxReportLogLines)
		}
		return nil
	}); err != nil {
		return r, err
	}
	return r, nil
}

// parseList calls fn for prefix.1, prefix.2, ... in order of N; any other
// parameter starting with prefix is InvalidParameter.
func parseList(p Params, prefix string, fn func(name string, raw string) error) error {
	var idx []int
	for k := range p {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		n64, canonical := wirenum.Int(strings.TrimPrefix(rest, "."))
		n := int(n64)
		if !strings.HasPrefix(rest, ".") || !canonical || n < 1 || n > maxReportListParts {
			return apierror.Invalid("InvalidParameter", "The parameter %s is not valid: use %s.N with N from 1 to %d.", shown(k), prefix, maxReportListParts)
		}
		idx = append(idx, n)
	}
	sort.Ints(idx)
	for _, n := range idx {
		name := prefix + "." + strconv.Itoa(n)
		if err := fn(name, p[name]); err != nil {
			return err
		}
	}
	return nil
}

func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailing
	}
	return nil
}

type trailingError struct{}

func (trailingError) Error() string { return "trailing data after the JSON value" }

var errTrailing = trailingError{}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isState reports whether s looks like one of charon's state names.
func isState(s string) bool {
	if len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// cleanText replaces control characters and invalid UTF-8 by spaces and cuts
// s to at most max bytes (on a character boundary).
func cleanText(s string, max int) string {
	if len(s) <= max && isPlainASCII(s) {
		return s // nothing to replace or cut
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, " ") {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPlainASCII reports whether s holds only ASCII from space to '~'.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func checkTunnelReport(name string, i int, t *AgentTunnelReport) error {
	bad := func(field, v, why string) error {
		item := name + "[" + strconv.Itoa(i) + "]"
		return apierror.Invalid("InvalidTunnels.Malformed", "The specified %s.%s %s is not valid: %s.", item, field, shown(v), why)
	}
	if !ValidID(PrefixVpnConnection, t.VpnConnectionId) {
		return bad("VpnConnectionId", t.VpnConnectionId, "it is not a connection id")
	}
	if t.TunnelId != "" && !ValidID(PrefixTunnel, t.TunnelId) {
		return bad("TunnelId", t.TunnelId, "it is not a tunnel id")
	}
	if StatusRank(t.Status) == 0 {
		return bad("Status", t.Status, "it must be ike_sa_not_established, ike_sa_established, ipsec_sa_not_established or ipsec_sa_established")
	}
	if !isState(t.IkeSaState) {
		return bad("IkeSaState", t.IkeSaState, "it must be a state name of at most 32 upper-case letters and '_'")
	}
	if !isState(t.ChildSaState) {
		return bad("ChildSaState", t.ChildSaState, "it must be a state name of at most 32 upper-case letters and '_'")
	}
	if len(t.IkeSaUniqueId) > 20 || strings.Trim(t.IkeSaUniqueId, "0123456789") != "" {
		return bad("IkeSaUniqueId", t.IkeSaUniqueId, "it must be a decimal number")
	}
	for _, c := range []struct {
		field string
		v     int64
	}{{"EstablishedTime", t.EstablishedTime}, {"BytesIn", t.BytesIn}, {"BytesOut", t.BytesOut}, {"PacketsIn", t.PacketsIn},
		{"PacketsOut", t.PacketsOut}, {"LastErrorTime", t.LastErrorTime}} {
		if c.v < 0 {
			return bad(c.field, strconv.FormatInt(c.v, 10), "it must not be negative")
		}
	}
	t.LastError = cleanText(t.LastError, MaxLastErrorBytes)
	return nil
}

func checkLogLine(name string, i int, l *AgentLogLine) error {
	item := name + "[" + strconv.Itoa(i) + "]"
	bad := func(field, v, why string) error {
		return apierror.Invalid("InvalidLogLines.Malformed", "The specified %s.%s %s is not valid: %s.", item, field, shown(v), why)
	}
	if !ValidID(PrefixVpnConnection, l.VpnConnectionId) {
		return bad("VpnConnectionId", l.VpnConnectionId, "it is not a connection id")
	}
	if l.TunnelId != "" && !ValidID(PrefixTunnel, l.TunnelId) {
		return bad("TunnelId", l.TunnelId, "it is not a tunnel id")
	}
	if l.Time <= 0 {
		return bad("Time", strconv.FormatInt(l.Time, 10), "it must be a positive Unix time in milliseconds")
	}
	l.Line = cleanText(l.Line, MaxLogLineBytes)
	return nil
}

// AgentReportAnswer is the answer of ReportVpnGatewayAgentStatus.
type AgentReportAnswer struct {
	Sequence       int64 `json:"Sequence" xml:"Sequence"`
	ReportInterval int   `json:"ReportInterval" xml:"ReportInterval"`
}

// GatewayAgentItem is vpcvpn's extension field GatewayAgent of
// DescribeVpnGateway(s): whether the gateway's agent reports (Connected: a
// report within AgentStaleAfter), when it last did (Unix milliseconds, 0:
// never) and its version.
type GatewayAgentItem struct {
	Connected      bool   `json:"Connected" xml:"Connected"`
	LastReportTime int64  `json:"LastReportTime" xml:"LastReportTime"`
	AgentVersion   string `json:"AgentVersion" xml:"AgentVersion"`
}

// ConnectionLogsRequest is a parsed DescribeVpnConnectionLogs request.
type ConnectionLogsRequest struct {
	RegionID        string
	VpnConnectionID string
	TunnelID        string
	From, To        time.Time
	Page            Page
}

// MaxLogMinutePeriod is the largest MinutePeriod.
const MaxLogMinutePeriod = 10

// logTime reads From or To: a Unix time in seconds (below 10^11, what the
// SDKs' int32 fields carry) or in milliseconds.
func logTime(p Params, name string) (time.Time, bool, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return time.Time{}, false, nil
	}
	n, ok2 := wirenum.Int(v)
	if !ok2 || n < 0 || n > 1e14 {
		return time.Time{}, true, malformed(name, v, "it must be a Unix time in seconds or milliseconds")
	}
	if n < 1e11 {
		return time.Unix(n, 0).UTC(), true, nil
	}
	return time.UnixMilli(n).UTC(), true, nil
}

// ParseConnectionLogsRequest reads DescribeVpnConnectionLogs: RegionId,
// VpnConnectionId, optional TunnelId, the time range (From and To; or one of
// them with MinutePeriod, 1-10 minutes; or MinutePeriod alone: the last
// MinutePeriod minutes before now), PageNumber and PageSize (1-50, default
// 10).
func ParseConnectionLogsRequest(p Params, now time.Time) (ConnectionLogsRequest, error) {
	var r ConnectionLogsRequest
	var err error
	if r.RegionID, err = ParseRegion(p); err != nil {
		return r, err
	}
	if r.VpnConnectionID, err = RequiredID(p, "VpnConnectionId", PrefixVpnConnection); err != nil {
		return r, err
	}
	if r.TunnelID, err = optionalID(p, "TunnelId", PrefixTunnel); err != nil {
		return r, err
	}
	from, hasFrom, err := logTime(p, "From")
	if err != nil {
		return r, err
	}
	to, hasTo, err := logTime(p, "To")
	if err != nil {
		return r, err
	}
	var period time.Duration
	if v, ok := p["MinutePeriod"]; ok && v != "" {
		n, ok := wirenum.Int(v)
		if !ok || n < 1 || n > MaxLogMinutePeriod {
			return r, malformed("MinutePeriod", v, "it must be an integer from 1 to 10")
		}
		period = time.Duration(n) * time.Minute
	}
	switch {
	case hasFrom && hasTo:
	case hasFrom && period > 0:
		to = from.Add(period)
	case hasTo && period > 0:
		from = to.Add(-period)
	case hasFrom || hasTo:
		return r, apierror.Newf("MissingParameter", "Give To (or MinutePeriod) with From, and From (or MinutePeriod) with To.")
	case period > 0:
		from, to = now.Add(-period), now
	default:
		return r, apierror.Newf("MissingParameter", "Give the time range: From and To, or MinutePeriod (1-10 minutes before now).")
	}
	if to.Before(from) {
		return r, apierror.Invalid("InvalidParameter", "To (%s) is before From (%s).", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	r.From, r.To = from, to
	if r.Page, err = ParsePage(p); err != nil {
		return r, err
	}
	return r, nil
}

// DescribeVpnConnectionLogsResponse is the answer of
// DescribeVpnConnectionLogs, shaped like the SDKs' model: Count is the
// number of lines on this page, Data.Logs the lines, IsCompleted whether
// every line of the range has arrived (the gateway's agent reported after
// To).
type DescribeVpnConnectionLogsResponse struct {
	Count       int            `json:"Count" xml:"Count"`
	IsCompleted bool           `json:"IsCompleted" xml:"IsCompleted"`
	PageNumber  int            `json:"PageNumber" xml:"PageNumber"`
	PageSize    int            `json:"PageSize" xml:"PageSize"`
	Data        ConnectionLogs `json:"Data" xml:"Data"`
}

// ConnectionLogs is Data of DescribeVpnConnectionLogs.
type ConnectionLogs struct {
	Logs []string `json:"Logs" xml:"Logs"`
}

// GatewayAgentStatus is the answer of DescribeVpnGatewayAgentStatus.
type GatewayAgentStatus struct {
	VpnGatewayId   string                `json:"VpnGatewayId" xml:"VpnGatewayId"`
	Connected      bool                  `json:"Connected" xml:"Connected"`
	LastReportTime int64                 `json:"LastReportTime" xml:"LastReportTime"`
	AgentVersion   string                `json:"AgentVersion" xml:"AgentVersion"`
	Hostname       string                `json:"Hostname" xml:"Hostname"`
	Generation     int64                 `json:"Generation" xml:"Generation"`
	TotalCount     int                   `json:"TotalCount" xml:"TotalCount"`
	Tunnels        AgentTunnelStatusList `json:"Tunnels" xml:"Tunnels"`
}

// AgentTunnelStatusList wraps Tunnel[].
type AgentTunnelStatusList struct {
	Tunnel []AgentTunnelStatus `json:"Tunnel" xml:"Tunnel"`
}

// AgentTunnelStatus is one tunnel in DescribeVpnGatewayAgentStatus: Status is
// the effective one (as DescribeVpnConnection shows it); the states and
// counters are the last report's while it is fresh, LastError and
// ReportTime the last report's in any case. Times are Unix milliseconds (0:
// none).
type AgentTunnelStatus struct {
	VpnConnectionId string `json:"VpnConnectionId" xml:"VpnConnectionId"`
	TunnelId        string `json:"TunnelId" xml:"TunnelId"`
	Status          string `json:"Status" xml:"Status"`
	IkeSaState      string `json:"IkeSaState" xml:"IkeSaState"`
	ChildSaState    string `json:"ChildSaState" xml:"ChildSaState"`
	IkeSaUniqueId   string `json:"IkeSaUniqueId" xml:"IkeSaUniqueId"`
	EstablishedTime int64  `json:"EstablishedTime" xml:"EstablishedTime"`
	BytesIn         int64  `json:"BytesIn" xml:"BytesIn"`
	BytesOut        int64  `json:"BytesOut" xml:"BytesOut"`
	PacketsIn       int64  `json:"PacketsIn" xml:"PacketsIn"`
	PacketsOut      int64  `json:"PacketsOut" xml:"PacketsOut"`
	LastError       string `json:"LastError" xml:"LastError"`
	LastErrorTime   int64  `json:"LastErrorTime" xml:"LastErrorTime"`
	ReportTime      int64  `json:"ReportTime" xml:"ReportTime"`
}
