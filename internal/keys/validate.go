package keys

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The checks a store makes of what it is given, whoever calls it: an
// invalid record cannot be written by any caller.

// Validate checks and normalizes r; a store checks r.Credential too.
func (r *CreateRequest) Validate(p Policy) error {
	if err := ValidateAlias(r.Alias); err != nil {
		return err
	}
	if err := r.Fields.Validate(p); err != nil {
		return err
	}
	if r.TTL != 0 {
		if err := p.CheckTTL(r.TTL); err != nil {
			return err
		}
	}
	if r.Reactivate && !r.OrRenew {
		e := Errorf(EINVALID, "invalid_flags", "reactivation applies only to a create that may renew an existing key")
		e.Op = "create"
		return e
	}
	return nil
}

// Validate checks and normalizes r.
func (r *RenewRequest) Validate(p Policy) error {
	if len(r.Refs) == 0 {
		return Errorf(EINVALID, "usage", "no key to renew")
	}
	for _, ref := range r.Refs {
		if err := ValidateRef(ref); err != nil {
			return err
		}
	}
	if r.TTL != 0 {
		if err := p.CheckTTL(r.TTL); err != nil {
			return err
		}
	}
	return r.Change.Validate(p)
}

// Validate checks r.
func (r *RenewAllRequest) Validate(p Policy) error {
	if r.ExpiringWithin < 0 {
		return Errorf(EINVALID, "invalid_duration", "a negative expiry window")
	}
	if r.Owner != nil {
		if err := ValidateOwner(*r.Owner); err != nil {
			return err
		}
	}
	if r.Role != "" && !slices.Contains(p.Roles, r.Role) {
		_, err := p.NormalizeRoles([]string{r.Role})
		return err
	}
	return nil
}

// Validate checks f.
func (f *Filter) Validate() error {
	switch f.Status {
	case "", StatusActive, StatusExpired, StatusRevoked:
	default:
		if _, _, err := ParseStatus(string(f.Status)); err != nil {
			return err
		}
	}
	if f.Scope != "" {
		if err := ValidateScopeName(f.Scope); err != nil {
			return err
		}
	}
	if f.Owner != nil {
		if err := ValidateOwner(*f.Owner); err != nil {
			return err
		}
	}
	if err := f.Meta.Validate(); err != nil {
		return err
	}
	if f.Sort != "" && !slices.Contains(SortKeys, f.Sort) {
		return Errorf(EINVALID, "invalid_sort", "unknown sort key %q", clip(f.Sort)).With("sort_keys", strings.Join(SortKeys, ", "))
	}
	if f.Limit < 0 || f.Offset < 0 || f.ExpiringWithin < 0 {
		return Errorf(EINVALID, "usage", "a negative limit, offset or expiry window")
	}
	return nil
}

// Validate checks a scope to register.
func (sc Scope) Validate() error {
	if err := ValidateScopeName(sc.Name); err != nil {
		return err
	}
	return ValidateDescription(sc.Description)
}

// ValidateRefs checks a list of ALIAS|ID arguments, at least one.
func ValidateRefs(refs []string) error {
	if len(refs) == 0 {
		return Errorf(EINVALID, "usage", "no key named")
	}
	for _, ref := range refs {
		if err := ValidateRef(ref); err != nil {
			return err
		}
	}
	return nil
}

// ValidateKeyID checks a public key id.
func ValidateKeyID(id string) error {
	if len(id) != IDLen || !isBase62(id) {
		return Errorf(EINVALID, "invalid_id", "%q is not a key id", clip(id))
	}
	return nil
}

// Validate checks an import line as a store receives it.
func (it *ImportItem) Validate(p Policy, now time.Time) error {
	if it.Scope != nil {
		return it.validateScope()
	}
	err := it.Request.Validate(p)
	if err == nil {
		err = it.Request.Credential.Validate(KindKey)
	}
	if err == nil && it.Restore != nil && it.ExpiresAt != nil {
		err = it.Restore.validatePrevious(it.Request.Credential.Hash, *it.ExpiresAt)
	} else if err == nil && it.Restore != nil && it.Restore.PreviousHash != "" {
		err = Errorf(EINVALID, "invalid_import", "a previous key string needs the key's expires_at")
	}
	if err == nil && it.Restore == nil && it.ExpiresAt != nil && !it.ExpiresAt.After(now) {
		err = Errorf(EINVALID, "invalid_import", "expires_at %s is in the past", it.ExpiresAt.Format(time.RFC3339))
	}
	if err != nil {
		return prefixed(fmt.Sprintf("line %d: ", it.Line), err)
	}
	return nil
}
