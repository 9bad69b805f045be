package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Action names what an audit event records.
type Action string

// The actions, one event per key changed (or per scope for the scope
// actions). Reading, verifying and a dry run record nothing.
const (
	ActionCreate      Action = "create"
	ActionRenew       Action = "renew"
	ActionUpdate      Action = "update"
	ActionRevoke      Action = "revoke"
	ActionReactivate  Action = "reactivate"
	ActionRotate      Action = "rotate"
	ActionToken       Action = "token"
	ActionImport      Action = "import"
	ActionScopeAdd    Action = "scope_add"
	ActionScopeRemove Action = "scope_remove"
)

// Actions lists every action, in the order the SPEC gives them.
var Actions = []Action{ActionCreate, ActionRenew, ActionUpdate, ActionRevoke, ActionReactivate,
	ActionRotate, ActionToken, ActionImport, ActionScopeAdd, ActionScopeRemove}

// ParseAction checks a --action filter value.
func ParseAction(s string) (Action, error) {
	for _, a := range Actions {
		if string(a) == s {
			return a, nil
		}
	}
	return "", Errorf(EINVALID, "invalid_action", "unknown action %q", clip(s))
}

// Details says what an event changed: old and new values, the TTL, the
// reason given, the batch it belongs to. Values are strings, integers,
// booleans, nil, lists of strings and nested Details; never a secret and
// never the hash of one.
type Details map[string]any

// Event is one entry of the audit log. KeyID and Alias are empty for the
// scope actions (null in JSON).
type Event struct {
	Seq     int64
	At      time.Time
	Actor   string
	Action  Action
	KeyID   string
	Alias   string
	Details Details
	Hash    string

	details string // Details' canonical JSON, as Seal hashed it
}

// DetailsJSON is the stored form of the event's details: their canonical
// JSON, as Seal hashed it (Details must not change after Seal). An
// event built by ImportEvent or RenewAllEvent has only this form.
func (e *Event) DetailsJSON() string {
	if e.details == "" {
		e.details = string(appendCanonical(nil, map[string]any(e.Details)))
	}
	return e.details
}

// GenesisHash stands in for the hash before the first event.
var GenesisHash = strings.Repeat("0", 64)

// ChainHash is an event's hash: the lowercase hex SHA-256 of the previous
// event's hash (its 64 hex characters; GenesisHash before seq 1) followed
// by the event's canonical form.
func ChainHash(prev string, e *Event) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(e.Canonical())
	return hex.EncodeToString(h.Sum(nil))
}

// Seal numbers events after the event (lastSeq, lastHash) and chains
// their hashes; it returns the new head.
func Seal(lastSeq int64, lastHash string, events []Event) Head {
	c := newChain(lastSeq, lastHash)
	for i := range events {
		c.seal(&events[i])
		events[i].Hash = string(c.prev)
	}
	return c.head()
}

// chain seals events one after another: the state between two events
// is the last seq and the hex of the last hash.
type chain struct {
	seq  int64
	prev []byte // the previous event's hash, in hex: what the next one covers
	buf  []byte
	// The events of one command share their time: it is formatted once.
	at    time.Time
	atStr string
}

func newChain(lastSeq int64, lastHash string) *chain {
	if lastSeq == 0 {
		lastHash = GenesisHash
	}
	return &chain{seq: lastSeq, prev: append(make([]byte, 0, 64), lastHash...), buf: make([]byte, 0, 512)}
}

// seal numbers e and returns its hash; c.prev is then its hex.
func (c *chain) seal(e *Event) [sha256.Size]byte {
	c.seq++
	e.Seq = c.seq
	if e.Details != nil || e.details == "" {
		c.buf = appendCanonical(c.buf[:0], map[string]any(e.Details))
		e.details = string(c.buf)
	}
	if c.atStr == "" || !e.At.Equal(c.at) {
		c.at, c.atStr = e.At, auditTime(e.At)
	}
	c.buf = append(c.buf[:0], c.prev...)
	c.buf = e.appendCanonical(c.buf, c.atStr, e.details)
	sum := sha256.Sum256(c.buf)
	c.prev = hex.AppendEncode(c.prev[:0], sum[:])
	return sum
}

func (c *chain) head() Head { return Head{Seq: c.seq, Hash: string(c.prev)} }

// Canonical is the form of the event that its hash covers: the event as
// `keyward log -o json` prints it, without "hash", written as JSON with
// the object keys sorted, no insignificant whitespace, strings escaped
// only where JSON requires it (", \, and control characters: \b \t \n
// \f \r by name, the others as \u00xx) and integers in decimal — the
// form of RFC 8785 for the values an event holds, and what Python's
// json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
// writes.
func (e *Event) Canonical() []byte {
	details := e.details
	if e.Details != nil || details == "" {
		details = string(appendCanonical(nil, map[string]any(e.Details)))
	}
	return e.appendCanonical(make([]byte, 0, 256), auditTime(e.At), details)
}

// appendCanonical appends the canonical form, given its time and the
// details' own.
func (e *Event) appendCanonical(b []byte, at, details string) []byte {
	b = append(b, `{"action":`...)
	b = appendJSONString(b, string(e.Action))
	b = append(b, `,"actor":`...)
	b = appendJSONString(b, e.Actor)
	b = append(b, `,"alias":`...)
	b = appendNullable(b, e.Alias)
	b = append(b, `,"at":`...)
	b = appendJSONString(b, at)
	b = append(b, `,"details":`...)
	b = append(b, details...)
	b = append(b, `,"key_id":`...)
	b = appendNullable(b, e.KeyID)
	b = append(b, `,"seq":`...)
	b = appendJSONInt(b, e.Seq)
	return append(b, '}')
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// auditTime writes a time as keyward shows it: RFC 3339, UTC, seconds.
func auditTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// Actor is who an event is recorded against: the KEYWARD_ACTOR setting
// when given, else the operating-system user name, else "unknown".
func Actor(setting, osUser string) (string, error) {
	if setting != "" {
		if err := validateActor(setting); err != nil {
			return "", err
		}
		return setting, nil
	}
	if osUser == "" || validateActor(osUser) != nil {
		return "unknown", nil
	}
	return osUser, nil
}

// validateActor allows what can be shown on one line: at most 200
// characters, valid UTF-8, no control characters.
func validateActor(s string) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 200 || strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "invalid_actor", "KEYWARD_ACTOR must be 1-200 characters of valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf(EINVALID, "invalid_actor", "KEYWARD_ACTOR contains a control character (%U)", r)
		}
	}
	if LooksLikeCredential(s) || ContainsCredential(s) {
		return Errorf(EINVALID, "invalid_actor", "KEYWARD_ACTOR looks like a key or token; it would be written to the audit log")
	}
	return nil
}
