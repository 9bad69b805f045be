package cmd

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func testRoot() *cobra.Command {
	f := &Factory{IO: &IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Env: func(string) (string, bool) { return "", false }}}
	return NewCmdRoot(f)
}

// visible is every command a user can see in help, the root included.
func visible(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		out = append(out, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

// TestHelpTexts checks that every command a user can see explains itself:
// a one-line Short, a Long saying when to use it, and Examples.
func TestHelpTexts(t *testing.T) {
	cmds := visible(testRoot())
	if len(cmds) < 10 {
		t.Fatalf("only %d commands found", len(cmds))
	}
	for _, c := range cmds {
		name := c.CommandPath()
		short := strings.TrimSpace(c.Short)
		switch {
		case short == "":
			t.Errorf("%s: no Short", name)
		case strings.Contains(c.Short, "\n"):
			t.Errorf("%s: Short is more than one line", name)
		case strings.HasSuffix(short, "."):
			t.Errorf("%s: Short ends with a period", name)
		}
		if strings.TrimSpace(c.Long) == "" {
			t.Errorf("%s: no Long", name)
		} else if strings.TrimSpace(c.Long) == short {
			t.Errorf("%s: Long only repeats Short", name)
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: no Example", name)
		}
	}
}

// TestExamplesParse checks every keyward invocation in every Example:
// the command exists, its flags parse and its arguments are accepted.
func TestExamplesParse(t *testing.T) {
	checked := 0
	for _, c := range visible(testRoot()) {
		for line := range strings.SplitSeq(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			for _, args := range keywardInvocations(line) {
				root := testRoot()
				checked++
				if err := parseExample(root, args); err != nil {
					t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d example invocations checked", checked)
	}
}

// parseExample does what cobra does before running a command: find it,
// parse its flags, validate its arguments.
func parseExample(root *cobra.Command, args []string) error {
	c, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if err := c.ParseFlags(rest); err != nil {
		return err
	}
	if c.Runnable() {
		return c.ValidateArgs(c.Flags().Args())
	}
	return nil
}

// keywardInvocations finds the arguments of each keyward command on a
// shell line: the words after "keyward" up to a pipe, redirection or
// the end of a command substitution.
func keywardInvocations(line string) [][]string {
	words := shellWords(line)
	var out [][]string
	for i := 0; i < len(words); i++ {
		if words[i] != "keyward" {
			continue
		}
		args := []string{}
		for i++; i < len(words) && !isOperator(words[i]); i++ {
			args = append(args, words[i])
		}
		if i < len(words) && (words[i] == "<" || words[i] == ">") {
			i++ // the redirection's file name
		}
		out = append(out, args)
	}
	return out
}

func isOperator(w string) bool {
	switch w {
	case "|", "<", ">", "(", ")", ";", "&":
		return true
	}
	return false
}

// shellWords splits a line into words, honouring single and double
// quotes, with shell operators as words of their own. Enough for
// examples; not a shell.
func shellWords(line string) []string {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quote  rune
	)
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			flush()
		case isOperator(string(r)):
			flush()
			words = append(words, string(r))
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words
}

func TestShellWords(t *testing.T) {
	got := keywardInvocations(`KEY=$(keyward create deploy -q) && grep -o 'kw_[A-Za-z0-9_]*' app.log | keyward revoke --reason "laptop stolen" --key-file - < x.txt; keyward list`)
	want := [][]string{{"create", "deploy", "-q"}, {"revoke", "--reason", "laptop stolen", "--key-file", "-"}, {"list"}}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("invocation %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
