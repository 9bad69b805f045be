package sqlite

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/keys"
)

// FuzzHeaderCheck feeds arbitrary bytes as a database file and as its
// -wal: the check before opening never panics, refuses only with an
// EINTERNAL error naming the file, and never writes or creates a file.
func FuzzHeaderCheck(f *testing.F) {
	good := filepath.Join(f.TempDir(), "good.db")
	s, err := Open(ctx, good, testPolicy)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.db.Exec(`PRAGMA wal_autocheckpoint = 0; INSERT INTO scopes (name, description, admin_only, created_at) VALUES ('a:b', '', 0, 1)`); err != nil {
		f.Fatal(err)
	}
	main, _ := os.ReadFile(good)
	wal, _ := os.ReadFile(good + "-wal")
	s.Close()
	f.Add(main, wal)
	f.Add(main, []byte(nil))
	f.Add(main[:100], wal)
	f.Add([]byte("SQLite format 3\x00"), []byte{0x37, 0x7f, 0x06, 0x82})
	f.Fuzz(func(t *testing.T, db, wal []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "k.db")
		os.WriteFile(path, db, 0o600)
		if wal != nil {
			os.WriteFile(path+"-wal", wal, 0o600)
		}
		err := checkHeader(path, int64(len(db)))
		if err != nil {
			var e *keys.Error
			if !errorsAs(err, &e) || e.Code != keys.EINTERNAL || !bytes.Contains([]byte(e.Message), []byte(path)) {
				t.Fatalf("error %v", err)
			}
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, db) {
			t.Fatal("the file changed")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1+btoi(wal != nil) {
			t.Fatalf("files beside it: %v", entries)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FuzzWALPage1 checks the -wal reader against what it promises: a header
// it returns comes from a frame whose checksum chain holds, so flipping
// any byte of a valid -wal never yields a header that was not committed.
func FuzzWALPage1(f *testing.F) {
	good := filepath.Join(f.TempDir(), "good.db")
	s, err := Open(ctx, good, testPolicy)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.db.Exec(`PRAGMA wal_autocheckpoint = 0; PRAGMA user_version = 77`); err != nil {
		f.Fatal(err)
	}
	wal, _ := os.ReadFile(good + "-wal")
	s.Close()
	f.Add(wal, 0, byte(0))
	f.Add(wal, 40, byte(1))
	f.Add(wal, 32+24+60, byte(0x80))
	f.Fuzz(func(t *testing.T, wal []byte, at int, flip byte) {
		path := filepath.Join(t.TempDir(), "k.db")
		if len(wal) > 0 && at >= 0 {
			wal = bytes.Clone(wal)
			wal[at%len(wal)] ^= flip
		}
		os.WriteFile(path+"-wal", wal, 0o600)
		h, pages, ok := walPage1(path)
		if !ok {
			return
		}
		if len(h) != 100 || pages == 0 {
			t.Fatalf("header of %d bytes, %d pages", len(h), pages)
		}
		if v := binary.BigEndian.Uint32(h[60:64]); v != 77 && bytes.HasPrefix(h, []byte("SQLite format 3\x00")) && flip == 0 {
			t.Fatalf("user_version %d from an unchanged -wal", v)
		}
	})
}
