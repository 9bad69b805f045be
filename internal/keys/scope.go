package keys

import (
	"fmt"
	"slices"
	"time"
)

// Scope is a registered permission name.
type Scope struct {
	Name        string
	Description string
	AdminOnly   bool
	Keys        int // non-revoked keys naming it
	CreatedAt   time.Time
}

// ValidateScopeName checks a scope name against ^[a-z][a-z0-9_.:-]{0,63}$.
func ValidateScopeName(name string) error {
	if IsScopeName(name) {
		return nil
	}
	return Errorf(EINVALID, "invalid_scope", "invalid scope name %q: want a lowercase letter then up to 63 of a-z 0-9 _ . : -", clip(name))
}

// NormalizeScopes checks the syntax of requested scopes and returns them
// sorted without duplicates. An empty list is no scopes, never all of
// them: a key imported with "scopes": [] had no permissions elsewhere.
// "*" may not be mixed with named scopes.
func NormalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return []string{}, nil
	}
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s == AllScopes {
			continue
		}
		if err := ValidateScopeName(s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return []string{AllScopes}, nil
	}
	if len(out) != len(scopes) {
		return nil, Errorf(EINVALID, "invalid_scope", "scope \"*\" cannot be combined with named scopes").
			With("problem", "mixed")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Registry is the set of registered scopes, by name.
type Registry map[string]Scope

// CheckGrant checks that every named scope is registered and that an
// admin-only one goes only to a key holding the admin role.
func (p Policy) CheckGrant(reg Registry, roles, scopes []string) error {
	for _, s := range scopes {
		if s == AllScopes {
			continue
		}
		sc, ok := reg[s]
		if !ok {
			e := Errorf(EINVALID, "unknown_scope", "unknown scope %q", s)
			e.Scope = s
			return e
		}
		if sc.AdminOnly && !p.IsAdmin(roles) {
			return p.errAdminOnly(s, "")
		}
	}
	return nil
}

// Effective expands a key's scopes: "*" becomes every registered scope
// the key may hold. The result is sorted.
func (p Policy) Effective(reg Registry, roles, scopes []string) []string {
	if !slices.Contains(scopes, AllScopes) {
		return scopes
	}
	admin := p.IsAdmin(roles)
	out := make([]string, 0, len(reg))
	for name, sc := range reg {
		if !sc.AdminOnly || admin {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// errAdminOnly refuses an admin-only scope to a key (alias, if known)
// without the admin role; Role is "" when no configured role is admin.
func (p Policy) errAdminOnly(scope, alias string) *Error {
	key := "the key"
	if alias != "" {
		key = fmt.Sprintf("key %q", alias)
	}
	var e *Error
	if admin := p.Admin(); admin != "" {
		e = Errorf(EINVALID, "admin_only_scope", "scope %q is admin-only and %s does not hold the %q role", scope, key, admin)
	} else {
		e = Errorf(EINVALID, "admin_only_scope", "scope %q is admin-only and no configured role is the admin role", scope)
	}
	e.Alias, e.Scope, e.Role = alias, scope, p.Admin()
	return e
}
