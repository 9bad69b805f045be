package cmd

import (
	"github.com/fatih/color"
	"github.com/keyward/keyward/internal/keys"
)

// colour reports whether output may be coloured: only on a terminal, and
// never with NO_COLOR set (to anything) or TERM=dumb.
func (f *Factory) colour() bool {
	if !f.IO.OutTTY {
		return false
	}
	if v, ok := f.IO.Env("NO_COLOR"); ok && v != "" {
		return false
	}
	if v, _ := f.IO.Env("TERM"); v == "dumb" {
		return false
	}
	return true
}

// statusPaint colours a key's status in a table: on a terminal an
// expired key is yellow and a revoked one red; nil leaves it plain.
func (f *Factory) statusPaint(s keys.Status) func(string) string {
	if !f.colour() {
		return nil
	}
	var c *color.Color
	switch s {
	case keys.StatusExpired:
		c = color.New(color.FgYellow)
	case keys.StatusRevoked:
		c = color.New(color.FgRed)
	default:
		return nil
	}
	// color decides by itself from os.Stdout; keyward has decided.
	c.EnableColor()
	return func(text string) string { return c.Sprint(text) }
}
