package tunneltest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// FRR in a side, as /work/shared/spec/TUNNEL-TESTS.md measured it: zebra and bgpd run in the side's network
// namespace with every socket, pid file and log in a per-side directory owned by user frr (the daemons drop to it),
// no TCP vty port (-P 0), and the configuration applied as Debian's frrinit.sh applies /etc/frr/frr.conf: by vtysh
// reading the integrated configuration file (-f), here against the side's vty sockets.

// Paths of FRR's programs (Debian 12 package frr).
const (
	frrDaemonDir = "/usr/lib/frr"
	vtyshPath    = "/usr/bin/vtysh"
)

// CheckFRR reports why FRR cannot run in a lab here (a program missing, no user frr), or nil. The error names
// scripts/install-test-deps.sh.
func CheckFRR() error {
	var problems []string
	for _, p := range []string{filepath.Join(frrDaemonDir, "zebra"), filepath.Join(frrDaemonDir, "bgpd"), vtyshPath} {
		if _, err := os.Stat(p); err != nil {
			problems = append(problems, p+" not found")
		}
	}
	if _, err := user.Lookup("frr"); err != nil {
		problems = append(problems, "no user frr")
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("FRR cannot run: %s; %s", strings.Join(problems, "; "), InstallHint)
}

// FRRDir is the side's FRR directory: vty sockets, zserv socket, pid files, zebra.log and bgpd.log.
func (s *Side) FRRDir() string { return filepath.Join(s.dir, "frr") }

// StartFRR starts zebra, then bgpd, in the side's network namespace and applies conf, the text of an integrated
// frr.conf, with `vtysh -f`. It waits for each daemon's vty socket; any failure (a daemon exiting, a configuration
// line vtysh rejects) is fatal and carries the daemons' logs. FRR must not be running on the side yet. The lab's
// cleanup stops the daemons.
func (s *Side) StartFRR(conf string) {
	t := s.lab.t
	t.Helper()
	if err := CheckFRR(); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	if len(s.frr) > 0 {
		t.Fatalf("tunneltest: side %s: FRR is already running", s.name)
	}
	u, err := user.Lookup("frr")
	if err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	d := s.FRRDir()
	if err := os.MkdirAll(d, 0o750); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	// The daemons run as frr: they must reach their directory through the lab's (root-owned, 0700) directories.
	// Traverse permission only: the files there stay 0600 root.
	for _, p := range []string{s.lab.dir, s.dir} {
		if err := os.Chmod(p, 0o711); err != nil {
			t.Fatalf("tunneltest: %v", err)
		}
	}
	for _, name := range []string{"zebra.conf", "bgpd.conf"} { // empty: the configuration comes through vtysh
		if err := os.WriteFile(filepath.Join(d, name), nil, 0o640); err != nil {
			t.Fatalf("tunneltest: %v", err)
		}
	}
	if err := filepath.Walk(d, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	}); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	for _, daemon := range []string{"zebra", "bgpd"} {
		s.startFRRDaemon(daemon)
	}
	s.writeFile("frr.conf", conf)
	confPath := filepath.Join(s.dir, "frr.conf")
	if err := os.Chmod(confPath, 0o644); err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	out, err := s.lab.run(context.Background(), vtyshPath, "--vty_socket", d, "-f", confPath)
	if err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("tunneltest: side %s: vtysh -f frr.conf: %v\n%s\n%s", s.name, err, out, s.FRRLogs())
	}
	s.lab.logf("side %s: FRR configured", s.name)
}

