package output

import (
	"bytes"
	"strings"
	"testing"
)

func TestShortenText(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"ci-bot", 6, "ci-bot"},
		{"ci-bot", 60, "ci-bot"},
		{"ci-bot", 5, "ci-b…"},
		{"Nightly backup of the billing database", 12, "Nightly bac…"},
		// no space before the ellipsis
		{"Nightly backup", 9, "Nightly…"},
		// wide characters take two columns and are never halved
		{"日本語テキスト", 7, "日本語…"},
		{"日本語テキスト", 6, "日本…"},
		{"ab日本", 4, "ab…"},
		// a letter keeps its combining accent
		{"Cafe\u0301 au lait", 5, "Cafe\u0301…"},
		{"Cafe\u0301 au lait", 4, "Caf…"},
		// an emoji with its skin tone is one character
		{"👍🏽👍🏽", 5, "👍🏽…"},
		{"👍🏽👍🏽", 3, "…"},
		// a colour is kept, and still ends
		{"\x1b[31mrevoked\x1b[0m", 5, "\x1b[31mrevo…\x1b[0m"},
		{"\x1b[31mrevoked\x1b[0m", 7, "\x1b[31mrevoked\x1b[0m"},
		{"abc", 1, "…"},
	} {
		got := ShortenText(c.in, c.width)
		if got != c.want {
			t.Errorf("ShortenText(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
		if w := Width(got); w > c.width {
			t.Errorf("ShortenText(%q, %d) = %q takes %d columns", c.in, c.width, got, w)
		}
	}
}

func TestWidthCountsTerminalColumns(t *testing.T) {
	for s, want := range map[string]int{
		"abc":                    3,
		"日本":                     4,
		"Cafe\u0301":             4,
		"\x1b[33mexpired\x1b[0m": 7,
		Ellipsis:                 1,
	} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

// render renders t and fails the test on an error.
func render(t *testing.T, tbl *Table) []string {
	t.Helper()
	var out bytes.Buffer
	if err := tbl.Render(&out); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// listTable is a list as keyward shows it, long names included.
func listTable() *Table {
	tbl := NewTable("ALIAS", "ID", "NAME", "SCOPES", "STATUS", "EXPIRES").Shorten("NAME", "SCOPES")
	tbl.Row("ci-bot", "Xq3bT8s0aZ1c", "The continuous integration robot of the billing team", "backup:read,backup:write", "active", "in 15d")
	tbl.Row("名前", "JwR0x9aa2bQz", "日本語の名前がとても長いキーの説明です", "*", "expired", "3h ago")
	tbl.Row("b", "Kk81mMzz0PqR", "short", "*", "revoked", "-")
	return tbl
}

func TestFitShortensFreeTextFirst(t *testing.T) {
	wide := render(t, listTable())
	if got := render(t, listTable().Fit(0)); strings.Join(got, "\n") != strings.Join(wide, "\n") {
		t.Errorf("Fit(0) changed the table:\n%s", strings.Join(got, "\n"))
	}
	natural := 0
	for _, l := range wide {
		natural = max(natural, Width(l))
	}
	if got := render(t, listTable().Fit(natural)); strings.Join(got, "\n") != strings.Join(wide, "\n") {
		t.Errorf("a table that fits was changed:\n%s", strings.Join(got, "\n"))
	}
	for _, width := range []int{natural - 1, 80, 70, 60, 55} {
		lines := render(t, listTable().Fit(width))
		for i, l := range lines {
			if w := Width(l); w > width {
				t.Errorf("width %d: line %d takes %d columns: %q", width, i, w, l)
			}
			if strings.HasSuffix(l, " ") {
				t.Errorf("width %d: trailing space on line %d: %q", width, i, l)
			}
		}
		all := strings.Join(lines, "\n")
		for _, whole := range []string{"ALIAS", "EXPIRES", "ci-bot", "Xq3bT8s0aZ1c", "JwR0x9aa2bQz", "名前", "expired", "in 15d", "3h ago"} {
			if !strings.Contains(all, whole) {
				t.Errorf("width %d: %q was shortened while free text could give way:\n%s", width, whole, all)
			}
		}
		if !strings.Contains(lines[1], Ellipsis) {
			t.Errorf("width %d: the long name was not shortened with %q: %q", width, Ellipsis, lines[1])
		}
	}
	// The widest free column gives way first: at 100 columns the name
	// is shortened and the scopes are not.
	lines := render(t, listTable().Fit(100))
	if !strings.Contains(lines[1], "backup:read,backup:write") || !strings.Contains(lines[1], Ellipsis) {
		t.Errorf("at 100 columns: %q", lines[1])
	}
}

func TestFitShortensRigidColumnsLast(t *testing.T) {
	tbl := NewTable("ALIAS", "ID", "NAME").Shorten("NAME")
	tbl.Row("a-rather-long-alias-for-a-key", "Xq3bT8s0aZ1c", "A name")
	lines := render(t, tbl.Fit(30))
	for _, l := range lines {
		if Width(l) > 30 {
			t.Errorf("line takes %d columns: %q", Width(l), l)
		}
	}
	// Nothing else left: the alias and the id give way too, the widest
	// first, once the name is down to a few characters.
	if want := "a-rather-l…  Xq3bT8s0aZ…  A n…"; lines[1] != want {
		t.Errorf("got %q, want %q", lines[1], want)
	}
	// Headers are never shortened: the table is as narrow as they allow.
	tbl = NewTable("ALIAS", "DESCRIPTION").Shorten("DESCRIPTION")
	tbl.Row("x", strings.Repeat("d", 50))
	if lines := render(t, tbl.Fit(5)); lines[0] != "ALIAS  DESCRIPTION" || lines[1] != "x      dddddddddd…" {
		t.Errorf("too narrow for the headers: %q", lines)
	}
}

func TestFitRecordShortensOnlyNamedRows(t *testing.T) {
	key := "kw_Xq3bT8s0aZ1c_" + strings.Repeat("A", 38)
	build := func() *Table {
		tbl := NewTable().Shorten("NAME", "DESCRIPTION")
		tbl.Row("KEY", key)
		tbl.Row("ALIAS", "ci-bot")
		tbl.Row("NAME", "ci-bot")
		tbl.Row("DESCRIPTION", strings.Repeat("a long description ", 10))
		tbl.Row("EXPIRES", "2026-12-08T05:06:20Z (in 15d)")
		return tbl
	}
	lines := render(t, build().Fit(80))
	if lines[0] != "KEY          "+key || lines[4] != "EXPIRES      2026-12-08T05:06:20Z (in 15d)" {
		t.Errorf("a key string or a time was touched: %q", lines)
	}
	if !strings.HasSuffix(lines[3], Ellipsis) || Width(lines[3]) > 80 {
		t.Errorf("description not fitted to 80 columns: %q", lines[3])
	}
	// Narrower than the key string: the key stays whole (it must be
	// copied), the free text gives way down to it.
	lines = render(t, build().Fit(40))
	if lines[0] != "KEY          "+key {
		t.Errorf("the key string was shortened: %q", lines[0])
	}
	if Width(lines[3]) != Width(lines[0]) || !strings.HasSuffix(lines[3], Ellipsis) {
		t.Errorf("description %q, key line %q", lines[3], lines[0])
	}
}
