package cmd

import (
	"os/exec"
	"testing"
)

// TestGoreleaserCheck validates .goreleaser.yaml with goreleaser check
// when goreleaser is installed (go install
// github.com/goreleaser/goreleaser/v2@v2.15.1); CI without it skips, and
// stays fast and offline.
func TestGoreleaserCheck(t *testing.T) {
	bin, err := exec.LookPath("goreleaser")
	if err != nil {
		t.Skip("goreleaser not on PATH")
	}
	cmd := exec.Command(bin, "check", "--config", ".goreleaser.yaml")
	cmd.Dir = ".." // the repository root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
}
