package cmd

import "github.com/spf13/cobra"

// command is one subcommand of keyward, in the order help lists them.
// alone marks those the root may be built with alone when the command
// line names one of them: building the others (their flags and
// completions) and reading the build information for --version is a
// tenth of a short command's start-up. Help, completion, suggestions for
// a mistyped name and anything unusual get the whole tree.
type command struct {
	name  string
	build func(*Factory) *cobra.Command
	alone bool
}

var commands = []command{
	{"create", func(f *Factory) *cobra.Command { return NewCmdCreate(f, nil) }, true},
	{"renew", func(f *Factory) *cobra.Command { return NewCmdRenew(f, nil) }, true},
	{"update", func(f *Factory) *cobra.Command { return NewCmdUpdate(f, nil) }, true},
	{"list", func(f *Factory) *cobra.Command { return NewCmdList(f, nil) }, true},
	{"show", func(f *Factory) *cobra.Command { return NewCmdShow(f, nil) }, true},
	{"revoke", func(f *Factory) *cobra.Command { return NewCmdRevoke(f, nil) }, true},
	{"scopes", func(f *Factory) *cobra.Command { return NewCmdScopes(f, nil) }, true},
	{"token", func(f *Factory) *cobra.Command { return NewCmdToken(f, nil) }, true},
	{"verify", func(f *Factory) *cobra.Command { return NewCmdVerify(f, nil) }, true},
	{"serve", func(f *Factory) *cobra.Command { return NewCmdServe(f, nil) }, false},
	{"import", func(f *Factory) *cobra.Command { return NewCmdImport(f, nil) }, true},
	{"rotate", func(f *Factory) *cobra.Command { return NewCmdRotate(f, nil) }, true},
	{"log", func(f *Factory) *cobra.Command { return NewCmdLog(f, nil) }, true},
	{"export", func(f *Factory) *cobra.Command { return NewCmdExport(f, nil) }, false},
	{"config", func(f *Factory) *cobra.Command { return NewCmdConfig(f, nil) }, false},
	{"version", func(f *Factory) *cobra.Command { return NewCmdVersion(f, nil) }, false},
	{"completion", func(f *Factory) *cobra.Command { return NewCmdCompletion(f, nil) }, false},
}

// allCommands builds every subcommand.
func allCommands(f *Factory) []*cobra.Command {
	out := make([]*cobra.Command, len(commands))
	for i, c := range commands {
		out[i] = c.build(f)
	}
	return out
}

// namedCommand builds the command f.args names, or returns nil when the
// whole tree is needed.
func namedCommand(f *Factory) *cobra.Command {
	for i := 0; i < len(f.args); i++ {
		switch a := f.args[i]; {
		case a == "--":
			return nil
		case a == "--db" || a == "--config" || a == "--output" || a == "-o":
			i++ // its value
		case len(a) > 1 && a[0] == '-':
			// --db=x, -ojson; --help and --version want the whole tree.
			if a == "-h" || a == "--help" || a == "-v" || a == "--version" {
				return nil
			}
		default:
			for _, c := range commands {
				if c.name == a && c.alone {
					return c.build(f)
				}
			}
			return nil
		}
	}
	return nil
}
