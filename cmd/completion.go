package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/cobra"
)

// The committed scripts in completions/ are generated from the command
// tree, and TestCompletionScriptsUpToDate fails when they are stale.
// After adding or changing a command, run: go generate ./...
//
//go:generate go run ../internal/gencompletions -dir ../completions

// Shells are the shells keyward writes completion scripts for, with the
// file extension of each committed script.
var Shells = []struct{ Name, Ext string }{
	{"bash", "bash"},
	{"zsh", "zsh"},
	{"fish", "fish"},
	{"powershell", "ps1"},
}

// NewCmdCompletion builds keyward completion.
// runF replaces the run function (which writes the script for shell) in
// tests.
func NewCmdCompletion(f *Factory, runF func(ctx context.Context, shell string) error) *cobra.Command {
	var names []string
	for _, s := range Shells {
		names = append(names, s.Name)
	}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: `Print a shell completion script. Load it once in your shell's start-up file
and Tab completes commands, flags, aliases from your database, roles from
your configuration, scopes from the registry and the fixed values of
--status, --sort and --output.

Completion reads the same configuration as every other command (--db,
KEYWARD_DB, the config file). When the database does not exist or cannot be
read, it simply offers nothing: it never creates a database or prints an
error. Release archives carry the same scripts in completions/.`,
		Example: `  # bash (needs the bash-completion package)
  source <(keyward completion bash)
  keyward completion bash > ~/.local/share/bash-completion/completions/keyward

  # zsh: a directory on your $fpath, then restart the shell
  keyward completion zsh > "${fpath[1]}/_keyward"

  # fish
  keyward completion fish > ~/.config/fish/completions/keyward.fish

  # PowerShell, in $PROFILE
  keyward completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: names,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(names, args[0]) {
				return keys.Errorf(keys.EINVALID, "usage", "completion needs one shell: %s", strings.Join(names, ", ")).
					WithHint("for example: keyward completion bash")
			}
			return nil
		},
		// No configuration needed: a broken config file must not stop a
		// shell from starting.
		Annotations: map[string]string{noConfig: "yes"},
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), args[0])
			}
			return genCompletion(c.Root(), args[0], f.IO.Out)
		},
	}
}

// GenCompletion writes keyward's completion script for shell to w. It is
// what keyward completion prints and what go generate commits.
func GenCompletion(shell string, w io.Writer) error {
	f := &Factory{IO: &IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Env: func(string) (string, bool) { return "", false }}}
	return genCompletion(NewCmdRoot(f), shell, w)
}

func genCompletion(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("unknown shell %q", shell)
}
