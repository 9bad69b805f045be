package keys

import (
	"errors"
	"fmt"
)

// Error codes: the category of a failure, from which the command line
// derives its exit status.
const (
	EINTERNAL    = "internal"    // I/O, database, anything the operator cannot fix by retyping
	EINVALID     = "invalid"     // usage error or invalid input
	ENOTFOUND    = "not_found"   // alias, id or scope does not exist
	ECONFLICT    = "conflict"    // alias exists, key revoked, scope in use
	EREJECTED    = "rejected"    // a credential was refused
	EINTERRUPTED = "interrupted" // the operation was cancelled
)

// Error is a failure the user can act on. Code is the category, Reason a
// stable snake_case name for scripts (alias_exists), Message a factual
// line in the domain's words. The other fields carry the values a caller
// needs to say what to do about it; which are set depends on Reason.
type Error struct {
	Code    string
	Reason  string
	Message string
	Hint    string

	Op    string // what was refused, where a reason alone is ambiguous: "token", "revoke"
	Alias string // the key concerned
	Scope string // the scope concerned
	Role  string // the role concerned (the admin role, for admin_only_scope)
	// Values holds what else a reason names: "max_ttl", "field", "path", …
	Values map[string]string

	Err error // the underlying cause, never shown to the user
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and reason.
func Errorf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// With returns e with values set, given as name, value pairs.
func (e *Error) With(kv ...string) *Error {
	if e.Values == nil {
		e.Values = make(map[string]string, len(kv)/2)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Values[kv[i]] = kv[i+1]
	}
	return e
}

// WithHint returns e with its hint set: for the command line's own
// errors only; the domain and the stores leave hints to it.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// Wrap records the underlying cause of e.
func (e *Error) Wrap(err error) *Error {
	e.Err = err
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
