package cmd

import "testing"

func TestTableWidth(t *testing.T) {
	for _, c := range []struct {
		tty     bool
		columns string // "": unset
		term    int
		want    int
	}{
		{false, "100", 120, 0}, // piped: no limit, whatever COLUMNS says
		{true, "", 120, 120},
		{true, "100", 120, 100},
		{true, " 100 ", 120, 100},
		{true, "wide", 120, 120},
		{true, "0", 120, 120},
		{true, "-5", 120, 120},
		{true, "", 0, 80}, // a terminal that does not say
	} {
		env := map[string]string{}
		if c.columns != "" {
			env["COLUMNS"] = c.columns
		}
		s := newLifecycleIO(env)
		s.io.OutTTY, s.io.OutWidth = c.tty, c.term
		if got := (&Factory{IO: s.io}).tableWidth(); got != c.want {
			t.Errorf("tty=%v COLUMNS=%q terminal %d: width %d, want %d", c.tty, c.columns, c.term, got, c.want)
		}
	}
}
