package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestManPages: every command gets a page, with its synopsis and flags,
// and generating twice gives the same bytes (reproducible archives).
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	date := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := run(dir, date); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"keyward.1", "keyward-create.1", "keyward-verify.1", "keyward-scopes-add.1", "keyward-import.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Errorf("no %s: %v", page, err)
			continue
		}
		s := string(b)
		if !strings.HasPrefix(s, ".nh\n.TH \"KEYWARD\" \"1\"") || !strings.Contains(s, ".SH SYNOPSIS") || !strings.Contains(s, ".SH OPTIONS") {
			t.Errorf("%s is not a man page with synopsis and options:\n%.300s", page, s)
		}
	}
	create, _ := os.ReadFile(filepath.Join(dir, "keyward-create.1"))
	if !strings.Contains(string(create), "--ttl") {
		t.Errorf("keyward-create.1 does not document --ttl")
	}
	again := t.TempDir()
	if err := run(again, date); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		a, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b, _ := os.ReadFile(filepath.Join(again, e.Name()))
		if string(a) != string(b) {
			t.Errorf("%s differs between two runs", e.Name())
		}
	}
}

// TestReleasePacksManPages: the release runs this generator before it
// builds, and every archive carries the pages.
func TestReleasePacksManPages(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go run ./internal/genman -dir manpages", "- manpages/*"} {
		if !strings.Contains(string(b), want) {
			t.Errorf(".goreleaser.yaml lacks %q", want)
		}
	}
}
