package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
)

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "keyward.db")
	s, err := Open(ctx, path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{{path, 0o600}, {dir, 0o700}, {filepath.Dir(dir), 0o700}} {
		fi, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != tc.mode {
			t.Errorf("%s: mode %04o, want %04o", tc.path, fi.Mode().Perm(), tc.mode)
		}
	}
	var appID, version int
	var mode string
	if err := s.db.QueryRow(`SELECT a.application_id, v.user_version, j.journal_mode FROM pragma_application_id() a, pragma_user_version() v, pragma_journal_mode() j`).Scan(&appID, &version, &mode); err != nil {
		t.Fatal(err)
	}
	if appID != applicationID || version != len(migrationNames()) || version < 1 || mode != "wal" {
		t.Errorf("application_id %#x user_version %d journal_mode %s", appID, version, mode)
	}
	var fk, busy int
	s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	s.db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy)
	if fk != 1 || busy < 5000 {
		t.Errorf("foreign_keys %d busy_timeout %d", fk, busy)
	}

	// Opening it again keeps what was stored.
	res, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "a", Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if k, err := s2.FindKey(ctx, "a"); err != nil || k.ID != res.Key.ID {
		t.Errorf("reopened: %v, %v", k, err)
	}
}

func TestOpenEmptyFileBecomesADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(path, nil, 0o600)
	s, err := Open(ctx, path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// refused checks that Open refuses path with reason, as an internal error
// (exit 1) naming the file, and leaves it and its directory as they were.
func refused(t *testing.T, path, reason string) {
	t.Helper()
	dir := filepath.Dir(path)
	before, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	_, err := Open(ctx, path, testPolicy)
	wantCode(t, err, keys.EINTERNAL, reason)
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the file changed")
	}
	if now, _ := os.ReadDir(dir); len(now) != len(entries) {
		t.Errorf("files appeared beside it: %v", now)
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("my notes, not a database\n"), 0o644)
	refused(t, text, "not_sqlite")

	truncated := filepath.Join(dir, "truncated.db")
	os.WriteFile(truncated, []byte("SQLite format 3\x00 and then nothing"), 0o644)
	refused(t, truncated, "truncated")

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (a); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	refused(t, other, "foreign_db")

	// A keyward database written by a newer keyward.
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(ctx, newer, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Remove(newer + "-wal")
	os.Remove(newer + "-shm")
	refused(t, newer, "newer_schema")

	_, err = Open(ctx, dir, testPolicy)
	wantCode(t, err, keys.EINTERNAL, "db_not_file")
	_, err = Open(ctx, "", testPolicy)
	wantCode(t, err, keys.EINVALID, "invalid_db")
}

// A file with SQLite's header and garbage after it is refused with one
// plain line, never the driver's message.
func TestOpenRefusesCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "corrupt.db")
	good := filepath.Join(dir, "good.db")
	s, err := Open(ctx, good, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := 100; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	os.WriteFile(path, b, 0o600)
	before, _ := os.ReadFile(path)
	_, err = Open(ctx, path, testPolicy)
	if err == nil {
		t.Fatal("a corrupt file opened")
	}
	var e *keys.Error
	if !errorsAs(err, &e) || e.Code != keys.EINTERNAL || e.Reason != "db_corrupt" || e.Values["path"] != path {
		t.Fatalf("err = %#v", err)
	}
	if msg := strings.ToLower(e.Message); strings.Contains(msg, "sqlite_") || strings.Contains(msg, "(11)") || strings.Contains(msg, "\n") {
		t.Errorf("raw message: %q", e.Message)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the corrupt file was changed")
	}
}

func errorsAs(err error, target **keys.Error) bool { return errors.As(err, target) }
