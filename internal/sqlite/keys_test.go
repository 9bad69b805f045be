package sqlite

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

var ctx = context.Background()

func TestCreateKey(t *testing.T) {
	s := newStore(t)
	res := s.create(t, "ci-bot", roles("agent"), owner("ops"))
	k := res.Key
	if res.Renewed || !strings.HasPrefix(res.Secret, "kw_"+k.ID+"_") {
		t.Fatalf("result %+v", res)
	}
	if !k.CreatedAt.Equal(t0) || !k.ExpiresAt.Equal(t0.Add(15*24*time.Hour)) || k.Status != keys.StatusActive {
		t.Errorf("created %v expires %v status %v", k.CreatedAt, k.ExpiresAt, k.Status)
	}
	got := s.find(t, "ci-bot")
	if got.ID != k.ID || got.Owner != "ops" || !slices.Equal(got.Roles, []string{"agent"}) || !slices.Equal(got.Scopes, []string{"*"}) ||
		!got.ExpiresAt.Equal(k.ExpiresAt) || got.TTL != 15*24*time.Hour || got.TokenTTL != time.Hour || got.Masked != k.Masked {
		t.Errorf("stored %+v", got)
	}
	if byID := s.find(t, k.ID); byID.Alias != "ci-bot" {
		t.Errorf("by id: %+v", byID)
	}
	// Only the SHA-256 of the whole key string is stored.
	if h := s.hash(t, k.ID); h != keys.Hash(res.Secret) {
		t.Errorf("stored hash %q", h)
	}
	if strings.Contains(s.snapshot(t), res.Secret) || strings.Contains(s.snapshot(t), res.Secret[len(res.Secret)-38:]) {
		t.Error("the secret is stored")
	}
}

func TestCreateDuplicateAlias(t *testing.T) {
	s := newStore(t)
	s.create(t, "ci-bot")
	before := s.snapshot(t)
	_, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", Credential: keys.NewCredential("kw", keys.KindKey)})
	wantCode(t, err, keys.ECONFLICT, "alias_exists")
	if e := err.(*keys.Error); e.Alias != "ci-bot" || e.Values["status"] != "" {
		t.Errorf("alias %q, values %v", e.Alias, e.Values)
	}
	if s.snapshot(t) != before {
		t.Error("a refused create changed the database")
	}
}

// An alias that spells another key's id would make a reference to it
// name two keys: create refuses it, with or without --or-renew, and
// never touches the key whose id it spells.
func TestCreateAliasThatSpellsAnotherKeysID(t *testing.T) {
	s := newStore(t)
	cred := keys.NewCredential("kw", keys.KindKey)
	cred.ID = "abcdefghijkl"
	if _, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "first", Credential: cred}); err != nil {
		t.Fatal(err)
	}
	before := s.snapshot(t)
	for _, orRenew := range []bool{false, true} {
		_, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "abcdefghijkl", OrRenew: orRenew, Credential: keys.NewCredential("kw", keys.KindKey)})
		wantCode(t, err, keys.ECONFLICT, "alias_is_id")
		if err != nil && !strings.Contains(err.Error(), `"first"`) {
			t.Errorf("the error does not name the key: %v", err)
		}
	}
	if s.snapshot(t) != before {
		t.Error("a refused create changed the database")
	}
}

// A database from before that rule may hold an alias that spells another
// key's id: a reference to it is refused as ambiguous, naming both, and
// nothing is changed.
func TestAmbiguousReference(t *testing.T) {
	s := newStore(t)
	cred := keys.NewCredential("kw", keys.KindKey)
	cred.ID = "abcdefghijkl"
	leaked, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "leaked", Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	look := s.create(t, "lookalike")
	if _, err := s.db.Exec(`UPDATE keys SET alias = 'abcdefghijkl' WHERE alias = 'lookalike'`); err != nil {
		t.Fatal(err)
	}
	before := s.snapshot(t)
	_, err = s.FindKey(ctx, "abcdefghijkl")
	wantCode(t, err, keys.EINVALID, "ambiguous_ref")
	if err != nil && !strings.Contains(err.Error(), `"leaked"`) {
		t.Errorf("the error does not name both keys: %v", err)
	}
	_, err = s.RevokeKeys(ctx, []string{"abcdefghijkl"}, "")
	wantCode(t, err, keys.EINVALID, "ambiguous_ref")
	if s.snapshot(t) != before {
		t.Error("an ambiguous revoke changed the database")
	}
	// Each is still reachable by its other handle.
	if k := s.find(t, "leaked"); k.ID != leaked.Key.ID {
		t.Errorf("leaked: %+v", k)
	}
	if k := s.find(t, look.Key.ID); k.Alias != "abcdefghijkl" {
		t.Errorf("by id: %+v", k)
	}
}

