package cmd

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
)

// countingStore counts the CountKeys calls a command makes.
type countingStore struct {
	keys.Store
	counts int
}

func (s *countingStore) CountKeys(ctx context.Context, f keys.Filter) (int, error) {
	s.counts++
	return s.Store.CountKeys(ctx, f)
}

// newListFactory is a Factory on a database holding n keys, alias k00,
// k01, …, each with a long name, and a store that counts its counts.
func newListFactory(t *testing.T, n int, env map[string]string) (*Factory, lifecycleIO, *countingStore) {
	t.Helper()
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	f, s := newLifecycleFactory(t, &now)
	for k, v := range env {
		f.IO.Env = func(prev func(string) (string, bool)) func(string) (string, bool) {
			return func(name string) (string, bool) {
				if name == k {
					return v, true
				}
				return prev(name)
			}
		}(f.IO.Env)
	}
	ctx := context.Background()
	for i := range n {
		name := fmt.Sprintf("Key number %d of the nightly billing export to the partner's archive", i)
		if err := runCreate(ctx, f, &CreateOptions{Alias: fmt.Sprintf("k%02d", i), Name: &name, Quiet: true}); err != nil {
			t.Fatal(err)
		}
	}
	store, err := f.Open(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: store}
	f.store = cs
	s.out.Reset()
	s.errOut.Reset()
	return f, s, cs
}

