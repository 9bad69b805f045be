package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
)

func TestScopesRegistry(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	if got, err := s.Scopes(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty registry: %v, %v", got, err)
	}
	for _, sc := range []keys.Scope{{Name: "keys:admin", AdminOnly: true}, {Name: "backup:read", Description: "read backups"}} {
		if err := s.AddScope(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	if got := errReason(s.AddScope(ctx, keys.Scope{Name: "backup:read"})); got != "conflict/scope_exists" {
		t.Errorf("duplicate: %s", got)
	}

	createKey(t, s, "one", keys.Change{Scopes: &[]string{"backup:read"}}, 0)
	createKey(t, s, "root", keys.Change{Roles: &[]string{"admin"}, Scopes: &[]string{"backup:read", "keys:admin"}}, 0)
	createKey(t, s, "gone", keys.Change{Scopes: &[]string{"backup:read"}}, 0)
	createKey(t, s, "star", keys.Change{}, 0)
	if _, err := s.RevokeKeys(ctx, []string{"gone"}, ""); err != nil {
		t.Fatal(err)
	}

	got, err := s.Scopes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, sc := range got {
		fmt.Fprintf(&b, "%s|%s|%v|%d\n", sc.Name, sc.Description, sc.AdminOnly, sc.Keys)
	}
	// Sorted by name; revoked keys and "*" keys are not counted.
	want := "backup:read|read backups|false|2\nkeys:admin||true|1\n"
	if b.String() != want {
		t.Errorf("Scopes:\n%swant:\n%s", b.String(), want)
	}
}

func TestCreateChecksScopeGrant(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	if err := s.AddScope(ctx, keys.Scope{Name: "keys:admin", AdminOnly: true}); err != nil {
		t.Fatal(err)
	}
	create := func(roles, scopes []string) string {
		c := keys.Change{Roles: &roles, Scopes: &scopes}
		req := keys.CreateRequest{Alias: "k", Fields: c, Credential: keys.NewCredential("kw", keys.KindKey)}
		if err := req.Validate(testPolicy); err != nil {
			return errReason(err)
		}
		_, err := s.CreateKey(ctx, req)
		if err != nil {
			return errReason(err)
		}
		s.db.Exec(`DELETE FROM keys`)
		return "ok"
	}
	if got := create(nil, []string{"nope"}); got != "invalid/unknown_scope" {
		t.Errorf("unknown scope: %s", got)
	}
	if got := create([]string{"agent"}, []string{"keys:admin"}); got != "invalid/admin_only_scope" {
		t.Errorf("admin-only scope without the admin role: %s", got)
	}
	if got := create([]string{"admin"}, []string{"keys:admin"}); got != "ok" {
		t.Errorf("admin-only scope with the admin role: %s", got)
	}
	if got := create(nil, nil); got != "ok" {
		t.Errorf("no scope: %s", got)
	}
}

func TestRemoveScope(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	if got := errReason(s.RemoveScope(ctx, "backup:read")); got != "not_found/scope_not_found" {
		t.Errorf("unknown: %s", got)
	}
	if err := s.AddScope(ctx, keys.Scope{Name: "backup:read"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 12; i++ {
		createKey(t, s, fmt.Sprintf("k%02d", i), keys.Change{Scopes: &[]string{"backup:read"}}, 0)
	}
	createKey(t, s, "star", keys.Change{}, 0)
	err := s.RemoveScope(ctx, "backup:read")
	if got := errReason(err); got != "conflict/scope_in_use" {
		t.Fatalf("in use: %s", got)
	}
	if want := `scope "backup:read" is used by 12 key(s): k01, k02, k03, k04, k05, k06, k07, k08, k09, k10, …`; err.Error() != want {
		t.Errorf("message:\n%s\nwant:\n%s", err, want)
	}

	refs := make([]string, 12)
	for i := range refs {
		refs[i] = fmt.Sprintf("k%02d", i+1)
	}
	if _, err := s.RevokeKeys(ctx, refs, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveScope(ctx, "backup:read"); err != nil {
		t.Fatalf("used only by revoked and * keys: %v", err)
	}
	if got, _ := s.Scopes(ctx); len(got) != 0 {
		t.Errorf("registry after remove: %v", got)
	}
}
