package cmd

import "github.com/spf13/cobra"

// direct are the commands the root may be built with alone, when the
// command line names one of them: building the others (their flags and
// completions) and reading the build information for --version is a
// tenth of a short command's start-up. Help, completion, suggestions for
// a mistyped name and anything unusual get the whole tree.
var direct = map[string]func(*Factory) *cobra.Command{
	"create": func(f *Factory) *cobra.Command { return NewCmdCreate(f, nil) },
	"renew":  func(f *Factory) *cobra.Command { return NewCmdRenew(f, nil) },
	"update": func(f *Factory) *cobra.Command { return NewCmdUpdate(f, nil) },
	"list":   func(f *Factory) *cobra.Command { return NewCmdList(f, nil) },
	"show":   func(f *Factory) *cobra.Command { return NewCmdShow(f, nil) },
	"revoke": func(f *Factory) *cobra.Command { return NewCmdRevoke(f, nil) },
	"scopes": func(f *Factory) *cobra.Command { return NewCmdScopes(f, nil) },
	"token":  func(f *Factory) *cobra.Command { return NewCmdToken(f, nil) },
	"verify": func(f *Factory) *cobra.Command { return NewCmdVerify(f, nil) },
	"import": func(f *Factory) *cobra.Command { return NewCmdImport(f, nil) },
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
			if build, ok := direct[a]; ok {
				return build(f)
			}
			return nil
		}
	}
	return nil
}