func TestCreateOrRenew(t *testing.T) {
	s := newStore(t)
	orig := s.create(t, "ci-bot", ttl(time.Hour))
	hash := s.hash(t, orig.Key.ID)
	s.advance(30 * time.Minute)
	newOwner := "ops"
	res, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", OrRenew: true, TTL: 2 * time.Hour,
		Fields: keys.Change{Owner: &newOwner}, Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil {
		t.Fatal(err)
	}
	k := res.Key
	if !res.Renewed || res.Secret != "" || k.ID != orig.Key.ID || k.Masked != orig.Key.Masked || k.Owner != "ops" {
		t.Errorf("renewed %+v secret %q", k, res.Secret)
	}
	if !k.ExpiresAt.Equal(s.now.Add(2*time.Hour)) || k.TTL != 2*time.Hour || !k.CreatedAt.Equal(t0) {
		t.Errorf("expires %v ttl %v created %v", k.ExpiresAt, k.TTL, k.CreatedAt)
	}
	if s.hash(t, k.ID) != hash {
		t.Error("or-renew changed the key string")
	}

	// A revoked key: conflict, unless reactivated.
	if _, err := s.RevokeKeys(ctx, []string{"ci-bot"}, ""); err != nil {
		t.Fatal(err)
	}
	before := s.snapshot(t)
	_, err = s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", OrRenew: true, Credential: keys.NewCredential("kw", keys.KindKey)})
	wantCode(t, err, keys.ECONFLICT, "key_revoked")
	if s.snapshot(t) != before {
		t.Error("a refused or-renew changed the database")
	}
	res, err = s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", OrRenew: true, Reactivate: true, Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil || res.Key.Status != keys.StatusActive || res.Key.RevokedAt != nil {
		t.Fatalf("reactivate: %+v, %v", res.Key, err)
	}
	if k := s.find(t, "ci-bot"); k.Status != keys.StatusActive || k.RevokedAt != nil || k.RevokeReason != "" {
		t.Errorf("stored after reactivation: %+v", k)
	}
}

func TestStatusIsDerivedFromTheClock(t *testing.T) {
	s := newStore(t)
	s.create(t, "ci-bot", ttl(time.Hour))
	s.advance(time.Hour - time.Second)
	if k := s.find(t, "ci-bot"); k.Status != keys.StatusActive {
		t.Errorf("a second before expiry: %v", k.Status)
	}
	s.advance(time.Second)
	if k := s.find(t, "ci-bot"); k.Status != keys.StatusExpired {
		t.Errorf("at expiry: %v", k.Status)
	}
	if got := s.list(t, keys.Filter{Status: keys.StatusExpired}); !slices.Equal(got, []string{"ci-bot"}) {
		t.Errorf("list expired at expiry = %v", got)
	}
	if got := s.list(t, keys.Filter{Status: keys.StatusActive}); len(got) != 0 {
		t.Errorf("list active at expiry = %v", got)
	}
}

