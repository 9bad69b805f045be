package postgres_test

import (
	"context"
	"testing"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres"
	"github.com/keyward/keyward/internal/postgres/pgtest"
	"github.com/keyward/keyward/internal/storetest"
)

// TestConformance runs the suite every keys.Store passes, each test on a
// fresh PostgreSQL database of its own.
func TestConformance(t *testing.T) {
	pgtest.Skip(t)
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) storetest.Open {
		url := pgtest.URL(t)
		return func(p keys.Policy) keys.Store {
			s, err := postgres.Open(context.Background(), url, p, true)
			if err != nil {
				t.Fatal(err)
			}
			s.Now = clock.Now
			return s
		}
	})
}
