package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/config"
)

// testedSections are the README sections whose shell commands must each
// be run, as written, by a testdata/script/readme_tour*.txtar script.
var testedSections = []string{"## A five-minute tour", "## jq recipes"}

// TestREADMECommandsTested fails when a command shown in the README's
// tour or jq recipes is not run by a readme_tour script, so that the
// README cannot drift from what keyward does.
func TestREADMECommandsTested(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob("../testdata/script/readme_tour*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no readme_tour scripts: %v", err)
	}
	var tested strings.Builder
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		tested.Write(b)
	}
	commands := readmeCommands(string(readme))
	if len(commands) < 15 {
		t.Fatalf("found only %d commands in the README's tested sections", len(commands))
	}
	for _, c := range commands {
		if !strings.Contains(tested.String(), c) {
			t.Errorf("README command not run by any testdata/script/readme_tour*.txtar: %s", c)
		}
	}
}

// readmeCommands returns the lines of the sh code blocks in the tested
// sections, without trailing comments.
func readmeCommands(readme string) []string {
	var (
		out             []string
		inSection, inSh bool
	)
	for line := range strings.SplitSeq(readme, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			inSection = false
			for _, s := range testedSections {
				if strings.HasPrefix(line, s) {
					inSection = true
				}
			}
		case strings.HasPrefix(line, "```"):
			inSh = !inSh && strings.TrimPrefix(line, "```") == "sh"
		case inSection && inSh:
			if i := strings.Index(line, "  # "); i >= 0 {
				line = line[:i]
			}
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out
}

// TestREADMEReference fails when a command, a setting or an exit code
// exists that the README's reference does not document.
func TestREADMEReference(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	ref, _, ok := strings.Cut(readme[strings.Index(readme, "## Reference"):], "## Decisions")
	if !ok {
		t.Fatal("README has no Reference section before Decisions")
	}
	root := NewCmdRoot(&Factory{IO: &IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard,
		Env: func(string) (string, bool) { return "", false }}})
	for _, c := range root.Commands() {
		if !c.Hidden && !strings.Contains(ref, "| `"+c.Name()) && !strings.Contains(ref, ", `"+c.Name()) {
			t.Errorf("command %s is not in the README's command reference", c.Name())
		}
	}
	for _, k := range config.Keys {
		if !strings.Contains(ref, "| `"+k+"` |") {
			t.Errorf("setting %s is not in the README's configuration table", k)
		}
		if env := "KEYWARD_" + strings.ToUpper(k); !strings.Contains(ref, "`"+env+"`") {
			t.Errorf("environment variable %s is not in the README", env)
		}
	}
	for _, code := range []int{ExitOK, ExitInternal, ExitUsage, ExitNotFound, ExitConflict, ExitRejected, ExitInterrupted} {
		if !strings.Contains(ref, fmt.Sprintf("\n| %d | ", code)) {
			t.Errorf("exit code %d is not in the README's exit code table", code)
		}
	}
}
