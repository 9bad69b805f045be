package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/sqlite"
)

// leaks reports which part of a secret, if any, appears in s: the key
// string, its secret part past the masked stub, or its hash.
func leaks(s, key string) string {
	secret := key[strings.LastIndex(key, "_")+1:]
	for what, v := range map[string]string{
		"key":         key,
		"secret tail": secret[4:16], // the masked stub shows the first 4
		"hash":        keys.Hash(key),
		"hash prefix": keys.Hash(key)[:16],
	} {
		if strings.Contains(s, v) {
			return what
		}
	}
	return ""
}

// TestRefusesSecretArguments: a key given as an argument or a flag value
// is refused with exit 2 and never echoed, in text or JSON.
func TestRefusesSecretArguments(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("holder")
	token := strings.Replace(key, "kw_", "kwt_", 1) // a token's shape
	before := dump(t, e.db)
	for _, secret := range []string{key, token} {
		for _, args := range [][]string{
			{"show", secret}, {"revoke", secret}, {"renew", secret}, {"update", secret, "--owner", "x"},
			{"create", secret}, {"list", secret}, {secret},
			{"create", "other", "--name", secret}, {"create", "other", "--description", "the key is " + secret},
			{"create", "other", "--owner", secret}, {"create", "other", "--scope", secret}, {"create", "other", "--ttl", secret},
			{"create", "other", "--role", secret}, {"update", "holder", "--name=" + secret},
			{"list", "--search", secret}, {"list", "--owner", secret}, {"list", "--status", secret}, {"list", "--limit", secret},
			{"list", "--sort", secret}, {"list", "-o", secret}, {"list", "--" + secret},
			{"revoke", "holder", "--reason", secret}, {"revoke", "--key-file", secret},
			{"renew", "--all", "--owner", secret}, {"--db", secret, "list"}, {"--config", secret, "list"},
			{"config", secret}, {"version", secret},
		} {
			modes := []bool{false}
			if secret == key {
				modes = append(modes, true) // and once with -o json
			}
			for _, json := range modes {
				if json {
					args = append(args, "-o", "json")
				}
				r := e.run("", args...)
				checkError(t, r, 2)
				if what := leaks(r.stdout+r.stderr, key); what != "" {
					t.Errorf("the %s was echoed\n%s", what, r)
				}
				if !strings.Contains(r.stderr, "refusing a key or token") {
					t.Errorf("the refusal does not say why\n%s", r)
				}
			}
		}
	}
	if after := dump(t, e.db); after != before {
		t.Errorf("a refused command changed the database")
	}
}

// TestSecretsNeverShown: after create printed it once, no command shows
// the key, its secret or its hash again, whether it succeeds or fails.
func TestSecretsNeverShown(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("quiet", "--owner", "ops", "--description", "kept secret")
	other := newEnv(t).createKey("stranger") // a key from another database
	typo := key[:len(key)-1] + "A"           // a checksum that no longer matches
	if typo == key {
		typo = key[:len(key)-1] + "B"
	}
	// A token, minted through the store (the token command lives on
	// another branch), must stay as hidden as the key.
	store, err := sqlite.Open(context.Background(), e.db, keys.Policy{Prefix: "kw", TokenTTL: time.Hour, MaxTokenTTL: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	minted, err := keys.MintFrom(context.Background(), &keys.Verifier{Policy: store.Policy, Finder: store}, store, key, keys.TokenRequest{Token: keys.NewCredential("kw", keys.KindToken)})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	token := minted.Secret
	var outputs []result
	for _, args := range [][]string{
		{"list"}, {"list", "-o", "json"}, {"list", "--status", "all", "-o", "json"},
		{"show", "quiet"}, {"show", "quiet", "-o", "json"},
		{"renew", "quiet", "-o", "json"}, {"renew", "--all", "-o", "json"}, {"renew", "--all", "--dry-run"},
		{"update", "quiet", "--owner", "ops2", "-o", "json"}, {"create", "quiet", "--or-renew", "-o", "json"},
		{"create", "quiet"}, {"create", "quiet", "-o", "json"}, {"config"}, {"config", "-o", "json"},
	} {
		outputs = append(outputs, e.run("", args...))
	}
	// Reading keys from stdin: another database's key, a typo, the key
	// itself; then the revoked key again.
	for _, in := range []string{other, typo, token, key, key} {
		outputs = append(outputs, e.run(in+"\n", "revoke", "--key-file", "-"))
		outputs = append(outputs, e.run(in+"\n", "revoke", "--key-file", "-", "-o", "json"))
	}
	outputs = append(outputs, e.run("", "show", "quiet", "-o", "json"), e.run("", "list", "--status", "revoked"))
	for _, r := range outputs {
		checkClean(t, r)
		for _, k := range []string{key, other, token} {
			if what := leaks(r.stdout+r.stderr, k); what != "" {
				t.Errorf("the %s was shown\n%s", what, r)
			}
		}
	}
	if r := e.run("", "show", "quiet"); !strings.Contains(r.stdout, "revoked") {
		t.Errorf("revoke --key-file - did not revoke the key\n%s", r)
	}
	if !strings.Contains(outputs[0].stdout, "quiet") || !strings.Contains(outputs[4].stdout, `"active_tokens":1`) {
		t.Errorf("list or show did not show the key and its token count:\n%s\n%s", outputs[0], outputs[4])
	}
}

// TestKeyFileReadableByOthers: --key-file warns when others can read the
// file the key is in, and not when it is private.
func TestKeyFileReadableByOthers(t *testing.T) {
	e := newEnv(t)
	for i, perm := range []os.FileMode{0o644, 0o604, 0o600} {
		alias := []string{"leaky-a", "leaky-b", "private"}[i]
		key := e.createKey(alias)
		file := filepath.Join(e.dir, alias+".key")
		if err := os.WriteFile(file, []byte(key+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chmod(file, perm)
		r := e.run("", "revoke", "--key-file", file)
		if r.code != 0 {
			t.Fatalf("revoke --key-file\n%s", r)
		}
		warned := strings.Contains(r.stderr, "keyward: warning: ") && strings.Contains(r.stderr, "readable by other users")
		if want := perm&0o004 != 0; warned != want {
			t.Errorf("key file mode %04o: warned=%v, want %v\n%s", perm, warned, want, r)
		}
		if what := leaks(r.stdout+r.stderr, key); what != "" {
			t.Errorf("the %s was shown\n%s", what, r)
		}
	}
}
