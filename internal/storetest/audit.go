package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// Actor is who a store opened by the suite records in the audit log.
const Actor = "storetest"

// events returns the log, newest first, as the filter selects it.
func (e *env) events(f keys.EventFilter) []*keys.Event {
	e.t.Helper()
	var out []*keys.Event
	if err := e.s.Events(ctx, f, func(ev *keys.Event) error { out = append(out, ev); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) head() keys.Head {
	e.t.Helper()
	h, err := e.s.LogHead(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

func (e *env) checkLog() keys.Head {
	e.t.Helper()
	h, err := e.s.CheckLog(ctx, nil)
	if err != nil {
		e.t.Fatalf("the log does not verify: %v", err)
	}
	return h
}

func actions(evs []*keys.Event) string {
	var b []string
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		b = append(b, fmt.Sprintf("%s:%s", ev.Action, ev.Alias))
	}
	return strings.Join(b, " ")
}

func detail(ev *keys.Event, path ...string) any {
	var v any = map[string]any(ev.Details)
	for _, p := range path {
		switch m := v.(type) {
		case map[string]any:
			v = m[p]
		case keys.Details:
			v = m[p]
		default:
			return nil
		}
	}
	return v
}

// Every change writes one event per key, in order, chained; reads,
// dry runs and refusals write none.
func testAuditEveryChange(t *testing.T, e *env) {
	if h := e.head(); h.Seq != 0 || h.Hash != keys.GenesisHash {
		t.Fatalf("a new log's head is %v", h)
	}
	e.addScope("backup:read", false)
	a := e.create("a", keys.Change{Meta: keys.MetaChange{Set: true, Meta: keys.Meta{"env": "prod"}}}, time.Hour)
	e.create("b", keys.Change{}, time.Hour)
	e.clock.Advance(time.Minute)
	if _, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "b"}, TTL: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UpdateKey(ctx, "a", keys.Change{Owner: ptr("ops"), Meta: keys.MetaChange{Clear: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mint(e.s, Policy, a.Secret, keys.TokenRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"b"}, "left the team"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"b"}, Reactivate: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RotateKey(ctx, keys.RotateRequest{Ref: "a", Grace: time.Hour, Prefix: "kw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.importLines(`{"alias":"c"}`, `{"alias":"d","meta":{"team":"x"}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RenewAll(ctx, keys.RenewAllRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveScope(ctx, "backup:read"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "c", OrRenew: true, Credential: keys.NewCredential("kw", keys.KindKey)}); err != nil {
		t.Fatal(err)
	}
	all := e.events(keys.EventFilter{})
	want := "scope_add: create:a create:b renew:a renew:b update:a token:a revoke:b reactivate:b rotate:a import:c import:d " +
		"renew:a renew:b renew:c renew:d scope_remove: renew:c"
	if got := actions(all); got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
	for i, ev := range all {
		if ev.Seq != int64(len(all)-i) || ev.Actor != Actor || ev.At.IsZero() || len(ev.Hash) != 64 {
			t.Errorf("event %d: seq %d actor %q at %v hash %q", i, ev.Seq, ev.Actor, ev.At, ev.Hash)
		}
		if (ev.KeyID == "") != (ev.Action == keys.ActionScopeAdd || ev.Action == keys.ActionScopeRemove) {
			t.Errorf("seq %d %s: key id %q", ev.Seq, ev.Action, ev.KeyID)
		}
	}
	if h := e.checkLog(); h != (keys.Head{Seq: all[0].Seq, Hash: all[0].Hash}) || e.head() != h {
		t.Errorf("head %v, newest event %d:%s", h, all[0].Seq, all[0].Hash)
	}
	bySeq := func(seq int) *keys.Event { return all[len(all)-seq] }
	if ev := bySeq(2); ev.KeyID != a.Key.ID || detail(ev, "meta", "env") != "prod" || detail(ev, "ttl_seconds") == nil {
		t.Errorf("create details %v", ev.Details)
	}
	r1, r2 := bySeq(4), bySeq(5)
	if b := detail(r1, "batch"); b == nil || b == "" || b != detail(r2, "batch") {
		t.Errorf("renew of two keys shares one batch: %v %v", detail(r1, "batch"), detail(r2, "batch"))
	}
	if fmt.Sprint(detail(r1, "ttl_seconds", "new")) != "7200" || detail(r1, "expires_at", "old") == nil {
		t.Errorf("renew details %v", r1.Details)
	}
	if ev := bySeq(6); fmt.Sprint(detail(ev, "owner", "new")) != "ops" || detail(ev, "meta", "old", "env") != "prod" || detail(ev, "expires_at") != nil {
		t.Errorf("update details %v", ev.Details)
	}
	if ev := bySeq(8); detail(ev, "reason") != "left the team" || detail(ev, "batch") != nil {
		t.Errorf("revoke details %v", ev.Details)
	}
	if ev := bySeq(9); detail(ev, "revoked_at", "old") == nil {
		t.Errorf("reactivate details %v", ev.Details)
	}
	i1, i2, ra := bySeq(11), bySeq(12), bySeq(13)
	if detail(i1, "batch") == nil || detail(i1, "batch") != detail(i2, "batch") || e.find("d").Meta["team"] != "x" || detail(i1, "legacy_key") != nil {
		t.Errorf("import details %v %v", i1.Details, i2.Details)
	}
	if detail(ra, "batch") == nil || detail(ra, "batch") == detail(i1, "batch") || detail(ra, "batch") != detail(bySeq(16), "batch") {
		t.Errorf("renew --all shares its own batch: %v", ra.Details)
	}
}

func testAuditNothingForReads(t *testing.T, e *env) {
	key := e.create("a", keys.Change{}, time.Hour).Secret
	e.create("gone", keys.Change{}, time.Hour)
	if _, err := e.s.RevokeKeys(ctx, []string{"gone"}, ""); err != nil {
		t.Fatal(err)
	}
	before := e.head()
	e.verify(key, nil, nil)
	e.clock.Advance(2 * time.Minute)
	e.verify(key, nil, nil) // records last_used_at: no event
	e.find("a")
	if _, err := e.s.RenewAll(ctx, keys.RenewAllRequest{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if out, err := e.s.RevokeKeys(ctx, []string{"gone"}, "again"); err != nil || !out[0].AlreadyRevoked {
		t.Fatal(err)
	}
	if _, err := e.s.RenewAll(ctx, keys.RenewAllRequest{Owner: ptr("nobody")}); err != nil {
		t.Fatal(err)
	}
	if h := e.head(); h != before {
		t.Errorf("reads, a dry run, an empty batch and an already revoked key wrote events: %v, was %v", h, before)
	}
	// Refusals write none either.
	_, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "a", Credential: keys.NewCredential("kw", keys.KindKey)})
	wantErr(t, err, keys.ECONFLICT, "alias_exists")
	_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "nobody"}})
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	if h := e.head(); h != before {
		t.Errorf("refused writes wrote events: %v, was %v", h, before)
	}
}

// No event ever holds a key or token string, or the hash of one.
func testAuditHoldsNoSecret(t *testing.T, e *env) {
	legacy := "legacy-service-key-0123456789abcdef"
	res, err := e.importLines(`{"alias":"old","key":"`+legacy+`"}`, `{"alias":"gen"}`)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{legacy, res[1].Secret}
	c := e.create("c", keys.Change{}, time.Hour)
	secrets = append(secrets, c.Secret)
	rot, err := e.s.RotateKey(ctx, keys.RotateRequest{Ref: "old", Grace: time.Hour, Prefix: "kw"})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, rot.Secret)
	tok, err := e.mint(e.s, Policy, c.Secret, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, tok.Secret)
	for _, ev := range e.events(keys.EventFilter{}) {
		text := string(ev.Canonical())
		for _, s := range secrets {
			if strings.Contains(text, s) || strings.Contains(text, keys.Hash(s)) {
				t.Errorf("seq %d %s holds a secret or its hash: %s", ev.Seq, ev.Action, text)
			}
		}
	}
}

func testAuditFilters(t *testing.T, e *env) {
	e.create("a", keys.Change{}, time.Hour)
	e.clock.Advance(time.Hour)
	e.create("b", keys.Change{}, time.Hour)
	if _, err := e.s.RevokeKeys(ctx, []string{"a"}, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    keys.EventFilter
		want string
	}{
		{keys.EventFilter{Ref: "a"}, "create:a revoke:a"},
		{keys.EventFilter{Ref: e.find("b").ID}, "create:b"},
		{keys.EventFilter{Actions: []keys.Action{keys.ActionRevoke, keys.ActionRenew}}, "revoke:a"},
		{keys.EventFilter{Since: 30 * time.Minute}, "create:b revoke:a"},
		{keys.EventFilter{Limit: 1}, "revoke:a"},
		{keys.EventFilter{Ref: "a", Actions: []keys.Action{keys.ActionCreate}}, "create:a"},
	} {
		if got := actions(e.events(c.f)); got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}
	err := e.s.Events(ctx, keys.EventFilter{Ref: "nobody"}, func(*keys.Event) error { return nil })
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	err = e.s.Events(ctx, keys.EventFilter{Ref: "Bad Ref!"}, func(*keys.Event) error { return nil })
	wantErr(t, err, keys.EINVALID, "invalid_alias")
}

func testAuditHead(t *testing.T, e *env) {
	e.create("a", keys.Change{}, time.Hour)
	h := e.head()
	e.create("b", keys.Change{}, time.Hour)
	if got, err := e.s.CheckLog(ctx, &h); err != nil || got.Seq != h.Seq+1 {
		t.Fatalf("an earlier head is still in the log: %v %v", got, err)
	}
	future := keys.Head{Seq: h.Seq + 5, Hash: h.Hash}
	_, err := e.s.CheckLog(ctx, &future)
	var ce *keys.ChainError
	if !errors.As(err, &ce) || ce.Problem != keys.ChainTruncated || ce.Seq != h.Seq+2 || keys.ErrorCode(err) != keys.EINTERNAL {
		t.Fatalf("a head past the end: %v", err)
	}
	wrong := keys.Head{Seq: h.Seq, Hash: strings.Repeat("0", 63) + "1"}
	if _, err := e.s.CheckLog(ctx, &wrong); !errors.As(err, &ce) || ce.Problem != keys.ChainHeadDiff || ce.Seq != h.Seq {
		t.Fatalf("a head that differs: %v", err)
	}
}

// Writers from several goroutines leave one gapless chain.
func testAuditConcurrent(t *testing.T, e *env) {
	testConcurrentCreates(t, e)
	evs := e.events(keys.EventFilter{})
	if len(evs) != writers*5 {
		t.Fatalf("%d events for %d creates", len(evs), writers*5)
	}
	e.checkLog()
}
