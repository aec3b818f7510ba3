package tunneltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Side is one network namespace of a Lab, optionally running one charon.
type Side struct {
	lab    *Lab
	name   string
	ns     string
	dir    string
	inner  []netip.Addr
	ifaces int
	d      *daemon   // nil when no daemon runs
	frr    []*daemon // FRR's zebra and bgpd, when started
	// plugins replaces basePlugins in the side's strongswan.conf when set
	// (SetPlugins).
	plugins string
}

// daemon is a started charon (swanctl mode) or starter+charon (ipsec.conf mode).
type daemon struct {
	kind string // "swanctl" or "ipsec"
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
	err  error         // cmd.Wait's result, valid after done
}

// Name is the side's name as given to AddSide.
func (s *Side) Name() string { return s.name }

// Namespace is the side's network namespace name.
func (s *Side) Namespace() string { return s.ns }

// Dir is the side's working directory: strongswan.conf, swanctl.conf or ipsec.conf, charon.log, the vici socket.
func (s *Side) Dir() string { return s.dir }

// Inner returns the inner addresses placed on the side's loopback.
func (s *Side) Inner() []netip.Addr { return append([]netip.Addr(nil), s.inner...) }

// ViciSocket is the path of the side's vici socket (valid while a daemon runs).
func (s *Side) ViciSocket() string { return filepath.Join(s.dir, "charon.vici") }

func (s *Side) nextIface() string {
	n := s.ifaces
	s.ifaces++
	return "eth" + strconv.Itoa(n)
}

// Log returns the charon log written so far (file logger, default level 1, ike/cfg level 2); safe for concurrent
// use.
func (s *Side) Log() string { return readFileString(filepath.Join(s.dir, "charon.log")) }

// Plugins charon loads (load_modular = no). openssl brings 3DES, the ECP groups and everything aes/sha do not;
// stroke is added for ipsec.conf mode only.
const basePlugins = "random nonce openssl aes sha1 sha2 md5 gcm hmac gmp kdf drbg pem pkcs1 pubkey x509 " +
	"kernel-libipsec kernel-netlink socket-default vici"

// strongswanConf is the harness-owned strongswan.conf of one side.
func (s *Side) strongswanConf(withStroke bool) string {
	plugins := basePlugins
	if s.plugins != "" {
		plugins = s.plugins
	}
	if withStroke {
		plugins += " stroke"
	}
	return fmt.Sprintf(`# Written by internal/tunneltest for side %[1]s (namespace %[2]s).
charon {
	load_modular = no
	load = %[3]s
	filelog {
		tunneltest {
			path = %[4]s/charon.log
			time_format = %%H:%%M:%%S
			ike_name = yes
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://%[4]s/charon.vici
		}
		stroke {
			secrets_file = %[4]s/ipsec.secrets
		}
	}
%[5]s
}
starter {
	config_file = %[4]s/ipsec.conf
	load = random nonce openssl
}
swanctl {
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey
}
`, s.name, s.ns, plugins, s.dir, s.lab.opts.CharonSettings)
}

// StartSwanctl writes the harness's strongswan.conf and the given swanctl.conf text into the side's directory,
// starts charon inside the side (network namespace + private mount namespace with /run bound to the side's
// directory), waits for its vici socket and loads the configuration with `swanctl --load-all`. Any failure,
// including swanctl rejecting the text, is fatal and carries swanctl's output. A daemon must not be running.
func (s *Side) StartSwanctl(swanctlConf string) {
	t := s.lab.t
	t.Helper()
	// swanctl --file loads credentials from these directories next to the file; empty ones keep its output clean.
	for _, d := range []string{"x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey", "private",
		"rsa", "ecdsa", "bliss", "pkcs8", "pkcs12"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o700); err != nil {
			t.Fatalf("tunneltest: %v", err)
		}
	}
	s.writeFile("swanctl.conf", swanctlConf)
	s.startDaemon("swanctl", false, charonPath)
	if _, err := s.swanctl("--load-all", "--file", filepath.Join(s.dir, "swanctl.conf")); err != nil {
		t.Fatalf("tunneltest: side %s: loading swanctl.conf: %v", s.name, err)
	}
}

// StartCharon starts charon inside the side (as StartSwanctl does) with no connection loaded: a process that
// reaches the side's VICI socket (ViciSocket, a file) loads them, e.g. the gateway agent. It can be called again
// after Kill or Stop. Failures are fatal.
func (s *Side) StartCharon() {
	s.lab.t.Helper()
	s.startDaemon("swanctl", false, charonPath)
}

// SetPlugins makes the side's next charon load exactly these plugins (a space-separated list for
// strongswan.conf's load, which must include vici, kernel-libipsec, kernel-netlink and socket-default), e.g. to
// run a charon that lacks an algorithm. The default is BasePlugins.
func (s *Side) SetPlugins(plugins string) { s.plugins = plugins }

