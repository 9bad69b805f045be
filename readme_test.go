package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testedSections are the README sections whose shell commands must each
// be run, as written, by a testdata/script/readme_tour*.txtar script.
var testedSections = []string{"## A five-minute tour", "## jq recipes"}

// TestREADMECommandsTested fails when a command shown in the README's
// tour or jq recipes is not run by a readme_tour script, so that the
// README cannot drift from what keyward does. A script ending in
// .txtar.pending needs commands from branches not merged yet.
func TestREADMECommandsTested(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob("testdata/script/readme_tour*.txtar*")
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
