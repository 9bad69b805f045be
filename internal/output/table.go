package output

import (
	"bytes"
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table writes aligned, borderless columns under upper-case headers,
// with no trailing spaces.
type Table struct {
	header []string
	rows   [][]string
	free   map[string]bool // see Shorten
	width  int             // see Fit
	paint  map[[2]int]func(string) string
}

// NewTable starts a table with the given column headers.
func NewTable(header ...string) *Table { return &Table{header: header} }

// Row adds a row. Each cell is shown as Printable writes it: a table
// shows what a database holds, and a row another program wrote there
// must not drive the terminal.
func (t *Table) Row(cells ...string) {
	for i, c := range cells {
		cells[i] = Printable(c)
	}
	t.rows = append(t.rows, cells)
}

// Paint colours cell col of the last row added, once the table is
// fitted: the only escape sequences a table prints are the ones paint
// adds. A nil paint leaves the cell as it is.
func (t *Table) Paint(col int, paint func(string) string) {
	if paint == nil || len(t.rows) == 0 {
		return
	}
	if t.paint == nil {
		t.paint = map[[2]int]func(string) string{}
	}
	t.paint[[2]int{len(t.rows) - 1, col}] = paint
}

// painted returns rows with the painted cells coloured, leaving rows as
// they are.
func (t *Table) painted(rows [][]string) [][]string {
	if len(t.paint) == 0 {
		return rows
	}
	out := slices.Clone(rows)
	for at, paint := range t.paint {
		r, c := at[0], at[1]
		if r < len(out) && c < len(out[r]) {
			row := slices.Clone(out[r])
			row[c] = paint(row[c])
			out[r] = row
		}
	}
	return out
}

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// cell is the layout of every cell: left-aligned, never wrapped, two
// spaces after it.
var cell = tw.CellConfig{
	Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
	Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone},
	Padding:    tw.CellPadding{Global: tw.Padding{Left: "", Right: "  "}},
}

// Render writes the table to w with tablewriter: no borders, no lines,
// each column as wide as its widest cell in terminal columns (cells
// shortened first to fit the width given to Fit), headers upper-cased,
// trailing spaces trimmed.
func (t *Table) Render(w io.Writer) error {
	var buf bytes.Buffer
	header := cell
	header.Formatting.AutoFormat = tw.On
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{Header: header, Row: cell}),
	)
	if len(t.header) > 0 {
		tbl.Header(t.header)
	}
	if err := tbl.Bulk(t.painted(t.fitted())); err != nil {
		return err
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	return writeTrimmed(w, buf.String())
}

// writeTrimmed drops the padding tablewriter leaves at the end of lines,
// and the colour reset it puts after the padding of a coloured last cell
// (the cell's own reset is kept).
func writeTrimmed(w io.Writer, s string) error {
	const reset = "\x1b[0m"
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
		line = strings.TrimRight(line, " ")
		for strings.HasSuffix(line, " "+reset) {
			line = strings.TrimRight(strings.TrimSuffix(line, reset), " ")
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
