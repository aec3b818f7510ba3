package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// libreswanTool returns the path of a binary of the unpacked Libreswan parser
// (scripts/install-test-deps.sh puts it under /opt/vpcvpn/libreswan, or
// $VPCVPN_LIBRESWAN_ROOT). A missing parser fails the test: it is never
// skipped.
func libreswanTool(t *testing.T, name string) string {
	t.Helper()
	root := os.Getenv("VPCVPN_LIBRESWAN_ROOT")
	if root == "" {
		root = "/opt/vpcvpn/libreswan"
	}
	p := filepath.Join(root, "usr", "libexec", "ipsec", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Libreswan %s not found at %s: run scripts/install-test-deps.sh as root (it unpacks Debian's libreswan there; set VPCVPN_LIBRESWAN_ROOT for another place)", name, p)
	}
	return p
}

func libreswanCases() []struct {
	name string
	cfg  vpn.ConnectionConfig
	opt  Options
} {
	v1 := caseSingleV2()
	v1.IkeConfig.IkeVersion, v1.IkeConfig.IkeMode = "ikev1", "aggressive"
	v1.IkeConfig.IkeEncAlg, v1.IkeConfig.IkeAuthAlg, v1.IkeConfig.IkePfs = "3des", "sha1", "group5"
	v1.IpsecConfig.IpsecEncAlg, v1.IpsecConfig.IpsecAuthAlg, v1.IpsecConfig.IpsecPfs = "aes192", "sha512", "disabled"
	v1.IkeConfig.LocalId, v1.IkeConfig.RemoteId = "dc.example.com", "vpn@example.net"
	md5 := caseSingleV1()
	md5.IkeConfig.IkePfs, md5.IpsecConfig.IpsecPfs = "group14", "group5"
	md5.IpsecConfig.IpsecAuthAlg, md5.IkeConfig.IkeAuthAlg = "md5", "sha384"
	return []struct {
		name string
		cfg  vpn.ConnectionConfig
		opt  Options
	}{
		{"single ikev2 two subnets", caseSingleV2(), Options{}},
		{"dual tunnel", caseDual(), Options{}},
		{"dual tunnel slave passive", caseDual(), Options{Tunnel: "slave", Passive: true}},
		{"ikev1 aggressive fqdn ids no pfs", v1, Options{}},
		{"ikev1 md5 sha384 group14", md5, Options{}},
		{"bgp xfrm interfaces", caseBGP(), Options{}},
		{"remote 0.0.0.0/0 with bypass conns", caseRemoteAny(), Options{}},
	}
}

// TestLibreswanParser runs Libreswan's own parsers on the rendered
// configuration: `addconn --checkconfig` on the conn file and `algparse` on
// every ike= and esp= line.
func TestLibreswanParser(t *testing.T) {
	addconn := libreswanTool(t, "addconn")
	algparse := libreswanTool(t, "algparse")

	// The parser is real: a wrong keyword fails.
	bad := filepath.Join(t.TempDir(), "bad.conf")
	if err := os.WriteFile(bad, []byte("conn x\n    left=203.0.113.1\n    right=203.0.113.2\n    no-such-keyword=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(addconn, "--checkconfig", "--config", bad).CombinedOutput(); err == nil {
		t.Fatalf("addconn accepted an unknown keyword: %s", out)
	}
	if out, err := exec.Command(algparse, "-v2", "esp=aes128-md5-modp1024").CombinedOutput(); err == nil {
		t.Fatalf("algparse accepted modp1024, which Debian's Libreswan lacks: %s", out)
	}

	cases := libreswanCases()
	// Every value Libreswan's table accepts, through its own parsers.
	d, _ := lookup("libreswan")
	for _, ver := range []string{"ikev1", "ikev2"} {
		for _, enc := range knownEnc() {
			for _, auth := range knownAuth() {
				for _, dh := range knownIkePfs() {
					_, ok1 := d.Keywords(ver, "IkeEncAlg", enc)
					_, ok2 := d.Keywords(ver, "IkeAuthAlg", auth)
					_, ok3 := d.Keywords(ver, "IkePfs", dh)
					if !ok1 || !ok2 || !ok3 {
						continue
					}
					c := caseSingleV1()
					c.IkeConfig.IkeVersion, c.IkeConfig.IkeEncAlg, c.IkeConfig.IkeAuthAlg, c.IkeConfig.IkePfs = ver, enc, auth, dh
					c.IpsecConfig.IpsecEncAlg, c.IpsecConfig.IpsecAuthAlg, c.IpsecConfig.IpsecPfs = enc, auth, dh
					cases = append(cases, struct {
						name string
						cfg  vpn.ConnectionConfig
						opt  Options
					}{ver + " " + enc + "-" + auth + "-" + dh, c, Options{}})
				}
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files, err := RenderFiles("libreswan", c.cfg, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(t.TempDir(), "vpcvpn.conf")
			if err := os.WriteFile(conf, []byte(files[0].Text), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(addconn, "--checkconfig", "--config", conf).CombinedOutput()
			if err != nil || len(out) != 0 {
				t.Fatalf("addconn --checkconfig: %v\n%s\n--- config ---\n%s", err, out, files[0].Text)
			}
			version, pfs := "-v1", false
			var algs []string
			for _, line := range strings.Split(files[0].Text, "\n") {
				l := strings.TrimSpace(line)
				switch {
				case l == "ikev2=yes":
					version = "-v2"
				case l == "pfs=yes":
					pfs = true
				case strings.HasPrefix(l, "ike="), strings.HasPrefix(l, "esp="):
					algs = append(algs, l)
				}
			}
			if len(algs) == 0 {
				t.Fatal("no ike=/esp= lines")
			}
			for _, a := range algs {
				args := []string{version}
				if pfs {
					args = append(args, "-pfs")
				}
				out, err := exec.Command(algparse, append(args, a)...).CombinedOutput()
				if err != nil || strings.Contains(string(out), "ERROR") {
					t.Errorf("algparse %v %s: %v\n%s", args, a, err, out)
				}
			}
		})
	}
}
