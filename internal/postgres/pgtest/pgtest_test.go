package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestURLGivesAFreshDatabaseDroppedAfter(t *testing.T) {
	s := Skip(t)
	var name string
	t.Run("use", func(t *testing.T) {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, URL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var tables int
		if err := c.QueryRow(ctx, `SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("a fresh database has %d tables", tables)
		}
	})
	ctx := context.Background()
	c, err := s.Admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var left bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if name == "" || left {
		t.Errorf("database %q: still there after the test: %v", name, left)
	}
}
