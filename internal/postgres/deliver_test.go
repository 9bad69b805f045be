package postgres_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

// deliverStore opens a fresh database with the scope backup:read, and a
// second connection to it, for the concurrent writer of these tests.
func deliverStore(t *testing.T) (*postgres.Store, *pgx.Conn) {
	t.Helper()
	pgtest.Skip(t)
	url := pgtest.URL(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, watchPolicy, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.AddScope(ctx, keys.Scope{Name: "backup:read"}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return s, conn
}

// seqOf is the insertion number of alias's row: each attempt at a create
// takes one, so a create that was retried has a gap before it.
func seqOf(t *testing.T, conn *pgx.Conn, alias string) (seq int64, hash string) {
	t.Helper()
	err := conn.QueryRow(context.Background(), `SELECT seq, hash FROM keys WHERE alias = $1`, alias).Scan(&seq, &hash)
	if err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return seq, hash
}

// TestCreateRetriedAfterDeliveryDeliversOnce: a create whose commit
// PostgreSQL refuses after the key was handed out runs again with the
// same key string and clock, stores what was handed out, and does not
// hand it out a second time.
func TestCreateRetriedAfterDeliveryDeliversOnce(t *testing.T) {
	s, conn := deliverStore(t)
	ctx := context.Background()
	var delivered []keys.CreateResult
	req := keys.CreateRequest{
		Alias:      "retried",
		Fields:     keys.Change{Scopes: &[]string{"backup:read"}},
		Credential: keys.NewCredential("kw", keys.KindKey),
	}
	req.Deliver = func(res keys.CreateResult) error {
		delivered = append(delivered, res)
		if len(delivered) == 1 {
			pgtest.Collide(t, conn, "retried", `INSERT INTO scopes (name, description, admin_only, created_at) VALUES ('other', '', false, 0)`)
		}
		return nil
	}
	res, err := s.CreateKey(ctx, req)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(delivered) != 1 {
		t.Fatalf("the key was handed out %d times, want once", len(delivered))
	}
	if !reflect.DeepEqual(delivered[0], res) {
		t.Errorf("what was stored differs from what was handed out:\n%+v\n%+v", delivered[0], res)
	}
	seq, hash := seqOf(t, conn, "retried")
	if seq < 2 {
		t.Fatalf("the create was not retried (seq %d): the test proves nothing", seq)
	}
	if hash != req.Credential.Hash || delivered[0].Secret != req.Credential.String {
		t.Errorf("the stored key is not the one handed out")
	}
}

// TestCreateRetryThatDiffersCommitsNothing: when the retry after the key
// was handed out would decide otherwise (here the scope became
// admin-only meanwhile), it fails and nothing is stored.
func TestCreateRetryThatDiffersCommitsNothing(t *testing.T) {
	s, conn := deliverStore(t)
	ctx := context.Background()
	calls := 0
	req := keys.CreateRequest{
		Alias:      "refused",
		Fields:     keys.Change{Scopes: &[]string{"backup:read"}},
		Credential: keys.NewCredential("kw", keys.KindKey),
	}
	req.Deliver = func(res keys.CreateResult) error {
		calls++
		if calls == 1 {
			pgtest.Collide(t, conn, "refused", `UPDATE scopes SET admin_only = true WHERE name = 'backup:read'`)
		}
		return nil
	}
	if _, err := s.CreateKey(ctx, req); err == nil {
		t.Fatal("the create succeeded although its retry refused the key handed out")
	}
	if calls != 1 {
		t.Errorf("the key was handed out %d times, want once", calls)
	}
	if seq, _ := seqOf(t, conn, "refused"); seq != 0 {
		t.Error("the key was stored")
	}
}

// TestRotateRetriedAfterDeliveryDeliversOnce: a rotation retried after
// its new string was handed out stores that same string.
func TestRotateRetriedAfterDeliveryDeliversOnce(t *testing.T) {
	s, conn := deliverStore(t)
	ctx := context.Background()
	if _, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "rot", Credential: keys.NewCredential("kw", keys.KindKey)}); err != nil {
		t.Fatal(err)
	}
	_, before := seqOf(t, conn, "rot")
	var delivered []keys.RotateResult
	deliver := func(res keys.RotateResult) error {
		delivered = append(delivered, res)
		if len(delivered) == 1 {
			// A rotation reads the key and the head of the audit log,
			// not the registry: the other writer appends to the log.
			pgtest.Collide(t, conn, "rot", `INSERT INTO events (seq, at, actor, action, details, hash) VALUES (999, 0, 'test', 'test', '{}', '')`)
		}
		return nil
	}
	res, err := s.RotateDeliver(ctx, keys.RotateRequest{Ref: "rot", Grace: 0, Prefix: "kw"}, deliver)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if len(delivered) != 1 || !reflect.DeepEqual(delivered[0], res) {
		t.Fatalf("handed out %d times, or not what was stored", len(delivered))
	}
	var last int64
	if err := conn.QueryRow(ctx, `SELECT max(seq) FROM events`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if last != 1000 {
		t.Fatalf("the rotation was not retried after the other writer's event (last event %d): the test proves nothing", last)
	}
	if _, after := seqOf(t, conn, "rot"); after == before || after != res.Credential.Hash {
		t.Error("the stored string is not the one handed out")
	}
}
