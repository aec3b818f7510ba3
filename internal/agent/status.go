package agent

import (
	"regexp"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// UnitError is the last error of a tunnel: a refused load, a failed
// initiation, charon unreachable, or an error line of charon's log.
type UnitError struct {
	Msg string
	At  time.Time
	// strength of a log line's error (ErrorStrength): a generic line does
	// not replace a precise one of the same moment.
	strength int
}

// TunnelStatus computes the status of unit u from charon's SAs (at now) and
// its last error.
func TunnelStatus(u *Unit, sas []IKESA, lastErr UnitError, now time.Time) vpn.AgentTunnelReport {
	r := vpn.AgentTunnelReport{VpnConnectionId: u.ConnectionID, TunnelId: u.TunnelID, Status: vpn.StatusIkeNotEstablished}
	if lastErr.Msg != "" {
		r.LastError, r.LastErrorTime = lastErr.Msg, lastErr.At.UnixMilli()
	}
	children := map[string]bool{}
	for _, c := range u.Children {
		children[c] = true
	}
	var best *IKESA
	installed := false
	childState := ""
	for i := range sas {
		sa := &sas[i]
		if sa.Name != u.Name {
			continue
		}
		if best == nil || ikeRank(sa.State) > ikeRank(best.State) {
			best = sa
		}
		for _, ch := range sa.Children {
			if !children[ch.Name] {
				continue
			}
			// Counters of every CHILD_SA: an IKEv1 rekey or a
			// collision may leave two, only one of which carries.
			r.BytesIn += int64(ch.BytesIn)
			r.BytesOut += int64(ch.BytesOut)
			r.PacketsIn += int64(ch.PacketsIn)
			r.PacketsOut += int64(ch.PacketsOut)
			switch ch.State {
			case "INSTALLED", "REKEYING", "REKEYED", "UPDATING":
				if !installed || ch.State == "INSTALLED" {
					childState = ch.State
				}
				installed = true
			default:
				if childState == "" {
					childState = ch.State
				}
			}
		}
	}
	if best == nil {
		return r
	}
	r.IkeSaState, r.IkeSaUniqueId, r.ChildSaState = best.State, best.UniqueID, childState
	if ikeRank(best.State) < ikeRank("ESTABLISHED") {
		return r
	}
	est := now.Add(-time.Duration(best.Established) * time.Second)
	r.EstablishedTime = est.UnixMilli()
	switch {
	case installed:
		r.Status = vpn.StatusIpsecEstablished
	case lastErr.Msg != "" && !lastErr.At.Before(est.Add(-time.Second)):
		// The CHILD_SA negotiation failed after the IKE_SA came up.
		r.Status = vpn.StatusIpsecNotEstablished
	default:
		r.Status = vpn.StatusIkeEstablished
	}
	return r
}

// ikeRank orders IKE_SA states: established ones above those on the way.
func ikeRank(state string) int {
	switch state {
	case "ESTABLISHED":
		return 4
	case "REKEYING", "REKEYED":
		return 3
	case "CONNECTING", "PASSIVE", "CREATED":
		return 2
	case "DELETING", "DESTROYING":
		return 1
	}
	return 0
}

// errorLine matches charon log messages that explain a failure precisely:
// notify errors received or sent, authentication and proposal mismatches,
// algorithms charon lacks. genericError matches the ones that only say
// that something failed.
var (
	errorLine = regexp.MustCompile(`(AUTHENTICATION_FAILED|NO_PROPOSAL_CHOSEN|TS_UNACCEPTABLE|INVALID_ID_INFORMATION|` +
		`INVALID_SYNTAX|NO_ADDITIONAL_SAS|FAILED_CP_REQUIRED|SINGLE_PAIR_REQUIRED|PLD_MAL|INVALID_HASH_INFORMATION|` +
		`(?i:no shared key found|no matching peer config|no acceptable proposal|not supported|MAC mismatch|tried \d+ shared key|` +
		`peer not responding|unable to install))`)
	genericError = regexp.MustCompile(`(?i)(failed|giving up after)`)
)

// ErrorStrength tells whether a log message of charon explains a failure: 2
// precisely (a notify error, an algorithm charon lacks, ...), 1 generically
// ("... failed"), 0 not at all.
func ErrorStrength(msg string) int {
	switch {
	case errorLine.MatchString(msg):
		return 2
	case genericError.MatchString(msg):
		return 1
	}
	return 0
}