func TestRenewKeys(t *testing.T) {
	s := newStore(t)
	a := s.create(t, "a", ttl(time.Hour)).Key
	s.create(t, "b", ttl(2*time.Hour))
	hash := s.hash(t, a.ID)

	s.advance(3 * time.Hour) // both expired: expired keys renew
	out, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "b", a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Alias != "a" || out[1].Alias != "b" {
		t.Fatalf("renewed %d keys", len(out))
	}
	if !out[0].ExpiresAt.Equal(s.now.Add(time.Hour)) || !out[1].ExpiresAt.Equal(s.now.Add(2*time.Hour)) {
		t.Errorf("expiries %v %v", out[0].ExpiresAt, out[1].ExpiresAt)
	}
	k := s.find(t, "a")
	if k.ID != a.ID || k.Masked != a.Masked || s.hash(t, a.ID) != hash || k.Status != keys.StatusActive ||
		!k.UpdatedAt.Equal(s.now) || !k.CreatedAt.Equal(t0) || !k.ExpiresAt.Equal(s.now.Add(time.Hour)) {
		t.Errorf("after renew: %+v", k)
	}

	// --ttl becomes the key's TTL; --name and --role replace.
	n, r := "Renamed", []string{"user"}
	if _, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a"}, TTL: 30 * 24 * time.Hour, Change: keys.Change{Name: &n, Roles: &r}}); err != nil {
		t.Fatal(err)
	}
	k = s.find(t, "a")
	if k.TTL != 30*24*time.Hour || !k.ExpiresAt.Equal(s.now.Add(30*24*time.Hour)) || k.Name != "Renamed" || !slices.Equal(k.Roles, r) {
		t.Errorf("after renew --ttl: %+v", k)
	}
	s.advance(time.Hour)
	if _, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if k = s.find(t, "a"); !k.ExpiresAt.Equal(s.now.Add(30 * 24 * time.Hour)) {
		t.Errorf("the next renew does not use the new TTL: %v", k.ExpiresAt)
	}
}

func TestRenewKeysAllOrNone(t *testing.T) {
	s := newStore(t)
	s.create(t, "a")
	s.create(t, "revoked")
	if _, err := s.RevokeKeys(ctx, []string{"revoked"}, "gone"); err != nil {
		t.Fatal(err)
	}
	s.advance(time.Hour)
	before := s.snapshot(t)

	_, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "revoked"}})
	wantCode(t, err, keys.ECONFLICT, "key_revoked")
	_, err = s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "missing"}})
	wantCode(t, err, keys.ENOTFOUND, "key_not_found")
	if s.snapshot(t) != before {
		t.Error("a failed batch renewed some keys")
	}

	out, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "revoked"}, Reactivate: true})
	if err != nil || len(out) != 2 {
		t.Fatal(err)
	}
	if k := s.find(t, "revoked"); k.Status != keys.StatusActive || k.RevokeReason != "" {
		t.Errorf("reactivated: %+v", k)
	}
}

func TestRenewAll(t *testing.T) {
	s := newStore(t)
	s.create(t, "a", ttl(time.Hour), owner("ops"), roles("agent"))
	s.create(t, "b", ttl(time.Hour), owner("dev"), roles("user"))
	s.create(t, "c", ttl(30*24*time.Hour), owner("ops"), roles("agent", "admin"))
	s.create(t, "d", ttl(time.Hour), owner("ops"), roles("agent"))
	s.create(t, "e", ttl(time.Hour))
	s.RevokeKeys(ctx, []string{"d"}, "")
	s.advance(30 * time.Minute)

	aliases := func(ks []*keys.Key) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Alias)
		}
		return out
	}
	ops, empty := "ops", ""
	for _, tc := range []struct {
		name string
		req  keys.RenewAllRequest
		want []string
	}{
		{"everything but revoked", keys.RenewAllRequest{}, []string{"a", "b", "c", "e"}},
		{"expiring within", keys.RenewAllRequest{ExpiringWithin: time.Hour}, []string{"a", "b", "e"}},
		{"owner", keys.RenewAllRequest{Owner: &ops}, []string{"a", "c"}},
		{"no owner", keys.RenewAllRequest{Owner: &empty}, []string{"e"}},
		{"role", keys.RenewAllRequest{Role: "agent"}, []string{"a", "c"}},
		{"admin role", keys.RenewAllRequest{Role: "admin"}, []string{"c"}},
		{"combined", keys.RenewAllRequest{Owner: &ops, Role: "agent", ExpiringWithin: time.Hour}, []string{"a"}},
		{"none", keys.RenewAllRequest{Role: "creator"}, nil},
	} {
		before := s.snapshot(t)
		req := tc.req
		req.DryRun = true
		out, err := s.RenewAll(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(aliases(out), tc.want) {
			t.Errorf("%s: dry run renews %v, want %v", tc.name, aliases(out), tc.want)
		}
		for _, k := range out {
			if !k.ExpiresAt.Equal(s.now.Add(k.TTL)) {
				t.Errorf("%s: dry run shows %s expiring %v", tc.name, k.Alias, k.ExpiresAt)
			}
		}
		if s.snapshot(t) != before {
			t.Fatalf("%s: the dry run changed the database", tc.name)
		}
	}

	out, err := s.RenewAll(ctx, keys.RenewAllRequest{ExpiringWithin: time.Hour})
	if err != nil || len(out) != 3 {
		t.Fatalf("%d, %v", len(out), err)
	}
	for _, alias := range []string{"a", "b", "e"} {
		if k := s.find(t, alias); !k.ExpiresAt.Equal(s.now.Add(time.Hour)) || !k.UpdatedAt.Equal(s.now) {
			t.Errorf("%s not renewed: %+v", alias, k)
		}
	}
	if k := s.find(t, "c"); !k.ExpiresAt.Equal(t0.Add(30 * 24 * time.Hour)) {
		t.Errorf("c renewed: %v", k.ExpiresAt)
	}
	if k := s.find(t, "d"); k.Status != keys.StatusRevoked || !k.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("revoked d renewed: %+v", k)
	}
}

