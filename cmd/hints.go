package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/keyward/keyward/internal/keys"
)

// hint says what to do about a refused operation: the domain and the
// stores give a reason and the values it names, the command line the
// words. An error made here in cmd/ may carry its own hint.
func hint(e *keys.Error) string {
	if e.Hint != "" {
		return e.Hint
	}
	if e.Values["engine"] == "postgres" {
		return postgresHint(e)
	}
	switch e.Op {
	case "token":
		return tokenHint(e)
	case "revoke":
		return revokeHint(e)
	case "rotate":
		return rotateHint(e)
	}
	if h := auditHint(e); h != "" {
		return h
	}
	if h := keyHint(e); h != "" {
		return h
	}
	if h := inputHint(e); h != "" {
		return h
	}
	return databaseHint(e)
}

// tokenHint covers keyward token's refusals of the key it was given.
func tokenHint(e *keys.Error) string {
	switch e.Reason {
	case "malformed":
		return "check that the whole key was copied, on one line"
	case "not_found":
		return "check the key and --db"
	case "revoked":
		return "ask for a new key, or reactivate it with keyward renew " + aliasOr(e.Alias) + " --reactivate"
	case "expired":
		if e.Values["string"] == "previous" {
			return "use the key's current string; see the key with: keyward show " + aliasOr(e.Alias)
		}
		return "renew it with: keyward renew " + aliasOr(e.Alias)
	case "token_not_key":
		return "give the key itself"
	case "admin_only_scope", "scope_not_held":
		return "a token can only narrow its key's scopes"
	}
	return ""
}

// aliasOr is a key's alias for a hint, or a placeholder when unknown.
func aliasOr(alias string) string {
	if alias == "" {
		return "ALIAS"
	}
	return alias
}

// revokeHint covers keyward revoke --key-file's refusals.
func revokeHint(e *keys.Error) string {
	switch e.Reason {
	case "key_not_found":
		return "it may come from another keyward database; check --db"
	case "token_not_key":
		return "tokens die with their key: keyward revoke " + e.Alias
	}
	return ""
}

// keyHint covers the rules of keys and scopes.
func keyHint(e *keys.Error) string {
	switch e.Reason {
	case "ambiguous_ref":
		return fmt.Sprintf("say which: by id, %s (alias %s), or by alias, %s", e.Values["alias_key_id"], e.Alias, e.Values["id_key_alias"])
	case "alias_is_id":
		return "choose another alias: one that spells a key id would name two keys"
	case "alias_exists":
		if e.Values["status"] == string(keys.StatusRevoked) {
			return fmt.Sprintf("bring it back with: keyward renew %s --reactivate, or choose another alias", e.Alias)
		}
		return fmt.Sprintf("renew it with: keyward renew %s (or add --or-renew)", e.Alias)
	case "key_revoked":
		return fmt.Sprintf("bring it back with: keyward renew %s --reactivate", e.Alias)
	case "ttl_too_long":
		if e.Alias != "" {
			return fmt.Sprintf("renew it with: keyward renew %s --ttl %s (which becomes its ttl), or raise max_ttl in the config", e.Alias, e.Values["max_ttl"])
		}
		return fmt.Sprintf("ask for at most %s, or raise max_ttl in the config", e.Values["max_ttl"])
	case "token_ttl_too_long":
		return fmt.Sprintf("ask for at most %s, or raise max_token_ttl in the config", e.Values["max_token_ttl"])
	case "key_not_found":
		return "list keys with: keyward list --status all"
	case "malformed_key":
		return "check that the whole key was copied, on one line"
	case "unknown_scope":
		if e.Values["during"] == "reactivate" {
			return fmt.Sprintf("register it again (keyward scopes add %s), or reactivate with the scopes it may hold: keyward renew %s --reactivate --scope …", e.Scope, e.Alias)
		}
		return "register it first: keyward scopes add " + e.Scope
	case "admin_only_scope":
		if e.Values["during"] == "reactivate" {
			h := fmt.Sprintf("reactivate with the scopes it may hold: keyward renew %s --reactivate --scope …", e.Alias)
			if e.Role != "" {
				h += ", or add --role " + e.Role
			}
			return h
		}
		if e.Role == "" {
			return fmt.Sprintf("leave out --scope %s: no configured role is admin_role, so no key can hold it", e.Scope)
		}
		return fmt.Sprintf("add --role %s, or leave out --scope %s", e.Role, e.Scope)
	case "scope_exists":
		return "see it with: keyward scopes list"
	case "scope_not_found":
		return "see the registry with: keyward scopes list"
	case "scope_in_use":
		return "take it off those keys first (keyward update ALIAS --scope …) or revoke them"
	case "import_conflict":
		if e.Values["problem"] == "previous_string" {
			return "a key string belongs to one key only: remove those lines, or their previous_key_sha256 and previous_valid_until"
		}
		return "remove or rename those lines, or renew the existing keys instead"
	case "invalid_import":
		switch e.Values["problem"] {
		case "grants":
			return "register the scopes first with keyward scopes add, or fix those lines"
		case "lines":
			return "fix those lines and run the import again"
		}
	}
	return ""
}

