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

// Relative writes the distance from now to t in its largest unit,
// rounded to the nearest: a key made with --ttl 15d a few seconds ago
// expires "in 15d", not "in 14d".
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	future := d >= 0
	if !future {
		d = -d
	}
	const day = 24 * time.Hour
	var s string
	switch {
	case d < time.Second:
		return "now"
	case d.Round(time.Second) < time.Minute:
		s = strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s"
	case d.Round(time.Minute) < time.Hour:
		s = strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + "m"
	case d.Round(time.Hour) < day:
		s = strconv.Itoa(int(d.Round(time.Hour)/time.Hour)) + "h"
	default:
		s = strconv.Itoa(int((d+day/2)/day)) + "d"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
