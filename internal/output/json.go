// Package output renders keyward's data for terminals, pipes and jq.
package output

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/keys"
)

// TimeFormat is RFC 3339 in UTC with second precision.
const TimeFormat = "2006-01-02T15:04:05Z"

// JSON builds one JSON object by appending fields to a byte slice: the
// key record is written this way because list streams it a million
// times, and reflection would cost more than the database read.
type JSON struct{ b []byte }

// NewObject starts an object, reusing buf's storage.
func NewObject(buf []byte) *JSON { return &JSON{b: append(buf[:0], '{')} }

// Bytes closes the object and returns it.
func (j *JSON) Bytes() []byte { return append(j.b, '}') }

func (j *JSON) key(name string) {
	if len(j.b) > 1 {
		j.b = append(j.b, ',')
	}
	j.b = append(j.b, '"')
	j.b = append(j.b, name...)
	j.b = append(j.b, '"', ':')
}

// String adds a string field.
func (j *JSON) String(name, v string) *JSON {
	j.key(name)
	j.b = AppendString(j.b, v)
	return j
}

// NullString adds a string field that is null when empty.
func (j *JSON) NullString(name, v string) *JSON {
	if v == "" {
		j.key(name)
		j.b = append(j.b, "null"...)
		return j
	}
	return j.String(name, v)
}

// Int adds an integer field.
func (j *JSON) Int(name string, v int64) *JSON {
	j.key(name)
	j.b = strconv.AppendInt(j.b, v, 10)
	return j
}

// Bool adds a boolean field.
func (j *JSON) Bool(name string, v bool) *JSON {
	j.key(name)
	j.b = strconv.AppendBool(j.b, v)
	return j
}

// Time adds an RFC 3339 time field.
func (j *JSON) Time(name string, t time.Time) *JSON {
	j.key(name)
	j.b = append(j.b, '"')
	j.b = t.UTC().AppendFormat(j.b, TimeFormat)
	j.b = append(j.b, '"')
	return j
}

// NullTime adds a time field that is null when unset.
func (j *JSON) NullTime(name string, t *time.Time) *JSON {
	if t == nil {
		j.key(name)
		j.b = append(j.b, "null"...)
		return j
	}
	return j.Time(name, *t)
}

// Strings adds an array of strings; nil is written as [].
func (j *JSON) Strings(name string, v []string) *JSON {
	j.key(name)
	j.b = append(j.b, '[')
	for i, s := range v {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		j.b = AppendString(j.b, s)
	}
	j.b = append(j.b, ']')
	return j
}

// Raw adds a field whose value is already JSON.
func (j *JSON) Raw(name string, v []byte) *JSON {
	j.key(name)
	j.b = append(j.b, v...)
	return j
}

// Key adds the fields of a key record, in the documented order.
func (j *JSON) Key(k *keys.Key) *JSON {
	return j.String("id", k.ID).
		String("alias", k.Alias).
		String("name", k.Name).
		String("description", k.Description).
		String("owner", k.Owner).
		Strings("roles", k.Roles).
		Strings("scopes", k.Scopes).
		String("status", string(k.Status)).
		Time("created_at", k.CreatedAt).
		Time("updated_at", k.UpdatedAt).
		Time("expires_at", k.ExpiresAt).
		NullTime("last_used_at", k.LastUsedAt).
		NullTime("revoked_at", k.RevokedAt).
		NullString("revoke_reason", k.RevokeReason).
		Int("ttl_seconds", int64(k.TTL/time.Second)).
		Int("token_ttl_seconds", int64(k.TokenTTL/time.Second)).
		String("masked", k.Masked).
		Bool("imported", k.Imported)
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Object adds a nested object field built by fn.
func (j *JSON) Object(name string, fn func(*JSON)) *JSON {
	j.key(name)
	inner := &JSON{b: []byte{'{'}}
	fn(inner)
	j.b = append(j.b, inner.Bytes()...)
	return j
}
