//go:build linux

package postgres

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

// benchAuditN is how many keys the audit benchmarks import and renew.
const benchAuditN = 100000

var (
	benchNow    = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	benchPolicy = keys.Policy{Prefix: "kw", DefaultTTL: 15 * 24 * time.Hour, MaxTTL: 90 * 24 * time.Hour,
		TokenTTL: time.Hour, MaxTokenTTL: 24 * time.Hour, Roles: []string{"admin", "creator", "user", "agent"}, AdminRole: "admin"}
)

// auditCost times op on a fresh database with the audit log on and off,
// in turns, and reports the median of each and their ratio: wall time
// ("x-audit") and CPU time ("x-audit-cpu"), this process's and the
// server's together, since most of the work is the server's; and the
// ratio of each side's fastest CPU time ("x-audit-cpu-min").
func auditCost(b *testing.B, prepare func(b *testing.B, s *Store), op func(b *testing.B, s *Store)) {
	pgtest.Skip(b)
	var on, off, onCPU, offCPU []time.Duration
	for b.Loop() {
		for _, unaudited := range []bool{len(on)%2 == 1, len(on)%2 == 0} {
			b.StopTimer()
			s, err := Open(context.Background(), pgtest.URL(b), benchPolicy, true)
			if err != nil {
				b.Fatal(err)
			}
			s.Now = func() time.Time { return benchNow }
			s.Actor = "bench"
			s.unaudited = unaudited
			prepare(b, s)
			server := serverPIDs(b, s)
			runtime.GC()
			b.StartTimer()
			start, startCPU := time.Now(), cpuTime(server)
			op(b, s)
			d, c := time.Since(start), cpuTime(server)-startCPU
			b.StopTimer()
			s.Close()
			b.StartTimer()
			if unaudited {
				off, offCPU = append(off, d), append(offCPU, c)
			} else {
				on, onCPU = append(on, d), append(onCPU, c)
			}
		}
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	b.ReportMetric(median(on).Seconds(), "s-audit")
	b.ReportMetric(median(off).Seconds(), "s-plain")
	b.ReportMetric(float64(median(on))/float64(median(off)), "x-audit")
	b.ReportMetric(float64(median(onCPU))/float64(median(offCPU)), "x-audit-cpu")
	// Other work on the machine only ever adds time: the fastest turn of
	// each side is the nearest to its own cost.
	b.ReportMetric(float64(slices.Min(onCPU))/float64(slices.Min(offCPU)), "x-audit-cpu-min")
}

// serverPIDs are the server's processes: the postmaster serving s and
// its children (backends, WAL writer, checkpointer), when this machine
// runs it; none otherwise, and the CPU figure is then this process's.
func serverPIDs(b *testing.B, s *Store) func() []int {
	var backend int
	if err := s.pool.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		b.Fatal(err)
	}
	postmaster := procStat(backend).ppid
	return func() []int {
		if postmaster == 0 {
			return nil
		}
		pids := []int{postmaster}
		dirs, _ := os.ReadDir("/proc")
		for _, d := range dirs {
			if pid, err := strconv.Atoi(d.Name()); err == nil && procStat(pid).ppid == postmaster {
				pids = append(pids, pid)
			}
		}
		return pids
	}
}

type stat struct {
	ppid int
	cpu  time.Duration
}

// procStat reads a process's parent and CPU time from /proc; zero when
// it cannot.
func procStat(pid int) stat {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return stat{}
	}
	_, rest, ok := strings.Cut(string(data), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return stat{}
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return stat{ppid: ppid, cpu: time.Duration(utime+stime) * tick}
}

// cpuTime is the user and system time this process and the server's
// processes have used.
func cpuTime(server func() []int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	d := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for _, pid := range server() {
		d += procStat(pid).cpu
	}
	return d
}

func benchItems(b *testing.B, n int) []keys.ImportItem {
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, `{"alias":"k-%07d","name":"Service %d","owner":"team-%d","description":"benchmark key %d","roles":["agent"]}`+"\n", i, i, i%97, i)
	}
	r := &keys.ImportReader{Policy: benchPolicy, Now: benchNow}
	items, err := r.ReadImport(strings.NewReader(in.String()))
	if err != nil {
		b.Fatal(err)
	}
	return items
}

// BenchmarkImportAudit: importing 100,000 keys with their 100,000 events
// against the same import without events.
func BenchmarkImportAudit(b *testing.B) {
	var items []keys.ImportItem
	auditCost(b, func(b *testing.B, s *Store) {
		items = benchItems(b, benchAuditN)
	}, func(b *testing.B, s *Store) {
		if _, err := s.Import(context.Background(), items); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRenewAllAudit: renew --all over 100,000 keys, with and
// without their events.
func BenchmarkRenewAllAudit(b *testing.B) {
	auditCost(b, func(b *testing.B, s *Store) {
		if _, err := s.Import(context.Background(), benchItems(b, benchAuditN)); err != nil {
			b.Fatal(err)
		}
		s.Now = func() time.Time { return benchNow.Add(time.Hour) }
	}, func(b *testing.B, s *Store) {
		out, err := s.RenewAll(context.Background(), keys.RenewAllRequest{})
		if err != nil || len(out) != benchAuditN {
			b.Fatal(len(out), err)
		}
	})
}
