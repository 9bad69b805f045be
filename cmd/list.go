package cmd

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// ListOptions are the arguments of keyward list.
type ListOptions struct {
	Status         string
	Role           string
	Scope          string
	Owner          *string
	Search         string
	ExpiringWithin time.Duration // 0: no expiry filter
	Sort           string
	Desc           bool
	Limit          int // 0: no limit
	Offset         int
	Meta           []string // NAME=VALUE labels a key must all carry
}

// filtered reports whether opts narrow the list beyond the default.
func (o *ListOptions) filtered() bool { return o.selective() || o.Offset != 0 }

// selective reports whether opts choose keys by more than the default
// status.
func (o *ListOptions) selective() bool {
	return o.Status != "" || o.Role != "" || o.Scope != "" || o.Owner != nil || o.Search != "" || o.ExpiringWithin != 0 || len(o.Meta) > 0
}

// NewCmdList builds keyward list; runF replaces the run function in tests.
func NewCmdList(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	var (
		opts  ListOptions
		owner string
	)
	c := &cobra.Command{
		Use:   "list",
		Short: "List keys, filtered, sorted and paged",
		Long: `List keys. Revoked keys are hidden unless --status revoked or all is given.
Secrets and hashes are never shown.

--search matches alias, name, description and owner, case-insensitively.
--expiring-within D matches keys whose expiry is at most D away, including
already-expired ones (add --status active to leave those out). --scope S
matches keys that hold S, by name or through "*".

With -o json the output is an array, streamed row by row: a million keys list
in constant memory.`,
		Example: `  keyward list
  keyward list --status all --search backup
  keyward list --expiring-within 7d --sort expires
  keyward list --meta env=prod
  keyward list --role agent -o json | jq -r '.[].alias'
  keyward list --sort created --desc --limit 20 --offset 40`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Owner = changedString(c, "owner", owner)
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runList(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Status, "status", "", "active, expired, revoked or all (default: all but revoked)")
	fl.StringVar(&opts.Role, "role", "", "only keys holding this role")
	fl.StringVar(&opts.Scope, "scope", "", "only keys holding this scope")
	fl.StringVar(&owner, "owner", "", "only keys of this owner")
	fl.StringVar(&opts.Search, "search", "", "text in alias, name, description or owner")
	durationVar(fl, &opts.ExpiringWithin, "expiring-within", "only keys expiring within this duration, e.g. 7d")
	fl.StringVar(&opts.Sort, "sort", "created", "created, alias, expires or last_used")
	fl.BoolVar(&opts.Desc, "desc", false, "sort in descending order")
	countVar(fl, &opts.Limit, "limit", "at most this many keys (0: no limit)")
	countVar(fl, &opts.Offset, "offset", "skip this many keys first")
	fl.StringArrayVar(&opts.Meta, "meta", nil, "only keys with this label NAME=VALUE (repeatable: all of them)")
	completeFlags(c, map[string]cobra.CompletionFunc{
		"status": fixedValues(statusValues), "sort": fixedValues(sortValues),
		"role": f.completeRoles, "scope": f.completeScopes,
	})
	return c
}

// filter turns the flags into a validated keys.Filter.
func (o *ListOptions) filter(p keys.Policy) (keys.Filter, error) {
	f := keys.Filter{Role: o.Role, Scope: o.Scope, Owner: o.Owner, Search: o.Search, Sort: o.Sort, Desc: o.Desc,
		ExpiringWithin: o.ExpiringWithin, Limit: o.Limit, Offset: o.Offset}
	var err error
	if o.Status != "" {
		if f.Status, f.AllStatuses, err = keys.ParseStatus(o.Status); err != nil {
			return f, err
		}
	}
	if !slices.Contains(keys.SortKeys, o.Sort) {
		return f, keys.Errorf(keys.EINVALID, "invalid_sort", "unknown sort %q", clipArg(o.Sort)).
			WithHint("use one of %s", strings.Join(keys.SortKeys, ", "))
	}
	if o.Role != "" {
		if _, err := p.NormalizeRoles([]string{o.Role}); err != nil {
			return f, err
		}
	}
	if o.Scope != "" {
		if err := keys.ValidateScopeName(o.Scope); err != nil {
			return f, err
		}
	}
	if len(o.Meta) > 0 {
		if f.Meta, err = keys.ParseMeta(o.Meta); err != nil {
			return f, err
		}
	}
	return f, nil
}

func runList(ctx context.Context, f *Factory, opts *ListOptions) error {
	filter, err := opts.filter(f.Config.Policy)
	if err != nil {
		return err
	}
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	if f.JSON {
		a := NewArray(f.IO.Out)
		var buf []byte
		err := store.ListKeys(ctx, filter, func(k *keys.Key) error {
			buf = output.AppendKey(buf[:0], k)
			return a.Add(buf)
		})
		if err != nil {
			return err
		}
		return a.Close()
	}
	now, tty := f.now(), f.IO.OutTTY
	t := output.NewTable("ALIAS", "ID", "NAME", "ROLES", "SCOPES", "STATUS", "EXPIRES", "LAST USED").Shorten("NAME", "ROLES", "SCOPES")
	err = store.ListKeys(ctx, filter, func(k *keys.Key) error {
		t.Row(k.Alias, k.ID, k.Name, dash(strings.Join(k.Roles, ",")), strings.Join(k.Scopes, ","), string(k.Status),
			output.When(&k.ExpiresAt, now, tty), output.When(k.LastUsedAt, now, tty))
		t.Paint(5, f.statusPaint(k.Status))
		return nil
	})
	if err != nil {
		return err
	}
	if t.Len() == 0 {
		if opts.filtered() {
			f.Hint("no keys match these filters; see every key with: keyward list --status all")
		} else {
			f.Hint("no keys yet (revoked ones show with --status all); create one with: keyward create ALIAS")
		}
		return nil
	}
	if err := f.PrintTable(t); err != nil {
		return err
	}
	// Only a person at a terminal reads the hint: the count is a second
	// query, paid only when the limit may have cut the list.
	if f.IO.OutTTY && filter.Limit > 0 && t.Len() == filter.Limit {
		return f.hintLimited(ctx, store, filter, opts, t.Len())
	}
	return nil
}

// hintLimited says how many keys --limit left out, and how to see them.
func (f *Factory) hintLimited(ctx context.Context, store keys.Store, filter keys.Filter, opts *ListOptions, shown int) error {
	total, err := store.CountKeys(ctx, filter)
	if err != nil {
		return err
	}
	rest := total - filter.Offset - shown
	if rest <= 0 {
		return nil
	}
	of := thousands(total) + " keys"
	if opts.selective() {
		of = thousands(total) + " matching keys"
	}
	page, more := fmt.Sprintf("showing %s of %s", thousands(shown), of), "every one with --limit 0"
	if filter.Offset > 0 {
		page = fmt.Sprintf("showing %s–%s of %s", thousands(filter.Offset+1), thousands(filter.Offset+shown), of)
		more = "all the rest with --limit 0"
	}
	f.Hint("%s; see the next %s with --offset %d, %s, or narrow the list with --search TEXT",
		page, thousands(min(rest, shown)), filter.Offset+shown, more)
	return nil
}

// thousands writes n with commas between groups of three digits: 2,314.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
