package agent

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// fixture gateway and connections, built with the server's own code
// (vpn.NewAgentConnection), as DownloadVpnGatewayAgentConfig answers them.
const fixtureGW = "vpn-gw1"

func gatewayFixture() vpn.Gateway {
	return vpn.Gateway{AccountID: "1", RegionID: "cn-hangzhou", VpnGatewayID: fixtureGW, InternetIP: "203.0.113.1",
		DisasterRecoveryInternetIP: "203.0.113.17"}
}

func singleConn(id, cgwIP, psk string, immediate bool, created int) (vpn.Connection, map[string]vpn.CustomerGateway) {
	c := vpn.Connection{VpnConnectionID: id, VpnGatewayID: fixtureGW, CustomerGatewayID: "cgw-" + id, Name: id,
		LocalSubnet: "192.0.2.0/24", RemoteSubnet: "198.51.100.0/24", EffectImmediately: immediate, EnableDpd: true, EnableNatTraversal: true,
		Ike: vpn.IkeConfig{Psk: psk, IkeVersion: "ikev2", IkeMode: "main", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14",
			IkeLifetime: 28800, LocalID: "203.0.113.1", RemoteID: cgwIP},
		Ipsec:     vpn.IpsecConfig{IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "group14", IpsecLifetime: 3600},
		CreatedAt: time.Unix(int64(1700000000+created), 0)}
	return c, map[string]vpn.CustomerGateway{"cgw-" + id: {CustomerGatewayID: "cgw-" + id, IPAddress: cgwIP}}
}

func dualConn(id string, created int) (vpn.Connection, map[string]vpn.CustomerGateway) {
	tun := func(tid, role, cgw, local string) vpn.Tunnel {
		return vpn.Tunnel{TunnelID: tid, Role: role, CustomerGatewayID: cgw, EnableDpd: role == "master", EnableNatTraversal: true,
			Ike: vpn.IkeConfig{Psk: "dual-" + role, IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha1",
				IkePfs: "group2", IkeLifetime: 86400, LocalID: local, RemoteID: "198.51.100.2"},
			Ipsec: vpn.IpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "sha1", IpsecPfs: "group2", IpsecLifetime: 86400}}
	}
	c := vpn.Connection{VpnConnectionID: id, VpnGatewayID: fixtureGW, Name: id, LocalSubnet: "192.0.2.0/25,192.0.2.128/25",
		RemoteSubnet: "198.51.100.0/24", CreatedAt: time.Unix(int64(1700000000+created), 0),
		Tunnels: []vpn.Tunnel{tun("tun-"+id+"m", "master", "cgw-m", "203.0.113.1"), tun("tun-"+id+"s", "slave", "cgw-s", "203.0.113.17")}}
	return c, map[string]vpn.CustomerGateway{"cgw-m": {CustomerGatewayID: "cgw-m", IPAddress: "198.51.100.2"},
		"cgw-s": {CustomerGatewayID: "cgw-s", IPAddress: "198.51.100.18"}}
}

func desiredFixture(conns ...vpn.AgentConnection) *vpn.AgentConfig {
	return &vpn.AgentConfig{VpnGatewayId: fixtureGW, RegionId: "cn-hangzhou", Generation: 1, InternetIp: "203.0.113.1",
		ReportInterval: 1, VpnConnections: vpn.AgentConnectionList{VpnConnection: conns}}
}

func agentConn(c vpn.Connection, cgws map[string]vpn.CustomerGateway) vpn.AgentConnection {
	return vpn.NewAgentConnection(c, gatewayFixture(), cgws)
}

func byName(units []Unit) map[string]*Unit {
	out := map[string]*Unit{}
	for i := range units {
		out[units[i].Name] = &units[i]
	}
	return out
}

