package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// clockStore opens a store in a temporary directory whose clock reads
// *now, so tests move time instead of sleeping.
func clockStore(t *testing.T) (*Store, *time.Time) {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "keyward.db"), testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := t0
	s.Now = func() time.Time { return now }
	return s, &now
}

// createKey stores a key and returns its key string.
func createKey(t *testing.T, s *Store, alias string, c keys.Change, ttl time.Duration) string {
	t.Helper()
	cred := keys.NewCredential("kw", keys.KindKey)
	req := keys.CreateRequest{Alias: alias, Fields: c, TTL: ttl, Credential: cred}
	if err := req.Validate(testPolicy); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateKey(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return cred.String
}

func mint(t *testing.T, s *Store, key string, ttl time.Duration, scopes ...string) keys.TokenResult {
	t.Helper()
	res, err := mintToken(context.Background(), s, key, keys.TokenRequest{TTL: ttl, Scopes: scopes, Token: keys.NewCredential("kw", keys.KindToken)})
	if err != nil {
		t.Fatalf("MintToken: %v", err)
	}
	return res
}

func verify(t *testing.T, s *Store, cred string, req keys.VerifyRequest) keys.Verification {
	t.Helper()
	req.Credential = cred
	v, err := keys.NewVerifier(s.Policy, s, s.Now).Verify(context.Background(), req)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return v
}

// withTypo changes the last secret character before the checksum to
// another base62 character.
func withTypo(s string) []byte {
	b := []byte(s)
	i := len(b) - 7
	if b[i] == 'x' {
		b[i] = 'y'
	} else {
		b[i] = 'x'
	}
	return b
}

func errReason(err error) string {
	var e *keys.Error
	if errors.As(err, &e) {
		return e.Code + "/" + e.Reason
	}
	return "not a keys.Error: " + err.Error()
}

func TestMintTokenTTL(t *testing.T) {
	s, _ := clockStore(t)
	tokenTTL := 2 * time.Hour
	key := createKey(t, s, "ci-bot", keys.Change{TokenTTL: &tokenTTL}, 0)

	for _, c := range []struct {
		ask, want time.Duration
		warn      bool
	}{
		{0, time.Hour, false}, // the default token_ttl
		{90 * time.Minute, 90 * time.Minute, false},
		{5 * time.Hour, 2 * time.Hour, true}, // capped at the key's token ttl
	} {
		res := mint(t, s, key, c.ask)
		if got := res.Token.ExpiresAt.Sub(res.Token.CreatedAt); got != c.want {
			t.Errorf("ttl %s: token lasts %s, want %s", c.ask, got, c.want)
		}
		if !res.Token.CreatedAt.Equal(t0) {
			t.Errorf("created_at = %s, want the store's clock %s", res.Token.CreatedAt, t0)
		}
		if (len(res.Warnings) > 0) != c.warn {
			t.Errorf("ttl %s: warnings %q, want a warning: %v", c.ask, res.Warnings, c.warn)
		}
	}

	// A key made for shorter tokens quietly shortens the default.
	short := 10 * time.Minute
	key = createKey(t, s, "short", keys.Change{TokenTTL: &short}, 0)
	if res := mint(t, s, key, 0); res.Token.ExpiresAt.Sub(t0) != short || len(res.Warnings) != 0 {
		t.Errorf("default on a 10m key: lasts %s, warnings %q", res.Token.ExpiresAt.Sub(t0), res.Warnings)
	}
}

func TestMintTokenNeverOutlivesKey(t *testing.T) {
	s, _ := clockStore(t)
	key := createKey(t, s, "brief", keys.Change{}, 10*time.Minute)
	res := mint(t, s, key, time.Hour)
	if !res.Token.ExpiresAt.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("token expires %s, want the key's expiry %s", res.Token.ExpiresAt, t0.Add(10*time.Minute))
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "key's expiry") {
		t.Errorf("warnings = %q, want one about the key's expiry", res.Warnings)
	}
}

func TestMintTokenDistinct(t *testing.T) {
	s, _ := clockStore(t)
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)
	a, b := mint(t, s, key, 0), mint(t, s, key, 0)
	if a.Secret == b.Secret || a.Token.ID == b.Token.ID {
		t.Fatalf("two calls gave the same token: %s, %s", a.Token.ID, b.Token.ID)
	}
	if !strings.HasPrefix(a.Secret, "kwt_"+a.Token.ID+"_") {
		t.Errorf("token %q does not have the shape kwt_{id}_{secret}", a.Secret)
	}
	if n, err := s.ActiveTokens(context.Background(), a.Token.KeyID); err != nil || n != 2 {
		t.Errorf("ActiveTokens = %d, %v; want 2", n, err)
	}
	// Only the hash is stored.
	var stored string
	if err := s.db.QueryRow(`SELECT hash FROM tokens WHERE id = ?`, a.Token.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != keys.Hash(a.Secret) {
		t.Errorf("stored hash %q is not the SHA-256 of the token", stored)
	}
}

