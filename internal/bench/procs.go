package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/loopback"
)

// proc is a server, tunnel or recorder the driver runs as its own process,
// so that each is measured with its own Go runtime, as a user runs it.
type proc struct {
	name   string
	addr   string // where it listens, 127.0.0.1:PORT
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{} // closed when the process has exited
}

// start runs bin with args, where "{addr}" in an argument is replaced by a
// free loopback address, and waits until that address accepts connections.
// Its output goes to a log file in dir (kept for a post-mortem).
func start(ctx context.Context, dir, name, bin string, args ...string) (*proc, error) {
	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{addr}", addr)
	}
	log, err := os.Create(fmt.Sprintf("%s/%s.log", dir, name))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, addr: addr, cmd: cmd, log: log, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited before listening on %s (log: %s)", name, addr, log.Name())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not listen on %s within 30 s (log: %s)", name, addr, log.Name())
		}
	}
}

// URL is the process's base URL.
func (p *proc) URL() string { return "http://" + p.addr }

// stop ends the process group and waits briefly for it.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
	p.log.Close()
}

// rss is the process's resident set size in bytes (VmRSS).
func (p *proc) rss() (uint64, error) { return rssOf(p.cmd.Process.Pid) }

func rssOf(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// fds is the number of open file descriptors of the process.
func (p *proc) fds() int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	return len(ents)
}

// raiseFDLimit lifts the soft open-file limit to the hard one, for the
// driver and the processes it starts (they inherit it).
func raiseFDLimit() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	l.Cur = l.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Cur
}
