package keys

import "time"

// A rotated key's export line carries its previous string as
// previous_key_sha256 and previous_valid_until, so that a restored
// database verifies that string as the original did: VALID through the
// grace, EXPIRED after. A previous string already past its grace is
// restored too, not dropped: it then verifies as EXPIRED, not NOT_FOUND,
// and show and revoke --key-file still find its key.

// restorePrevious reads a line's previous string into rs; expires is the
// key's expiry, which the previous string never outlives.
func (r *record) restorePrevious(rs *Restored, expires time.Time) error {
	if r.previousSHA256 == nil && r.previousUntil == nil {
		return nil
	}
	if r.previousSHA256 == nil || r.previousUntil == nil {
		return lineError("previous_key_sha256 and previous_valid_until go together: give both or neither")
	}
	until, err := parseTime("previous_valid_until", *r.previousUntil)
	if err != nil {
		return err
	}
	rs.PreviousHash, rs.PreviousValidUntil = *r.previousSHA256, &until
	return rs.validatePrevious(*r.keySHA256, expires)
}

// validatePrevious checks a restored previous string against the key's
// own hash and expiry.
func (rs *Restored) validatePrevious(hash string, expires time.Time) error {
	switch {
	case rs.PreviousHash == "" && rs.PreviousValidUntil == nil:
		return nil
	case rs.PreviousHash == "" || rs.PreviousValidUntil == nil:
		return lineError("previous_key_sha256 and previous_valid_until go together: give both or neither")
	case !IsHash(rs.PreviousHash):
		return lineError("previous_key_sha256 must be 64 lowercase hex digits")
	case HashEqual(rs.PreviousHash, hash):
		return lineError("previous_key_sha256 is the same as key_sha256: a key's two strings differ")
	case rs.PreviousValidUntil.After(expires):
		return lineError("previous_valid_until %s is after expires_at %s: a previous string never outlives its key",
			rs.PreviousValidUntil.Format(time.RFC3339), expires.Format(time.RFC3339))
	}
	return nil
}

// PreviousHash is the stored hash of the line's previous key string, or
// "" when the line restores none.
func (it *ImportItem) PreviousHash() string {
	if it.Restore == nil {
		return ""
	}
	return it.Restore.PreviousHash
}

// ExportedPreviousUntil is the previous_valid_until an export writes for
// k: when its previous string stops verifying, which is never after the
// key's expiry (a renewal for a shorter ttl may have moved the expiry
// before the end of the grace on record); nil when it has none.
func ExportedPreviousUntil(k *Key) *time.Time {
	if k.PreviousValidUntil == nil {
		return nil
	}
	t := CredentialEnd(k.ExpiresAt, k.PreviousValidUntil)
	return &t
}

// CredentialClash is a key's previous string that equals another stored
// credential: Alias is the key holding it, Hash the hash they share.
type CredentialClash struct {
	Alias string
	Hash  string
}

// ErrCredentialClashes refuses an import after which a string would
// belong to two credentials: a line's previous string that is already a
// key's or a token's, or a line's key string that is already another
// key's previous one. clashes are what the store found after writing
// items; the transaction is then rolled back.
func ErrCredentialClashes(items []ImportItem, clashes []CredentialClash) error {
	byAlias := make(map[string]*ImportItem, len(items))
	byHash := make(map[string]*ImportItem, len(items))
	for i := range items {
		if it := &items[i]; it.Scope == nil {
			byAlias[it.Request.Alias], byHash[it.Request.Credential.Hash] = it, it
		}
	}
	cs := make([]ImportConflict, 0, min(len(clashes), MaxReportedConflicts))
	for _, c := range clashes {
		if it, ok := byAlias[c.Alias]; ok && HashEqual(it.PreviousHash(), c.Hash) {
			cs = append(cs, ImportConflict{Item: *it, PreviousTaken: true})
		} else if it, ok := byHash[c.Hash]; ok {
			cs = append(cs, ImportConflict{Item: *it, KeyTaken: true})
		}
	}
	if len(cs) == 0 {
		return Errorf(ECONFLICT, "import_conflict", "a key's previous string is already in the database, nothing was imported").
			With("problem", "previous_string")
	}
	err := ErrImportConflicts(len(cs), cs[:min(len(cs), MaxReportedConflicts)])
	return err.(*Error).With("problem", "previous_string")
}
