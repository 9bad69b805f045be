package sqlite

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// packedColumns is a key row as one text value. list reads up to a
// million rows, and the driver takes SQLite's connection mutex two or
// three times per column it reads: over 17 columns that was a third of a
// list's CPU time, against one column here. The integers come first,
// separated by commas (an unset time is empty); each text field follows
// as its length in bytes, a colon and the text, so that no character in
// the text can be mistaken for a separator. One printf builds the value:
// a chain of || copies the growing string at every step, which took half
// of SQLite's time for the query. (printf's %s stops at a NUL byte, which
// no stored text holds: they refuse control characters; were one there,
// its length would not match and the row would be reported malformed.)
var packedColumns = `printf('` + strings.Repeat("%d,", 6) + `%s,%s,` + strings.Repeat("%d:%s", packedTexts) + `',
	imported, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at,
	ifnull(last_used_at, ''), ifnull(revoked_at, ''), ` +
	packedText("id") + `, ` + packedText("alias") + `, ` + packedText("masked") + `, ` + packedText("roles") + `, ` +
	packedText("scopes") + `, ` + packedText("name") + `, ` + packedText("owner") + `, ` +
	packedText("ifnull(revoke_reason, '')") + `, ` + packedText("description") + `)`

func packedText(col string) string {
	return `length(CAST(` + col + ` AS BLOB)), ` + col
}

const (
	packedInts  = 8
	packedTexts = 9
)

var errPacked = errors.New("packed key row is malformed")

// scanPacked reads one packedColumns value.
func scanPacked(s string, now time.Time) (*keys.Key, error) {
	var ints [packedInts]int64
	var set [packedInts]bool
	for i := range ints {
		field, rest, ok := strings.Cut(s, ",")
		if !ok {
			return nil, errPacked
		}
		s = rest
		if field == "" {
			continue
		}
		v, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return nil, errPacked
		}
		ints[i], set[i] = v, true
	}
	var text [packedTexts]string
	for i := range text {
		n, rest, ok := strings.Cut(s, ":")
		if !ok {
			return nil, errPacked
		}
		size, err := strconv.Atoi(n)
		if err != nil || size < 0 || size > len(rest) {
			return nil, errPacked
		}
		text[i], s = rest[:size], rest[size:]
	}
	if s != "" {
		return nil, errPacked
	}
	k := &keys.Key{
		Imported:  ints[0] != 0,
		TTL:       time.Duration(ints[1]) * time.Second,
		TokenTTL:  time.Duration(ints[2]) * time.Second,
		CreatedAt: unix(ints[3]),
		UpdatedAt: unix(ints[4]),
		ExpiresAt: unix(ints[5]),
		ID:        text[0], Alias: text[1], Masked: text[2],
		Roles: decodeList(text[3]), Scopes: decodeList(text[4]),
		Name: text[5], Owner: text[6], RevokeReason: text[7], Description: text[8],
	}
	if set[6] {
		t := unix(ints[6])
		k.LastUsedAt = &t
	}
	if set[7] {
		t := unix(ints[7])
		k.RevokedAt = &t
	}
	k.Status = keys.StatusAt(k.RevokedAt, k.ExpiresAt, now)
	return k, nil
}
