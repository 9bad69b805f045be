package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

var testPolicy = keys.Policy{
	Prefix:      "kw",
	DefaultTTL:  15 * 24 * time.Hour,
	MaxTTL:      90 * 24 * time.Hour,
	TokenTTL:    time.Hour,
	MaxTokenTTL: 24 * time.Hour,
	Roles:       []string{"admin", "creator", "user", "agent"},
	AdminRole:   "admin",
}

var t0 = time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)

// testStore is a store on a fresh file whose clock the test moves.
type testStore struct {
	*Store
	now time.Time
}

func newStore(t *testing.T) *testStore {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "keyward.db"), testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := &testStore{Store: s, now: t0}
	s.Now = func() time.Time { return ts.now }
	return ts
}

func (s *testStore) advance(d time.Duration) { s.now = s.now.Add(d) }

type opt func(*keys.CreateRequest)

func ttl(d time.Duration) opt { return func(r *keys.CreateRequest) { r.TTL = d } }
func owner(o string) opt      { return func(r *keys.CreateRequest) { r.Fields.Owner = &o } }
func roles(rs ...string) opt {
	return func(r *keys.CreateRequest) { r.Fields.Roles = &rs }
}
func describe(d string) opt { return func(r *keys.CreateRequest) { r.Fields.Description = &d } }
func name(n string) opt     { return func(r *keys.CreateRequest) { r.Fields.Name = &n } }

func (s *testStore) create(t *testing.T, alias string, opts ...opt) keys.CreateResult {
	t.Helper()
	req := keys.CreateRequest{Alias: alias, Credential: keys.NewCredential("kw", keys.KindKey)}
	for _, o := range opts {
		o(&req)
	}
	if err := req.Validate(testPolicy); err != nil {
		t.Fatal(err)
	}
	res, err := s.CreateKey(context.Background(), req)
	if err != nil {
		t.Fatalf("create %s: %v", alias, err)
	}
	return res
}

func (s *testStore) find(t *testing.T, ref string) *keys.Key {
	t.Helper()
	k, err := s.FindKey(context.Background(), ref)
	if err != nil {
		t.Fatalf("find %s: %v", ref, err)
	}
	return k
}

func (s *testStore) hash(t *testing.T, id string) string {
	t.Helper()
	var h string
	if err := s.db.QueryRow(`SELECT hash FROM keys WHERE id = ?`, id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func (s *testStore) list(t *testing.T, f keys.Filter) []string {
	t.Helper()
	var out []string
	err := s.ListKeys(context.Background(), f, func(k *keys.Key) error {
		out = append(out, k.Alias)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// snapshot is every key and token row, to show that a failed call
// changed nothing.
func (s *testStore) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT ` + keyColumns + `, hash FROM keys ORDER BY id`, `SELECT * FROM tokens ORDER BY id`} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	var e *keys.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want %s/%s", err, code, reason)
	}
	if e.Code != code || e.Reason != reason {
		t.Fatalf("err = %s/%s (%v), want %s/%s", e.Code, e.Reason, err, code, reason)
	}
}
