package cmd

import (
	"encoding/json"
	"strings"
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

// TestMessagesEscapeControls: an error line quotes what it was given (a
// path, a name from the database) with its control characters escaped,
// so that it cannot drive the terminal it is printed on. JSON carries the
// exact text, its controls escaped as JSON escapes them.
func TestMessagesEscapeControls(t *testing.T) {
	const name = "conf\x1b]0;pwned\x07\x1b[2J\u202e.yaml"
	_, stderr, code := runKeyward(t, nil, "list", "--config", name)
	if code != 2 {
		t.Errorf("exit %d, want 2 (%s)", code, stderr)
	}
	if strings.ContainsAny(stderr, "\x1b\x07\u202e") {
		t.Errorf("stderr holds a raw control: %q", stderr)
	}
	if !strings.Contains(stderr, `keyward: error: config file conf\x1b]0;pwned\a\x1b[2J\u202e.yaml does not exist`) {
		t.Errorf("stderr does not show the name escaped: %q", stderr)
	}

	_, stderr, code = runKeyward(t, nil, "list", "-o", "json", "--config", name)
	var doc struct{ Error struct{ Message string } }
	if err := json.Unmarshal([]byte(stderr), &doc); err != nil || code != 2 {
		t.Fatalf("-o json: exit %d, %v: %q", code, err, stderr)
	}
	if want := "config file " + name + " does not exist"; doc.Error.Message != want {
		t.Errorf("-o json: message %q, want %q", doc.Error.Message, want)
	}
	if strings.ContainsAny(stderr, "\x1b\x07") {
		t.Errorf("-o json: stderr holds a raw control: %q", stderr)
	}
}