func TestMintTokenScopes(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	for _, sc := range []keys.Scope{{Name: "backup:read"}, {Name: "backup:write"}, {Name: "keys:admin", AdminOnly: true}} {
		if err := s.AddScope(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	named := createKey(t, s, "named", keys.Change{Scopes: &[]string{"backup:read", "backup:write"}}, 0)
	if got := mint(t, s, named, 0).Token.Scopes; !slices.Equal(got, []string{"backup:read", "backup:write"}) {
		t.Errorf("unnarrowed token scopes = %v, want the key's", got)
	}
	if got := mint(t, s, named, 0, "backup:write").Token.Scopes; !slices.Equal(got, []string{"backup:write"}) {
		t.Errorf("narrowed token scopes = %v", got)
	}

	all := createKey(t, s, "all", keys.Change{}, 0)
	if got := mint(t, s, all, 0).Token.Scopes; !slices.Equal(got, []string{keys.AllScopes}) {
		t.Errorf("token of a * key: scopes %v, want [*] like its key", got)
	}
	mint(t, s, all, 0, "backup:read") // held through *

	for _, c := range []struct {
		key, scope, want string
	}{
		{named, "keys:admin", "invalid/admin_only_scope"},
		{all, "keys:admin", "invalid/admin_only_scope"},
		{all, "reports:read", "invalid/scope_not_held"},
	} {
		_, err := mintToken(ctx, s, c.key, keys.TokenRequest{Scopes: []string{c.scope}, Token: keys.NewCredential("kw", keys.KindToken)})
		if got := errReason(err); got != c.want {
			t.Errorf("scope %s: error %s, want %s", c.scope, got, c.want)
		}
	}
	_, err := mintToken(ctx, s, named, keys.TokenRequest{Scopes: []string{"reports:read"}, Token: keys.NewCredential("kw", keys.KindToken)})
	if got := errReason(err); got != "invalid/scope_not_held" {
		t.Errorf("scope beyond a named key's: %s", got)
	}
	if n, _ := s.ActiveTokens(ctx, mint(t, s, named, 0).Token.KeyID); n != 3 {
		t.Errorf("refused requests minted tokens: %d active, want 3", n)
	}
}

func TestMintTokenRejects(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, time.Hour)
	tok := mint(t, s, key, 0).Secret
	stranger := keys.NewCredential("kw", keys.KindKey).String
	typo := withTypo(key)

	try := func(cred string) string {
		_, err := mintToken(ctx, s, cred, keys.TokenRequest{Token: keys.NewCredential("kw", keys.KindToken)})
		return errReason(err)
	}
	if got := try(stranger); got != "rejected/not_found" {
		t.Errorf("unknown key: %s", got)
	}
	if got := try(string(typo)); got != "rejected/malformed" {
		t.Errorf("typo: %s", got)
	}
	if got := try(tok); got != "rejected/token_not_key" {
		t.Errorf("token as key: %s", got)
	}
	*now = t0.Add(time.Hour)
	if got := try(key); got != "rejected/expired" {
		t.Errorf("expired key: %s", got)
	}
	*now = t0
	if _, err := s.RevokeKeys(ctx, []string{"ci-bot"}, ""); err != nil {
		t.Fatal(err)
	}
	if got := try(key); got != "rejected/revoked" {
		t.Errorf("revoked key: %s", got)
	}
}

func TestRevokeKillsTokensForGood(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)
	res := mint(t, s, key, 0)
	keyID := res.Token.KeyID

	*now = t0.Add(time.Minute)
	if _, err := s.RevokeKeys(ctx, []string{"ci-bot"}, "leaked"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ActiveTokens(ctx, keyID); n != 0 {
		t.Errorf("after revoke: %d active tokens, want 0", n)
	}
	if v := verify(t, s, res.Secret, keys.VerifyRequest{}); v.Code != keys.CodeRevoked || v.Kind != keys.KindToken {
		t.Errorf("token of revoked key: %s %s, want REVOKED token", v.Code, v.Kind)
	}

	*now = t0.Add(2 * time.Minute)
	if _, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}, Reactivate: true}); err != nil {
		t.Fatal(err)
	}
	if v := verify(t, s, key, keys.VerifyRequest{}); v.Code != keys.CodeValid {
		t.Errorf("reactivated key string: %s, want VALID", v.Code)
	}
	if v := verify(t, s, res.Secret, keys.VerifyRequest{}); v.Code != keys.CodeRevoked {
		t.Errorf("old token of reactivated key: %s, want REVOKED", v.Code)
	}
	if n, _ := s.ActiveTokens(ctx, keyID); n != 0 {
		t.Errorf("after reactivation: %d active tokens, want 0", n)
	}
	fresh := mint(t, s, key, 0)
	if v := verify(t, s, fresh.Secret, keys.VerifyRequest{}); v.Code != keys.CodeValid {
		t.Errorf("new token: %s, want VALID", v.Code)
	}
}

