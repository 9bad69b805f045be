package cmd

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/keyward/keyward/internal/output"
	"github.com/keyward/keyward/internal/sqlite"
	"github.com/spf13/cobra"
)

// Stamped by release builds: -ldflags "-X github.com/keyward/keyward/cmd.version=v1.2.3 ...".
var (
	version = ""
	commit  = ""
	date    = ""
)

// buildInfo is the version, commit and date: stamped ones first, else
// what the Go toolchain recorded (go install …@v1.2.3).
func buildInfo() (v, c, d string) {
	v, c, d = version, commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return v, c, d
}

func versionString() string {
	v, c, d := buildInfo()
	return fmt.Sprintf("%s (commit %s, built %s)", v, c, d)
}

// NewCmdVersion builds keyward version; runF replaces the run function in
// tests.
func NewCmdVersion(f *Factory, runF func(context.Context) error) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print keyward's version, commit, build date, Go and SQLite versions",
		Long: `Print the version of keyward, the commit and date it was built from, and the
Go and SQLite versions inside it. Include this in bug reports.`,
		Example: `  keyward version
  keyward version -o json | jq -r .version`,
		Args: noArgs,
		// No configuration needed: version works even when it is broken.
		Annotations: map[string]string{noConfig: "yes"},
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context())
			}
			return runVersion(f)
		},
	}
}

func runVersion(f *Factory) error {
	v, cm, d := buildInfo()
	sv := sqlite.Version()
	if f.JSON {
		return f.PrintJSON(output.VersionDoc{Version: v, Commit: cm, Date: d, Go: runtime.Version(), SQLite: sv})
	}
	t := output.NewTable()
	t.Row("VERSION", v)
	t.Row("COMMIT", cm)
	t.Row("DATE", d)
	t.Row("GO", runtime.Version())
	t.Row("SQLITE", sv)
	return f.PrintTable(t)
}
