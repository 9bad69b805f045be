package output

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// renderTablewriter is how keyward rendered tables with tablewriter v1;
// Render must print exactly the same.
func renderTablewriter(t *Table) (string, error) {
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
				Formatting: tw.CellFormatting{AutoFormat: tw.On, AutoWrap: tw.WrapNone},
				Padding:    tw.CellPadding{Global: tw.Padding{Left: "", Right: "  "}},
			},
			Row: tw.CellConfig{
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
				Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone},
				Padding:    tw.CellPadding{Global: tw.Padding{Left: "", Right: "  "}},
			},
		}),
	)
	if len(t.header) > 0 {
		tbl.Header(t.header)
	}
	for _, r := range t.rows {
		if err := tbl.Append(r); err != nil {
			return "", err
		}
	}
	if err := tbl.Render(); err != nil {
		return "", err
	}
	var out bytes.Buffer
	err := writeTrimmed(&out, buf.String())
	return out.String(), err
}

// TestRenderMatchesTablewriter renders random tables of the kind keyward
// prints (headers are its fixed labels; cells any text) both ways.
func TestRenderMatchesTablewriter(t *testing.T) {
	pieces := []string{"ci-bot", "a", "", "-", "backup:read,billing.write", "2026-11-23T05:06:20Z", "in 14d", "3h ago",
		"café", "日本語のキー", "emoji 😀 ok", "  padded  ", "x y", "kw_abc_defg…", "ÅÄÖ", "e\u0301", "ＦＵＬＬ", "tab-less"}
	headers := []string{"ALIAS", "ID", "NAME", "LAST USED", "ROLES", "SCOPES", "STATUS", "EXPIRES", "ALREADY REVOKED", "last_used", "key id", " spaced ", "admin_only", "ünï"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		cols := 1 + rnd.IntN(6)
		var tbl *Table
		if rnd.IntN(3) == 0 {
			tbl = NewTable()
		} else {
			h := make([]string, cols)
			for j := range h {
				h[j] = headers[rnd.IntN(len(headers))]
			}
			tbl = NewTable(h...)
		}
		for r := rnd.IntN(5); r >= 0; r-- {
			row := make([]string, cols)
			for j := range row {
				row[j] = pieces[rnd.IntN(len(pieces))]
				if rnd.IntN(4) == 0 {
					row[j] += pieces[rnd.IntN(len(pieces))]
				}
			}
			tbl.Row(row...)
		}
		want, err := renderTablewriter(tbl)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := tbl.Render(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Fatalf("table %d: header %q rows %q\ngot:\n%s\nwant:\n%s", i, tbl.header, tbl.rows,
				strings.ReplaceAll(got.String(), " ", "·"), strings.ReplaceAll(want, " ", "·"))
		}
	}
}
