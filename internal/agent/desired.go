package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/render"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// formatVersion is part of every unit's hash: a new agent that loads
// connections differently reloads them once.
const formatVersion = "1"

// Unit is one tunnel of the desired state as the agent loads it into a
// charon: a connection named Name (with its CHILD_SAs) and its pre-shared
// key. The configuration is the gateway side rendered by
// render.RenderGateway from the connection's customer-side view, parsed as
// swanctl parses swanctl.conf, with what only the agent can decide:
// charon-wide names, reqids unique in the charon, the start action from
// EffectImmediately, and DPD off when the connection disables it.
type Unit struct {
	Name         string // charon connection name: Prefix(gateway) + connection id [+ ".master"/".slave"]
	ConnectionID string
	TunnelID     string // "" for a single-tunnel connection
	Role         string // "", "master", "slave"
	DR           bool   // the slave tunnel: DisasterRecoveryInternetIp's charon
	Immediate    bool   // EffectImmediately: initiate now (else trap: negotiate on traffic)
	Local        string // the gateway address
	Remote       string // the customer gateway address
	Children     []string
	Conn         *Section // the connection's section (named Name)
	Shared       Shared
	Hash         string // of everything loaded: unchanged units are not reloaded
	// Err is why the tunnel cannot be loaded (e.g. an algorithm strongSwan
	// lacks); it is reported as the tunnel's last error.
	Err string
}

// SharedID is the unique id of the unit's pre-shared key in charon: the
// name and the hash, so that the key's presence says the loaded connection
// is the current one.
func (u *Unit) SharedID() string { return SharedID(u.Name, u.Hash) }

// SharedID joins a connection name and a hash into a key id.
func SharedID(name, hash string) string { return name + "#" + hash }

// Prefix is the name prefix of the connections the agent of gateway owns
// in charon; it never touches others.
func Prefix(gatewayID string) string { return "vpcvpn." + gatewayID + "." }

// ownerOf returns the connection name a shared key id belongs to.
func ownerOf(sharedID string) string {
	name, _, _ := strings.Cut(sharedID, "#")
	return name
}

// reqidSlots is the number of reqid bases (each 1024 reqids wide).
const reqidSlots = 1<<21 - 1

// BuildUnits turns a desired state into units, one per tunnel, sorted by
// name. A tunnel that cannot be rendered is a unit with Err set.
func BuildUnits(cfg *vpn.AgentConfig) []Unit {
	conns := append([]vpn.AgentConnection(nil), cfg.VpnConnections.VpnConnection...)
	// Reqid bases: one per connection, preferred by a hash of its id;
	// older connections choose first, so a new connection never moves
	// an existing one.
	sort.Slice(conns, func(i, j int) bool {
		if conns[i].CreateTime != conns[j].CreateTime {
			return conns[i].CreateTime < conns[j].CreateTime
		}
		return conns[i].VpnConnectionId < conns[j].VpnConnectionId
	})
	used := map[uint32]bool{}
	var units []Unit
	for _, c := range conns {
		h := fnv.New32a()
		h.Write([]byte(c.VpnConnectionId))
		slot := h.Sum32()%reqidSlots + 1
		for used[slot] {
			slot = slot%reqidSlots + 1
		}
		used[slot] = true
		base := int(slot) * 1024
		if c.Tunnels == nil {
			units = append(units, buildUnit(cfg.VpnGatewayId, c, "", "", c.EnableDpd, base))
			continue
		}
		for _, t := range c.Tunnels.Tunnel {
			units = append(units, buildUnit(cfg.VpnGatewayId, c, t.TunnelId, t.Role, t.EnableDpd, base))
		}
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Name < units[j].Name })
	return units
}

func buildUnit(gatewayID string, c vpn.AgentConnection, tunnelID, role string, dpd bool, reqidBase int) Unit {
	u := Unit{Name: Prefix(gatewayID) + c.VpnConnectionId, ConnectionID: c.VpnConnectionId, TunnelID: tunnelID, Role: role,
		DR: role == "slave", Immediate: c.EffectImmediately}
	if role != "" {
		u.Name += "." + role
	}
	ss, err := render.RenderGateway(c.VpnConnectionConfig, render.GatewayOptions{Tunnel: role})
	if err != nil {
		u.Err = "cannot load the tunnel: " + err.Error()
		return u
	}
	if err := u.fromSwanctl(ss, dpd, reqidBase); err != nil {
		u.Err = "cannot load the tunnel: " + err.Error()
		return u
	}
	u.Hash = u.hash()
	u.Shared.ID = u.SharedID()
	return u
}

