package keys

import (
	"fmt"
	"time"
)

// The rules of every change to a key, as pure functions over the records
// a store loaded and the clock. A store loads what a rule needs, asks it,
// and writes what it returns, in one transaction.

// Create decides what a create request does at now. existing is the key
// that already has the alias, or nil; reg is the scope registry (needed
// only when the request sets roles or scopes). It returns the key to
// insert, or with OrRenew the renewed existing key.
func (p Policy) Create(now time.Time, req CreateRequest, existing *Key, reg Registry) (k *Key, renewed bool, err error) {
	if existing != nil {
		if !req.OrRenew {
			return nil, false, ErrAliasExists(existing)
		}
		k, err := p.Renew(now, existing, req.TTL, req.Fields, req.Reactivate, reg)
		return k, true, err
	}
	k = req.NewKey(p, now)
	if req.Fields.GrantChanged() {
		if err := p.CheckGrant(reg, k.Roles, k.Scopes); err != nil {
			return nil, false, err
		}
	}
	return k, false, nil
}

// ErrAliasExists refuses a second key with k's alias.
func ErrAliasExists(k *Key) *Error {
	e := Errorf(ECONFLICT, "alias_exists", "a key with alias %q already exists", k.Alias)
	if k.RevokedAt != nil {
		e.Message += ", revoked"
		e.With("status", string(StatusRevoked))
	}
	e.Alias = k.Alias
	return e
}

// Renew decides a key's renewal at now: expires_at = now + TTL, with the
// change applied. ttl, when not 0, becomes the key's TTL (the caller has
// checked it against max_ttl); a key renewed for its own TTL is refused
// when max_ttl was lowered below it since: renewing must not extend a key
// past the policy, and silently shortening it is not the store's to
// decide. A revoked key is refused unless reactivate brings it back.
func (p Policy) Renew(now time.Time, old *Key, ttl time.Duration, c Change, reactivate bool, reg Registry) (*Key, error) {
	k := *old
	if k.RevokedAt != nil && !reactivate {
		e := Errorf(ECONFLICT, "key_revoked", "key %q is revoked", k.Alias)
		e.Alias = k.Alias
		return nil, e
	}
	if ttl != 0 {
		k.TTL = ttl
	} else if err := p.checkKeyTTL(&k); err != nil {
		return nil, err
	}
	c.Apply(&k)
	// A key coming back from revocation is held to today's registry: a
	// scope made admin-only, or removed, since it was revoked.
	reactivating := old.RevokedAt != nil
	if c.GrantChanged() || reactivating {
		if err := p.CheckGrant(reg, k.Roles, k.Scopes); err != nil {
			if e, ok := err.(*Error); ok && reactivating {
				e.Alias = k.Alias
				e.Message = fmt.Sprintf("key %q cannot be reactivated: %s", k.Alias, e.Message)
				e.With("during", "reactivate")
			}
			return nil, err
		}
	}
	k.ExpiresAt = now.Add(k.TTL)
	k.UpdatedAt = now
	k.RevokedAt = nil
	k.RevokeReason = ""
	k.Status = StatusActive
	return &k, nil
}

func (p Policy) checkKeyTTL(k *Key) *Error {
	if p.MaxTTL <= 0 || k.TTL <= p.MaxTTL {
		return nil
	}
	e := Errorf(EINVALID, "ttl_too_long", "key %q has a ttl of %s, above max_ttl %s", k.Alias, FormatDuration(k.TTL), FormatDuration(p.MaxTTL))
	e.Alias = k.Alias
	return e.With("max_ttl", FormatDuration(p.MaxTTL))
}

