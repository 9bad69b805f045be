package sqlite

import (
	"context"
	"database/sql"
	"runtime"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// A Touch waiting for another process's write lock holds no reader up:
// credentials are still found while it waits.
func TestReadersDoNotQueueBehindTouch(t *testing.T) {
	s := newStore(t)
	res := s.create(t, "ci-bot")
	s.TouchWait = time.Minute // it must still be waiting when the reads are done

	other, err := sql.Open("sqlite", dsn(s.Path(), false))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()

	touched := make(chan struct{})
	go func() {
		s.Touch(context.Background(), res.Key.ID, t0)
		close(touched)
	}()
	for s.db.Stats().InUse == 0 {
		runtime.Gosched()
		select {
		case <-touched:
			t.Fatal("Touch returned while another process held the write lock")
		default:
		}
	}
	for range 3 {
		sub, err := s.FindCredential(ctx, keys.Hash(res.Secret))
		if err != nil || sub == nil || sub.Key.Alias != "ci-bot" {
			t.Fatalf("find while a touch waits: %v %+v", err, sub)
		}
	}
	select {
	case <-touched:
		t.Fatal("Touch gave up before the reads were done")
	default:
	}
	lock.Rollback()
	<-touched
	if k, _ := s.FindKey(ctx, "ci-bot"); k.LastUsedAt == nil || !k.LastUsedAt.Equal(t0) {
		t.Errorf("last used %v after the lock was released", k.LastUsedAt)
	}
}
