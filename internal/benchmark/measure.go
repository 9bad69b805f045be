//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// result is the medians of two alternating processes.
type result struct {
	name       string
	target     float64
	a, b       time.Duration // wall time
	cpuA, cpuB time.Duration // user + system time
	rssA, rssB float64       // MiB, peak of all runs
}

func (r result) ratio() float64    { return float64(r.a) / float64(r.b) }
func (r result) cpuRatio() float64 { return float64(r.cpuA) / float64(r.cpuB) }

// sample is one finished process.
type sample struct {
	wall, cpu time.Duration
	rss       float64
}

// compare runs a and b alternately, n times each, in swapped order every
// other round, after one warm-up run of each.
func compare(name string, target float64, n int, a, b func() *exec.Cmd) result {
	r := result{name: name, target: target}
	var wa, wb, ca, cb []time.Duration
	timeRun(a)
	timeRun(b)
	for i := 0; i < n; i++ {
		var sa, sb sample
		if i%2 == 0 {
			sa, sb = timeRun(a), timeRun(b)
		} else {
			sb, sa = timeRun(b), timeRun(a)
		}
		wa, wb, ca, cb = append(wa, sa.wall), append(wb, sb.wall), append(ca, sa.cpu), append(cb, sb.cpu)
		r.rssA, r.rssB = max(r.rssA, sa.rss), max(r.rssB, sb.rss)
	}
	r.a, r.b, r.cpuA, r.cpuB = median(wa), median(wb), median(ca), median(cb)
	fmt.Fprintf(os.Stderr, "  %-58s wall %9s %9s %5.2f   cpu %9s %9s %5.2f\n", name, ms(r.a), ms(r.b), r.ratio(), ms(r.cpuA), ms(r.cpuB), r.cpuRatio())
	return r
}

// timeRun runs one process to its end and returns its wall time, CPU
// time and peak resident memory in MiB. A non-zero exit is fatal: a
// figure of a failing process means nothing.
//
// The kernel's ru_maxrss of a child is at least this process's own peak
// RSS at the fork (the exec inherits the high-water mark of the address
// space it replaces), so this process keeps itself small: it streams
// files and keeps one key of each dataset.
func timeRun(mk func() *exec.Cmd) sample {
	c := mk()
	start := time.Now()
	err := c.Run()
	s := sample{wall: time.Since(start)}
	if f, ok := c.Stdin.(*os.File); ok {
		f.Close()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchmark: %s: %v\n", strings.Join(c.Args, " "), err)
		os.Exit(1)
	}
	s.cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	return s
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func step(s string) { fmt.Fprintln(os.Stderr, "benchmark:", s) }

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the keyward module")
	}
	return filepath.Dir(mod), nil
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
