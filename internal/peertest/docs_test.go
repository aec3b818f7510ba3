package peertest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/render"
)

// TestDevicesDoc keeps docs/DEVICES.md in step with the registry: every
// device has a row in the device table, and the table has no other rows.
func TestDevicesDoc(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/DEVICES.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "| Id | Vendor / platform |")
	if start < 0 {
		t.Fatal("docs/DEVICES.md has no device table")
	}
	var rows []string
	for _, line := range strings.Split(doc[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		rows = append(rows, strings.Trim(strings.SplitN(line, "|", 3)[1], " `"))
	}
	var ids []string
	for _, d := range render.Devices() {
		ids = append(ids, d.ID)
	}
	if strings.Join(rows, ",") != strings.Join([]string{"strongswan-swanctl", "strongswan-ipsec", "frr", "libreswan", "cisco-ios",
		"cisco-ios-vti", "cisco-asa", "juniper-srx", "fortinet-fortios", "paloalto-panos", "huawei-usg", "h3c-secpath",
		"mikrotik-routeros", "vyos", "generic"}, ",") {
		t.Errorf("device table rows %v", rows)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("device %s has no row in docs/DEVICES.md", id)
		}
	}
	if len(rows) != len(ids) {
		t.Errorf("docs/DEVICES.md lists %d devices, the registry has %d", len(rows), len(ids))
	}
}

// TestDevicesDocLifetimes: docs/DEVICES.md's lifetime table gives every
// device exactly the IKE and IPsec ranges the renderer refuses outside of.
func TestDevicesDocLifetimes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/DEVICES.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "| Device | IKE | IPsec |")
	if start < 0 {
		t.Fatal("docs/DEVICES.md has no lifetime table")
	}
	ranges := map[string]string{}
	for _, line := range strings.Split(doc[start:], "\n")[2:] {
		cells := strings.Split(line, "|")
		if len(cells) != 5 {
			break
		}
		for _, id := range strings.Split(cells[1], ",") {
			id = strings.TrimSpace(id)
			if _, dup := ranges[id]; dup {
				t.Errorf("device %s is in two rows of the lifetime table", id)
			}
			ranges[id] = strings.TrimSpace(cells[2]) + " " + strings.TrimSpace(cells[3])
		}
	}
	for _, d := range render.Devices() {
		want := fmt.Sprintf("%d-%d %d-%d", d.IKELife[0], d.IKELife[1], d.IPsecLife[0], d.IPsecLife[1])
		if got, ok := ranges[d.ID]; !ok || got != want {
			t.Errorf("device %s: lifetime table says %q, the renderer accepts %q", d.ID, got, want)
		}
	}
	if len(ranges) != len(render.Devices()) {
		t.Errorf("lifetime table has %d devices, the registry %d", len(ranges), len(render.Devices()))
	}
}
