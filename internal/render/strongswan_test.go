package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// section is a parsed strongSwan settings section (swanctl.conf syntax).
type section struct {
	keys  map[string]string
	subs  map[string]*section
	order []string // subsection names in file order
}

// parseSettings parses the subset of strongSwan's settings syntax the
// templates write: "name {", "}", "key = value", "#" comments. Any other line,
// a duplicate key or unbalanced braces is an error.
func parseSettings(text string) (*section, error) {
	root := &section{keys: map[string]string{}, subs: map[string]*section{}}
	stack := []*section{root}
	for n, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		cur := stack[len(stack)-1]
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case l == "}":
			if len(stack) == 1 {
				return nil, fmt.Errorf("line %d: unbalanced }", n+1)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(l, " {"):
			name := strings.TrimSuffix(l, " {")
			if strings.ContainsAny(name, " ={}") || cur.subs[name] != nil {
				return nil, fmt.Errorf("line %d: bad or duplicate section %q", n+1, name)
			}
			s := &section{keys: map[string]string{}, subs: map[string]*section{}}
			cur.subs[name] = s
			cur.order = append(cur.order, name)
			stack = append(stack, s)
		case strings.Contains(l, " = "):
			k, v, _ := strings.Cut(l, " = ")
			if _, dup := cur.keys[k]; dup || strings.ContainsAny(k, " {}") {
				return nil, fmt.Errorf("line %d: bad or duplicate key %q", n+1, k)
			}
			cur.keys[k] = v
		default:
			return nil, fmt.Errorf("line %d: cannot parse %q", n+1, l)
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("unbalanced {")
	}
	return root, nil
}

// checkSwanctl verifies that conf is a complete swanctl.conf for conns:
// connections and secrets sections, every connection with local/remote PSK
// auth, exact lifetimes and explicit reqids, and a secret for each.
func checkSwanctl(t *testing.T, conf string, conns []Conn, ikeLife, espLife int64) *section {
	t.Helper()
	root, err := parseSettings(conf)
	if err != nil {
		t.Fatalf("swanctl.conf does not parse: %v\n%s", err, conf)
	}
	cs, ss := root.subs["connections"], root.subs["secrets"]
	if cs == nil || ss == nil || len(root.order) != 2 {
		t.Fatalf("want exactly connections and secrets sections, got %v", root.order)
	}
	var names []Conn
	reqids := map[string]bool{}
	for _, name := range cs.order {
		c := cs.subs[name]
		rekey, _ := strconv.ParseInt(strings.TrimSuffix(c.keys["rekey_time"], "s"), 10, 64)
		over, _ := strconv.ParseInt(strings.TrimSuffix(c.keys["over_time"], "s"), 10, 64)
		if rekey+over != ikeLife || rekey != ikeLife*9/10 {
			t.Errorf("%s: rekey_time %d + over_time %d, want 0.9 and 0.1 of %d", name, rekey, over, ikeLife)
		}
		for _, k := range []string{"version", "local_addrs", "remote_addrs", "proposals", "dpd_delay"} {
			if c.keys[k] == "" {
				t.Errorf("%s: no %s", name, k)
			}
		}
		if c.keys["mobike"] != "no" {
			t.Errorf("%s: mobike = %q, want no", name, c.keys["mobike"])
		}
		for _, side := range []string{"local", "remote"} {
			if s := c.subs[side]; s == nil || s.keys["auth"] != "psk" || s.keys["id"] == "" {
				t.Errorf("%s: %s section must have auth = psk and an id", name, side)
			}
		}
		conn := Conn{IKE: name}
		for _, cn := range c.subs["children"].order {
			ch := c.subs["children"].subs[cn]
			conn.Children = append(conn.Children, cn)
			if ch.keys["life_time"] != fmt.Sprintf("%ds", espLife) || ch.keys["rekey_time"] != fmt.Sprintf("%ds", espLife*9/10) {
				t.Errorf("%s/%s: life_time %s rekey_time %s, want %ds and 0.9 of it", name, cn, ch.keys["life_time"], ch.keys["rekey_time"], espLife)
			}
			if ch.keys["reqid"] == "" || reqids[ch.keys["reqid"]] {
				t.Errorf("%s/%s: reqid %q missing or reused", name, cn, ch.keys["reqid"])
			}
			reqids[ch.keys["reqid"]] = true
			for _, k := range []string{"local_ts", "remote_ts", "esp_proposals", "start_action", "dpd_action", "mode"} {
				if ch.keys[k] == "" {
					t.Errorf("%s/%s: no %s", name, cn, k)
				}
			}
		}
		names = append(names, conn)
		sec := ss.subs["ike-"+name]
		if sec == nil || sec.keys["secret"] == "" || sec.keys["id-local"] != c.subs["local"].keys["id"] || sec.keys["id-remote"] != c.subs["remote"].keys["id"] {
			t.Errorf("%s: secrets section ike-%s missing or with other ids", name, name)
		}
	}
	if diff := cmp.Diff(conns, names); diff != "" {
		t.Errorf("Conns differ from the file (-reported +file):\n%s", diff)
	}
	return root
}

