package cmd

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestNewCmdUpdateFlags(t *testing.T) {
	two := 2 * time.Hour
	for _, tc := range []struct {
		name string
		args []string
		want keys.Change
	}{
		{"name", []string{"a", "--name", "A"}, keys.Change{Name: ptr("A")}},
		{"clear owner", []string{"a", "--owner", ""}, keys.Change{Owner: ptr("")}},
		{"roles replace", []string{"a", "--role", "user", "--role", "agent"}, keys.Change{Roles: &[]string{"user", "agent"}}},
		{"no roles", []string{"a", "--no-roles"}, keys.Change{Roles: &[]string{}}},
		{"token ttl", []string{"a", "--token-ttl", "2h", "--description", "d"}, keys.Change{TokenTTL: &two, Description: ptr("d")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *UpdateOptions
			if err := parse(NewCmdUpdate(&Factory{}, func(_ context.Context, o *UpdateOptions) error { got = o; return nil }), tc.args...); err != nil {
				t.Fatal(err)
			}
			if got.Ref != "a" || !reflect.DeepEqual(got.Change, tc.want) {
				t.Errorf("got %+v, want %+v", got.Change, tc.want)
			}
		})
	}
}

func TestNewCmdUpdateUsage(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		reason string
	}{
		{[]string{"a"}, "nothing_to_update"},
		{[]string{"a", "--role", "agent", "--no-roles"}, "usage"},
		{[]string{"a", "--token-ttl", "0"}, "invalid_duration"},
		{[]string{"a", "b", "--name", "x"}, "usage"},
		{[]string{}, "usage"},
	} {
		err := parse(NewCmdUpdate(&Factory{}, func(context.Context, *UpdateOptions) error {
			t.Errorf("%v: run function called", tc.args)
			return nil
		}), tc.args...)
		wantReason(t, err, keys.EINVALID, tc.reason)
	}
}

func TestRunUpdateKeepsExpiry(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, _ := newLifecycleFactory(t, &now)
	ctx := context.Background()
	if err := runCreate(ctx, f, &CreateOptions{Alias: "a", TTL: time.Hour, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(50 * time.Minute)
	if err := runUpdate(ctx, f, &UpdateOptions{Ref: "a", Change: keys.Change{Roles: &[]string{"agent"}}}); err != nil {
		t.Fatal(err)
	}
	store, _ := f.Open(ctx, false)
	k, err := store.FindKey(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !k.ExpiresAt.Equal(time.Date(2026, 11, 23, 6, 6, 20, 0, time.UTC)) || !k.UpdatedAt.Equal(now) {
		t.Errorf("expires %v updated %v", k.ExpiresAt, k.UpdatedAt)
	}
	wantReason(t, runUpdate(ctx, f, &UpdateOptions{Ref: "a", Change: keys.Change{Roles: &[]string{"root"}}}), keys.EINVALID, "unknown_role")
	wantReason(t, runUpdate(ctx, f, &UpdateOptions{Ref: "zz", Change: keys.Change{Name: ptr("x")}}), keys.ENOTFOUND, "key_not_found")
}
