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
// it, and the stored hash of its string.
func ExportKey(b []byte, k *keys.Key, hash string) []byte {
	b = AppendKey(b, k)
	b = append(b[:len(b)-1], `,"key_sha256":`...)
	b = AppendString(b, hash)
	return append(b, '}')
}
