//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// peakRSS runs a process under /usr/bin/time and returns its peak
// resident memory in MiB.
func (b *bench) peakRSS(name string, args ...string) (float64, error) {
	out := filepath.Join(b.dir, "rss.txt")
	if err := b.cmd("", os.DevNull, "/usr/bin/time", append([]string{"-f", "%M", "-o", out, name}, args...)...).Run(); err != nil {
		return 0, fmt.Errorf("/usr/bin/time %s: %w", name, err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	var kib float64
	fmt.Sscan(string(raw), &kib)
	return kib / 1024, nil
}

func loadAverage() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

type result struct {
	name       string
	target     float64
	limit      time.Duration
	single     bool
	a, b       time.Duration // wall time
	cpuA, cpuB time.Duration // user + system time of the process and its children
	rssA, rssB float64
}

func (r result) ratio() float64 { return float64(r.a) / float64(r.b) }

type sample struct {
	wall, cpu time.Duration
	rss       float64
}

// compare runs a and b alternately, n times each, after a warm-up run of
// each, swapping the order every other round.
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
	fmt.Fprintf(os.Stderr, "  %-60s %9s %9s %5.2f×   cpu %9s %9s\n", name, ms(r.a), ms(r.b), r.ratio(), ms(r.cpuA), ms(r.cpuB))
	return r
}

// single times one process n times against an absolute limit.
func single(name string, limit time.Duration, n int, a func() *exec.Cmd) result {
	r := result{name: name, limit: limit, single: true}
	var wa, ca []time.Duration
	for i := 0; i < n; i++ {
		s := timeRun(a)
		wa, ca = append(wa, s.wall), append(ca, s.cpu)
		r.rssA = max(r.rssA, s.rss)
	}
	r.a, r.cpuA = median(wa), median(ca)
	fmt.Fprintf(os.Stderr, "  %-60s %9s   cpu %9s\n", name, ms(r.a), ms(r.cpuA))
	return r
}

func timeRun(mk func() *exec.Cmd) sample {
	c := mk()
	start := time.Now()
	err := c.Run()
	s := sample{wall: time.Since(start)}
	for _, f := range []any{c.Stdin, c.Stdout} {
		if f, ok := f.(*os.File); ok {
			f.Close()
		}
	}
	if err != nil {
		fatal(fmt.Errorf("%s: %v", strings.Join(c.Args, " "), err))
	}
	s.cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = float64(ru.Maxrss) / 1024
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

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchmark:", err)
	os.Exit(1)
}