// A failure on any one key renews none: the batch is one transaction.
func TestRenewAllAllOrNone(t *testing.T) {
	s := newStore(t)
	for _, a := range []string{"a", "b", "boom", "c"} {
		s.create(t, a, ttl(time.Hour))
	}
	if _, err := s.db.Exec(`CREATE TRIGGER fail_boom BEFORE UPDATE OF expires_at ON keys
		WHEN NEW.alias = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	s.advance(10 * time.Minute)
	before := s.snapshot(t)
	if _, err := s.RenewAll(ctx, keys.RenewAllRequest{}); err == nil {
		t.Fatal("no error")
	} else if strings.Contains(err.Error(), "boom") || strings.Contains(strings.ToLower(err.Error()), "sqlite") {
		t.Errorf("raw database error shown: %q", err)
	}
	if s.snapshot(t) != before {
		t.Error("some keys were renewed")
	}
	_, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "boom"}})
	if err == nil || s.snapshot(t) != before {
		t.Errorf("named batch: %v; changed: %v", err, s.snapshot(t) != before)
	}
}

func TestUpdateKeepsExpiry(t *testing.T) {
	s := newStore(t)
	k0 := s.create(t, "ci-bot", ttl(time.Hour), roles("agent")).Key
	hash := s.hash(t, k0.ID)
	s.advance(10 * time.Minute)
	n, d, o, r, tt := "CI", "builds", "ops", []string{"admin", "user"}, 2*time.Hour
	k, err := s.UpdateKey(ctx, "ci-bot", keys.Change{Name: &n, Description: &d, Owner: &o, Roles: &r, TokenTTL: &tt})
	if err != nil {
		t.Fatal(err)
	}
	got := s.find(t, k0.ID)
	for _, k := range []*keys.Key{k, got} {
		if k.Name != "CI" || k.Description != "builds" || k.Owner != "ops" || !slices.Equal(k.Roles, r) || k.TokenTTL != 2*time.Hour {
			t.Errorf("fields %+v", k)
		}
		if !k.ExpiresAt.Equal(k0.ExpiresAt) || k.TTL != time.Hour || !k.UpdatedAt.Equal(s.now) || !k.CreatedAt.Equal(t0) {
			t.Errorf("times %+v", k)
		}
	}
	if s.hash(t, k0.ID) != hash {
		t.Error("update changed the key string")
	}
	_, err = s.UpdateKey(ctx, "missing", keys.Change{Name: &n})
	wantCode(t, err, keys.ENOTFOUND, "key_not_found")
}

func TestListFilters(t *testing.T) {
	s := newStore(t)
	s.create(t, "alpha", ttl(time.Hour), owner("ops"), roles("agent"), name("Alpha Bot"))
	s.create(t, "beta", ttl(30*24*time.Hour), owner("dev"), roles("user"), describe("Nightly BACKUP job, ünïcode"))
	s.create(t, "gamma", ttl(60*24*time.Hour), owner("backup-team"), roles("agent", "admin"))
	s.create(t, "delta", ttl(2*time.Hour))
	s.create(t, "pct", ttl(2*time.Hour), describe("100% under_score"))
	s.RevokeKeys(ctx, []string{"delta"}, "")
	s.advance(90 * time.Minute) // alpha has expired
	ops := "ops"
	for _, tc := range []struct {
		name string
		f    keys.Filter
		want []string
	}{
		{"default hides revoked", keys.Filter{}, []string{"alpha", "beta", "gamma", "pct"}},
		{"all", keys.Filter{AllStatuses: true}, []string{"alpha", "beta", "gamma", "delta", "pct"}},
		{"active", keys.Filter{Status: keys.StatusActive}, []string{"beta", "gamma", "pct"}},
		{"expired", keys.Filter{Status: keys.StatusExpired}, []string{"alpha"}},
		{"revoked", keys.Filter{Status: keys.StatusRevoked}, []string{"delta"}},
		{"role", keys.Filter{Role: "agent"}, []string{"alpha", "gamma"}},
		{"owner", keys.Filter{Owner: &ops}, []string{"alpha"}},
		{"search alias", keys.Filter{Search: "amm"}, []string{"gamma"}},
		{"search name", keys.Filter{Search: "alpha bot"}, []string{"alpha"}},
		{"search description and owner, any case", keys.Filter{Search: "BackUp"}, []string{"beta", "gamma"}},
		{"search is literal", keys.Filter{Search: "%"}, []string{"pct"}},
		{"search folds non-ASCII case", keys.Filter{Search: "ÜNÏ"}, []string{"beta"}},
		{"search does not span fields", keys.Filter{Search: "code\ndev"}, nil},
		{"search underscore is literal", keys.Filter{Search: "r_s"}, []string{"pct"}},
		{"expiring within, expired included", keys.Filter{ExpiringWithin: 24 * time.Hour}, []string{"alpha", "pct"}},
		{"active expiring within", keys.Filter{Status: keys.StatusActive, ExpiringWithin: 24 * time.Hour}, []string{"pct"}},
		{"revoked ones with search", keys.Filter{AllStatuses: true, Search: "delta"}, []string{"delta"}},
	} {
		if got := s.list(t, tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestListSortAndPaging(t *testing.T) {
	s := newStore(t)
	s.create(t, "charlie", ttl(2*time.Hour))
	s.advance(time.Second)
	s.create(t, "alpha", ttl(3*time.Hour))
	s.advance(time.Second)
	s.create(t, "bravo", ttl(time.Hour))
	s.create(t, "delta", ttl(time.Hour)) // same second as bravo
	if _, err := s.db.Exec(`UPDATE keys SET last_used_at = CASE alias WHEN 'alpha' THEN 100 WHEN 'delta' THEN 50 END`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sort string
		desc bool
		want []string
	}{
		{"created", false, []string{"charlie", "alpha", "bravo", "delta"}},
		{"created", true, []string{"delta", "bravo", "alpha", "charlie"}},
		{"alias", false, []string{"alpha", "bravo", "charlie", "delta"}},
		{"alias", true, []string{"delta", "charlie", "bravo", "alpha"}},
		{"expires", false, []string{"bravo", "delta", "charlie", "alpha"}},
		{"expires", true, []string{"alpha", "charlie", "delta", "bravo"}},
		{"last_used", false, []string{"bravo", "charlie", "delta", "alpha"}},
		{"last_used", true, []string{"alpha", "delta", "charlie", "bravo"}},
	} {
		if got := s.list(t, keys.Filter{Sort: tc.sort, Desc: tc.desc}); !slices.Equal(got, tc.want) {
			t.Errorf("sort %s desc %v: %v, want %v", tc.sort, tc.desc, got, tc.want)
		}
		// Pages of one put together give the whole list.
		var paged []string
		for off := 0; off < 5; off++ {
			paged = append(paged, s.list(t, keys.Filter{Sort: tc.sort, Desc: tc.desc, Limit: 1, Offset: off})...)
		}
		if !slices.Equal(paged, tc.want) {
			t.Errorf("sort %s desc %v paged: %v", tc.sort, tc.desc, paged)
		}
	}
	if got := s.list(t, keys.Filter{Sort: "alias", Limit: 2, Offset: 1}); !slices.Equal(got, []string{"bravo", "charlie"}) {
		t.Errorf("limit 2 offset 1: %v", got)
	}
}

func TestListStopsOnCallbackError(t *testing.T) {
	s := newStore(t)
	s.create(t, "a")
	s.create(t, "b")
	stop := keys.Errorf(keys.EINTERNAL, "x", "stop")
	n := 0
	err := s.ListKeys(ctx, keys.Filter{}, func(*keys.Key) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("err %v after %d keys", err, n)
	}
}

func TestRevokeKeys(t *testing.T) {
	s := newStore(t)
	s.create(t, "a")
	b := s.create(t, "b").Key
	s.advance(time.Minute)
	out, err := s.RevokeKeys(ctx, []string{"a", b.ID, "a"}, "leaked")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].AlreadyRevoked || out[1].AlreadyRevoked {
		t.Fatalf("%+v", out)
	}
	revokedAt := s.now
	k := s.find(t, "a")
	if k.Status != keys.StatusRevoked || !k.RevokedAt.Equal(revokedAt) || k.RevokeReason != "leaked" {
		t.Errorf("%+v", k)
	}

	// Again: already revoked, and the first revocation is kept.
	s.advance(time.Minute)
	out, err = s.RevokeKeys(ctx, []string{"a"}, "again")
	if err != nil || len(out) != 1 || !out[0].AlreadyRevoked {
		t.Fatalf("%+v, %v", out, err)
	}
	if k := s.find(t, "a"); !k.RevokedAt.Equal(revokedAt) || k.RevokeReason != "leaked" {
		t.Errorf("second revoke changed the record: %+v", k)
	}

	s.create(t, "c")
	before := s.snapshot(t)
	_, err = s.RevokeKeys(ctx, []string{"c", "missing"}, "")
	wantCode(t, err, keys.ENOTFOUND, "key_not_found")
	if s.snapshot(t) != before {
		t.Error("a failed revoke revoked some keys")
	}
}

func TestFindKeyErrors(t *testing.T) {
	s := newStore(t)
	_, err := s.FindKey(ctx, "missing")
	wantCode(t, err, keys.ENOTFOUND, "key_not_found")
	_, err = s.FindKey(ctx, "Not An Alias")
	wantCode(t, err, keys.EINVALID, "invalid_alias")
}

// A key made for 60 days is not renewed for 60 more once max_ttl is 30
// days: renewing never extends a key past the policy, nor silently
// shortens it. Given --ttl, it is renewed.
func TestRenewRefusesATTLAboveALoweredMax(t *testing.T) {
	s := newStore(t)
	s.create(t, "long", ttl(60*24*time.Hour))
	s.create(t, "short", ttl(time.Hour))
	s.Policy.MaxTTL = 30 * 24 * time.Hour
	s.advance(time.Hour)
	before := s.snapshot(t)

	_, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"short", "long"}})
	wantCode(t, err, keys.EINVALID, "ttl_too_long")
	if e := err.(*keys.Error); !strings.Contains(err.Error(), `"long"`) || e.Alias != "long" || e.Values["max_ttl"] != "30d" {
		t.Errorf("error %q, alias %q, values %v", err, e.Alias, e.Values)
	}
	_, err = s.CreateKey(ctx, keys.CreateRequest{Alias: "long", OrRenew: true, Credential: keys.NewCredential("kw", keys.KindKey)})
	wantCode(t, err, keys.EINVALID, "ttl_too_long")
	for _, dry := range []bool{true, false} {
		_, err = s.RenewAll(ctx, keys.RenewAllRequest{DryRun: dry})
		wantCode(t, err, keys.EINVALID, "ttl_too_long")
	}
	if s.snapshot(t) != before {
		t.Fatal("a refused renewal changed the database")
	}
	// A filter that leaves the long key out renews the rest.
	if out, err := s.RenewAll(ctx, keys.RenewAllRequest{ExpiringWithin: 24 * time.Hour}); err != nil || len(out) != 1 {
		t.Fatalf("%v, %v", out, err)
	}
	out, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"long"}, TTL: 30 * 24 * time.Hour})
	if err != nil || out[0].TTL != 30*24*time.Hour || !out[0].ExpiresAt.Equal(s.now.Add(30*24*time.Hour)) {
		t.Fatalf("renew --ttl: %v", err)
	}
	if _, err := s.RenewAll(ctx, keys.RenewAllRequest{}); err != nil {
		t.Errorf("after --ttl, renew --all: %v", err)
	}
}
