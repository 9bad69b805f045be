package keys

import (
	"context"
	"time"
)

// Store keeps keys, scopes and tokens. Every method validates what it is
// given (EINVALID, nothing written) whoever calls it, asks the rules in
// this package, and writes their result in one transaction: all of it
// happens or none. Any method may also return EINTERNAL (the database
// failed: reasons db_busy, db_read_only, disk_full, db_corrupt,
// io_error, db_error, …) or EINTERRUPTED (the context was cancelled;
// nothing was changed).
type Store interface {
	// CreateKey stores a new key (Policy.Create), or with OrRenew renews
	// the key holding the alias.
	// EINVALID: an invalid request (invalid_alias, invalid_name,
	// unknown_role, invalid_scope, ttl_too_long, invalid_flags,
	// invalid_credential, …), unknown_scope, admin_only_scope.
	// ECONFLICT alias_exists: the alias is taken and OrRenew is not set.
	// With OrRenew, as RenewKeys.
	CreateKey(ctx context.Context, req CreateRequest) (CreateResult, error)

	// RenewKeys renews the keys named by alias or id (Policy.Renew), all
	// or none, and returns them in the order named.
	// EINVALID: invalid_alias (not an alias or id), ttl_too_long (asked
	// for, or the key's own TTL above a lowered max_ttl), invalid_name,
	// unknown_role, unknown_scope, admin_only_scope.
	// ENOTFOUND key_not_found. ECONFLICT key_revoked: a revoked key and
	// no Reactivate.
	RenewKeys(ctx context.Context, req RenewRequest) ([]*Key, error)

	// RenewAll renews every non-revoked key matching the request for its
	// own TTL (Policy.RenewAll), all or none, sorted by alias; with
	// DryRun it only reports them.
	// EINVALID: unknown_role, invalid_owner, ttl_too_long (a key's TTL
	// above max_ttl: nothing renewed).
	RenewAll(ctx context.Context, req RenewAllRequest) ([]*Key, error)

	// UpdateKey changes a key's fields (Policy.Update), not its expiry.
	// EINVALID: invalid_alias, invalid_name, invalid_description,
	// invalid_owner, unknown_role, invalid_scope, token_ttl_too_long,
	// unknown_scope, admin_only_scope. ENOTFOUND key_not_found.
	UpdateKey(ctx context.Context, ref string, c Change) (*Key, error)

	// FindKey returns the key with alias or id ref; an alias wins over
	// an id that spells the same.
	// EINVALID invalid_alias or secret_in_argument. ENOTFOUND key_not_found.
	FindKey(ctx context.Context, ref string) (*Key, error)

	// ActiveTokens counts the tokens of a key that would verify now.
	// EINVALID invalid_id.
	ActiveTokens(ctx context.Context, keyID string) (int, error)

	// ListKeys streams the keys matching f to fn, one at a time, and
	// stops at fn's first error, which it returns.
	// EINVALID: invalid_status, invalid_scope, invalid_owner,
	// invalid_sort, usage (a negative limit or offset).
	ListKeys(ctx context.Context, f Filter, fn func(*Key) error) error

	// CountKeys counts the keys matching f, as ListKeys selects them,
	// whatever f's Limit and Offset.
	// EINVALID: as ListKeys.
	CountKeys(ctx context.Context, f Filter) (int, error)

	// RevokeKeys revokes the named keys and their tokens (Revoke), all or
	// none; a key already revoked is reported as such and left alone.
	// EINVALID: invalid_alias, invalid_reason, usage (no ref).
	// ENOTFOUND key_not_found.
	RevokeKeys(ctx context.Context, refs []string, reason string) ([]RevokeResult, error)

	// RevokeCredential revokes the key whose string is given
	// (RevocationTarget).
	// EINVALID: malformed_key, token_not_key, invalid_reason.
	// ENOTFOUND key_not_found.
	RevokeCredential(ctx context.Context, credential, reason string) (RevokeResult, error)

	// Scopes lists the registry, sorted by name, with how many
	// non-revoked keys name each scope.
	Scopes(ctx context.Context) ([]Scope, error)

	// AddScope registers a scope (AddScope).
	// EINVALID: invalid_scope, invalid_description.
	// ECONFLICT scope_exists.
	AddScope(ctx context.Context, s Scope) error

	// RemoveScope unregisters a scope no non-revoked key names
	// (RemoveScope).
	// EINVALID invalid_scope. ENOTFOUND scope_not_found.
	// ECONFLICT scope_in_use.
	RemoveScope(ctx context.Context, name string) error

	// MintToken stores a token of the key KeyID (Policy.MintToken); a
	// Verifier finds that key from its string first (MintFrom).
	// EINVALID: invalid_id, invalid_duration, invalid_scope,
	// invalid_credential, admin_only_scope, scope_not_held.
	// ENOTFOUND key_not_found. EREJECTED: revoked, expired.
	MintToken(ctx context.Context, req TokenRequest) (TokenResult, error)

	// Finder: FindCredential (EINVALID invalid_hash) and Registry.
	Finder

	// Touch records last_used_at = at on a key unless it was recorded
	// less than LastUsedInterval before; best effort: it never fails,
	// waits little for a busy database and never holds readers up.
	Touch(ctx context.Context, keyID string, at time.Time)

	// Import writes validated lines in one transaction, all or none.
	// EINVALID invalid_import (a line invalid, or naming an unknown or
	// admin-only scope). ECONFLICT import_conflict (an alias, key string
	// or id already in the database).
	Import(ctx context.Context, items []ImportItem) ([]ImportResult, error)
	// ImportDeliver is Import that hands the results (every generated
	// key's only copy) to deliver inside the transaction, just before it
	// commits: an error from deliver rolls the import back. deliver runs
	// at most once, however often the transaction is retried.
	ImportDeliver(ctx context.Context, items []ImportItem, deliver func([]ImportResult) error) ([]ImportResult, error)

	// RotateKey gives a key a new string (Rotate); the replaced one
	// keeps verifying through the grace.
	// EINVALID: invalid_alias, invalid_duration, invalid_credential.
	// ENOTFOUND key_not_found. ECONFLICT: key_revoked, key_expired,
	// previous_in_grace.
	RotateKey(ctx context.Context, req RotateRequest) (RotateResult, error)
	// RotateDeliver is RotateKey that hands the new string to deliver
	// just before it commits, as ImportDeliver does.
	RotateDeliver(ctx context.Context, req RotateRequest, deliver func(RotateResult) error) (RotateResult, error)

	// AuditLog: every method above that changes something records its
	// events in its own transaction; Events, CheckLog and LogHead read them.
	AuditLog
	// Export reads the scope registry, then every key (revoked and
	// expired ones too) with its stored hash, and its previous string's
	// ("" when none), in the order the keys were created, all from one
	// snapshot of the database.
	Export(ctx context.Context, scope func(Scope) error, key func(k *Key, hash, previousHash string) error) error

	// Close releases the database.
	Close() error
}
