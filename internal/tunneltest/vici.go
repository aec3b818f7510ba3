package tunneltest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpcvpn/vpcvpn/internal/agent"
)

// IKESA is one IKE_SA as reported by vici's list-sas.
type IKESA struct {
	Name        string // connection name
	UniqueID    string
	Version     int    // 1 or 2
	State       string // e.g. ESTABLISHED, CONNECTING
	LocalHost   string
	RemoteHost  string
	LocalID     string
	RemoteID    string
	Initiator   bool
	NATAny      bool   // a NAT was detected (or faked) on either side
	EncrAlg     string // e.g. AES_CBC
	EncrKeysize int    // bits; 0 when implied by the algorithm
	IntegAlg    string // e.g. HMAC_SHA1_96 (empty for AEAD)
	PRFAlg      string // e.g. PRF_HMAC_SHA1
	DHGroup     string // e.g. MODP_1024
	Established int    // seconds since establishment
	RekeyTime   int    // seconds until rekeying (0: none scheduled)
	ReauthTime  int    // seconds until reauthentication (0: none scheduled)
	Children    []ChildSA
}

// Proposal is the negotiated IKE proposal in swanctl's notation, e.g. "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024".
func (s IKESA) Proposal() string {
	return joinProposal(s.EncrAlg, s.EncrKeysize, s.IntegAlg, s.PRFAlg, s.DHGroup)
}

// ChildSA is one CHILD_SA (IPsec SA pair) as reported by vici's list-sas.
type ChildSA struct {
	Name        string // CHILD_SA config name
	UniqueID    string
	ReqID       string
	State       string // e.g. INSTALLED
	Mode        string // TUNNEL, TRANSPORT
	Protocol    string // ESP, AH
	Encap       bool   // UDP encapsulation (always with kernel-libipsec on Debian 12)
	SPIIn       string
	SPIOut      string
	EncrAlg     string
	EncrKeysize int
	IntegAlg    string
	DHGroup     string // PFS group; empty without PFS
	BytesIn     uint64
	PacketsIn   uint64
	BytesOut    uint64
	PacketsOut  uint64
	RekeyTime   int // seconds until rekeying
	LifeTime    int // seconds until expiry
	InstallTime int // seconds since installation
	LocalTS     []string
	RemoteTS    []string
}

// Proposal is the negotiated ESP proposal in swanctl's notation, e.g. "AES_CBC-128/HMAC_SHA1_96" or with a PFS
// group "AES_CBC-256/HMAC_SHA2_256_128/MODP_2048".
func (c ChildSA) Proposal() string {
	return joinProposal(c.EncrAlg, c.EncrKeysize, c.IntegAlg, "", c.DHGroup)
}

