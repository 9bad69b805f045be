package cmd

import "github.com/keyward/keyward/internal/keys"

// hint says what to do about a refused operation: the domain gives the
// reason and the values, the command line the words.
func hint(e *keys.Error) string {
	if e.Hint != "" {
		return e.Hint
	}
	if e.Op == "token" {
		return tokenHint(e)
	}
	return ""
}

// tokenHint covers keyward token's refusals of the key it was given.
func tokenHint(e *keys.Error) string {
	switch e.Reason {
	case "malformed":
		return "check that the whole key was copied, on one line"
	case "not_found":
		return "check the key and --db"
	case "revoked":
		return "ask for a new key, or reactivate it with keyward renew ALIAS --reactivate"
	case "expired":
		return "renew it with: keyward renew ALIAS"
	case "token_not_key":
		return "give the key itself"
	case "admin_only_scope", "scope_not_held":
		return "a token can only narrow its key's scopes"
	}
	return ""
}
