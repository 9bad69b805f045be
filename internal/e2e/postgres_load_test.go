package e2e

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

// pgEnv is a keyward installation whose database is a fresh PostgreSQL
// database of its own; conn reads it directly, as another service would.
type pgEnv struct {
	*env
	url  string
	conn *pgx.Conn
}

func newPGEnv(t *testing.T) *pgEnv {
	t.Helper()
	url := pgtest.URL(t)
	e := newEnv(t)
	e.db = url
	e.setenv("KEYWARD_DB", url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &pgEnv{env: e, url: url, conn: conn}
}

func pgQuery[T any](t *testing.T, e *pgEnv, q string, args ...any) T {
	t.Helper()
	var v T
	if err := e.conn.QueryRow(context.Background(), q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// mentionsRetryable: what PostgreSQL says about a transaction it wants
// retried; no user may ever see it.
func mentionsRetryable(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "serializ") || strings.Contains(s, "deadlock") || strings.Contains(s, "40001") || strings.Contains(s, "40p01")
}

// TestPostgresConcurrentCreates: 16 processes each create 10 keys at once
// in a database without keyward's tables, which they create together
// under the migration lock. Every create succeeds and is stored.
func TestPostgresConcurrentCreates(t *testing.T) {
	const workers, each = 16, 10
	e := newPGEnv(t)
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
	ok := 0
	for c := range results {
		if c.r.code != 0 || mentionsRetryable(c.r.stderr) {
			t.Errorf("create %s failed\n%s", c.alias, c.r)
			continue
		}
		checkClean(t, c.r)
		key := strings.TrimSpace(c.r.stdout)
		if got := pgQuery[string](t, e, `SELECT alias FROM keys WHERE hash = $1`, keys.Hash(key)); got != c.alias {
			t.Errorf("key printed for %s is stored under %q", c.alias, got)
			continue
		}
		ok++
	}
	if ok != workers*each {
		t.Errorf("%d of %d creates succeeded and were stored", ok, workers*each)
	}
	if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys`); n != workers*each {
		t.Errorf("keys table has %d rows, want %d", n, workers*each)
	}
	if v := pgQuery[int32](t, e, `SELECT max(version) FROM keyward_schema`); v < 1 {
		t.Errorf("schema version %d after the first creates", v)
	}
}

// TestPostgresAliasRace: ten processes create the same alias at the same
// moment: one wins, nine get a conflict (exit 4), and there is one row.
func TestPostgresAliasRace(t *testing.T) {
	const n = 10
	e := newPGEnv(t)
	e.ok("scopes", "add", "race:setup") // the tables exist: the race is on the alias alone
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
		if mentionsRetryable(r.stderr) {
			t.Errorf("a user saw a serialization failure\n%s", r)
		}
	}
	if codes[0] != 1 || codes[4] != n-1 {
		t.Errorf("exit codes %v, want one 0 and %d times 4", codes, n-1)
	}
	if got := pgQuery[int64](t, e, `SELECT count(*) FROM keys WHERE alias = 'contested'`); got != 1 {
		t.Errorf("%d rows for the alias, want 1", got)
	}
}

// TestPostgresConcurrentUpdatesOfOneKey: processes update and renew the
// same key at once; serialization failures are retried, never shown, and
// every update that reported success left its value at some point: the
// final owner is one of the owners written.
func TestPostgresConcurrentUpdatesOfOneKey(t *testing.T) {
	const n = 8
	e := newPGEnv(t)
	e.createKey("shared")
	var wg sync.WaitGroup
	results := make([]result, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			results[i] = e.run("", "update", "shared", "--owner", fmt.Sprintf("owner-%d", i))
		}()
		go func() {
			defer wg.Done()
			results[n+i] = e.run("", "renew", "shared", "--ttl", fmt.Sprintf("%dd", i+1))
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.code != 0 || mentionsRetryable(r.stderr) {
			t.Errorf("concurrent write failed\n%s", r)
		}
	}
	owner := pgQuery[string](t, e, `SELECT owner FROM keys WHERE alias = 'shared'`)
	if !strings.HasPrefix(owner, "owner-") {
		t.Errorf("owner %q is none of the owners written", owner)
	}
}

// addPGBulkKeys inserts n keys straight into the keys table, expiring
// long ago, so that renew --all has work to be interrupted in.
func addPGBulkKeys(t *testing.T, e *pgEnv, n int) {
	t.Helper()
	_, err := e.conn.Exec(context.Background(), `INSERT INTO keys (id, alias, hash, name, masked, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
		SELECT 'b' || lpad(i::text, 11, '0'), 'bulk-' || lpad(i::text, 7, '0'), lpad(i::text, 64, '0'), 'bulk key ' || i, 'kw_…',
			86400, 3600, 500, 500, $2 FROM generate_series(1, $1) i`, n, oldExpiry)
	if err != nil {
		t.Fatal(err)
	}
}

// TestPostgresKillLoopOfWrites kills writers with SIGKILL at random
// moments: every create that printed its key is stored, and every renew
// --all renewed all bulk keys or none.
func TestPostgresKillLoopOfWrites(t *testing.T) {
	const rounds = 12
	e := newPGEnv(t)
	e.createKey("crash-target")
	addPGBulkKeys(t, e, 3000)
	writers := func(ctx context.Context, round int) []*exec.Cmd {
		return []*exec.Cmd{
			e.command(ctx, "create", fmt.Sprintf("crash-%02d", round), "-q"),
			e.command(ctx, "renew", "--all", "-o", "json"),
			e.command(ctx, "update", "crash-target", "--owner", fmt.Sprintf("owner-%02d", round)),
			e.command(ctx, "revoke", fmt.Sprintf("crash-%02d", round-1)),
		}
	}
	start := time.Now()
	calibration := writers(context.Background(), -1)
	for _, c := range calibration {
		c.Stdout = io.Discard
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range calibration {
		c.Wait()
	}
	span := time.Since(start) * 3 / 2
	var killed, acknowledged int
	printed := map[string]string{}
	for round := range rounds {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		alias := fmt.Sprintf("crash-%02d", round)
		cmds := writers(ctx, round)
		var out strings.Builder
		cmds[0].Stdout = &out
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(rand.N(span))
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGKILL)
		}
		for i, c := range cmds {
			err := c.Wait()
			if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				killed++
			}
			if i == 0 {
				key := strings.TrimSpace(out.String())
				if err == nil && key == "" {
					t.Errorf("create %s exited 0 without printing a key", alias)
				}
				if key != "" {
					printed[alias] = key
					acknowledged++
				}
			}
		}
		cancel()
	}
	t.Logf("%d rounds: %d processes killed; %d creates acknowledged", rounds, killed, acknowledged)
	if killed == 0 {
		t.Fatal("no process was killed: the test proves nothing")
	}
	for alias, key := range printed {
		if got := pgQuery[string](t, e, `SELECT coalesce((SELECT alias FROM keys WHERE hash = $1), '')`, keys.Hash(key)); got != alias {
			t.Errorf("create %s reported success but its key is not stored (%q)", alias, got)
		}
	}
	if n := pgQuery[int64](t, e, `SELECT count(DISTINCT expires_at) FROM keys WHERE alias LIKE 'bulk-%'`); n != 1 {
		t.Errorf("bulk keys have %d different expiries: a renew --all was half-applied", n)
	}
	e.ok("list", "--status", "all")
}