func TestRenderGateway(t *testing.T) {
	cases := []struct {
		name     string
		cfg      vpn.ConnectionConfig
		tunnel   string
		conns    []Conn
		ipsec    []string
		settings []string
		want     map[string]string // connection keys (or "child/key", "local/id", "remote/id") of the first conn
		ikeLife  int64
		espLife  int64
	}{
		{name: "single ikev1", cfg: caseSingleV1(), conns: []Conn{{IKE: "vpcvpn", Children: []string{"vpcvpn"}}}, ipsec: []string{"vpcvpn"},
			want: map[string]string{"local_addrs": "203.0.113.1", "remote_addrs": "203.0.113.10", "version": "1",
				"proposals": "aes128-md5-modp1024", "local/id": "203.0.113.1", "remote/id": "203.0.113.10",
				"child/local_ts": "198.51.100.0/24", "child/remote_ts": "192.0.2.0/24", "child/esp_proposals": "aes128-md5-modp1024",
				"child/reqid": "101", "child/start_action": "none", "child/dpd_action": "clear"},
			ikeLife: 86400, espLife: 86400},
		{name: "single ikev2 two subnets", cfg: caseSingleV2(), conns: []Conn{{IKE: "vpcvpn", Children: []string{"vpcvpn"}}}, ipsec: []string{"vpcvpn"},
			want: map[string]string{"version": "2", "proposals": "aes256-sha256-modp2048",
				"child/local_ts": "198.51.100.0/25,198.51.100.128/26", "child/remote_ts": "192.0.2.0/25,192.0.2.128/25"},
			ikeLife: 28800, espLife: 3600},
		{name: "ikev1 two subnets: one child per pair", cfg: func() vpn.ConnectionConfig {
			c := caseSingleV2()
			c.IkeConfig.IkeVersion = "ikev1"
			c.IkeConfig.IkeMode = "aggressive"
			return c
		}(), conns: []Conn{{IKE: "vpcvpn", Children: []string{"vpcvpn-1", "vpcvpn-2", "vpcvpn-3", "vpcvpn-4"}}},
			ipsec:    []string{"vpcvpn-1", "vpcvpn-2", "vpcvpn-3", "vpcvpn-4"},
			settings: []string{"charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes"},
			want:     map[string]string{"aggressive": "yes", "version": "1"},
			ikeLife:  28800, espLife: 3600},
		{name: "dual master", cfg: caseDual(), tunnel: "master", conns: []Conn{{IKE: "vpcvpn-master", Children: []string{"vpcvpn-master"}}},
			ipsec: []string{"vpcvpn-master"},
			want: map[string]string{"local_addrs": "203.0.113.1", "remote_addrs": "203.0.113.10", "child/reqid": "101",
				"child/priority": "100"},
			ikeLife: 86400, espLife: 86400},
		{name: "dual slave", cfg: caseDual(), tunnel: "slave", conns: []Conn{{IKE: "vpcvpn-slave", Children: []string{"vpcvpn-slave"}}},
			ipsec: []string{"vpcvpn-slave"},
			want: map[string]string{"local_addrs": "203.0.113.2", "remote_addrs": "203.0.113.10", "local/id": "203.0.113.2",
				"child/reqid": "201", "child/priority": "200"},
			ikeLife: 86400, espLife: 86400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := RenderGateway(c.cfg, GatewayOptions{Tunnel: c.tunnel})
			if err != nil {
				t.Fatal(err)
			}
			root := checkSwanctl(t, g.SwanctlConf, g.Conns, c.ikeLife, c.espLife)
			if diff := cmp.Diff(c.conns, g.Conns); diff != "" {
				t.Errorf("Conns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.ipsec, g.IpsecConns); diff != "" {
				t.Errorf("IpsecConns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.settings, g.Settings); diff != "" {
				t.Errorf("Settings (-want +got):\n%s", diff)
			}
			conn := root.subs["connections"].subs[c.conns[0].IKE]
			child := conn.subs["children"].subs[c.conns[0].Children[0]]
			for k, want := range c.want {
				var got string
				switch {
				case strings.HasPrefix(k, "child/"):
					got = child.keys[strings.TrimPrefix(k, "child/")]
				case strings.HasPrefix(k, "local/"), strings.HasPrefix(k, "remote/"):
					side, key, _ := strings.Cut(k, "/")
					got = conn.subs[side].keys[key]
				default:
					got = conn.keys[k]
				}
				if got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for _, name := range c.ipsec {
				if !strings.Contains(g.IpsecConf, "\nconn "+name+"\n") {
					t.Errorf("ipsec.conf lacks conn %s", name)
				}
			}
			if !strings.Contains(g.IpsecConf, "    auto = add\n") || strings.Contains(g.IpsecConf, "auto = start") {
				t.Errorf("gateway ipsec.conf must wait (auto = add)")
			}
			if strings.Count(g.IpsecSecrets, " : PSK ") != len(c.conns) {
				t.Errorf("ipsec.secrets has %d PSK lines, want %d", strings.Count(g.IpsecSecrets, " : PSK "), len(c.conns))
			}
		})
	}
}

// TestGatewayMatchesCustomer: the two sides are mirror images: the gateway's
// local values are the customer's remote values and the proposals agree.
func TestGatewayMatchesCustomer(t *testing.T) {
	for _, c := range []struct {
		name   string
		cfg    vpn.ConnectionConfig
		tunnel string
	}{{"single-ikev1", caseSingleV1(), ""}, {"single-ikev2", caseSingleV2(), ""}, {"master", caseDual(), "master"}, {"slave", caseDual(), "slave"},
		{"bgp-master", caseBGPSubnetsGolden(), "master"}, {"bgp-slave", caseBGPSubnetsGolden(), "slave"}, {"bgp-ikev1", caseBGPSingleV1(), ""}} {
		t.Run(c.name, func(t *testing.T) {
			g, err := RenderGateway(c.cfg, GatewayOptions{Tunnel: c.tunnel})
			if err != nil {
				t.Fatal(err)
			}
			p, err := RenderStrongSwan(c.cfg, Options{Tunnel: c.tunnel, Passive: true})
			if err != nil {
				t.Fatal(err)
			}
			gr, _ := parseSettings(g.SwanctlConf)
			pr, _ := parseSettings(p.SwanctlConf)
			if diff := cmp.Diff(g.Conns, p.Conns); diff != "" {
				t.Fatalf("names differ:\n%s", diff)
			}
			for _, conn := range g.Conns {
				gc, pc := gr.subs["connections"].subs[conn.IKE], pr.subs["connections"].subs[conn.IKE]
				pairs := [][2]string{{gc.keys["local_addrs"], pc.keys["remote_addrs"]}, {gc.keys["remote_addrs"], pc.keys["local_addrs"]},
					{gc.subs["local"].keys["id"], pc.subs["remote"].keys["id"]}, {gc.subs["remote"].keys["id"], pc.subs["local"].keys["id"]},
					{gc.keys["proposals"], pc.keys["proposals"]}, {gc.keys["rekey_time"], pc.keys["rekey_time"]}}
				for _, ch := range conn.Children {
					gch, pch := gc.subs["children"].subs[ch], pc.subs["children"].subs[ch]
					pairs = append(pairs, [2]string{gch.keys["local_ts"], pch.keys["remote_ts"]}, [2]string{gch.keys["remote_ts"], pch.keys["local_ts"]},
						[2]string{gch.keys["esp_proposals"], pch.keys["esp_proposals"]}, [2]string{gch.keys["life_time"], pch.keys["life_time"]})
				}
				for _, p := range pairs {
					if p[0] != p[1] || p[0] == "" {
						t.Errorf("gateway %q vs customer %q", p[0], p[1])
					}
				}
				if gr.subs["secrets"].subs["ike-"+conn.IKE].keys["secret"] != pr.subs["secrets"].subs["ike-"+conn.IKE].keys["secret"] {
					t.Errorf("secrets differ")
				}
			}
		})
	}
}

func TestRenderStrongSwanCustomer(t *testing.T) {
	p, err := RenderStrongSwan(caseDual(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Conn{{IKE: "vpcvpn-master", Children: []string{"vpcvpn-master"}}, {IKE: "vpcvpn-slave", Children: []string{"vpcvpn-slave"}}}
	root := checkSwanctl(t, p.SwanctlConf, want, 86400, 86400)
	ch := root.subs["connections"].subs["vpcvpn-slave"].subs["children"].subs["vpcvpn-slave"]
	if ch.keys["start_action"] != "start" || ch.keys["dpd_action"] != "restart" || ch.keys["priority"] != "200" || ch.keys["reqid"] != "201" {
		t.Errorf("customer slave child: %v", ch.keys)
	}
	same, err := Render("strongswan-swanctl", caseDual(), Options{})
	if err != nil || same != p.SwanctlConf {
		t.Errorf("RenderStrongSwan and Render(strongswan-swanctl) differ")
	}
	files, err := RenderFiles("strongswan-ipsec", caseDual(), Options{})
	if err != nil || files[0].Text != p.IpsecConf || files[1].Text != p.IpsecSecrets {
		t.Errorf("RenderStrongSwan and RenderFiles(strongswan-ipsec) differ")
	}
	passive, err := RenderStrongSwan(caseDual(), Options{Passive: true})
	if err != nil || strings.Contains(passive.SwanctlConf, "start_action = start") || strings.Contains(passive.IpsecConf, "auto = start") {
		t.Errorf("Passive still starts on load")
	}
}

func TestRenderGatewayErrors(t *testing.T) {
	cases := []struct {
		name   string
		cfg    vpn.ConnectionConfig
		tunnel string
		want   string
	}{
		{"dual without tunnel", caseDual(), "", `render: RenderGateway of a dual-tunnel connection needs Tunnel "master" or "slave"`},
		{"single with tunnel", caseSingleV1(), "master", `render: Tunnel "master" asked for a single-tunnel connection`},
		{"sm4", withIke(func(c *vpn.ViewIkeConfig) { c.IkeEncAlg = "sm4" }), "", `render: device strongswan-swanctl cannot express IkeEncAlg "sm4"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := RenderGateway(c.cfg, GatewayOptions{Tunnel: c.tunnel})
			if err == nil || err.Error() != c.want {
				t.Fatalf("error %v, want %s", err, c.want)
			}
		})
	}
}

// TestGatewayGolden pins the gateway's files byte for byte.
func TestGatewayGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		cfg    vpn.ConnectionConfig
		tunnel string
	}{{"single-ikev1-default", caseSingleV1(), ""}, {"single-ikev2-two-subnets", caseSingleV2(), ""},
		{"dual-tunnel-master", caseDual(), "master"}, {"dual-tunnel-slave", caseDual(), "slave"},
		{"bgp-subnets-master", caseBGPSubnetsGolden(), "master"}, {"bgp-subnets-slave", caseBGPSubnetsGolden(), "slave"},
		{"bgp-single-ikev1", caseBGPSingleV1(), ""}} {
		g, err := RenderGateway(c.cfg, GatewayOptions{Tunnel: c.tunnel})
		if err != nil {
			t.Fatal(err)
		}
		files := []struct{ ext, text string }{{"swanctl.conf", g.SwanctlConf}, {"ipsec.conf", g.IpsecConf}, {"ipsec.secrets", g.IpsecSecrets}}
		if g.FRR != "" {
			files = append(files, struct{ ext, text string }{"frr.conf", g.FRR})
		}
		for _, f := range files {
			t.Run(c.name+"/"+f.ext, func(t *testing.T) {
				golden(t, filepath.Join("testdata", "golden", "gateway", c.name+"."+f.ext+".txt"), f.text)
			})
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/render -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./internal/render -update and review the diff)\n--- got ---\n%s", path, got)
	}
}

// TestGatewayBGP: with BgpConfigs the gateway's strongSwan selectors,
// set-up commands and FRR configuration mirror the customer side's.
func TestGatewayBGP(t *testing.T) {
	cfg := caseBGPSubnetsGolden()
	for _, c := range []struct {
		tunnel                      string
		gwIP, custIP, gwTS, custTS  string
		gwASN, custASN, description string
	}{
		{"master", "169.254.10.1", "169.254.10.2", "169.254.10.1/32,198.51.100.0/24,198.51.100.128/25", "169.254.10.2/32,192.0.2.0/24", "45104", "65010", "vpcvpn-master tun-opsqc4d97wni27a1"},
		{"slave", "169.254.20.1", "169.254.20.2", "169.254.20.1/32,198.51.100.0/24,198.51.100.128/25", "169.254.20.2/32,192.0.2.0/24", "45104", "65010", "vpcvpn-slave tun-7h3z0f9lhyvk5b2"},
	} {
		t.Run(c.tunnel, func(t *testing.T) {
			g, err := RenderGateway(cfg, GatewayOptions{Tunnel: c.tunnel})
			if err != nil {
				t.Fatal(err)
			}
			root, err := parseSettings(g.SwanctlConf)
			if err != nil {
				t.Fatal(err)
			}
			name := "vpcvpn-" + c.tunnel
			ch := root.subs["connections"].subs[name].subs["children"].subs[name]
			if ch.keys["local_ts"] != c.gwTS || ch.keys["remote_ts"] != c.custTS {
				t.Errorf("gateway selectors %s === %s, want %s === %s", ch.keys["local_ts"], ch.keys["remote_ts"], c.gwTS, c.custTS)
			}
			if _, ok := ch.keys["if_id_in"]; ok {
				t.Errorf("gateway child binds to an XFRM interface")
			}
			wantSetup := []string{"ip addr add " + c.gwIP + "/32 dev lo", "ip route add " + c.custIP + "/32 dev lo src " + c.gwIP}
			if strings.Join(g.Setup, "|") != strings.Join(wantSetup, "|") {
				t.Errorf("Setup = %q, want %q", g.Setup, wantSetup)
			}
			wantLines(t, g.FRR,
				"! Side: VPN gateway (cloud).",
				"router bgp "+c.gwASN,
				" bgp router-id "+c.gwIP,
				" neighbor "+c.custIP+" remote-as "+c.custASN,
				" neighbor "+c.custIP+" update-source "+c.gwIP,
				" neighbor "+c.custIP+" description "+c.description,
				"ip prefix-list vpcvpn-local seq 5 permit 198.51.100.0/24",
				"ip prefix-list vpcvpn-local seq 10 permit 198.51.100.128/25",
				"  network 198.51.100.0/24",
				"  network 198.51.100.128/25",
			)
			if strings.Contains(g.FRR, "local-preference") {
				t.Errorf("one gateway tunnel has nothing to prefer:\n%s", g.FRR)
			}
			p, err := RenderStrongSwan(cfg, Options{Tunnel: c.tunnel})
			if err != nil {
				t.Fatal(err)
			}
			wantLines(t, p.FRR, "router bgp "+c.custASN, " neighbor "+c.gwIP+" remote-as "+c.gwASN, " neighbor "+c.gwIP+" update-source "+c.custIP)
			if p.FRR != mustRender(t, "frr", cfg, Options{Tunnel: c.tunnel}) {
				t.Errorf("RenderStrongSwan's FRR differs from Render(frr)")
			}
		})
	}
	none, err := RenderGateway(caseDual(), GatewayOptions{Tunnel: "master"})
	if err != nil || none.FRR != "" || none.Setup != nil {
		t.Errorf("without BGP: FRR %q Setup %q err %v, want none", none.FRR, none.Setup, err)
	}
}
