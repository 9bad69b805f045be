package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a server under test, in its own process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	url    string
	client *http.Client
	done   chan struct{}
}

// start runs a server whose stderr (its access log) goes to a file, and
// waits for its "listening" line.
func (b *bench) start(name, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(b.dir, strings.ReplaceAll(name, " ", "-")+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	c := exec.Command(bin, args...)
	c.Env, c.Stderr = b.env, logf
	if err := c.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: c, done: make(chan struct{})}
	go func() { c.Wait(); close(p.done) }()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.done:
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("%s exited: %s", name, out)
		default:
		}
		if addr := listeningAddr(logPath); addr != "" {
			p.url = "http://" + addr
			p.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}}
			return p, nil
		}
	}
	c.Process.Kill()
	return nil, fmt.Errorf("%s did not listen within 30 s", name)
}

func listeningAddr(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Msg == "listening" {
			return ev.Addr
		}
	}
	return ""
}

// stop sends SIGTERM and waits for the exit.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// cpu is the CPU time (user + system) the process has used.
func (p *proc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// metric reads one value from GET /metrics.
func (p *proc) metric(name string) string {
	resp, err := p.client.Get(p.url + "/metrics")
	if err != nil {
		return "?"
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return "?"
}