func TestBuildUnits(t *testing.T) {
	a, ac := singleConn("vco-a", "198.51.100.10", `Q"uote\psk`, true, 1)
	b, bc := singleConn("vco-b", "198.51.100.11", "plain#psk", false, 2)
	b.EnableDpd = false
	d, dc := dualConn("vco-d", 3)
	units := BuildUnits(desiredFixture(agentConn(d, dc), agentConn(a, ac), agentConn(b, bc)))
	if len(units) != 4 {
		t.Fatalf("%d units, want 4", len(units))
	}
	m := byName(units)
	ua, ub := m["vpcvpn.vpn-gw1.vco-a"], m["vpcvpn.vpn-gw1.vco-b"]
	um, us := m["vpcvpn.vpn-gw1.vco-d.master"], m["vpcvpn.vpn-gw1.vco-d.slave"]
	for _, u := range []*Unit{ua, ub, um, us} {
		if u == nil {
			t.Fatalf("units %v", m)
		}
		if u.Err != "" || len(u.Hash) != 16 || u.Shared.ID != u.Name+"#"+u.Hash || u.Conn.Name != u.Name {
			t.Errorf("%s: %+v", u.Name, u)
		}
	}
	// Keys as swanctl decodes them: the PSK with a quote and a backslash
	// was rendered as 0x-hex.
	if string(ua.Shared.Data) != `Q"uote\psk` || string(ub.Shared.Data) != "plain#psk" {
		t.Errorf("shared keys %q %q", ua.Shared.Data, ub.Shared.Data)
	}
	if strings.Join(ua.Shared.Owners, " ") != "203.0.113.1 198.51.100.10" {
		t.Errorf("owners %v", ua.Shared.Owners)
	}
	// Addresses, roles and charons.
	if ua.Local != "203.0.113.1" || ua.Remote != "198.51.100.10" || ua.DR || ua.TunnelID != "" {
		t.Errorf("single unit %+v", ua)
	}
	if um.Local != "203.0.113.1" || us.Local != "203.0.113.17" || um.DR || !us.DR || um.TunnelID != "tun-vco-dm" || us.Role != "slave" {
		t.Errorf("dual units %+v / %+v", um, us)
	}
	// Start actions, DPD.
	child := func(u *Unit, i int) *Section { return u.Conn.Child("children").Children()[i] }
	if v, _ := child(ua, 0).Get("start_action"); v != "start" {
		t.Errorf("EffectImmediately start_action = %s", v)
	}
	if v, _ := child(ub, 0).Get("start_action"); v != "trap" {
		t.Errorf("trap start_action = %s", v)
	}
	if v, _ := ub.Conn.Get("dpd_delay"); v != "0s" {
		t.Errorf("EnableDpd=false: dpd_delay = %s", v)
	}
	if v, _ := ua.Conn.Get("dpd_delay"); v != "10s" {
		t.Errorf("dpd_delay = %s", v)
	}
	if _, ok := us.Conn.Get("dpd_timeout"); ok {
		t.Error("slave tunnel without DPD keeps dpd_timeout")
	}
	// IKEv1 with two subnet pairs: two children, named after the unit.
	if strings.Join(um.Children, " ") != "vpcvpn.vpn-gw1.vco-d.master-1 vpcvpn.vpn-gw1.vco-d.master-2" {
		t.Errorf("master children %v", um.Children)
	}
	// reqids: unique across the charon, distinct between master and slave.
	seen := map[string]string{}
	for _, u := range units {
		for _, ch := range u.Conn.Child("children").Children() {
			r, _ := ch.Get("reqid")
			if prev, dup := seen[r]; dup {
				t.Errorf("reqid %s of %s also used by %s", r, ch.Name, prev)
			}
			seen[r] = ch.Name
			n, _ := strconv.Atoi(r)
			if n < 1024 || n > 1<<31 {
				t.Errorf("reqid %d out of range", n)
			}
		}
	}
	// Deterministic: the same state builds the same hashes, in any order.
	again := byName(BuildUnits(desiredFixture(agentConn(b, bc), agentConn(a, ac), agentConn(d, dc))))
	for name, u := range m {
		if again[name].Hash != u.Hash {
			t.Errorf("%s: hash %s then %s", name, u.Hash, again[name].Hash)
		}
	}
	// A new PSK changes the hash of that unit only; a new connection
	// (created later) changes no existing unit.
	a2 := a
	a2.Ike.Psk = "new-psk"
	e, ec := singleConn("vco-e", "198.51.100.12", "e", false, 9)
	changed := byName(BuildUnits(desiredFixture(agentConn(a2, ac), agentConn(b, bc), agentConn(d, dc), agentConn(e, ec))))
	for name, u := range m {
		if want := name != ua.Name; (changed[name].Hash == u.Hash) != want {
			t.Errorf("%s: hash %s -> %s", name, u.Hash, changed[name].Hash)
		}
	}
}

// A tunnel render refuses (strongSwan has no SM4) is a unit with the error;
// the others are built.
func TestBuildUnitsRenderError(t *testing.T) {
	a, ac := singleConn("vco-a", "198.51.100.10", "psk", false, 1)
	a.Ike.IkeEncAlg = "sm4"
	b, bc := singleConn("vco-b", "198.51.100.11", "psk", false, 2)
	m := byName(BuildUnits(desiredFixture(agentConn(a, ac), agentConn(b, bc))))
	if u := m["vpcvpn.vpn-gw1.vco-a"]; u.Err == "" || !strings.Contains(u.Err, "sm4") || u.Conn != nil {
		t.Errorf("sm4 unit %+v", u)
	}
	if u := m["vpcvpn.vpn-gw1.vco-b"]; u.Err != "" || u.Conn == nil {
		t.Errorf("other unit %+v", u)
	}
}

// ParseSwanctl reads what render writes, as swanctl does.
func TestParseSwanctl(t *testing.T) {
	root, err := ParseSwanctl(`# comment
connections {
    c1 {
        local_addrs = 203.0.113.1 # trailing
        remote_ts = 10.0.0.0/8, 10.1.0.0/16
        children {
            c1 {
                esp_proposals = aes128-sha1
            }
        }
    }
}
secrets {
    ike-c1 {
        id-local = a
        secret = "has # and \" and \\ inside"
    }
}
`)
	if err != nil {
		t.Fatal(err)
	}
	c := root.Child("connections").Child("c1")
	if v, _ := c.Get("local_addrs"); v != "203.0.113.1" {
		t.Errorf("local_addrs %q", v)
	}
	if it := c.Items[1]; !it.IsList || strings.Join(it.List, "|") != "10.0.0.0/8|10.1.0.0/16" {
		t.Errorf("remote_ts %+v", it)
	}
	if v, _ := root.Child("secrets").Child("ike-c1").Get("secret"); v != `has # and " and \ inside` {
		t.Errorf("secret %q", v)
	}
	for _, bad := range []string{"a {\n", "}\n", "a {\n b\n}\n", `a = "x`} {
		if _, err := ParseSwanctl(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
