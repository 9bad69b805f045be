package serve

import (
	"context"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// touchEvery is how often recorded uses are written: off the request
// path, in one transaction per batch.
const touchEvery = time.Second

// toucher batches last_used_at writes. A request only notes the use; a
// goroutine writes what accumulated once a second. What the Verifier asks
// for is deduplicated here, because the cached record still holds the
// last_used_at it was loaded with.
type toucher struct {
	write func(context.Context, map[string]time.Time) error
	m     *metrics

	mu      sync.Mutex
	written map[string]time.Time // last use written (or queued) per key
	pending map[string]time.Time
}

func newToucher(write func(context.Context, map[string]time.Time) error, m *metrics) *toucher {
	return &toucher{write: write, m: m, written: make(map[string]time.Time), pending: make(map[string]time.Time)}
}

// Touch notes that keyID was used at at; it never blocks on the database.
func (t *toucher) Touch(_ context.Context, keyID string, at time.Time) {
	t.mu.Lock()
	if last, ok := t.written[keyID]; !ok || at.Sub(last) >= keys.LastUsedInterval {
		t.written[keyID] = at
		t.pending[keyID] = at
	}
	t.mu.Unlock()
}

// run writes batches until ctx is done, then writes what is left.
func (t *toucher) run(ctx context.Context) {
	tick := time.NewTicker(touchEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.flush(context.WithoutCancel(ctx))
			return
		case <-tick.C:
			t.flush(ctx)
		}
	}
}

// flush writes the pending uses; a batch that fails is tried again with
// the next one.
func (t *toucher) flush(ctx context.Context) {
	t.mu.Lock()
	batch := t.pending
	if len(batch) == 0 {
		t.mu.Unlock()
		return
	}
	t.pending = make(map[string]time.Time, len(batch))
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := t.write(ctx, batch); err != nil {
		t.m.touchFailures.Inc()
		t.mu.Lock()
		for id, at := range batch {
			if _, newer := t.pending[id]; !newer {
				t.pending[id] = at
			}
		}
		t.mu.Unlock()
		return
	}
	t.m.touches.Add(float64(len(batch)))
	t.forget(batch)
}

// forget drops keys not used for a minute from the dedup table, so that
// it holds only keys in use.
func (t *toucher) forget(now map[string]time.Time) {
	var latest time.Time
	for _, at := range now {
		if at.After(latest) {
			latest = at
		}
	}
	t.mu.Lock()
	for id, at := range t.written {
		if latest.Sub(at) > 2*keys.LastUsedInterval {
			delete(t.written, id)
		}
	}
	t.mu.Unlock()
}
