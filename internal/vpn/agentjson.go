package vpn

// A fast path for the JSON of ReportVpnGatewayAgentStatus's Tunnels.N: a
// gateway agent sends one every 5 s, and encoding/json's reflection was the
// largest part of a report's cost after the HTTP front (docs/GATEWAY.md,
// "Scaling"). fastTunnelReports decodes only a plain subset of JSON (the
// agent's own encoding: exact-case keys, ASCII strings without escapes,
// non-negative integers, no null); for anything else it reports false and
// the caller decodes with encoding/json (decodeStrict), which then gives the
// same value or the same error as before. So what it accepts it decodes
// exactly as encoding/json with DisallowUnknownFields would
// (TestFastTunnelReportsAgreesWithEncodingJSON, FuzzFastTunnelReports).

// fastTunnelReports appends the tunnel reports of the JSON array s to dst,
// or returns false when s is not in the plain subset.
func fastTunnelReports(dst []AgentTunnelReport, s string) ([]AgentTunnelReport, bool) {
	d := jsonScan{s: s}
	d.ws()
	if !d.eat('[') {
		return dst, false
	}
	d.ws()
	if d.eat(']') {
		d.ws()
		return dst, d.i == len(d.s)
	}
	for {
		var t AgentTunnelReport
		if !d.tunnel(&t) {
			return dst, false
		}
		dst = append(dst, t)
		d.ws()
		if d.eat(',') {
			d.ws()
			continue
		}
		if !d.eat(']') {
			return dst, false
		}
		d.ws()
		return dst, d.i == len(d.s)
	}
}

type jsonScan struct {
	s string
	i int
}

func (d *jsonScan) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonScan) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str reads a string of printable ASCII without escapes.
func (d *jsonScan) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '"' {
			d.i++
			return d.s[start : d.i-1], true
		}
		if c < 0x20 || c > 0x7e || c == '\\' {
			return "", false
		}
		d.i++
	}
	return "", false
}

// int reads a non-negative integer of at most 18 digits (no sign, fraction
// or exponent) followed by a delimiter.
func (d *jsonScan) int() (int64, bool) {
	start := d.i
	var n int64
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		n = n*10 + int64(d.s[d.i]-'0')
		d.i++
	}
	digits := d.i - start
	if digits == 0 || digits > 18 || (digits > 1 && d.s[start] == '0') {
		return 0, false
	}
	if d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r', ',', '}':
		default:
			return 0, false
		}
	}
	return n, true
}

// tunnel reads one object of AgentTunnelReport's exact keys.
func (d *jsonScan) tunnel(t *AgentTunnelReport) bool {
	if !d.eat('{') {
		return false
	}
	d.ws()
	if d.eat('}') {
		return true
	}
	for {
		key, ok := d.str()
		if !ok {
			return false
		}
		d.ws()
		if !d.eat(':') {
			return false
		}
		d.ws()
		var sp *string
		var ip *int64
		switch key {
		case "VpnConnectionId":
			sp = &t.VpnConnectionId
		case "TunnelId":
			sp = &t.TunnelId
		case "Status":
			sp = &t.Status
		case "IkeSaState":
			sp = &t.IkeSaState
		case "ChildSaState":
			sp = &t.ChildSaState
		case "IkeSaUniqueId":
			sp = &t.IkeSaUniqueId
		case "LastError":
			sp = &t.LastError
		case "EstablishedTime":
			ip = &t.EstablishedTime
		case "BytesIn":
			ip = &t.BytesIn
		case "BytesOut":
			ip = &t.BytesOut
		case "PacketsIn":
			ip = &t.PacketsIn
		case "PacketsOut":
			ip = &t.PacketsOut
		case "LastErrorTime":
			ip = &t.LastErrorTime
		default:
			return false // unknown, or a case encoding/json would fold
		}
		if sp != nil {
			if *sp, ok = d.str(); !ok {
				return false
			}
		} else if *ip, ok = d.int(); !ok {
			return false
		}
		d.ws()
		if d.eat(',') {
			d.ws()
			continue
		}
		return d.eat('}')
	}
}
