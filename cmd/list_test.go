package cmd

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestNewCmdListFlags(t *testing.T) {
	var got *ListOptions
	runF := func(_ context.Context, o *ListOptions) error { got = o; return nil }
	if err := parse(NewCmdList(&Factory{}, runF)); err != nil {
		t.Fatal(err)
	}
	want := ListOptions{Sort: "created"}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("defaults %+v", *got)
	}
	err := parse(NewCmdList(&Factory{}, runF), "--status", "all", "--role", "agent", "--owner", "", "--search", "Bot",
		"--expiring-within", "7d", "--sort", "expires", "--desc", "--limit", "20", "--offset", "40")
	if err != nil {
		t.Fatal(err)
	}
	want = ListOptions{Status: "all", Role: "agent", Owner: ptr(""), Search: "Bot", ExpiringWithin: 7 * 24 * time.Hour, Sort: "expires", Desc: true, Limit: 20, Offset: 40}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("options %+v", *got)
	}
	wantReason(t, parse(NewCmdList(&Factory{}, runF), "extra"), keys.EINVALID, "usage")
}

func TestListFilter(t *testing.T) {
	p := keys.Policy{Roles: []string{"admin", "agent"}}
	f, err := (&ListOptions{Status: "all", Role: "agent", Sort: "alias", ExpiringWithin: 36 * time.Hour, Limit: 5, Offset: 10}).filter(p)
	if err != nil {
		t.Fatal(err)
	}
	want := keys.Filter{AllStatuses: true, Role: "agent", Sort: "alias", ExpiringWithin: 36 * time.Hour, Limit: 5, Offset: 10}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("filter %+v", f)
	}
	for _, tc := range []struct {
		opts   ListOptions
		reason string
	}{
		{ListOptions{Sort: "name"}, "invalid_sort"},
		{ListOptions{Sort: "created", Status: "dead"}, "invalid_status"},
		{ListOptions{Sort: "created", Role: "root"}, "unknown_role"},
	} {
		_, err := tc.opts.filter(p)
		wantReason(t, err, keys.EINVALID, tc.reason)
	}
	// Durations and counts are parsed by the flag layer.
	runF := func(context.Context, *ListOptions) error { t.Error("run function called"); return nil }
	for _, tc := range []struct {
		args   []string
		reason string
	}{
		{[]string{"--expiring-within", "0"}, "invalid_duration"},
		{[]string{"--limit", "-1"}, "invalid_number"},
		{[]string{"--offset", "99999999999999999999"}, "invalid_number"},
		{[]string{"--limit", "1e3"}, "invalid_number"},
	} {
		wantReason(t, parse(NewCmdList(&Factory{}, runF), tc.args...), keys.EINVALID, tc.reason)
	}
}

// On a terminal the table shows relative times, rounded to the nearest
// unit (14d21h reads "in 15d"); piped, RFC 3339.
func TestRunListTimes(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, s := newLifecycleFactory(t, &now)
	ctx := context.Background()
	if err := runCreate(ctx, f, &CreateOptions{Alias: "ci-bot", TTL: 15 * 24 * time.Hour, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Hour)
	opts := &ListOptions{Sort: "created"}

	f.IO.OutTTY = true
	s.out.Reset()
	if err := runList(ctx, f, opts); err != nil {
		t.Fatal(err)
	}
	want := "ALIAS   ID            NAME    ROLES  SCOPES  STATUS  EXPIRES  LAST USED\n"
	lines := strings.Split(s.out.String(), "\n")
	if lines[0]+"\n" != want || !strings.HasSuffix(lines[1], "  ci-bot  -      *       active  in 15d   -") {
		t.Errorf("terminal table:\n%s", s.out)
	}

	f.IO.OutTTY = false
	s.out.Reset()
	if err := runList(ctx, f, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.out.String(), "  active  2026-12-08T05:06:20Z  -\n") {
		t.Errorf("piped table:\n%s", s.out)
	}
	for _, line := range strings.Split(s.out.String(), "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}

	// Streamed JSON: an array, [] when nothing matches.
	f.JSON = true
	s.out.Reset()
	if err := runList(ctx, f, &ListOptions{Sort: "created", Status: "revoked"}); err != nil {
		t.Fatal(err)
	}
	if s.out.String() != "[]\n" {
		t.Errorf("empty JSON list %q", s.out)
	}
}