// fromSwanctl takes the unit's connection and key from a rendered
// swanctl.conf holding exactly one connection.
func (u *Unit) fromSwanctl(ss render.StrongSwan, dpd bool, reqidBase int) error {
	root, err := ParseSwanctl(ss.SwanctlConf)
	if err != nil {
		return err
	}
	conns := root.Child("connections")
	if conns == nil || len(conns.Children()) != 1 {
		return fmt.Errorf("rendered swanctl.conf has no single connection")
	}
	conn := conns.Children()[0]
	rendered := conn.Name
	conn.Name = u.Name
	u.Local, _ = conn.Get("local_addrs")
	u.Remote, _ = conn.Get("remote_addrs")
	if !dpd {
		conn.Set("dpd_delay", "0s")
		conn.Delete("dpd_timeout")
	}
	children := conn.Child("children")
	if children == nil || len(children.Children()) == 0 {
		return fmt.Errorf("rendered connection %s has no children", rendered)
	}
	for _, ch := range children.Children() {
		switch {
		case ch.Name == rendered:
			ch.Name = u.Name
		case strings.HasPrefix(ch.Name, rendered+"-"):
			ch.Name = u.Name + strings.TrimPrefix(ch.Name, rendered)
		default:
			return fmt.Errorf("rendered child %s does not belong to %s", ch.Name, rendered)
		}
		for i := range children.Items {
			if children.Items[i].Sub == ch {
				children.Items[i].Key = ch.Name
			}
		}
		r, ok := ch.Get("reqid")
		n, err := strconv.Atoi(r)
		if !ok || err != nil || n < 1 || n >= 1024 {
			return fmt.Errorf("rendered child %s has reqid %q, want 1-1023", ch.Name, r)
		}
		ch.Set("reqid", strconv.Itoa(reqidBase+n))
		if u.Immediate {
			ch.Set("start_action", "start")
		} else {
			ch.Set("start_action", "trap")
		}
		u.Children = append(u.Children, ch.Name)
	}
	u.Conn = conn
	secrets := root.Child("secrets")
	var sec *Section
	if secrets != nil {
		sec = secrets.Child("ike-" + rendered)
	}
	if sec == nil {
		return fmt.Errorf("rendered swanctl.conf has no secret ike-%s", rendered)
	}
	for _, it := range sec.Items {
		if it.Sub == nil && strings.HasPrefix(it.Key, "id") {
			u.Shared.Owners = append(u.Shared.Owners, it.Value)
		}
	}
	v, ok := sec.Get("secret")
	if !ok {
		return fmt.Errorf("rendered secret ike-%s has no secret", rendered)
	}
	if u.Shared.Data, err = secretBytes(v); err != nil {
		return err
	}
	return nil
}

// hash covers everything the unit loads.
func (u *Unit) hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "vpcvpn-agent %s\n", formatVersion)
	writeSection(h, u.Conn, 0)
	fmt.Fprintf(h, "owners %q\nsecret %x\n", u.Shared.Owners, u.Shared.Data)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func writeSection(w interface{ Write([]byte) (int, error) }, s *Section, depth int) {
	fmt.Fprintf(w, "%d{%q\n", depth, s.Name)
	for _, it := range s.Items {
		switch {
		case it.Sub != nil:
			writeSection(w, it.Sub, depth+1)
		case it.IsList:
			fmt.Fprintf(w, "%d %q=%q\n", depth, it.Key, it.List)
		default:
			fmt.Fprintf(w, "%d %q=%q\n", depth, it.Key, it.Value)
		}
	}
	fmt.Fprintf(w, "%d}\n", depth)
}

// Key names a unit in status reports: connection and tunnel.
type Key struct{ Connection, Tunnel string }

// Key returns the unit's key.
func (u *Unit) Key() Key { return Key{u.ConnectionID, u.TunnelID} }
