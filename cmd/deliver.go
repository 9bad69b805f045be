package cmd

import (
	"errors"

	"github.com/keyward/keyward/internal/keys"
)

// New secrets are written before the transaction that stores them
// commits: a key string nobody could write down is never stored. The
// reverse can still happen, rarely: the string was written, and then the
// commit failed. The operator must then learn that what was printed does
// not work.

// errNotSaved is the failure of a write after its new key strings (what)
// were printed: exit 1, or 130 when a signal rolled it back.
func errNotSaved(what string, err error) error {
	var ke *keys.Error
	if !errors.As(err, &ke) {
		ke = keys.Errorf(keys.EINTERNAL, "db_error", "%s", err.Error())
	}
	if ke.Reason == "commit_unknown" {
		return ke.WithHint("look the printed key up with keyward show --key-file -; if it is not found, run the command again")
	}
	code := keys.EINTERNAL
	if ke.Code == keys.EINTERRUPTED {
		code = keys.EINTERRUPTED
	}
	return keys.Errorf(code, "not_saved", "the %s printed above %s not saved: %s", what, wasOrWere(what), ke.Message).
		WithHint("discard it: it does not work; then run the command again").Wrap(err)
}

func wasOrWere(what string) string {
	if what == "keys" {
		return "were"
	}
	return "was"
}

// errRotateOutput is the failure to write a rotated key's new string to
// standard output, before anything was committed.
func errRotateOutput(err error) error {
	return keys.Errorf(keys.EINTERNAL, "output_failed", "cannot write the new key string to standard output (%s); the key was not rotated", pathErr(err)).
		WithHint("check the disk or the pipe that standard output goes to, then run the command again").Wrap(err)
}

// errRotateInterrupted ends a rotation whose new string was written when
// a signal came, before the commit.
func errRotateInterrupted() error {
	return keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted; the key was not rotated, and the string printed does not work")
}
