package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
)

var policy = keys.Policy{Prefix: "kw", AdminRole: "admin", Roles: []string{"admin"}}

func TestEngine(t *testing.T) {
	for db, want := range map[string]string{
		"keyward.db": SQLite, "/srv/k.db": SQLite, "postgres://h/db": Postgres,
		"postgresql://u:p@h/db": Postgres, "POSTGRES://h/db": Postgres, "postgres.db": SQLite,
	} {
		if got := Engine(db); got != want {
			t.Errorf("Engine(%q) = %s, want %s", db, got, want)
		}
	}
}

// Without Create a missing database is db_not_found, and nothing is
// created: no file, no directory.
func TestOpenMissingCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sub", "keyward.db")
	_, err := Open(context.Background(), db, Options{Policy: policy})
	var ke *keys.Error
	if e, ok := err.(*keys.Error); ok {
		ke = e
	}
	if ke == nil || ke.Code != keys.EINTERNAL || ke.Reason != "db_not_found" || ke.Message != "no database at "+db {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Errorf("the directory was created: %v", err)
	}

	s, err := Open(context.Background(), db, Options{Policy: policy, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := s.(interface{ Close() error }); ok {
		c.Close()
	}
	s, err = Open(context.Background(), db, Options{Policy: policy})
	if err != nil {
		t.Fatalf("an existing database: %v", err)
	}
	if c, ok := s.(interface{ Close() error }); ok {
		c.Close()
	}
}

func TestPostgresNotYetAndRedacted(t *testing.T) {
	_, err := Open(context.Background(), "postgres://u:secret@h/db", Options{Policy: policy, Create: true})
	if keys.ErrorCode(err) != keys.EINTERNAL || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v", err)
	}
	if got := Display("postgres://u:secret@h/db"); strings.Contains(got, "secret") || !strings.Contains(got, "u:") {
		t.Errorf("Display = %q", got)
	}
	if got := Display("/srv/k.db"); got != "/srv/k.db" {
		t.Errorf("Display = %q", got)
	}
}
