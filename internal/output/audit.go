package output

import (
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// EventDoc is one audit event as `keyward log -o json` prints it. Without
// "hash", and written canonically, it is what the hash covers.
type EventDoc struct {
	Seq     int64        `json:"seq"`
	At      Time         `json:"at"`
	Actor   string       `json:"actor"`
	Action  string       `json:"action"`
	KeyID   *string      `json:"key_id"`
	Alias   *string      `json:"alias"`
	Details keys.Details `json:"details"`
	Hash    string       `json:"hash"`
}

// NewEventDoc is e's JSON object; a scope event names no key (null).
func NewEventDoc(e *keys.Event) EventDoc {
	d := e.Details
	if d == nil {
		d = keys.Details{}
	}
	return EventDoc{Seq: e.Seq, At: Time(e.At), Actor: e.Actor, Action: string(e.Action),
		KeyID: nullString(e.KeyID), Alias: nullString(e.Alias), Details: d, Hash: e.Hash}
}

// LogHeadDoc is what `keyward log head -o json` prints.
type LogHeadDoc struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	Head string `json:"head"` // SEQ:HASH
}

// LogVerifyDoc is what `keyward log verify -o json` prints for an intact log.
type LogVerifyDoc struct {
	Intact bool   `json:"intact"`
	Events int64  `json:"events"`
	Head   string `json:"head"`
}

// RotatedDoc is what rotate prints: the key, its new string, and when the
// string it replaced stops verifying (null: at once).
type RotatedDoc struct {
	KeyDoc
	Key                string `json:"key"`
	PreviousValidUntil *Time  `json:"previous_valid_until"`
}

// FoundDoc is what `show --key-file` prints: the key a string belongs to,
// whether that string is the key or one of its tokens, and whether it is
// the key's previous string, replaced by a rotation.
type FoundDoc struct {
	ShownDoc
	Kind     string `json:"kind"`
	Previous bool   `json:"previous"`
}

// NewRotatedDoc is rotate's JSON object.
func NewRotatedDoc(k *keys.Key, secret string, previousValidUntil *time.Time) RotatedDoc {
	return RotatedDoc{KeyDoc: NewKeyDoc(k), Key: secret, PreviousValidUntil: timePtr(previousValidUntil)}
}

// NewShownDoc is show's JSON object; previousValidUntil is when the
// string a rotation replaced stops verifying, nil when it no longer does.
func NewShownDoc(k *keys.Key, activeTokens int, previousValidUntil *time.Time) ShownDoc {
	return ShownDoc{KeyDoc: NewKeyDoc(k), ActiveTokens: activeTokens, PreviousValidUntil: timePtr(previousValidUntil)}
}
