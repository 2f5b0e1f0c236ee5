package realproxy

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// listenerOwned reports whether the socket listening on addr (127.0.0.1:PORT)
// is held by process pid or one of its descendants. A free port is only
// free when it is picked: another proxy started at the same moment (the
// matrix starts several, and test packages run side by side) can bind it
// first, and then a connection to addr reaches that proxy and its server,
// not ours. known is false where /proc cannot say (not Linux): the caller
// then trusts the connection.
func listenerOwned(addr string, pid int) (owned, known bool) {
	inode, ok := listeningInode(addr)
	if !ok {
		return false, false
	}
	holders, ok := socketHolders(inode)
	if !ok {
		return false, false
	}
	for _, h := range holders {
		if descends(h, pid) {
			return true, true
		}
	}
	return false, true
}

// listeningInode finds the inode of the IPv4 socket in state LISTEN on addr.
func listeningInode(addr string) (string, bool) {
	_, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", false
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", false
	}
	defer f.Close()
	want := fmt.Sprintf("0100007F:%04X", port) // 127.0.0.1, little-endian as the kernel prints it
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == want && fields[3] == "0A" { // 0A: LISTEN
			return fields[9], true
		}
	}
	return "", false
}

// socketHolders lists the processes with an open descriptor on the socket.
func socketHolders(inode string) ([]int, bool) {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	target := "socket:[" + inode + "]"
	var holders []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		if err != nil {
			continue // gone, or another user's
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name())); err == nil && link == target {
				holders = append(holders, pid)
				break
			}
		}
	}
	return holders, true
}

// descends reports whether pid is ancestor or one of its descendants.
func descends(pid, ancestor int) bool {
	for i := 0; i < 64 && pid > 1; i++ {
		if pid == ancestor {
			return true
		}
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return false
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after its ")".
		rest := string(stat)
		if end := strings.LastIndexByte(rest, ')'); end >= 0 {
			rest = rest[end+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) < 2 {
			return false
		}
		if pid, err = strconv.Atoi(fields[1]); err != nil {
			return false
		}
	}
	return pid == ancestor
}
