package cmd

import (
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/output"
)

// fallbackWidth is a terminal's width when it does not say (a container's
// terminal before it is sized).
const fallbackWidth = 80

// tableWidth is how many columns a table may take: on a terminal,
// COLUMNS when it is a positive number, else the terminal's own width;
// piped, no limit (0), so that scripts get every value whole.
func (f *Factory) tableWidth() int {
	if !f.IO.OutTTY {
		return 0
	}
	if v, ok := f.IO.Env("COLUMNS"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			return n
		}
	}
	if f.IO.OutWidth > 0 {
		return f.IO.OutWidth
	}
	return fallbackWidth
}

// PrintTable writes t to stdout, fitted to the terminal's width.
func (f *Factory) PrintTable(t *output.Table) error {
	return t.Fit(f.tableWidth()).Render(f.IO.Out)
}
