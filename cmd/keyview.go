package cmd

import (
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
)

// whenBoth is a time in a record: on a terminal the absolute time with
// the relative one beside it ("2026-12-08T05:06:20Z (in 15d)"), piped
// the absolute time alone.
func whenBoth(t *time.Time, now time.Time, tty bool) string {
	abs := output.When(t, now, false)
	if t == nil || !tty {
		return abs
	}
	return abs + " (" + output.Relative(*t, now) + ")"
}

// recordTable renders one key as labelled lines.
func (f *Factory) recordTable(k *keys.Key, extra ...[2]string) *output.Table {
	now, tty := f.now(), f.IO.OutTTY
	t := output.NewTable().Shorten("NAME", "DESCRIPTION", "OWNER", "ROLES", "SCOPES", "REASON", "META")
	for _, e := range extra {
		t.Row(e[0], e[1])
	}
	t.Row("ALIAS", k.Alias)
	t.Row("ID", k.ID)
	t.Row("NAME", k.Name)
	if k.Description != "" {
		t.Row("DESCRIPTION", strings.ReplaceAll(strings.ReplaceAll(k.Description, "\n", " / "), "\t", " "))
	}
	t.Row("OWNER", dash(k.Owner))
	t.Row("ROLES", dash(strings.Join(k.Roles, ",")))
	t.Row("SCOPES", strings.Join(k.Scopes, ","))
	t.Row("STATUS", string(k.Status))
	t.Paint(1, f.statusPaint(k.Status))
	t.Row("CREATED", whenBoth(&k.CreatedAt, now, tty))
	t.Row("UPDATED", whenBoth(&k.UpdatedAt, now, tty))
	t.Row("EXPIRES", whenBoth(&k.ExpiresAt, now, tty))
	t.Row("LAST USED", whenBoth(k.LastUsedAt, now, tty))
	if k.RevokedAt != nil {
		t.Row("REVOKED", whenBoth(k.RevokedAt, now, tty))
		if k.RevokeReason != "" {
			t.Row("REASON", k.RevokeReason)
		}
	}
	t.Row("TTL", keys.FormatDuration(k.TTL))
	t.Row("TOKEN TTL", keys.FormatDuration(k.TokenTTL))
	t.Row("MASKED", k.Masked)
	if len(k.Meta) > 0 {
		t.Row("META", metaText(k.Meta))
	}
	return t
}

// keysTable renders several keys, one per row.
func (f *Factory) keysTable(ks []*keys.Key) *output.Table {
	now, tty := f.now(), f.IO.OutTTY
	t := output.NewTable("ALIAS", "ID", "STATUS", "EXPIRES")
	for _, k := range ks {
		t.Row(k.Alias, k.ID, string(k.Status), output.When(&k.ExpiresAt, now, tty))
		t.Paint(2, f.statusPaint(k.Status))
	}
	return t
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// metaText writes labels on one line: "env=prod, team=billing".
func metaText(m keys.Meta) string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		names[i] = name + "=" + m[name]
	}
	return strings.Join(names, ", ")
}
