package sqlite

import (
	"reflect"
	"testing"
)

func TestWhereRenumbersPlaceholders(t *testing.T) {
	var w where
	if w.sql() != "1" {
		t.Errorf("empty: %q", w.sql())
	}
	w.add(`a = ?`, "A")
	w.add(`(x = ?1 OR y = ?1) AND z = ?2`, "X", "Z")
	w.add(`b = ? AND c = ?`, "B", "C")
	want := `(a = ?1) AND ((x = ?2 OR y = ?2) AND z = ?3) AND (b = ?4 AND c = ?5)`
	if w.sql() != want {
		t.Errorf("sql\n got %s\nwant %s", w.sql(), want)
	}
	if !reflect.DeepEqual(w.args, []any{"A", "X", "Z", "B", "C"}) {
		t.Errorf("args %v", w.args)
	}

	// The renew --all form: ?1 is reserved for now.
	r := where{args: []any{int64(100)}}
	r.add(`revoked_at IS NULL`)
	r.add(`expires_at <= ?`, int64(200))
	if r.sql() != `(revoked_at IS NULL) AND (expires_at <= ?2)` || len(r.args) != 2 {
		t.Errorf("%s %v", r.sql(), r.args)
	}
}
