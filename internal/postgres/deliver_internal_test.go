package postgres

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

// TestLostCommitIsLookedUp: when the connection is lost after the key was
// handed out, whether the commit took place is unknown; the key's hash
// tells. Found: the write succeeded. Not found: it failed, and says so.
func TestLostCommitIsLookedUp(t *testing.T) {
	pgtest.Skip(t)
	ctx := context.Background()
	policy := keys.Policy{Prefix: "kw", DefaultTTL: 24 * time.Hour, MaxTTL: 48 * time.Hour, TokenTTL: time.Hour, MaxTokenTTL: time.Hour,
		Roles: []string{"admin"}, AdminRole: "admin"}
	s, err := Open(ctx, pgtest.URL(t), policy, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lost := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	for _, committed := range []bool{false, true} {
		cred := keys.NewCredential("kw", keys.KindKey)
		handed := 0
		h := &handOut[string]{deliver: func(string) error { handed++; return nil }}
		err := writeHandingOut(s, ctx, h, s.hashStored(cred.Hash), func(ctx context.Context, tx pgx.Tx, now time.Time) error {
			if err := h.give(ctx, cred.String); err != nil {
				return err
			}
			if committed {
				// What the lost COMMIT did, as another connection sees it.
				if _, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "probe", Credential: cred}); err != nil {
					t.Fatal(err)
				}
			}
			return lost
		})
		switch {
		case handed != 1:
			t.Errorf("committed=%v: handed out %d times", committed, handed)
		case committed && err != nil:
			t.Errorf("the key is stored, yet the write failed: %v", err)
		case !committed && !errors.Is(err, lost):
			t.Errorf("the key is not stored, yet the write says %v", err)
		}
	}
}
