// Package render turns a DownloadVpnConnectionConfig answer (the customer-side
// view of an IPsec-VPN connection) into configurations for real peer devices:
// strongSwan (swanctl and ipsec.conf), Libreswan, Cisco IOS (crypto map and
// VTI), Cisco ASA, Juniper SRX, FortiGate, PAN-OS, Huawei USG, H3C, MikroTik
// and VyOS. It also renders the VPN gateway's own strongSwan configuration for
// a connection, so that both ends can be brought up by real daemons in tests.
//
// Contract: every algorithm, DH group, mode and lifetime is written exactly, in
// the device's own keywords, or Render returns an error naming the device and
// the value ("render: device juniper-srx cannot express IkeEncAlg \"sm4\"");
// nothing is ever substituted. Values outside the documented sets, addresses
// that are not IPv4 literals, identities that are not an IPv4 address, host
// name or user@host name, and PSK characters a device cannot carry (see
// Device.RefusedPSKChars) are refused, so no input can inject template or
// device syntax. Output is deterministic: the same input renders the same
// bytes.
//
// Templates live in templates/ (embedded); golden files under
// testdata/golden/<device>/<case>.txt are regenerated with
// `go test ./internal/render -update`.
package render

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Options select what Render writes.
type Options struct {
	// Tunnel picks the tunnel of a dual-tunnel connection: "master", "slave",
	// or "" for both (the slave as backup where the device supports it).
	// A single-tunnel connection accepts only "".
	Tunnel string
	// Passive writes strongSwan/Libreswan connections that wait to be
	// initiated (start_action = none, auto=add) instead of starting on load.
	// Test harnesses that run `swanctl --initiate` set it. Other devices ignore it.
	Passive bool
}

// File is one output file of a device configuration.
type File struct {
	Name string
	Text string
}

// RenderFiles renders the configuration of device deviceID as its files, in
// the order of Device.Files.
func RenderFiles(deviceID string, cfg vpn.ConnectionConfig, opt Options) ([]File, error) {
	d, err := lookup(deviceID)
	if err != nil {
		return nil, err
	}
	m, err := build(d, cfg, opt.Tunnel, false)
	if err != nil {
		return nil, err
	}
	return execute(d, m, opt.Passive)
}

// Render renders the configuration of device deviceID as one text. A device
// with several files (ipsec.conf and ipsec.secrets) has each file preceded by
// a "# ==== file: NAME ====" line.
func Render(deviceID string, cfg vpn.ConnectionConfig, opt Options) (string, error) {
	fs, err := RenderFiles(deviceID, cfg, opt)
	if err != nil {
		return "", err
	}
	return joinFiles(fs), nil
}

func joinFiles(fs []File) string {
	if len(fs) == 1 {
		return fs[0].Text
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "# ==== file: %s ====\n", f.Name)
		b.WriteString(f.Text)
	}
	return b.String()
}

// view is what a template executes on.
type view struct {
	*model
	Passive bool
}

func execute(d Device, m *model, passive bool) ([]File, error) {
	if d.check != nil {
		if err := d.check(d, m); err != nil {
			return nil, err
		}
	}
	t, err := parsedTemplates()
	if err != nil {
		return nil, fmt.Errorf("render: templates: %w", err)
	}
	var out []File
	for i, name := range d.files {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, name, view{model: m, Passive: passive}); err != nil {
			return nil, fmt.Errorf("render: device %s: %w", d.ID, err)
		}
		out = append(out, File{Name: d.Files[i], Text: b.String()})
	}
	return out, nil
}

// parsedTemplates parses the embedded templates once; the set is never
// changed afterwards and text/template executes it safely from several
// goroutines at once.
var parsedTemplates = sync.OnceValues(func() (*template.Template, error) {
	return template.New("").Funcs(funcs()).ParseFS(templateFS, "templates/*.tmpl")
})