func TestRunListFitsTheTerminal(t *testing.T) {
	ctx := context.Background()
	f, s, _ := newListFactory(t, 2, nil)
	f.IO.OutTTY, f.IO.OutWidth = true, 90
	if err := runList(ctx, f, &ListOptions{Sort: "alias"}); err != nil {
		t.Fatal(err)
	}
	k, err := f.store.FindKey(ctx, "k01")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(s.out.String(), "\n"), "\n")
	for _, l := range lines {
		if w := output.Width(l); w > 90 {
			t.Errorf("a line of %d columns on a 90-column terminal: %q", w, l)
		}
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space: %q", l)
		}
	}
	if !strings.HasPrefix(lines[2], "k01    "+k.ID+"  Key number 1 of the nig") || !strings.HasSuffix(lines[2], "…  -      *       active  in 15d   -") {
		t.Errorf("the name gives way, alias, id, status and times stay whole:\n%s", s.out)
	}

	// COLUMNS, when set, is the width.
	f.IO.Env = func(prev func(string) (string, bool)) func(string) (string, bool) {
		return func(name string) (string, bool) {
			if name == "COLUMNS" {
				return "80", true
			}
			return prev(name)
		}
	}(f.IO.Env)
	s.out.Reset()
	if err := runList(ctx, f, &ListOptions{Sort: "alias"}); err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(strings.TrimSuffix(s.out.String(), "\n"), "\n")
	if w := output.Width(lines[0]); w != 80 {
		t.Errorf("with COLUMNS=80 the header takes %d columns:\n%s", w, s.out)
	}
	for _, l := range lines {
		if w := output.Width(l); w > 80 {
			t.Errorf("a line of %d columns with COLUMNS=80: %q", w, l)
		}
	}

	// Piped, or as JSON, every value is whole.
	f.IO.OutTTY = false
	s.out.Reset()
	if err := runList(ctx, f, &ListOptions{Sort: "alias"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.out.String(), output.Ellipsis) || !strings.Contains(s.out.String(), k.Name) {
		t.Errorf("piped output was shortened:\n%s", s.out)
	}
	f.IO.OutTTY, f.JSON = true, true
	s.out.Reset()
	if err := runList(ctx, f, &ListOptions{Sort: "alias"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.out.String(), `"name":"`+k.Name+`"`) {
		t.Errorf("JSON was shortened:\n%s", s.out)
	}
}

// A key's record fits the terminal too, but its key string is never cut.
func TestCreateOnATerminalKeepsTheKeyWhole(t *testing.T) {
	ctx := context.Background()
	f, s, _ := newListFactory(t, 0, map[string]string{"COLUMNS": "50"})
	f.IO.OutTTY = true
	desc := strings.Repeat("the description of a key that goes on ", 5)
	if err := runCreate(ctx, f, &CreateOptions{Alias: "long", Description: &desc}); err != nil {
		t.Fatal(err)
	}
	// The key string is wider than 50 columns: the description gives way
	// down to it, and the key stays whole.
	var key string
	var keyLine, descLine int
	for _, l := range strings.Split(s.out.String(), "\n") {
		if rest, ok := strings.CutPrefix(l, "KEY "); ok {
			key, keyLine = strings.TrimSpace(rest), output.Width(l)
		}
		if strings.HasPrefix(l, "DESCRIPTION ") {
			descLine = output.Width(l)
			if !strings.HasSuffix(l, output.Ellipsis) {
				t.Errorf("description not shortened: %q", l)
			}
		}
	}
	if descLine != keyLine {
		t.Errorf("description line %d columns, key line %d:\n%s", descLine, keyLine, s.out)
	}
	if sub, err := f.store.FindCredential(ctx, keys.Hash(key)); err != nil || sub == nil {
		t.Errorf("the key string on the terminal is not whole (%v):\n%s", err, s.out)
	}
}

func TestRunListSaysWhenTheLimitCut(t *testing.T) {
	ctx := context.Background()
	f, s, cs := newListFactory(t, 25, nil)
	f.IO.OutTTY = true
	for _, c := range []struct {
		opts ListOptions
		hint string // "" : none
	}{
		{ListOptions{Limit: 20}, "keyward: hint: showing 20 of 25 keys; see the next 5 with --offset 20, every one with --limit 0, or narrow the list with --search TEXT\n"},
		{ListOptions{Limit: 10, Offset: 5}, "keyward: hint: showing 6–15 of 25 keys; see the next 10 with --offset 15, all the rest with --limit 0, or narrow the list with --search TEXT\n"},
		{ListOptions{Limit: 3, Search: "KEY NUMBER 1"}, "keyward: hint: showing 3 of 11 matching keys; see the next 3 with --offset 3, every one with --limit 0, or narrow the list with --search TEXT\n"},
		{ListOptions{Limit: 25}, ""},             // the limit cut nothing
		{ListOptions{Limit: 20, Offset: 20}, ""}, // fewer than the limit: no count
		{ListOptions{}, ""},
	} {
		c.opts.Sort = "created"
		s.out.Reset()
		s.errOut.Reset()
		if err := runList(ctx, f, &c.opts); err != nil {
			t.Fatal(err)
		}
		if got := s.errOut.String(); got != c.hint {
			t.Errorf("%+v: stderr %q, want %q", c.opts, got, c.hint)
		}
	}
	if cs.counts != 4 {
		t.Errorf("%d counts; want 4: one per list the limit filled", cs.counts)
	}

	// Piped or JSON: no hint, and no count paid for.
	cs.counts = 0
	for _, json := range []bool{false, true} {
		f.IO.OutTTY, f.JSON = json, json // JSON on a terminal too
		s.errOut.Reset()
		if err := runList(ctx, f, &ListOptions{Sort: "created", Limit: 20}); err != nil {
			t.Fatal(err)
		}
		if s.errOut.Len() != 0 {
			t.Errorf("json=%v: stderr %q", json, s.errOut)
		}
	}
	if cs.counts != 0 {
		t.Errorf("%d counts for piped and JSON lists", cs.counts)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 2314: "2,314", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// A label filter is a filter: an empty result does not say there are no
// keys yet.
func TestRunListEmptyWithLabelFilter(t *testing.T) {
	f, s, _ := newListFactory(t, 1, nil)
	if err := runList(context.Background(), f, &ListOptions{Sort: "created", Meta: []string{"env=nowhere"}}); err != nil {
		t.Fatal(err)
	}
	if got := s.errOut.String(); !strings.HasPrefix(got, "keyward: hint: no keys match these filters") {
		t.Errorf("stderr %q", got)
	}
}