// startFRRDaemon runs one FRR daemon (zebra or bgpd) in the foreground inside the side's namespace, in its own
// process group, and waits for its vty socket.
func (s *Side) startFRRDaemon(name string) {
	t := s.lab.t
	t.Helper()
	d := s.FRRDir()
	args := []string{"netns", "exec", s.ns, filepath.Join(frrDaemonDir, name),
		"-f", filepath.Join(d, name+".conf"), "-i", filepath.Join(d, name+".pid"), "-z", filepath.Join(d, "zserv.api"),
		"--vty_socket", d, "-P", "0", "--log", "file:" + filepath.Join(d, name+".log")}
	out, err := os.OpenFile(filepath.Join(s.dir, "frr.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("tunneltest: %v", err)
	}
	defer out.Close()
	cmd := exec.Command("ip", args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("tunneltest: side %s: starting %s: %v", s.name, name, err)
	}
	dm := &daemon{kind: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		dm.err = cmd.Wait()
		close(dm.done)
	}()
	s.frr = append(s.frr, dm)
	s.lab.logf("side %s: started %s (pid %d): ip %s", s.name, name, cmd.Process.Pid, strings.Join(args, " "))
	sock := filepath.Join(d, name+".vty")
	deadline := time.Now().Add(s.lab.opts.CommandTimeout)
	for {
		if _, err := os.Stat(sock); err == nil {
			return
		}
		select {
		case <-dm.done:
			t.Fatalf("tunneltest: side %s: %s exited: %v\n%s\n%s", s.name, name, dm.err,
				readFileString(filepath.Join(s.dir, "frr.out")), s.FRRLogs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tunneltest: side %s: %s vty socket not ready after %v\n%s", s.name, name, s.lab.opts.CommandTimeout, s.FRRLogs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stopFRR signals the side's FRR daemons (SIGTERM) and waits for them until deadline, then kills them.
func (s *Side) stopFRR(deadline time.Time) {
	for _, d := range s.frr {
		select {
		case <-d.done:
		default:
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
		}
	}
	for _, d := range s.frr {
		select {
		case <-d.done:
		case <-time.After(time.Until(deadline)):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
		s.lab.logf("side %s: %s (pid %d) stopped: %v", s.name, d.kind, d.cmd.Process.Pid, d.err)
	}
}

// FRRLogs returns zebra's and bgpd's logs so far; safe for concurrent use.
func (s *Side) FRRLogs() string {
	var b strings.Builder
	for _, name := range []string{"zebra", "bgpd"} {
		fmt.Fprintf(&b, "----- side %s %s.log -----\n%s", s.name, name, readFileString(filepath.Join(s.FRRDir(), name+".log")))
	}
	return b.String()
}

// Vtysh runs one vtysh command against the side's FRR and returns its output.
func (s *Side) Vtysh(command string) (string, error) {
	if len(s.frr) == 0 {
		return "", errors.New("tunneltest: FRR is not running on side " + s.name)
	}
	return s.lab.run(context.Background(), vtyshPath, "--vty_socket", s.FRRDir(), "-c", command)
}

// BGPNeighbor is one neighbour of the side's bgpd (vtysh "show bgp neighbors <addr> json").
type BGPNeighbor struct {
	Address  netip.Addr
	RemoteAS uint32
	LocalAS  uint32
	State    string // Idle, Connect, Active, OpenSent, OpenConfirm, Established
	// PrefixesReceived counts the IPv4 unicast prefixes accepted from the neighbour.
	PrefixesReceived int
	// LastNotification is bgpd's description of the last NOTIFICATION sent or received (e.g. "OPEN Message
	// Error/Bad Peer AS"), "" when there was none.
	LastNotification string
	// LastReset is bgpd's reason for the last reset of the session, "" when there was none.
	LastReset string
}

// BGPNeighbor returns the state of the side's BGP neighbour addr.
func (s *Side) BGPNeighbor(addr netip.Addr) (BGPNeighbor, error) {
	out, err := s.Vtysh("show bgp neighbors " + addr.String() + " json")
	if err != nil {
		return BGPNeighbor{}, err
	}
	return parseBGPNeighbor(addr, []byte(out))
}

func parseBGPNeighbor(addr netip.Addr, data []byte) (BGPNeighbor, error) {
	var all map[string]struct {
		RemoteAS         uint32 `json:"remoteAs"`
		LocalAS          uint32 `json:"localAs"`
		State            string `json:"bgpState"`
		LastNotification string `json:"lastNotificationReason"`
		LastReset        string `json:"lastResetDueTo"`
		AddressFamily    map[string]struct {
			Accepted int `json:"acceptedPrefixCounter"`
		} `json:"addressFamilyInfo"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return BGPNeighbor{}, fmt.Errorf("tunneltest: show bgp neighbors %s json: %v\n%s", addr, err, data)
	}
	n, ok := all[addr.String()]
	if !ok {
		return BGPNeighbor{}, fmt.Errorf("tunneltest: bgpd has no neighbour %s:\n%s", addr, data)
	}
	return BGPNeighbor{Address: addr, RemoteAS: n.RemoteAS, LocalAS: n.LocalAS, State: n.State,
		PrefixesReceived: n.AddressFamily["ipv4Unicast"].Accepted, LastNotification: n.LastNotification, LastReset: n.LastReset}, nil
}

// WaitBGP polls the neighbour addr until ok accepts its state or timeout passes; the error carries the last
// state seen and bgpd's log.
func (s *Side) WaitBGP(addr netip.Addr, timeout time.Duration, ok func(BGPNeighbor) bool) (BGPNeighbor, error) {
	n, err := poll(timeout, func() (BGPNeighbor, error) { return s.BGPNeighbor(addr) }, ok)
	if err != nil {
		return n, fmt.Errorf("tunneltest: side %s: BGP neighbour %s not as wanted after %v: %+v (%v)\n%s",
			s.name, addr, timeout, n, err, s.FRRLogs())
	}
	return n, nil
}

// poll calls get every 200 ms until ok accepts its value or timeout passes; the error is get's last error, or
// errNotYet when its value was never accepted.
func poll[T any](timeout time.Duration, get func() (T, error), ok func(T) bool) (T, error) {
	deadline := time.Now().Add(timeout)
	for {
		v, err := get()
		if err == nil && ok(v) {
			return v, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errNotYet
			}
			return v, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var errNotYet = errors.New("not as wanted yet")

// BGPPath is one path of a prefix in the side's BGP table (vtysh "show bgp ipv4 unicast <prefix> json").
type BGPPath struct {
	Peer      netip.Addr // the neighbour it was learned from; invalid for a local route
	NextHop   netip.Addr
	ASPath    string // e.g. "45104" or "65010 65010 65010"
	LocalPref int
	Best      bool
	Valid     bool
}

// BGPPaths returns the paths of prefix in the side's BGP table (none when bgpd has no such prefix).
func (s *Side) BGPPaths(prefix netip.Prefix) ([]BGPPath, error) {
	out, err := s.Vtysh("show bgp ipv4 unicast " + prefix.String() + " json")
	if err != nil {
		return nil, err
	}
	return parseBGPPaths([]byte(out))
}

func parseBGPPaths(data []byte) ([]BGPPath, error) {
	var r struct {
		Paths []struct {
			ASPath struct {
				String string `json:"string"`
			} `json:"aspath"`
			LocalPref int  `json:"locPrf"`
			Valid     bool `json:"valid"`
			BestPath  *struct {
				Overall bool `json:"overall"`
			} `json:"bestpath"`
			Peer struct {
				PeerID string `json:"peerId"`
			} `json:"peer"`
			NextHops []struct {
				IP string `json:"ip"`
			} `json:"nexthops"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("tunneltest: show bgp ipv4 unicast json: %v\n%s", err, data)
	}
	var out []BGPPath
	for _, p := range r.Paths {
		bp := BGPPath{ASPath: p.ASPath.String, LocalPref: p.LocalPref, Valid: p.Valid, Best: p.BestPath != nil && p.BestPath.Overall}
		bp.Peer, _ = netip.ParseAddr(p.Peer.PeerID)
		if len(p.NextHops) > 0 {
			bp.NextHop, _ = netip.ParseAddr(p.NextHops[0].IP)
		}
		out = append(out, bp)
	}
	return out, nil
}

// WaitBGPPaths polls the paths of prefix until ok accepts them or timeout passes.
func (s *Side) WaitBGPPaths(prefix netip.Prefix, timeout time.Duration, ok func([]BGPPath) bool) ([]BGPPath, error) {
	ps, err := poll(timeout, func() ([]BGPPath, error) { return s.BGPPaths(prefix) }, ok)
	if err != nil {
		return ps, fmt.Errorf("tunneltest: side %s: paths of %s not as wanted after %v: %+v (%v)\n%s", s.name, prefix, timeout, ps, err, s.FRRLogs())
	}
	return ps, nil
}

// linkLocal is the only range the BGP set-up commands may touch.
var linkLocal = netip.MustParsePrefix("169.254.0.0/16")

// RunSetup runs the host set-up commands of a rendered configuration (render.SetupCommands) inside the side's
// network namespace, in order. Only the two forms the renderer prints are accepted, with link-local (169.254.0.0/16)
// addresses: "ip addr add A/32 dev lo" and "ip route add A/32 dev lo src B"; anything else is refused before any
// command runs. Failures are fatal.
func (s *Side) RunSetup(commands []string) {
	t := s.lab.t
	t.Helper()
	for _, c := range commands {
		if err := checkSetup(c); err != nil {
			t.Fatalf("tunneltest: side %s: %v", s.name, err)
		}
	}
	for _, c := range commands {
		f := strings.Fields(c)
		if _, err := s.lab.run(context.Background(), "ip", append([]string{"-n", s.ns}, f[1:]...)...); err != nil {
			t.Fatalf("tunneltest: side %s: set-up command %q: %v", s.name, c, err)
		}
	}
}

func checkSetup(c string) error {
	f := strings.Fields(c)
	ll := func(s string, bits int) bool {
		if bits >= 0 {
			p, err := netip.ParsePrefix(s)
			return err == nil && p.Bits() == bits && linkLocal.Contains(p.Addr())
		}
		a, err := netip.ParseAddr(s)
		return err == nil && linkLocal.Contains(a)
	}
	switch {
	case len(f) == 6 && f[0] == "ip" && f[1] == "addr" && f[2] == "add" && ll(f[3], 32) && f[4] == "dev" && f[5] == "lo":
		return nil
	case len(f) == 8 && f[0] == "ip" && f[1] == "route" && f[2] == "add" && ll(f[3], 32) && f[4] == "dev" && f[5] == "lo" &&
		f[6] == "src" && ll(f[7], -1):
		return nil
	}
	return fmt.Errorf("set-up command %q is not one the lab runs (ip addr add 169.254.x.x/32 dev lo, ip route add 169.254.x.x/32 dev lo src 169.254.x.x)", c)
}