func funcs() template.FuncMap {
	return template.FuncMap{
		"add":    func(a, b int) int { return a + b },
		"mul100": func(a int) int { return 100 * a },
		"mul10":  func(a int) int { return 10 * a },
		"mul5":   func(a int) int { return 5 * a },
		"ctx": func(name string, ts []tunnel) namedTunnels {
			return namedTunnels{Name: name, Tunnels: ts}
		},
		"v2policies": v2policies,
		"rosID": func(kind string) string {
			return map[string]string{"ip": "address", "fqdn": "fqdn", "user-fqdn": "user-fqdn"}[kind]
		},
		"panID": func(kind string) string {
			return map[string]string{"ip": "ipaddr", "fqdn": "fqdn", "user-fqdn": "ufqdn"}[kind]
		},
		"one": func(t tunnel) []tunnel { return []tunnel{t} },
		"named": func(name string, t tunnel) tunnel {
			t.Name = name
			return t
		},
		"cidrs": func(ss []subnet) string {
			var parts []string
			for _, s := range ss {
				parts = append(parts, s.CIDR)
			}
			return strings.Join(parts, ",")
		},
		"spaced": func(ss []subnet) string {
			var parts []string
			for _, s := range ss {
				parts = append(parts, s.CIDR)
			}
			return strings.Join(parts, " ")
		},
		"phase2": func(t tunnel, name string, p any) phase2View {
			switch x := p.(type) {
			case pair:
				return phase2View{T: t, Name: name, P: x}
			case *pair:
				return phase2View{T: t, Name: name, P: *x}
			}
			panic(fmt.Sprintf("phase2: %T is not a pair", p))
		},
		"iana":      ianaName,
		"spellings": spellings,
		"pskHex":    sheetPSKHex,
		"hms":       hms,
		"rosTime":   rosTime,
		"panLife":   panLife,
		"childName": childName,
		"ikev1":     func(t tunnel) bool { return !t.IKEv2 },
	}
}

// phase2View is one FortiOS phase2-interface: a tunnel's proposal for one
// selector pair.
type phase2View struct {
	T    tunnel
	Name string
	P    pair
}

// namedTunnels is the argument of shared sub-templates: the object name and
// the tunnels the objects serve.
type namedTunnels struct {
	Name    string
	Tunnels []tunnel
}

// v2policy is one Cisco IKEv2 policy: the proposals offered from one local
// address (IOS picks the policy by local address, so tunnels sharing an
// address share the policy).
type v2policy struct {
	Name      string
	Local     string
	Proposals []string
}

// v2policies groups the IKEv2 tunnels by Local address, in tunnel order. With
// one group the policy is POL-<name>; otherwise POL-<first tunnel name>.
// Proposals are PROP-<tunnel name>.
func v2policies(ts []tunnel, name string) []v2policy {
	var out []v2policy
	for _, t := range ts {
		if !t.IKEv2 {
			continue
		}
		prop := "PROP-" + t.Name
		found := false
		for i := range out {
			if out[i].Local == t.Local {
				out[i].Proposals = append(out[i].Proposals, prop)
				found = true
			}
		}
		if !found {
			out = append(out, v2policy{Name: "POL-" + t.Name, Local: t.Local, Proposals: []string{prop}})
		}
	}
	if len(out) == 1 {
		out[0].Name = "POL-" + name
	}
	return out
}

// childName names CHILD_SA i (from 1) of n in tunnel t: the tunnel name when
// there is one child, name-i otherwise.
func childName(t tunnel, i, n int) string {
	if n == 1 {
		return t.Name
	}
	return fmt.Sprintf("%s-%d", t.Name, i)
}

// rosTime writes seconds as a RouterOS duration: 1d, 8h, 1h30m, 45s.
func rosTime(s int64) string {
	if s == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		n      int64
		suffix string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}} {
		if s >= u.n {
			fmt.Fprintf(&b, "%d%s", s/u.n, u.suffix)
			s %= u.n
		}
	}
	return b.String()
}

// panLife writes seconds as a PAN-OS lifetime in the largest unit that is
// exact and within 1-65535 (seconds and minutes at least 3 minutes).
func panLife(s int64) (string, error) {
	switch {
	case s%3600 == 0 && s/3600 <= 65535:
		return fmt.Sprintf("hours %d", s/3600), nil
	case s%60 == 0 && s/60 <= 65535 && s >= 180:
		return fmt.Sprintf("minutes %d", s/60), nil
	case s >= 180 && s <= 65535:
		return fmt.Sprintf("seconds %d", s), nil
	}
	return "", fmt.Errorf("lifetime %d s has no exact PAN-OS unit", s)
}
