package keys

import (
	"time"
)

// CreateRequest asks for a new key. Validate normalizes it against the
// policy; the store then checks what needs the database (alias
// uniqueness, the scope registry).
type CreateRequest struct {
	Alias      string
	Fields     Change        // unset fields take their defaults (name: the alias, scopes: ["*"])
	TTL        time.Duration // 0: the policy's default_ttl
	OrRenew    bool          // an existing alias is renewed instead of refused
	Reactivate bool          // with OrRenew: a revoked key is brought back
	Credential Credential    // the key string to store, minted by the caller
	// Deliver, when set, hands a new key (and its secret) to its owner
	// inside the store's transaction, before the commit: when it fails
	// (stdout is a full disk) nothing is committed, so no key exists
	// that nobody could use. It is not called for a renewal.
	Deliver func(CreateResult) error
}

// NewKey is the record a create request makes at now.
func (r *CreateRequest) NewKey(p Policy, now time.Time) *Key {
	k := &Key{
		ID:        r.Credential.ID,
		Alias:     r.Alias,
		Name:      r.Alias,
		Roles:     []string{},
		Scopes:    []string{AllScopes},
		CreatedAt: now,
		UpdatedAt: now,
		TTL:       r.TTL,
		TokenTTL:  p.TokenTTL,
		Masked:    r.Credential.Masked,
		Status:    StatusActive,
		Meta:      Meta{},
	}
	if k.TTL == 0 {
		k.TTL = p.DefaultTTL
	}
	k.ExpiresAt = now.Add(k.TTL)
	r.Fields.Apply(k)
	return k
}

// CreateResult is a created key, or with OrRenew a renewed one.
type CreateResult struct {
	Key     *Key
	Secret  string // the key string, shown once; empty when renewed
	Renewed bool
}

// Change holds the new values of fields given by the operator; nil
// fields stay as they are.
type Change struct {
	Name        *string
	Description *string
	Owner       *string
	Roles       *[]string
	Scopes      *[]string
	TokenTTL    *time.Duration
	Meta        MetaChange
}

// Empty reports whether c changes nothing.
func (c Change) Empty() bool {
	return c.Name == nil && c.Description == nil && c.Owner == nil && c.Roles == nil && c.Scopes == nil && c.TokenTTL == nil &&
		c.Meta.Empty()
}

// Apply sets the given fields on k.
func (c Change) Apply(k *Key) {
	if c.Name != nil {
		k.Name = *c.Name
	}
	if c.Description != nil {
		k.Description = *c.Description
	}
	if c.Owner != nil {
		k.Owner = *c.Owner
	}
	if c.Roles != nil {
		k.Roles = *c.Roles
	}
	if c.Scopes != nil {
		k.Scopes = *c.Scopes
	}
	if c.TokenTTL != nil {
		k.TokenTTL = *c.TokenTTL
	}
	if !c.Meta.Empty() {
		k.Meta = c.Meta.Apply(k.Meta)
	}
}

// GrantChanged reports whether c touches what CheckGrant checks.
func (c Change) GrantChanged() bool { return c.Roles != nil || c.Scopes != nil }

// Validate checks and normalizes the given fields.
func (c *Change) Validate(p Policy) error {
	if c.Name != nil {
		n, err := NormalizeName(*c.Name)
		if err != nil {
			return err
		}
		c.Name = &n
	}
	if c.Description != nil {
		if err := ValidateDescription(*c.Description); err != nil {
			return err
		}
	}
	if c.Owner != nil {
		if err := ValidateOwner(*c.Owner); err != nil {
			return err
		}
	}
	if c.Roles != nil {
		r, err := p.NormalizeRoles(*c.Roles)
		if err != nil {
			return err
		}
		c.Roles = &r
	}
	if c.Scopes != nil {
		s, err := NormalizeScopes(*c.Scopes)
		if err != nil {
			return err
		}
		c.Scopes = &s
	}
	if c.TokenTTL != nil {
		if err := p.CheckTokenTTL(*c.TokenTTL); err != nil {
			return err
		}
	}
	return c.Meta.Validate()
}

// RenewRequest renews named keys: expires_at = now + TTL, same key string.
type RenewRequest struct {
	Refs       []string      // aliases or ids
	TTL        time.Duration // 0: each key's own; else it becomes the key's
	Change     Change        // only Name, Roles and Scopes are used
	Reactivate bool          // a revoked key is brought back instead of refused
}

// RenewAllRequest renews every non-revoked key matching the filters, all
// or none.
type RenewAllRequest struct {
	ExpiringWithin time.Duration // 0: no expiry filter
	Owner          *string
	Role           string
	DryRun         bool
}

// Filter selects keys for List.
type Filter struct {
	Status         Status // "" with AllStatuses false: everything but revoked
	AllStatuses    bool
	Role           string
	Scope          string
	Owner          *string
	Search         string
	ExpiringWithin time.Duration
	Meta           Meta   // keys carrying every one of these labels
	Sort           string // created, alias, expires, last_used
	Desc           bool
	Limit          int // 0: no limit
	Offset         int
}

// SortKeys are the orders a list may be sorted by.
var SortKeys = []string{"created", "alias", "expires", "last_used"}

// RevokeResult is one revoked key.
type RevokeResult struct {
	Key            *Key
	AlreadyRevoked bool
}

// VerifyRequest asks whether a credential is valid, and holds what is
// required of it.
type VerifyRequest struct {
	Credential string
	Roles      []string
	Scopes     []string
}

// ImportItem is one validated line of an import.
type ImportItem struct {
	Line      int
	Request   CreateRequest
	ExpiresAt *time.Time // instead of now + TTL
	Imported  bool       // Request.Credential came from another system
	Restore   *Restored  // an export line: the record's own state
	Scope     *Scope     // a scope line of keyward export, instead of a key
}

// ImportResult is one imported key.
type ImportResult struct {
	Alias  string
	ID     string
	Secret string // set for generated keys only
}