func TestRenewKeepsTokens(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)
	res := mint(t, s, key, 0)
	*now = t0.Add(10 * time.Minute)
	if _, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}}); err != nil {
		t.Fatal(err)
	}
	v := verify(t, s, res.Secret, keys.VerifyRequest{})
	if v.Code != keys.CodeValid || !v.ExpiresAt.Equal(res.Token.ExpiresAt) {
		t.Errorf("token after renew: %s expiring %v, want VALID expiring %s", v.Code, v.ExpiresAt, res.Token.ExpiresAt)
	}
}

func TestActiveTokensCountsLiveOnes(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)
	short := mint(t, s, key, 10*time.Minute)
	mint(t, s, key, time.Hour)
	other := createKey(t, s, "other", keys.Change{}, 0)
	mint(t, s, other, 0)

	if n, _ := s.ActiveTokens(ctx, short.Token.KeyID); n != 2 {
		t.Errorf("ActiveTokens = %d, want 2 (the other key's token is not counted)", n)
	}
	*now = t0.Add(10 * time.Minute)
	if n, _ := s.ActiveTokens(ctx, short.Token.KeyID); n != 1 {
		t.Errorf("after one expired: ActiveTokens = %d, want 1", n)
	}
}

func TestVerifyRecordsLastUsedOncePerMinute(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)
	lastUsed := func() *time.Time {
		k, err := s.FindKey(ctx, "ci-bot")
		if err != nil {
			t.Fatal(err)
		}
		return k.LastUsedAt
	}

	if v := verify(t, s, key, keys.VerifyRequest{Roles: []string{"admin"}}); v.Valid {
		t.Fatal("a key without the admin role passed --role admin")
	}
	if got := lastUsed(); got != nil {
		t.Errorf("an invalid check recorded last_used_at %s", got)
	}

	*now = t0.Add(5 * time.Second)
	verify(t, s, key, keys.VerifyRequest{})
	if got := lastUsed(); got == nil || !got.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("last_used_at = %v, want %s", got, t0.Add(5*time.Second))
	}
	*now = t0.Add(64 * time.Second) // 59s later: no write
	verify(t, s, key, keys.VerifyRequest{})
	if got := lastUsed(); !got.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("last_used_at rewritten within a minute: %s", got)
	}
	*now = t0.Add(65 * time.Second) // a minute later: written
	tok := mint(t, s, key, 0)
	verify(t, s, tok.Secret, keys.VerifyRequest{}) // a token's use counts for its key
	if got := lastUsed(); !got.Equal(t0.Add(65 * time.Second)) {
		t.Errorf("last_used_at = %s, want %s", got, t0.Add(65*time.Second))
	}
}

func TestVerifyLookups(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)

	// A right id with a wrong secret: stored under the id of one string
	// with the hash of another, then checked with the first.
	a, b := keys.NewCredential("kw", keys.KindKey), keys.NewCredential("kw", keys.KindKey)
	req := keys.CreateRequest{Alias: "wrong-secret", Credential: keys.Credential{String: b.String, ID: a.ID, Hash: b.Hash, Masked: a.Masked}}
	if _, err := s.CreateKey(ctx, req); err != nil {
		t.Fatal(err)
	}
	if v := verify(t, s, a.String, keys.VerifyRequest{}); v.Code != keys.CodeNotFound || v.Alias != "" {
		t.Errorf("wrong secret: %s (alias %q), want NOT_FOUND revealing nothing", v.Code, v.Alias)
	}

	// Imported keys are found by their hash: a foreign string, and one in
	// keyward's shape under another id (from another keyward database).
	foreign := "9fA3kQ7zLm2XwR8tYb4NcV6pH1sJ0dGeUoKiZyTa"
	elsewhere := keys.NewCredential("kw", keys.KindKey)
	for alias, str := range map[string]string{"girder": foreign, "elsewhere": elsewhere.String} {
		cred := keys.Credential{String: str, ID: keys.NewID(), Hash: keys.Hash(str), Masked: keys.Mask(str)}
		if _, err := s.Import(ctx, []keys.ImportItem{{Line: 1, Request: keys.CreateRequest{Alias: alias, Credential: cred}, Imported: true}}); err != nil {
			t.Fatal(err)
		}
		if v := verify(t, s, str, keys.VerifyRequest{}); v.Code != keys.CodeValid || v.Alias != alias {
			t.Errorf("imported %s: %s %q, want VALID", alias, v.Code, v.Alias)
		}
	}
	if v := verify(t, s, foreign[:20]+"X"+foreign[21:], keys.VerifyRequest{}); v.Code != keys.CodeNotFound {
		t.Errorf("foreign string with a typo: %s, want NOT_FOUND", v.Code)
	}

	if v := verify(t, s, key[:len(key)-1]+"!", keys.VerifyRequest{}); v.Code != keys.CodeNotFound {
		t.Errorf("mangled checksum character: %s", v.Code)
	}
	if v := verify(t, s, "short", keys.VerifyRequest{}); v.Code != keys.CodeMalformed || v.Kind != "" {
		t.Errorf("short string: %s %q, want MALFORMED and nothing known", v.Code, v.Kind)
	}
}

