package postgres

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/keyward/keyward/internal/keys"
)

// handOut gives a write's result (a new key's string, printed) to its
// owner just before the commit of the transaction that stores it, and at
// most once. PostgreSQL may ask for a serializable transaction again,
// even at COMMIT; the retry runs at the clock of the first attempt with
// the same key material, so that it stores what was printed, and it is
// accepted only when its result is what was handed out: a retry that
// comes out otherwise (the alias taken meanwhile, a renewal instead of a
// creation) fails, and nothing is committed.
type handOut[T any] struct {
	deliver func(T) error // nil: nothing to hand out
	mu      sync.Mutex
	sent    bool
	value   T
}

// errRetryDiffers: a retried transaction would store something other
// than what was handed out.
var errRetryDiffers = keys.Errorf(keys.EINTERNAL, "retry_differs",
	"another writer changed the database meanwhile, and the retried write no longer stores what was printed")

// give hands v out on the first attempt that gets this far; on a retry
// it checks that v is what was handed out. ctx is the transaction's: when
// a signal came while v was being written, nothing is committed.
func (h *handOut[T]) give(ctx context.Context, v T) error {
	if h.deliver == nil {
		return nil
	}
	h.mu.Lock()
	sent, value := h.sent, h.value
	h.mu.Unlock()
	if sent {
		if reflect.DeepEqual(value, v) {
			return nil
		}
		return errRetryDiffers
	}
	if err := h.deliver(v); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	h.sent, h.value = true, v
	return nil
}

func (h *handOut[T]) handed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sent
}

// writeHandingOut runs fn like Store.write, with h's delivery inside it.
// Until h has handed its value out, a cancelled ctx (SIGINT) rolls the
// transaction back; afterwards the commit goes ahead whatever signal
// comes, since the owner holds what it stores. stored tells, after a
// commit whose outcome is unknown (the connection lost while COMMIT was
// on its way), whether the transaction's work is in the database.
func writeHandingOut[T any](s *Store, ctx context.Context, h *handOut[T], stored func(context.Context) (bool, error),
	fn func(ctx context.Context, tx pgx.Tx, now time.Time) error) error {
	if h.deliver == nil {
		return s.write(ctx, func(tx pgx.Tx, now time.Time) error { return fn(ctx, tx, now) })
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if !h.sent {
			cancel()
		}
	})
	defer stop()
	now := s.now()
	err := s.write(wctx, func(tx pgx.Tx, _ time.Time) error { return fn(wctx, tx, now) })
	if err == nil || !h.handed() || !outcomeUnknown(err) {
		return err
	}
	pctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	if ok, perr := stored(pctx); perr == nil {
		if ok {
			return nil
		}
		return err
	}
	return keys.Errorf(keys.EINTERNAL, "commit_unknown",
		"lost the connection to %s while committing: what was printed may or may not have been saved", s.where).Wrap(err)
}

// outcomeUnknown reports whether err leaves open whether the commit took
// place: not an answer from the server, nor keyward's own refusal.
func outcomeUnknown(err error) bool {
	var pe *pgconn.PgError
	var ke *keys.Error
	if errors.As(err, &ke) && ke.Reason != "db_unreachable" && ke.Reason != "db_error" {
		return false
	}
	return !errors.As(err, &pe)
}

// hashStored reports whether a key string with this hash is stored: the
// probe after a commit whose outcome is unknown, since a new string's
// hash is in the database only if that commit took place.
func (s *Store) hashStored(hash string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		var ok bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM keys WHERE hash = $1)`, hash).Scan(&ok)
		return ok, err
	}
}

// importStored probes for an import by its first key: all are committed,
// or none.
func (s *Store) importStored(items []keys.ImportItem) func(context.Context) (bool, error) {
	for _, it := range items {
		if it.Scope == nil {
			return s.hashStored(it.Request.Credential.Hash)
		}
	}
	return func(context.Context) (bool, error) { return false, errors.New("no key to look for") }
}

// RotateKey is RotateDeliver with nothing to hand out.
func (s *Store) RotateKey(ctx context.Context, req keys.RotateRequest) (keys.RotateResult, error) {
	return s.RotateDeliver(ctx, req, nil)
}
