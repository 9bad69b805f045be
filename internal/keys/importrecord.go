package keys

import (
	"fmt"
	"strconv"
	"time"
)

// Restored is the state a line of keyward export carries besides what
// create sets: the record is brought back as it was, revoked or expired
// ones too, and verifies by its stored hash.
type Restored struct {
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastUsedAt   *time.Time
	RevokedAt    *time.Time
	RevokeReason string
	TTL          time.Duration
	TokenTTL     time.Duration
	Imported     bool // the key string came from another system
	// PreviousHash and PreviousValidUntil are a rotated key's previous
	// string: its stored hash and when it stops verifying ("" and nil
	// for none).
	PreviousHash       string
	PreviousValidUntil *time.Time
}

// Key is the record an import item makes at now.
func (it *ImportItem) Key(p Policy, now time.Time) *Key {
	k := it.Request.NewKey(p, now)
	if it.ExpiresAt != nil {
		k.ExpiresAt = *it.ExpiresAt
	}
	k.Imported = it.Imported
	if r := it.Restore; r != nil {
		k.CreatedAt, k.UpdatedAt = r.CreatedAt, r.UpdatedAt
		k.LastUsedAt, k.RevokedAt, k.RevokeReason = r.LastUsedAt, r.RevokedAt, r.RevokeReason
		k.TTL, k.TokenTTL, k.Imported = r.TTL, r.TokenTTL, r.Imported
		k.PreviousValidUntil = r.PreviousValidUntil
	}
	k.Status = StatusAt(k.RevokedAt, k.ExpiresAt, now)
	return k
}

// record gathers the fields only keyward export writes: a key line with
// key_sha256 restores a record; a line with scope registers a scope.
type record struct {
	id, keySHA256, masked, status *string
	created, updated              *string
	lastUsed, revoked, reason     *string
	ttl, tokenTTL                 *int64
	imported, adminOnly           *bool
	previousSHA256, previousUntil *string
	scope                         *string
	any                           bool
}

// field reads name if it is one of the export's fields.
func (r *record) field(name string, sc *scanner) (bool, error) {
	var err error
	switch name {
	case "id":
		err = sc.stringField(name, &r.id)
	case "key_sha256":
		err = sc.stringField(name, &r.keySHA256)
	case "masked":
		err = sc.stringField(name, &r.masked)
	case "status":
		err = sc.stringField(name, &r.status)
	case "created_at":
		err = sc.stringField(name, &r.created)
	case "updated_at":
		err = sc.stringField(name, &r.updated)
	case "last_used_at":
		err = sc.stringField(name, &r.lastUsed)
	case "revoked_at":
		err = sc.stringField(name, &r.revoked)
	case "revoke_reason":
		err = sc.stringField(name, &r.reason)
	case "ttl_seconds":
		err = sc.intField(name, &r.ttl)
	case "token_ttl_seconds":
		err = sc.intField(name, &r.tokenTTL)
	case "imported":
		err = sc.boolField(name, &r.imported)
	case "admin_only":
		err = sc.boolField(name, &r.adminOnly)
	case "previous_key_sha256":
		err = sc.stringField(name, &r.previousSHA256)
	case "previous_valid_until":
		err = sc.stringField(name, &r.previousUntil)
	case "scope":
		err = sc.stringField(name, &r.scope)
	default:
		return false, nil
	}
	r.any = true
	return true, err
}

// scopeItem makes a scope line into an item: its description, if any,
// was read as the key's.
func (r *record) scopeItem(it ImportItem, description *string, others bool) (ImportItem, error) {
	if others || r.id != nil || r.keySHA256 != nil || r.masked != nil || r.status != nil || r.updated != nil ||
		r.lastUsed != nil || r.revoked != nil || r.reason != nil || r.ttl != nil || r.tokenTTL != nil || r.imported != nil ||
		r.previousSHA256 != nil || r.previousUntil != nil {
		return it, lineError("a scope line has only scope, description, admin_only and created_at")
	}
	if err := ValidateScopeName(*r.scope); err != nil {
		return it, err
	}
	sc := &Scope{Name: *r.scope, AdminOnly: r.adminOnly != nil && *r.adminOnly}
	if description != nil {
		if err := ValidateDescription(*description); err != nil {
			return it, err
		}
		sc.Description = *description
	}
	if r.created != nil {
		t, err := parseTime("created_at", *r.created)
		if err != nil {
			return it, err
		}
		sc.CreatedAt = t
	}
	it.Scope = sc
	return it, nil
}

