package cmd

import (
	"fmt"

	"github.com/keyward/keyward/internal/keys"
)

// rotateHint covers keyward rotate's refusals.
func rotateHint(e *keys.Error) string {
	switch e.Reason {
	case "previous_in_grace":
		return fmt.Sprintf("add --end-previous to end it now: keyward rotate %s --end-previous", e.Alias)
	case "key_revoked":
		return fmt.Sprintf("bring it back first: keyward renew %s --reactivate", e.Alias)
	case "key_expired":
		return fmt.Sprintf("renew it first: keyward renew %s", e.Alias)
	}
	return keyHint(e)
}

// auditHint covers the audit log, labels and the actor.
func auditHint(e *keys.Error) string {
	if e.Op == "show" {
		switch e.Reason {
		case "malformed":
			return "check that the whole string was copied, on one line"
		case "not_found":
			return "it may come from another keyward database; check --db"
		}
	}
	switch e.Reason {
	case "audit_log_broken":
		return "the database was changed outside keyward; compare it with a backup, and keep `keyward log head` somewhere safe"
	case "invalid_head":
		return "give what keyward log head printed, such as 42:9f86d0…"
	case "invalid_action":
		return "use one of " + actionList()
	case "invalid_meta":
		return "give labels as NAME=VALUE: a lowercase name such as env or team, a value of at most 256 characters"
	case "invalid_actor":
		return "set KEYWARD_ACTOR to a name on one line, or unset it to record the login name"
	}
	return ""
}

func actionList() string {
	s := ""
	for i, a := range keys.Actions {
		if i > 0 {
			s += ", "
		}
		s += string(a)
	}
	return s
}
