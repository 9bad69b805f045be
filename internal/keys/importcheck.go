package keys

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CheckImportGrants checks every line's roles and scopes against the
// registry before anything is written, naming the bad lines.
func (p Policy) CheckImportGrants(reg Registry, items []ImportItem) error {
	var bad []string
	count := 0
	for _, it := range items {
		if it.Scope != nil || !it.Request.Fields.GrantChanged() {
			continue
		}
		k := it.Request.NewKey(p, time.Time{})
		if err := p.CheckGrant(reg, k.Roles, k.Scopes); err != nil {
			count++
			if len(bad) < maxReportedLines {
				bad = append(bad, fmt.Sprintf("line %d: %s", it.Line, err.(*Error).Message))
			}
		}
	}
	if count == 0 {
		return nil
	}
	return Errorf(EINVALID, "invalid_import", "%d invalid line(s), nothing was imported: %s", count, strings.Join(bad, "; ")).
		With("problem", "grants")
}

// ImportConflict is a line the database refused: what of it the database
// already holds.
type ImportConflict struct {
	Item       ImportItem
	AliasTaken bool
	KeyTaken   bool // the key string (its hash); else its id
	// PreviousTaken: the line's previous key string (a rotated key's
	// previous_key_sha256) is already a credential of the database.
	PreviousTaken bool
}

// ErrImportConflicts refuses an import of which total lines conflict with
// the database; cs are the first of them, looked up.
func ErrImportConflicts(total int, cs []ImportConflict) error {
	bad := make([]string, 0, len(cs))
	for _, c := range cs {
		it := c.Item
		switch {
		case c.AliasTaken:
			bad = append(bad, fmt.Sprintf("line %d: alias %q already exists", it.Line, it.Request.Alias))
		case c.KeyTaken:
			bad = append(bad, fmt.Sprintf("line %d: the key is already in the database", it.Line))
		case c.PreviousTaken:
			bad = append(bad, fmt.Sprintf("line %d: the key's previous string is already in the database", it.Line))
		default:
			bad = append(bad, fmt.Sprintf("line %d: a key with id %s already exists", it.Line, it.Request.Credential.ID))
		}
	}
	msg := strings.Join(bad, "; ")
	if total > len(bad) {
		msg += fmt.Sprintf("; and %d more", total-len(bad))
	}
	e := Errorf(ECONFLICT, "import_conflict", "%d line(s) conflict with the database, nothing was imported: %s", total, msg)
	if !slices.ContainsFunc(cs, func(c ImportConflict) bool { return !c.PreviousTaken }) {
		e.With("problem", "previous_string")
	}
	return e
}

// MaxReportedConflicts bounds how many conflicting lines a store looks up
// to name them.
const MaxReportedConflicts = maxReportedLines
