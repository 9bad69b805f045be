package keys

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Lengths of the parts of a key or token string.
const (
	IDLen     = 12
	randLen   = 32
	SecretLen = randLen + checksumLen

	// MinCredentialLen and MaxCredentialLen bound any string keyward will
	// look up, its own or an imported one.
	MinCredentialLen = 16
	MaxCredentialLen = 256
)

// Kind tells a key from a token.
type Kind string

const (
	KindKey   Kind = "key"
	KindToken Kind = "token"
)

// ValidatePrefix checks a configured key prefix.
func ValidatePrefix(p string) error {
	if !IsPrefix(p) {
		return Errorf(EINVALID, "invalid_prefix", "invalid key_prefix %q: want a lowercase letter then up to 15 lowercase letters or digits", p)
	}
	return nil
}

// Credential is a freshly minted key or token string with what is stored
// of it. String is shown once and never stored.
type Credential struct {
	String string
	ID     string
	Hash   string
	Masked string
}

// NewCredential mints a key (kind KindKey) or token string under prefix:
// {prefix}_{id}_{secret} for a key, {prefix}t_{id}_{secret} for a token,
// the secret ending in the base62 CRC32 of everything before it.
func NewCredential(prefix string, kind Kind) Credential {
	head := prefix
	if kind == KindToken {
		head += "t"
	}
	id := NewID()
	body := head + "_" + id + "_" + randomBase62(randLen)
	s := body + checksum(body)
	return Credential{String: s, ID: id, Hash: Hash(s), Masked: Mask(s)}
}

// NewID returns a random public id.
func NewID() string { return randomBase62(IDLen) }

// Hash returns the hex SHA-256 of a whole key or token string: the only
// form in which keyward stores a secret.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// HashEqual compares two hex hashes in constant time.
func HashEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Mask returns the display stub of a credential: for keyward's own shape
// prefix_id_ and the first four secret characters, for any other string
// its first four characters; both followed by "…".
func Mask(s string) string {
	if p, ok := parseShape(s); ok {
		return p.Head + "_" + p.ID + "_" + p.Secret[:4] + "…"
	}
	if len(s) > 4 {
		s = s[:4]
	}
	return s + "…"
}

// Parsed is a credential string split into its parts.
type Parsed struct {
	Head   string // the part before the first '_': a prefix, or a prefix + "t"
	ID     string
	Secret string
}

// MaybeToken reports whether the head could be a token's ({prefix}t).
func (p Parsed) MaybeToken() bool { return len(p.Head) >= 2 && strings.HasSuffix(p.Head, "t") }

// parseShape splits s if it has keyward's shape, checksum unchecked.
func parseShape(s string) (Parsed, bool) {
	head, rest, ok := strings.Cut(s, "_")
	if !ok || len(head) == 0 || len(head) > 17 {
		return Parsed{}, false
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != IDLen || len(secret) != SecretLen || !isBase62(id) || !isBase62(secret) {
		return Parsed{}, false
	}
	if head[0] < 'a' || head[0] > 'z' {
		return Parsed{}, false
	}
	for i := 1; i < len(head); i++ {
		if c := head[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return Parsed{}, false
		}
	}
	return Parsed{Head: head, ID: id, Secret: secret}, true
}

// ShapeResult is what Parse makes of a credential string.
type ShapeResult int

const (
	// Malformed: keyward's shape with a bad checksum, or not a possible
	// key at all (too short, too long, not printable).
	Malformed ShapeResult = iota
	// Native: keyward's shape with a good checksum; look it up by id.
	Native
	// Foreign: a possible imported key; look it up by its hash.
	Foreign
)

// Parse classifies a credential string without touching the database.
func Parse(s string) (Parsed, ShapeResult) {
	if len(s) < MinCredentialLen || len(s) > MaxCredentialLen || !printable(s) {
		return Parsed{}, Malformed
	}
	p, ok := parseShape(s)
	if !ok {
		return Parsed{}, Foreign
	}
	n := len(s) - checksumLen
	if checksum(s[:n]) != s[n:] {
		return Parsed{}, Malformed
	}
	return p, Native
}

// printable reports whether s is printable ASCII without spaces.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// LooksLikeCredential reports whether a command-line argument is probably
// a secret pasted in the wrong place: keyward's shape, or a long printable
// string that no alias could be (an imported key, a token from elsewhere)
// and a key could (at most MaxCredentialLen characters).
func LooksLikeCredential(s string) bool {
	if _, ok := parseShape(s); ok {
		return true
	}
	return len(s) >= 32 && len(s) <= MaxCredentialLen && printable(s) && !IsAlias(s)
}

// IsHash reports whether s is a hex SHA-256 as Hash writes it.
func IsHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
