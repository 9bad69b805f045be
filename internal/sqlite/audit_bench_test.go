package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// benchAuditN is how many keys the audit benchmarks import and renew.
const benchAuditN = 100000

// auditCost times op on a fresh store with the audit log on and off, in
// turns, and reports the median of each and their ratio ("x-audit"):
// what the log costs bulk work. Turns keep a machine's changing load
// from favouring either side.
func auditCost(b *testing.B, prepare func(b *testing.B, s *Store), op func(b *testing.B, s *Store)) {
	var on, off []time.Duration
	for b.Loop() {
		for _, unaudited := range []bool{len(on)%2 == 1, len(on)%2 == 0} {
			b.StopTimer()
			s := openTest(b)
			s.unaudited = unaudited
			prepare(b, s)
			b.StartTimer()
			start := time.Now()
			op(b, s)
			d := time.Since(start)
			if unaudited {
				off = append(off, d)
			} else {
				on = append(on, d)
			}
		}
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	m1, m0 := median(on), median(off)
	b.ReportMetric(m1.Seconds(), "s-audit")
	b.ReportMetric(m0.Seconds(), "s-plain")
	b.ReportMetric(float64(m1)/float64(m0), "x-audit")
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
