package tunneltest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strongswan/govici/vici"
)

func TestLoadedConns(t *testing.T) {
	cases := []struct {
		name string
		conf string
		want []string
	}{
		{
			name: "explicit auto values",
			conf: "config setup\n\tuniqueids=no\n\nconn a\n\tauto=add\nconn b\n\tauto=start\nconn c\n\tauto=route\n" +
				"conn d\n\tauto=ignore\n",
			want: []string{"a", "b", "c"},
		},
		{
			name: "no auto means ignore",
			conf: "conn a\n\tleft=203.0.113.2\n",
			want: nil,
		},
		{
			name: "auto inherited from conn %default, overridden per conn",
			conf: "conn %default\n    auto = add\n\nconn a\n    left = 203.0.113.2\nconn b\n    auto = ignore\n",
			want: []string{"a"},
		},
		{
			name: "comments and quotes",
			conf: "# conn commented\nconn a # trailing\n\tauto=\"start\" # start it\n\t# auto=ignore\n",
			want: []string{"a"},
		},
		{
			name: "ca sections and setup options are not conns",
			conf: "ca x\n\tauto=add\nconfig setup\n\tauto=add\nconn y\n\tauto=add\n",
			want: []string{"y"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := loadedConns(tc.conf); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("loadedConns = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckPrerequisites(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/x", nil }
	present := func(string) error { return nil }
	cases := []struct {
		name     string
		euid     int
		lookPath func(string) (string, error)
		stat     func(string) error
		want     string // "" for no error
	}{
		{"all present as root", 0, found, present, ""},
		{"not root", 1000, found, present,
			"tunnel tests cannot run: must run as root (network namespaces, veth pairs, mounts); " + InstallHint},
		{"swanctl and tcpdump missing", 0,
			func(p string) (string, error) {
				if p == "swanctl" || p == "tcpdump" {
					return "", os.ErrNotExist
				}
				return "/usr/bin/" + p, nil
			}, present,
			"tunnel tests cannot run: program swanctl not found; program tcpdump not found; " + InstallHint},
		{"kernel-libipsec missing", 0, found,
			func(p string) error {
				if strings.HasSuffix(p, "kernel-libipsec.so") {
					return os.ErrNotExist
				}
				return nil
			},
			"tunnel tests cannot run: /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so not found; " +
				InstallHint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPrerequisites(tc.euid, tc.lookPath, tc.stat)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("checkPrerequisites = %q, want %q", got, tc.want)
			}
		})
	}
	if !strings.Contains(InstallHint, "scripts/install-test-deps.sh") {
		t.Errorf("InstallHint %q does not name scripts/install-test-deps.sh", InstallHint)
	}
}

func TestIsDocumentationAddr(t *testing.T) {
	cases := []struct {
		addr string
		want bool
	}{
		{"192.0.2.1", true},
		{"198.51.100.255", true},
		{"203.0.113.0", true},
		{"2001:db8::1", true},
		{"::ffff:203.0.113.7", true},
		{"203.0.114.1", false},
		{"10.0.0.1", false},
		{"8.8.8.8", false},
		{"2001:db9::1", false},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			if got := IsDocumentationAddr(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("IsDocumentationAddr(%s) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}

func TestCheckAddr(t *testing.T) {
	cases := []struct {
		name string
		ipv6 bool
		addr string
		want string // "" for no error
	}{
		{"ipv4 documentation", false, "203.0.113.1", ""},
		{"outside the ranges", false, "10.1.2.3", "10.1.2.3 is not a documentation address"},
		{"ipv6 refused by default", false, "2001:db8::1", "2001:db8::1 is IPv6 but Options.IPv6 is false"},
		{"ipv6 allowed", true, "2001:db8::1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &Lab{opts: Options{IPv6: tc.ipv6}}
			err := l.checkAddr(netip.MustParseAddr(tc.addr))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("checkAddr = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("checkAddr = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestProposalStrings(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"ike with keysize", IKESA{EncrAlg: "AES_CBC", EncrKeysize: 128, IntegAlg: "HMAC_SHA1_96",
			PRFAlg: "PRF_HMAC_SHA1", DHGroup: "MODP_1024"}.Proposal(),
			"AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024"},
		{"ike aead without integrity", IKESA{EncrAlg: "AES_GCM_16", EncrKeysize: 256, PRFAlg: "PRF_HMAC_SHA2_256",
			DHGroup: "ECP_256"}.Proposal(), "AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256"},
		{"esp with pfs", ChildSA{EncrAlg: "AES_CBC", EncrKeysize: 256, IntegAlg: "HMAC_SHA2_256_128",
			DHGroup: "MODP_2048"}.Proposal(), "AES_CBC-256/HMAC_SHA2_256_128/MODP_2048"},
		{"esp 3des has no keysize", ChildSA{EncrAlg: "3DES_CBC", IntegAlg: "HMAC_MD5_96"}.Proposal(),
			"3DES_CBC/HMAC_MD5_96"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("Proposal() = %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// TestParseIKESA feeds a list-sa event shaped like charon 5.9.8's through the parser.
func TestParseIKESA(t *testing.T) {
	child := vici.NewMessage()
	for k, v := range map[string]string{
		"name": "vco-1", "uniqueid": "3", "reqid": "2", "state": "INSTALLED", "mode": "TUNNEL",
		"protocol": "ESP", "encap": "yes", "spi-in": "c1f0a2b3", "spi-out": "0d0e0f10", "encr-alg": "AES_CBC",
		"encr-keysize": "128", "integ-alg": "HMAC_SHA1_96", "dh-group": "MODP_1024", "bytes-in": "420",
		"packets-in": "5", "bytes-out": "840", "packets-out": "10", "rekey-time": "77000",
		"life-time": "86399", "install-time": "1",
	} {
		if err := child.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	_ = child.Set("local-ts", []string{"198.51.100.0/24"})
	_ = child.Set("remote-ts", []string{"192.0.2.0/26", "192.0.2.64/26"})
	children := vici.NewMessage()
	_ = children.Set("vco-1-3", child)
	sa := vici.NewMessage()
	for k, v := range map[string]string{
		"uniqueid": "1", "version": "1", "state": "ESTABLISHED", "local-host": "203.0.113.2",
		"remote-host": "203.0.113.1", "local-id": "203.0.113.2", "remote-id": "203.0.113.1",
		"initiator": "yes", "nat-any": "yes", "encr-alg": "AES_CBC", "encr-keysize": "128",
		"integ-alg": "HMAC_SHA1_96", "prf-alg": "PRF_HMAC_SHA1", "dh-group": "MODP_1024",
		"established": "2", "rekey-time": "75000",
	} {
		_ = sa.Set(k, v)
	}
	_ = sa.Set("child-sas", children)

	got := parseIKESA("vco-1", sa)
	want := IKESA{
		Name: "vco-1", UniqueID: "1", Version: 1, State: "ESTABLISHED", LocalHost: "203.0.113.2",
		RemoteHost: "203.0.113.1", LocalID: "203.0.113.2", RemoteID: "203.0.113.1", Initiator: true,
		NATAny: true, EncrAlg: "AES_CBC", EncrKeysize: 128, IntegAlg: "HMAC_SHA1_96", PRFAlg: "PRF_HMAC_SHA1",
		DHGroup: "MODP_1024", Established: 2, RekeyTime: 75000,
		Children: []ChildSA{{
			Name: "vco-1", UniqueID: "3", ReqID: "2", State: "INSTALLED", Mode: "TUNNEL", Protocol: "ESP",
			Encap: true, SPIIn: "c1f0a2b3", SPIOut: "0d0e0f10", EncrAlg: "AES_CBC", EncrKeysize: 128,
			IntegAlg: "HMAC_SHA1_96", DHGroup: "MODP_1024", BytesIn: 420, PacketsIn: 5, BytesOut: 840,
			PacketsOut: 10, RekeyTime: 77000, LifeTime: 86399, InstallTime: 1,
			LocalTS: []string{"198.51.100.0/24"}, RemoteTS: []string{"192.0.2.0/26", "192.0.2.64/26"},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseIKESA =\n%#v\nwant\n%#v", got, want)
	}
}

func TestStrongswanConf(t *testing.T) {
	l := &Lab{opts: Options{CharonSettings: "\tretransmit_tries = 3"}}
	s := &Side{lab: l, name: "cloud", ns: "vpcvpn-1-abcdef-cloud", dir: "/tmp/x/cloud"}
	cases := []struct {
		name       string
		withStroke bool
		want       []string
		notWant    []string
	}{
		{
			name: "swanctl mode",
			want: []string{
				"\tload_modular = no\n",
				"\tload = " + basePlugins + "\n",
				"\t\t\tpath = /tmp/x/cloud/charon.log\n",
				"\t\t\tsocket = unix:///tmp/x/cloud/charon.vici\n",
				"\tretransmit_tries = 3\n",
			},
			notWant: []string{" stroke\n"},
		},
		{
			name:       "ipsec.conf mode loads stroke with the side's secrets",
			withStroke: true,
			want: []string{
				"\tload = " + basePlugins + " stroke\n",
				"\t\t\tsecrets_file = /tmp/x/cloud/ipsec.secrets\n",
				"\tconfig_file = /tmp/x/cloud/ipsec.conf\n",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conf := s.strongswanConf(tc.withStroke)
			for _, w := range tc.want {
				if !strings.Contains(conf, w) {
					t.Errorf("strongswan.conf lacks %q:\n%s", w, conf)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(conf, w) {
					t.Errorf("strongswan.conf contains %q:\n%s", w, conf)
				}
			}
		})
	}
}

// TestLabCleanup checks that a lab's cleanup leaves nothing behind: namespaces, daemons (charon, starter and
// its charon), tcpdump, the working directory.
func TestLabCleanup(t *testing.T) {
	t.Parallel()
	var namespaces []string
	var pids []int
	var dir string
	t.Run("lab", func(t *testing.T) {
		lab := New(t, Options{})
		a := lab.AddSide("a", netip.MustParseAddr("192.0.2.1"))
		b := lab.AddSide("b", netip.MustParseAddr("198.51.100.1"))
		link := lab.Connect(a, netip.MustParsePrefix("203.0.113.1/24"), b, netip.MustParsePrefix("203.0.113.2/24"))
		a.StartSwanctl("connections {\n}\n")
		b.StartIpsecConf("config setup\n", "")
		c := lab.StartCapture(link.B)
		namespaces = []string{a.Namespace(), b.Namespace()}
		for _, want := range []string{
			fmt.Sprintf("%s%d-", nsPrefix, os.Getpid()),
		} {
			if !strings.HasPrefix(a.Namespace(), want) || !strings.HasSuffix(a.Namespace(), "-a") {
				t.Errorf("namespace %q does not carry %q and the side name", a.Namespace(), want)
			}
		}
		pids = append(pids, a.d.cmd.Process.Pid, b.d.cmd.Process.Pid, c.cmd.Process.Pid)
		charonPid, err := os.ReadFile(filepath.Join(b.Dir(), "run", "charon.pid"))
		if err != nil {
			t.Fatalf("starter's charon wrote no pid file in the side's /run: %v", err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(charonPid)))
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, n)
		dir = lab.Dir()
		if out, err := b.Run("ip", "-o", "link", "show", "eth0"); err != nil || !strings.Contains(out, "eth0@") {
			t.Errorf("veth end eth0 not found inside side b: %v\n%s", err, out)
		}
	})
	for _, ns := range namespaces {
		if fileExists(filepath.Join("/run/netns", ns)) {
			t.Errorf("namespace %s still exists after cleanup", ns)
		}
	}
	for _, pid := range pids {
		if fileExists(fmt.Sprintf("/proc/%d", pid)) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Errorf("process %d (%q) still exists after cleanup", pid, stat)
		}
	}
	if fileExists(dir) {
		t.Errorf("lab directory %s still exists after cleanup", dir)
	}
	if len(pids) != 4 || len(namespaces) != 2 {
		t.Errorf("collected %d pids and %d namespaces, want 4 and 2", len(pids), len(namespaces))
	}
}

// TestSweepStale checks that New removes namespaces left by a test process that no longer exists, and leaves
// alone those of live processes.
func TestSweepStale(t *testing.T) {
	t.Parallel()
	token := make([]byte, 3)
	if _, err := rand.Read(token); err != nil {
		t.Fatal(err)
	}
	// pid_max is at most 4194304, so this pid cannot be alive.
	stale := fmt.Sprintf("%s4194305-%s-stale", nsPrefix, hex.EncodeToString(token))
	live := fmt.Sprintf("%s%d-%s-live", nsPrefix, os.Getpid(), hex.EncodeToString(token))
	for _, ns := range []string{stale, live} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v\n%s", ns, err, out)
		}
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	}
	New(t, Options{})
	if fileExists(filepath.Join("/run/netns", stale)) {
		t.Errorf("stale namespace %s was not swept", stale)
	}
	if !fileExists(filepath.Join("/run/netns", live)) {
		t.Errorf("namespace %s of a live process was swept", live)
	}
}

// TestStopAndKill checks the daemon controls used by failover tests.
func TestStopAndKill(t *testing.T) {
	t.Parallel()
	lab := New(t, Options{})
	s := lab.AddSide("solo")
	for _, stop := range []struct {
		name string
		fn   func()
	}{{"Stop", s.Stop}, {"Kill", s.Kill}} {
		s.StartSwanctl("connections {\n}\n")
		if !s.Running() {
			t.Fatalf("daemon not running after StartSwanctl")
		}
		if _, err := s.ListSAs(); err != nil {
			t.Fatalf("ListSAs on a fresh daemon: %v", err)
		}
		start := time.Now()
		stop.fn()
		if s.Running() {
			t.Errorf("%s: daemon still running", stop.name)
		}
		if _, err := s.ListSAs(); err == nil {
			t.Errorf("%s: ListSAs succeeded on a stopped daemon", stop.name)
		}
		t.Logf("%s took %v", stop.name, time.Since(start).Round(time.Millisecond))
	}
	if err := s.Initiate("none", time.Second); err == nil {
		t.Errorf("Initiate on a stopped daemon succeeded")
	}
}

// TestLoadSwanctl checks that swanctl's verdict on a configuration text reaches the caller.
func TestLoadSwanctl(t *testing.T) {
	t.Parallel()
	lab := New(t, Options{})
	s := lab.AddSide("solo")
	s.StartSwanctl("connections {\n}\n")
	good := "connections {\n\tgood {\n\t\tversion = 2\n\t\tlocal {\n\t\t\tauth = psk\n\t\t}\n" +
		"\t\tremote {\n\t\t\tauth = psk\n\t\t}\n\t}\n}\n"
	if err := s.LoadSwanctl(good); err != nil {
		t.Fatalf("LoadSwanctl(valid) = %v", err)
	}
	conns, err := s.listConns()
	if err != nil || !reflect.DeepEqual(conns, []string{"good"}) {
		t.Errorf("loaded connections = %q, %v; want [good]", conns, err)
	}
	err = s.LoadSwanctl("connections {\n\tbad {\n\t\tproposals = no-such-algorithm\n\t}\n}\n")
	if err == nil || !strings.Contains(err.Error(), "loading connection 'bad' failed") {
		t.Errorf("LoadSwanctl(bad proposals) = %v, want swanctl's rejection of connection 'bad'", err)
	}
}
