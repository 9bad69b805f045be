package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

var testNow = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "keyward.db"), testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return testNow }
	t.Cleanup(func() { s.Close() })
	return s
}

// importLines validates lines as keyward import does.
func importLines(t testing.TB, lines ...string) []keys.ImportItem {
	t.Helper()
	r := &keys.ImportReader{Policy: testPolicy, Now: testNow}
	items, err := r.ReadImport(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func countKeys(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM keys`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const foreignKey = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"

func TestImportThenVerify(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	own := keys.NewCredential("old", keys.KindKey)
	items := importLines(t,
		`{"alias":"gen","roles":["agent"]}`,
		`{"alias":"girder","key":"`+foreignKey+`","expires_at":"2026-12-01T00:00:00Z"}`,
		`{"alias":"migrated","key":"`+own.String+`"}`)
	res, err := s.Import(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].Alias != "gen" || res[0].Secret == "" || res[1].Secret != "" || res[2].Secret != "" || res[2].ID != own.ID {
		t.Fatalf("results %+v", res)
	}
	for _, tc := range []struct {
		key, alias string
		code       keys.Code
	}{
		{res[0].Secret, "gen", keys.CodeValid},
		{foreignKey, "girder", keys.CodeValid},
		{own.String, "migrated", keys.CodeValid},
		{foreignKey[:len(foreignKey)-1] + "X", "", keys.CodeNotFound},
	} {
		v, err := keys.NewVerifier(s.Policy, s, s.Now).Verify(ctx, keys.VerifyRequest{Credential: tc.key})
		if err != nil {
			t.Fatal(err)
		}
		if v.Code != tc.code || v.Alias != tc.alias {
			t.Errorf("verify %s…: %s %q, want %s %q", tc.key[:6], v.Code, v.Alias, tc.code, tc.alias)
		}
	}
	k, err := s.FindKey(ctx, "girder")
	if err != nil {
		t.Fatal(err)
	}
	if !k.Imported || k.Masked != "AbCd…" || k.ID != res[1].ID || !k.ExpiresAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) ||
		k.TTL != testPolicy.DefaultTTL {
		t.Errorf("stored %+v", k)
	}
	var stored string
	if err := s.db.QueryRow(`SELECT hash FROM keys WHERE alias = 'girder'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != keys.Hash(foreignKey) {
		t.Errorf("stored hash %q, want the SHA-256 of the key", stored)
	}
}

func TestImportConflictImportsNothing(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.Import(ctx, importLines(t, `{"alias":"taken"}`, `{"alias":"foreign","key":"`+foreignKey+`"}`)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Import(ctx, importLines(t,
		`{"alias":"new-1"}`,
		`{"alias":"taken"}`,
		`{"alias":"new-2","key":"`+foreignKey+`"}`,
		`{"alias":"new-3"}`))
	if keys.ErrorCode(err) != keys.ECONFLICT {
		t.Fatalf("got %v, want a conflict", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "2 line(s) conflict") || !strings.Contains(msg, `line 2: alias "taken" already exists`) ||
		!strings.Contains(msg, "line 3: the key is already in the database") || strings.Contains(msg, foreignKey) {
		t.Errorf("message %q", msg)
	}
	if n := countKeys(t, s); n != 2 {
		t.Errorf("%d keys after a refused import, want the 2 there before", n)
	}
}

func TestImportUnknownScopeImportsNothing(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.AddScope(ctx, keys.Scope{Name: "backup:read"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddScope(ctx, keys.Scope{Name: "root:all", AdminOnly: true}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Import(ctx, importLines(t,
		`{"alias":"ok","scopes":["backup:read"]}`,
		`{"alias":"bad","scopes":["nope:x"]}`,
		`{"alias":"not-admin","scopes":["root:all"]}`,
		`{"alias":"admin","roles":["admin"],"scopes":["root:all"]}`))
	if keys.ErrorCode(err) != keys.EINVALID || !strings.Contains(err.Error(), `line 2: unknown scope "nope:x"`) ||
		!strings.Contains(err.Error(), `line 3: scope "root:all" is admin-only`) || strings.Contains(err.Error(), "line 4") {
		t.Fatalf("got %v", err)
	}
	if n := countKeys(t, s); n != 0 {
		t.Errorf("%d keys imported, want none", n)
	}
}
