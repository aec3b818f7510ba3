package peertest

import (
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
