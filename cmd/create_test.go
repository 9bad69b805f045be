package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestNewCmdCreateFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want CreateOptions
	}{
		{"alias only", []string{"ci-bot"}, CreateOptions{Alias: "ci-bot"}},
		{"every flag", []string{"ci-bot", "--name", "CI", "--description", "d", "--owner", "ops", "--role", "agent", "--role", "user",
			"--ttl", "30d", "--token-ttl", "2h", "--or-renew", "--reactivate", "-q"},
			CreateOptions{Alias: "ci-bot", Name: ptr("CI"), Description: ptr("d"), Owner: ptr("ops"), Roles: &[]string{"agent", "user"},
				TTL: 30 * 24 * time.Hour, TokenTTL: 2 * time.Hour, OrRenew: true, Reactivate: true, Quiet: true}},
		{"empty values are given values", []string{"ci-bot", "--owner", "", "--description="},
			CreateOptions{Alias: "ci-bot", Owner: ptr(""), Description: ptr("")}},
		{"a role value with a comma stays whole", []string{"ci-bot", "--role", "a,b"}, CreateOptions{Alias: "ci-bot", Roles: &[]string{"a,b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *CreateOptions
			err := parse(NewCmdCreate(&Factory{}, func(_ context.Context, o *CreateOptions) error { got = o; return nil }), tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdCreateArgs(t *testing.T) {
	called := false
	runF := func(context.Context, *CreateOptions) error { called = true; return nil }
	wantReason(t, parse(NewCmdCreate(&Factory{}, runF)), keys.EINVALID, "usage")
	wantReason(t, parse(NewCmdCreate(&Factory{}, runF), "a", "b"), keys.EINVALID, "usage")
	key := keys.NewCredential("kw", keys.KindKey).String
	err := parse(NewCmdCreate(&Factory{}, runF), key)
	wantReason(t, err, keys.EINVALID, "secret_in_argument")
	if strings.Contains(err.Error(), key) {
		t.Error("the refused key is echoed")
	}
	if called {
		t.Error("run function called despite bad arguments")
	}
}

func TestRunCreate(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, s := newLifecycleFactory(t, &now)
	ctx := context.Background()

	if err := runCreate(ctx, f, &CreateOptions{Alias: "ci-bot", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\Akw_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}\n\z`).MatchString(s.out.String()) || s.errOut.Len() != 0 {
		t.Errorf("-q printed %q and %q", s.out, s.errOut)
	}

	s.out.Reset()
	f.JSON = true
	if err := runCreate(ctx, f, &CreateOptions{Alias: "other", TTL: 2 * time.Hour, TokenTTL: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(s.out.Bytes(), &m); err != nil {
		t.Fatalf("%s: %v", s.out, err)
	}
	if m["expires_at"] != "2026-11-23T07:06:20Z" || m["ttl_seconds"] != float64(7200) || m["token_ttl_seconds"] != float64(1800) ||
		!strings.HasPrefix(m["key"].(string), "kw_"+m["id"].(string)+"_") {
		t.Errorf("JSON %s", s.out)
	}

	for _, tc := range []struct {
		opts   CreateOptions
		reason string
	}{
		{CreateOptions{Alias: "x", TTL: 91 * 24 * time.Hour}, "ttl_too_long"},
		{CreateOptions{Alias: "x", TokenTTL: 25 * time.Hour}, "token_ttl_too_long"},
		{CreateOptions{Alias: "x", Roles: &[]string{"root"}}, "unknown_role"},
		{CreateOptions{Alias: "X"}, "invalid_alias"},
		{CreateOptions{Alias: "ci-bot"}, "alias_exists"},
	} {
		err := runCreate(ctx, f, &tc.opts)
		if ke, ok := err.(*keys.Error); !ok || ke.Reason != tc.reason {
			t.Errorf("%+v: %v, want %s", tc.opts, err, tc.reason)
		}
	}
}

// Durations are parsed by the flag layer; its errors name the flag.
func TestNewCmdCreateDurations(t *testing.T) {
	runF := func(context.Context, *CreateOptions) error { t.Error("run function called"); return nil }
	for _, args := range [][]string{{"--ttl", "0"}, {"--token-ttl", "-1h"}, {"--ttl", ""}, {"--token-ttl", "soon"}} {
		wantReason(t, parse(NewCmdCreate(&Factory{}, runF), append([]string{"x"}, args...)...), keys.EINVALID, "invalid_duration")
	}
	var ke *keys.Error
	if err := parse(NewCmdCreate(&Factory{}, runF), "x", "--ttl", "soon"); !errors.As(err, &ke) || ke.Message != `--ttl: invalid duration "soon"` {
		t.Errorf("err %v", err)
	}
}