func joinProposal(encr string, keysize int, integ, prf, dh string) string {
	var parts []string
	if encr != "" {
		if keysize > 0 {
			encr += "-" + strconv.Itoa(keysize)
		}
		parts = append(parts, encr)
	}
	for _, p := range []string{integ, prf, dh} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// InitiateError is returned by Initiate when charon could not establish the CHILD_SA. Log holds charon's
// control-log lines for the attempt; the strongSwan notify names (AUTHENTICATION_FAILED, NO_PROPOSAL_CHOSEN,
// TS_UNACCEPTABLE, INVALID_ID_INFORMATION ...) appear there and in Error().
type InitiateError struct {
	Side  string
	Child string
	Msg   string // vici errmsg, or the transport error
	Log   []string
}

func (e *InitiateError) Error() string {
	return fmt.Sprintf("tunneltest: side %s: initiate %q failed: %s\n%s", e.Side, e.Child, e.Msg,
		strings.Join(e.Log, "\n"))
}

// HasNotify reports whether the attempt's log mentions the given notify or error name (e.g.
// "AUTHENTICATION_FAILED").
func (e *InitiateError) HasNotify(name string) bool {
	for _, l := range e.Log {
		if strings.Contains(l, name) {
			return true
		}
	}
	return false
}

func (s *Side) session() (*vici.Session, error) {
	if s.exited() {
		return nil, errNoDaemon
	}
	return vici.NewSession(vici.WithSocketPath(s.ViciSocket()))
}

// Initiate asks the side's charon to establish the CHILD_SA config child (and its IKE_SA) and waits up to
// timeout. It returns nil once the CHILD_SA is installed, or an *InitiateError carrying charon's log of the
// attempt. Size timeout for the slow failures: a wrong IKEv1 pre-shared key takes about 7.5 s to fail.
// Safe to call concurrently for different sides.
func (s *Side) Initiate(child string, timeout time.Duration) error {
	sess, err := s.session()
	if err != nil {
		return &InitiateError{Side: s.name, Child: child, Msg: err.Error()}
	}
	defer sess.Close()
	msg := vici.NewMessage()
	_ = msg.Set("child", child)
	_ = msg.Set("timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
	_ = msg.Set("init-limits", "no")
	_ = msg.Set("loglevel", "1")
	ctx, cancel := context.WithTimeout(context.Background(), timeout+5*time.Second)
	defer cancel()
	start := time.Now()
	events, err := agent.CallCollect(ctx, sess, "initiate", "control-log", msg)
	var lines []string
	for _, m := range events {
		if l, ok := m.Get("msg").(string); ok {
			lines = append(lines, l)
		}
	}
	s.lab.logf("side %s: vici initiate %q (%v): err=%v\n%s", s.name, child,
		time.Since(start).Round(time.Millisecond), err, strings.Join(lines, "\n"))
	if err != nil {
		return &InitiateError{Side: s.name, Child: child, Msg: err.Error(), Log: lines}
	}
	return nil
}

// Terminate deletes the IKE_SA named ike (and its CHILD_SAs) and waits up to timeout.
func (s *Side) Terminate(ike string, timeout time.Duration) error {
	sess, err := s.session()
	if err != nil {
		return err
	}
	defer sess.Close()
	msg := vici.NewMessage()
	_ = msg.Set("ike", ike)
	_ = msg.Set("timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
	ctx, cancel := context.WithTimeout(context.Background(), timeout+5*time.Second)
	defer cancel()
	if _, err := agent.CallCollect(ctx, sess, "terminate", "control-log", msg); err != nil {
		return fmt.Errorf("tunneltest: side %s: terminate %q: %w", s.name, ike, err)
	}
	return nil
}

// ListSAs returns the side's IKE_SAs (sorted by name, then unique id) with their CHILD_SAs (sorted by name).
// Safe to call concurrently.
func (s *Side) ListSAs() ([]IKESA, error) {
	sess, err := s.session()
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ctx, cancel := context.WithTimeout(context.Background(), s.lab.opts.CommandTimeout)
	defer cancel()
	events, err := agent.CallCollect(ctx, sess, "list-sas", "list-sa", nil)
	if err != nil {
		return nil, fmt.Errorf("tunneltest: side %s: list-sas: %w", s.name, err)
	}
	var out []IKESA
	for _, m := range events {
		for _, name := range m.Keys() {
			sa, ok := m.Get(name).(*vici.Message)
			if !ok {
				continue
			}
			out = append(out, parseIKESA(name, sa))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UniqueID < out[j].UniqueID
	})
	return out, nil
}

// InstalledChild returns the first INSTALLED CHILD_SA named child (and its IKE_SA) from ListSAs.
func (s *Side) InstalledChild(child string) (IKESA, ChildSA, error) {
	sas, err := s.ListSAs()
	if err != nil {
		return IKESA{}, ChildSA{}, err
	}
	for _, ike := range sas {
		for _, c := range ike.Children {
			if c.Name == child && c.State == "INSTALLED" {
				return ike, c, nil
			}
		}
	}
	return IKESA{}, ChildSA{}, fmt.Errorf("tunneltest: side %s: no INSTALLED CHILD_SA %q (have %s)",
		s.name, child, summarize(sas))
}

// WaitInstalled polls until a CHILD_SA named child is INSTALLED (e.g. after the peer initiated, or with
// auto=start/start_action=start) and returns it, or fails after timeout with the SAs it saw.
func (s *Side) WaitInstalled(child string, timeout time.Duration) (IKESA, ChildSA, error) {
	deadline := time.Now().Add(timeout)
	for {
		ike, c, err := s.InstalledChild(child)
		if err == nil || time.Now().After(deadline) {
			return ike, c, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func summarize(sas []IKESA) string {
	if len(sas) == 0 {
		return "no SAs"
	}
	var parts []string
	for _, ike := range sas {
		p := fmt.Sprintf("%s#%s %s", ike.Name, ike.UniqueID, ike.State)
		for _, c := range ike.Children {
			p += fmt.Sprintf(" [%s %s]", c.Name, c.State)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// listConns returns the names of the loaded connections (IKE configs) of every backend: swanctl's (vici) and
// ipsec.conf's (stroke). vici's get-conns would only list the former.
func (s *Side) listConns() ([]string, error) {
	sess, err := s.session()
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ctx, cancel := context.WithTimeout(context.Background(), s.lab.opts.CommandTimeout)
	defer cancel()
	events, err := agent.CallCollect(ctx, sess, "list-conns", "list-conn", nil)
	if err != nil {
		return nil, err
	}
	// An ipsec.conf conn becomes a connection, or a child of an existing one when starter merges conns with the
	// same peer settings (shunt conns, for one): both names count.
	var out []string
	for _, m := range events {
		for _, k := range m.Keys() {
			out = append(out, k)
			if conn, ok := m.Get(k).(*vici.Message); ok {
				if children, ok := conn.Get("children").(*vici.Message); ok {
					for _, c := range children.Keys() {
						if !contains(out, c) {
							out = append(out, c)
						}
					}
				}
			}
		}
	}
	sort.Strings(out)
	out = slices.Compact(out)
	return out, nil
}

func str(m *vici.Message, key string) string {
	v, _ := m.Get(key).(string)
	return v
}

func num(m *vici.Message, key string) int {
	n, _ := strconv.Atoi(str(m, key))
	return n
}

func unum(m *vici.Message, key string) uint64 {
	n, _ := strconv.ParseUint(str(m, key), 10, 64)
	return n
}

func list(m *vici.Message, key string) []string {
	v, _ := m.Get(key).([]string)
	return append([]string(nil), v...)
}

func parseIKESA(name string, m *vici.Message) IKESA {
	sa := IKESA{
		Name:        name,
		UniqueID:    str(m, "uniqueid"),
		Version:     num(m, "version"),
		State:       str(m, "state"),
		LocalHost:   str(m, "local-host"),
		RemoteHost:  str(m, "remote-host"),
		LocalID:     str(m, "local-id"),
		RemoteID:    str(m, "remote-id"),
		Initiator:   str(m, "initiator") == "yes",
		NATAny:      str(m, "nat-any") == "yes",
		EncrAlg:     str(m, "encr-alg"),
		EncrKeysize: num(m, "encr-keysize"),
		IntegAlg:    str(m, "integ-alg"),
		PRFAlg:      str(m, "prf-alg"),
		DHGroup:     str(m, "dh-group"),
		Established: num(m, "established"),
		RekeyTime:   num(m, "rekey-time"),
		ReauthTime:  num(m, "reauth-time"),
	}
	if children, ok := m.Get("child-sas").(*vici.Message); ok {
		for _, k := range children.Keys() {
			c, ok := children.Get(k).(*vici.Message)
			if !ok {
				continue
			}
			sa.Children = append(sa.Children, ChildSA{
				Name:        str(c, "name"),
				UniqueID:    str(c, "uniqueid"),
				ReqID:       str(c, "reqid"),
				State:       str(c, "state"),
				Mode:        str(c, "mode"),
				Protocol:    str(c, "protocol"),
				Encap:       str(c, "encap") == "yes",
				SPIIn:       str(c, "spi-in"),
				SPIOut:      str(c, "spi-out"),
				EncrAlg:     str(c, "encr-alg"),
				EncrKeysize: num(c, "encr-keysize"),
				IntegAlg:    str(c, "integ-alg"),
				DHGroup:     str(c, "dh-group"),
				BytesIn:     unum(c, "bytes-in"),
				PacketsIn:   unum(c, "packets-in"),
				BytesOut:    unum(c, "bytes-out"),
				PacketsOut:  unum(c, "packets-out"),
				RekeyTime:   num(c, "rekey-time"),
				LifeTime:    num(c, "life-time"),
				InstallTime: num(c, "install-time"),
				LocalTS:     list(c, "local-ts"),
				RemoteTS:    list(c, "remote-ts"),
			})
		}
		sort.SliceStable(sa.Children, func(i, j int) bool { return sa.Children[i].Name < sa.Children[j].Name })
	}
	return sa
}