// TestVerifyMalformedSkipsDatabase: a bad checksum is refused without
// reading the database, so it is refused even when there is none to read.
func TestVerifyMalformedSkipsDatabase(t *testing.T) {
	s, _ := clockStore(t)
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)
	typo := withTypo(key)
	s.db.Close()
	v, err := keys.NewVerifier(s.Policy, s, s.Now).Verify(context.Background(), keys.VerifyRequest{Credential: string(typo)})
	if err != nil || v.Code != keys.CodeMalformed {
		t.Errorf("typo on a closed database: %s, %v; want MALFORMED and no error", v.Code, err)
	}
	if _, err := keys.NewVerifier(s.Policy, s, s.Now).Verify(context.Background(), keys.VerifyRequest{Credential: key}); err == nil {
		t.Error("the closed database answered a well-formed key: the test proves nothing")
	}
}

func TestVerifyTokenFollowsKeyScopes(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	for _, n := range []string{"backup:read", "backup:write"} {
		if err := s.AddScope(ctx, keys.Scope{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	key := createKey(t, s, "ci-bot", keys.Change{Scopes: &[]string{"backup:read", "backup:write"}}, 0)
	tok := mint(t, s, key, 0)
	write := keys.VerifyRequest{Scopes: []string{"backup:write"}}
	if v := verify(t, s, tok.Secret, write); v.Code != keys.CodeValid {
		t.Fatalf("token before narrowing: %s", v.Code)
	}
	if _, err := s.UpdateKey(ctx, "ci-bot", keys.Change{Scopes: &[]string{"backup:read"}}); err != nil {
		t.Fatal(err)
	}
	if v := verify(t, s, tok.Secret, write); v.Code != keys.CodeInsufficientScope {
		t.Errorf("token after its key lost backup:write: %s, want INSUFFICIENT_SCOPE", v.Code)
	}

	// Under a * key, a named token scope counts while the registry
	// grants it to the key.
	all := createKey(t, s, "all", keys.Change{}, 0)
	narrow := mint(t, s, all, 0, "backup:write")
	if v := verify(t, s, narrow.Secret, keys.VerifyRequest{}); !slices.Equal(v.Scopes, []string{"backup:write"}) {
		t.Errorf("token scopes under a * key: %v", v.Scopes)
	}
}

// TestVerifyWhileLocked: another process holding the write lock does not
// make a valid key fail; last_used_at is simply recorded on a later check.
func TestVerifyWhileLocked(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	key := createKey(t, s, "ci-bot", keys.Change{}, 0)

	other, err := Open(ctx, s.Path(), testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	if v := verify(t, s, key, keys.VerifyRequest{}); v.Code != keys.CodeValid {
		t.Fatalf("verify while another process writes: %s", v.Code)
	}
	tx.Rollback()
	k, _ := s.FindKey(ctx, "ci-bot")
	if k.LastUsedAt != nil {
		t.Errorf("last_used_at %s written through another process's lock", k.LastUsedAt)
	}

	*now = t0.Add(time.Second)
	verify(t, s, key, keys.VerifyRequest{})
	if k, _ = s.FindKey(ctx, "ci-bot"); k.LastUsedAt == nil || !k.LastUsedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("last_used_at = %v after the lock was released, want %s", k.LastUsedAt, t0.Add(time.Second))
	}
	// The store's own writes wait as long as ever.
	var ms int
	if err := s.db.QueryRow(`PRAGMA busy_timeout`).Scan(&ms); err != nil || ms != int(busyTimeout.Milliseconds()) {
		t.Errorf("busy_timeout after a touch = %d, %v; want %d", ms, err, busyTimeout.Milliseconds())
	}
}

// mintToken mints from a key string as keyward token does: the key is
// found and judged by a Verifier, which records no use.
func mintToken(ctx context.Context, s *Store, key string, req keys.TokenRequest) (keys.TokenResult, error) {
	return keys.MintFrom(ctx, &keys.Verifier{Policy: s.Policy, Finder: s, Now: s.Now}, s, key, req)
}
