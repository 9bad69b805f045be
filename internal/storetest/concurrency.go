package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func (e *env) importLines(lines ...string) ([]keys.ImportResult, error) {
	e.t.Helper()
	var items []keys.ImportItem
	for i, l := range lines {
		it, err := keys.ParseImportLine([]byte(l), i+1, Policy, e.clock.Now())
		if err != nil {
			e.t.Fatalf("line %d: %v", i+1, err)
		}
		items = append(items, it)
	}
	return e.s.Import(ctx, items)
}

func testImport(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	foreign := "an-imported-key-from-elsewhere-0123456789"
	out, err := e.importLines(`{"alias":"gen","scopes":["backup:read"]}`, `{"alias":"old","key":"`+foreign+`","expires_at":"2026-12-30T09:00:00Z"}`)
	if err != nil || len(out) != 2 || out[0].Secret == "" || out[1].Secret != "" {
		t.Fatalf("import: %v %+v", err, out)
	}
	if k := e.find("old"); !k.Imported || !k.ExpiresAt.Equal(time.Date(2026, 12, 30, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("imported %s", keyLine(k))
	}
	if v := e.verify(foreign, nil, nil); v.Code != keys.CodeValid || v.Alias != "old" {
		t.Errorf("verify an imported key: %s", v.Code)
	}
	before := e.snapshot()
	_, err = e.importLines(`{"alias":"new"}`, `{"alias":"gen"}`)
	wantErr(t, err, keys.ECONFLICT, "import_conflict")
	_, err = e.importLines(`{"alias":"new2","key":"` + foreign + `"}`)
	wantErr(t, err, keys.ECONFLICT, "import_conflict")
	_, err = e.importLines(`{"alias":"new3"}`, `{"alias":"x","scopes":["unknown"]}`)
	if x := wantErr(t, err, keys.EINVALID, "invalid_import"); x.Values["problem"] != "grants" {
		t.Errorf("values %v", x.Values)
	}
	// Lines that did not come through the reader are checked too.
	_, err = e.s.Import(ctx, []keys.ImportItem{{Line: 1, Request: keys.CreateRequest{Alias: "Bad Alias", Credential: keys.NewCredential("kw", keys.KindKey)}}})
	wantErr(t, err, keys.EINVALID, "invalid_alias")
	_, err = e.s.Import(ctx, []keys.ImportItem{{Line: 1, Request: keys.CreateRequest{Alias: "ok", TTL: 4 * Policy.MaxTTL, Credential: keys.NewCredential("kw", keys.KindKey)}}})
	wantErr(t, err, keys.EINVALID, "ttl_too_long")
	e.unchanged(before, "a refused import")
}

// A cancelled context is EINTERRUPTED, and nothing is written.
func testInterrupted(t *testing.T, e *env) {
	before := e.snapshot()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := e.s.CreateKey(cancelled, keys.CreateRequest{Alias: "late", Credential: keys.NewCredential("kw", keys.KindKey)})
	wantErr(t, err, keys.EINTERRUPTED, "interrupted")
	e.unchanged(before, "an interrupted create")
}

const writers = 8

// Writers from several goroutines lose nothing.
func testConcurrentCreates(t *testing.T, e *env) {
	var wg sync.WaitGroup
	errs := make(chan error, writers*5)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				_, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: fmt.Sprintf("w%d-%d", w, i), Credential: keys.NewCredential("kw", keys.KindKey)})
				errs <- err
			}
		}()
	}
	wg.Wait()
	report(t, errs)
	n := 0
	if err := e.s.ListKeys(ctx, keys.Filter{}, func(*keys.Key) error { n++; return nil }); err != nil || n != writers*5 {
		t.Errorf("%d keys (%v), want %d", n, err, writers*5)
	}
}

// Racing for one alias, exactly one create wins; the others are told
// the alias exists.
func testConcurrentSameAlias(t *testing.T, e *env) {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "contested", Credential: keys.NewCredential("kw", keys.KindKey)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		var x *keys.Error
		switch {
		case err == nil:
			won++
		case errors.As(err, &x) && x.Reason == "alias_exists":
		default:
			t.Errorf("a loser: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d winners", won)
	}
}

// Renewals, updates and verifications (with their last-use records) run
// together: every write lands, every verification answers.
func testConcurrentRenewsAndVerifies(t *testing.T, e *env) {
	var secrets []string
	for i := range writers {
		secrets = append(secrets, e.create(fmt.Sprintf("k%d", i), keys.Change{}, time.Hour).Secret)
	}
	e.clock.Advance(time.Minute)
	v := e.verifier(e.s, Policy)
	var wg sync.WaitGroup
	errs := make(chan error, writers*3)
	for i := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := e.s.UpdateKey(ctx, fmt.Sprintf("k%d", i), keys.Change{Owner: ptr(fmt.Sprintf("owner%d", i))})
			errs <- err
			_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{fmt.Sprintf("k%d", i)}, TTL: 2 * time.Hour})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			got, err := v.Verify(ctx, keys.VerifyRequest{Credential: secrets[i]})
			if err == nil && got.Code != keys.CodeValid {
				err = fmt.Errorf("k%d: %s", i, got.Code)
			}
			errs <- err
		}()
	}
	wg.Wait()
	report(t, errs)
	for i := range writers {
		k := e.find(fmt.Sprintf("k%d", i))
		if k.Owner != fmt.Sprintf("owner%d", i) || k.TTL != 2*time.Hour {
			t.Errorf("lost a write: %s", keyLine(k))
		}
	}
}

// report fails t with every error the finished goroutines sent.
func report(t *testing.T, errs chan error) {
	t.Helper()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