// BasePlugins is the plugin list every side's charon loads unless SetPlugins replaced it.
const BasePlugins = basePlugins

// LoadSwanctl replaces the running daemon's configuration with new swanctl.conf text (`swanctl --load-all`).
// Failures are returned, not fatal, so tests can assert that swanctl rejects a text.
func (s *Side) LoadSwanctl(swanctlConf string) error {
	s.writeFile("swanctl.conf", swanctlConf)
	_, err := s.swanctl("--load-all", "--file", filepath.Join(s.dir, "swanctl.conf"))
	return err
}

// StartIpsecConf writes the harness's strongswan.conf, the given ipsec.conf and ipsec.secrets texts and runs
// strongSwan's starter (`starter --nofork --conf <dir>/ipsec.conf`, which parses ipsec.conf and starts charon;
// charon's stroke plugin reads ipsec.secrets) inside the side, exactly as `ipsec start` would but with the side's
// own paths. It waits until every conn whose auto= is add, route or start is loaded. Failures are fatal.
// Connections can then be driven through vici (Initiate, ListSAs) or the `ipsec` tool via Run.
func (s *Side) StartIpsecConf(ipsecConf, ipsecSecrets string) {
	t := s.lab.t
	t.Helper()
	s.writeFile("ipsec.conf", ipsecConf)
	s.writeFile("ipsec.secrets", ipsecSecrets)
	if err := os.Chmod(filepath.Join(s.dir, "ipsec.secrets"), 0o600); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	s.startDaemon("ipsec", true, starterPath, "--nofork", "--conf", filepath.Join(s.dir, "ipsec.conf"))
	want := loadedConns(ipsecConf)
	deadline := time.Now().Add(s.lab.opts.CommandTimeout)
	for {
		got, err := s.listConns()
		missing := []string{}
		for _, c := range want {
			if !contains(got, c) {
				missing = append(missing, c)
			}
		}
		if err == nil && len(missing) == 0 {
			s.lab.logf("side %s: ipsec.conf connections loaded: %v", s.name, got)
			return
		}
		if time.Now().After(deadline) || s.exited() {
			t.Fatalf("tunneltest: side %s: ipsec.conf connections %v not loaded (have %v, err %v); charon log:\n%s",
				s.name, missing, got, err, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// loadedConns returns the names of the conn sections of an ipsec.conf text that starter loads into charon
// (auto=add, route or start, directly or through conn %default).
func loadedConns(conf string) []string {
	type section struct {
		name string
		auto string
	}
	var secs []section
	cur := -1
	defAuto := "ignore"
	inDefault := false
	for _, raw := range strings.Split(conf, "\n") {
		line := raw
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		indented := line[0] == ' ' || line[0] == '\t'
		fields := strings.Fields(line)
		if !indented {
			cur, inDefault = -1, false
			if len(fields) == 2 && fields[0] == "conn" {
				if fields[1] == "%default" {
					inDefault = true
				} else {
					secs = append(secs, section{name: fields[1]})
					cur = len(secs) - 1
				}
			}
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.TrimSpace(k) != "auto" {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch {
		case inDefault:
			defAuto = v
		case cur >= 0:
			secs[cur].auto = v
		}
	}
	var out []string
	for _, s := range secs {
		a := s.auto
		if a == "" {
			a = defAuto
		}
		if a == "add" || a == "route" || a == "start" {
			out = append(out, s.name)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Side) writeFile(name, text string) {
	if err := os.WriteFile(filepath.Join(s.dir, name), []byte(text), 0o600); err != nil {
		s.lab.t.Fatalf("tunneltest: %v", err)
	}
	s.lab.logf("side %s: wrote %s:\n%s", s.name, name, text)
}

// startDaemon runs argv inside the side's network namespace and a private mount namespace whose /run is the
// side's run directory, with STRONGSWAN_CONF pointing at the side's strongswan.conf, then waits for the vici
// socket to accept connections.
func (s *Side) startDaemon(kind string, withStroke bool, argv ...string) {
	t := s.lab.t
	t.Helper()
	if s.d != nil && !s.exited() {
		t.Fatalf("tunneltest: side %s: a daemon is already running", s.name)
	}
	run := filepath.Join(s.dir, "run")
	// Stale pid files from a killed daemon would stop charon from starting.
	_ = os.RemoveAll(run)
	_ = os.Remove(s.ViciSocket())
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	s.writeFile("strongswan.conf", s.strongswanConf(withStroke))
	out, err := os.OpenFile(filepath.Join(s.dir, "daemon.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	defer out.Close()
	args := append([]string{"netns", "exec", s.ns, "unshare", "--mount", "--propagation", "private",
		"sh", "-c", `mount --bind "$0" /run && exec "$@"`, run}, argv...)
	cmd := exec.Command("ip", args...)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+filepath.Join(s.dir, "strongswan.conf"))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: teardown signals the group (starter and its charon). Pdeathsig: if the test binary
	// dies, the daemon dies with it instead of lingering in a namespace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("tunneltest: side %s: starting %s: %v", s.name, argv[0], err)
	}
	d := &daemon{kind: kind, cmd: cmd, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	s.d = d
	s.lab.logf("side %s: started %s (pid %d): ip %s", s.name, kind, cmd.Process.Pid, strings.Join(args, " "))
	start := time.Now()
	deadline := start.Add(s.lab.opts.CommandTimeout)
	for {
		if c, err := net.Dial("unix", s.ViciSocket()); err == nil {
			c.Close()
			s.lab.logf("side %s: vici socket ready after %v", s.name, time.Since(start).Round(time.Millisecond))
			return
		}
		if s.exited() {
			t.Fatalf("tunneltest: side %s: %s exited before its vici socket appeared: %v\n%s\ncharon log:\n%s",
				s.name, kind, d.err, readFileString(filepath.Join(s.dir, "daemon.out")), s.Log())
		}
		if time.Now().After(deadline) {
			t.Fatalf("tunneltest: side %s: vici socket %s not ready after %v\ncharon log:\n%s",
				s.name, s.ViciSocket(), s.lab.opts.CommandTimeout, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exited reports whether the side's daemon process has exited (true when none was started).
func (s *Side) exited() bool {
	if s.d == nil {
		return true
	}
	select {
	case <-s.d.done:
		return true
	default:
		return false
	}
}

// Running reports whether the side's daemon (charon, or starter in ipsec.conf mode) is running.
func (s *Side) Running() bool { return !s.exited() }

// Stop shuts the daemon down cleanly (SIGTERM: charon deletes its SAs, so the peer learns at once) and waits for
// it, killing it after 5 s. It is a no-op when no daemon runs.
func (s *Side) Stop() { s.stopDaemon(syscall.SIGTERM, 5*time.Second) }

// Kill stops the daemon with SIGKILL (no IKE DELETE: the peer only notices through DPD) and waits for it.
func (s *Side) Kill() { s.stopDaemon(syscall.SIGKILL, 5*time.Second) }

// stopDaemon signals the daemon's process group and waits up to grace before killing it.
func (s *Side) stopDaemon(sig syscall.Signal, grace time.Duration) {
	s.signalDaemon(sig)
	s.waitDaemon(sig, time.Now().Add(grace))
}

// signalDaemon sends sig to the daemon's process group (starter and its charon share it); no-op without daemon.
func (s *Side) signalDaemon(sig syscall.Signal) {
	if s.d == nil || s.exited() {
		return
	}
	_ = syscall.Kill(-s.d.cmd.Process.Pid, sig)
}

// waitDaemon waits for the daemon to exit until deadline, then kills its process group and waits for it.
func (s *Side) waitDaemon(sig syscall.Signal, deadline time.Time) {
	if s.d == nil {
		return
	}
	pid := s.d.cmd.Process.Pid
	select {
	case <-s.d.done:
		return // already reaped and logged, or exited by itself
	default:
	}
	select {
	case <-s.d.done:
	case <-time.After(time.Until(deadline)):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-s.d.done
	}
	s.lab.logf("side %s: %s (pid %d) stopped with %v: %v", s.name, s.d.kind, pid, sig, s.d.err)
}

// swanctl runs swanctl against the side's vici socket (from the host; the socket is a file in the side's
// directory) with the side's strongswan.conf.
func (s *Side) swanctl(args ...string) (string, error) {
	args = append(args, "--uri", "unix://"+s.ViciSocket())
	return s.lab.runEnv(context.Background(), []string{"STRONGSWAN_CONF=" + filepath.Join(s.dir, "strongswan.conf")},
		"swanctl", args...)
}

// Swanctl runs `swanctl <args> --uri <side's vici socket>` and returns its output; e.g.
// side.Swanctl("--list-sas") for a human-readable view to put in a failure message.
func (s *Side) Swanctl(args ...string) (string, error) { return s.swanctl(args...) }

// Run executes a command inside the side's network namespace and, while a daemon runs, inside the daemon's
// private mount namespace too (so `ipsec statusall` finds the side's /run/charon.ctl). It returns the combined
// output; the error carries the command line and the output.
func (s *Side) Run(name string, args ...string) (string, error) {
	env := []string{"STRONGSWAN_CONF=" + filepath.Join(s.dir, "strongswan.conf")}
	if s.d != nil && !s.exited() {
		all := append([]string{"-t", strconv.Itoa(s.d.cmd.Process.Pid), "-m", "-n", "--", name}, args...)
		return s.lab.runEnv(context.Background(), env, "nsenter", all...)
	}
	all := append([]string{"netns", "exec", s.ns, name}, args...)
	return s.lab.runEnv(context.Background(), env, "ip", all...)
}

// errNoDaemon is returned by vici operations on a side without a running daemon.
var errNoDaemon = errors.New("tunneltest: no daemon running on this side")
