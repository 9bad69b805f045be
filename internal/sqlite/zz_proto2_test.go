package sqlite

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func BenchmarkProtoRecord(b *testing.B) {
	items := benchItems(b, 20000, "p")
	for _, small := range []bool{false, true} {
		b.Run(map[bool]string{false: "full", true: "small"}[small], func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := openTest(b)
				batch := keys.NewBatchID()
				evs := make([]keys.Event, len(items))
				for i, it := range items {
					k := it.Request.NewKey(testPolicy, time.Now())
					d := keys.ImportDetails(k, nil, false, batch)
					if small {
						d = keys.Details{"batch": batch}
					}
					evs[i] = keys.KeyEvent(keys.ActionImport, k, d)
				}
				b.StartTimer()
				if err := s.write(context.Background(), func(tx *sql.Tx, now time.Time) error { return s.record(context.Background(), tx, now, evs) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
