package cmd

import (
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/pflag"
)

// durationValue is a DUR flag (90m, 36h, 15d, 2w, 1d12h) parsed by
// keys.ParseDuration; zero means not given. An empty value is refused:
// --ttl "$TTL" with TTL unset must not quietly fall back to the default.
type durationValue struct {
	name string
	d    *time.Duration
}

func durationVar(fl *pflag.FlagSet, d *time.Duration, name, usage string) {
	fl.Var(&durationValue{name: name, d: d}, name, usage)
}

func (v *durationValue) Set(s string) error {
	if s == "" {
		return keys.Errorf(keys.EINVALID, "invalid_duration", "--%s: invalid duration \"\"", v.name).
			WithHint("use a positive duration such as 90m, 36h, 15d, 2w or 1d12h, or leave --%s out", v.name)
	}
	d, err := keys.ParseDuration(s)
	if err != nil {
		e := err.(*keys.Error)
		e.Message = "--" + v.name + ": " + e.Message
		return e
	}
	*v.d = d
	return nil
}

func (v *durationValue) String() string {
	if *v.d == 0 {
		return ""
	}
	return keys.FormatDuration(*v.d)
}

func (v *durationValue) Type() string { return "duration" }

// countValue is a non-negative whole-number flag (--limit, --offset): an
// overflowing or negative value is a clear usage error.
type countValue struct {
	name string
	n    *int
}

func countVar(fl *pflag.FlagSet, n *int, name, usage string) {
	fl.Var(&countValue{name: name, n: n}, name, usage)
}

func (v *countValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return keys.Errorf(keys.EINVALID, "invalid_number", "--%s: %q is not a whole number between 0 and %d", v.name, clipArg(s), maxInt).
			WithHint("for example --%s 50", v.name)
	}
	*v.n = n
	return nil
}

func (v *countValue) String() string { return strconv.Itoa(*v.n) }

func (v *countValue) Type() string { return "int" }

const maxInt = int(^uint(0) >> 1)

func clipArg(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
