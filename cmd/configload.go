package cmd

import (
	"github.com/keyward/keyward/internal/config"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// noConfig marks commands that run without the configuration (version,
// completion): they must work when it is broken.
const noConfig = "keyward/no-config"

// prepare runs before every command: it loads the configuration the
// command needs and settles the output format, the one place f.JSON is
// set. When the configuration does not load, --output and
// KEYWARD_OUTPUT alone decide how its error is printed.
func (f *Factory) prepare(c *cobra.Command) error {
	f.ran = true
	var err error
	if c.Annotations[noConfig] == "" {
		f.Config, err = config.Load(c.Flags(), f.IO.Env)
	}
	asJSON := wantsJSON(c.Flags(), f.IO.Env)
	if f.Config != nil {
		asJSON = f.Config.Output == "json"
	}
	f.JSON = asJSON
	if f.Config != nil && f.Config.File != "" {
		f.warnIfWorldWritable(f.Config.File, "config file", "anyone could point db at another database")
	}
	return err
}

// wantsJSON reads the output format from the flag or the environment,
// before (and whether or not) the rest of the configuration loads.
func wantsJSON(flags *pflag.FlagSet, env config.Env) bool {
	if o := flags.Lookup("output"); o != nil && o.Changed {
		return o.Value.String() == "json"
	}
	v, _ := env("KEYWARD_OUTPUT")
	return v == "json"
}

// guessJSON finds -o json in raw arguments, for errors that happen
// before cobra has parsed the flags.
func guessJSON(args []string, env config.Env) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-ojson" || a == "--output=json" || a == "-o=json":
			return true
		case (a == "-o" || a == "--output") && i+1 < len(args):
			return args[i+1] == "json"
		}
	}
	v, _ := env("KEYWARD_OUTPUT")
	return v == "json"
}
