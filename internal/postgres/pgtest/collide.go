package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Collide commits, on conn, a serializable transaction that reads the
// keys of alias and then runs change. Against a keyward transaction still
// open on alias that has read what change writes, the two depend on each
// other both ways, and PostgreSQL refuses the one that commits second
// (SQLSTATE 40001): keyward's, which then runs again.
func Collide(t testing.TB, conn *pgx.Conn, alias, change string) {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM keys WHERE alias = $1`, alias).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, change); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
