package bench

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// BaselineProcess is the Baseline's server in a process of its own (the
// `vpcvpn bench baseline-server` command). The in-process Baseline shares
// the generator's Go runtime, so its answers never cross between processes
// (no wake-up of another process's threads, one scheduler for both ends);
// vpcvpn always runs apart from the generator. Measuring the same minimal
// server as a separate process tells how much of the gap is that.
type BaselineProcess struct {
	cmd      *exec.Cmd
	endpoint string
	body     string // the answer file
	exited   chan error
}

// StartBaselineProcess runs exe (the vpcvpn binary) as
// `exe bench baseline-server` on 127.0.0.1 answering with a, and waits for
// the address it listens on. A non-empty cpus ("1", "2-3") runs it under
// `taskset -c cpus`, to pin it as the server under test is pinned.
func StartBaselineProcess(exe, cpus string, a Answer) (*BaselineProcess, error) {
	f, err := os.CreateTemp("", "vpcvpn-baseline-*.body")
	if err != nil {
		return nil, fmt.Errorf("baseline process: %w", err)
	}
	_, werr := f.Write(a.Body)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("baseline process: write the answer: %w", err)
	}
	args := []string{exe, "bench", "baseline-server", "--listen", "127.0.0.1:0", "--body-file", f.Name(),
		"--content-type", a.Header.Get("Content-Type"), "--request-id", a.Header.Get("X-Acs-Request-Id")}
	if cpus != "" {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			os.Remove(f.Name())
			return nil, fmt.Errorf("baseline process: pinning to CPUs %s needs taskset (util-linux): %w", cpus, err)
		}
		args = append([]string{taskset, "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("baseline process: start %s: %w", exe, err)
	}
	p := &BaselineProcess{cmd: cmd, body: f.Name(), exited: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() { // keep the pipe drained
		}
	}()
	go func() { p.exited <- cmd.Wait() }()
	select {
	case line, ok := <-lines:
		addr, found := strings.CutPrefix(line, "listening on ")
		if !ok || !found {
			p.Close()
			return nil, fmt.Errorf("baseline process: unexpected first line %q", line)
		}
		p.endpoint = addr
		return p, nil
	case <-time.After(10 * time.Second):
		p.Close()
		return nil, errors.New("baseline process: no address after 10 s")
	}
}

// Endpoint is the host:port the process listens on.
func (p *BaselineProcess) Endpoint() string { return p.endpoint }

// PID is the process's id (for its CPU time).
func (p *BaselineProcess) PID() int { return p.cmd.Process.Pid }

// Close stops the process and removes its answer file.
func (p *BaselineProcess) Close() error {
	_ = p.cmd.Process.Kill()
	<-p.exited
	return os.Remove(p.body)
}
