package cmd

import (
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/cobra"
)

// usageError turns cobra's own complaint into one line and a hint. An
// unknown command gets its suggestion as the hint, instead of cobra's
// tab-indented lines inside the message.
func usageError(root *cobra.Command, args []string, err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command ") {
		return keys.Errorf(keys.EINVALID, "usage", "%s", oneLine(msg)).
			WithHint("see: %s --help", strings.TrimSpace("keyward "+commandPath(root, args)))
	}
	c, rest, ferr := root.Find(args)
	if ferr != nil || c == nil {
		c = root
	}
	name := ""
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			name = a
			break
		}
	}
	if name == "" && len(args) > 0 {
		name = args[0]
	}
	e := keys.Errorf(keys.EINVALID, "usage", "unknown command %q for %q", clipArg(name), c.CommandPath())
	if s := c.SuggestionsFor(name); len(s) > 0 {
		return e.WithHint("did you mean: %s %s", c.CommandPath(), strings.Join(s, " or "))
	}
	return e.WithHint("see: %s --help", c.CommandPath())
}
