package serve

import (
	"context"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// Watcher is what serve needs of a database beyond look-ups: to know when
// what it remembers may be stale, and to record last use without
// invalidating what it remembers.
type Watcher interface {
	// Changes returns a number that differs from the one it returned
	// before whenever another connection or process has committed since.
	// It is asked before every look-up, so it must be cheap: on SQLite
	// PRAGMA data_version, on PostgreSQL a counter kept by LISTEN/NOTIFY
	// and a backstop poll.
	Changes(ctx context.Context) (uint64, error)
	// Touch records last_used_at for each key id (at most once a minute
	// per key, as verify does), in one transaction whose commit does not
	// change what Changes returns.
	Touch(ctx context.Context, uses map[string]time.Time) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Cache is a keys.Finder that remembers the records its Finder found
// (and that nothing was found: a flood of unknown keys costs one look-up
// each), never a verdict: the Verifier judges expiry at its own clock on
// every request. Before each look-up it asks the Watcher whether anything
// was committed since; if so it forgets everything.
type Cache struct {
	next    keys.Finder
	changes func(context.Context) (uint64, error)
	max     int
	m       *metrics

	mu       sync.RWMutex
	synced   bool
	version  uint64 // the Watcher's number the entries are known fresh for
	gen      uint64 // bumped on every flush
	subjects map[string]*keys.Subject
	registry keys.Registry // nil: not loaded
}

// NewCache puts a cache of at most max records in front of next.
func NewCache(next keys.Finder, changes func(context.Context) (uint64, error), max int, m *metrics) *Cache {
	return &Cache{next: next, changes: changes, max: max, m: m, subjects: make(map[string]*keys.Subject)}
}

// sync forgets everything if the database changed since the entries were
// loaded, and returns the generation a look-up made now may be stored
// under. A Watcher that fails is taken to mean "changed".
func (c *Cache) sync(ctx context.Context) uint64 {
	v, err := c.changes(ctx)
	if err != nil {
		c.m.checkFailures.Inc()
	}
	if err == nil {
		c.mu.RLock()
		fresh, gen := c.synced && c.version == v, c.gen
		c.mu.RUnlock()
		if fresh {
			return gen
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || !c.synced || c.version != v {
		c.subjects = make(map[string]*keys.Subject)
		c.registry = nil
		c.gen++
		c.version, c.synced = v, err == nil
		c.m.cacheFlushes.Inc()
	}
	return c.gen
}

// FindCredential implements keys.Finder.
func (c *Cache) FindCredential(ctx context.Context, hash string) (*keys.Subject, error) {
	gen := c.sync(ctx)
	c.mu.RLock()
	s, ok := c.subjects[hash]
	c.mu.RUnlock()
	if ok {
		c.m.cacheHits.Inc()
		return s, nil
	}
	c.m.cacheMisses.Inc()
	s, err := retry(ctx, func() (*keys.Subject, error) { return c.next.FindCredential(ctx, hash) })
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	// A flush since sync means the record may predate a commit: answer
	// with it (it was read after this request arrived) but do not keep it.
	if c.gen == gen {
		if len(c.subjects) >= c.max {
			for h := range c.subjects { // an arbitrary victim
				delete(c.subjects, h)
				break
			}
		}
		c.subjects[hash] = s
	}
	c.mu.Unlock()
	return s, nil
}

// Registry implements keys.Finder.
func (c *Cache) Registry(ctx context.Context) (keys.Registry, error) {
	gen := c.sync(ctx)
	c.mu.RLock()
	r := c.registry
	c.mu.RUnlock()
	if r != nil {
		return r, nil
	}
	r, err := retry(ctx, func() (keys.Registry, error) { return c.next.Registry(ctx) })
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = keys.Registry{}
	}
	c.mu.Lock()
	if c.gen == gen {
		c.registry = r
	}
	c.mu.Unlock()
	return r, nil
}

// Len is the number of records held.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.subjects)
}

// retry runs a look-up again, twice at most, when it fails: a read that
// meets another process's checkpoint at a bad moment may fail where a
// moment later it succeeds, and a refused request costs more than 25 ms.
func retry[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	v, err := fn()
	for _, pause := range []time.Duration{5 * time.Millisecond, 20 * time.Millisecond} {
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(pause):
		}
		v, err = fn()
	}
	return v, err
}
