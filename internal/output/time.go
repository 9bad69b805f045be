package output

import (
	"strconv"
	"time"
)

// When formats t for a table: relative to now on a terminal ("in 14d",
// "3h ago"), RFC 3339 when piped. A nil time is "-".
func When(t *time.Time, now time.Time, tty bool) string {
	if t == nil {
		return "-"
	}
	if !tty {
		return t.UTC().Format(TimeFormat)
	}
	return Relative(*t, now)
}

// Relative writes the distance from now to t in its largest whole unit.
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	future := d >= 0
	if !future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		if d < time.Second {
			return "now"
		}
		s = strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		s = strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 24*time.Hour:
		s = strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		s = strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