// inputHint covers what a value typed by the operator must look like.
func inputHint(e *keys.Error) string {
	problem := e.Values["problem"]
	switch e.Reason {
	case "invalid_duration":
		if problem == "syntax" {
			return "use a positive duration such as 90m, 36h, 15d, 2w or 1d12h"
		}
	case "invalid_prefix":
		return `set key_prefix to something like "kw"`
	case "invalid_status":
		return "use one of active, expired, revoked, all"
	case "invalid_alias":
		if problem == "ref" {
			return "list keys with: keyward list"
		}
		return "pick an alias such as ci-bot or backup.prod"
	case "secret_in_argument":
		if e.Values["command"] == "revoke" {
			return "to revoke a leaked key, pipe it in: keyward revoke --key-file - < key.txt"
		}
		return "pipe it on standard input or name a file: ... | keyward verify, keyward verify --key-file FILE"
	case "invalid_name", "invalid_description", "invalid_owner", "invalid_reason":
		switch problem {
		case "empty":
			return "give a name with --name, or leave it out to use the alias"
		case "control":
			return "remove tabs, newlines and other control characters"
		}
	case "unknown_role":
		return "use one of the configured roles: " + e.Values["roles"]
	case "invalid_scope":
		if problem == "mixed" {
			return "give either --scope '*' alone or a list of named scopes"
		}
		return "name scopes like backup:read or billing.write"
	case "invalid_flags":
		if e.Op == "create" {
			return "add --or-renew, or use keyward renew --reactivate"
		}
	case "invalid_sort":
		return "use one of " + e.Values["sort_keys"]
	}
	return ""
}

// databaseHint covers a database that cannot be used.
func databaseHint(e *keys.Error) string {
	path := e.Values["path"]
	switch e.Reason {
	case "invalid_db":
		switch e.Values["problem"] {
		case "special":
			return "give a file path, for example --db ./keyward.db"
		case "url":
			return "give a file path, or a postgres:// URL"
		}
		return "set --db, KEYWARD_DB or db in the config file to a file path"
	case "db_not_found":
		return "check --db or KEYWARD_DB; create, import and scopes add create a new database"
	case "engine_unsupported":
		return "use a SQLite file path for --db"
	case "db_not_file":
		if e.Values["problem"] == "directory" {
			return "point --db at a file, for example " + filepath.Join(path, "keyward.db")
		}
		return "point --db at a file; keyward creates it when it does not exist"
	case "db_busy":
		return "another process holds a long write transaction; try again"
	case "db_read_only":
		return "check the permissions of the file and its directory"
	case "disk_full":
		return "free some space and run the command again"
	case "db_corrupt":
		return fmt.Sprintf("restore it from a backup; `sqlite3 %s 'PRAGMA integrity_check'` tells more", path)
	case "db_cannot_open":
		return "check that the file and its directory exist and are writable by you"
	case "io_error":
		switch e.Values["problem"] {
		case "write":
			return "free some space or raise the limit, then run the command again"
		case "io":
			return "check the disk and the file's permissions"
		case "path":
			return "check the path and its permissions, or choose another with --db"
		}
	case "db_error":
		return "run the command again; if it persists, check the file with sqlite3"
	case "not_sqlite":
		return "check --db; keyward creates its database itself when the file does not exist"
	case "truncated":
		return "restore it from a backup"
	case "foreign_db":
		return "point --db at a keyward database, or at a new path to create one"
	case "newer_schema":
		return "upgrade keyward; the file was left untouched"
	}
	return ""
}
