package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestNewCmdShowArgs(t *testing.T) {
	var got string
	runF := func(_ context.Context, o *ShowOptions) error { got = o.Ref; return nil }
	if err := parse(NewCmdShow(&Factory{}, runF), "ci-bot"); err != nil || got != "ci-bot" {
		t.Errorf("%q, %v", got, err)
	}
	got = ""
	for _, args := range [][]string{{}, {"a", "b"}, {keys.NewCredential("kw", keys.KindKey).String}} {
		if err := parse(NewCmdShow(&Factory{}, runF), args...); keys.ErrorCode(err) != keys.EINVALID || got != "" {
			t.Errorf("%q: %v", args, err)
		}
	}
}

func TestRunShow(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, s := newLifecycleFactory(t, &now)
	ctx := context.Background()
	if err := runCreate(ctx, f, &CreateOptions{Alias: "ci-bot", TTL: time.Hour, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(s.out.String())

	// An hour later the key has expired: status is read from the clock.
	now = now.Add(time.Hour)
	f.IO.OutTTY = true
	s.out.Reset()
	if err := runShow(ctx, f, &ShowOptions{Ref: "ci-bot"}); err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	// On a terminal: the status coloured, absolute times with the
	// relative ones beside them.
	for _, want := range []string{"STATUS         \x1b[33mexpired\x1b[0m\n", "EXPIRES        2026-11-23T06:06:20Z (now)\n", "CREATED        2026-11-23T05:06:20Z (1h ago)\n", "ACTIVE TOKENS  0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, key) || strings.Contains(out, key[len(key)-38:]) {
		t.Error("show prints the secret")
	}

	f.JSON = true
	s.out.Reset()
	if err := runShow(ctx, f, &ShowOptions{Ref: "ci-bot"}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(s.out.Bytes(), &m); err != nil || m["status"] != "expired" || m["active_tokens"] != float64(0) {
		t.Errorf("%s", s.out)
	}
	if _, ok := m["key"]; ok {
		t.Error("show JSON has a key field")
	}
	wantReason(t, runShow(ctx, f, &ShowOptions{Ref: "nope"}), keys.ENOTFOUND, "key_not_found")
}
