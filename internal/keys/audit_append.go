package keys

import (
	"context"
	"encoding/hex"
	"time"
)

// EventRow is an event as a store keeps it: its time in Unix seconds,
// its details as their canonical JSON, its hash as the 32 bytes of the
// SHA-256 (the hex that the chain and `log` use is their encoding).
type EventRow struct {
	Seq     int64
	At      int64
	Actor   string
	Action  string
	KeyID   string // "" for a scope event: stored as NULL
	Alias   string // likewise
	Details string
	Hash    []byte
}

// EventLog is the audit log as AppendEvents needs it, inside the
// transaction that makes the changes the events describe. That
// transaction holds the log's write lock, which keeps seq gapless and
// the chain linear.
type EventLog interface {
	// LastEvent returns the newest event's seq and stored hash, or 0 and
	// nil when the log is empty.
	LastEvent(ctx context.Context) (seq int64, hash []byte, err error)
	// InsertEvents stores rows, which follow the newest event in seq
	// order. The rows and their Hash bytes are reused once it returns.
	InsertEvents(ctx context.Context, rows []EventRow) error
}

// appendChunk is how many events AppendEvents seals before it hands them
// to the store: enough for a store's bulk statements, small enough that
// sealing an import of 100,000 keys needs no second copy of its events.
const appendChunk = 2048

// AppendEvents records events after the log's head, all made at one time
// by one actor: it numbers them (their Seq is set), chains their hashes
// and stores them, and returns the new head.
func AppendEvents(ctx context.Context, log EventLog, at time.Time, actor string, events []Event) (Head, error) {
	seq, last, err := log.LastEvent(ctx)
	if err != nil {
		return Head{}, err
	}
	// The chain goes on from the hex of whatever is stored: an edited
	// hash stays edited, and `log verify` names it.
	c := newChain(seq, hex.EncodeToString(last))
	n := min(len(events), appendChunk)
	rows := make([]EventRow, n)
	sums := make([]byte, n*len(GenesisHash)/2)
	atUnix := at.Unix()
	for start := 0; start < len(events); start += n {
		chunk := events[start:min(start+n, len(events))]
		for i := range chunk {
			e := &chunk[i]
			e.At, e.Actor = at, actor
			sum := c.seal(e)
			h := sums[i*len(sum) : (i+1)*len(sum) : (i+1)*len(sum)]
			copy(h, sum[:])
			rows[i] = EventRow{Seq: e.Seq, At: atUnix, Actor: actor, Action: string(e.Action), KeyID: e.KeyID,
				Alias: e.Alias, Details: e.details, Hash: h}
		}
		if err := log.InsertEvents(ctx, rows[:len(chunk)]); err != nil {
			return Head{}, err
		}
	}
	return c.head(), nil
}
