package output

import "github.com/keyward/keyward/internal/keys"

// ExportScope appends the export line of a registered scope, without its
// newline.
func ExportScope(buf []byte, sc keys.Scope) []byte {
	return NewObject(buf).String("scope", sc.Name).String("description", sc.Description).
		Bool("admin_only", sc.AdminOnly).Time("created_at", sc.CreatedAt).Bytes()
}

// ExportKey appends the export line of a key: its record as show prints
// it, and the stored hash of its string.
func ExportKey(buf []byte, k *keys.Key, hash string) []byte {
	return NewObject(buf).Key(k).String("key_sha256", hash).Bytes()
}
