package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// encodeList writes names as a JSON array. Role and scope names never
// need escaping: their syntax admits no quote, backslash or control
// character.
func encodeList(names []string) string {
	if len(names) == 0 {
		return "[]"
	}
	return `["` + strings.Join(names, `","`) + `"]`
}

// decodeList reads what encodeList wrote.
func decodeList(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	if strings.TrimSpace(s) == "" {
		return []string{}
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"`)
	}
	return parts
}

func unix(v int64) time.Time { return time.Unix(v, 0).UTC() }

func nullUnix(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := unix(v.Int64)
	return &t
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func isConstraint(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

func unixOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}

// keyward_fold lowers text for a search in every script, not only ASCII
// as SQLite's lower() does: "ZOË" finds "zoë".
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("keyward_fold", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return fold(v), nil
		case []byte:
			return fold(string(v)), nil
		}
		return args[0], nil
	})
}

func fold(s string) string { return strings.ToLower(s) }
