package cmd

import (
	"testing"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/storetest"
)

// The stores give reasons and values; the command line turns them into
// the hints it has always shown.
func TestHintsFromReasons(t *testing.T) {
	p := storetest.Policy
	expired := &keys.Key{Alias: "ci-bot", TTL: 60 * 24 * 3600e9}
	lowered := p
	lowered.MaxTTL = 30 * 24 * 3600e9
	_, renewErr := lowered.Renew(storetest.T0, expired, 0, keys.Change{}, false, nil)
	noAdmin := p
	noAdmin.Roles = []string{"agent"}
	reg := keys.Registry{"root:all": {Name: "root:all", AdminOnly: true}}
	for _, c := range []struct {
		err  error
		want string
	}{
		{keys.ErrAliasExists(&keys.Key{Alias: "ci-bot"}), "renew it with: keyward renew ci-bot (or add --or-renew)"},
		{keys.ErrAliasExists(&keys.Key{Alias: "ci-bot", RevokedAt: &storetest.T0}), "bring it back with: keyward renew ci-bot --reactivate, or choose another alias"},
		{renewErr, "renew it with: keyward renew ci-bot --ttl 30d (which becomes its ttl), or raise max_ttl in the config"},
		{p.CheckTTL(4 * p.MaxTTL), "ask for at most 90d, or raise max_ttl in the config"},
		{p.CheckGrant(reg, nil, []string{"root:all"}), "add --role admin, or leave out --scope root:all"},
		{noAdmin.CheckGrant(reg, nil, []string{"root:all"}), "leave out --scope root:all: no configured role is admin_role, so no key can hold it"},
		{keys.ErrRejected(keys.CodeRevoked, "ci-bot"), "ask for a new key, or reactivate it with keyward renew ci-bot --reactivate"},
		{keys.ErrRejected(keys.CodeExpired, "ci-bot"), "renew it with: keyward renew ci-bot"},
		{keys.RemoveScope("s", &keys.Scope{Name: "s"}, []string{"a"}, 1), "take it off those keys first (keyward update ALIAS --scope …) or revoke them"},
		{keys.ValidateRef("Not An Alias!"), "list keys with: keyward list"},
		{keys.ValidateAlias("Not An Alias!"), "pick an alias such as ci-bot or backup.prod"},
	} {
		e, ok := c.err.(*keys.Error)
		if !ok {
			t.Fatalf("%v is not a keys.Error", c.err)
		}
		if got := hint(e); got != c.want {
			t.Errorf("%s: hint %q, want %q", e.Reason, got, c.want)
		}
	}
}
