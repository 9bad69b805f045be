package sqlite

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// TestListReadsWhatShowReads lists keys with every field set, including
// text with separators, colons, multi-byte characters and newlines, and
// compares each with the same key read column by column.
func TestListReadsWhatShowReads(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.Import(ctx, importLines(t,
		`{"alias":"plain"}`,
		`{"alias":"odd","name":"a:b,c 12:34 \u00e9\u65e5","description":"line one\nline 2: 3, 4\t\u00e9","roles":["agent","user"]}`,
		`{"alias":"foreign","key":"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd","description":""}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE keys SET last_used_at = 1700000000, revoked_at = 1700000100, revoke_reason = 'leaked: in a log, 2 times', owner = 'x' || char(31) || '3:,' WHERE alias = 'odd'`); err != nil {
		t.Fatal(err)
	}
	// One connection: the keys are compared after the list is done.
	var listed []*keys.Key
	err := s.ListKeys(ctx, keys.Filter{AllStatuses: true}, func(k *keys.Key) error {
		listed = append(listed, k)
		return nil
	})
	if err != nil || len(listed) != 3 {
		t.Fatalf("listed %d keys: %v", len(listed), err)
	}
	for _, got := range listed {
		want, err := s.FindKey(ctx, got.Alias)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("list read\n%+v\nshow read\n%+v", got, want)
		}
	}
}

func TestScanPackedRefusesMalformedRows(t *testing.T) {
	for _, s := range []string{"", "0,1,2,3,4,5,,,", "0,1,2,3,4,5,,,2:ab", "0,1,2,3,4,5,,,1:a1:b1:c1:d1:e1:f1:g1:h99:i",
		"0,1,2,3,4,5,,,1:a1:b1:c1:d1:e1:f1:g1:h1:ix", "x,1,2,3,4,5,,,1:a1:b1:c1:d1:e1:f1:g1:h1:i"} {
		if _, err := scanPacked(s, time.Now()); err == nil {
			t.Errorf("scanPacked(%q) accepted", s)
		}
	}
}
