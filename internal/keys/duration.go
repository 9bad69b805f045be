package keys

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseDuration parses a Go duration extended with days (d) and weeks
// (w): "90m", "36h", "15d", "2w", "1d12h". Zero, negative, overflowing and
// unparsable values are errors: a TTL must be a real window.
func ParseDuration(s string) (time.Duration, error) {
	d, err := parseDuration(s)
	if err != nil {
		return 0, Errorf(EINVALID, "invalid_duration", "invalid duration %q", clip(s)).With("problem", "syntax")
	}
	return d, nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s[0] == '-' || s[0] == '+' {
		return 0, strconv.ErrSyntax
	}
	var total time.Duration
	rest := s
	for rest != "" {
		// Split off the leading number and its unit.
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || unit == "" {
			return 0, strconv.ErrSyntax
		}
		var part time.Duration
		switch unit {
		case "d", "w":
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			per := 24 * time.Hour
			if unit == "w" {
				per *= 7
			}
			v := f * float64(per)
			if v >= math.MaxInt64 {
				return 0, strconv.ErrRange
			}
			part = time.Duration(v)
		default:
			var err error
			if part, err = time.ParseDuration(num + unit); err != nil {
				return 0, err
			}
		}
		if total > math.MaxInt64-part {
			return 0, strconv.ErrRange
		}
		total += part
	}
	if total <= 0 {
		return 0, strconv.ErrRange
	}
	return total, nil
}

// FormatDuration writes d in the largest units that divide it exactly:
// 15d, 36h, 1d12h, 90m, 45s.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	units := []struct {
		suffix string
		size   time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if n := d / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.suffix)
			d -= n * u.size
		}
	}
	if d > 0 {
		b.WriteString(d.String())
	}
	return b.String()
}

// clip shortens user input quoted in a message so that a pasted megabyte
// does not become a megabyte of error, and hides input that looks like a
// key or token pasted in the wrong place: an error must not echo a secret.
func clip(s string) string {
	const max = 64
	if LooksLikeCredential(s) {
		return "(not shown: it looks like a key or token)"
	}
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
