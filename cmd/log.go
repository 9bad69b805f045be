package cmd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// LogOptions are the arguments of keyward log.
type LogOptions struct {
	Ref     string
	Actions []keys.Action
	Since   time.Duration
	Limit   int
}

// NewCmdLog builds keyward log and its subcommands verify and head.
func NewCmdLog(f *Factory, runF func(context.Context, *LogOptions) error) *cobra.Command {
	var (
		opts    LogOptions
		actions []string
	)
	c := &cobra.Command{
		Use:   "log [ALIAS|ID]",
		Short: "Show the audit log: every change, newest first",
		Long: `Show the audit log, newest first: one event per change to a key (create,
renew, update, revoke, reactivate, rotate, token, import) or to the scope
registry (scope_add, scope_remove), each with when, who (KEYWARD_ACTOR, else
the login name), what changed, and the hash that chains it to the event
before. Given a key, only its events.

keyward log verify checks the chain; keyward log head prints the latest
SEQ:HASH, to keep somewhere else and give to log verify --head later.`,
		Example: `  keyward log --limit 20
  keyward log ci-bot --action rotate --action revoke
  keyward log --since 7d -o json | jq '.[] | select(.actor != "cron")'`,
		Args: refArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "log takes at most one alias or id").WithHint("keyward log ALIAS, or keyward log for every key")
			}
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			for _, a := range actions {
				act, err := keys.ParseAction(a)
				if err != nil {
					return err
				}
				opts.Actions = append(opts.Actions, act)
			}
			if opts.Limit < 0 {
				return keys.Errorf(keys.EINVALID, "usage", "--limit must not be negative").WithHint("give a number of events, such as --limit 20")
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runLog(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&actions, "action", nil, "only events of this action (repeatable)")
	durationVar(fl, &opts.Since, "since", "only events of the last DUR")
	fl.IntVar(&opts.Limit, "limit", 0, "at most N events (0: all)")
	completeFlags(c, map[string]cobra.CompletionFunc{"action": completeActions})
	c.ValidArgsFunction = f.completeAliases(1, everyKey)
	c.AddCommand(newCmdLogVerify(f), newCmdLogHead(f))
	return c
}

func completeActions(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	out := make([]string, len(keys.Actions))
	for i, a := range keys.Actions {
		out[i] = string(a)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func runLog(ctx context.Context, f *Factory, opts *LogOptions) error {
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	filter := keys.EventFilter{Ref: opts.Ref, Actions: opts.Actions, Since: opts.Since, Limit: opts.Limit}
	if f.JSON {
		a := NewArray(f.IO.Out)
		err := store.Events(ctx, filter, func(e *keys.Event) error {
			b, err := output.Marshal(output.NewEventDoc(e))
			if err != nil {
				return err
			}
			return a.Add(b)
		})
		if err != nil {
			return err
		}
		return a.Close()
	}
	now, tty := f.now(), f.IO.OutTTY
	t := output.NewTable("SEQ", "AT", "ACTOR", "ACTION", "ALIAS", "DETAILS").Shorten("ACTOR", "DETAILS")
	err = store.Events(ctx, filter, func(e *keys.Event) error {
		t.Row(strconv.FormatInt(e.Seq, 10), output.When(&e.At, now, tty), e.Actor, string(e.Action), dash(e.Alias), summarize(e.Details))
		return nil
	})
	if err != nil {
		return err
	}
	if t.Len() == 0 {
		f.Hint("no events match")
		return nil
	}
	return f.PrintTable(t)
}

// summarize writes details on one line: "owner: ops → billing, reason=leaked".
func summarize(d keys.Details) string {
	parts := make([]string, 0, len(d))
	for _, name := range slices.Sorted(maps.Keys(d)) {
		v := d[name]
		if m, ok := asMap(v); ok {
			if old, okOld := m["old"]; okOld {
				if nw, okNew := m["new"]; okNew && len(m) == 2 {
					parts = append(parts, name+": "+summaryValue(old)+" → "+summaryValue(nw))
					continue
				}
			}
		}
		parts = append(parts, name+"="+summaryValue(v))
	}
	return strings.Join(parts, ", ")
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case keys.Details:
		return m, true
	case map[string]any:
		return m, true
	}
	return nil, false
}

func summaryValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return `""`
		}
		return strings.NewReplacer("\n", " ", "\t", " ").Replace(v)
	case []string:
		return "[" + strings.Join(v, ",") + "]"
	case []any:
		s := make([]string, len(v))
		for i, e := range v {
			s[i] = summaryValue(e)
		}
		return "[" + strings.Join(s, ",") + "]"
	case keys.Meta:
		return summarizeStrings(v)
	case map[string]string:
		return summarizeStrings(v)
	}
	if m, ok := asMap(v); ok {
		s := make([]string, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			s = append(s, k+"="+summaryValue(m[k]))
		}
		return "{" + strings.Join(s, ",") + "}"
	}
	return fmt.Sprint(v)
}

func summarizeStrings(m map[string]string) string {
	s := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s = append(s, k+"="+m[k])
	}
	return "{" + strings.Join(s, ",") + "}"
}

func newCmdLogVerify(f *Factory) *cobra.Command {
	var head string
	c := &cobra.Command{
		Use:   "verify [--head SEQ:HASH]",
		Short: "Check the audit log's hash chain",
		Long: `Check that every event of the audit log still matches its hash and the
chain from the first event on: exit 0 when it does, 1 naming the first event
(seq) that was edited, deleted or moved. With --head, a SEQ:HASH printed by
keyward log head earlier, also check that the log still holds that event:
events cut from the end of the log are caught only this way.`,
		Example: `  keyward log verify
  keyward log verify --head "$(cat /secure/keyward-head)"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			var h *keys.Head
			if c.Flags().Changed("head") {
				parsed, err := keys.ParseHead(head)
				if err != nil {
					return err
				}
				h = &parsed
			}
			store, err := f.Open(c.Context(), false)
			if err != nil {
				return err
			}
			got, err := store.CheckLog(c.Context(), h)
			if err != nil {
				return err
			}
			if f.JSON {
				return f.PrintJSON(output.LogVerifyDoc{Intact: true, Events: got.Seq, Head: got.String()})
			}
			_, err = fmt.Fprintf(f.IO.Out, "intact: %d events, head %s\n", got.Seq, got)
			return err
		},
	}
	c.Flags().StringVar(&head, "head", "", "a SEQ:HASH from keyward log head that the log must still hold")
	return c
}

func newCmdLogHead(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "head",
		Short: "Print the audit log's latest SEQ:HASH",
		Long: `Print the latest event's SEQ:HASH (0 and 64 zeros for an empty log). Keep it
where whoever can write the database cannot (syslog on another machine, a
ticket): keyward log verify --head SEQ:HASH then proves the log still holds
that event and everything before it.`,
		Example: `  keyward log head | logger -t keyward-head`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			store, err := f.Open(c.Context(), false)
			if err != nil {
				return err
			}
			h, err := store.LogHead(c.Context())
			if err != nil {
				return err
			}
			if f.JSON {
				return f.PrintJSON(output.LogHeadDoc{Seq: h.Seq, Hash: h.Hash, Head: h.String()})
			}
			_, err = fmt.Fprintln(f.IO.Out, h)
			return err
		},
	}
}
