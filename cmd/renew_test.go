package cmd

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestNewCmdRenewFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want RenewOptions
	}{
		{"aliases", []string{"a", "b"}, RenewOptions{Refs: []string{"a", "b"}}},
		{"named with changes", []string{"a", "--ttl", "30d", "--name", "A", "--role", "agent", "--reactivate"},
			RenewOptions{Refs: []string{"a"}, TTL: 30 * 24 * time.Hour, Name: ptr("A"), Roles: &[]string{"agent"}, Reactivate: true}},
		{"all with filters", []string{"--all", "--expiring-within", "3d", "--owner", "ops", "--role", "agent", "--dry-run"},
			RenewOptions{Refs: []string{}, All: true, ExpiringWithin: 3 * 24 * time.Hour, Owner: ptr("ops"), Roles: &[]string{"agent"}, DryRun: true}},
		{"all for keys without an owner", []string{"--all", "--owner", ""},
			RenewOptions{Refs: []string{}, All: true, Owner: ptr("")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *RenewOptions
			if err := parse(NewCmdRenew(&Factory{}, func(_ context.Context, o *RenewOptions) error { got = o; return nil }), tc.args...); err != nil {
				t.Fatal(err)
			}
			if got.Refs == nil {
				got.Refs = []string{}
			}
			if tc.want.Refs == nil {
				tc.want.Refs = []string{}
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdRenewUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"a", "--all"},
		{"--all", "--ttl", "1d"},
		{"--all", "--name", "x"},
		{"--all", "--scope", "x"},
		{"--all", "--reactivate"},
		{"--all", "--role", "a", "--role", "b"},
		{"a", "--dry-run"},
		{"a", "--owner", "ops"},
		{"a", "--expiring-within", "1d"},
	} {
		err := parse(NewCmdRenew(&Factory{}, func(context.Context, *RenewOptions) error {
			t.Errorf("%v: run function called", args)
			return nil
		}), args...)
		if keys.ErrorCode(err) != keys.EINVALID {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestRunRenewJSONShape(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, s := newLifecycleFactory(t, &now)
	ctx := context.Background()
	for _, a := range []string{"a", "b"} {
		if err := runCreate(ctx, f, &CreateOptions{Alias: a, TTL: time.Hour, Quiet: true}); err != nil {
			t.Fatal(err)
		}
	}
	f.JSON = true
	now = now.Add(30 * time.Minute)
	for _, tc := range []struct {
		opts  RenewOptions
		array bool
		n     int
	}{
		{RenewOptions{Refs: []string{"a"}}, false, 1},
		{RenewOptions{Refs: []string{"a", "b"}}, true, 2},
		{RenewOptions{All: true, DryRun: true}, true, 2},
		{RenewOptions{All: true, Owner: ptr("nobody")}, true, 0},
	} {
		s.out.Reset()
		if err := runRenew(ctx, f, &tc.opts); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(s.out.Bytes(), &v); err != nil {
			t.Fatalf("%+v: %s", tc.opts, s.out)
		}
		arr, isArray := v.([]any)
		if isArray != tc.array || isArray && len(arr) != tc.n {
			t.Errorf("%+v: %s", tc.opts, s.out)
		}
		if !isArray && v.(map[string]any)["expires_at"] != "2026-11-23T06:36:20Z" {
			t.Errorf("renewed expiry: %s", s.out)
		}
	}
	err := runRenew(ctx, f, &RenewOptions{Refs: []string{"a"}, TTL: 100 * 24 * time.Hour})
	wantReason(t, err, keys.EINVALID, "ttl_too_long")
}
