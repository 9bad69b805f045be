package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillLoopAudit kills mixed writers with SIGKILL at random moments:
// afterwards every change in the database is matched by exactly one
// event, every event by its change, and `keyward log verify` passes.
func TestKillLoopAudit(t *testing.T) {
	const rounds = 20
	e := newEnv(t)
	e.setenv("KEYWARD_ACTOR", "cron")
	e.createKey("target")
	minting := e.createKey("minter", "--ttl", "30d")
	e.createKey("rotating")
	for i := range 40 {
		e.createKey(fmt.Sprintf("filler-%02d", i))
	}
	writers := func(ctx context.Context, round int) []*exec.Cmd {
		cmds := []*exec.Cmd{
			e.command(ctx, "create", fmt.Sprintf("k-%02d", round), "-q", "--meta", fmt.Sprintf("round=%d", round)),
			e.command(ctx, "renew", "--all", "-o", "json"),
			e.command(ctx, "update", "target", "--owner", fmt.Sprintf("owner-%02d", round)),
			e.command(ctx, "revoke", fmt.Sprintf("k-%02d", round-1), "--reason", "round"),
			e.command(ctx, "rotate", "rotating", "--end-previous", "--grace", "1h", "-q"),
			e.command(ctx, "token", "--key-file", "-", "--ttl", "5m"),
			e.command(ctx, "scopes", "add", fmt.Sprintf("s.%02d", round)),
		}
		cmds[5].Stdin = strings.NewReader(minting + "\n")
		return cmds
	}
	start := time.Now()
	for _, c := range writers(context.Background(), -1) {
		c.Run()
	}
	span := time.Since(start) * 3 / 2 // one after another there, in parallel below: some finish, some die
	setup := query[int](t, e.db, `SELECT count(*) FROM events`)
	killed := 0
	for round := range rounds {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmds := writers(ctx, round)
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(rand.N(span))
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGKILL)
		}
		for _, c := range cmds {
			c.Wait()
			if st, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() {
				killed++
			}
		}
		cancel()
	}
	written := query[int](t, e.db, `SELECT count(*) FROM events`) - setup
	t.Logf("%d rounds, %d of %d processes killed, %d events written by the others", rounds, killed, rounds*7, written)
	if killed == 0 || written == 0 {
		t.Fatal("no process was killed, or none wrote anything: the test proves nothing")
	}
	if got := integrity(t, e.db); got != "ok" {
		t.Fatalf("integrity_check = %q", got)
	}
	if r := e.run("", "log", "verify"); r.code != 0 {
		t.Fatalf("log verify after the kills\n%s", r)
	}
	checkEventsMatchChanges(t, e.db)
}

