package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/cmd"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"keyward": func() { os.Exit(cmd.Main(os.Args[1:])) },
	})
}

// TestScripts runs testdata/script/*.txtar: each is one story told from
// the command line, with HOME, XDG_* and KEYWARD_DB inside its work
// directory.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		Cmds:                scriptCmds,
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			env.Setenv("HOME", work)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, ".config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(work, ".local", "share"))
			env.Setenv("KEYWARD_DB", filepath.Join(work, "keyward.db"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "python3", "sqlite3", "jq":
				_, err := exec.LookPath(cond)
				return err == nil, nil
			}
			return false, nil
		},
	})
}
