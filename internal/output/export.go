package output

import (
	"strconv"

	"github.com/keyward/keyward/internal/keys"
)

// ExportScope appends the export line of a registered scope, without its
// newline.
func ExportScope(b []byte, sc keys.Scope) []byte {
	b = append(b, `{"scope":`...)
	b = AppendString(b, sc.Name)
	b = append(b, `,"description":`...)
	b = AppendString(b, sc.Description)
	b = append(b, `,"admin_only":`...)
	b = strconv.AppendBool(b, sc.AdminOnly)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, &sc.CreatedAt)
	return append(b, '}')
}

// ExportKey appends the export line of a key: its record as show prints
// it and the stored hash of its string; for a rotated key, also the
// stored hash of its previous string and when that one stops verifying.
// A key never rotated has a line without them, as before rotation was.
func ExportKey(b []byte, k *keys.Key, hash, previousHash string) []byte {
	b = AppendKey(b, k)
	b = append(b[:len(b)-1], `,"key_sha256":`...)
	b = AppendString(b, hash)
	if until := keys.ExportedPreviousUntil(k); previousHash != "" && until != nil {
		b = append(b, `,"previous_key_sha256":`...)
		b = AppendString(b, previousHash)
		b = append(b, `,"previous_valid_until":`...)
		b = appendTime(b, until)
	}
	return append(b, '}')
}
