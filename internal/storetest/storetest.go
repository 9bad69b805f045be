// Package storetest is the conformance suite of keys.Store: every rule,
// every error code, concurrent writers, all on an injected clock. A store
// package runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, clock *storetest.Clock) storetest.Open {
//			path := filepath.Join(t.TempDir(), "keyward.db")
//			return func(p keys.Policy) keys.Store { … open path with p and clock.Now … }
//		})
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// Open opens a store on the one fresh database a test was given, with
// policy p. It may be called more than once: stores opened on the same
// database with different policies see the same records. The suite
// closes what it opens.
type Open func(p keys.Policy) keys.Store

// Fresh makes an empty database for one test, its stores reading clock.
type Fresh func(t *testing.T, clock *Clock) Open

// Clock is the time the stores of a test read; it moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// T0 is where every test's clock starts.
var T0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Policy is the policy the suite runs under unless a test says otherwise.
var Policy = keys.Policy{
	Prefix:      "kw",
	DefaultTTL:  30 * 24 * time.Hour,
	MaxTTL:      90 * 24 * time.Hour,
	TokenTTL:    time.Hour,
	MaxTokenTTL: 24 * time.Hour,
	Roles:       []string{"admin", "agent", "reader"},
	AdminRole:   "admin",
}

// Run runs every conformance test on stores made by fresh.
func Run(t *testing.T, fresh Fresh) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"CreateStoresAKey", testCreateStoresAKey},
		{"CreateRefusesInvalidInput", testCreateRefusesInvalidInput},
		{"CreateAliasConflict", testCreateAliasConflict},
		{"CreateOrRenew", testCreateOrRenew},
		{"CreateChecksGrants", testCreateChecksGrants},
		{"AdminRoleNotConfigured", testAdminRoleNotConfigured},
		{"RenewAndReactivate", testRenewAndReactivate},
		{"RenewRefusesALoweredMaxTTL", testRenewRefusesALoweredMaxTTL},
		{"RenewIsAllOrNone", testRenewIsAllOrNone},
		{"RenewAll", testRenewAll},
		{"Update", testUpdate},
		{"FindAndList", testFindAndList},
		{"CountKeys", testCountKeys},
		{"Revoke", testRevoke},
		{"RevokeCredential", testRevokeCredential},
		{"Scopes", testScopes},
		{"MintToken", testMintToken},
		{"MintTokenRefusals", testMintTokenRefusals},
		{"Verify", testVerify},
		{"VerifyTokens", testVerifyTokens},
		{"TouchOncePerInterval", testTouchOncePerInterval},
		{"Import", testImport},
		{"ExportRestores", testExportRestores},
		{"Interrupted", testInterrupted},
		{"ConcurrentCreatesLoseNothing", testConcurrentCreates},
		{"ConcurrentSameAliasOneWinner", testConcurrentSameAlias},
		{"ConcurrentRenewsAndVerifies", testConcurrentRenewsAndVerifies},
		{"AuditEveryChange", testAuditEveryChange},
		{"AuditNothingForReads", testAuditNothingForReads},
		{"AuditHoldsNoSecret", testAuditHoldsNoSecret},
		{"AuditFilters", testAuditFilters},
		{"AuditHead", testAuditHead},
		{"AuditConcurrent", testAuditConcurrent},
		{"Rotate", testRotate},
		{"RotateEndPrevious", testRotateEndPrevious},
		{"RotateRefusals", testRotateRefusals},
		{"RotateLegacy", testRotateLegacy},
		{"RotateExportRestores", testRotateExportRestores},
		{"RotateExportRenewedShorter", testRotateExportRenewedShorter},
		{"ImportPreviousRefusals", testImportPreviousRefusals},
		{"RotateTokenCapped", testRotateTokenCapped},
		{"Meta", testMeta},
		{"MetaExport", testMetaExport},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &Clock{now: T0}
			open := fresh(t, clock)
			e := &env{t: t, clock: clock, open: open, fresh: func() Open { return fresh(t, clock) }}
			e.s = e.with(Policy)
			tc.fn(t, e)
		})
	}
}

// env is one test's database, clock and store.
type env struct {
	t     *testing.T
	clock *Clock
	open  Open
	s     keys.Store
	fresh func() Open // another empty database, on the same clock
}

var ctx = context.Background()

// with opens another store on the test's database under policy p.
func (e *env) with(p keys.Policy) keys.Store {
	s := e.open(p)
	e.t.Cleanup(func() { s.Close() })
	return s
}

func (e *env) verifier(s keys.Store, p keys.Policy) *keys.Verifier {
	return keys.NewVerifier(p, s, e.clock.Now)
}

// create makes a key through the store.
func (e *env) create(alias string, c keys.Change, ttl time.Duration) keys.CreateResult {
	e.t.Helper()
	res, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: alias, Fields: c, TTL: ttl, Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil {
		e.t.Fatalf("create %s: %v", alias, err)
	}
	return res
}

func (e *env) addScope(name string, adminOnly bool) {
	e.t.Helper()
	if err := e.s.AddScope(ctx, keys.Scope{Name: name, AdminOnly: adminOnly}); err != nil {
		e.t.Fatalf("add scope %s: %v", name, err)
	}
}

func (e *env) find(ref string) *keys.Key {
	e.t.Helper()
	k, err := e.s.FindKey(ctx, ref)
	if err != nil {
		e.t.Fatalf("find %s: %v", ref, err)
	}
	return k
}

// snapshot is everything the store shows, its audit log's head
// included, to tell that a refused call changed nothing and recorded
// nothing.
func (e *env) snapshot() string {
	e.t.Helper()
	h, err := e.s.LogHead(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.records() + fmt.Sprintf("log %s\n", h)
}

// records is every key, token count and scope the store shows: what an
// export carries to another database, whose log is its own.
func (e *env) records() string {
	e.t.Helper()
	var b strings.Builder
	var all []*keys.Key
	err := e.s.ListKeys(ctx, keys.Filter{AllStatuses: true, Sort: "alias"}, func(k *keys.Key) error {
		all = append(all, k)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range all {
		n, err := e.s.ActiveTokens(ctx, k.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s tokens=%d\n", keyLine(k), n)
	}
	scopes, err := e.s.Scopes(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "%+v\n", scopes)
	return b.String()
}

// unchanged fails the test if the store shows something else than before.
func (e *env) unchanged(before, what string) {
	e.t.Helper()
	if after := e.snapshot(); after != before {
		e.t.Errorf("%s changed the store:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// wantErr checks that err is a keys.Error with code and reason.
func wantErr(t *testing.T, err error, code, reason string) *keys.Error {
	t.Helper()
	var e *keys.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want %s/%s", err, code, reason)
	}
	if e.Code != code || e.Reason != reason {
		t.Fatalf("got %s/%s (%s), want %s/%s", e.Code, e.Reason, e.Message, code, reason)
	}
	return e
}

func ptr[T any](v T) *T { return &v }

// keyLine is every field of k, times dereferenced.
func keyLine(k *keys.Key) string {
	c := *k
	c.LastUsedAt, c.RevokedAt = nil, nil
	return fmt.Sprintf("%+v last_used=%v revoked=%v", c, deref(k.LastUsedAt), deref(k.RevokedAt))
}

func deref(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// typo changes the last character of a key string: its checksum no
// longer matches.
func typo(key string) string {
	last := byte('A')
	if key[len(key)-1] == last {
		last = 'B'
	}
	return key[:len(key)-1] + string(last)
}
