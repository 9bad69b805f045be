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

// AppendKey appends k's JSON object to b: the same bytes as encoding/json
// writes for NewKeyDoc(k) (a test holds it to that), without reflection,
// because list streams a million of them and encoding/json would cost
// more than reading them (BenchmarkKeyJSON).
func AppendKey(b []byte, k *keys.Key) []byte {
	b = append(b, `{"id":`...)
	b = AppendString(b, k.ID)
	b = append(b, `,"alias":`...)
	b = AppendString(b, k.Alias)
	b = append(b, `,"name":`...)
	b = AppendString(b, k.Name)
	b = append(b, `,"description":`...)
	b = AppendString(b, k.Description)
	b = append(b, `,"owner":`...)
	b = AppendString(b, k.Owner)
	b = append(b, `,"roles":`...)
	b = appendStrings(b, k.Roles)
	b = append(b, `,"scopes":`...)
	b = appendStrings(b, k.Scopes)
	b = append(b, `,"status":`...)
	b = AppendString(b, string(k.Status))
	b = append(b, `,"created_at":`...)
	b = appendTime(b, &k.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, &k.UpdatedAt)
	b = append(b, `,"expires_at":`...)
	b = appendTime(b, &k.ExpiresAt)
	b = append(b, `,"last_used_at":`...)
	b = appendTime(b, k.LastUsedAt)
	b = append(b, `,"revoked_at":`...)
	b = appendTime(b, k.RevokedAt)
	b = append(b, `,"revoke_reason":`...)
	if k.RevokeReason == "" {
		b = append(b, "null"...)
	} else {
		b = AppendString(b, k.RevokeReason)
	}
	b = append(b, `,"ttl_seconds":`...)
	b = strconv.AppendInt(b, int64(k.TTL/time.Second), 10)
	b = append(b, `,"token_ttl_seconds":`...)
	b = strconv.AppendInt(b, int64(k.TokenTTL/time.Second), 10)
	b = append(b, `,"masked":`...)
	b = AppendString(b, k.Masked)
	b = append(b, `,"imported":`...)
	b = strconv.AppendBool(b, k.Imported)
	return append(b, '}')
}

// appendTime appends t as Time's JSON, or null.
func appendTime(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	u := t.UTC()
	y, mo, d := u.Date()
	if y < 0 || y > 9999 {
		b = append(b, '"')
		b = u.AppendFormat(b, TimeFormat)
		return append(b, '"')
	}
	// TimeFormat by hand: AppendFormat parses its layout on every call,
	// a tenth of list's time.
	h, mi, s := u.Clock()
	return append(b, '"', digit(y/1000), digit(y/100), digit(y/10), digit(y),
		'-', digit(int(mo)/10), digit(int(mo)), '-', digit(d/10), digit(d),
		'T', digit(h/10), digit(h), ':', digit(mi/10), digit(mi), ':', digit(s/10), digit(s), 'Z', '"')
}

func digit(n int) byte { return byte('0' + n%10) }

// appendStrings appends an array of strings; nil is [].
func appendStrings(b []byte, v []string) []byte {
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping.
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
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
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
