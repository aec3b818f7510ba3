// Package tunneltest proves strongSwan configurations with real IKE daemons on one machine.
//
// A Lab is a set of network namespaces (Sides) joined by veth pairs (Links). Each Side can run one strongSwan
// charon, started either from swanctl.conf text (StartSwanctl) or from ipsec.conf/ipsec.secrets text through the
// starter (StartIpsecConf). Each daemon runs in its side's network namespace and in a private mount namespace whose
// /run is a per-side directory (charon hard-codes /var/run/charon.pid), reads its own strongswan.conf through
// STRONGSWAN_CONF, listens on its own vici socket and uses kernel-libipsec (userspace ESP inside UDP/4500), as
// /work/shared/spec/TUNNEL-TESTS.md describes. Inner hosts are /32 addresses on the namespace's loopback.
//
// Only documentation address ranges are accepted (203.0.113.0/24, 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32) and
// no default route is ever added, so nothing can leave the machine. Every name carries the test process id plus a
// random token, so parallel labs (in one process or several) do not collide; veth ends are created directly inside
// their namespaces. t.Cleanup stops every daemon and capture the lab started (by process id) and deletes its
// namespaces (by name). When the test failed, the cleanup also logs the transcript of every command the lab ran
// (with its output) and each daemon's log.
//
// The lab needs root and the packages installed by scripts/install-test-deps.sh; without them New fails the test
// (it never skips).
package tunneltest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Paths of the strongSwan programs the lab runs (Debian 12 layout).
const (
	charonPath  = "/usr/lib/ipsec/charon"
	starterPath = "/usr/lib/ipsec/starter"
	pluginDir   = "/usr/lib/ipsec/plugins"
	nsPrefix    = "vpcvpn-"
)

// InstallHint is appended to every prerequisite failure.
const InstallHint = "run scripts/install-test-deps.sh as root (Debian 12) before go test"

// FastRetransmits is strongswan.conf text for Options.CharonSettings that makes an unanswered IKE exchange fail
// after about 7 s (1 + 1.4 + 1.96 + 2.74 s) instead of strongSwan's default of about 165 s, e.g. for negative
// tests: a wrong IKEv1 pre-shared key is only noticed through retransmits.
const FastRetransmits = "retransmit_tries = 3\nretransmit_timeout = 1.0\nretransmit_base = 1.4\n"

// Options tune a Lab. The zero value is ready to use.
type Options struct {
	// CommandTimeout bounds each external command (ip, swanctl, ...) and each daemon start.
	// Zero means 20 seconds.
	CommandTimeout time.Duration
	// CharonSettings is strongswan.conf text inserted inside the charon { } section of every side's
	// strongswan.conf, e.g. "retransmit_tries = 2\nretransmit_timeout = 1.0". Empty means strongSwan defaults.
	CharonSettings string
	// IPv6 keeps IPv6 enabled in the namespaces, which 2001:db8::/32 addresses need. By default it is disabled so
	// that captures carry no neighbour-discovery noise, and IPv6 addresses are refused.
	IPv6 bool
}

// Lab is one isolated test topology. Create it with New; all methods must be called from the test's goroutine
// unless documented otherwise.
type Lab struct {
	t      testing.TB
	opts   Options
	prefix string // "vpcvpn-<pid>-<token>": namespace names are prefix + "-" + side name
	dir    string // per-lab working directory (configs, sockets, logs)

	mu         sync.Mutex
	transcript bytes.Buffer
	sides      []*Side
	captures   []*Capture
}

// New checks the prerequisites, removes namespaces left behind by earlier test processes that died, and returns an
// empty Lab whose teardown is registered with t.Cleanup. It fails the test (naming scripts/install-test-deps.sh)
// when not running as root or when a required program or plugin is missing.
func New(t testing.TB, opts Options) *Lab {
	t.Helper()
	if err := CheckPrerequisites(); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 20 * time.Second
	}
	token := make([]byte, 3)
	if _, err := rand.Read(token); err != nil {
		t.Fatalf("tunneltest: random token: %v", err)
	}
	prefix := fmt.Sprintf("%s%d-%s", nsPrefix, os.Getpid(), hex.EncodeToString(token))
	dir, err := os.MkdirTemp("", prefix+"-")
	if err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	l := &Lab{t: t, opts: opts, prefix: prefix, dir: dir}
	l.sweepStale()
	t.Cleanup(l.teardown)
	return l
}

// CheckPrerequisites reports why the lab cannot run on this machine (not root, a program or plugin missing), or
// nil. The error names scripts/install-test-deps.sh.
func CheckPrerequisites() error {
	return checkPrerequisites(os.Geteuid(), exec.LookPath, func(p string) error {
		_, err := os.Stat(p)
		return err
	})
}

