package serve

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func codeOf(t *testing.T, fx *fixture, key string) string {
	t.Helper()
	rec := fx.verify(keyBody(key, ""))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return decode(t, rec.Body.String())["code"].(string)
}

func TestCacheAnswersRepeatsWithoutLookUp(t *testing.T) {
	fx := newFixture(t)
	for range 5 {
		if c := codeOf(t, fx, fx.creds["ci-bot"]); c != "VALID" {
			t.Fatal(c)
		}
		if c := codeOf(t, fx, "an-imported-key-nobody-has-1234"); c != "NOT_FOUND" {
			t.Fatal(c)
		}
	}
	if n := fx.f.calls(); n != 2 {
		t.Errorf("%d look-ups for two credentials asked five times each", n)
	}
	if n := fx.w.changesCalls(); n != 10 {
		t.Errorf("%d change checks for ten look-ups, want one each", n)
	}
}

func TestCacheJudgesExpiryAtEachRequest(t *testing.T) {
	fx := newFixture(t)
	if c := codeOf(t, fx, fx.creds["ci-bot"]); c != "VALID" {
		t.Fatal(c)
	}
	fx.now = fx.now.Add(25 * time.Hour) // past its expiry, nothing committed
	if c := codeOf(t, fx, fx.creds["ci-bot"]); c != "EXPIRED" {
		t.Errorf("after expiry: %s", c)
	}
	if fx.f.calls() != 1 {
		t.Errorf("%d look-ups", fx.f.calls())
	}
}

// revoke changes what the finder holds for alias and counts a commit, as
// another keyward process revoking the key would.
func (fx *fixture) revoke(alias string) {
	h := keys.Hash(fx.creds[alias])
	fx.f.mu.Lock()
	old := fx.f.subjects[h]
	k := *old.Key
	at := fx.now
	k.RevokedAt = &at
	fx.f.subjects[h] = &keys.Subject{Kind: old.Kind, Key: &k}
	fx.f.mu.Unlock()
	fx.w.commit()
}

func TestCacheSeesOtherProcessesCommits(t *testing.T) {
	fx := newFixture(t)
	codeOf(t, fx, fx.creds["ci-bot"])
	fx.revoke("ci-bot")
	if c := codeOf(t, fx, fx.creds["ci-bot"]); c != "REVOKED" {
		t.Errorf("after a commit: %s, want REVOKED", c)
	}
	// A key created elsewhere replaces a remembered NOT_FOUND.
	codeOf(t, fx, "an-imported-key-nobody-has-1234")
	fx.f.set(keys.Hash("an-imported-key-nobody-has-1234"), &keys.Subject{Kind: keys.KindKey,
		Key: &keys.Key{ID: "AAAAAAAAAAAA", Alias: "imported", Roles: []string{}, Scopes: []string{"*"}, ExpiresAt: fx.now.Add(time.Hour)}})
	fx.w.commit()
	if c := codeOf(t, fx, "an-imported-key-nobody-has-1234"); c != "VALID" {
		t.Errorf("after an import: %s, want VALID", c)
	}
}

// A record read before a commit must not be kept once another request
// has seen the commit: it would answer every later request stale.
func TestCacheDropsRecordReadBeforeAFlush(t *testing.T) {
	fx := newFixture(t)
	once := true
	fx.f.during = func() {
		if !once {
			return
		}
		once = false
		// After this request read the record: another process revokes
		// the key, and another request notices the commit.
		fx.revoke("ci-bot")
		fx.srv.cache.sync(context.Background())
	}
	codeOf(t, fx, fx.creds["ci-bot"]) // concurrent with the commit: either answer
	fx.f.during = nil
	if c := codeOf(t, fx, fx.creds["ci-bot"]); c != "REVOKED" {
		t.Errorf("after the commit: %s, want REVOKED", c)
	}
}

func TestCacheTrustsNothingWhenWatcherFails(t *testing.T) {
	fx := newFixture(t)
	fx.w.changesErr = errDown
	codeOf(t, fx, fx.creds["ci-bot"])
	codeOf(t, fx, fx.creds["ci-bot"])
	if n := fx.f.calls(); n != 2 {
		t.Errorf("%d look-ups with a failing watcher, want 2", n)
	}
}

func TestCacheRegistry(t *testing.T) {
	fx := newFixture(t)
	for range 3 {
		rec := fx.verify(keyBody(fx.creds["wild"], `, "scopes": ["backup:write"]`))
		if m := decode(t, rec.Body.String()); m["code"] != "VALID" {
			t.Fatal(rec.Body)
		}
	}
	if fx.f.regs != 1 {
		t.Errorf("registry loaded %d times", fx.f.regs)
	}
	// Another process makes the scope admin-only: a "*" key without the
	// admin role no longer holds it.
	fx.f.mu.Lock()
	fx.f.registry = keys.Registry{"backup:read": {Name: "backup:read"}, "backup:write": {Name: "backup:write", AdminOnly: true}}
	fx.f.mu.Unlock()
	fx.w.commit()
	rec := fx.verify(keyBody(fx.creds["wild"], `, "scopes": ["backup:write"]`))
	if m := decode(t, rec.Body.String()); m["code"] != "INSUFFICIENT_SCOPE" {
		t.Errorf("after the registry changed: %s", rec.Body)
	}
}

func TestCacheIsBounded(t *testing.T) {
	fx := newFixture(t)
	fx.srv = New(Options{Policy: fx.policy, Finder: fx.f, Watch: fx.w, CacheSize: 2, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return fx.now }})
	for _, a := range []string{"ci-bot", "wild", "old", "gone"} {
		codeOf(t, fx, fx.creds[a])
	}
	if n := fx.srv.cache.Len(); n != 2 {
		t.Errorf("cache holds %d records, bound 2", n)
	}
	// Evicted or not, every answer stays right.
	for a, want := range map[string]string{"ci-bot": "VALID", "wild": "VALID", "old": "EXPIRED", "gone": "REVOKED"} {
		if c := codeOf(t, fx, fx.creds[a]); c != want {
			t.Errorf("%s: %s, want %s", a, c, want)
		}
	}
}
