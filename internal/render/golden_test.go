package render

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// renderOrError renders, or writes the error as the golden text: a device
// that refuses a case documents that refusal in its golden file.
func renderOrError(id string, c goldenCase) string {
	out, err := Render(id, c.cfg(), c.opt)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, d := range Devices() {
		for _, c := range goldenCases() {
			t.Run(d.ID+"/"+c.name, func(t *testing.T) {
				got := renderOrError(d.ID, c)
				golden(t, filepath.Join("testdata", "golden", d.ID, c.name+".txt"), got)
			})
		}
	}
}

// TestDevicesGolden writes the registry, with every keyword table and what
// each device refuses, to testdata/golden/devices.txt: the reviewable record
// of the per-device mapping.
func TestDevicesGolden(t *testing.T) {
	var b strings.Builder
	fields := []struct{ field string }{{"IkeEncAlg"}, {"IkeAuthAlg"}, {"IkePfs"}, {"IpsecEncAlg"}, {"IpsecAuthAlg"}, {"IpsecPfs"}}
	values := map[string][]string{"IkeEncAlg": knownEnc(), "IkeAuthAlg": knownAuth(), "IkePfs": knownIkePfs(),
		"IpsecEncAlg": knownEnc(), "IpsecAuthAlg": knownAuth(), "IpsecPfs": knownIkePfs()}
	for _, d := range Devices() {
		fmt.Fprintf(&b, "== %s: %s, %s, %s\n", d.ID, d.Vendor, d.Platform, d.Software)
		fmt.Fprintf(&b, "IKE versions: %s; aggressive: %v; route-based: %v; BGP: %v\n", strings.Join(d.IKEVersions, ", "), d.Aggressive, d.RouteBased, d.BGP)
		fmt.Fprintf(&b, "lifetimes (s): IKE %d-%d, IPsec %d-%d\n", d.IKELife[0], d.IKELife[1], d.IPsecLife[0], d.IPsecLife[1])
		fmt.Fprintf(&b, "PSK characters refused (beyond the documented alphabet): %q\n", d.RefusedPSKChars)
		fmt.Fprintf(&b, "files: %s\nbackup: %s\nnotes: %s\n", strings.Join(d.Files, ", "), d.Backup, d.Notes)
		for _, ver := range []string{"ikev1", "ikev2"} {
			for _, f := range fields {
				var parts []string
				for _, v := range values[f.field] {
					if k, ok := d.Keywords(ver, f.field, v); ok {
						parts = append(parts, v+"="+k)
					} else {
						parts = append(parts, v+"=REFUSED")
					}
				}
				fmt.Fprintf(&b, "%s %s: %s\n", ver, f.field, strings.Join(parts, ", "))
			}
		}
		if prf := d.kw(true).PRF; prf != nil {
			var parts []string
			for _, v := range knownAuth() {
				if k, ok := prf[v]; ok {
					parts = append(parts, v+"="+k)
				}
			}
			fmt.Fprintf(&b, "ikev2 PRF (by IkeAuthAlg): %s\n", strings.Join(parts, ", "))
		}
		b.WriteString("\n")
	}
	golden(t, filepath.Join("testdata", "golden", "devices.txt"), b.String())
}
