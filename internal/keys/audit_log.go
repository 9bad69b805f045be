package keys

import (
	"context"
	"time"
)

// EventFilter selects events for `keyward log`, newest first.
type EventFilter struct {
	Ref     string   // alias or id: that key's events only ("" for all)
	Actions []Action // any of these ("" for all)
	Since   time.Duration
	Limit   int // 0: no limit
}

// Validate checks f.
func (f *EventFilter) Validate() error {
	if f.Ref != "" {
		if err := ValidateRef(f.Ref); err != nil {
			return err
		}
	}
	if f.Limit < 0 {
		return Errorf(EINVALID, "invalid_limit", "limit %d is negative", f.Limit)
	}
	if f.Since < 0 {
		return Errorf(EINVALID, "invalid_duration", "since %s is negative", f.Since)
	}
	return nil
}

// AuditLog is the audit log a store keeps: every write method records
// its events in its own transaction.
type AuditLog interface {
	// Events streams the events matching f to fn, newest first. An
	// unknown Ref is ENOTFOUND.
	Events(ctx context.Context, f EventFilter, fn func(*Event) error) error
	// CheckLog follows the whole chain in seq order; it returns the head,
	// and a *ChainError (as a coded error) at the first event that is not
	// what was written. head, when not nil, must still be in the log.
	CheckLog(ctx context.Context, head *Head) (Head, error)
	// LogHead returns the latest event's SEQ:HASH.
	LogHead(ctx context.Context) (Head, error)
}
