package output

import (
	"strings"

	"github.com/clipperhouse/displaywidth"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// Ellipsis ends a shortened cell.
const Ellipsis = "…"

// minShortened is the narrowest a shortened cell is made while anything
// else can give way: three characters and the ellipsis still tell names
// apart better than one.
const minShortened = 4

// columnGap is the space tablewriter puts between two columns.
const columnGap = 2

// fit says how a cell may give way when the table is too wide.
type fit int

const (
	rigid fit = iota // ids, aliases, statuses, times: shortened only when nothing else is left
	free             // free text (names, descriptions, owners, labels): shortened first
	whole            // never shortened: a key string someone must copy, a label
)

// Shorten names what holds free text, shortened first when the table is
// wider than its terminal: in a table with headers the columns with
// these headers; in a table without (one record, a label and a value per
// row) the rows with these labels. In a table with headers every other
// column is shortened only when nothing else is left; in a record every
// other row is never shortened.
func (t *Table) Shorten(names ...string) *Table {
	if t.free == nil {
		t.free = map[string]bool{}
	}
	for _, n := range names {
		t.free[n] = true
	}
	return t
}

// Fit makes every rendered line at most width terminal columns wide, by
// shortening cells with a trailing "…"; 0 leaves the table as it is.
func (t *Table) Fit(width int) *Table {
	t.width = width
	return t
}

// fitOf is how cell col of row may give way.
func (t *Table) fitOf(row []string, col int) fit {
	if len(t.header) > 0 {
		if col < len(t.header) && t.free[t.header[col]] {
			return free
		}
		return rigid
	}
	if col > 0 && t.free[row[0]] {
		return free
	}
	return whole
}

// fitted returns the rows shortened to the table's width: free text
// first, the widest column before narrower ones, rigid columns only when
// free text can give no more.
func (t *Table) fitted() [][]string {
	if t.width <= 0 || len(t.rows) == 0 {
		return t.rows
	}
	n := len(t.header)
	for _, r := range t.rows {
		n = max(n, len(r))
	}
	widths := make([]int, n)
	soft := make([]int, n) // what free text alone may give way to
	hard := make([]int, n) // what a column may give way to at all
	for c, h := range t.header {
		widths[c] = Width(h)
		soft[c], hard[c] = widths[c], widths[c]
	}
	for _, r := range t.rows {
		for c, cell := range r {
			w := Width(cell)
			widths[c] = max(widths[c], w)
			switch t.fitOf(r, c) {
			case rigid:
				soft[c] = max(soft[c], w)
			case whole:
				soft[c], hard[c] = max(soft[c], w), max(hard[c], w)
			}
		}
	}
	total := columnGap * (n - 1)
	for c := range widths {
		least := min(widths[c], minShortened)
		soft[c], hard[c] = max(soft[c], least), max(hard[c], least)
		total += widths[c]
	}
	excess := total - t.width
	if excess <= 0 {
		return t.rows
	}
	excess = narrow(widths, soft, excess)
	narrow(widths, hard, excess)
	out := make([][]string, len(t.rows))
	for i, r := range t.rows {
		out[i] = make([]string, len(r))
		for c, cell := range r {
			if t.fitOf(r, c) != whole {
				cell = ShortenText(cell, widths[c])
			}
			out[i][c] = cell
		}
	}
	return out
}

// narrow takes excess columns off widths, one at a time from the widest
// column still above its floor, and returns what it could not take.
func narrow(widths, floor []int, excess int) int {
	for excess > 0 {
		widest := -1
		for c, w := range widths {
			if w > floor[c] && (widest < 0 || w > widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		excess--
	}
	return excess
}

// Width is the number of terminal columns s takes, as tablewriter
// measures it to align columns: escape sequences take none, wide (East
// Asian) characters two, combining marks none.
func Width(s string) int { return twwidth.Width(s) }

// ShortenText cuts s to at most width terminal columns, ending it with
// "…" when it was cut. It cuts between whole characters as a terminal
// shows them (a letter keeps its accents, a wide character is never
// halved) and keeps every escape sequence, so a coloured text still ends
// its colour.
func ShortenText(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	budget := max(width-Width(Ellipsis), 0)
	var head, escapes strings.Builder
	used, cut := 0, false
	g := displaywidth.Options{ControlSequences: true}.StringGraphemes(s)
	for g.Next() {
		v := g.Value()
		if strings.HasPrefix(v, "\x1b") {
			if cut {
				escapes.WriteString(v)
			} else {
				head.WriteString(v)
			}
			continue
		}
		if cut {
			continue
		}
		w := Width(v)
		if used+w > budget {
			cut = true
			continue
		}
		head.WriteString(v)
		used += w
	}
	return strings.TrimRight(head.String(), " ") + Ellipsis + escapes.String()
}