func checkPrerequisites(euid int, lookPath func(string) (string, error), stat func(string) error) error {
	// Programs are looked up in PATH, files by path.
	requiredPrograms := []string{"ip", "unshare", "nsenter", "swanctl", "tcpdump", "ping"}
	requiredFiles := []string{charonPath, starterPath,
		filepath.Join(pluginDir, "libstrongswan-kernel-libipsec.so"),
		filepath.Join(pluginDir, "libstrongswan-stroke.so"),
		filepath.Join(pluginDir, "libstrongswan-vici.so"),
		filepath.Join(pluginDir, "libstrongswan-openssl.so"),
		"/dev/net/tun"}
	var problems []string
	if euid != 0 {
		problems = append(problems, "must run as root (network namespaces, veth pairs, mounts)")
	}
	for _, prog := range requiredPrograms {
		if _, err := lookPath(prog); err != nil {
			problems = append(problems, "program "+prog+" not found")
		}
	}
	for _, f := range requiredFiles {
		if err := stat(f); err != nil {
			problems = append(problems, f+" not found")
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("tunnel tests cannot run: %s; %s", strings.Join(problems, "; "), InstallHint)
}

// Dir is the lab's working directory (removed by the cleanup).
func (l *Lab) Dir() string { return l.dir }

// Prefix is the name prefix shared by every namespace of this lab ("vpcvpn-<pid>-<token>").
func (l *Lab) Prefix() string { return l.prefix }

var sideNameRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)

// documentation ranges: the only addresses a lab may configure.
var docPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// IsDocumentationAddr reports whether a is inside one of the documentation ranges the lab accepts
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
func IsDocumentationAddr(a netip.Addr) bool {
	for _, p := range docPrefixes {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// AddSide creates a network namespace named after the lab and name, brings its loopback up and puts each inner
// address on the loopback as a host address (/32 or /128). name must match [a-z][a-z0-9]{0,11}, be unique in the
// lab, and every inner address must be a documentation address. Failures are fatal.
func (l *Lab) AddSide(name string, inner ...netip.Addr) *Side {
	l.t.Helper()
	if !sideNameRE.MatchString(name) {
		l.t.Fatalf("tunneltest: side name %q must match %s", name, sideNameRE)
	}
	for _, s := range l.sides {
		if s.name == name {
			l.t.Fatalf("tunneltest: side %q already exists", name)
		}
	}
	for _, a := range inner {
		if err := l.checkAddr(a); err != nil {
			l.t.Fatalf("tunneltest: inner address of side %q: %v", name, err)
		}
	}
	s := &Side{lab: l, name: name, ns: l.prefix + "-" + name, dir: filepath.Join(l.dir, name),
		inner: append([]netip.Addr(nil), inner...)}
	if err := os.MkdirAll(filepath.Join(s.dir, "run"), 0o700); err != nil {
		l.t.Fatalf("tunneltest: %v", err)
	}
	// Register before creating so that a failure half-way is still cleaned up.
	l.mu.Lock()
	l.sides = append(l.sides, s)
	l.mu.Unlock()
	l.mustRun("ip", "netns", "add", s.ns)
	if !l.opts.IPv6 {
		l.mustRun("ip", "netns", "exec", s.ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
			"net.ipv6.conf.default.disable_ipv6=1")
	}
	l.mustRun("ip", "-n", s.ns, "link", "set", "lo", "up")
	for _, a := range inner {
		l.mustRun("ip", "-n", s.ns, "addr", "add", netip.PrefixFrom(a, a.BitLen()).String(), "dev", "lo")
	}
	return s
}

// Endpoint is one end of a Link: the side, the interface name inside the side's namespace and its address.
type Endpoint struct {
	Side   *Side
	Iface  string
	Prefix netip.Prefix
}

// Addr is the endpoint's address (without the prefix length).
func (e Endpoint) Addr() netip.Addr { return e.Prefix.Addr() }

// Link is a veth pair between two sides.
type Link struct {
	A, B Endpoint
}

// Connect joins sides a and b with a veth pair, assigns aAddr to a's end and bAddr to b's end and brings both up.
// The ends are named eth0, eth1, ... in the order of Connect calls on each side and are created directly inside
// the namespaces (nothing appears in the host namespace). Both prefixes must be documentation addresses; no
// default route is added. Failures are fatal.
func (l *Lab) Connect(a *Side, aAddr netip.Prefix, b *Side, bAddr netip.Prefix) *Link {
	l.t.Helper()
	if a == b || a.lab != l || b.lab != l {
		l.t.Fatalf("tunneltest: Connect needs two different sides of this lab")
	}
	for _, p := range []netip.Prefix{aAddr, bAddr} {
		if !p.IsValid() {
			l.t.Fatalf("tunneltest: invalid link prefix")
		}
		if err := l.checkAddr(p.Addr()); err != nil {
			l.t.Fatalf("tunneltest: link address: %v", err)
		}
	}
	ea := Endpoint{Side: a, Iface: a.nextIface(), Prefix: aAddr}
	eb := Endpoint{Side: b, Iface: b.nextIface(), Prefix: bAddr}
	l.mustRun("ip", "-n", a.ns, "link", "add", ea.Iface, "type", "veth", "peer", "name", eb.Iface, "netns", b.ns)
	for _, e := range []Endpoint{ea, eb} {
		l.mustRun("ip", "-n", e.Side.ns, "addr", "add", e.Prefix.String(), "dev", e.Iface)
		l.mustRun("ip", "-n", e.Side.ns, "link", "set", e.Iface, "up")
	}
	return &Link{A: ea, B: eb}
}

// checkAddr enforces the address rules: documentation ranges only, IPv6 only with Options.IPv6.
func (l *Lab) checkAddr(a netip.Addr) error {
	if !IsDocumentationAddr(a) {
		return fmt.Errorf("%s is not a documentation address (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, "+
			"2001:db8::/32)", a)
	}
	if a.Unmap().Is6() && !l.opts.IPv6 {
		return fmt.Errorf("%s is IPv6 but Options.IPv6 is false", a)
	}
	return nil
}

var pingRE = regexp.MustCompile(`(\d+) packets transmitted, (\d+) (?:packets )?received`)

// Ping sends count ICMP echo requests from src to dst inside side from, 0.2 s apart, and returns how many were
// answered within 0.2*count + 3 seconds. err is nil only when at least count were answered; it carries ping's
// output. With a deadline ping keeps sending until count replies arrived, so a slow reply can make it send (and
// receive) one or two more than count. Safe for concurrent use.
func (l *Lab) Ping(from *Side, src, dst netip.Addr, count int) (received int, err error) {
	return l.PingWithin(from, src, dst, count, time.Duration(count)*200*time.Millisecond+3*time.Second)
}

// PingWithin is Ping with an explicit deadline (rounded up to whole seconds) for all replies; use a short one
// when no answer is expected. It uses ping -w (a deadline) rather than ping -W, whose wait after the last request
// shrinks to two round-trip times once replies arrive and so loses late replies on a loaded machine.
func (l *Lab) PingWithin(from *Side, src, dst netip.Addr, count int, deadline time.Duration) (received int,
	err error) {
	if count < 1 {
		return 0, errors.New("tunneltest: Ping count must be at least 1")
	}
	secs := int((deadline + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	out, runErr := l.run(context.Background(), "ip", "netns", "exec", from.ns, "ping", "-n",
		"-c", strconv.Itoa(count), "-i", "0.2", "-w", strconv.Itoa(secs), "-I", src.String(), dst.String())
	m := pingRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("tunneltest: ping %s -> %s in %s: %v\n%s", src, dst, from.name, runErr, out)
	}
	received, _ = strconv.Atoi(m[2])
	if received < count {
		return received, fmt.Errorf("tunneltest: ping %s -> %s in %s: %d of %d answered\n%s",
			src, dst, from.name, received, count, out)
	}
	return received, nil
}

// Establish initiates CHILD_SA config child on initiator and waits until it is INSTALLED there and the
// responder's CHILD_SA responderChild is INSTALLED too. Waiting for the responder matters for IKEv1: it installs
// its SAs only when Quick Mode message 3 arrives, after the initiator already reported success, so traffic sent
// at once would be dropped. Errors carry charon's log of the attempt (*InitiateError) or the SAs seen.
func (l *Lab) Establish(initiator *Side, child string, responder *Side, responderChild string,
	timeout time.Duration) error {
	start := time.Now()
	if err := initiator.Initiate(child, timeout); err != nil {
		return err
	}
	rest := timeout - time.Since(start)
	if rest < time.Second {
		rest = time.Second
	}
	_, _, err := responder.WaitInstalled(responderChild, rest)
	return err
}

// run executes one command with the lab's timeout, records it and its combined output in the transcript and
// returns the output. The error includes the command line and the output.
func (l *Lab) run(ctx context.Context, name string, args ...string) (string, error) {
	return l.runEnv(ctx, nil, name, args...)
}

func (l *Lab) runEnv(ctx context.Context, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.opts.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	start := time.Now()
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	line := strings.Join(append([]string{name}, args...), " ")
	status := "ok"
	if err != nil {
		status = err.Error()
	}
	l.logf("$ %s  [%s, %v]\n%s", line, status, time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		return out, fmt.Errorf("%s: %w\n%s", line, err, out)
	}
	return out, nil
}

func (l *Lab) mustRun(name string, args ...string) string {
	l.t.Helper()
	out, err := l.run(context.Background(), name, args...)
	if err != nil {
		l.t.Fatalf("tunneltest: %v", err)
	}
	return out
}

// logf appends to the transcript; safe for concurrent use.
func (l *Lab) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.transcript, "%s ", time.Now().Format("15:04:05.000"))
	fmt.Fprintf(&l.transcript, format, args...)
	if !bytes.HasSuffix(l.transcript.Bytes(), []byte("\n")) {
		l.transcript.WriteByte('\n')
	}
}

// Transcript returns every command the lab ran so far with its output; safe for concurrent use.
func (l *Lab) Transcript() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.transcript.String()
}

// teardown stops captures and daemons (by pid), deletes the namespaces (by name), removes the directory and,
// when the test failed, logs the transcript and the daemons' logs.
func (l *Lab) teardown() {
	l.mu.Lock()
	captures := append([]*Capture(nil), l.captures...)
	sides := append([]*Side(nil), l.sides...)
	l.mu.Unlock()
	for _, c := range captures {
		c.stopProcess()
	}
	// Signal every daemon first, then wait: their shutdowns (about 0.5 s each) overlap.
	for _, s := range sides {
		s.signalDaemon(syscall.SIGTERM)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, s := range sides {
		s.waitDaemon(syscall.SIGTERM, deadline)
	}
	for _, s := range sides {
		s.stopFRR(deadline)
	}
	var problems []string
	for _, s := range sides {
		// Any process still inside the namespace was started by this lab (daemon helpers, captures).
		if out, err := l.run(context.Background(), "ip", "netns", "pids", s.ns); err == nil {
			for _, f := range strings.Fields(out) {
				if pid, err := strconv.Atoi(f); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		if _, err := l.run(context.Background(), "ip", "netns", "del", s.ns); err != nil &&
			fileExists(filepath.Join("/run/netns", s.ns)) {
			problems = append(problems, err.Error())
		}
	}
	if l.t.Failed() || len(problems) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "tunneltest transcript of lab %s:\n%s", l.prefix, l.Transcript())
		for _, s := range sides {
			fmt.Fprintf(&b, "\n----- side %s (%s) charon log -----\n%s", s.name, s.ns, s.Log())
			if out := readFileString(filepath.Join(s.dir, "daemon.out")); out != "" {
				fmt.Fprintf(&b, "\n----- side %s daemon stdout/stderr -----\n%s", s.name, out)
			}
			if len(s.frr) > 0 {
				fmt.Fprintf(&b, "\n%s", s.FRRLogs())
			}
		}
		l.t.Log(b.String())
	}
	if len(problems) > 0 {
		l.t.Errorf("tunneltest: cleanup of lab %s failed: %s", l.prefix, strings.Join(problems, "; "))
	}
	_ = os.RemoveAll(l.dir)
}

var staleRE = regexp.MustCompile(`^` + nsPrefix + `(\d+)-[0-9a-f]{6}-[a-z0-9]+$`)

// sweepStale deletes namespaces (and kills the processes inside them) and working directories left by earlier
// test processes that no longer exist. Names carry the creator's pid, so live runs are never touched.
func (l *Lab) sweepStale() {
	out, err := l.run(context.Background(), "ip", "netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		name := fields[0]
		m := staleRE.FindStringSubmatch(name)
		if m == nil || pidAlive(m[1]) {
			continue
		}
		if pids, err := l.run(context.Background(), "ip", "netns", "pids", name); err == nil {
			for _, f := range strings.Fields(pids) {
				if pid, err := strconv.Atoi(f); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		_, _ = l.run(context.Background(), "ip", "netns", "del", name)
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), nsPrefix+"*"))
	dirRE := regexp.MustCompile(`^` + nsPrefix + `(\d+)-[0-9a-f]{6}-\d+$`)
	for _, d := range dirs {
		if m := dirRE.FindStringSubmatch(filepath.Base(d)); m != nil && !pidAlive(m[1]) {
			_ = os.RemoveAll(d)
		}
	}
}

func pidAlive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return true // not ours to judge
	}
	return fileExists(fmt.Sprintf("/proc/%d", n))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func readFileString(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}
