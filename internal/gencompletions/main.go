// Command gencompletions writes keyward's shell completion scripts into a
// directory (completions/ in the repository), from the real command tree.
// It is run by go generate ./...; cmd's tests fail when the committed
// scripts differ from what it would write.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/cmd"
)

func main() {
	dir := flag.String("dir", "completions", "directory to write keyward.{bash,zsh,fish,ps1} into")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "gencompletions: %s\n", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range cmd.Shells {
		var buf bytes.Buffer
		if err := cmd.GenCompletion(s.Name, &buf); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		path := filepath.Join(dir, "keyward."+s.Ext)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
