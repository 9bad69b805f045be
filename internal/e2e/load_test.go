package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// busyWords are what SQLite says when it gives up on a lock; no user may
// ever see them.
func mentionsBusy(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "locked") || strings.Contains(s, "busy")
}

// TestConcurrentCreates: 16 processes each create 25 keys at once on one
// new database (which they also create and migrate together). Every
// create succeeds, and every key printed is stored under its alias.
func TestConcurrentCreates(t *testing.T) {
	const workers, each = 16, 25
	e := newEnv(t)
	type created struct {
		alias string
		r     result
	}
	results := make(chan created, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				alias := fmt.Sprintf("load-%02d-%02d", w, i)
				results <- created{alias, e.run("", "create", alias, "-q")}
			}
		}()
	}
	wg.Wait()
	close(results)

	db := openDB(t, e.db)
	defer db.Close()
	var ok int
	for c := range results {
		if c.r.code != 0 || mentionsBusy(c.r.stderr) {
			t.Errorf("create %s failed\n%s", c.alias, c.r)
			continue
		}
		checkClean(t, c.r)
		key := strings.TrimSpace(c.r.stdout)
		var alias string
		if err := db.QueryRow(`SELECT alias FROM keys WHERE hash = ?`, keys.Hash(key)).Scan(&alias); err != nil || alias != c.alias {
			t.Errorf("key printed for %s is not stored under it: alias %q, %v", c.alias, alias, err)
			continue
		}
		ok++
	}
	if ok != workers*each {
		t.Errorf("%d of %d creates succeeded and were stored", ok, workers*each)
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM keys`).Scan(&rows); err != nil || rows != workers*each {
		t.Errorf("keys table has %d rows (%v), want %d", rows, err, workers*each)
	}
}

// TestSameAliasRace: 12 processes create the same alias at the same
// moment: exactly one wins, the eleven others get a conflict (exit 4),
// and there is one row.
func TestSameAliasRace(t *testing.T) {
	const n = 12
	e := newEnv(t)
	e.emptyDB() // the database exists: the race is on the alias alone
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := make(chan struct{})
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.command(ctx, "create", "contested", "-q")
			<-start
			results[i] = e.runCmd(c, "")
		}()
	}
	close(start)
	wg.Wait()

	codes := map[int]int{}
	for _, r := range results {
		codes[r.code]++
		switch r.code {
		case 0:
			checkClean(t, r)
		case 4:
			checkError(t, r, 4)
			if !strings.Contains(r.stderr, "already exists") {
				t.Errorf("loser does not say the alias exists\n%s", r)
			}
		default:
			t.Errorf("unexpected exit\n%s", r)
		}
		if mentionsBusy(r.stderr) {
			t.Errorf("a user saw a lock message\n%s", r)
		}
	}
	if codes[0] != 1 || codes[4] != n-1 {
		t.Errorf("exit codes %v, want one 0 and %d times 4", codes, n-1)
	}
	if got := query[int](t, e.db, `SELECT count(*) FROM keys WHERE alias = 'contested'`); got != 1 {
		t.Errorf("%d rows for the alias, want 1", got)
	}
}

// TestMixedLoad: 6 processes at a time loop over renewing one key,
// verifying a key, listing and renewing every key, for a few seconds: not
// one fails. Readers (verify, list) run alongside batch writers.
func TestMixedLoad(t *testing.T) {
	const workers = 6
	const duration = 3 * time.Second
	e := newEnv(t)
	secrets := make([]string, workers)
	for w := range workers {
		secrets[w] = e.createKey(fmt.Sprintf("mixed-%d", w))
	}
	type op struct {
		args  []string
		stdin string
	}
	ops := func(w int) []op {
		o := []op{
			{args: []string{"renew", fmt.Sprintf("mixed-%d", w)}},
			{args: []string{"renew", "--all", "-o", "json"}},
			{args: []string{"list", "-o", "json"}},
			{args: []string{"verify"}, stdin: secrets[(w+1)%workers] + "\n"},
		}
		return o
	}
	var (
		mu       sync.Mutex
		ran      = map[string]int{}
		failures []result
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(duration)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			list := ops(w)
			for i := w; time.Now().Before(deadline); i++ {
				o := list[i%len(list)]
				r := e.run(o.stdin, o.args...)
				mu.Lock()
				name := o.args[0]
				if len(o.args) > 1 && o.args[1] == "--all" {
					name += " --all"
				}
				ran[name]++
				if r.code != 0 || mentionsBusy(r.stderr) || strings.Contains(r.stderr, "error") {
					failures = append(failures, r)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, r := range failures {
		t.Errorf("failed under load\n%s", r)
	}
	t.Logf("operations run: %v, failures: %d", ran, len(failures))
	if ran["renew --all"] == 0 || ran["verify"] == 0 || len(ran) < 4 {
		t.Errorf("not every operation ran: %v", ran)
	}
	if got := integrity(t, e.db); got != "ok" {
		t.Errorf("integrity_check = %q", got)
	}
}
