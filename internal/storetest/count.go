package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// CountKeys counts what ListKeys lists for the same filter, whatever the
// limit and offset: status, role, scope (through "*" too), owner, labels,
// search and expiry window alike.
func testCountKeys(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("other", false)
	e.addScope("keys:admin", true)
	labels := func(m keys.Meta) keys.MetaChange { return keys.MetaChange{Set: true, Meta: m} }
	e.create("alpha", keys.Change{Roles: &[]string{"agent"}, Scopes: &[]string{"backup:read"}, Owner: ptr("ops"),
		Description: ptr("Nightly Backup"), Meta: labels(keys.Meta{"env": "prod"})}, 2*time.Hour)
	e.create("beta", keys.Change{Roles: &[]string{"admin"}, Scopes: &[]string{"*"},
		Meta: labels(keys.Meta{"env": "prod", "team": "billing"})}, time.Hour)
	e.create("gamma", keys.Change{Roles: &[]string{"agent"}, Scopes: &[]string{"backup:read"}}, 2*time.Hour)
	e.create("delta", keys.Change{Roles: &[]string{"reader"}, Scopes: &[]string{"*"}}, 3*time.Hour)
	for i := range 5 {
		e.create(fmt.Sprintf("p%d", i), keys.Change{Scopes: &[]string{"other"}}, 3*time.Hour)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"gamma"}, ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(90 * time.Minute) // beta has expired; alpha expires in 30m

	for _, c := range []struct {
		name string
		f    keys.Filter
		want int
	}{
		{"default: all but revoked", keys.Filter{}, 8},
		{"every status", keys.Filter{AllStatuses: true}, 9},
		{"active", keys.Filter{Status: keys.StatusActive}, 7},
		{"expired", keys.Filter{Status: keys.StatusExpired}, 1},
		{"revoked", keys.Filter{Status: keys.StatusRevoked}, 1},
		{"role", keys.Filter{Role: "agent"}, 1},
		{"role, every status", keys.Filter{Role: "agent", AllStatuses: true}, 2},
		{"scope, named or through *", keys.Filter{Scope: "backup:read"}, 3},
		{"admin-only scope through * for the admin key alone", keys.Filter{Scope: "keys:admin"}, 1},
		{"owner", keys.Filter{Owner: ptr("ops")}, 1},
		{"no owner", keys.Filter{Owner: ptr("")}, 7},
		{"a label", keys.Filter{Meta: keys.Meta{"env": "prod"}}, 2},
		{"two labels", keys.Filter{Meta: keys.Meta{"env": "prod", "team": "billing"}}, 1},
		{"search, any case", keys.Filter{Search: "BACKUP"}, 1},
		{"expiring within", keys.Filter{ExpiringWithin: 45 * time.Minute}, 2},
		{"filters together", keys.Filter{Status: keys.StatusActive, Scope: "backup:read", Meta: keys.Meta{"env": "prod"}}, 1},
		{"nothing matches", keys.Filter{Owner: ptr("nobody")}, 0},
		{"limit and offset do not count", keys.Filter{Limit: 2, Offset: 1}, 8},
		{"an offset past the end", keys.Filter{AllStatuses: true, Limit: 3, Offset: 20, Sort: "alias", Desc: true}, 9},
	} {
		got, err := e.s.CountKeys(ctx, c.f)
		if err != nil || got != c.want {
			t.Errorf("%s: count %d (%v), want %d", c.name, got, err, c.want)
		}
		whole := c.f
		whole.Limit, whole.Offset = 0, 0
		listed := 0
		if err := e.s.ListKeys(ctx, whole, func(*keys.Key) error { listed++; return nil }); err != nil {
			t.Fatal(err)
		}
		if listed != got {
			t.Errorf("%s: count %d, but list gives %d keys", c.name, got, listed)
		}
	}

	_, err := e.s.CountKeys(ctx, keys.Filter{Sort: "size"})
	wantErr(t, err, keys.EINVALID, "invalid_sort")
	_, err = e.s.CountKeys(ctx, keys.Filter{Limit: -1})
	wantErr(t, err, keys.EINVALID, "usage")
	_, err = e.s.CountKeys(ctx, keys.Filter{Scope: "Not A Scope"})
	wantErr(t, err, keys.EINVALID, "invalid_scope")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = e.s.CountKeys(cancelled, keys.Filter{})
	wantErr(t, err, keys.EINTERRUPTED, "interrupted")
}
