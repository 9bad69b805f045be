package sqlite

import (
	"reflect"
	"strings"
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

func TestWhereShifted(t *testing.T) {
	var w where
	w.add(`a = ?`, 1)
	w.add(`b = ?1 OR c = ?2`, 2, 3)
	for range 8 {
		w.add(`d = ?`, 4)
	}
	got := w.shifted(1)
	if !strings.Contains(got, "(a = ?2)") || !strings.Contains(got, "(b = ?3 OR c = ?4)") || !strings.Contains(got, "(d = ?12)") || strings.Contains(got, "?1)") {
		t.Errorf("shifted: %s", got)
	}
}
