package cmd

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestNewCmdRevokeFlags(t *testing.T) {
	var got *RevokeOptions
	runF := func(_ context.Context, o *RevokeOptions) error { got = o; return nil }
	if err := parse(NewCmdRevoke(&Factory{}, runF), "a", "b", "--reason", "leaked"); err != nil {
		t.Fatal(err)
	}
	if want := (RevokeOptions{Refs: []string{"a", "b"}, Reason: "leaked"}); !reflect.DeepEqual(*got, want) {
		t.Errorf("%+v", *got)
	}
	for _, args := range [][]string{{}, {"a", "--key-file", "-"}, {"a", "--reason", "two\nlines"}} {
		got = nil
		err := parse(NewCmdRevoke(&Factory{}, runF), args...)
		if keys.ErrorCode(err) != keys.EINVALID || got != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}

func TestRunRevokeIdempotent(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, s := newLifecycleFactory(t, &now)
	ctx := context.Background()
	if err := runCreate(ctx, f, &CreateOptions{Alias: "a", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	f.JSON = true
	for i, want := range []bool{false, true} {
		s.out.Reset()
		if err := runRevoke(ctx, f, &RevokeOptions{Refs: []string{"a"}, Reason: "r"}); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(s.out.Bytes(), &m); err != nil {
			t.Fatalf("%s", s.out)
		}
		if m["already_revoked"] != want || m["status"] != "revoked" || m["revoked_at"] != "2026-11-23T05:06:20Z" {
			t.Errorf("revoke #%d: %s", i+1, s.out)
		}
		now = now.Add(time.Minute)
	}
	wantReason(t, runRevoke(ctx, f, &RevokeOptions{Refs: []string{"nope"}}), keys.ENOTFOUND, "key_not_found")
}