// RenewAll decides the renewal of a batch at now, all or none: every key
// is renewed for its own TTL, and one whose TTL is above max_ttl refuses
// the whole batch. ks are the matching non-revoked keys, sorted by alias.
func (p Policy) RenewAll(now time.Time, ks []*Key) ([]*Key, error) {
	var first *Error
	over := 0
	out := make([]*Key, 0, len(ks))
	for _, k := range ks {
		r, err := p.Renew(now, k, 0, Change{}, false, nil)
		if err != nil {
			over++
			if first == nil {
				first = err.(*Error)
			}
			continue
		}
		out = append(out, r)
	}
	if first == nil {
		return out, nil
	}
	if over > 1 {
		first.Message = fmt.Sprintf("%d keys have a ttl above max_ttl %s, %q among them", over, FormatDuration(p.MaxTTL), first.Alias)
	}
	first.Message += "; nothing was renewed"
	return nil, first
}

// Update decides a change to what a key is, at now, without touching its
// expiry; roles and scopes are checked against the registry.
func (p Policy) Update(now time.Time, old *Key, c Change, reg Registry) (*Key, error) {
	k := *old
	c.Apply(&k)
	if c.GrantChanged() {
		if err := p.CheckGrant(reg, k.Roles, k.Scopes); err != nil {
			return nil, err
		}
	}
	k.UpdatedAt = now
	return &k, nil
}

// Revoke decides a key's revocation at now. A key already revoked stays
// as it was. The store revokes the key's tokens with it: they stay dead
// even if the key is reactivated.
func Revoke(now time.Time, old *Key, reason string) RevokeResult {
	if old.RevokedAt != nil {
		return RevokeResult{Key: old, AlreadyRevoked: true}
	}
	k := *old
	k.RevokedAt, k.UpdatedAt, k.RevokeReason, k.Status = &now, now, reason, StatusRevoked
	// A previous string still in its grace dies with the key, and stays
	// dead if the key is reactivated.
	if k.PreviousValidUntil != nil && k.PreviousValidUntil.After(now) {
		k.PreviousValidUntil = &now
	}
	return RevokeResult{Key: &k}
}

// RevocationTarget decides which key a credential string revokes: sub is
// what the store found for it (nil for none).
func RevocationTarget(credential string, sub *Subject) (*Key, error) {
	if _, shape := Parse(credential); shape == Malformed {
		return nil, Errorf(EINVALID, "malformed_key", "the key read is malformed (bad checksum, or not a key at all)")
	}
	if sub == nil || sub.Key == nil {
		e := Errorf(ENOTFOUND, "key_not_found", "no key matches the key read")
		e.Op = "revoke"
		return nil, e
	}
	if sub.Token != nil {
		e := Errorf(EINVALID, "token_not_key", "that is a token of key %q, not a key", sub.Key.Alias)
		e.Op, e.Alias = "revoke", sub.Key.Alias
		return nil, e
	}
	return sub.Key, nil
}

// AddScope decides a scope's registration: existing is the scope already
// registered under its name, or nil.
func AddScope(now time.Time, sc Scope, existing *Scope) (Scope, error) {
	if existing != nil {
		e := Errorf(ECONFLICT, "scope_exists", "scope %q is already registered", sc.Name)
		e.Scope = sc.Name
		return Scope{}, e
	}
	sc.CreatedAt, sc.Keys = now, 0
	return sc, nil
}

// RemoveScope decides a scope's removal: existing is the registered
// scope, or nil; users are the aliases of the first non-revoked keys
// naming it, of total in all. A scope in use stays.
func RemoveScope(name string, existing *Scope, users []string, total int) error {
	if existing == nil {
		e := Errorf(ENOTFOUND, "scope_not_found", "no scope named %q", name)
		e.Scope = name
		return e
	}
	if total == 0 {
		return nil
	}
	list := ""
	for i, a := range users {
		if i > 0 {
			list += ", "
		}
		list += a
	}
	if total > len(users) {
		list += ", …"
	}
	e := Errorf(ECONFLICT, "scope_in_use", "scope %q is used by %d key(s): %s", name, total, list)
	e.Scope = name
	return e
}
