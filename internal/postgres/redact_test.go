package postgres

import (
	"strings"
	"testing"
)

func TestRedactNeverShowsThePassword(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://keyward:s3cret@db.internal:5432/keys?sslmode=require", "postgres://keyward:xxxxx@db.internal:5432/keys?sslmode=require"},
		{"postgresql://keyward@db/keys", "postgresql://keyward@db/keys"},
		{"postgres://db/keys?user=k&password=s3cret", "postgres://db/keys?user=k"},
		{"postgres://k:s3cret@db:notaport/keys?password=s3cret", "postgres://k:xxxxx@db:notaport/keys"},
		{"postgres://k:s3c%zzret@db/keys", "postgres://k:xxxxx@db/keys"},
	} {
		got := Redact(c.in)
		if got != c.want || strings.Contains(got, "s3c") {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
