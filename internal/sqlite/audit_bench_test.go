//go:build unix

package sqlite

import (
	"context"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// benchAuditN is how many keys the audit benchmarks import and renew.
const benchAuditN = 100000

// auditCost times op on a fresh store with the audit log on and off, in
// turns, and reports the median of each and their ratio: wall time
// ("x-audit") and the process's CPU time ("x-audit-cpu"), which a
// machine shared with other work disturbs less, and the ratio of each
// side's fastest CPU time ("x-audit-cpu-min"). Turns keep a changing
// load from favouring either side.
func auditCost(b *testing.B, prepare func(b *testing.B, s *Store), op func(b *testing.B, s *Store)) {
	var on, off, onCPU, offCPU []time.Duration
	for b.Loop() {
		for _, unaudited := range []bool{len(on)%2 == 1, len(on)%2 == 0} {
			b.StopTimer()
			s := openTest(b)
			s.unaudited = unaudited
			prepare(b, s)
			runtime.GC()
			b.StartTimer()
			start, startCPU := time.Now(), cpuTime()
			op(b, s)
			d, c := time.Since(start), cpuTime()-startCPU
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

// cpuTime is the user and system time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportAudit: importing 100,000 keys with their 100,000 events
// against the same import without events.
func BenchmarkImportAudit(b *testing.B) {
	var items []keys.ImportItem
	auditCost(b, func(b *testing.B, s *Store) {
		items = benchItems(b, benchAuditN, "k")
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
		if _, err := s.Import(context.Background(), benchItems(b, benchAuditN, "k")); err != nil {
			b.Fatal(err)
		}
		s.Now = func() time.Time { return testNow.Add(time.Hour) }
	}, func(b *testing.B, s *Store) {
		out, err := s.RenewAll(context.Background(), keys.RenewAllRequest{})
		if err != nil || len(out) != benchAuditN {
			b.Fatal(len(out), err)
		}
	})
}
