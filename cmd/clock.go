package cmd

import "time"

// testClock is the clock of every run; nil means the system clock. Only
// the test binary sets it, to move time forward in the stories without
// sleeping.
var testClock func() time.Time
