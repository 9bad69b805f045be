package keys

import (
	"errors"
	"fmt"
	"testing"
)

func asError(err error, target **Error) bool { return errors.As(err, target) }

func TestErrorCode(t *testing.T) {
	e := Errorf(ENOTFOUND, "key_not_found", "no key %q", "x").WithHint("list keys")
	if got := ErrorCode(e); got != ENOTFOUND {
		t.Errorf("ErrorCode = %q", got)
	}
	wrapped := fmt.Errorf("find: %w", e)
	if got := ErrorCode(wrapped); got != ENOTFOUND {
		t.Errorf("ErrorCode of a wrapped error = %q", got)
	}
	if got := ErrorCode(errors.New("disk on fire")); got != EINTERNAL {
		t.Errorf("ErrorCode of a plain error = %q", got)
	}
	if e.Error() != `no key "x"` || e.Hint != "list keys" {
		t.Errorf("message %q, hint %q", e.Error(), e.Hint)
	}
	cause := errors.New("cause")
	if !errors.Is(Errorf(EINTERNAL, "x", "y").Wrap(cause), cause) {
		t.Error("Wrap does not keep the cause")
	}
}
