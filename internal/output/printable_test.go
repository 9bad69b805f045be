package output

import "testing"

func TestPrintable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"billing-api", "billing-api"},
		{"Zürich 東京 ☕", "Zürich 東京 ☕"},
		{"evil\x1b]0;pwned\x07\x1b[2Jx", `evil\x1b]0;pwned\a\x1b[2Jx`},
		{"tab\there\nnew", `tab\there\nnew`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"raw \x9b31m", `raw \x9b31m`},
		{"\u202eevil\u2066", `\u202eevil\u2066`},
		{"", ""},
	} {
		if got := Printable(c.in); got != c.want {
			t.Errorf("Printable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzPrintable(f *testing.F) {
	f.Add("evil\x1b[2J\u202e\x9b")
	f.Fuzz(func(t *testing.T, s string) {
		p := Printable(s)
		if firstUnsafe(p) >= 0 {
			t.Fatalf("Printable(%q) = %q still holds a control", s, p)
		}
		if firstUnsafe(s) < 0 && p != s {
			t.Fatalf("Printable changed the clean string %q", s)
		}
	})
}