// checkEventsMatchChanges reads the database as it is and its log, and
// fails for any change without exactly one event, or event without its
// change.
func checkEventsMatchChanges(t *testing.T, path string) {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	must := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n, max := must(`SELECT count(*) FROM events`), must(`SELECT coalesce(max(seq), 0) FROM events`); n != max || n == 0 {
		t.Errorf("%d events, highest seq %d: seq has gaps", n, max)
	}
	// Every key was created (or imported) by exactly one event, and no
	// event names a key that does not exist.
	if n := must(`SELECT count(*) FROM keys k WHERE (SELECT count(*) FROM events e WHERE e.key_id = k.id AND e.action IN ('create', 'import')) != 1`); n != 0 {
		t.Errorf("%d keys without exactly one create event", n)
	}
	if n := must(`SELECT count(*) FROM events e WHERE e.key_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.id = e.key_id)`); n != 0 {
		t.Errorf("%d events name a key that is not in the database", n)
	}
	// A key's updated_at is the time of its latest change, which has its
	// event; a token event changes no key.
	if n := must(`SELECT count(*) FROM keys k WHERE k.updated_at != (SELECT max(at) FROM events e WHERE e.key_id = k.id AND e.action != 'token')`); n != 0 {
		t.Errorf("%d keys changed after their latest event", n)
	}
	// Each token has exactly one event, each token event its token.
	if n := must(`SELECT count(*) FROM tokens t WHERE (SELECT count(*) FROM events e WHERE e.action = 'token' AND json_extract(e.details, '$.token_id') = t.id) != 1`); n != 0 {
		t.Errorf("%d tokens without exactly one event", n)
	}
	if n := must(`SELECT count(*) FROM events e WHERE e.action = 'token' AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = json_extract(e.details, '$.token_id'))`); n != 0 {
		t.Errorf("%d token events without their token", n)
	}
	// Each registered scope was added by exactly one event; none removed.
	if n := must(`SELECT count(*) FROM scopes s WHERE (SELECT count(*) FROM events e WHERE e.action = 'scope_add' AND json_extract(e.details, '$.scope') = s.name) != 1`); n != 0 {
		t.Errorf("%d scopes without exactly one scope_add event", n)
	}
	if n := must(`SELECT count(*) FROM events e WHERE e.action = 'scope_add' AND NOT EXISTS (SELECT 1 FROM scopes s WHERE s.name = json_extract(e.details, '$.scope'))`); n != 0 {
		t.Errorf("%d scope_add events without their scope", n)
	}
	// A revoked key has one revoke event at its revoked_at; every revoke
	// event is of a key revoked then (none is reactivated here).
	if n := must(`SELECT count(*) FROM keys k WHERE k.revoked_at IS NOT NULL AND (SELECT count(*) FROM events e WHERE e.key_id = k.id AND e.action = 'revoke' AND e.at = k.revoked_at) != 1`); n != 0 {
		t.Errorf("%d revoked keys without exactly one revoke event", n)
	}
	if n := must(`SELECT count(*) FROM events e JOIN keys k ON k.id = e.key_id WHERE e.action = 'revoke' AND (k.revoked_at IS NULL OR k.revoked_at != e.at)`); n != 0 {
		t.Errorf("%d revoke events of keys not revoked then", n)
	}
	// The rotated key shows the string of its latest rotation; the target
	// has the owner of its latest update.
	var masked, lastMasked string
	if err := db.QueryRow(`SELECT k.masked, coalesce((SELECT json_extract(e.details, '$.masked.new') FROM events e WHERE e.key_id = k.id AND e.action = 'rotate' ORDER BY seq DESC LIMIT 1), k.masked)
		FROM keys k WHERE alias = 'rotating'`).Scan(&masked, &lastMasked); err != nil || masked != lastMasked {
		t.Errorf("rotating: masked %q, latest rotate event %q (%v)", masked, lastMasked, err)
	}
	var owner, lastOwner string
	if err := db.QueryRow(`SELECT k.owner, coalesce((SELECT json_extract(e.details, '$.owner.new') FROM events e WHERE e.key_id = k.id AND e.action = 'update' ORDER BY seq DESC LIMIT 1), '')
		FROM keys k WHERE alias = 'target'`).Scan(&owner, &lastOwner); err != nil || owner != lastOwner {
		t.Errorf("target: owner %q, latest update event %q (%v)", owner, lastOwner, err)
	}
	// A renew --all renews every key not revoked at the time: its events
	// share one batch and one time, and no key of that time is missing.
	if n := must(`SELECT count(*) FROM (SELECT json_extract(details, '$.batch') b, count(DISTINCT at) n FROM events WHERE action = 'renew' GROUP BY b HAVING n != 1)`); n != 0 {
		t.Errorf("%d renew batches span more than one transaction", n)
	}
	if n := must(`SELECT count(*) FROM events e WHERE e.action = 'renew' AND json_extract(e.details, '$.batch') IS NULL`); n != 0 {
		t.Errorf("%d renew --all events without a batch", n)
	}
	if n := must(`SELECT count(*) FROM events WHERE actor != 'cron'`); n != 0 {
		t.Errorf("%d events not recorded against KEYWARD_ACTOR", n)
	}
}

