package cmd

import "github.com/keyward/keyward/internal/keys"

// message is the "keyward: error:" line of e: the domain's own words,
// except where the command line names what the operator typed.
func message(e *keys.Error) string {
	switch {
	case e.Hint != "":
	case e.Reason == "invalid_flags" && e.Op == "create":
		return "--reactivate only applies with --or-renew"
	case e.Reason == "secret_in_argument":
		return "refusing a key or token as a command-line argument: it would be left in shell history and ps"
	}
	return e.Message
}
