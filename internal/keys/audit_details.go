package keys

import (
	"slices"
	"time"
)

// What the details of each action hold. A key's fields appear under
// their JSON names; a changed field is {"old": …, "new": …}. Times are
// RFC 3339 UTC, durations whole seconds. Nothing here ever holds a key
// or token string, nor the hash of one: the masked stub is what a key
// shows in every listing already.

// NewBatchID returns the id that the events of one batch command share.
func NewBatchID() string { return NewID() }

// KeyEvent is an event about k, with its details, to be sealed by the
// store in the transaction that makes the change.
func KeyEvent(action Action, k *Key, d Details) Event {
	if d == nil {
		d = Details{}
	}
	return Event{Action: action, KeyID: k.ID, Alias: k.Alias, Details: d}
}

// ScopeEvent is a scope_add or scope_remove event: it names no key.
func ScopeEvent(action Action, s Scope) Event {
	return Event{Action: action, Details: Details{
		"scope":       s.Name,
		"description": s.Description,
		"admin_only":  s.AdminOnly,
	}}
}

// recordFields are the parts of a key an event describes, by JSON name.
func recordFields(k *Key) Details {
	return Details{
		"name":              k.Name,
		"description":       k.Description,
		"owner":             k.Owner,
		"roles":             slices.Clone(nonNil(k.Roles)),
		"scopes":            slices.Clone(nonNil(k.Scopes)),
		"ttl_seconds":       int64(k.TTL / time.Second),
		"token_ttl_seconds": int64(k.TokenTTL / time.Second),
		"expires_at":        auditTime(k.ExpiresAt),
		"meta":              k.Meta.Clone(),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateDetails describes a new key: its record as made.
func CreateDetails(k *Key) Details { return recordFields(k) }

// ImportDetails describes an imported key: its TTL, its expiry when the
// line gave one, whether its string came from another system, and the
// batch it was imported in. Not its whole record, unlike create: an
// import writes a hundred thousand of them, and the record is the key's
// row as imported — each later change's event holds the old value of
// what it changed.
func ImportDetails(k *Key, legacy bool, expiresGiven bool, batch string) Details {
	d := Details{"ttl_seconds": int64(k.TTL / time.Second), "batch": batch}
	if expiresGiven {
		d["expires_at"] = auditTime(k.ExpiresAt)
	}
	if legacy {
		d["legacy_key"] = true
	}
	return d
}

// ChangeDetails lists what differs between before and after, field by
// field, as {"old", "new"}; labels are compared as whole sets.
func ChangeDetails(before, after *Key) Details {
	old, now := recordFields(before), recordFields(after)
	d := Details{}
	for name, v := range now {
		if !sameValue(old[name], v) {
			d[name] = Details{"old": old[name], "new": v}
		}
	}
	return d
}

func sameValue(a, b any) bool {
	switch a := a.(type) {
	case []string:
		b, ok := b.([]string)
		return ok && slices.Equal(a, b)
	case Meta:
		b, ok := b.(Meta)
		return ok && a.Equal(b)
	}
	return a == b
}

// RenewDetails describes a renewal: what changed, and always the expiry
// and the TTL it was computed from, old and new, even when the TTL stayed.
// A renewal of a revoked key is a reactivation, which also says when the
// key had been revoked.
func RenewDetails(before, after *Key) Details {
	d := ChangeDetails(before, after)
	d["expires_at"] = Details{"old": auditTime(before.ExpiresAt), "new": auditTime(after.ExpiresAt)}
	d["ttl_seconds"] = Details{"old": int64(before.TTL / time.Second), "new": int64(after.TTL / time.Second)}
	if before.RevokedAt != nil {
		d["revoked_at"] = Details{"old": auditTime(*before.RevokedAt), "new": nil}
	}
	return d
}

// RenewAllDetails describes one key of renew --all, which changes only
// the expiry: the old and new expiry and the TTL it was computed from.
func RenewAllDetails(before, after *Key, batch string) Details {
	return Details{
		"expires_at":  Details{"old": auditTime(before.ExpiresAt), "new": auditTime(after.ExpiresAt)},
		"ttl_seconds": Details{"old": int64(before.TTL / time.Second), "new": int64(after.TTL / time.Second)},
		"batch":       batch,
	}
}

// RenewAction is renew, or reactivate for a key that was revoked.
func RenewAction(before *Key) Action {
	if before.RevokedAt != nil {
		return ActionReactivate
	}
	return ActionRenew
}

// RevokeDetails describes a revocation and the reason given, if any.
func RevokeDetails(reason string) Details {
	d := Details{}
	if reason != "" {
		d["reason"] = reason
	}
	return d
}

// RotateDetails describes a rotation: the grace given, when the replaced
// string stops verifying, whether an older one was ended to make room,
// and the masked stubs of the replaced and the new string.
func RotateDetails(r Rotation, maskedBefore, maskedAfter string, wasImported bool) Details {
	d := Details{
		"grace_seconds":        int64(r.Grace / time.Second),
		"previous_valid_until": auditTime(r.PreviousValidUntil),
		"ended_previous":       r.EndedPrevious,
		"masked":               Details{"old": maskedBefore, "new": maskedAfter},
	}
	if wasImported {
		d["legacy_key"] = Details{"old": true, "new": false}
	}
	return d
}

// TokenDetails describes a minted token by its public id, scopes, TTL
// and expiry.
func TokenDetails(t *Token) Details {
	return Details{
		"token_id":    t.ID,
		"scopes":      slices.Clone(nonNil(t.Scopes)),
		"ttl_seconds": int64(t.ExpiresAt.Sub(t.CreatedAt) / time.Second),
		"expires_at":  auditTime(t.ExpiresAt),
	}
}

// WithBatch returns d with the batch id set, for events of a command
// that changed several keys at once; "" leaves d as it is.
func (d Details) WithBatch(batch string) Details {
	if batch != "" {
		d["batch"] = batch
	}
	return d
}