// tamper runs SQL on the database the way someone holding the file
// could, and returns what `keyward log verify` then says.
func tamper(t *testing.T, e *env, sql string, args ...string) result {
	t.Helper()
	db := openDB(t, e.db)
	if _, err := db.Exec(sql); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return e.run("", append([]string{"log", "verify"}, args...)...)
}

// TestLogVerifyCatchesTampering edits, deletes and swaps events in the
// file and expects `keyward log verify` to name the first bad seq.
func TestLogVerifyCatchesTampering(t *testing.T) {
	setup := func(t *testing.T) (*env, string) {
		e := newEnv(t)
		for _, a := range []string{"a", "b", "c"} {
			e.createKey(a)
		}
		e.ok("update", "a", "--owner", "ops")
		e.ok("revoke", "b", "--reason", "leaked")
		e.ok("scopes", "add", "backup:read")
		if r := e.run("", "log", "verify"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "6") {
			t.Fatalf("an intact log\n%s", r)
		}
		return e, strings.TrimSpace(e.ok("log", "head"))
	}
	for _, c := range []struct {
		name, sql string
		seq       int
		withHead  bool
	}{
		{"edited reason", `UPDATE events SET details = replace(details, 'leaked', 'expired') WHERE seq = 5`, 5, false},
		{"edited actor", `UPDATE events SET actor = 'someone-else' WHERE seq = 2`, 2, false},
		{"edited key", `UPDATE events SET alias = 'c' WHERE seq = 4`, 4, false},
		{"deleted", `DELETE FROM events WHERE seq = 3`, 3, false},
		{"deleted and renumbered", `DELETE FROM events WHERE seq = 3; UPDATE events SET seq = seq - 1 WHERE seq > 3`, 3, false},
		{"swapped", `UPDATE events SET seq = 0 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = 5; UPDATE events SET seq = 5 WHERE seq = 0`, 4, false},
		{"tail cut", `DELETE FROM events WHERE seq >= 5`, 5, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, head := setup(t)
			var args []string
			if c.withHead {
				args = []string{"--head", head}
			}
			r := tamper(t, e, c.sql, args...)
			checkError(t, r, 1)
			if !strings.Contains(r.stderr, fmt.Sprintf("seq %d", c.seq)) {
				t.Errorf("does not name seq %d\n%s", c.seq, r)
			}
			r = e.run("", append([]string{"log", "verify", "-o", "json"}, args...)...)
			var obj struct {
				Error struct{ Code, Message string }
			}
			if r.code != 1 || json.Unmarshal([]byte(r.stderr), &obj) != nil || obj.Error.Code != "audit_log_broken" {
				t.Errorf("-o json\n%s", r)
			}
		})
	}
	// Without the head, a cut tail cannot be seen: the README says so.
	e, _ := setup(t)
	if r := tamper(t, e, `DELETE FROM events WHERE seq >= 5`); r.code != 0 {
		t.Errorf("a cut tail without --head\n%s", r)
	}
}

// TestEventsCheckCatchesUnloggedChanges: the check above fails for a
// change made without its event, so its passing means something.
func TestEventsCheckCatchesUnloggedChanges(t *testing.T) {
	for _, c := range []struct{ name, sql string }{
		{"key without event", `INSERT INTO keys (id, alias, hash, name, masked, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
			VALUES ('zzzzzzzzzzzz', 'sneaky', '` + strings.Repeat("1", 64) + `', 'sneaky', 'kw_…', 60, 60, 1, 1, 2)`},
		{"owner changed", `UPDATE keys SET owner = 'mallory', updated_at = updated_at + 1 WHERE alias = 'target'`},
		{"event removed", `DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.setenv("KEYWARD_ACTOR", "cron")
			e.createKey("target")
			e.createKey("rotating")
			e.ok("update", "target", "--owner", "ops")
			db := openDB(t, e.db)
			if _, err := db.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			inner := &testing.T{}
			done := make(chan struct{})
			go func() { defer close(done); checkEventsMatchChanges(inner, e.db) }()
			<-done
			if !inner.Failed() {
				t.Errorf("%s: the check did not notice", c.name)
			}
		})
	}
}
