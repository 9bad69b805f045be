package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) storetest.Open {
		path := filepath.Join(t.TempDir(), "keyward.db")
		return func(p keys.Policy) keys.Store {
			s, err := Open(context.Background(), path, p)
			if err != nil {
				t.Fatal(err)
			}
			s.Now = clock.Now
			return s
		}
	})
}
