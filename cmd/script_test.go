package cmd

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"keyward": func() {
			setTestClock(os.Getenv("KEYWARD_TEST_CLOCK"))
			os.Exit(Main(os.Args[1:]))
		},
	})
}

// setTestClock moves this test binary's clock: KEYWARD_TEST_CLOCK=+2s
// runs keyward two seconds in the future, so that a story sees a short
// TTL run out without sleeping. Only the test binary reads the variable.
func setTestClock(offset string) {
	if offset == "" {
		return
	}
	d, err := time.ParseDuration(offset)
	if err != nil {
		panic("KEYWARD_TEST_CLOCK: " + err.Error())
	}
	testClock = func() time.Time { return time.Now().Add(d) }
}

// TestScripts runs testdata/script/*.txtar: each is one story told from
// the command line, with HOME, XDG_* and KEYWARD_DB inside its work
// directory.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams())
}

// scriptParams are the stories' settings, on SQLite.
func scriptParams() testscript.Params {
	return testscript.Params{
		Dir:                 "../testdata/script",
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			env.Setenv("HOME", work)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, ".config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(work, ".local", "share"))
			env.Setenv("KEYWARD_DB", filepath.Join(work, "keyward.db"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: scriptCmds,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "python3", "sqlite3", "jq":
				_, err := exec.LookPath(cond)
				return err == nil, nil
			case "postgres": // the stories run on SQLite here
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	}
}

// cmdExits runs a program like exec and checks its exact exit status:
// "exits 2 keyward create A" passes only when keyward exits with 2. Its
// stdout and stderr are kept for the stdout and stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdGrab sets an environment variable from the last command's stdout:
// "grab ID '"id":"(\w+)"'" sets $ID to the first submatch, so that a
// later step can check that the same value comes back.
func cmdGrab(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: grab NAME REGEXP")
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	if err != nil {
		ts.Fatalf("grab: %v", err)
	}
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("grab: no match for %q in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}