// restoreItem finishes a key line of keyward export: id, key_sha256,
// expires_at and the key's own TTLs are required, the times are kept as
// they are (an expired key stays expired) and no key string is made.
func (r *record) restoreItem(it ImportItem, key, ttl, expires *string, p Policy, now time.Time) (ImportItem, error) {
	switch {
	case r.keySHA256 == nil:
		return it, lineError("a line with id, times or ttl_seconds is an export line and needs key_sha256")
	case key != nil:
		return it, lineError("give either key or key_sha256, not both")
	case ttl != nil:
		return it, lineError("give either ttl or ttl_seconds, not both")
	case r.id == nil || len(*r.id) != IDLen || !isBase62(*r.id):
		return it, lineError("id must be %d base62 characters", IDLen)
	case !IsHash(*r.keySHA256):
		return it, lineError("key_sha256 must be 64 lowercase hex digits")
	case expires == nil || r.ttl == nil || r.tokenTTL == nil:
		return it, lineError("a line with key_sha256 needs expires_at, ttl_seconds and token_ttl_seconds")
	case *r.ttl < 1 || *r.tokenTTL < 1 || *r.ttl > maxSeconds || *r.tokenTTL > maxSeconds:
		return it, lineError("ttl_seconds and token_ttl_seconds must be positive")
	}
	if err := it.Request.Validate(p); err != nil {
		return it, err
	}
	rs := &Restored{CreatedAt: now, UpdatedAt: now,
		TTL: time.Duration(*r.ttl) * time.Second, TokenTTL: time.Duration(*r.tokenTTL) * time.Second,
		Imported: r.imported != nil && *r.imported}
	exp, err := parseTime("expires_at", *expires)
	if err != nil {
		return it, err
	}
	it.ExpiresAt = &exp
	for _, f := range []struct {
		name string
		in   *string
		out  *time.Time
	}{{"created_at", r.created, &rs.CreatedAt}, {"updated_at", r.updated, &rs.UpdatedAt}} {
		if f.in != nil {
			if *f.out, err = parseTime(f.name, *f.in); err != nil {
				return it, err
			}
		}
	}
	if rs.LastUsedAt, err = parseNullTime("last_used_at", r.lastUsed); err != nil {
		return it, err
	}
	if rs.RevokedAt, err = parseNullTime("revoked_at", r.revoked); err != nil {
		return it, err
	}
	if r.reason != nil {
		if rs.RevokedAt == nil {
			return it, lineError("revoke_reason without revoked_at")
		}
		if err := checkText("revoke_reason", *r.reason, 1000); err != nil {
			return it, err
		}
		rs.RevokeReason = *r.reason
	}
	masked := *r.id + "…"
	if r.masked != nil {
		if err := checkText("masked", *r.masked, 100); err != nil {
			return it, err
		}
		masked = *r.masked
	}
	if err := r.restorePrevious(rs, exp); err != nil {
		return it, err
	}
	it.Request.Credential = Credential{ID: *r.id, Hash: *r.keySHA256, Masked: masked}
	it.Restore = rs
	return it, nil
}

// maxSeconds keeps a duration in seconds inside time.Duration.
const maxSeconds = int64(1<<63-1) / int64(time.Second)

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, lineError("%s %q is not an RFC 3339 time such as 2027-01-31T00:00:00Z", field, clip(s))
	}
	return t.UTC().Truncate(time.Second), nil
}

func parseNullTime(field string, s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := parseTime(field, *s)
	return &t, err
}

// intField reads an integer or null into *dst.
func (sc *scanner) intField(name string, dst **int64) error {
	if sc.null() {
		return nil
	}
	start := sc.i
	if sc.i < len(sc.b) && sc.b[sc.i] == '-' {
		sc.i++
	}
	for sc.i < len(sc.b) && '0' <= sc.b[sc.i] && sc.b[sc.i] <= '9' {
		sc.i++
	}
	v, err := strconv.ParseInt(string(sc.b[start:sc.i]), 10, 64)
	if err != nil {
		return lineError("field %q must be an integer", name)
	}
	*dst = &v
	return nil
}

// boolField reads true, false or null into *dst.
func (sc *scanner) boolField(name string, dst **bool) error {
	switch {
	case sc.null():
		return nil
	case len(sc.b)-sc.i >= 4 && string(sc.b[sc.i:sc.i+4]) == "true":
		sc.i += 4
		v := true
		*dst = &v
	case len(sc.b)-sc.i >= 5 && string(sc.b[sc.i:sc.i+5]) == "false":
		sc.i += 5
		v := false
		*dst = &v
	default:
		return lineError("field %q must be true or false", name)
	}
	return nil
}

// addScope takes a scope line; scopes come before the keys that use
// them, and each once.
func (ir *ImportReader) addScope(it ImportItem) {
	if ir.scopes == nil {
		ir.scopes = map[string]int{}
	}
	if first, dup := ir.scopes[it.Scope.Name]; dup {
		ir.fail(it.Line, lineError("scope %q is already on line %d", it.Scope.Name, first))
		return
	}
	ir.scopes[it.Scope.Name] = it.Line
	if ir.nbad == 0 {
		ir.items = append(ir.items, it)
	}
}

// validateScope checks a scope line's item.
func (it *ImportItem) validateScope() error {
	err := ValidateScopeName(it.Scope.Name)
	if err == nil {
		err = ValidateDescription(it.Scope.Description)
	}
	if err != nil {
		return prefixed(fmt.Sprintf("line %d: ", it.Line), err)
	}
	return nil
}

// ErrScopeConflict refuses a scope line whose scope is registered with
// another admin_only.
func ErrScopeConflict(line int, name string, registeredAdminOnly bool) *Error {
	e := Errorf(ECONFLICT, "import_conflict", "line %d: scope %q is already registered with admin_only %t, nothing was imported", line, name, registeredAdminOnly)
	e.Scope = name
	return e
}
