package realproxy

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/toxics"
)

// A listener belongs to the process that holds it (and that process's
// ancestors' view of it), not to an unrelated process.
func TestListenerOwned(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	owned, known := listenerOwned(l.Addr().String(), os.Getpid())
	if !known {
		t.Skip("no /proc/net/tcp here")
	}
	if !owned {
		t.Errorf("our own listener on %s: not owned by pid %d", l.Addr(), os.Getpid())
	}
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	if owned, _ := listenerOwned(l.Addr().String(), other.Process.Pid); owned {
		t.Errorf("our listener on %s: owned by an unrelated process %d", l.Addr(), other.Process.Pid)
	}
}

// A proxy asked for a port another process listens on fails instead of
// letting its clients reach the other process.
func TestStartOnATakenPort(t *testing.T) {
	Require(t, toxics.NginxDefault)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	px, err := Start(toxics.NginxDefault, Options{Upstream: "127.0.0.1:1", Listen: l.Addr().String()})
	if err == nil {
		px.Close()
		t.Fatalf("Start on %s, which this test listens on, succeeded", l.Addr())
	}
	t.Logf("refused: %v", err)
	if !strings.Contains(err.Error(), "another process listens on") && !portTaken(err) {
		t.Errorf("err = %v, want it to say the port is taken", err)
	}
}
