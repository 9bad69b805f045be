package keys

import (
	"fmt"
	"strconv"
	"strings"
)

// Head is the latest event of the log as SEQ:HASH: what an operator
// ships off the machine so that a later check also catches a log cut
// short. An empty log's head is 0:GenesisHash.
type Head struct {
	Seq  int64
	Hash string
}

func (h Head) String() string {
	if h.Seq == 0 {
		return "0:" + GenesisHash
	}
	return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash
}

// ParseHead reads SEQ:HASH as `keyward log head` prints it.
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	hash = strings.ToLower(hash)
	if !ok || err != nil || n < 0 || seq != strconv.FormatInt(n, 10) || !isHexHash(hash) || n == 0 && !HashEqual(hash, GenesisHash) {
		return Head{}, Errorf(EINVALID, "invalid_head", "invalid log head %q: want SEQ:HASH, a sequence number and 64 hex digits", clip(s))
	}
	return Head{Seq: n, Hash: hash}, nil
}

// isHexHash reports whether s is a SHA-256 in lowercase hex.
func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}

// Chain problems, the stable part of a ChainError.
const (
	ChainEdited    = "edited"    // an event does not match its hash
	ChainMissing   = "missing"   // a seq is absent
	ChainOrder     = "reordered" // a seq comes again, or out of order
	ChainHeadDiff  = "head"      // the event at the head's seq is not the head
	ChainTruncated = "truncated" // the log ends before the head's seq
)

// ChainError names the first event at which the log stops being the one
// that was written.
type ChainError struct {
	Seq     int64
	Problem string
}

func (e *ChainError) Error() string {
	switch e.Problem {
	case ChainMissing:
		return fmt.Sprintf("audit log is broken at seq %d: the event is missing", e.Seq)
	case ChainOrder:
		return fmt.Sprintf("audit log is broken at seq %d: events are out of order", e.Seq)
	case ChainHeadDiff:
		return fmt.Sprintf("audit log is broken at seq %d: the event differs from the recorded head", e.Seq)
	case ChainTruncated:
		return fmt.Sprintf("audit log is broken at seq %d: the log ends at seq %d, before the recorded head", e.Seq, e.Seq-1)
	}
	return fmt.Sprintf("audit log is broken at seq %d: the event does not match its hash (it was edited, or an event before it was removed or moved)", e.Seq)
}

// AsError is the ChainError as a coded error: a broken log is exit 1.
func (e *ChainError) AsError() *Error {
	return &Error{Code: EINTERNAL, Reason: "audit_log_broken", Message: e.Error(), Err: e}
}

// ChainCheck follows the log in seq order and stops at the first event
// that is not what was written. Feed it every event with Add, then call
// Done.
type ChainCheck struct {
	head *Head
	last Head
	err  *ChainError
}

// NewChainCheck starts a check; head, when not nil, is a SEQ:HASH
// recorded earlier that the log must still contain.
func NewChainCheck(head *Head) *ChainCheck {
	return &ChainCheck{head: head, last: Head{Hash: GenesisHash}}
}

// Add checks the next event; it returns the first problem found, and
// keeps returning it.
func (c *ChainCheck) Add(e *Event) *ChainError {
	if c.err != nil {
		return c.err
	}
	want := c.last.Seq + 1
	switch {
	case e.Seq > want:
		c.err = &ChainError{Seq: want, Problem: ChainMissing}
	case e.Seq < want:
		c.err = &ChainError{Seq: e.Seq, Problem: ChainOrder}
	case !HashEqual(ChainHash(c.last.Hash, e), e.Hash):
		c.err = &ChainError{Seq: e.Seq, Problem: ChainEdited}
	case c.head != nil && e.Seq == c.head.Seq && !HashEqual(e.Hash, c.head.Hash):
		c.err = &ChainError{Seq: e.Seq, Problem: ChainHeadDiff}
	default:
		c.last = Head{Seq: e.Seq, Hash: e.Hash}
	}
	return c.err
}

// Done ends the check: it returns the log's head, and the first problem
// found, including a log that ends before the recorded head.
func (c *ChainCheck) Done() (Head, *ChainError) {
	if c.err == nil && c.head != nil && c.last.Seq < c.head.Seq {
		c.err = &ChainError{Seq: c.last.Seq + 1, Problem: ChainTruncated}
	}
	return c.last, c.err
}
