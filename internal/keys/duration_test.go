package keys

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	good := []struct {
		in   string
		want time.Duration
	}{
		{"90m", 90 * time.Minute},
		{"36h", 36 * time.Hour},
		{"15d", 15 * day},
		{"2w", 14 * day},
		{"1d12h", 36 * time.Hour},
		{"1w2d3h4m5s", 9*day + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"1.5d", 36 * time.Hour},
		{"0.5w", 84 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"1500ms", 1500 * time.Millisecond},
		{" 2h ", 2 * time.Hour},
		{"0d1s", time.Second},
		{"106751d", 106751 * day},
	}
	for _, tc := range good {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		"", " ", "0", "0s", "0d", "0w", "0h0m", // zero
		"-1h", "-2d", "+1h", "1h-1m", // signed
		"15", "d", "1x", "soon", "1 d", "1d 2h", "1e3h", "1..5d", "1.5.5d", "1dd", "NaNd", "Infd", "h1", // garbage
		"99999999999999h", "106752d", "999999999d", "200000w", "9223372036854775807ns1ns", // overflow
		"106751d23h47m17s", "15250w2d", // just past the largest duration
	}
	for _, in := range bad {
		d, err := ParseDuration(in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
			continue
		}
		if ErrorCode(err) != EINVALID {
			t.Errorf("ParseDuration(%q): code %q, want %q", in, ErrorCode(err), EINVALID)
		}
	}
}

func TestParseDurationErrorIsOneLineAndClipped(t *testing.T) {
	long := ""
	for range 100 {
		long += "garbage"
	}
	_, err := ParseDuration(long)
	var e *Error
	if !asError(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if len(e.Message) > 120 {
		t.Errorf("message is %d bytes long: %q", len(e.Message), e.Message)
	}
	if e.Reason != "invalid_duration" || e.Values["problem"] != "syntax" {
		t.Errorf("reason %q, values %v", e.Reason, e.Values)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{15 * 24 * time.Hour, "15d"},
		{36 * time.Hour, "1d12h"},
		{90 * time.Minute, "1h30m"},
		{45 * time.Second, "45s"},
		{25 * time.Hour, "1d1h"},
		{0, "0s"},
		{-time.Hour, "0s"},
	} {
		if got := FormatDuration(tc.in); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// What FormatDuration writes, ParseDuration reads back.
	for _, d := range []time.Duration{time.Second, 90 * time.Minute, 36 * time.Hour, 90 * 24 * time.Hour, 1234567 * time.Second} {
		got, err := ParseDuration(FormatDuration(d))
		if err != nil || got != d {
			t.Errorf("round trip of %v: %v, %v", d, got, err)
		}
	}
}
