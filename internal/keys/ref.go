package keys

import "fmt"

// ResolveRef decides which key ref names, given the key whose alias is
// ref and the key whose id is ref (either may be nil). When they are two
// different keys the reference is ambiguous and refused: acting on the
// wrong one (revoking a look-alike while the leaked key stays valid) is
// worse than asking.
func ResolveRef(ref string, byAlias, byID *Key) (*Key, error) {
	switch {
	case byAlias == nil && byID == nil:
		return nil, ErrKeyNotFound(ref)
	case byAlias == nil:
		return byID, nil
	case byID == nil || byID.ID == byAlias.ID:
		return byAlias, nil
	}
	e := Errorf(EINVALID, "ambiguous_ref", "%q is the alias of key %s and the id of key %q", ref, byAlias.ID, byID.Alias)
	e.Alias = byAlias.Alias
	return nil, e.With("alias_key_id", byAlias.ID, "id_key_alias", byID.Alias)
}

// ErrAliasIsID refuses an alias that spells another key's id: a
// reference to it would name two keys.
func ErrAliasIsID(alias, otherAlias string) *Error {
	e := Errorf(ECONFLICT, "alias_is_id", "alias %q is the id of key %q", alias, otherAlias)
	e.Alias = alias
	return e.With("other_alias", otherAlias)
}

// ErrImportAliasesAreIDs refuses an import whose aliases spell existing ids.
func ErrImportAliasesAreIDs(pairs [][2]string) *Error {
	msg := ""
	for i, p := range pairs {
		if i > 0 {
			msg += "; "
		}
		msg += fmt.Sprintf("alias %q is the id of key %q", p[0], p[1])
	}
	return Errorf(ECONFLICT, "import_conflict", "%d line(s) conflict with the database, nothing was imported: %s", len(pairs), msg).
		With("problem", "alias_is_id")
}
