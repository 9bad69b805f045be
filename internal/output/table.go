package output

import (
	"bytes"
	"io"
	"strings"
)

// Table writes aligned, borderless columns under upper-case headers,
// with no trailing spaces.
type Table struct {
	header []string
	rows   [][]string
}

// NewTable starts a table with the given column headers.
func NewTable(header ...string) *Table { return &Table{header: header} }

// Row adds a row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table to w: each column as wide as its widest cell
// (in terminal columns), cells left-aligned and followed by two spaces,
// trailing spaces trimmed. It is written by hand rather than with
// tablewriter, whose package initialisation (width tables, caches)
// would be paid by every keyward process, verify included; a test
// checks that the output is the same as tablewriter's.
func (t *Table) Render(w io.Writer) error {
	var lines [][]string
	if len(t.header) > 0 {
		h := make([]string, len(t.header))
		for i, c := range t.header {
			h[i] = headerFormat(c)
		}
		lines = append(lines, h)
	}
	lines = append(lines, t.rows...)
	var widths []int
	for _, l := range lines {
		for i, c := range l {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b bytes.Buffer
	for _, l := range lines {
		for i := range widths {
			c := ""
			if i < len(l) {
				c = l[i]
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
		}
		b.WriteByte('\n')
	}
	return writeTrimmed(w, b.String())
}

// headerFormat formats a header label as tablewriter's AutoFormat did
// for keyward's labels: underscores become spaces, upper case.
func headerFormat(s string) string {
	return strings.ToUpper(strings.TrimSpace(strings.ReplaceAll(s, "_", " ")))
}

// writeTrimmed drops the padding tablewriter leaves at the end of lines.
func writeTrimmed(w io.Writer, s string) error {
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
