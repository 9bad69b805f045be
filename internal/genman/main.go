// Command genman writes keyward's manual pages (section 1), one per
// command, from the real command tree with cobra's doc generator. The
// release runs it (.goreleaser.yaml, before hooks) and packs the pages
// into every archive; they are not committed.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/keyward/keyward/cmd"
	"github.com/spf13/cobra/doc"
)

func main() {
	dir := flag.String("dir", "manpages", "directory to write keyward*.1 into")
	date := flag.String("date", "", "the pages' date, RFC 3339 (the release passes the commit's date); default today")
	flag.Parse()
	when := time.Now()
	if *date != "" {
		t, err := time.Parse(time.RFC3339, *date)
		if err != nil {
			fmt.Fprintf(os.Stderr, "genman: -date: %s\n", err)
			os.Exit(2)
		}
		when = t
	}
	if err := run(*dir, when); err != nil {
		fmt.Fprintf(os.Stderr, "genman: %s\n", err)
		os.Exit(1)
	}
}

func run(dir string, date time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := cmd.NewCmdRoot(&cmd.Factory{IO: cmd.SystemIO()})
	// Dated by the commit, without cobra's generation tag: the same
	// commit gives the same archives.
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Title: "KEYWARD", Section: "1", Source: "keyward", Manual: "keyward manual", Date: &date}
	return doc.GenManTree(root, header, dir)
}
